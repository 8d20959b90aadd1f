package coordinator

import (
	"encoding/base64"
	"encoding/hex"
	"strconv"

	"github.com/kseg/kseg/internal/jackson"
)

// jsonObject appends one JSON object with a fixed key order, formatted the
// way Jackson's ObjectNode.toString does (what DumpLogSegments prints): no
// spaces, strings escaped with \" \\ \b \t \n \f \r and \u00XX (upper-case hex)
// for other control characters, everything else written as UTF-8.
type jsonObject struct {
	b []byte
	n int
}

func newObject(dst []byte) *jsonObject { return &jsonObject{b: append(dst, '{')} }

func (o *jsonObject) key(k string) {
	if o.n > 0 {
		o.b = append(o.b, ',')
	}
	o.n++
	o.b = jackson.AppendString(o.b, k)
	o.b = append(o.b, ':')
}

func (o *jsonObject) str(k, v string) { o.key(k); o.b = jackson.AppendString(o.b, v) }
func (o *jsonObject) int(k string, v int64) {
	o.key(k)
	o.b = strconv.AppendInt(o.b, v, 10)
}
func (o *jsonObject) bool(k string, v bool) { o.key(k); o.b = strconv.AppendBool(o.b, v) }
func (o *jsonObject) null(k string)         { o.key(k); o.b = append(o.b, "null"...) }

func (o *jsonObject) nullableStr(k string, v *string) {
	if v == nil {
		o.null(k)
		return
	}
	o.str(k, *v)
}

// bytes writes b as Jackson writes a BinaryNode: standard base64 with padding.
func (o *jsonObject) bytes(k string, b []byte) {
	if b == nil {
		o.null(k)
		return
	}
	o.str(k, base64.StdEncoding.EncodeToString(b))
}

func (o *jsonObject) hex(k string, b []byte) { o.str(k, hex.EncodeToString(b)) }

// raw writes an already-encoded JSON value.
func (o *jsonObject) raw(k string, v []byte) { o.key(k); o.b = append(o.b, v...) }

func (o *jsonObject) int32s(k string, v []int32) { o.key(k); o.b = jackson.AppendInt32s(o.b, v) }

func (o *jsonObject) strs(k string, v []string) {
	o.key(k)
	o.b = append(o.b, '[')
	for i, s := range v {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = jackson.AppendString(o.b, s)
	}
	o.b = append(o.b, ']')
}

// array writes a JSON array whose elements each is given a fresh destination.
func (o *jsonObject) array(k string, n int, elem func(dst []byte, i int) []byte) {
	o.key(k)
	o.b = append(o.b, '[')
	for i := 0; i < n; i++ {
		if i > 0 {
			o.b = append(o.b, ',')
		}
		o.b = elem(o.b, i)
	}
	o.b = append(o.b, ']')
}

func (o *jsonObject) end() []byte { return append(o.b, '}') }

// hexEnd adds one hex field and closes the object.
func (o *jsonObject) hexEnd(k string, b []byte) []byte { o.hex(k, b); return o.end() }

// kafkaText renders a record the way Kafka's DumpLogSegments decoders do:
// the key as {"type":"<id>","data":{…}}, the value as
// {"version":"<v>","data":{…}}, or "<DELETE>" for a tombstone.
func kafkaText(keyType int, keyData []byte, tombstone bool, valueVersion int16, valueData func() []byte) (key, value string) {
	o := newObject(nil)
	o.str("type", strconv.Itoa(keyType))
	o.raw("data", keyData)
	key = string(o.end())
	if tombstone {
		return key, "<DELETE>"
	}
	o = newObject(nil)
	o.str("version", strconv.Itoa(int(valueVersion)))
	o.raw("data", valueData())
	return key, string(o.end())
}

// recordValue adds a record's value fields to kseg's JSON: null for a
// tombstone, else its version and decoded value.
func (o *jsonObject) recordValue(tombstone bool, valueVersion int16, valueData func() []byte) {
	o.bool("tombstone", tombstone)
	if tombstone {
		o.null("valueVersion")
		o.null("value")
		return
	}
	o.int("valueVersion", int64(valueVersion))
	o.raw("value", valueData())
}
