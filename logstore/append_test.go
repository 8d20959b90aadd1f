package logstore_test

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/logstore"
)

// TestAppendKeepsViewCurrent appends through the store (as Produce does):
// plain batches that roll small segments, an aborted transaction and a
// committed one, checking after each step that the cached view (end offset,
// LSO, aborted transactions, fetchable bytes) follows the files.
func TestAppendKeepsViewCurrent(t *testing.T) {
	dir := t.TempDir()
	if err := os.Mkdir(filepath.Join(dir, "t-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	st, err := logstore.Open(dir, logstore.Options{Writable: true, Appender: appender.Options{SegmentBytes: 2048, Fsync: appender.FsyncNever}})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	pl, err := st.Partition("t", 0)
	if err != nil {
		t.Fatal(err)
	}
	batch := func(o format.BatchOptions, n int) []byte {
		msgs := make([]format.Message, n)
		for i := range msgs {
			msgs[i] = format.Message{Value: []byte(fmt.Sprintf("value %03d %s", i, "................................")), Timestamp: 1700000000000}
		}
		b, err := format.AppendBatch(nil, o, msgs)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	plain := format.BatchOptions{Magic: 2, Compression: format.CompressionZstd}
	plain.NoProducer()
	for i := 0; i < 12; i++ {
		if _, err := pl.Append(batch(plain, 10)); err != nil {
			t.Fatal(err)
		}
	}
	if leo, _ := pl.LogEndOffset(); leo != 120 {
		t.Fatalf("log end offset %d, want 120", leo)
	}
	txn := format.BatchOptions{Magic: 2, Transactional: true, ProducerID: 9, ProducerEpoch: 1, BaseSequence: 0}
	if first, err := pl.Append(batch(txn, 3)); err != nil || first != 120 {
		t.Fatalf("txn append at %d: %v", first, err)
	}
	if lso, _ := pl.LastStableOffset(); lso != 120 {
		t.Fatalf("LSO with an open transaction: %d, want 120", lso)
	}
	abort, err := format.AppendEndTxnMarker(nil, format.BatchOptions{ProducerID: 9, ProducerEpoch: 1}, format.ControlAbort, 0, 1700000000001)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := pl.Append(abort); err != nil {
		t.Fatal(err)
	}
	if lso, _ := pl.LastStableOffset(); lso != 124 {
		t.Fatalf("LSO after the abort: %d, want 124", lso)
	}
	ab, err := pl.AbortedTransactions(100, 124)
	if err != nil || len(ab) != 1 || ab[0].ProducerID != 9 || ab[0].FirstOffset != 120 {
		t.Fatalf("aborted transactions %+v, %v", ab, err)
	}
	// Every offset reads back through Fetch, across the rolled segments.
	for off := int64(0); off < 124; {
		res, err := pl.Read(off, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Slices) == 0 {
			t.Fatalf("no data at offset %d", off)
		}
		sl := res.Slices[0]
		data := make([]byte, sl.Length)
		if _, err := sl.File.ReadAt(data, sl.Position); err != nil && err != io.EOF {
			t.Fatal(err)
		}
		res.Close()
		if !res.HasZstd && off < 120 {
			t.Fatalf("offset %d: zstd batches not flagged", off)
		}
		r := format.NewBatchReader(bytes.NewReader(data), int64(len(data)), format.ReaderOptions{})
		for {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil || !b.Valid {
				t.Fatalf("offset %d: %v", off, err)
			}
			off = b.NextOffset()
		}
	}
}
