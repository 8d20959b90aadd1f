package search

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"sync"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
)

// genLogDir writes three topics, one per magic (m0, m1, m2), two partitions
// each, every codec of the magic in turn, three segments per partition.
func genLogDir(t testing.TB) (string, []expRec) {
	dir := t.TempDir()
	var all []expRec
	for magic := int8(0); magic <= 2; magic++ {
		for p := int32(0); p < 2; p++ {
			all = append(all, genPartition(t, dir, fmt.Sprintf("m%d", magic), p,
				genSpec{magic: magic, segments: 3, batchesPerSeg: 10, recordsPerBatch: 4, codec: -1})...)
		}
	}
	return dir, all
}

type filterCase struct {
	name string
	set  func(o *Options)
	want func(r *expRec) bool
}

func hasHeader(r *expRec, name string, val *string) bool {
	for _, h := range r.headers {
		if string(h.Key) == name && (val == nil || h.Value != nil && string(h.Value) == *val) {
			return true
		}
	}
	return false
}

func filterCases() []filterCase {
	t1 := "t1"
	tFrom, tTo := genBaseTime+40_000, genBaseTime+90_000
	return []filterCase{
		{"key", func(o *Options) { o.Key = []byte("k-1-2") }, func(r *expRec) bool { return r.key != nil && bytes.Contains(r.key, []byte("k-1-2")) }},
		{"value", func(o *Options) { o.Value = []byte("gamma") }, func(r *expRec) bool { return r.value != nil && bytes.Contains(r.value, []byte("gamma")) }},
		{"key-regex", func(o *Options) { o.KeyRegex = regexp.MustCompile(`^k-0-1[0-9]$`) }, func(r *expRec) bool {
			return r.key != nil && regexp.MustCompile(`^k-0-1[0-9]$`).Match(r.key)
		}},
		{"value-regex", func(o *Options) { o.ValueRegex = regexp.MustCompile(`-(alpha|delta)$`) }, func(r *expRec) bool {
			return r.value != nil && regexp.MustCompile(`-(alpha|delta)$`).Match(r.value)
		}},
		{"header-name", func(o *Options) { o.Headers = []HeaderFilter{{Name: []byte("flag")}} }, func(r *expRec) bool { return hasHeader(r, "flag", nil) }},
		{"header-value", func(o *Options) {
			o.Headers = []HeaderFilter{{Name: []byte("trace"), Value: []byte("t1"), HasValue: true}}
		},
			func(r *expRec) bool { return hasHeader(r, "trace", &t1) }},
		{"from-time", func(o *Options) { o.TimeFilter, o.FromTime = true, tFrom }, func(r *expRec) bool { return r.magic > 0 && r.timestamp >= tFrom }},
		{"to-time", func(o *Options) { o.TimeFilter, o.ToTime = true, tTo }, func(r *expRec) bool { return r.magic > 0 && r.timestamp <= tTo }},
		{"time-range", func(o *Options) { o.TimeFilter, o.FromTime, o.ToTime = true, tFrom, tTo }, func(r *expRec) bool {
			return r.magic > 0 && r.timestamp >= tFrom && r.timestamp <= tTo
		}},
		{"from-offset", func(o *Options) { o.FromOffset = 77 }, func(r *expRec) bool { return r.offset >= 77 }},
		{"to-offset", func(o *Options) { o.ToOffset = 45 }, func(r *expRec) bool { return r.offset <= 45 }},
		{"offset-range", func(o *Options) { o.FromOffset, o.ToOffset = 50, 60 }, func(r *expRec) bool { return r.offset >= 50 && r.offset <= 60 }},
		{"producer-id", func(o *Options) { o.ProducerID = 101 }, func(r *expRec) bool { return r.producerID == 101 && r.magic == 2 }},
		{"transactional", func(o *Options) { o.Transactional = true }, func(r *expRec) bool { return r.transactional }},
		{"aborted", func(o *Options) { o.Aborted = true }, func(r *expRec) bool { return r.aborted }},
		{"topic", func(o *Options) { o.Topics = []string{"m1"} }, func(r *expRec) bool { return r.topic == "m1" }},
		{"partition", func(o *Options) { o.Partitions = []int32{1} }, func(r *expRec) bool { return r.partition == 1 }},
		{"combined-key-time", func(o *Options) {
			o.Key, o.TimeFilter, o.FromTime, o.ToTime = []byte("-1"), true, tFrom, tTo
		}, func(r *expRec) bool {
			return r.key != nil && bytes.Contains(r.key, []byte("-1")) && r.magic > 0 && r.timestamp >= tFrom && r.timestamp <= tTo
		}},
		{"combined-producer-value-offset", func(o *Options) {
			o.ProducerID, o.Value, o.FromOffset = 100, []byte("beta"), 20
		}, func(r *expRec) bool {
			return r.producerID == 100 && r.magic == 2 && r.value != nil && bytes.Contains(r.value, []byte("beta")) && r.offset >= 20
		}},
		{"combined-aborted-header-topic", func(o *Options) {
			o.Aborted, o.Headers, o.Topics = true, []HeaderFilter{{Name: []byte("trace")}}, []string{"m2"}
		}, func(r *expRec) bool { return r.aborted && hasHeader(r, "trace", nil) && r.topic == "m2" }},
		{"combined-txn-time-partition", func(o *Options) {
			o.Transactional, o.TimeFilter, o.FromTime, o.Partitions = true, true, tFrom, []int32{0}
		}, func(r *expRec) bool { return r.transactional && r.timestamp >= tFrom && r.partition == 0 }},
		{"none", func(o *Options) { o.Key = []byte("no-such-key") }, func(r *expRec) bool { return false }},
	}
}

type got struct {
	topic     string
	partition int32
	offset    int64
	timestamp int64
	key, val  string
	nk, nv    bool
	headers   string
}

func gotOf(m *Match) got {
	return got{m.Topic, m.Partition, m.Offset, m.Timestamp, string(m.Key), string(m.Value), m.Key == nil, m.Value == nil, fmt.Sprint(m.Headers)}
}

func wantOf(r *expRec) got {
	return got{r.topic, r.partition, r.offset, r.timestamp, string(r.key), string(r.value), r.key == nil, r.value == nil, fmt.Sprint(r.headers)}
}

func runFind(t testing.TB, paths []string, o Options) ([]got, *Stats) {
	t.Helper()
	var out []got
	st, err := Find(context.Background(), paths, o, func(m *Match) error {
		out = append(out, gotOf(m))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Problems) > 0 {
		t.Fatalf("problems: %v", st.Problems)
	}
	return out, st
}

func sortGot(g []got) {
	sort.Slice(g, func(i, j int) bool {
		a, b := g[i], g[j]
		if a.topic != b.topic {
			return a.topic < b.topic
		}
		if a.partition != b.partition {
			return a.partition < b.partition
		}
		return a.offset < b.offset
	})
}

// TestFiltersKnownAnswers checks every filter alone and combined against
// the generated records in every magic and codec, with 1 and 4 workers,
// sorted and as found, with and without the indexes; the log dir is
// unchanged afterwards.
func TestFiltersKnownAnswers(t *testing.T) {
	dir, all := genLogDir(t)
	before := testutil.HashTree(t, dir)
	for _, fc := range filterCases() {
		t.Run(fc.name, func(t *testing.T) {
			var want []got
			for i := range all {
				if fc.want(&all[i]) {
					want = append(want, wantOf(&all[i]))
				}
			}
			sortGot(want)
			if fc.name != "none" && len(want) == 0 {
				t.Fatal("the filter selects nothing in the generated data; the case proves nothing")
			}
			for _, workers := range []int{1, 4} {
				for _, sorted := range []bool{true, false} {
					for _, noIndex := range []bool{false, true} {
						o := NewOptions()
						fc.set(&o)
						o.Workers, o.Sort, o.NoIndex = workers, sorted, noIndex
						g, st := runFind(t, []string{dir}, o)
						if !sorted {
							sortGot(g)
						}
						if !slices.Equal(g, want) {
							t.Fatalf("workers=%d sort=%v noIndex=%v: got %d matches, want %d\n got %v\nwant %v", workers, sorted, noIndex, len(g), len(want), head(g), head(want))
						}
						if st.Matches != int64(len(want)) {
							t.Fatalf("Stats.Matches = %d, want %d", st.Matches, len(want))
						}
					}
				}
			}
			// Segments split into ranges at index positions.
			o := NewOptions()
			fc.set(&o)
			o.Workers, o.Sort, o.SplitBytes = 3, true, 300
			if g, _ := runFind(t, []string{dir}, o); !slices.Equal(g, want) {
				t.Fatalf("split: got %d matches, want %d", len(g), len(want))
			}
		})
	}
	testutil.RequireUnchanged(t, dir, before)
}

func head(g []got) []got {
	if len(g) > 5 {
		return g[:5]
	}
	return g
}

// TestMagicCodecCoverage makes sure each magic/codec pair is searched: one
// partition per pair, a key present exactly once.
func TestMagicCodecCoverage(t *testing.T) {
	for magic := int8(0); magic <= 2; magic++ {
		for ci, codec := range codecsFor(magic) {
			t.Run(fmt.Sprintf("v%d-%s", magic, codec), func(t *testing.T) {
				dir := t.TempDir()
				all := genPartition(t, dir, "c", 0, genSpec{magic: magic, segments: 2, batchesPerSeg: 5, recordsPerBatch: 5, codec: ci})
				target := all[len(all)/2]
				o := NewOptions()
				o.Key = target.key
				o.KeyRegex = regexp.MustCompile("^" + regexp.QuoteMeta(string(target.key)) + "$")
				g, st := runFind(t, []string{dir}, o)
				if len(g) != 1 || g[0] != wantOf(&target) {
					t.Fatalf("got %v, want %v", g, wantOf(&target))
				}
				if st.BatchesDecoded == 0 {
					t.Fatal("nothing decoded")
				}
			})
		}
	}
}

// TestTimeRangeSkipsBytes proves by the bytes actually read from the .log
// files (a counting ReaderAt) that a time range selecting about 1 % of the
// records reads about 1 % of the bytes: from-time through the time index and
// closed segments' last entries; to-time through LogAppendTime headers, or
// with TimeOrdered for CreateTime.
func TestTimeRangeSkipsBytes(t *testing.T) {
	cases := []struct {
		name        string
		lat         bool
		ordered     bool
		middle      bool
		maxFraction float64
	}{
		{"createtime-last-1pct", false, false, false, 0.02},
		{"logappendtime-middle-1pct", true, false, true, 0.02},
		{"createtime-ordered-middle-1pct", false, true, true, 0.02},
		// Without TimeOrdered, CreateTime batches after the range must be read.
		{"createtime-middle-unordered", false, false, true, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			all := genPartition(t, dir, "big", 0, genSpec{magic: 2, segments: 10, batchesPerSeg: 40, recordsPerBatch: 20,
				valuePad: 800, codec: 0, noTwists: true, logAppendTime: c.lat})
			n := len(all)
			lo, hi := n-n/100, n-1
			if c.middle {
				lo, hi = n/2, n/2+n/100
			}
			from, to := all[lo].timestamp, all[hi].timestamp
			o := NewOptions()
			o.TimeFilter, o.FromTime, o.ToTime, o.TimeOrdered, o.Workers = true, from, to, c.ordered, 2
			g, st := runFind(t, []string{dir}, o)
			var want []got
			for i := range all {
				if all[i].timestamp >= from && all[i].timestamp <= to {
					want = append(want, wantOf(&all[i]))
				}
			}
			sortGot(g)
			if !slices.Equal(g, want) {
				t.Fatalf("got %d matches, want %d", len(g), len(want))
			}
			total := st.BytesDecoded + st.BytesSkipped
			frac := float64(st.BytesRead) / float64(total)
			t.Logf("read %d of %d bytes (%.2f%%); decoded %d batches, skipped %d, segments skipped %d",
				st.BytesRead, total, 100*frac, st.BatchesDecoded, st.BatchesSkipped, st.SegmentsSkipped)
			if frac > c.maxFraction {
				t.Fatalf("read %.2f%% of the bytes, want at most %.0f%%", 100*frac, 100*c.maxFraction)
			}
			if c.maxFraction == 1 && frac < 0.4 {
				t.Fatalf("read only %.2f%%: CreateTime after the range cannot be ruled out without TimeOrdered", 100*frac)
			}
		})
	}
}

// TestWorkersAgree: 1 and N workers, and split segments, give identical
// sorted output (order included).
func TestWorkersAgree(t *testing.T) {
	dir := t.TempDir()
	for p := int32(0); p < 3; p++ {
		genPartition(t, dir, "w", p, genSpec{magic: 2, segments: 2, batchesPerSeg: 60, recordsPerBatch: 10, valuePad: 100, codec: -1})
	}
	o := NewOptions()
	o.Value = []byte("a")
	o.Sort = true
	o.Workers = 1
	o.SplitBytes = -1
	ref, _ := runFind(t, []string{dir}, o)
	if len(ref) == 0 {
		t.Fatal("no matches")
	}
	for _, w := range []int{2, 3, 8} {
		for _, split := range []int64{-1, 4096} {
			o.Workers, o.SplitBytes = w, split
			g, _ := runFind(t, []string{dir}, o)
			if !slices.Equal(g, ref) {
				t.Fatalf("workers=%d split=%d: %d matches differ from 1 worker's %d", w, split, len(g), len(ref))
			}
		}
	}
	// Splitting really happens at 4 KiB.
	parts, err := collect([]string{dir}, o)
	if err != nil {
		t.Fatal(err)
	}
	o.SplitBytes = 4096
	units, err := plan(parts, o)
	if err != nil {
		t.Fatal(err)
	}
	if len(units) <= 6 {
		t.Fatalf("%d units: segments were not split", len(units))
	}
}

// TestMaxResults stops after N matches; sorted, they are the first N.
func TestMaxResults(t *testing.T) {
	dir, _ := genLogDir(t)
	o := NewOptions()
	o.Sort, o.Workers = true, 3
	all, _ := runFind(t, []string{dir}, o)
	o.MaxResults = 7
	g, st := runFind(t, []string{dir}, o)
	if !slices.Equal(g, all[:7]) || st.Matches != 7 {
		t.Fatalf("got %v", g)
	}
	o.Sort = false
	g, _ = runFind(t, []string{dir}, o)
	if len(g) != 7 {
		t.Fatalf("unsorted: %d matches", len(g))
	}
}

// TestPathsAndSelection: a segment file and a partition dir are accepted.
func TestPathsAndSelection(t *testing.T) {
	dir := t.TempDir()
	all := genPartition(t, dir, "p", 3, genSpec{magic: 2, segments: 2, batchesPerSeg: 5, recordsPerBatch: 4, codec: -1})
	o := NewOptions()
	g, _ := runFind(t, []string{dir + "/p-3/00000000000000000000.log"}, o)
	var want []got
	for i := range all {
		if all[i].offset < all[len(g)-1].offset+1 {
			want = append(want, wantOf(&all[i]))
		}
	}
	if len(g) == 0 || len(g) >= len(all) || !slices.Equal(g, want) {
		t.Fatalf("first segment: %d of %d records", len(g), len(all))
	}
	g2, _ := runFind(t, []string{dir + "/p-3"}, o)
	if len(g2) != len(all) {
		t.Fatalf("partition dir: %d of %d", len(g2), len(all))
	}
}

// TestEmitErrorStops: an emit error ends the search and is returned.
func TestEmitErrorStops(t *testing.T) {
	dir, _ := genLogDir(t)
	boom := fmt.Errorf("boom")
	var mu sync.Mutex
	n := 0
	o := NewOptions()
	o.Workers = 4
	_, err := Find(context.Background(), []string{dir}, o, func(*Match) error {
		mu.Lock()
		defer mu.Unlock()
		n++
		return boom
	})
	if err != boom || n != 1 {
		t.Fatalf("err=%v after %d calls", err, n)
	}
}

// TestDamage: a CRC-damaged batch is searched anyway and reported, a torn
// tail is reported, and an .index entry pointing into the middle of a batch
// does not lose records (the walk starts over at the segment's start).
func TestDamage(t *testing.T) {
	dir := t.TempDir()
	all := genPartition(t, dir, "d", 0, genSpec{magic: 2, segments: 1, batchesPerSeg: 30, recordsPerBatch: 5, codec: 0, noTwists: true})
	seg := dir + "/d-0/00000000000000000000.log"
	idx := dir + "/d-0/00000000000000000000.index"
	// Point every index entry 3 bytes into a batch.
	data, err := os.ReadFile(idx)
	if err != nil || len(data) < 8 {
		t.Fatalf("index: %v (%d bytes)", err, len(data))
	}
	for p := 4; p+4 <= len(data); p += 8 {
		binary.BigEndian.PutUint32(data[p:], binary.BigEndian.Uint32(data[p:])+3)
	}
	if err := os.WriteFile(idx, data, 0o644); err != nil {
		t.Fatal(err)
	}
	o := NewOptions()
	o.FromOffset = all[len(all)-10].offset
	g, _ := runFind(t, []string{dir}, o)
	if len(g) != 10 {
		t.Fatalf("bad index: %d matches, want 10", len(g))
	}
	// Damage a value byte of a batch in the middle, and tear the tail.
	raw, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(raw[len(raw)/2:], []byte("-gamma"))
	if at < 0 {
		t.Fatal("no value to damage")
	}
	testutil.MustFlipBit(t, seg, int64(len(raw)/2+at+1), 5) // g -> G: the CRC no longer matches
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 7})
	f.Close()
	o = NewOptions()
	var n int
	st, err := Find(context.Background(), []string{dir}, o, func(*Match) error { n++; return nil })
	if err != nil {
		t.Fatal(err)
	}
	if st.ProblemCount != 2 || n != len(all) {
		t.Fatalf("%d matches of %d, problems %v", n, len(all), st.Problems)
	}
	// A value search checks the CRC only of the batches that hold the
	// needle (ReaderOptions.DeferCRC): the damaged batch is still reported
	// when it is searched, and not when the needle rules it out.
	for _, tc := range []struct {
		value    string
		problems int64
	}{{"Gamma", 2}, {"absent-needle", 1}} {
		o = NewOptions()
		o.Value = []byte(tc.value)
		st, err = Find(context.Background(), []string{dir}, o, func(*Match) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		if st.ProblemCount != tc.problems {
			t.Errorf("--value %s: problems %v, want %d", tc.value, st.Problems, tc.problems)
		}
	}
}

// TestAbortedAcrossSegments: searching one segment file still sees aborted
// transactions whose .txnindex entry (ABORT marker) is in a later segment.
func TestAbortedAcrossSegments(t *testing.T) {
	dir := t.TempDir()
	all := genPartition(t, dir, "a", 0, genSpec{magic: 2, segments: 3, batchesPerSeg: 4, recordsPerBatch: 3, codec: 0})
	// Move the first segment's .txnindex entries to the second segment's
	// file, as when the marker was written after a roll.
	first := dir + "/a-0/00000000000000000000.txnindex"
	data, err := os.ReadFile(first)
	if err != nil {
		t.Fatal(err)
	}
	matches, _ := filepath.Glob(dir + "/a-0/*.txnindex")
	sort.Strings(matches)
	var second string
	for _, m := range matches {
		if m != first {
			second = m
			break
		}
	}
	if second == "" {
		t.Fatal("no second .txnindex")
	}
	prev, _ := os.ReadFile(second)
	if err := os.WriteFile(second, append(prev, data...), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(first); err != nil {
		t.Fatal(err)
	}
	o := NewOptions()
	o.Aborted = true
	g, _ := runFind(t, []string{dir + "/a-0/00000000000000000000.log"}, o)
	var want []got
	secondBase, _, _ := segment.ParseFileName(filepath.Base(second))
	for i := range all {
		if all[i].aborted && all[i].offset < secondBase {
			want = append(want, wantOf(&all[i]))
		}
	}
	if len(want) == 0 || !slices.Equal(g, want) {
		t.Fatalf("got %v, want %v", g, want)
	}
}
