package coordinator

import (
	"slices"
	"strings"

	"github.com/kseg/kseg/internal/kbin"
)

// TaggedField is a tagged field this package does not model, kept so that
// decode -> encode preserves it.
type TaggedField = kbin.TaggedField

// reader decodes Kafka message-schema primitives from one key or value. The
// primitives (fixed-width integers, Kafka's varints, classic and compact
// strings, bytes and arrays, tagged fields) are internal/kbin's, shared with
// the KRaft metadata decoder; reader adds this package's error type (a
// *DecodeError naming the part) and its copying of bytes out of the input.
// The first error is sticky: later reads return zero values, so decoders
// check r.err() once per struct.
type reader struct {
	kr   kbin.Reader
	part string
	// tagAt is the position of the tagged field's data while a taggedFields
	// callback runs (else -1): a failure reported there is placed at the
	// field's data, wherever the callback says.
	tagAt int
	de    *DecodeError
}

func newReader(b []byte, part string) *reader {
	r := &reader{part: part, tagAt: -1}
	r.kr.Reset(b)
	return r
}

func (r *reader) fail(pos int, reason, format string, args ...any) {
	if r.tagAt >= 0 {
		pos = r.tagAt
	}
	r.kr.Fail(pos, kbin.Reason(reason), "", format, args...)
}

// err returns the first failure as a *DecodeError, or nil. kbin's reasons
// are spelled as this package's Reason* constants.
func (r *reader) err() *DecodeError {
	if r.de != nil {
		return r.de
	}
	err := r.kr.Err()
	if err == nil {
		return nil
	}
	ke := err.(*kbin.Error)
	r.de = &DecodeError{Part: r.part, Position: ke.Position, Reason: string(ke.Reason), Detail: detail(ke)}
	return r.de
}

// detail words a kbin failure as this package always has (the text is part
// of dump output): "<field> needs N bytes, M remain", "non-nullable field
// <field> was serialized as null" (Kafka's own words), "<field>: …".
func detail(ke *kbin.Error) string {
	switch {
	case ke.What == "":
		return ke.Detail // reported by this package through fail
	case ke.Reason == kbin.ReasonNullField:
		return "non-nullable field " + ke.What + " was serialized as null"
	case ke.Reason == kbin.ReasonTruncated && strings.HasPrefix(ke.Detail, "needs "):
		return ke.What + " " + ke.Detail
	case ke.Reason == kbin.ReasonBadVarint:
		return ke.What + ": varint longer than 5 bytes" // only uvarints are read here
	}
	return ke.What + ": " + ke.Detail
}

func (r *reader) pos() int       { return r.kr.Pos() }
func (r *reader) remaining() int { return r.kr.Remaining() }

func (r *reader) take(n int, what string) []byte { return r.kr.Span(n, what) }
func (r *reader) int8(what string) int8          { return r.kr.Int8(what) }
func (r *reader) int16(what string) int16        { return r.kr.Int16(what) }
func (r *reader) int32(what string) int32        { return r.kr.Int32(what) }
func (r *reader) int64(what string) int64        { return r.kr.Int64(what) }
func (r *reader) uvarint(what string) uint32     { return r.kr.Uvarint(what) }

func (r *reader) nullableString(flexible bool, what string) *string {
	if s, ok := r.kr.NullableString(flexible, what); ok {
		return &s
	}
	return nil
}

func (r *reader) string(flexible bool, what string) string { return r.kr.String(flexible, what) }

// nullableBytes returns nil for null and a non-nil (possibly empty) copy otherwise.
func (r *reader) nullableBytes(flexible bool, what string) []byte {
	return clone(r.kr.NullableBytes(flexible, what))
}

// bytes is nullableBytes for a non-nullable field: null is a failure.
func (r *reader) bytes(flexible bool, what string) []byte {
	return clone(r.kr.Bytes(flexible, what))
}

func clone(p []byte) []byte {
	if p == nil {
		return nil
	}
	return append(make([]byte, 0, len(p)), p...)
}

// arrayLen reads an array count (-1 = null), refusing counts whose elements
// cannot fit in what remains (kbin.Reader.ArrayLen).
func (r *reader) arrayLen(flexible bool, minElem int, what string) int {
	return r.kr.ArrayLen(flexible, minElem, what)
}

func (r *reader) nonNullArrayLen(flexible bool, minElem int, what string) int {
	start := r.pos()
	n := r.arrayLen(flexible, minElem, what)
	if n < 0 && r.err() == nil {
		r.fail(start, ReasonNullField, "non-nullable field %s was serialized as null", what)
	}
	if r.err() != nil {
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
// offered each field first; fields it declines are returned (copied).
func (r *reader) taggedFields(known func(tag uint32, data []byte) bool) []TaggedField {
	var unknown []TaggedField
	r.kr.TaggedFields(func(tag uint32, data []byte) {
		if known != nil {
			r.tagAt = r.pos() - len(data)
			ok := known(tag, data)
			r.tagAt = -1
			if ok {
				return
			}
		}
		unknown = append(unknown, TaggedField{Tag: tag, Data: append([]byte{}, data...)})
	})
	if r.err() != nil {
		return nil
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

// Encoding helpers this package adds to kbin's Append* functions.

func appendInt32Array(dst []byte, flexible bool, v []int32) []byte {
	dst = kbin.AppendLength(dst, flexible, true, len(v))
	for _, x := range v {
		dst = kbin.AppendInt32(dst, x)
	}
	return dst
}

func appendStringArray(dst []byte, flexible bool, v []string) []byte {
	dst = kbin.AppendLength(dst, flexible, true, len(v))
	for _, s := range v {
		dst = kbin.AppendString(dst, flexible, s)
	}
	return dst
}

// appendTaggedFields writes known and unknown tagged fields in ascending tag
// order, as Kafka's writers do.
func appendTaggedFields(dst []byte, known, unknown []TaggedField) []byte {
	all := append(append([]TaggedField(nil), known...), unknown...)
	slices.SortStableFunc(all, compareTags)
	return kbin.AppendTaggedFields(dst, all)
}
