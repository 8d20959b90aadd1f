package metadata

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"

	"github.com/kseg/kseg/internal/jackson"
	"github.com/kseg/kseg/internal/kbin"
)

// AppendJSON appends the record as kafka-dump-log.sh
// --cluster-metadata-decoder prints it (DumpLogSegments'
// ClusterMetadataLogMessageParser): {"type":"TOPIC_RECORD","version":0,
// "data":{...}} with the data written as Kafka's generated JsonConverter
// writes it (MetadataJsonConverters). Where Kafka prints "Error at offset…,
// skipping", kseg prints what it could decode plus "error" (and the body as
// base64 in "raw" when it could not be decoded).
func (rec *Record) AppendJSON(dst []byte) []byte {
	dst = append(dst, `{"type":`...)
	if rec.Name == "UNKNOWN" {
		dst = jackson.AppendString(dst, "UNKNOWN("+strconv.Itoa(int(rec.Type))+")")
	} else {
		dst = jackson.AppendString(dst, rec.Name)
	}
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendInt(dst, int64(rec.Version), 10)
	if rec.Data != nil {
		dst = append(dst, `,"data":`...)
		dst = appendStructJSON(dst, rec.Data, rec.Version)
	}
	if rec.Err != nil {
		dst = append(dst, `,"error":`...)
		dst = jackson.AppendString(dst, rec.Err.Error())
	}
	if rec.Data == nil && rec.Raw != nil {
		dst = append(dst, `,"raw":`...)
		dst = jackson.AppendString(dst, base64.StdEncoding.EncodeToString(rec.Raw))
	}
	return append(dst, '}')
}

// appendStructJSON appends s as Kafka's JsonConverter.write would for
// version v: fields in schema order, tagged fields only when not default.
// Unknown tagged fields, which Kafka's converters drop, are shown as
// "_unknownTaggedFields":[{"tag":N,"data":"<base64>"}].
func appendStructJSON(dst []byte, s *Struct, v int16) []byte {
	dst = append(dst, '{')
	n := 0
	for i := range s.Fields {
		f := &s.Fields[i]
		if f.spec != nil && f.spec.tagged.has(v) && isDefault(f.spec, f.Value, v, true) {
			continue
		}
		if n > 0 {
			dst = append(dst, ',')
		}
		n++
		dst = jackson.AppendString(dst, f.Name)
		dst = append(dst, ':')
		dst = appendValueJSON(dst, f.Value, v)
	}
	if len(s.Unknown) > 0 {
		if n > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, `"_unknownTaggedFields":[`...)
		for i, t := range s.Unknown {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"tag":`...)
			dst = strconv.AppendUint(dst, uint64(t.Tag), 10)
			dst = append(dst, `,"data":`...)
			dst = jackson.AppendString(dst, base64.StdEncoding.EncodeToString(t.Data))
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

func appendValueJSON(dst []byte, val any, v int16) []byte {
	switch x := val.(type) {
	case nil:
		return append(dst, "null"...)
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case float64:
		return appendJavaDouble(dst, x)
	case string:
		return jackson.AppendString(dst, x)
	case []byte:
		// Jackson writes a BinaryNode as standard base64 with padding.
		return jackson.AppendString(dst, base64.StdEncoding.EncodeToString(x))
	case kbin.UUID:
		return jackson.AppendString(dst, x.String())
	case *Struct:
		return appendStructJSON(dst, x, v)
	case []int32:
		return jackson.AppendInt32s(dst, x)
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendValueJSON(dst, e, v)
		}
		return append(dst, ']')
	}
	return append(dst, "null"...)
}

// appendJavaDouble writes x as Java's Double.toString (what Jackson prints
// for a DoubleNode): "100.0", "1.048576E7", "1.0E-4".
func appendJavaDouble(dst []byte, x float64) []byte {
	switch {
	case math.IsNaN(x):
		return append(dst, `"NaN"`...)
	case math.IsInf(x, 1):
		return append(dst, `"Infinity"`...)
	case math.IsInf(x, -1):
		return append(dst, `"-Infinity"`...)
	case x == 0:
		if math.Signbit(x) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}
	if a := math.Abs(x); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(x, 'f', -1, 64)
		dst = append(dst, s...)
		if !strings.Contains(s, ".") {
			dst = append(dst, ".0"...)
		}
		return dst
	}
	s := strconv.FormatFloat(x, 'e', -1, 64) // d.ddde±XX
	mant, exp, _ := strings.Cut(s, "e")
	dst = append(dst, mant...)
	if !strings.Contains(mant, ".") {
		dst = append(dst, ".0"...)
	}
	dst = append(dst, 'E')
	e, _ := strconv.Atoi(exp)
	return strconv.AppendInt(dst, int64(e), 10)
}
