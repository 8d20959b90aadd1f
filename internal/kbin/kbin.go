// Package kbin reads and writes the primitives of Kafka's message schemas
// (clients/src/main/resources/common/message/*.json and the KRaft metadata
// records under metadata/src/main/resources/common/metadata/): big-endian
// fixed-width integers, Kafka's unsigned and zigzag varints, UUIDs, classic
// (int16/int32 length) and compact (uvarint length+1) strings, bytes and
// arrays, and the tagged-field section that ends every flexible struct.
//
// The layouts follow Kafka's generated readers and
// clients/src/main/java/org/apache/kafka/common/protocol/Readable.java,
// ByteBufferAccessor.java and common/utils/ByteUtils.java.
//
// Reader is a bounds-checked cursor over one byte slice. Errors are sticky,
// like archive/tar's: after the first failure every read returns a zero value
// and Err reports the first failure, so a decoder may read a whole struct and
// check once. Lengths are checked against the bytes that remain before
// anything is allocated. A Reader is not safe for concurrent use; slices it
// returns alias the input.
package kbin

import (
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
)

// ErrTruncated is matched (errors.Is) by an *Error whose field runs past the
// end of the input.
var ErrTruncated = errors.New("kseg/kbin: truncated data")

// ErrCorrupt is matched by every other *Error: the bytes are there but are
// not a value Kafka's reader would accept.
var ErrCorrupt = errors.New("kseg/kbin: corrupt data")

// Reason classifies an *Error. The string values are stable (they appear in
// JSON output); append only.
type Reason string

// Reasons.
const (
	ReasonTruncated     Reason = "truncated"       // a field runs past the end
	ReasonBadVarint     Reason = "bad-varint"      // a varint longer than Kafka allows
	ReasonBadLength     Reason = "bad-length"      // a negative or oversized length
	ReasonNullField     Reason = "null-field"      // null where the schema forbids it
	ReasonCountTooLarge Reason = "count-too-large" // more elements than bytes remain
	ReasonBadTaggedData Reason = "bad-tagged-data" // a tagged field's body does not match its size
)

// Error reports where and why a read failed. Position is the byte position
// (within the Reader's input) where the bad field starts.
type Error struct {
	Position int
	Reason   Reason
	What     string // the field being read, e.g. "topicId"
	Detail   string
}

func (e *Error) Error() string {
	return fmt.Sprintf("kseg/kbin: position %d: %s: %s: %s", e.Position, e.What, e.Reason, e.Detail)
}

// Is makes errors.Is match ErrTruncated for truncation and ErrCorrupt for the rest.
func (e *Error) Is(target error) bool {
	if e.Reason == ReasonTruncated {
		return target == ErrTruncated
	}
	return target == ErrCorrupt
}

// UUID is Kafka's 128-bit Uuid (clients/.../common/Uuid.java).
type UUID [16]byte

// String is Uuid.toString: URL-safe base64 without padding (22 characters).
func (u UUID) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// IsZero reports whether u is Uuid.ZERO_UUID (all zero bits), Kafka's "no uuid".
func (u UUID) IsZero() bool { return u == UUID{} }

// TaggedField is one entry of a flexible struct's tagged-field section.
type TaggedField struct {
	Tag  uint32 `json:"tag"`
	Data []byte `json:"data"`
}

// Reader is a sticky-error cursor over b. The zero value reads nothing.
type Reader struct {
	b   []byte
	pos int
	err *Error
}

// NewReader returns a Reader over b. b is not copied.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Reset points r at b again, clearing any error.
func (r *Reader) Reset(b []byte) { *r = Reader{b: b} }

// Err returns the first failure, or nil. The value is an *Error.
func (r *Reader) Err() error {
	if r.err == nil {
		return nil
	}
	return r.err
}

// Pos is the position of the next unread byte.
func (r *Reader) Pos() int { return r.pos }

// Remaining is the number of unread bytes.
func (r *Reader) Remaining() int { return len(r.b) - r.pos }

// Fail records a failure at pos unless one is already recorded.
func (r *Reader) Fail(pos int, reason Reason, what, format string, args ...any) {
	if r.err == nil {
		r.err = &Error{Position: pos, Reason: reason, What: what, Detail: fmt.Sprintf(format, args...)}
	}
}

// Span returns the next n bytes (aliasing the input) and advances.
func (r *Reader) Span(n int, what string) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > r.Remaining() {
		r.Fail(r.pos, ReasonTruncated, what, "needs %d bytes, %d remain", n, r.Remaining())
		return nil
	}
	p := r.b[r.pos : r.pos+n : r.pos+n]
	r.pos += n
	return p
}

// Int8 reads one signed byte.
func (r *Reader) Int8(what string) int8 {
	if p := r.Span(1, what); p != nil {
		return int8(p[0])
	}
	return 0
}

// Uint8 reads one byte.
func (r *Reader) Uint8(what string) uint8 {
	if p := r.Span(1, what); p != nil {
		return p[0]
	}
	return 0
}

// Bool reads Kafka's boolean: one byte, non-zero is true (Readable.readByte != 0).
func (r *Reader) Bool(what string) bool { return r.Int8(what) != 0 }

// Int16 reads a big-endian int16.
func (r *Reader) Int16(what string) int16 {
	if p := r.Span(2, what); p != nil {
		return int16(binary.BigEndian.Uint16(p))
	}
	return 0
}

// Uint16 reads a big-endian uint16.
func (r *Reader) Uint16(what string) uint16 { return uint16(r.Int16(what)) }

// Int32 reads a big-endian int32.
func (r *Reader) Int32(what string) int32 {
	if p := r.Span(4, what); p != nil {
		return int32(binary.BigEndian.Uint32(p))
	}
	return 0
}

// Uint32 reads a big-endian uint32.
func (r *Reader) Uint32(what string) uint32 { return uint32(r.Int32(what)) }

// Int64 reads a big-endian int64.
func (r *Reader) Int64(what string) int64 {
	if p := r.Span(8, what); p != nil {
		return int64(binary.BigEndian.Uint64(p))
	}
	return 0
}

// Float64 reads a big-endian IEEE 754 double.
func (r *Reader) Float64(what string) float64 {
	return math.Float64frombits(uint64(r.Int64(what)))
}

// UUID reads 16 bytes (most then least significant long).
func (r *Reader) UUID(what string) UUID {
	var u UUID
	if p := r.Span(16, what); p != nil {
		copy(u[:], p)
	}
	return u
}

// Uvarint reads Kafka's unsigned varint (ByteUtils.readUnsignedVarint): at
// most 5 bytes; Kafka throws on a sixth.
func (r *Reader) Uvarint(what string) uint32 {
	return uint32(r.uvar(5, what, "unterminated varint", "unsigned varint longer than 5 bytes"))
}

// Varint reads a zigzag int32 (ByteUtils.readVarint).
func (r *Reader) Varint(what string) int32 {
	u := r.Uvarint(what)
	return int32(u>>1) ^ -int32(u&1)
}

// Uvarlong reads an unsigned varint of at most 10 bytes (ByteUtils.readUnsignedVarlong).
func (r *Reader) Uvarlong(what string) uint64 {
	return r.uvar(10, what, "unterminated varlong", "varlong longer than 10 bytes")
}

// uvar reads a little-endian base-128 unsigned varint of at most maxBytes
// bytes; bits beyond the result type are dropped by the caller, as Kafka's
// int/long shifts drop them.
func (r *Reader) uvar(maxBytes int, what, unterminated, tooLong string) uint64 {
	if r.err != nil {
		return 0
	}
	start := r.pos
	var v uint64
	for i := 0; i < maxBytes; i++ {
		if r.pos >= len(r.b) {
			r.Fail(start, ReasonTruncated, what, "%s", unterminated)
			return 0
		}
		c := r.b[r.pos]
		r.pos++
		v |= uint64(c&0x7f) << (7 * i)
		if c < 0x80 {
			return v
		}
	}
	r.Fail(start, ReasonBadVarint, what, "%s", tooLong)
	return 0
}

// Varlong reads a zigzag int64 (ByteUtils.readVarlong).
func (r *Reader) Varlong(what string) int64 {
	u := r.Uvarlong(what)
	return int64(u>>1) ^ -int64(u&1)
}

// Length reads a string, bytes or array length: compact (uvarint, value+1),
// or classic int16 (strings) / int32 (bytes, arrays). -1 means null, and so
// does every other negative classic length: Kafka's generated readers test
// "length < 0" (generator/.../MessageDataGenerator.java
// generateVariableLengthReader), so -2 reads as null there too.
func (r *Reader) Length(compact, wide bool, what string) int {
	var n int
	switch {
	case compact:
		n = int(r.Uvarint(what)) - 1
	case wide:
		n = int(r.Int32(what))
	default:
		n = int(r.Int16(what))
	}
	if r.err != nil {
		return 0
	}
	if n < 0 {
		return -1
	}
	return n
}

// NullableString reads a string; ok is false for null. Strings longer than
// 32767 bytes are refused, as Kafka's generated readers do ("string field
// had invalid length").
func (r *Reader) NullableString(compact bool, what string) (s string, ok bool) {
	start := r.pos
	n := r.Length(compact, false, what)
	if r.err != nil || n < 0 {
		return "", false
	}
	if n > math.MaxInt16 {
		r.Fail(start, ReasonBadLength, what, "string length %d exceeds 32767", n)
		return "", false
	}
	p := r.Span(n, what)
	if r.err != nil {
		return "", false
	}
	return string(p), true
}

// String reads a non-nullable string; null is a ReasonNullField failure.
func (r *Reader) String(compact bool, what string) string {
	start := r.pos
	s, ok := r.NullableString(compact, what)
	if !ok && r.err == nil {
		r.Fail(start, ReasonNullField, what, "non-nullable string serialized as null")
	}
	return s
}

// NullableBytes reads a bytes field; nil for null, non-nil (aliasing the
// input) otherwise.
func (r *Reader) NullableBytes(compact bool, what string) []byte {
	n := r.Length(compact, true, what)
	if r.err != nil || n < 0 {
		return nil
	}
	return r.Span(n, what)
}

// Bytes reads a non-nullable bytes field.
func (r *Reader) Bytes(compact bool, what string) []byte {
	start := r.pos
	p := r.NullableBytes(compact, what)
	if p == nil && r.err == nil {
		r.Fail(start, ReasonNullField, what, "non-nullable bytes serialized as null")
	}
	return p
}

// ArrayLen reads an array count (-1 = null) and refuses counts whose
// elements, each at least minElem bytes, cannot fit in what remains — the
// guard Kafka's generated readers apply before allocating ("Tried to allocate
// a collection of size N, but there are only M bytes remaining").
func (r *Reader) ArrayLen(compact bool, minElem int, what string) int {
	start := r.pos
	n := r.Length(compact, true, what)
	if r.err != nil || n < 0 {
		return n
	}
	if minElem < 1 {
		minElem = 1
	}
	if n > r.Remaining()/minElem {
		r.Fail(start, ReasonCountTooLarge, what, "%d elements of at least %d bytes, %d bytes remain", n, minElem, r.Remaining())
		return 0
	}
	return n
}

// TaggedFields reads a tagged-field section: a uvarint count, then per field
// a uvarint tag, a uvarint size and that many bytes. fn sees each field in
// file order; data aliases the input.
func (r *Reader) TaggedFields(fn func(tag uint32, data []byte)) {
	n := int(r.Uvarint("tagged field count"))
	if r.err != nil {
		return
	}
	if n > r.Remaining()/2 { // each field needs at least a tag byte and a size byte
		r.Fail(r.pos, ReasonCountTooLarge, "tagged fields", "%d tagged fields, %d bytes remain", n, r.Remaining())
		return
	}
	for i := 0; i < n && r.err == nil; i++ {
		tag := r.Uvarint("tag")
		size := int(r.Uvarint("tagged field size"))
		data := r.Span(size, "tagged field")
		if r.err != nil {
			return
		}
		if fn != nil {
			fn(tag, data)
		}
	}
}

// Writing. Append-style, like binary.AppendUvarint: dst grows and is returned.

// AppendInt16 appends v big-endian.
func AppendInt16(dst []byte, v int16) []byte { return binary.BigEndian.AppendUint16(dst, uint16(v)) }

// AppendInt32 appends v big-endian.
func AppendInt32(dst []byte, v int32) []byte { return binary.BigEndian.AppendUint32(dst, uint32(v)) }

// AppendInt64 appends v big-endian.
func AppendInt64(dst []byte, v int64) []byte { return binary.BigEndian.AppendUint64(dst, uint64(v)) }

// AppendFloat64 appends v as a big-endian double.
func AppendFloat64(dst []byte, v float64) []byte { return AppendInt64(dst, int64(math.Float64bits(v))) }

// AppendBool appends 1 or 0.
func AppendBool(dst []byte, v bool) []byte {
	if v {
		return append(dst, 1)
	}
	return append(dst, 0)
}

// AppendUvarint appends Kafka's unsigned varint.
func AppendUvarint(dst []byte, v uint32) []byte { return binary.AppendUvarint(dst, uint64(v)) }

// AppendVarint appends a zigzag int32.
func AppendVarint(dst []byte, v int32) []byte {
	return AppendUvarint(dst, uint32(v<<1)^uint32(v>>31))
}

// AppendVarlong appends a zigzag int64.
func AppendVarlong(dst []byte, v int64) []byte { return binary.AppendVarint(dst, v) }

// AppendLength appends a length; -1 is null.
func AppendLength(dst []byte, compact, wide bool, n int) []byte {
	switch {
	case compact:
		return AppendUvarint(dst, uint32(n+1))
	case wide:
		return AppendInt32(dst, int32(n))
	default:
		return AppendInt16(dst, int16(n))
	}
}

// AppendString appends a non-null string.
func AppendString(dst []byte, compact bool, s string) []byte {
	return append(AppendLength(dst, compact, false, len(s)), s...)
}

// AppendNullableString appends s, or null when s is nil.
func AppendNullableString(dst []byte, compact bool, s *string) []byte {
	if s == nil {
		return AppendLength(dst, compact, false, -1)
	}
	return AppendString(dst, compact, *s)
}

// AppendBytes appends b; a nil b is written as null.
func AppendBytes(dst []byte, compact bool, b []byte) []byte {
	if b == nil {
		return AppendLength(dst, compact, true, -1)
	}
	return append(AppendLength(dst, compact, true, len(b)), b...)
}

// AppendTaggedFields appends a tagged-field section. Kafka writes tags in
// ascending order; fields are written in the order given.
func AppendTaggedFields(dst []byte, fields []TaggedField) []byte {
	dst = AppendUvarint(dst, uint32(len(fields)))
	for _, f := range fields {
		dst = AppendUvarint(dst, f.Tag)
		dst = AppendUvarint(dst, uint32(len(f.Data)))
		dst = append(dst, f.Data...)
	}
	return dst
}
