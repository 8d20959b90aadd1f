package diff

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
)

// writeWrappers writes logDir/t-0 with gzip magic-1 wrappers of 100 records
// each, the first at offset 0: a wrapper stores its last inner offset.
func writeWrappers(t *testing.T, logDir string, n int) string {
	t.Helper()
	dir := filepath.Join(logDir, "t-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for w := 0; w < n; w++ {
		o := format.BatchOptions{Magic: 1, Compression: format.CompressionGzip, BaseOffset: int64(w * 100), TimestampType: format.CreateTime}
		o.NoProducer()
		msgs := make([]format.Message, 100)
		for i := range msgs {
			msgs[i] = format.Message{Value: []byte("v"), Timestamp: 1000}
		}
		var err error
		if buf, err = format.AppendBatch(buf, o, msgs); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000000.log"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestDiffLegacyWrapperRanges: ranges are the inner messages' (0..199 for
// two wrappers; the batch only in A holds 100..199, not 199..199).
func TestDiffLegacyWrapperRanges(t *testing.T) {
	a := writeWrappers(t, filepath.Join(t.TempDir(), "a"), 2)
	b := writeWrappers(t, filepath.Join(t.TempDir(), "b"), 1)
	var diffs []Difference
	res, err := Partitions(context.Background(), a, b, Options{OnDifference: func(d Difference) { diffs = append(diffs, d) }})
	if err != nil {
		t.Fatal(err)
	}
	if res.A.FirstOffset != 0 || res.A.LastOffset != 199 || res.B.FirstOffset != 0 {
		t.Errorf("sides: A %d..%d, B %d..%d", res.A.FirstOffset, res.A.LastOffset, res.B.FirstOffset, res.B.LastOffset)
	}
	if len(diffs) != 1 || diffs[0].Kind != KindOnlyA || diffs[0].Offset != 100 || diffs[0].LastOffset != 199 || diffs[0].A.BaseOffset != 100 {
		t.Errorf("differences: %+v", diffs)
	}
}
