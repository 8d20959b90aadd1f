package coordinator

import (
	"encoding/binary"
	"fmt"
	"slices"
)

// TaggedField is a tagged field this package does not model, kept so that
// decode -> encode preserves it.
type TaggedField struct {
	Tag  uint32 `json:"tag"`
	Data []byte `json:"data"`
}

// reader decodes Kafka message-schema primitives from one key or value. The
// first error is sticky: later reads return zero values, so decoders check
// r.err once per struct.
type reader struct {
	b    []byte
	pos  int
	part string
	err  *DecodeError
}

func (r *reader) fail(pos int, reason, format string, args ...any) {
	if r.err == nil {
		r.err = &DecodeError{Part: r.part, Position: pos, Reason: reason, Detail: fmt.Sprintf(format, args...)}
	}
}

func (r *reader) remaining() int { return len(r.b) - r.pos }

func (r *reader) take(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.remaining() {
		r.fail(r.pos, ReasonTruncated, "%s needs %d bytes, %d remain", what, n, r.remaining())
		return nil
	}
	p := r.b[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return p
}

func (r *reader) int8(what string) int8 {
	if p := r.take(1, what); p != nil {
		return int8(p[0])
	}
	return 0
}

func (r *reader) int16(what string) int16 {
	if p := r.take(2, what); p != nil {
		return int16(binary.BigEndian.Uint16(p))
	}
	return 0
}

func (r *reader) int32(what string) int32 {
	if p := r.take(4, what); p != nil {
		return int32(binary.BigEndian.Uint32(p))
	}
	return 0
}

func (r *reader) int64(what string) int64 {
	if p := r.take(8, what); p != nil {
		return int64(binary.BigEndian.Uint64(p))
	}
	return 0
}

// uvarint reads Kafka's unsigned varint (ByteUtils.readUnsignedVarint), which
// fails after 5 bytes.
func (r *reader) uvarint(what string) uint32 {
	if r.err != nil {
		return 0
	}
	start := r.pos
	var v uint32
	for i := 0; i < 5; i++ {
		if r.pos >= len(r.b) {
			r.fail(start, ReasonTruncated, "%s: unterminated varint", what)
			return 0
		}
		c := r.b[r.pos]
		r.pos++
		v |= uint32(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v
		}
	}
	r.fail(start, ReasonBadVarint, "%s: varint longer than 5 bytes", what)
	return 0
}

// length reads a string, bytes or array length: int16 (classic strings),
// int32 (classic bytes and arrays) or uvarint-1 (compact). -1 means null.
func (r *reader) length(flexible, wide bool, what string) int {
	switch {
	case flexible:
		return int(r.uvarint(what)) - 1
	case wide:
		return int(r.int32(what))
	default:
		return int(r.int16(what))
	}
}

func (r *reader) nullableString(flexible bool, what string) *string {
	start := r.pos
	n := r.length(flexible, false, what)
	if r.err != nil || n < 0 {
		return nil
	}
	if n > 0x7fff { // Kafka: "string field ... had invalid length"
		r.fail(start, ReasonBadLength, "%s: string length %d exceeds 32767", what, n)
		return nil
	}
	s := string(r.take(n, what))
	return &s
}

func (r *reader) string(flexible bool, what string) string {
	start := r.pos
	s := r.nullableString(flexible, what)
	if s == nil {
		if r.err == nil {
			r.fail(start, ReasonNullField, "non-nullable field %s was serialized as null", what)
		}
		return ""
	}
	return *s
}

// nullableBytes returns nil for null and a non-nil (possibly empty) copy otherwise.
func (r *reader) nullableBytes(flexible bool, what string) []byte {
	n := r.length(flexible, true, what)
	if r.err != nil || n < 0 {
		return nil
	}
	p := r.take(n, what)
	if p == nil {
		return nil
	}
	return append(make([]byte, 0, n), p...)
}

func (r *reader) bytes(flexible bool, what string) []byte {
	start := r.pos
	p := r.nullableBytes(flexible, what)
	if p == nil && r.err == nil {
		r.fail(start, ReasonNullField, "non-nullable field %s was serialized as null", what)
	}
	return p
}

// arrayLen reads an array count (-1 = null) and refuses counts whose
// elements, each at least minElem bytes, cannot fit in what remains: the
// guard Kafka's generated readers apply ("Tried to allocate a collection of
// size N, but there are only M bytes remaining").
func (r *reader) arrayLen(flexible bool, minElem int, what string) int {
	start := r.pos
	n := r.length(flexible, true, what)
	if r.err != nil || n < 0 {
		return n
	}
	if n > r.remaining()/minElem {
		r.fail(start, ReasonCountTooLarge, "%s: %d elements of at least %d bytes, %d bytes remain", what, n, minElem, r.remaining())
		return 0
	}
	return n
}

func (r *reader) nonNullArrayLen(flexible bool, minElem int, what string) int {
	start := r.pos
	n := r.arrayLen(flexible, minElem, what)
	if n < 0 && r.err == nil {
		r.fail(start, ReasonNullField, "non-nullable field %s was serialized as null", what)
	}
	if r.err != nil {
		return 0
	}
	return n
}

func (r *reader) int32Array(flexible bool, what string) []int32 {
	n := r.nonNullArrayLen(flexible, 4, what)
	out := make([]int32, n)
	for i := range out {
		out[i] = r.int32(what)
	}
	return out
}

func (r *reader) stringArray(flexible bool, what string) []string {
	minElem := 2
	if flexible {
		minElem = 1
	}
	n := r.nonNullArrayLen(flexible, minElem, what)
	out := make([]string, n)
	for i := range out {
		out[i] = r.string(flexible, what)
	}
	return out
}

// taggedFields reads a flexible struct's tagged-field section. known is
// offered each field first; fields it declines are returned.
func (r *reader) taggedFields(known func(tag uint32, data []byte) bool) []TaggedField {
	n := int(r.uvarint("tagged field count"))
	if r.err != nil {
		return nil
	}
	if n > r.remaining()/2 { // each field needs at least a tag and a size byte
		r.fail(r.pos, ReasonCountTooLarge, "%d tagged fields, %d bytes remain", n, r.remaining())
		return nil
	}
	var unknown []TaggedField
	for i := 0; i < n && r.err == nil; i++ {
		tag := r.uvarint("tag")
		size := int(r.uvarint("tagged field size"))
		start := r.pos
		data := r.take(size, "tagged field")
		if r.err != nil {
			return nil
		}
		if known != nil && known(tag, data) {
			if r.err != nil {
				r.err.Position = start
			}
			continue
		}
		unknown = append(unknown, TaggedField{Tag: tag, Data: append([]byte{}, data...)})
	}
	// Keep them in the order the writer emits them, so decode -> encode ->
	// decode is stable even for a file whose tags were out of order.
	slices.SortStableFunc(unknown, compareTags)
	return unknown
}

func compareTags(a, b TaggedField) int {
	switch {
	case a.Tag < b.Tag:
		return -1
	case a.Tag > b.Tag:
		return 1
	}
	return 0
}

// Encoding helpers, mirroring the reader.

func appendInt16(dst []byte, v int16) []byte { return binary.BigEndian.AppendUint16(dst, uint16(v)) }
func appendInt32(dst []byte, v int32) []byte { return binary.BigEndian.AppendUint32(dst, uint32(v)) }
func appendInt64(dst []byte, v int64) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v)) }

func appendUvarint(dst []byte, v uint32) []byte { return binary.AppendUvarint(dst, uint64(v)) }

func appendLength(dst []byte, flexible, wide bool, n int) []byte {
	switch {
	case flexible:
		return appendUvarint(dst, uint32(n+1))
	case wide:
		return appendInt32(dst, int32(n))
	default:
		return appendInt16(dst, int16(n))
	}
}

func appendString(dst []byte, flexible bool, s string) []byte {
	return append(appendLength(dst, flexible, false, len(s)), s...)
}

func appendNullableString(dst []byte, flexible bool, s *string) []byte {
	if s == nil {
		return appendLength(dst, flexible, false, -1)
	}
	return appendString(dst, flexible, *s)
}

func appendBytes(dst []byte, flexible bool, b []byte) []byte {
	if b == nil {
		return appendLength(dst, flexible, true, -1)
	}
	return append(appendLength(dst, flexible, true, len(b)), b...)
}

func appendInt32Array(dst []byte, flexible bool, v []int32) []byte {
	dst = appendLength(dst, flexible, true, len(v))
	for _, x := range v {
		dst = appendInt32(dst, x)
	}
	return dst
}

func appendStringArray(dst []byte, flexible bool, v []string) []byte {
	dst = appendLength(dst, flexible, true, len(v))
	for _, s := range v {
		dst = appendString(dst, flexible, s)
	}
	return dst
}

// appendTaggedFields writes known and unknown tagged fields in ascending tag
// order, as Kafka's writers do.
func appendTaggedFields(dst []byte, known, unknown []TaggedField) []byte {
	all := append(append([]TaggedField(nil), known...), unknown...)
	slices.SortStableFunc(all, compareTags)
	dst = appendUvarint(dst, uint32(len(all)))
	for _, f := range all {
		dst = appendUvarint(dst, f.Tag)
		dst = appendUvarint(dst, uint32(len(f.Data)))
		dst = append(dst, f.Data...)
	}
	return dst
}
