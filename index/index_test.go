package index

import (
	"bytes"
	"errors"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
)

func TestOffsetIndexValidEntries(t *testing.T) {
	const base = 1000
	three := encodeOffsetIndex(base, []OffsetPosition{{1010, 4200}, {1020, 8400}, {1030, 12600}})
	zeroFirst := encodeOffsetIndex(base, []OffsetPosition{{1000, 0}, {1010, 4200}})
	withBytes := func(b []byte, at int, v byte) []byte { b = bytes.Clone(b); b[at] = v; return b }

	tests := []struct {
		name string
		in   []byte
		n    int
		tail TailState
	}{
		{"empty file", nil, 0, TailState{Kind: NoTail, FirstNonzero: -1}},
		{"trimmed closed segment", three, 3, TailState{Kind: NoTail, FirstNonzero: -1}},
		{"preallocated 10 MiB", padTo(three, DefaultMaxIndexSize), 3,
			TailState{Kind: ZeroedTail, Slots: 1310717, Bytes: DefaultMaxIndexSize - 24, FirstNonzero: -1}},
		{"all zero 10 MiB", make([]byte, DefaultMaxIndexSize), 0,
			TailState{Kind: ZeroedTail, Slots: 1310720, Bytes: DefaultMaxIndexSize, FirstNonzero: -1}},
		{"one zero slot", make([]byte, 8), 0, TailState{Kind: ZeroedTail, Slots: 1, Bytes: 8, FirstNonzero: -1}},
		{"zero slot 0 is an entry when entries follow", zeroFirst, 2, TailState{Kind: NoTail, FirstNonzero: -1}},
		{"zero slot 0 then zero tail then garbage", withBytes(padTo(nil, 64), 40, 1), 1,
			TailState{Kind: DirtyTail, Slots: 7, Bytes: 56, FirstNonzero: 40}},
		{"zero relative offset with a position ends the entries",
			encodeOffsetIndex(base, []OffsetPosition{{1010, 4200}, {1020, 8400}, {1000, 77}, {1040, 9000}}), 2,
			TailState{Kind: DirtyTail, Slots: 2, Bytes: 16, FirstNonzero: 23}},
		{"garbage deep in the zero tail", withBytes(padTo(three, DefaultMaxIndexSize), 5_000_000, 0xff), 3,
			TailState{Kind: DirtyTail, Slots: 1310717, Bytes: DefaultMaxIndexSize - 24, FirstNonzero: 5_000_000}},
		{"partial entry", append(bytes.Clone(three), 1, 2, 3, 4, 5), 3,
			TailState{Kind: NoTail, Bytes: 5, PartialBytes: 5, FirstNonzero: -1}},
		{"partial entry in a zero tail", padTo(three, 24+20), 3,
			TailState{Kind: ZeroedTail, Slots: 2, Bytes: 20, PartialBytes: 4, FirstNonzero: -1}},
		{"non-zero partial entry after a zero tail", withBytes(padTo(three, 24+20), 43, 9), 3,
			TailState{Kind: DirtyTail, Slots: 2, Bytes: 20, PartialBytes: 4, FirstNonzero: 43}},
		{"partial only", []byte{0, 0, 0}, 0, TailState{Kind: NoTail, Bytes: 3, PartialBytes: 3, FirstNonzero: -1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := newOffsetIndexBytes(tc.in, base)
			n, tail := mustValid(t, x)
			if n != tc.n || tail != tc.tail {
				t.Fatalf("ValidEntries = %d, %+v; want %d, %+v", n, tail, tc.n, tc.tail)
			}
			if n+tail.Slots != x.Slots() {
				t.Fatalf("n %d + tail %d != slots %d", n, tail.Slots, x.Slots())
			}
		})
	}
}

func TestTimeIndexValidEntries(t *testing.T) {
	const base = 500
	three := encodeTimeIndex(base, []TimestampOffset{{1000, 510}, {2000, 520}, {3000, 520}})
	tests := []struct {
		name string
		in   []byte
		n    int
		tail TailState
	}{
		{"trimmed", three, 3, TailState{Kind: NoTail, FirstNonzero: -1}},
		{"preallocated 10485756", padTo(three, 10485756), 3,
			TailState{Kind: ZeroedTail, Slots: 873810, Bytes: 10485756 - 36, FirstNonzero: -1}},
		{"preallocated 10485760 ends in a zero partial entry", padTo(three, DefaultMaxIndexSize), 3,
			TailState{Kind: ZeroedTail, Slots: 873810, Bytes: DefaultMaxIndexSize - 36, PartialBytes: 4, FirstNonzero: -1}},
		{"all zero", make([]byte, 10485756), 0,
			TailState{Kind: ZeroedTail, Slots: 873813, Bytes: 10485756, FirstNonzero: -1}},
		{"timestamp 0 with an offset is not the end",
			encodeTimeIndex(base, []TimestampOffset{{0, 500}, {0, 501}, {5, 502}}), 3, TailState{Kind: NoTail, FirstNonzero: -1}},
		{"relative offset 0 with a timestamp is not the end",
			encodeTimeIndex(base, []TimestampOffset{{1, 500}, {2, 500}}), 2, TailState{Kind: NoTail, FirstNonzero: -1}},
		{"garbage after the zero slot",
			append(padTo(three, 48), encodeTimeIndex(base, []TimestampOffset{{4000, 530}})...), 3,
			TailState{Kind: DirtyTail, Slots: 2, Bytes: 24, FirstNonzero: 54}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			n, tail := mustValid(t, newTimeIndexBytes(tc.in, base))
			if n != tc.n || tail != tc.tail {
				t.Fatalf("ValidEntries = %d, %+v; want %d, %+v", n, tail, tc.n, tc.tail)
			}
		})
	}
}

func TestOffsetIndexLookup(t *testing.T) {
	const base = 100
	es := []OffsetPosition{{110, 4100}, {120, 8300}, {130, 12400}}
	for _, size := range []int{24, DefaultMaxIndexSize} {
		x := newOffsetIndexBytes(padTo(encodeOffsetIndex(base, es), size), base)
		for _, tc := range []struct {
			target int64
			want   OffsetPosition
		}{
			{math.MinInt64, OffsetPosition{100, 0}},
			{99, OffsetPosition{100, 0}},
			{100, OffsetPosition{100, 0}},
			{109, OffsetPosition{100, 0}},
			{110, es[0]},
			{119, es[0]},
			{120, es[1]},
			{129, es[1]},
			{130, es[2]},
			{math.MaxInt64, es[2]},
		} {
			got, err := x.Lookup(tc.target)
			if err != nil || got != tc.want {
				t.Errorf("size %d: Lookup(%d) = %v, %v; want %v", size, tc.target, got, err, tc.want)
			}
		}
		if last, err := x.LastEntry(); err != nil || last != es[2] {
			t.Errorf("LastEntry = %v, %v", last, err)
		}
	}
	empty := newOffsetIndexBytes(make([]byte, 80), base)
	if got, err := empty.Lookup(150); err != nil || got != (OffsetPosition{base, 0}) {
		t.Errorf("empty Lookup = %v, %v", got, err)
	}
	if got, err := empty.LastEntry(); err != nil || got != (OffsetPosition{base, 0}) {
		t.Errorf("empty LastEntry = %v, %v", got, err)
	}
}

func TestTimeIndexLookup(t *testing.T) {
	const base = 100
	es := []TimestampOffset{{1000, 105}, {2000, 110}, {3000, 130}}
	x := newTimeIndexBytes(padTo(encodeTimeIndex(base, es), 10485756), base)
	none := TimestampOffset{NoTimestamp, base}
	for _, tc := range []struct {
		ts      int64
		want    TimestampOffset
		ceil    TimestampOffset
		ceilHit bool
	}{
		{math.MinInt64, none, es[0], true},
		{-1, none, es[0], true},
		{999, none, es[0], true},
		{1000, es[0], es[0], true},
		{1001, es[0], es[1], true},
		{2500, es[1], es[2], true},
		{3000, es[2], es[2], true},
		{3001, es[2], TimestampOffset{}, false},
		{math.MaxInt64, es[2], TimestampOffset{}, false},
	} {
		got, err := x.Lookup(tc.ts)
		if err != nil || got != tc.want {
			t.Errorf("Lookup(%d) = %v, %v; want %v", tc.ts, got, err, tc.want)
		}
		c, ok, err := x.LookupCeil(tc.ts)
		if err != nil || ok != tc.ceilHit || c != tc.ceil {
			t.Errorf("LookupCeil(%d) = %v, %v, %v; want %v, %v", tc.ts, c, ok, err, tc.ceil, tc.ceilHit)
		}
	}
	empty := newTimeIndexBytes(nil, base)
	if got, err := empty.Lookup(5); err != nil || got != none {
		t.Errorf("empty Lookup = %v, %v", got, err)
	}
	if got, err := empty.LastEntry(); err != nil || got != none {
		t.Errorf("empty LastEntry = %v, %v", got, err)
	}
}

// TestLookupMatchesLinearScan is the property test: over thousands of random sorted indexes,
// with and without a zeroed tail, and sizes around Kafka's warm-section boundary (1024 entries
// for .index, 682 for .timeindex), every lookup agrees with a linear scan.
func TestLookupMatchesLinearScan(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	sizes := []int{0, 1, 2, 3, 681, 682, 683, 684, 1023, 1024, 1025, 1026, 1027, 3000}
	cases := 3000
	if testing.Short() {
		cases = 300
	}
	for c := range cases {
		n := sizes[c%len(sizes)]
		if c >= len(sizes)*4 {
			n = r.IntN(2500)
		}
		base := r.Int64N(1 << 40)
		pad := r.IntN(3) == 0

		oes := randomOffsetEntries(r, base, n)
		ob := encodeOffsetIndex(base, oes)
		if pad {
			ob = padTo(ob, len(ob)+8*r.IntN(3000))
		}
		ox := newOffsetIndexBytes(ob, base)
		got, _ := mustValid(t, ox)
		if wantAllZero := n == 1 && oes[0] == (OffsetPosition{base, 0}); got != n && !wantAllZero {
			t.Fatalf("case %d: offset ValidEntries = %d, want %d", c, got, n)
		}
		keys := make([]int64, n)
		for i, e := range oes {
			keys[i] = e.Offset
		}
		// The same file through Kafka's probe path, which unsorted indexes take.
		kx := newOffsetIndexBytes(ob, base)
		mustValid(t, kx)
		kx.f.sorted = false
		for _, target := range targetsAround(r, keys, 20) {
			want := linearOffsetLookup(base, oes[:got], target)
			if g, err := ox.Lookup(target); err != nil || g != want {
				t.Fatalf("case %d (n=%d): offset Lookup(%d) = %v, %v; want %v", c, n, target, g, err, want)
			}
			if g, err := kx.Lookup(target); err != nil || g != want {
				t.Fatalf("case %d (n=%d): Kafka-path Lookup(%d) = %v, %v; want %v", c, n, target, g, err, want)
			}
		}

		tes := randomTimeEntries(r, base, n)
		tb := encodeTimeIndex(base, tes)
		if pad {
			tb = padTo(tb, len(tb)+12*r.IntN(3000))
		}
		tx := newTimeIndexBytes(tb, base)
		got, _ = mustValid(t, tx)
		if wantAllZero := n == 1 && tes[0] == (TimestampOffset{0, base}); got != n && !wantAllZero {
			t.Fatalf("case %d: time ValidEntries = %d, want %d", c, got, n)
		}
		for i, e := range tes {
			keys[i] = e.Timestamp
		}
		ktx := newTimeIndexBytes(tb, base)
		mustValid(t, ktx)
		ktx.f.sorted = false
		for _, ts := range targetsAround(r, keys, 20) {
			want := linearTimeLookup(base, tes[:got], ts)
			wantC, wantOK := linearTimeCeil(tes[:got], ts)
			for _, x := range []*TimeIndex{tx, ktx} {
				if g, err := x.Lookup(ts); err != nil || g != want {
					t.Fatalf("case %d (n=%d, sorted path %v): time Lookup(%d) = %v, %v; want %v", c, n, x.f.sorted, ts, g, err, want)
				}
				if g, ok, err := x.LookupCeil(ts); err != nil || ok != wantOK || g != wantC {
					t.Fatalf("case %d (n=%d, sorted path %v): LookupCeil(%d) = %v, %v, %v; want %v, %v", c, n, x.f.sorted, ts, g, ok, err, wantC, wantOK)
				}
			}
		}
	}
}

// TestLookupReadCount holds lookups to O(log n) ReadAt calls on full-size indexes: one block
// read (two for LookupCeil) when sorted, Kafka's probe sequence when not.
func TestLookupReadCount(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const base = 1 << 33
	budget := func(n int) int64 { return int64(2*bits.Len(uint(n-1)) + 4) } // 2*ceil(log2 n)+4

	oes := randomOffsetEntries(r, base, DefaultMaxIndexSize/OffsetIndexEntrySize)
	oc := &countingReaderAt{r: bytes.NewReader(encodeOffsetIndex(base, oes))}
	ox := NewOffsetIndex(oc, DefaultMaxIndexSize, base)
	mustValid(t, ox)
	keys := make([]int64, len(oes))
	for i, e := range oes {
		keys[i] = e.Offset
	}
	for _, target := range targetsAround(r, keys, 2000) {
		oc.reads.Store(0)
		if _, err := ox.Lookup(target); err != nil {
			t.Fatal(err)
		}
		if got := oc.reads.Load(); got > 1 {
			t.Fatalf("offset Lookup(%d) did %d reads on a sorted index, want <= 1", target, got)
		}
	}

	// Unsorted: swap two entries in the cold section, so lookups take Kafka's probe path.
	ob := encodeOffsetIndex(base, oes)
	copy(ob, swapSlots(1000, 1001, 8)(ob))
	uc := &countingReaderAt{r: bytes.NewReader(ob)}
	ux := NewOffsetIndex(uc, DefaultMaxIndexSize, base)
	mustValid(t, ux)
	if ux.f.sorted {
		t.Fatal("swapped index reported sorted")
	}
	for _, target := range targetsAround(r, keys, 2000) {
		uc.reads.Store(0)
		if _, err := ux.Lookup(target); err != nil {
			t.Fatal(err)
		}
		if got := uc.reads.Load(); got > budget(len(oes)) {
			t.Fatalf("unsorted offset Lookup(%d) did %d reads, budget %d", target, got, budget(len(oes)))
		}
	}

	tes := randomTimeEntries(r, base, 10485756/TimeIndexEntrySize)
	tc := &countingReaderAt{r: bytes.NewReader(encodeTimeIndex(base, tes))}
	tx := NewTimeIndex(tc, 10485756, base)
	mustValid(t, tx)
	for i, e := range tes {
		keys[i] = e.Timestamp
	}
	for _, ts := range targetsAround(r, keys[:len(tes)], 2000) {
		tc.reads.Store(0)
		if _, err := tx.Lookup(ts); err != nil {
			t.Fatal(err)
		}
		if _, _, err := tx.LookupCeil(ts); err != nil {
			t.Fatal(err)
		}
		if got := tc.reads.Load(); got > 3 { // Lookup 1, LookupCeil at most 2
			t.Fatalf("time lookups(%d) did %d reads, want <= 3", ts, got)
		}
	}
}

// TestValidEntriesReadsInChunks: finding the end of a 10 MiB index is one chunked pass, cached.
func TestValidEntriesReadsInChunks(t *testing.T) {
	c := &countingReaderAt{r: bytes.NewReader(make([]byte, DefaultMaxIndexSize))}
	x := NewOffsetIndex(c, DefaultMaxIndexSize, 0)
	mustValid(t, x)
	want := int64((DefaultMaxIndexSize + chunkSize - 1) / chunkSize)
	if got := c.reads.Load(); got != want {
		t.Fatalf("ValidEntries did %d reads, want %d", got, want)
	}
	mustValid(t, x)
	if _, err := x.Lookup(5); err != nil {
		t.Fatal(err)
	}
	if got := c.reads.Load(); got != want {
		t.Fatalf("cached ValidEntries read again: %d reads", got)
	}
}

func TestAllMatchesEntry(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	oes := randomOffsetEntries(r, 7, 20000) // spans several chunks
	ox := newOffsetIndexBytes(padTo(encodeOffsetIndex(7, oes), 20000*8+800), 7)
	i := 0
	for e, err := range ox.All() {
		if err != nil || e != oes[i] {
			t.Fatalf("All()[%d] = %v, %v; want %v", i, e, err, oes[i])
		}
		i++
	}
	if i != len(oes) {
		t.Fatalf("All yielded %d entries, want %d", i, len(oes))
	}
	for e := range ox.All() { // early break must not panic
		_ = e
		break
	}

	tes := randomTimeEntries(r, 7, 9000)
	tx := newTimeIndexBytes(encodeTimeIndex(7, tes), 7)
	i = 0
	for e, err := range tx.All() {
		if err != nil || e != tes[i] {
			t.Fatalf("time All()[%d] = %v, %v; want %v", i, e, err, tes[i])
		}
		if got, err := tx.Entry(i); err != nil || got != e {
			t.Fatalf("Entry(%d) = %v, %v; want %v", i, got, err, e)
		}
		i++
	}
	if i != len(tes) {
		t.Fatalf("time All yielded %d entries, want %d", i, len(tes))
	}
}

// toggleReaderAt fails while fail is set.
type toggleReaderAt struct {
	r    io.ReaderAt
	fail atomic.Bool
}

func (t *toggleReaderAt) ReadAt(p []byte, pos int64) (int, error) {
	if t.fail.Load() {
		return 0, errInjected
	}
	return t.r.ReadAt(p, pos)
}

func TestErrors(t *testing.T) {
	good := encodeOffsetIndex(0, []OffsetPosition{{10, 4100}, {20, 8200}})
	t.Run("structural", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			r    io.ReaderAt
			size int64
			base int64
		}{
			{"nil reader", nil, 16, 0},
			{"negative base offset", bytes.NewReader(good), 16, -1},
			{"base offset near MaxInt64", bytes.NewReader(good), 16, math.MaxInt64 - 5},
			{"negative size", bytes.NewReader(good), -8, 0},
			{"size above 2 GiB", bytes.NewReader(good), 1 << 32, 0},
		} {
			t.Run(tc.name, func(t *testing.T) {
				x := NewOffsetIndex(tc.r, tc.size, tc.base)
				tx := NewTimeIndex(tc.r, tc.size, tc.base)
				errs := map[string]error{}
				_, _, errs["ValidEntries"] = x.ValidEntries()
				_, errs["Lookup"] = x.Lookup(1)
				_, errs["Entry"] = x.Entry(0)
				_, errs["SanityCheck"] = x.SanityCheck()
				_, errs["time Lookup"] = tx.Lookup(1)
				_, errs["time SanityCheck"] = tx.SanityCheck()
				for op, err := range errs {
					var ce *CorruptIndexError
					if !errors.Is(err, ErrCorruptIndex) || !errors.As(err, &ce) || ce.BaseOffset != tc.base {
						t.Errorf("%s: err = %v, want *CorruptIndexError", op, err)
					}
				}
			})
		}
	})
	t.Run("slot out of range", func(t *testing.T) {
		x := newOffsetIndexBytes(good, 0)
		for _, i := range []int{-1, 2, math.MaxInt} {
			if _, err := x.Entry(i); !errors.Is(err, ErrSlotOutOfRange) {
				t.Errorf("Entry(%d): err = %v", i, err)
			}
		}
		if _, err := newTimeIndexBytes(nil, 0).Entry(0); !errors.Is(err, ErrSlotOutOfRange) {
			t.Errorf("time Entry(0): err = %v", err)
		}
	})
	t.Run("file shorter than stated size", func(t *testing.T) {
		x := NewOffsetIndex(bytes.NewReader(good), 64, 0)
		if _, _, err := x.ValidEntries(); !errors.Is(err, io.ErrUnexpectedEOF) {
			t.Errorf("err = %v, want io.ErrUnexpectedEOF", err)
		}
	})
	t.Run("I/O error is wrapped and not cached", func(t *testing.T) {
		tr := &toggleReaderAt{r: bytes.NewReader(good)}
		tr.fail.Store(true)
		x := NewOffsetIndex(tr, int64(len(good)), 0)
		if _, err := x.Lookup(15); !errors.Is(err, errInjected) {
			t.Fatalf("err = %v, want injected", err)
		}
		tr.fail.Store(false)
		if got, err := x.Lookup(15); err != nil || got != (OffsetPosition{10, 4100}) {
			t.Fatalf("after recovery Lookup = %v, %v", got, err)
		}
		tr.fail.Store(true)
		if _, err := x.Lookup(15); !errors.Is(err, errInjected) {
			t.Fatalf("lookup read error: err = %v", err)
		}
		if _, err := x.SanityCheck(); !errors.Is(err, errInjected) {
			t.Fatalf("SanityCheck read error: err = %v", err)
		}
		var n int
		for _, err := range x.All() {
			if !errors.Is(err, errInjected) {
				t.Fatalf("All read error: err = %v", err)
			}
			n++
		}
		if n != 1 {
			t.Fatalf("All yielded %d items after an error", n)
		}
	})
}

func TestConcurrentLookups(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 8))
	oes := randomOffsetEntries(r, 0, 50000)
	x := newOffsetIndexBytes(padTo(encodeOffsetIndex(0, oes), 60000*8), 0)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for range 2000 {
				target := r.Int64N(oes[len(oes)-1].Offset + 10)
				want := linearOffsetLookup(0, oes, target)
				if got, err := x.Lookup(target); err != nil || got != want {
					t.Errorf("Lookup(%d) = %v, %v; want %v", target, got, err, want)
					return
				}
			}
		})
	}
	wg.Wait()
}

func TestLookupAllocs(t *testing.T) {
	r := rand.New(rand.NewPCG(10, 11))
	oes := randomOffsetEntries(r, 0, 100000)
	x := newOffsetIndexBytes(encodeOffsetIndex(0, oes), 0)
	mustValid(t, x)
	allocs := testing.AllocsPerRun(1000, func() {
		if _, err := x.Lookup(oes[len(oes)/3].Offset + 1); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("Lookup allocates %.1f times per call", allocs)
	}
}

// TestLookupUnsortedFollowsKafka pins the warm-section search on a corrupt index: the answer
// depends on which slots Kafka probes, and we probe the same ones.
func TestLookupUnsortedFollowsKafka(t *testing.T) {
	// 2000 entries; warm section for .index is 1024 entries, so firstHot = 2000-1-1024 = 975.
	es := make([]OffsetPosition, 2000)
	for i := range es {
		es[i] = OffsetPosition{Offset: int64(10 * (i + 1)), Position: int32(100 * (i + 1))}
	}
	// Corrupt slot 975 (firstHot) to a huge offset: Kafka then skips the warm section and
	// searches [0, 975] for a target that really lives in the warm section.
	es[975].Offset = 1 << 30
	x := newOffsetIndexBytes(encodeOffsetIndex(0, es), 0)
	got, err := x.Lookup(15000) // slot 1499 in a sorted index
	if err != nil {
		t.Fatal(err)
	}
	// Kafka: key(975) >= target, key(0) <= target, binarySearch(0, 975) converges on 974.
	if want := es[974]; got != want {
		t.Fatalf("Lookup = %v, want Kafka's %v", got, want)
	}
}

// TestLookupPosition checks the by-position search against a linear scan.
func TestLookupPosition(t *testing.T) {
	var data []byte
	var entries []OffsetPosition
	for i := 0; i < 500; i++ {
		e := OffsetPosition{Offset: 1000 + int64(i*3) + 2, Position: int32(i * 97)}
		entries = append(entries, e)
		var err error
		if data, err = AppendOffsetEntry(data, 1000, e); err != nil {
			t.Fatal(err)
		}
	}
	x := NewOffsetIndex(bytes.NewReader(data), int64(len(data)), 1000)
	for _, maxPos := range []int64{-1, 0, 1, 96, 97, 5000, 48403, 48500, 1 << 40} {
		got, ok, err := x.LookupPosition(maxPos)
		if err != nil {
			t.Fatal(err)
		}
		var want OffsetPosition
		wok := false
		for _, e := range entries {
			if int64(e.Position) <= maxPos {
				want, wok = e, true
			}
		}
		if ok != wok || got != want {
			t.Fatalf("maxPos %d: got %+v %v, want %+v %v", maxPos, got, ok, want, wok)
		}
	}
}
