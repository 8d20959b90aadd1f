package diff

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
)

// writePartition writes n records in batches of 5 into logDir/t-0 with
// deterministic timestamps, rolling segments at segBytes.
func writePartition(t *testing.T, logDir string, n int, segBytes int64) string {
	t.Helper()
	dir := filepath.Join(logDir, "t-0")
	var in strings.Builder
	for i := 0; i < n; i++ {
		fmt.Fprintf(&in, "k%d:value %d\n", i, i)
	}
	_, err := appender.AppendInput(dir, strings.NewReader(in.String()),
		appender.InputOptions{KeySeparator: ":", Timestamp: 1700000000000},
		appender.EncodeOptions{Magic: 2, BatchRecords: 5, ProducerID: -1, Now: 1700000000000},
		appender.Options{SegmentBytes: segBytes, Fsync: appender.FsyncNever})
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

type batchPos struct {
	file     string
	pos      int64
	base     int64
	last     int64
	size     int64
	segIndex int
}

func batches(t *testing.T, dir string) []batchPos {
	t.Helper()
	var out []batchPos
	logs, _ := filepath.Glob(filepath.Join(dir, "*.log"))
	for i, l := range logs {
		f, err := os.Open(l)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{})
		for {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, batchPos{l, b.Position, b.BaseOffset, b.LastOffset(), b.Size(), i})
		}
		f.Close()
	}
	return out
}

func TestPartitions(t *testing.T) {
	src := t.TempDir()
	a := writePartition(t, src, 50, 1<<30) // 10 batches, one segment
	bs := batches(t, a)
	cases := []struct {
		name     string
		mutate   func(t *testing.T, b string)
		kinds    map[Kind]int64
		first    Kind
		good     string
		common   [2]int64
		matching int64
	}{
		{"identical", func(*testing.T, string) {}, nil, "", "", [2]int64{0, 49}, 10},
		{"follower-behind", func(t *testing.T, b string) {
			testutil.MustTruncate(t, filepath.Join(b, filepath.Base(bs[8].file)), bs[8].pos)
		}, map[Kind]int64{KindOnlyA: 1}, "", "", [2]int64{0, 39}, 8},
		{"corrupt-on-b", func(t *testing.T, b string) {
			testutil.MustFlipBit(t, filepath.Join(b, filepath.Base(bs[3].file)), bs[3].pos+bs[3].size-2, 0)
		}, map[Kind]int64{KindContent: 1}, KindContent, "a", [2]int64{0, 49}, 9},
		{"leader-epoch", func(t *testing.T, b string) {
			testutil.MustSetInt32BE(t, filepath.Join(b, filepath.Base(bs[5].file)), bs[5].pos+12, 7)
		}, map[Kind]int64{KindLeaderEpoch: 1}, KindLeaderEpoch, "", [2]int64{0, 49}, 9},
		{"bad-length-on-b", func(t *testing.T, b string) {
			testutil.MustSetInt32BE(t, filepath.Join(b, filepath.Base(bs[4].file)), bs[4].pos+8, 3)
		}, map[Kind]int64{KindUnreadableB: 1, KindOnlyA: 1}, KindUnreadableB, "", [2]int64{0, 49}, 9},
		{"torn-tail-on-b", func(t *testing.T, b string) {
			testutil.MustTruncate(t, filepath.Join(b, filepath.Base(bs[9].file)), bs[9].pos+20)
		}, map[Kind]int64{KindUnreadableB: 1, KindOnlyA: 1}, KindUnreadableB, "", [2]int64{0, 44}, 9},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bdir := filepath.Join(t.TempDir(), "t-0")
			testutil.CopyTree(t, a, bdir)
			tc.mutate(t, bdir)
			beforeA, beforeB := testutil.HashTree(t, a), testutil.HashTree(t, bdir)
			var diffs []Difference
			res, err := Partitions(context.Background(), a, bdir, Options{OnDifference: func(d Difference) { diffs = append(diffs, d) }})
			if err != nil {
				t.Fatal(err)
			}
			testutil.RequireUnchanged(t, a, beforeA)
			testutil.RequireUnchanged(t, bdir, beforeB)
			if fmt.Sprint(res.ByKind) != fmt.Sprint(tc.kinds) && !(len(res.ByKind) == 0 && len(tc.kinds) == 0) {
				t.Fatalf("kinds %v, want %v; diffs %+v", res.ByKind, tc.kinds, diffs)
			}
			if res.Identical != (len(tc.kinds) == 0) || res.MatchingBatches != tc.matching {
				t.Fatalf("identical %v matching %d, want %d", res.Identical, res.MatchingBatches, tc.matching)
			}
			if [2]int64{res.CommonFirst, res.CommonLast} != tc.common {
				t.Fatalf("common %d..%d, want %v", res.CommonFirst, res.CommonLast, tc.common)
			}
			if tc.first == "" {
				if res.FirstDivergence != nil {
					t.Fatalf("first divergence %+v", res.FirstDivergence)
				}
			} else if res.FirstDivergence == nil || res.FirstDivergence.Kind != tc.first || res.FirstDivergence.GoodCopy != tc.good {
				t.Fatalf("first divergence %+v, want %s good %q", res.FirstDivergence, tc.first, tc.good)
			}
		})
	}
}

// TestSegmentBoundaries: replicas that rolled segments at different sizes
// hold the same batches.
func TestSegmentBoundaries(t *testing.T) {
	a := writePartition(t, t.TempDir(), 60, 1<<30)
	b := writePartition(t, t.TempDir(), 60, 400)
	segs, _ := filepath.Glob(filepath.Join(b, "*.log"))
	if len(segs) < 3 {
		t.Fatalf("want several segments on B, got %d", len(segs))
	}
	res, err := Partitions(context.Background(), a, b, Options{WindowSize: 256})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Identical || res.MatchingBatches != 12 || res.B.Segments != len(segs) {
		t.Fatalf("%+v", res)
	}
	// A batch present only in the middle of A (B lost a whole segment).
	testutil.MustTruncate(t, segs[1], 0)
	var diffs []Difference
	res, err = Partitions(context.Background(), a, b, Options{OnDifference: func(d Difference) { diffs = append(diffs, d) }})
	if err != nil {
		t.Fatal(err)
	}
	if len(diffs) != 1 || diffs[0].Kind != KindOnlyA || diffs[0].A == nil || diffs[0].Offset <= 0 {
		t.Fatalf("diffs %+v", diffs)
	}
}

func TestBoundaryDifference(t *testing.T) {
	a := writePartition(t, t.TempDir(), 20, 1<<30)
	bdir := filepath.Join(t.TempDir(), "t-0")
	var in strings.Builder
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&in, "k%d:value %d\n", i, i)
	}
	if _, err := appender.AppendInput(bdir, strings.NewReader(in.String()),
		appender.InputOptions{KeySeparator: ":", Timestamp: 1700000000000},
		appender.EncodeOptions{Magic: 2, BatchRecords: 4, ProducerID: -1},
		appender.Options{Fsync: appender.FsyncNever}); err != nil {
		t.Fatal(err)
	}
	res, err := Partitions(context.Background(), a, bdir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ByKind[KindBoundary] == 0 || res.FirstDivergence.Kind != KindBoundary || res.FirstDivergence.Offset != 0 {
		t.Fatalf("%+v", res)
	}
}

func TestLogDirs(t *testing.T) {
	la, lb := t.TempDir(), t.TempDir()
	writePartition(t, la, 10, 1<<30)
	writePartition(t, lb, 10, 1<<30)
	if err := os.Mkdir(filepath.Join(la, "extra-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	var kinds []Kind
	sum, err := Paths(context.Background(), la, lb, Options{OnDifference: func(d Difference) { kinds = append(kinds, d.Kind) }})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Partitions != 2 || sum.Identical != 1 || sum.Different != 1 || fmt.Sprint(kinds) != "[partition-only-a]" {
		t.Fatalf("%+v %v", sum, kinds)
	}
	// A partition dir against a log dir holding the same partition.
	sum, err = Paths(context.Background(), filepath.Join(la, "t-0"), lb, Options{})
	if err != nil || sum.Partitions != 1 || sum.Identical != 1 {
		t.Fatalf("%+v %v", sum, err)
	}
	if _, err := Paths(context.Background(), filepath.Join(la, "extra-0"), t.TempDir(), Options{}); err == nil {
		t.Fatal("partition vs empty dir accepted")
	}
}
