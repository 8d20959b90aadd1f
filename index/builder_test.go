package index

import (
	"bytes"
	"errors"
	"math"
	"math/rand/v2"
	"testing"
)

type batch struct {
	position, lastOffset, maxTimestamp, size int64
}

// contiguous lays batches out back to back from position start.
func contiguous(start int64, lastOffsets, maxTimestamps, sizes []int64) []batch {
	bs := make([]batch, len(lastOffsets))
	pos := start
	for i := range bs {
		bs[i] = batch{pos, lastOffsets[i], maxTimestamps[i], sizes[i]}
		pos += sizes[i]
	}
	return bs
}

func build(b *Builder, bs []batch) ([]byte, []byte) {
	for _, x := range bs {
		b.Add(x.position, x.lastOffset, x.maxTimestamp, x.size)
	}
	return b.Finish()
}

func TestAppendEntries(t *testing.T) {
	got, err := AppendOffsetEntry([]byte{0xAA}, 100, OffsetPosition{Offset: 100 + 0x1234, Position: 0x01020304})
	if want := []byte{0xAA, 0, 0, 0x12, 0x34, 1, 2, 3, 4}; err != nil || !bytes.Equal(got, want) {
		t.Fatalf("AppendOffsetEntry = %x, %v; want %x", got, err, want)
	}
	got, err = AppendTimeEntry(nil, 100, TimestampOffset{Timestamp: 0x0102030405060708, Offset: 101})
	if want := []byte{1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 1}; err != nil || !bytes.Equal(got, want) {
		t.Fatalf("AppendTimeEntry = %x, %v; want %x", got, err, want)
	}

	for _, tc := range []struct {
		name    string
		base    int64
		e       OffsetPosition
		wantErr error
	}{
		{"relative offset 0", 5, OffsetPosition{5, 0}, nil},
		{"relative offset MaxInt32", 5, OffsetPosition{5 + math.MaxInt32, 1}, nil},
		{"relative offset MaxInt32+1", 5, OffsetPosition{5 + math.MaxInt32 + 1, 1}, ErrOffsetOverflow},
		{"offset below base", 5, OffsetPosition{4, 1}, ErrOffsetOverflow},
		{"negative base", -1, OffsetPosition{4, 1}, ErrOffsetOverflow},
		{"MinInt64 offset", 0, OffsetPosition{math.MinInt64, 1}, ErrOffsetOverflow},
		{"negative position", 5, OffsetPosition{6, -1}, ErrNegativePosition},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dst := []byte{1, 2}
			out, err := AppendOffsetEntry(dst, tc.base, tc.e)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if err != nil && !bytes.Equal(out, dst) {
				t.Fatalf("dst changed on error: %x", out)
			}
			if err == nil {
				if got, _ := newOffsetIndexBytes(out[2:], tc.base).Entry(0); got != tc.e {
					t.Fatalf("round trip = %v, want %v", got, tc.e)
				}
			}
			_, terr := AppendTimeEntry(nil, tc.base, TimestampOffset{Timestamp: 7, Offset: tc.e.Offset})
			if tc.wantErr == ErrOffsetOverflow && !errors.Is(terr, ErrOffsetOverflow) {
				t.Fatalf("AppendTimeEntry err = %v", terr)
			}
		})
	}
}

func TestBuilderRecoverRule(t *testing.T) {
	// Worked by hand from LogSegment.recover with indexIntervalBytes 2500 and 1000-byte batches:
	//   batch  P     lastOffset maxTs  maxSoFar      P-lastIndexed > 2500?
	//   0      0     109        10     (10,109)      0     no
	//   1      1000  119        5      (10,109)      1000  no
	//   2      2000  129        30     (30,129)      2000  no
	//   3      3000  139        30     (30,129)      3000  yes: (139,3000), time (30,129)
	//   4      4000  149        20     (30,129)      1000  no
	//   5      5000  159        40     (40,159)      2000  no
	//   6      6000  169        -1     (40,159)      3000  yes: (169,6000), time (40,159)
	//   7      7000  179        35     (40,159)      1000  no
	//   final maybeAppend(40,159): not above the last entry, nothing.
	bs := contiguous(0,
		[]int64{109, 119, 129, 139, 149, 159, 169, 179},
		[]int64{10, 5, 30, 30, 20, 40, -1, 35},
		[]int64{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000})
	wantO := encodeOffsetIndex(100, []OffsetPosition{{139, 3000}, {169, 6000}})
	wantT := encodeTimeIndex(100, []TimestampOffset{{30, 129}, {40, 159}})
	for _, mk := range []func(int64, int) *Builder{NewBuilder, NewAppendBuilder} {
		b := mk(100, 2500)
		o, ti := build(b, bs)
		if b.Err() != nil || !bytes.Equal(o, wantO) || !bytes.Equal(ti, wantT) {
			t.Fatalf("got %x / %x, err %v\nwant %x / %x", o, ti, b.Err(), wantO, wantT)
		}
		// Finish is idempotent.
		if o2, t2 := b.Finish(); !bytes.Equal(o2, o) || !bytes.Equal(t2, ti) {
			t.Fatal("second Finish differs")
		}
	}
}

func TestBuilderFinalTimeEntry(t *testing.T) {
	// The max timestamp arrives after the last index entry: only the final maybeAppend
	// (end of recover / roll / close) records it.
	bs := contiguous(0, []int64{9, 19, 29}, []int64{100, 200, 300}, []int64{3000, 3000, 100})
	o, ti := build(NewBuilder(0, 4096), bs)
	if want := encodeOffsetIndex(0, []OffsetPosition{{29, 6000}}); !bytes.Equal(o, want) {
		t.Fatalf("offset index %x, want %x", o, want)
	}
	// At P=6000 maxSoFar is already (300,29) (updated before the index check); the final
	// maybeAppend adds nothing more.
	if want := encodeTimeIndex(0, []TimestampOffset{{300, 29}}); !bytes.Equal(ti, want) {
		t.Fatalf("time index %x, want %x", ti, want)
	}

	// One small batch: no offset entry ever, but the time index gets the final entry.
	o, ti = build(NewBuilder(50, 4096), []batch{{0, 52, 7, 100}})
	if len(o) != 0 || !bytes.Equal(ti, encodeTimeIndex(50, []TimestampOffset{{7, 52}})) {
		t.Fatalf("got %x / %x", o, ti)
	}
}

func TestBuilderV0SegmentHasEmptyTimeIndex(t *testing.T) {
	bs := contiguous(0, []int64{0, 1, 2, 3, 4}, []int64{-1, -1, -1, -1, -1}, []int64{3000, 3000, 3000, 3000, 3000})
	b := NewBuilder(0, 4096)
	o, ti := build(b, bs)
	if len(ti) != 0 || b.Err() != nil {
		t.Fatalf("time index %x, err %v", ti, b.Err())
	}
	if want := encodeOffsetIndex(0, []OffsetPosition{{2, 6000}, {4, 12000}}); !bytes.Equal(o, want) {
		t.Fatalf("offset index %x, want %x", o, want)
	}
}

// TestBuilderRulesAgreeFromZero: with one Add per batch from position 0 the two rules give
// identical files (bytesSinceLastIndexEntry == P - lastIndexedPosition).
func TestBuilderRulesAgreeFromZero(t *testing.T) {
	r := rand.New(rand.NewPCG(21, 22))
	for c := range 500 {
		n := r.IntN(400)
		los, tss, szs := make([]int64, n), make([]int64, n), make([]int64, n)
		off, ts := int64(1000), int64(1_700_000_000_000)
		for i := range n {
			off += 1 + r.Int64N(20)
			ts += r.Int64N(200) - 100
			if r.IntN(20) == 0 {
				ts = -1
			}
			los[i], tss[i], szs[i] = off, ts, 70+r.Int64N(9000)
		}
		interval := []int{0, 1, 4096, 100000}[c%4]
		bs := contiguous(0, los, tss, szs)
		ro, rt := build(NewBuilder(1000, interval), bs)
		ao, at := build(NewAppendBuilder(1000, interval), bs)
		if !bytes.Equal(ro, ao) || !bytes.Equal(rt, at) {
			t.Fatalf("case %d: rules differ", c)
		}
		// The output is a clean index whose lookups find each indexed batch.
		ox := newOffsetIndexBytes(ro, 1000)
		if fs, err := ox.SanityCheck(); err != nil || len(fs) != 0 {
			t.Fatalf("case %d: offset findings %v, %v", c, fs, err)
		}
		if fs, err := newTimeIndexBytes(rt, 1000).SanityCheck(); err != nil || len(fs) != 0 {
			t.Fatalf("case %d: time findings %v, %v", c, fs, err)
		}
		for _, x := range bs {
			got, err := ox.Lookup(x.lastOffset)
			if err != nil || int64(got.Position) > x.position {
				t.Fatalf("case %d: Lookup(%d) = %v, %v past batch at %d", c, x.lastOffset, got, err, x.position)
			}
		}
	}
}

// TestBuilderRulesDifferOnResume: a broker that reopens a segment restarts
// bytesSinceLastIndexEntry at 0 at the end of the log; the recover rule counts from position 0.
func TestBuilderRulesDifferOnResume(t *testing.T) {
	bs := contiguous(50000, []int64{10, 20, 30, 40}, []int64{1, 2, 3, 4}, []int64{1000, 1000, 1000, 1000})
	ro, _ := build(NewBuilder(0, 2500), bs)
	ao, _ := build(NewAppendBuilder(0, 2500), bs)
	if want := encodeOffsetIndex(0, []OffsetPosition{{10, 50000}, {40, 53000}}); !bytes.Equal(ro, want) {
		t.Errorf("recover rule: %x, want %x", ro, want)
	}
	if want := encodeOffsetIndex(0, []OffsetPosition{{40, 53000}}); !bytes.Equal(ao, want) {
		t.Errorf("append rule: %x, want %x", ao, want)
	}
}

func TestBuilderErrors(t *testing.T) {
	for _, tc := range []struct {
		name    string
		base    int64
		bs      []batch
		wantErr error
		wantO   []OffsetPosition
	}{
		{"last offset below base", 100, []batch{{0, 99, 1, 10}}, ErrOffsetOverflow, nil},
		{"relative offset overflow", 0, []batch{{0, 5, 1, 5000}, {5000, math.MaxInt32 + 1, 2, 10}}, ErrOffsetOverflow, nil},
		{"offsets not increasing", 0, []batch{{0, 5, 1, 5000}, {5000, 9, 2, 5000}, {10000, 9, 3, 5000}, {15000, 12, 4, 10}},
			ErrOutOfOrder, []OffsetPosition{{9, 5000}, {12, 15000}}},
		{"negative base offset", -5, nil, ErrCorruptIndex, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := NewBuilder(tc.base, 4096)
			o, _ := build(b, tc.bs)
			if !errors.Is(b.Err(), tc.wantErr) {
				t.Fatalf("Err = %v, want %v", b.Err(), tc.wantErr)
			}
			if tc.base >= 0 && !bytes.Equal(o, encodeOffsetIndex(tc.base, tc.wantO)) {
				t.Fatalf("offset index %x", o)
			}
		})
	}
	t.Run("time offset going back", func(t *testing.T) {
		// Batch offsets that go backwards while the timestamp rises: TimeIndex.maybeAppend
		// throws InvalidOffsetException. (OffsetIndex.append would throw first, for the
		// offset entry of the same batch.)
		b := NewBuilder(0, 100)
		build(b, []batch{{0, 50, 1, 200}, {200, 60, 2, 200}, {400, 40, 9, 200}})
		if !errors.Is(b.Err(), ErrOutOfOrder) {
			t.Fatalf("Err = %v", b.Err())
		}
	})
	t.Run("Add after Finish", func(t *testing.T) {
		b := NewBuilder(0, 100)
		b.Finish()
		b.Add(0, 1, 1, 1)
		if b.Err() == nil {
			t.Fatal("no error")
		}
	})
}
