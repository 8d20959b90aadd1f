// Package protocol is kseg's own codec for the non-flexible part of the Kafka
// wire protocol: the request header v1, response header v0 and the request and
// response bodies of the APIs that "kseg serve" implements.
//
// Only the non-flexible versions are covered (no compact strings, no tagged
// fields): Produce 0–8, Fetch 0–11, ListOffsets 0–5, Metadata 0–8,
// OffsetCommit 0–7, OffsetFetch 0–5, FindCoordinator 0–2, JoinGroup 0–5,
// Heartbeat 0–3, LeaveGroup 0–3, SyncGroup 0–3, ApiVersions 0–2 and
// InitProducerId 0–1. Field order per version follows apache/kafka's
// clients/src/main/resources/common/message/*Request.json and *Response.json.
//
// Decoding never panics on input and never allocates more than the input can
// justify: every array count is checked against the bytes that remain, using
// the smallest possible encoded size of one element, so a 10-byte request can
// never make the decoder allocate a million-element slice.
package protocol

import (
	"encoding/binary"
	"errors"
	"math"
)

// ErrMalformed is returned for a request that is truncated, carries an
// impossible length or count, or has trailing garbage. The server closes the
// connection on it, as a Kafka broker does on an InvalidRequestException.
var ErrMalformed = errors.New("kseg/server/protocol: malformed request")

// Reader decodes big-endian Kafka primitives from a byte slice. Errors are
// sticky: after the first failure every method returns a zero value and Err
// reports ErrMalformed, so decoders can read a whole struct and check once.
// Strings and byte slices returned by Reader alias the input where noted.
type Reader struct {
	b   []byte
	err error
}

// NewReader returns a Reader over b. b must not be modified while values
// decoded from it are in use.
func NewReader(b []byte) *Reader { return &Reader{b: b} }

// Complete reports ErrMalformed if bytes remain unread; a Kafka request body
// must be consumed exactly.
func (r *Reader) Complete() error {
	if r.err == nil && len(r.b) != 0 {
		r.fail()
	}
	return r.err
}

func (r *Reader) fail() {
	r.err = ErrMalformed
	r.b = nil
}

func (r *Reader) take(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail()
		return nil
	}
	out := r.b[:n:n]
	r.b = r.b[n:]
	return out
}

// Int8 reads one signed byte.
func (r *Reader) Int8() int8 {
	b := r.take(1)
	if b == nil {
		return 0
	}
	return int8(b[0])
}

// Bool reads a boolean byte (any non-zero value is true).
func (r *Reader) Bool() bool { return r.Int8() != 0 }

// Int16 reads a big-endian int16.
func (r *Reader) Int16() int16 {
	b := r.take(2)
	if b == nil {
		return 0
	}
	return int16(binary.BigEndian.Uint16(b))
}

// Int32 reads a big-endian int32.
func (r *Reader) Int32() int32 {
	b := r.take(4)
	if b == nil {
		return 0
	}
	return int32(binary.BigEndian.Uint32(b))
}

// Int64 reads a big-endian int64.
func (r *Reader) Int64() int64 {
	b := r.take(8)
	if b == nil {
		return 0
	}
	return int64(binary.BigEndian.Uint64(b))
}

// String reads a non-nullable STRING (int16 length). A negative length is
// malformed.
func (r *Reader) String() string {
	n := r.Int16()
	if n < 0 {
		r.fail()
		return ""
	}
	return string(r.take(int(n)))
}

// NullableString reads a NULLABLE_STRING; length -1 yields (“”, false).
func (r *Reader) NullableString() (string, bool) {
	n := r.Int16()
	if n == -1 {
		return "", false
	}
	if n < 0 {
		r.fail()
		return "", false
	}
	return string(r.take(int(n))), r.err == nil
}

// Bytes reads BYTES / NULLABLE_BYTES (int32 length; -1 = null → nil). The
// returned slice aliases the input.
func (r *Reader) Bytes() []byte {
	n := r.Int32()
	if n == -1 {
		return nil
	}
	if n < 0 {
		r.fail()
		return nil
	}
	b := r.take(int(n))
	if b == nil && r.err == nil {
		return []byte{}
	}
	return b
}

// ArrayLen reads an ARRAY length and checks it against the remaining bytes,
// given the minimum encoded size of one element (at least 1). It returns -1
// for a null array (when nullable) and 0 after an error, so callers can
// allocate make([]T, 0, n) without trusting the peer.
func (r *Reader) ArrayLen(minElem int, nullable bool) int {
	n := r.Int32()
	if r.err != nil {
		return 0
	}
	if n == -1 && nullable {
		return -1
	}
	if minElem < 1 {
		minElem = 1
	}
	if n < 0 || int64(n)*int64(minElem) > int64(len(r.b)) {
		r.fail()
		return 0
	}
	return int(n)
}

// Int32Array reads a non-nullable []int32.
func (r *Reader) Int32Array() []int32 {
	n := r.ArrayLen(4, false)
	out := make([]int32, 0, n)
	for i := 0; i < n && r.err == nil; i++ {
		out = append(out, r.Int32())
	}
	return out
}

// Writer appends big-endian Kafka primitives to a byte slice. The zero value
// is ready to use; B holds the encoded bytes.
type Writer struct {
	B []byte
}

// Int8 appends one byte.
func (w *Writer) Int8(v int8) { w.B = append(w.B, byte(v)) }

// Bool appends 1 or 0.
func (w *Writer) Bool(v bool) {
	if v {
		w.B = append(w.B, 1)
	} else {
		w.B = append(w.B, 0)
	}
}

// Int16 appends a big-endian int16.
func (w *Writer) Int16(v int16) { w.B = binary.BigEndian.AppendUint16(w.B, uint16(v)) }

// Int32 appends a big-endian int32.
func (w *Writer) Int32(v int32) { w.B = binary.BigEndian.AppendUint32(w.B, uint32(v)) }

// Int64 appends a big-endian int64.
func (w *Writer) Int64(v int64) { w.B = binary.BigEndian.AppendUint64(w.B, uint64(v)) }

// String appends a STRING, truncating (never panicking) past 32767 bytes;
// every string we emit is either a validated topic name or echoed from a
// request, whose own int16 length bounds it.
func (w *Writer) String(s string) {
	if len(s) > math.MaxInt16 {
		s = s[:math.MaxInt16]
	}
	w.Int16(int16(len(s)))
	w.B = append(w.B, s...)
}

// NullableString appends a NULLABLE_STRING; ok=false writes null.
func (w *Writer) NullableString(s string, ok bool) {
	if !ok {
		w.Int16(-1)
		return
	}
	w.String(s)
}

// Bytes appends BYTES; nil writes a null (-1) length.
func (w *Writer) Bytes(b []byte) {
	if b == nil {
		w.Int32(-1)
		return
	}
	w.Int32(int32(len(b)))
	w.B = append(w.B, b...)
}

// ArrayLen appends an array count.
func (w *Writer) ArrayLen(n int) { w.Int32(int32(n)) }

// Int32Array appends a non-nullable []int32.
func (w *Writer) Int32Array(v []int32) {
	w.ArrayLen(len(v))
	for _, x := range v {
		w.Int32(x)
	}
}
