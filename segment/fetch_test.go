package segment_test

import (
	"math/rand/v2"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// TestFetchRangeMatchesHeaderWalk checks FetchRange (index by position, then
// a short walk) against the naive answer computed from the written batches:
// start at the batch holding the offset, add whole batches while they fit in
// maxBytes, always at least one.
func TestFetchRangeMatchesHeaderWalk(t *testing.T) {
	forEachMagicCodec(t, func(t *testing.T, magic int8, codec format.Compression) {
		g := genPartition(t, genSpec{magic: magic, codec: codec, segments: 2, batches: 40, records: 5, firstOffset: 100, indexInterval: 300})
		p := g.open(t)
		rng := rand.New(rand.NewPCG(uint64(magic), uint64(codec)))
		for i := 0; i < 200; i++ {
			offset := 100 + rng.Int64N(g.lastOffset()-100+1)
			maxBytes := int32(1 + rng.IntN(4000))
			s := p.SegmentFor(offset)
			start, end, ok, err := segment.FetchRange(s, offset, maxBytes)
			if err != nil {
				t.Fatal(err)
			}
			var wantStart, wantEnd int64 = -1, -1
			for _, b := range g.batches {
				if b.segBase != s.BaseOffset || b.lastOff < offset {
					continue
				}
				if wantStart < 0 {
					wantStart, wantEnd = b.position, b.position+b.size
					continue
				}
				if b.position+b.size-wantStart > int64(maxBytes) {
					break
				}
				wantEnd = b.position + b.size
			}
			if !ok || start != wantStart || end != wantEnd {
				t.Fatalf("offset %d maxBytes %d: got [%d,%d) ok=%v, want [%d,%d)", offset, maxBytes, start, end, ok, wantStart, wantEnd)
			}
		}
	})
}
