package index

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"testing"
)

// refValid is a slow, obviously-correct version of ValidEntries over a byte slice, to cross-check
// the chunked ReaderAt path (STYLE §7: the ReaderAt path and the slice path agree).
func refValid(b []byte, es int, endsAt func(slot []byte) bool) (int, TailState) {
	slots := len(b) / es
	n := slots
	for i := 1; i < slots; i++ {
		if endsAt(b[i*es : (i+1)*es]) {
			n = i
			break
		}
	}
	first := int64(-1)
	if n < slots {
		for i := n * es; i < len(b); i++ {
			if b[i] != 0 {
				first = int64(i)
				break
			}
		}
	}
	if n == 1 && first < 0 && bytes.Count(b, []byte{0}) == len(b) {
		n = 0
	}
	t := TailState{Slots: slots - n, Bytes: int64(len(b) - n*es), PartialBytes: len(b) % es, FirstNonzero: first}
	switch {
	case first >= 0:
		t.Kind = DirtyTail
	case n < slots:
		t.Kind = ZeroedTail
	}
	return n, t
}

func fuzzSeeds(f *testing.F, offsetIndex bool) {
	bs := contiguous(0,
		[]int64{109, 119, 129, 139, 149, 159, 169, 179},
		[]int64{10, 5, 30, 30, 20, 40, -1, 35},
		[]int64{1000, 1000, 1000, 1000, 1000, 1000, 1000, 1000})
	o, ti := build(NewBuilder(100, 900), bs)
	seed := ti
	if offsetIndex {
		seed = o
	}
	f.Add(seed, int64(100), int64(135))
	f.Add(padTo(bytes.Clone(seed), len(seed)+240), int64(100), int64(20))
	f.Add(append(padTo(bytes.Clone(seed), len(seed)+48), 1, 2, 3), int64(100), int64(1<<40))
	f.Add(seed[:len(seed)-1], int64(100), int64(-1))
	f.Add([]byte{}, int64(0), int64(0))
	f.Add(make([]byte, 96), int64(5), int64(5))
	f.Add(bytes.Repeat([]byte{0xff}, 97), int64(math.MaxInt64-math.MaxInt32), int64(math.MinInt64))
	f.Add(seed, int64(-1), int64(0))
}

// checkInvariants asserts what holds for any input: consistent tail accounting, agreement with
// refValid, findings inside the file.
func checkTail(t *testing.T, data []byte, es, n int, tail TailState, wantN int, wantTail TailState) {
	t.Helper()
	if n != wantN || tail != wantTail {
		t.Fatalf("ValidEntries = %d, %+v; reference %d, %+v", n, tail, wantN, wantTail)
	}
	if n+tail.Slots != len(data)/es || tail.Bytes != int64(len(data)-n*es) {
		t.Fatalf("tail accounting: n %d, %+v, len %d", n, tail, len(data))
	}
}

func checkFindings(t *testing.T, fs []Finding, size int64, slots int) {
	t.Helper()
	if len(fs) > MaxFindings+1 {
		t.Fatalf("%d findings, above the cap", len(fs))
	}
	for _, f := range fs {
		if f.Kind == 0 || f.Position < 0 || f.Position > size || f.Slot < -1 || f.Slot >= slots {
			t.Fatalf("bad finding %+v (size %d, slots %d)", f, size, slots)
		}
	}
}

func hasKind(fs []Finding, kinds ...FindingKind) bool {
	for _, f := range fs {
		for _, k := range kinds {
			if f.Kind == k {
				return true
			}
		}
	}
	return false
}

func FuzzOffsetIndex(f *testing.F) {
	fuzzSeeds(f, true)
	f.Fuzz(func(t *testing.T, data []byte, base int64, target int64) {
		x := newOffsetIndexBytes(data, base)
		n, tail, err := x.ValidEntries()
		if base < 0 || base > math.MaxInt64-math.MaxInt32 {
			if !errors.Is(err, ErrCorruptIndex) {
				t.Fatalf("base %d: err = %v", base, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		wantN, wantTail := refValid(data, OffsetIndexEntrySize, func(s []byte) bool { return binary.BigEndian.Uint32(s) == 0 })
		checkTail(t, data, OffsetIndexEntrySize, n, tail, wantN, wantTail)

		entries := make([]OffsetPosition, 0, n)
		for e, err := range x.All() {
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		}
		if len(entries) != n {
			t.Fatalf("All yielded %d, want %d", len(entries), n)
		}

		fs, err := x.SanityCheck()
		if err != nil {
			t.Fatal(err)
		}
		checkFindings(t, fs, int64(len(data)), x.Slots())
		sorted := !hasKind(fs, OffsetNotIncreasing, TooManyFindings)

		got, err := x.Lookup(target)
		if err != nil {
			t.Fatal(err)
		}
		if sorted {
			if want := linearOffsetLookup(base, entries, target); got != want {
				t.Fatalf("Lookup(%d) = %v, linear scan %v", target, got, want)
			}
		} else if got != (OffsetPosition{Offset: base}) && !containsEntry(entries, got) {
			t.Fatalf("Lookup(%d) = %v, not an entry", target, got)
		}
		if _, err := x.CheckPositionsWithin(int64(len(data))); err != nil {
			t.Fatal(err)
		}
	})
}

func FuzzTimeIndex(f *testing.F) {
	fuzzSeeds(f, false)
	f.Fuzz(func(t *testing.T, data []byte, base int64, ts int64) {
		x := newTimeIndexBytes(data, base)
		n, tail, err := x.ValidEntries()
		if base < 0 || base > math.MaxInt64-math.MaxInt32 {
			if !errors.Is(err, ErrCorruptIndex) {
				t.Fatalf("base %d: err = %v", base, err)
			}
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		wantN, wantTail := refValid(data, TimeIndexEntrySize, func(s []byte) bool {
			return binary.BigEndian.Uint64(s) == 0 && binary.BigEndian.Uint32(s[8:]) == 0
		})
		checkTail(t, data, TimeIndexEntrySize, n, tail, wantN, wantTail)

		entries := make([]TimestampOffset, 0, n)
		for e, err := range x.All() {
			if err != nil {
				t.Fatal(err)
			}
			entries = append(entries, e)
		}
		fs, err := x.SanityCheck()
		if err != nil {
			t.Fatal(err)
		}
		checkFindings(t, fs, int64(len(data)), x.Slots())
		sorted := !hasKind(fs, TimestampNotIncreasing, TooManyFindings)

		got, err := x.Lookup(ts)
		if err != nil {
			t.Fatal(err)
		}
		ceil, ok, err := x.LookupCeil(ts)
		if err != nil {
			t.Fatal(err)
		}
		if sorted {
			if want := linearTimeLookup(base, entries, ts); got != want {
				t.Fatalf("Lookup(%d) = %v, linear scan %v", ts, got, want)
			}
			if want, wantOK := linearTimeCeil(entries, ts); ceil != want || ok != wantOK {
				t.Fatalf("LookupCeil(%d) = %v, %v; linear scan %v, %v", ts, ceil, ok, want, wantOK)
			}
		} else if got != (TimestampOffset{NoTimestamp, base}) && !containsEntry(entries, got) {
			t.Fatalf("Lookup(%d) = %v, not an entry", ts, got)
		}
	})
}

func containsEntry[E comparable](es []E, e E) bool {
	for _, x := range es {
		if x == e {
			return true
		}
	}
	return false
}
