package kbin

import (
	"bytes"
	"errors"
	"github.com/kseg/kseg/state"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	s := "héllo"
	var b []byte
	b = append(b, 7)
	b = AppendInt16(b, -2)
	b = AppendInt32(b, -70000)
	b = AppendInt64(b, 1<<40)
	b = AppendFloat64(b, 2.5)
	b = AppendUvarint(b, 300)
	b = AppendVarint(b, -3)
	b = AppendVarlong(b, -1<<40)
	b = AppendString(b, true, s)
	b = AppendNullableString(b, true, nil)
	b = AppendString(b, false, s)
	b = AppendBytes(b, true, []byte{1, 2})
	b = AppendBytes(b, false, nil)
	b = AppendLength(b, true, true, 3)
	b = AppendTaggedFields(b, []TaggedField{{Tag: 0, Data: []byte{9}}, {Tag: 5, Data: nil}})
	u := UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	b = append(b, u[:]...)

	r := NewReader(b)
	if r.Int8("i8") != 7 || r.Int16("i16") != -2 || r.Int32("i32") != -70000 || r.Int64("i64") != 1<<40 ||
		r.Float64("f") != 2.5 || r.Uvarint("uv") != 300 || r.Varint("v") != -3 || r.Varlong("vl") != -1<<40 {
		t.Fatalf("fixed/varint mismatch, err %v", r.Err())
	}
	if got := r.String(true, "s"); got != s {
		t.Fatalf("compact string %q", got)
	}
	if _, ok := r.NullableString(true, "ns"); ok {
		t.Fatal("null string read as non-null")
	}
	if got := r.String(false, "s2"); got != s {
		t.Fatalf("classic string %q", got)
	}
	if got := r.Bytes(true, "b"); !bytes.Equal(got, []byte{1, 2}) {
		t.Fatalf("bytes %v", got)
	}
	if got := r.NullableBytes(false, "nb"); got != nil {
		t.Fatalf("null bytes %v", got)
	}
	if n := r.ArrayLen(true, 1, "arr"); n != 3 {
		t.Fatalf("array len %d", n)
	}
	var tags []uint32
	r.TaggedFields(func(tag uint32, data []byte) { tags = append(tags, tag) })
	if len(tags) != 2 || tags[1] != 5 {
		t.Fatalf("tags %v", tags)
	}
	if got := r.UUID("u"); got != u {
		t.Fatalf("uuid %v", got)
	}
	if r.Err() != nil || r.Remaining() != 0 {
		t.Fatalf("err %v remaining %d", r.Err(), r.Remaining())
	}
}

// TestNegativeLengthIsNull: Kafka's generated readers take every negative
// classic length as null (MessageDataGenerator generateVariableLengthReader
// tests "length < 0"), not only -1.
func TestNegativeLengthIsNull(t *testing.T) {
	r := NewReader([]byte{0xff, 0xfe, 0x80, 0x00, 0xff, 0xff, 0xff, 0xf0, 0})
	if s, ok := r.NullableString(false, "s"); ok || s != "" {
		t.Fatalf("int16 -2: %q %v", s, ok)
	}
	if s, ok := r.NullableString(false, "s"); ok || s != "" {
		t.Fatalf("int16 -32768: %q %v", s, ok)
	}
	if b := r.NullableBytes(false, "b"); b != nil {
		t.Fatalf("int32 -16: %v", b)
	}
	if n := r.ArrayLen(true, 1, "a"); n != -1 {
		t.Fatalf("compact 0: %d", n)
	}
	if r.Err() != nil || r.Remaining() != 0 {
		t.Fatalf("err %v remaining %d", r.Err(), r.Remaining())
	}
}

func TestUUIDString(t *testing.T) {
	// Uuid.toString of Uuid.METADATA_TOPIC_ID (0, 1) is "AAAAAAAAAAAAAAAAAAAAAQ".
	u := UUID{15: 1}
	if got := u.String(); got != "AAAAAAAAAAAAAAAAAAAAAQ" {
		t.Fatalf("got %s", got)
	}
	// The parser is state.ParseUUID (Uuid.fromString), shared by every
	// package that reads Kafka's uuid strings.
	back, err := state.ParseUUID("AAAAAAAAAAAAAAAAAAAAAQ")
	if err != nil || UUID(back) != u {
		t.Fatalf("parse %v %v", back, err)
	}
	// URL-safe alphabet: 0xfb 0xff → "-_" characters, never "+/".
	u = UUID{0xfb, 0xff, 0xbf}
	if got := u.String(); got[:4] != "-_-_" {
		t.Fatalf("got %s", got)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		name   string
		in     []byte
		read   func(r *Reader)
		want   error
		reason Reason
	}{
		{"short int32", []byte{1, 2}, func(r *Reader) { r.Int32("x") }, ErrTruncated, ReasonTruncated},
		{"long uvarint", []byte{0x80, 0x80, 0x80, 0x80, 0x80, 0}, func(r *Reader) { r.Uvarint("x") }, ErrCorrupt, ReasonBadVarint},
		{"unterminated uvarint", []byte{0x80}, func(r *Reader) { r.Uvarint("x") }, ErrTruncated, ReasonTruncated},
		{"null string", []byte{0}, func(r *Reader) { r.String(true, "x") }, ErrCorrupt, ReasonNullField},
		{"negative classic length", []byte{0xff, 0xfe}, func(r *Reader) { r.String(false, "x") }, ErrCorrupt, ReasonNullField},
		{"string too long", []byte{0x81, 0x80, 0x02}, func(r *Reader) { r.NullableString(true, "x") }, ErrCorrupt, ReasonBadLength},
		{"huge array", []byte{0x7f}, func(r *Reader) { r.ArrayLen(true, 4, "x") }, ErrCorrupt, ReasonCountTooLarge},
		{"string past end", []byte{5, 'a'}, func(r *Reader) { r.String(true, "x") }, ErrTruncated, ReasonTruncated},
		{"tag count too large", []byte{9, 0}, func(r *Reader) { r.TaggedFields(nil) }, ErrCorrupt, ReasonCountTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := NewReader(tt.in)
			tt.read(r)
			err := r.Err()
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			var ke *Error
			if !errors.As(err, &ke) || ke.Reason != tt.reason || ke.Position < 0 || ke.Position > len(tt.in) {
				t.Fatalf("err %#v", err)
			}
			// Sticky: later reads return zero and keep the first error.
			if r.Int64("after") != 0 || r.Err() != err {
				t.Fatal("error not sticky")
			}
		})
	}
}

// FuzzFlexibleReader drives every primitive in a data-chosen order: no
// panics, errors are *Error with an in-range position, the cursor never
// passes the end.
func FuzzFlexibleReader(f *testing.F) {
	f.Add([]byte{3, 0, 1, 2, 3}, []byte{0, 5, 6, 9})
	f.Add(AppendTaggedFields(AppendString(nil, true, "abc"), []TaggedField{{1, []byte{2}}}), []byte{6, 10})
	f.Fuzz(func(t *testing.T, in, ops []byte) {
		r := NewReader(in)
		for _, op := range ops {
			switch op % 14 {
			case 0:
				r.Uvarint("x")
			case 1:
				r.Varlong("x")
			case 2:
				r.Int16("x")
			case 3:
				r.Int64("x")
			case 4:
				r.UUID("x")
			case 5:
				r.NullableString(true, "x")
			case 6:
				r.String(true, "x")
			case 7:
				r.NullableBytes(true, "x")
			case 8:
				r.ArrayLen(true, 1, "x")
			case 9:
				r.String(false, "x")
			case 10:
				r.TaggedFields(func(uint32, []byte) {})
			case 11:
				r.Bytes(false, "x")
			case 12:
				r.Float64("x")
			case 13:
				r.ArrayLen(false, 4, "x")
			}
		}
		if r.Pos() < 0 || r.Pos() > len(in) {
			t.Fatalf("pos %d of %d", r.Pos(), len(in))
		}
		if err := r.Err(); err != nil {
			var ke *Error
			if !errors.As(err, &ke) || ke.Position < 0 || ke.Position > len(in) {
				t.Fatalf("bad error %#v", err)
			}
			if !errors.Is(err, ErrTruncated) && !errors.Is(err, ErrCorrupt) {
				t.Fatalf("unclassified %v", err)
			}
		}
	})
}
