package coordinator

import (
	"strconv"
	"strings"

	"github.com/kseg/kseg/internal/kbin"
)

// A small description of Kafka's flexible message schemas, enough for the
// coordinator records added since Kafka 3.7 (KIP-848 consumer groups, KIP-932
// share groups and share-group state, KIP-1071 streams groups) and the
// tiered-storage metadata records. All of them are flexible from version 0:
// compact strings, bytes and arrays (uvarint length + 1, 0 = null), a uuid as
// 16 raw bytes, and a tagged-field section at the end of every struct. The
// field lists below are transcriptions of the apache/kafka JSON schemas named
// next to each (facts, not code); JSON names are the schema names with the
// first letter lower-cased, as Kafka's generated JsonConverters write them.

type ftype uint8

const (
	fInt8 ftype = iota
	fInt16
	fUint16
	fInt32
	fInt64
	fBool
	fUUID
	fString
	fBytes
	fInt32s
	fInt16s
	fStrings
	fStruct
	fStructs
)

// sfield is one schema field. tag >= 0 makes it a tagged field (written
// only when it differs from its default: def for numbers, null for structs).
type sfield struct {
	name     string // schema name, e.g. "MemberEpoch"
	typ      ftype
	nullable bool
	tag      int
	def      int64
	fields   []sfield // fStruct, fStructs
}

func f(name string, typ ftype) sfield { return sfield{name: name, typ: typ, tag: -1} }
func fNull(name string, typ ftype) sfield {
	return sfield{name: name, typ: typ, nullable: true, tag: -1}
}
func fStructOf(name string, fields ...sfield) sfield {
	return sfield{name: name, typ: fStruct, tag: -1, fields: fields}
}
func fArrayOf(name string, fields ...sfield) sfield {
	return sfield{name: name, typ: fStructs, tag: -1, fields: fields}
}
func fTagged(tag int, def int64, s sfield) sfield {
	s.tag, s.def = tag, def
	if !s.numeric() {
		s.nullable = true // non-numeric tagged fields default to null here
	}
	return s
}

func (s *sfield) numeric() bool { return s.typ <= fBool }

// isDefault reports whether a tagged field holds its default, which Kafka's
// writers and JSON converters then omit.
func (s *sfield) isDefault(v *Value) bool {
	if s.numeric() {
		return v.Int == s.def
	}
	return v.Null
}

func (s *sfield) jsonName() string {
	if s.name == "" {
		return ""
	}
	return strings.ToLower(s.name[:1]) + s.name[1:]
}

// messageSchema is one record's value (or frame body) layout. Some
// in-development schemas changed without a version bump; alt lists the
// earlier layouts of the same version, tried when the newest one does not
// consume the bytes exactly.
type messageSchema struct {
	name   string
	fields []sfield
	alt    [][]sfield
}

// Message is a decoded flexible message: its schema name and its fields in
// schema order. Values own their memory.
type Message struct {
	Name    string
	fields  []sfield
	Values  []Value
	Unknown []TaggedField
}

// Value is one field's value; which member is set depends on the type.
type Value struct {
	Int     int64 // int8/16/32/64, uint16, bool (0/1)
	Str     string
	Null    bool // a null string, bytes, array or struct; an absent tagged struct
	Bytes   []byte
	UUID    [16]byte
	Ints    []int32
	Strs    []string
	Struct  *Message
	Structs []*Message
}

func (m *Message) index(name string) int {
	if m == nil {
		return -1
	}
	for i := range m.fields {
		if m.fields[i].name == name {
			return i
		}
	}
	return -1
}

// Get returns the named field's value and whether the schema has it.
func (m *Message) Get(name string) (Value, bool) {
	if i := m.index(name); i >= 0 {
		return m.Values[i], true
	}
	return Value{}, false
}

// Int returns a numeric field, or def when absent.
func (m *Message) Int(name string, def int64) int64 {
	if v, ok := m.Get(name); ok {
		return v.Int
	}
	return def
}

// Str returns a string field ("" when null or absent).
func (m *Message) Str(name string) string { v, _ := m.Get(name); return v.Str }

// Structs returns an array-of-struct field.
func (m *Message) Structs(name string) []*Message { v, _ := m.Get(name); return v.Structs }

// decodeMessage reads a flexible struct of these fields.
func decodeMessage(r *reader, name string, fields []sfield, depth int) *Message {
	m := &Message{Name: name, fields: fields, Values: make([]Value, len(fields))}
	if depth > 8 {
		r.fail(r.pos(), ReasonTruncated, "structs nested too deeply")
		return m
	}
	for i := range fields {
		fd := &fields[i]
		if fd.tag >= 0 {
			if fd.numeric() {
				m.Values[i].Int = fd.def
			} else {
				m.Values[i].Null = true
			}
			continue
		}
		m.Values[i] = readValue(r, fd, depth)
	}
	m.Unknown = r.taggedFields(func(tag uint32, data []byte) bool {
		for i := range fields {
			fd := &fields[i]
			if fd.tag < 0 || uint32(fd.tag) != tag {
				continue
			}
			sub := newReader(data, r.part)
			m.Values[i] = readValue(sub, fd, depth)
			if sub.err() == nil && sub.remaining() != 0 {
				sub.fail(sub.pos(), ReasonBadTaggedField, "tag %d (%s): %d bytes left over", tag, fd.name, sub.remaining())
			}
			if sub.err() != nil {
				r.fail(0, ReasonBadTaggedField, "tag %d (%s): %s", tag, fd.name, sub.err().Detail)
			}
			return true
		}
		return false
	})
	return m
}

func readValue(r *reader, fd *sfield, depth int) Value {
	var v Value
	switch fd.typ {
	case fInt8:
		v.Int = int64(r.int8(fd.name))
	case fInt16:
		v.Int = int64(r.int16(fd.name))
	case fUint16:
		v.Int = int64(uint16(r.int16(fd.name)))
	case fInt32:
		v.Int = int64(r.int32(fd.name))
	case fInt64:
		v.Int = r.int64(fd.name)
	case fBool:
		if r.int8(fd.name) != 0 {
			v.Int = 1
		}
	case fUUID:
		if p := r.take(16, fd.name); p != nil {
			copy(v.UUID[:], p)
		}
	case fString:
		if fd.nullable {
			s := r.nullableString(true, fd.name)
			v.Null = s == nil && r.err() == nil
			if s != nil {
				v.Str = *s
			}
		} else {
			v.Str = r.string(true, fd.name)
		}
	case fBytes:
		if fd.nullable {
			v.Bytes = r.nullableBytes(true, fd.name)
			v.Null = v.Bytes == nil && r.err() == nil
		} else {
			v.Bytes = r.bytes(true, fd.name)
		}
	case fInt32s:
		if n := readArrayLen(r, fd, 4); n < 0 {
			v.Null = true
		} else {
			v.Ints = make([]int32, n)
			for i := range v.Ints {
				v.Ints[i] = r.int32(fd.name)
			}
		}
	case fInt16s:
		if n := readArrayLen(r, fd, 2); n < 0 {
			v.Null = true
		} else {
			v.Ints = make([]int32, n)
			for i := range v.Ints {
				v.Ints[i] = int32(r.int16(fd.name))
			}
		}
	case fStrings:
		if n := readArrayLen(r, fd, 1); n < 0 {
			v.Null = true
		} else {
			v.Strs = make([]string, n)
			for i := range v.Strs {
				v.Strs[i] = r.string(true, fd.name)
			}
		}
	case fStruct:
		switch {
		case fd.nullable && fd.tag >= 0:
			// A tagged nullable struct starts with an unsigned varint,
			// 0 for null (MessageDataGenerator.generateStructReader).
			if r.uvarint(fd.name) == 0 {
				v.Null = true
				return v
			}
		case fd.nullable:
			// An untagged one with an int8: negative for null, 1 present.
			if r.int8(fd.name) < 0 {
				v.Null = true
				return v
			}
		}
		v.Struct = decodeMessage(r, fd.name, fd.fields, depth+1)
	case fStructs:
		n := readArrayLen(r, fd, 1)
		if r.err() != nil {
			return v
		}
		if n < 0 {
			v.Null = true
			return v
		}
		v.Structs = make([]*Message, 0, n)
		for i := 0; i < n && r.err() == nil; i++ {
			v.Structs = append(v.Structs, decodeMessage(r, fd.name, fd.fields, depth+1))
		}
	}
	return v
}

// readArrayLen reads a compact array count: -1 for null, which only a
// nullable field may be (Kafka: "non-nullable field X was serialized as
// null"); 0 after any failure.
func readArrayLen(r *reader, fd *sfield, minElem int) int {
	start := r.pos()
	n := r.arrayLen(true, minElem, fd.name)
	if n < 0 && !fd.nullable {
		r.fail(start, ReasonNullField, "non-nullable field %s was serialized as null", fd.name)
	}
	if r.err() != nil {
		return 0
	}
	return n
}

// appendMessage encodes m with its schema (the writer's side of
// decodeMessage): tagged fields are written when they differ from their
// defaults, with unknown ones, in tag order.
func appendMessage(dst []byte, m *Message) []byte {
	var tagged []TaggedField
	for i := range m.fields {
		fd := &m.fields[i]
		v := &m.Values[i]
		if fd.tag >= 0 {
			if fd.isDefault(v) {
				continue
			}
			tagged = append(tagged, TaggedField{Tag: uint32(fd.tag), Data: appendValue(nil, fd, v)})
			continue
		}
		dst = appendValue(dst, fd, v)
	}
	return appendTaggedFields(dst, tagged, m.Unknown)
}

func appendValue(dst []byte, fd *sfield, v *Value) []byte {
	switch fd.typ {
	case fInt8, fBool:
		return append(dst, byte(v.Int))
	case fInt16, fUint16:
		return kbin.AppendInt16(dst, int16(v.Int))
	case fInt32:
		return kbin.AppendInt32(dst, int32(v.Int))
	case fInt64:
		return kbin.AppendInt64(dst, v.Int)
	case fUUID:
		return append(dst, v.UUID[:]...)
	case fString:
		if v.Null {
			return kbin.AppendUvarint(dst, 0)
		}
		return kbin.AppendString(dst, true, v.Str)
	case fBytes:
		if v.Null {
			return kbin.AppendUvarint(dst, 0)
		}
		return kbin.AppendBytes(dst, true, nonNil(v.Bytes))
	case fInt32s:
		if v.Null {
			return kbin.AppendUvarint(dst, 0)
		}
		return appendInt32Array(dst, true, v.Ints)
	case fInt16s:
		if v.Null {
			return kbin.AppendUvarint(dst, 0)
		}
		dst = kbin.AppendLength(dst, true, true, len(v.Ints))
		for _, x := range v.Ints {
			dst = kbin.AppendInt16(dst, int16(x))
		}
		return dst
	case fStrings:
		if v.Null {
			return kbin.AppendUvarint(dst, 0)
		}
		return appendStringArray(dst, true, v.Strs)
	case fStruct:
		if fd.nullable {
			if v.Null {
				return append(dst, 0xff)
			}
			dst = append(dst, 1)
		}
		return appendMessage(dst, v.Struct)
	case fStructs:
		if v.Null {
			return kbin.AppendUvarint(dst, 0)
		}
		dst = kbin.AppendUvarint(dst, uint32(len(v.Structs)+1))
		for _, s := range v.Structs {
			dst = appendMessage(dst, s)
		}
	}
	return dst
}

// appendJSON writes m as Kafka's generated JsonConverter.write does.
func (m *Message) appendJSON(dst []byte) []byte {
	o := newObject(dst)
	for i := range m.fields {
		fd := &m.fields[i]
		v := &m.Values[i]
		if fd.tag >= 0 && fd.isDefault(v) {
			continue
		}
		k := fd.jsonName()
		switch {
		case v.Null:
			o.null(k)
		case fd.typ == fBool:
			o.bool(k, v.Int != 0)
		case fd.typ <= fInt64:
			o.int(k, v.Int)
		case fd.typ == fUUID:
			o.str(k, kbin.UUID(v.UUID).String())
		case fd.typ == fString:
			o.str(k, v.Str)
		case fd.typ == fBytes:
			o.bytes(k, v.Bytes)
		case fd.typ == fInt32s, fd.typ == fInt16s:
			o.int32s(k, v.Ints)
		case fd.typ == fStrings:
			o.strs(k, v.Strs)
		case fd.typ == fStruct:
			o.raw(k, v.Struct.appendJSON(nil))
		case fd.typ == fStructs:
			o.array(k, len(v.Structs), func(dst []byte, i int) []byte { return v.Structs[i].appendJSON(dst) })
		}
	}
	for _, t := range m.Unknown {
		// Kafka's converters drop unknown tags; kseg shows them.
		o.hex("_tag"+itoa(int(t.Tag)), t.Data)
	}
	return o.end()
}

func itoa(n int) string { return strconv.Itoa(n) }

// decode decodes b from position start (after the version) with the
// schema's layout. Like Kafka's readers it ignores bytes after the record,
// except for schemas with earlier layouts (alt), where the layout that
// consumes the bytes exactly is the one that was written; when none does,
// the first error is returned.
func (s *messageSchema) decode(b []byte, start int, part string) (*Message, *DecodeError) {
	layouts := append([][]sfield{s.fields}, s.alt...)
	var firstErr *DecodeError
	for _, fields := range layouts {
		r := newReader(b, part)
		r.take(start, "version")
		m := decodeMessage(r, s.name, fields, 0)
		if r.err() == nil && r.remaining() != 0 && len(layouts) > 1 {
			r.fail(r.pos(), ReasonTrailingBytes, "%d byte(s) after %s", r.remaining(), s.name)
		}
		if r.err() == nil {
			return m, nil
		}
		if firstErr == nil {
			firstErr = r.err()
		}
	}
	return nil, firstErr
}
