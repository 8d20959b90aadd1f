package kbin

import (
	"bytes"
	"testing"

	fkbin "github.com/twmb/franz-go/pkg/kbin"
)

// TestFranzInterop cross-checks the primitives against an independent
// implementation, franz-go's kbin: bytes it writes read back here, and bytes
// written here read back there.
func TestFranzInterop(t *testing.T) {
	s := "héllo\x00"
	u := [16]byte{9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 1, 2, 3, 4, 5, 6}
	var b []byte
	b = fkbin.AppendUvarint(b, 1<<31)
	b = fkbin.AppendVarint(b, -123456)
	b = fkbin.AppendVarlong(b, -1<<50)
	b = fkbin.AppendCompactString(b, s)
	b = fkbin.AppendCompactNullableString(b, nil)
	b = fkbin.AppendCompactNullableBytes(b, []byte{1, 2, 3})
	b = fkbin.AppendCompactArrayLen(b, 2)
	b = fkbin.AppendNullableString(b, &s)
	b = fkbin.AppendUuid(b, u)
	b = fkbin.AppendFloat64(b, -1.25)

	r := NewReader(b)
	if got := r.Uvarint("uv"); got != 1<<31 {
		t.Fatalf("uvarint %d", got)
	}
	if got := r.Varint("v"); got != -123456 {
		t.Fatalf("varint %d", got)
	}
	if got := r.Varlong("vl"); got != -1<<50 {
		t.Fatalf("varlong %d", got)
	}
	if got := r.String(true, "s"); got != s {
		t.Fatalf("string %q", got)
	}
	if _, ok := r.NullableString(true, "ns"); ok {
		t.Fatal("null string")
	}
	if got := r.NullableBytes(true, "b"); !bytes.Equal(got, []byte{1, 2, 3}) {
		t.Fatalf("bytes %v", got)
	}
	if n := r.ArrayLen(true, 1, "a"); n != 2 {
		t.Fatalf("array %d", n)
	}
	if got := r.String(false, "s2"); got != s {
		t.Fatalf("classic string %q", got)
	}
	if got := r.UUID("u"); got != UUID(u) {
		t.Fatalf("uuid %v", got)
	}
	if got := r.Float64("f"); got != -1.25 {
		t.Fatalf("float %v", got)
	}
	if r.Err() != nil || r.Remaining() != 0 {
		t.Fatalf("err %v remaining %d", r.Err(), r.Remaining())
	}

	// And the other way.
	var w []byte
	w = AppendUvarint(w, 300)
	w = AppendVarint(w, -7)
	w = AppendVarlong(w, 1<<40)
	w = AppendString(w, true, s)
	w = AppendBytes(w, true, nil)
	w = AppendString(w, false, s)
	fr := fkbin.Reader{Src: w}
	if fr.Uvarint() != 300 || fr.Varint() != -7 || fr.Varlong() != 1<<40 || fr.CompactString() != s ||
		fr.CompactNullableBytes() != nil || fr.String() != s || fr.Complete() != nil {
		t.Fatal("franz-go reads our encoding differently")
	}
}
