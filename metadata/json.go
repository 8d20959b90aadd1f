package metadata

import (
	"encoding/base64"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

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
		dst = appendJSONString(dst, "UNKNOWN("+strconv.Itoa(int(rec.Type))+")")
	} else {
		dst = appendJSONString(dst, rec.Name)
	}
	dst = append(dst, `,"version":`...)
	dst = strconv.AppendInt(dst, int64(rec.Version), 10)
	if rec.Data != nil {
		dst = append(dst, `,"data":`...)
		dst = appendStructJSON(dst, rec.Data, rec.Version)
	}
	if rec.Err != nil {
		dst = append(dst, `,"error":`...)
		dst = appendJSONString(dst, rec.Err.Error())
	}
	if rec.Data == nil && rec.Raw != nil {
		dst = append(dst, `,"raw":`...)
		dst = appendJSONString(dst, base64.StdEncoding.EncodeToString(rec.Raw))
	}
	return append(dst, '}')
}

// AppendStructJSON appends s as Kafka's JsonConverter.write would for
// version v: fields in schema order, tagged fields only when not default.
// Unknown tagged fields, which Kafka's converters drop, are shown as
// "_unknownTaggedFields":[{"tag":N,"data":"<base64>"}].
func AppendStructJSON(dst []byte, s *Struct, v int16) []byte { return appendStructJSON(dst, s, v) }

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
		dst = appendJSONString(dst, f.Name)
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
			dst = appendJSONString(dst, base64.StdEncoding.EncodeToString(t.Data))
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
		return appendJSONString(dst, x)
	case []byte:
		// Jackson writes a BinaryNode as standard base64 with padding.
		return appendJSONString(dst, base64.StdEncoding.EncodeToString(x))
	case kbin.UUID:
		return appendJSONString(dst, x.String())
	case *Struct:
		return appendStructJSON(dst, x, v)
	case []int32:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = strconv.AppendInt(dst, int64(e), 10)
		}
		return append(dst, ']')
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

const upperHex = "0123456789ABCDEF"

// appendJSONString escapes s as Jackson does: \" \\ \b \t \n \f \r, \u00XX
// for other control characters, UTF-8 otherwise (invalid bytes become
// U+FFFD, as Java's UTF-8 decoding makes them).
func appendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				if c < 0x20 {
					dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xf])
				} else {
					dst = append(dst, c)
				}
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}
