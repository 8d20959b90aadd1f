package dump

import (
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// plain8 agrees with the byte table on every byte value in every lane, and
// on random words mixing printable and special bytes.
func TestPlain8(t *testing.T) {
	check := func(w [8]byte) {
		want := true
		for _, c := range w {
			want = want && plainNone[c]
		}
		if got := plain8(binary.LittleEndian.Uint64(w[:])); got != want {
			t.Fatalf("plain8(%q) = %v, want %v", w[:], got, want)
		}
	}
	for lane := 0; lane < 8; lane++ {
		for c := 0; c < 256; c++ {
			w := [8]byte{'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'}
			w[lane] = byte(c)
			check(w)
		}
	}
	specials := []byte{0, 0x1f, 0x20, 0x5b, 0x5c, 0x5d, 0x7e, 0x7f, 0x80, 0xff, 'x'}
	r := rand.New(rand.NewPCG(1, 2))
	for i := 0; i < 200000; i++ {
		var w [8]byte
		for j := range w {
			if r.IntN(3) == 0 {
				w[j] = specials[r.IntN(len(specials))]
			} else {
				w[j] = byte(r.IntN(256))
			}
		}
		check(w)
	}
}
