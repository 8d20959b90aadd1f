package search

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

const corpusDir = "../../shared/corpus"

// TestCorpus searches every partition directory of the real-broker corpus
// with the brokers' own indexes and compares with a plain decode of every
// batch: all data records, and records from the median timestamp on (the
// time index and closed segments' last entries at work on real files).
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus absent")
	}
	dirs := map[string]bool{}
	filepath.WalkDir(corpusDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".log") && segment.IsPartitionDir(filepath.Dir(p)) {
			dirs[filepath.Dir(p)] = true
		}
		return nil
	})
	if len(dirs) == 0 {
		t.Fatal("no partition directories in the corpus")
	}
	checked := 0
	for dir := range dirs {
		part, err := segment.OpenPartition(dir)
		if err != nil {
			t.Fatal(err)
		}
		type rec struct{ offset, ts int64 }
		var all []rec
		for _, s := range part.Segments {
			f, err := os.Open(s.Log)
			if err != nil {
				t.Fatal(err)
			}
			st, _ := f.Stat()
			r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: s.Name()})
			dec := format.NewRecordDecoder(format.DecoderOptions{})
			for {
				b, err := r.Next()
				if err != nil {
					if err != io.EOF {
						t.Fatalf("%s: %v", s.Log, err)
					}
					break
				}
				if b.IsControl() {
					continue
				}
				if err := dec.Reset(b); err != nil {
					t.Fatalf("%s: %v", s.Log, err)
				}
				for {
					x, err := dec.Next()
					if err == io.EOF {
						break
					}
					if err != nil {
						t.Fatalf("%s: %v", s.Log, err)
					}
					all = append(all, rec{x.Offset, x.Timestamp})
				}
			}
			f.Close()
		}
		if len(all) == 0 {
			continue
		}
		checked++
		ts := make([]int64, len(all))
		for i, r := range all {
			ts[i] = r.ts
		}
		sort.Slice(ts, func(i, j int) bool { return ts[i] < ts[j] })
		median := ts[len(ts)/2]
		for _, tc := range []struct {
			name string
			set  func(o *Options)
			want func(r rec) bool
		}{
			{"all", func(o *Options) {}, func(rec) bool { return true }},
			// v0 records carry no timestamp (-1) and never match a time filter.
			{"from-median", func(o *Options) { o.TimeFilter, o.FromTime = true, median }, func(r rec) bool { return r.ts >= median && r.ts >= 0 }},
		} {
			var want []int64
			for _, r := range all {
				if tc.want(r) {
					want = append(want, r.offset)
				}
			}
			o := NewOptions()
			tc.set(&o)
			o.Sort, o.Workers = true, 2
			var got []int64
			st, err := Find(context.Background(), []string{dir}, o, func(m *Match) error {
				got = append(got, m.Offset)
				return nil
			})
			if err != nil {
				t.Fatalf("%s %s: %v", dir, tc.name, err)
			}
			if !slices.Equal(got, want) {
				t.Errorf("%s %s: %d matches, want %d (problems %v)", dir, tc.name, len(got), len(want), st.Problems)
			}
		}
	}
	t.Logf("%d corpus partitions searched", checked)
}
