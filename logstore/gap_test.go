package logstore_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/logstore"
	"github.com/kseg/kseg/segment"
)

// writeSeg writes one segment of v2 batches ([base, count] each), without
// indexes (lookups then scan from position 0).
func writeSeg(t *testing.T, dir string, base int64, batches [][2]int64) {
	t.Helper()
	var buf []byte
	for _, bt := range batches {
		o := format.BatchOptions{Magic: 2, BaseOffset: bt[0], TimestampType: format.CreateTime}
		o.NoProducer()
		msgs := make([]format.Message, bt[1])
		for i := range msgs {
			msgs[i] = format.Message{Key: []byte("k"), Value: []byte("v"), Timestamp: 1000 + bt[0] + int64(i)}
		}
		var err error
		if buf, err = format.AppendBatch(buf, o, msgs); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, segment.FileName(base, segment.LogSuffix)), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestCompactedLogStartAndGapRead: serve's log start offset is the broker's
// (0 for a compacted partition whose first record is 1020 in
// 00000000000000000000.log), and a Fetch in a compaction gap at a segment's
// end continues into the next segment (kafka LocalLog.read).
func TestCompactedLogStartAndGapRead(t *testing.T) {
	logDir := t.TempDir()
	dir := filepath.Join(logDir, "compacted-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	writeSeg(t, dir, 0, [][2]int64{{1020, 10}, {1040, 33}}) // 1020..1029, 1040..1072
	writeSeg(t, dir, 1500, [][2]int64{{1808, 5}})           // 1808..1812
	st, err := logstore.Open(logDir, logstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pl, err := st.Partition("compacted", 0)
	if err != nil {
		t.Fatal(err)
	}
	if start, err := pl.LogStartOffset(); err != nil || start != 0 {
		t.Fatalf("LogStartOffset = %d, %v; want 0 (the first segment's base offset)", start, err)
	}
	firstBatch := func(offset int64) int64 {
		t.Helper()
		res, err := pl.Read(offset, 1<<20)
		if err != nil {
			t.Fatalf("Read(%d): %v", offset, err)
		}
		if len(res.Slices) == 0 {
			t.Fatalf("Read(%d): nothing", offset)
		}
		s := res.Slices[0]
		defer s.File.Close()
		buf := make([]byte, s.Length)
		if _, err := s.File.ReadAt(buf, s.Position); err != nil {
			t.Fatal(err)
		}
		b, err := format.DecodeBatch(buf)
		if err != nil {
			t.Fatal(err)
		}
		return b.BaseOffset
	}
	for _, c := range [][2]int64{{0, 1020}, {1025, 1020}, {1030, 1040}, {1073, 1808}, {1600, 1808}, {1812, 1808}} {
		if got := firstBatch(c[0]); got != c[1] {
			t.Errorf("Read(%d) starts with batch %d, want %d", c[0], got, c[1])
		}
	}
}

// TestOffsetForTimestampMagic0: a timestamp lookup in a magic-0 partition
// returns an error the server can tell apart (UNSUPPORTED_FOR_MESSAGE_FORMAT),
// not "no such offset".
func TestOffsetForTimestampMagic0(t *testing.T) {
	logDir := t.TempDir()
	dir := filepath.Join(logDir, "old-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	buf, err := format.AppendBatch(nil, format.BatchOptions{Magic: 0, BaseOffset: 0}, []format.Message{{Value: []byte("a")}, {Value: []byte("b")}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, segment.FileName(0, segment.LogSuffix)), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	st, err := logstore.Open(logDir, logstore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pl, err := st.Partition("old", 0)
	if err != nil {
		t.Fatal(err)
	}
	if off, ts, err := pl.OffsetForTimestamp(0); !errors.Is(err, segment.ErrUnsupportedForMessageFormat) {
		t.Errorf("OffsetForTimestamp = %d, %d, %v; want ErrUnsupportedForMessageFormat", off, ts, err)
	}
}
