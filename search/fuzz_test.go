package search

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// FuzzFind searches arbitrary .log, .index and .timeindex bytes with filters
// that exercise every path (index start, header walk, raw-bytes check,
// record filters). Properties: no panic; corruption is reported as
// problems, never as an error; every match satisfies the filters.
func FuzzFind(f *testing.F) {
	for magic := int8(0); magic <= 2; magic++ {
		dir := f.TempDir()
		genPartition(f, dir, "f", 0, genSpec{magic: magic, segments: 1, batchesPerSeg: 4, recordsPerBatch: 3, codec: -1})
		read := func(suffix string) []byte {
			b, _ := os.ReadFile(filepath.Join(dir, "f-0", "00000000000000000000"+suffix))
			return b
		}
		f.Add(read(".log"), read(".index"), read(".timeindex"))
	}
	f.Fuzz(func(t *testing.T, log, idx, tidx []byte) {
		dir := filepath.Join(t.TempDir(), "f-0")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for suffix, data := range map[string][]byte{".log": log, ".index": idx, ".timeindex": tidx} {
			if err := os.WriteFile(filepath.Join(dir, "00000000000000000000"+suffix), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		for _, set := range []func(o *Options){
			func(o *Options) { o.Key = []byte("k-") },
			func(o *Options) { o.TimeFilter, o.FromTime, o.FromOffset = true, genBaseTime+3000, 2 },
			func(o *Options) { o.Headers, o.ProducerID = []HeaderFilter{{Name: []byte("trace")}}, 101 },
		} {
			o := NewOptions()
			set(&o)
			o.Workers, o.MaxDecompressed = 1, 1<<20
			var bad *Match // t.Fatal must not run on Find's worker goroutines
			_, err := Find(context.Background(), []string{dir}, o, func(m *Match) error {
				if o.Key != nil && !contains(m.Key, o.Key) || o.FromOffset >= 0 && m.Offset < o.FromOffset ||
					o.TimeFilter && m.Timestamp < o.FromTime || o.ProducerID >= 0 && m.ProducerID != o.ProducerID {
					bad = m
				}
				return nil
			})
			if err != nil {
				t.Fatalf("error (not a problem report): %v", err)
			}
			if bad != nil {
				t.Fatalf("match %+v does not satisfy the filters", bad)
			}
		}
	})
}

func contains(h, n []byte) bool {
	for i := 0; i+len(n) <= len(h); i++ {
		if string(h[i:i+len(n)]) == string(n) {
			return true
		}
	}
	return false
}
