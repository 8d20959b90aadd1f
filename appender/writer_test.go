package appender

import (
	"bytes"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

func TestOpenCreatesPartition(t *testing.T) {
	logDir := t.TempDir()
	id := state.UUID{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	w, err := OpenTopicPartition(logDir, "orders", 3, Options{TopicID: id, LeaderEpoch: 7})
	if err != nil {
		t.Fatal(err)
	}
	if off := mustAppend(t, w, encodeV2(t, messages(5, 50, 1000), format.CompressionNone)); off != 0 {
		t.Fatalf("first offset %d", off)
	}
	if off := mustAppend(t, w, encodeV2(t, messages(3, 50, 2000), format.CompressionNone)); off != 5 {
		t.Fatalf("second offset %d", off)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(logDir, "orders-3")
	md, err := os.ReadFile(filepath.Join(dir, PartitionMetadataFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := "version: 0\ntopic_id: " + id.String(); string(md) != want {
		t.Errorf("partition.metadata = %q, want %q", md, want)
	}
	ep, err := os.ReadFile(filepath.Join(dir, LeaderEpochCheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	if string(ep) != "0\n1\n7 0\n" {
		t.Errorf("leader-epoch-checkpoint = %q", ep)
	}
	segs := checkPartition(t, dir)
	if len(segs) != 1 || len(segs[0].Batches) != 2 {
		t.Fatalf("segments %+v", segs)
	}
	for _, b := range segs[0].Batches {
		if b.LeaderEpoch != 7 {
			t.Errorf("batch at %d has leader epoch %d", b.Position, b.LeaderEpoch)
		}
	}
	// The final time-index entry is written on close.
	if got := len(segs[0].Time); got != 12 {
		t.Errorf("time index %d bytes, want the single final entry", got)
	}
}

func TestRandomTopicIDAndIllegalNames(t *testing.T) {
	logDir := t.TempDir()
	w, err := OpenTopicPartition(logDir, "t", 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := w.TopicID()
	w.Close()
	b, _ := os.ReadFile(filepath.Join(logDir, "t-0", PartitionMetadataFile))
	md, err := state.DecodePartitionMetadata(b, "partition.metadata")
	if err != nil || md.TopicID != id || id.IsZero() {
		t.Fatalf("metadata %v %v, id %v", md, err, id)
	}
	// Reopening keeps the id; a different explicit id is refused.
	w = mustOpen(t, filepath.Join(logDir, "t-0"), Options{})
	if w.TopicID() != id {
		t.Errorf("topic id changed")
	}
	w.Close()
	if _, err := Open(filepath.Join(logDir, "t-0"), Options{TopicID: state.UUID{9}}); !errors.Is(err, ErrTopicIDMismatch) {
		t.Errorf("mismatched id: %v", err)
	}
	for _, topic := range []string{"", "a b", "..", "x/y"} {
		if _, err := OpenTopicPartition(logDir, topic, 0, Options{}); err == nil {
			t.Errorf("topic %q accepted", topic)
		}
	}
	if _, err := Open(filepath.Join(logDir, "notapartition"), Options{}); err == nil {
		t.Error("bad directory name accepted")
	}
}

// TestIndexesAppendRule writes batches of varied sizes and timestamps and
// checks the indexes against the index package's append-rule Builder
// (byte-identical) and against the recovery rule a repair would use.
func TestIndexesAppendRule(t *testing.T) {
	for _, interval := range []int{0, 1, 100, 4096} {
		dir := filepath.Join(t.TempDir(), "t-0")
		o := Options{IndexIntervalBytes: interval, Fsync: FsyncNever}
		if interval == 0 {
			o.IndexIntervalBytes = -0 // default 4096 via setDefaults
		}
		w := mustOpen(t, dir, o)
		ts := int64(1_700_000_000_000)
		for i := 0; i < 300; i++ {
			n := 1 + i%13
			// Timestamps wander so the running maximum sometimes stays put.
			msgs := messages(n, 20+(i*37)%400, ts+int64((i*7919)%1000))
			mustAppend(t, w, encodeV2(t, msgs, format.CompressionNone))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		segs := checkPartition(t, dir)
		want := interval
		if want == 0 {
			want = DefaultIndexIntervalBytes
		}
		oi, ti := appendRuleIndexes(segs[0], want)
		if !bytes.Equal(oi, segs[0].Index) || !bytes.Equal(ti, segs[0].Time) {
			t.Errorf("interval %d: indexes differ from the append rule (%d/%d vs %d/%d bytes)", interval,
				len(segs[0].Index), len(segs[0].Time), len(oi), len(ti))
		}
		// One session from position 0: the recovery rule gives the same files.
		ro, rt := recoverRuleIndexes(segs[0], want)
		if !bytes.Equal(ro, segs[0].Index) || !bytes.Equal(rt, segs[0].Time) {
			t.Errorf("interval %d: indexes differ from the recovery rule", interval)
		}
		if len(segs[0].Index) == 0 {
			t.Errorf("interval %d: no index entries", interval)
		}
	}
}

// TestReopenIndexRulesDiffer documents where append-time indexes legitimately
// differ from rebuilt ones: a reopened Writer (like a restarted broker)
// restarts bytesSinceLastIndexEntry at 0 at the current end of the log, so
// the first entry after reopening comes later than the recovery rule would
// put it. Both are valid; checkPartition accepts both.
func TestReopenIndexRulesDiffer(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	o := Options{IndexIntervalBytes: 1000, Fsync: FsyncNever}
	write := func(k int) {
		w := mustOpen(t, dir, o)
		for i := 0; i < k; i++ {
			mustAppend(t, w, encodeV2(t, messages(3, 100, 1000+int64(i)), format.CompressionNone))
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
	}
	write(7)
	write(7)
	segs := checkPartition(t, dir)
	ro, _ := recoverRuleIndexes(segs[0], 1000)
	if bytes.Equal(ro, segs[0].Index) {
		t.Errorf("expected the rules to differ after a reopen")
	}
}

func TestRollOnSegmentBytes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	w := mustOpen(t, dir, Options{SegmentBytes: 4000, IndexIntervalBytes: 500})
	var total int64
	for i := 0; i < 60; i++ {
		b := encodeV2(t, messages(2+i%3, 150, 5000+int64(i)), format.CompressionNone)
		total += int64(len(b))
		mustAppend(t, w, b)
	}
	rolled := w.SegmentsRolled()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	segs := checkPartition(t, dir)
	if len(segs) < 3 || rolled != len(segs)-1 {
		t.Fatalf("%d segments, %d rolls", len(segs), rolled)
	}
	for _, s := range segs {
		var size int64
		for _, b := range s.Batches {
			size += b.Size
		}
		if size > 4000 {
			t.Errorf("segment %d holds %d bytes", s.Base, size)
		}
	}
}

func TestRollOnFullIndex(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	// 48 bytes: 6 offset-index slots, 4 time-index slots (one kept for the final entry).
	w := mustOpen(t, dir, Options{MaxIndexSize: 48, IndexIntervalBytes: 1})
	for i := 0; i < 40; i++ {
		mustAppend(t, w, encodeV2(t, messages(1, 10, int64(100+i)), format.CompressionNone))
	}
	w.Close()
	segs := checkPartition(t, dir)
	if len(segs) < 5 {
		t.Fatalf("only %d segments", len(segs))
	}
	for _, s := range segs {
		if len(s.Index) > 48 || len(s.Time) > 48 {
			t.Errorf("segment %d: index %d bytes, time index %d bytes", s.Base, len(s.Index), len(s.Time))
		}
	}
}

func TestReopenContinues(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	w := mustOpen(t, dir, Options{LeaderEpoch: 1})
	mustAppend(t, w, encodeV2(t, messages(10, 10, 1), format.CompressionGzip))
	w.Close()
	w = mustOpen(t, dir, Options{LeaderEpoch: UseLatestLeaderEpoch})
	if w.NextOffset() != 10 || w.LeaderEpoch() != 1 {
		t.Fatalf("next %d epoch %d", w.NextOffset(), w.LeaderEpoch())
	}
	w.Close()
	if _, err := Open(dir, Options{LeaderEpoch: 0}); !errors.Is(err, ErrEpochRegression) {
		t.Fatalf("lower epoch: %v", err)
	}
	w = mustOpen(t, dir, Options{LeaderEpoch: 4})
	if off := mustAppend(t, w, encodeV2(t, messages(2, 10, 2), format.CompressionNone)); off != 10 {
		t.Fatalf("offset %d", off)
	}
	w.Close()
	checkPartition(t, dir)
	got := readEpochs(t, dir)
	want := []state.EpochEntry{{Epoch: 1, StartOffset: 0}, {Epoch: 4, StartOffset: 10}}
	if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("epochs %v", got)
	}
}

// TestRefusesDamagedPartition: torn tails and corruption are left to repair.
func TestRefusesDamagedPartition(t *testing.T) {
	build := func(t *testing.T) (dir, log string, size int64) {
		dir = filepath.Join(t.TempDir(), "t-0")
		w := mustOpen(t, dir, Options{IndexIntervalBytes: 1})
		for i := 0; i < 5; i++ {
			mustAppend(t, w, encodeV2(t, messages(4, 30, int64(i)), format.CompressionNone))
		}
		w.Close()
		log = filepath.Join(dir, segment.FileName(0, segment.LogSuffix))
		fi, _ := os.Stat(log)
		return dir, log, fi.Size()
	}
	t.Run("torn-tail", func(t *testing.T) {
		dir, log, size := build(t)
		testutil.MustTruncate(t, log, size-5)
		_, err := Open(dir, Options{})
		if !isNeedsRepair(err) || !bytes.Contains([]byte(err.Error()), []byte("kseg repair")) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("crc", func(t *testing.T) {
		dir, log, size := build(t)
		testutil.MustFlipBit(t, log, size-3, 1)
		if _, err := Open(dir, Options{}); !isNeedsRepair(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("zero-tail", func(t *testing.T) {
		dir, log, _ := build(t)
		testutil.MustAppendZeros(t, log, 100)
		if _, err := Open(dir, Options{}); !isNeedsRepair(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("partial-index-entry", func(t *testing.T) {
		dir, _, _ := build(t)
		idx := filepath.Join(dir, segment.FileName(0, segment.IndexSuffix))
		fi, _ := os.Stat(idx)
		testutil.MustTruncate(t, idx, fi.Size()-3)
		if _, err := Open(dir, Options{}); !isNeedsRepair(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("index-past-log", func(t *testing.T) {
		dir, log, size := build(t)
		// A crash that lost the log's last batch but kept its index entry.
		b, _ := os.ReadFile(log)
		r := format.NewBatchReader(bytes.NewReader(b), size, format.ReaderOptions{})
		var lastPos int64
		for {
			bt, err := r.Next()
			if err != nil {
				break
			}
			lastPos = bt.Position
		}
		testutil.MustTruncate(t, log, lastPos)
		if _, err := Open(dir, Options{}); !isNeedsRepair(err) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("preallocated-index-trimmed", func(t *testing.T) {
		dir, _, _ := build(t)
		idx := filepath.Join(dir, segment.FileName(0, segment.IndexSuffix))
		tidx := filepath.Join(dir, segment.FileName(0, segment.TimeIndexSuffix))
		before, _ := os.ReadFile(idx)
		testutil.MustAppendZeros(t, idx, 8*100)
		testutil.MustAppendZeros(t, tidx, 12*100)
		w, err := Open(dir, Options{})
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, w, encodeV2(t, messages(1, 10, 99), format.CompressionNone))
		w.Close()
		after, _ := os.ReadFile(idx)
		if !bytes.HasPrefix(after, before) || len(after) >= len(before)+800 {
			t.Errorf("index not trimmed: %d -> %d bytes", len(before), len(after))
		}
		checkPartition(t, dir)
	})
	t.Run("missing-index-rebuilt", func(t *testing.T) {
		dir, _, _ := build(t)
		os.Remove(filepath.Join(dir, segment.FileName(0, segment.IndexSuffix)))
		w, err := Open(dir, Options{IndexIntervalBytes: 1})
		if err != nil {
			t.Fatal(err)
		}
		w.Close()
		segs := checkPartition(t, dir)
		if len(segs[0].Index) == 0 {
			t.Error("index not rebuilt")
		}
	})
}

// TestCrashPrefixes simulates a crash after each byte of the last append:
// every prefix of the .log either opens cleanly (a batch boundary) or is
// refused as needing repair, never accepted in a state verify would reject.
func TestCrashPrefixes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	w := mustOpen(t, dir, Options{IndexIntervalBytes: 1})
	mustAppend(t, w, encodeV2(t, messages(3, 20, 1), format.CompressionNone))
	w.Close()
	log := filepath.Join(dir, segment.FileName(0, segment.LogSuffix))
	base, _ := os.ReadFile(log)
	w = mustOpen(t, dir, Options{IndexIntervalBytes: 1})
	mustAppend(t, w, encodeV2(t, messages(3, 20, 2), format.CompressionSnappy))
	w.Close()
	full, _ := os.ReadFile(log)
	for cut := len(base); cut <= len(full); cut++ {
		d := filepath.Join(t.TempDir(), "t-0")
		testutil.CopyTree(t, dir, d)
		// The index entry for the second batch may or may not have reached
		// the disk; drop it, as a crash before the deferred index write would.
		idx := filepath.Join(d, segment.FileName(0, segment.IndexSuffix))
		os.WriteFile(idx, nil, 0o644)
		tidx := filepath.Join(d, segment.FileName(0, segment.TimeIndexSuffix))
		os.WriteFile(tidx, nil, 0o644)
		testutil.MustTruncate(t, filepath.Join(d, segment.FileName(0, segment.LogSuffix)), int64(cut))
		w, err := Open(d, Options{})
		switch {
		case cut == len(base) || cut == len(full):
			if err != nil {
				t.Fatalf("cut %d: %v", cut, err)
			}
			w.Close()
			checkPartition(t, d)
		case !isNeedsRepair(err):
			t.Fatalf("cut %d: got %v, want ErrNeedsRepair", cut, err)
		}
	}
}

func TestLockExcludesSecondWriter(t *testing.T) {
	logDir := t.TempDir()
	w, err := OpenTopicPartition(logDir, "t", 0, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := OpenTopicPartition(logDir, "u", 1, Options{}); !errors.Is(err, fsutil.ErrLocked) {
		t.Fatalf("second writer: %v", err)
	}
	w.Close()
	w, err = OpenTopicPartition(logDir, "u", 1, Options{})
	if err != nil {
		t.Fatalf("after close: %v", err)
	}
	w.Close()
}

func TestConcurrentAppends(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	w := mustOpen(t, dir, Options{SegmentBytes: 20000, Fsync: FsyncNever})
	var mu sync.Mutex
	var bases []int64
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				b := encodeV2(t, messages(5, 40, int64(i)), format.CompressionLZ4)
				off, err := w.Append(b)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				bases = append(bases, off)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	w.Close()
	sort.Slice(bases, func(i, j int) bool { return bases[i] < bases[j] })
	for i, b := range bases {
		if b != int64(i*5) {
			t.Fatalf("base %d = %d", i, b)
		}
	}
	checkPartition(t, dir)
}

func TestAppendRejects(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	w := mustOpen(t, dir, Options{})
	defer w.Close()
	b := encodeV2(t, messages(2, 10, 1), format.CompressionNone)
	bad := append([]byte(nil), b...)
	bad[len(bad)-1] ^= 1
	two := append(append([]byte(nil), b...), b...)
	for name, in := range map[string][]byte{"crc": bad, "two": two, "short": b[:30]} {
		if _, err := w.Append(in); !errors.Is(err, ErrInvalidBatch) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if w.NextOffset() != 0 {
		t.Errorf("next offset moved to %d", w.NextOffset())
	}
}

func TestLogAppendTime(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	now := time.UnixMilli(1_800_000_000_123)
	w := mustOpen(t, dir, Options{Now: func() time.Time { return now }})
	o := format.BatchOptions{Magic: 2, TimestampType: format.LogAppendTime, LogAppendTime: 5}
	o.NoProducer()
	b, _ := format.AppendBatch(nil, o, messages(3, 10, 1))
	mustAppend(t, w, b)
	o.Magic = 1
	b, _ = format.AppendBatch(nil, o, messages(2, 10, 1))
	for len(b) > 0 { // uncompressed v1: one message per entry
		bt, err := format.DecodeBatch(b)
		if err != nil {
			t.Fatal(err)
		}
		mustAppend(t, w, b[:bt.Size()])
		b = b[bt.Size():]
	}
	w.Close()
	segs := checkPartition(t, dir)
	for _, bt := range segs[0].Batches {
		if bt.MaxTimestamp != now.UnixMilli() {
			t.Errorf("batch at %d: max timestamp %d", bt.Position, bt.MaxTimestamp)
		}
	}
}

func TestTransactions(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "t-0")
	w := mustOpen(t, dir, Options{})
	txn := func(pid int64, n int) []byte {
		o := format.BatchOptions{Magic: 2, ProducerID: pid, ProducerEpoch: 1, BaseSequence: 0, Transactional: true, PartitionLeaderEpoch: -1}
		b, err := format.AppendBatch(nil, o, messages(n, 10, 1))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	marker := func(pid int64, ct format.ControlType) []byte {
		b, err := format.AppendEndTxnMarker(nil, format.BatchOptions{ProducerID: pid, ProducerEpoch: 1, PartitionLeaderEpoch: -1}, ct, 5, 1)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	mustAppend(t, w, txn(100, 3))                            // 0..2   pid 100
	mustAppend(t, w, txn(200, 2))                            // 3..4   pid 200
	mustAppend(t, w, txn(100, 1))                            // 5      pid 100
	m1 := mustAppend(t, w, marker(100, format.ControlAbort)) // 6: abort 100, 200 still open
	mustAppend(t, w, txn(200, 1))                            // 7
	m2 := mustAppend(t, w, marker(200, format.ControlAbort)) // 8: abort 200, none open
	mustAppend(t, w, txn(300, 1))                            // 9
	mustAppend(t, w, marker(300, format.ControlCommit))      // 10: commit, no entry
	w.Close()
	segs := checkPartition(t, dir)
	got, tail, err := state.DecodeTxnIndex(segs[0].Txn)
	if err != nil || tail != 0 {
		t.Fatal(err, tail)
	}
	want := []state.AbortedTxn{
		{ProducerID: 100, FirstOffset: 0, LastOffset: m1, LastStableOffset: 3},
		{ProducerID: 200, FirstOffset: 3, LastOffset: m2, LastStableOffset: m2 + 1},
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("txnindex %+v, want %+v", got, want)
	}
	// A reopened writer picks up ongoing transactions from the active segment.
	w = mustOpen(t, dir, Options{})
	mustAppend(t, w, txn(400, 2)) // 11..12
	w.Close()
	w = mustOpen(t, dir, Options{})
	m3 := mustAppend(t, w, marker(400, format.ControlAbort))
	w.Close()
	segs = checkPartition(t, dir)
	got, _, _ = state.DecodeTxnIndex(segs[0].Txn)
	if len(got) != 3 || got[2].FirstOffset != 11 || got[2].LastOffset != m3 {
		t.Errorf("after reopen: %+v", got)
	}
}

func TestLegacyAppends(t *testing.T) {
	for _, magic := range []int8{0, 1} {
		for _, c := range []format.Compression{format.CompressionNone, format.CompressionGzip, format.CompressionSnappy, format.CompressionLZ4} {
			dir := filepath.Join(t.TempDir(), "t-0")
			w := mustOpen(t, dir, Options{IndexIntervalBytes: 1})
			for i := 0; i < 4; i++ {
				o := format.BatchOptions{Magic: magic, Compression: c, BaseOffset: w.NextOffset()}
				if magic == 1 {
					o.BaseOffset = 1000 // v1 wrappers and plain messages are shifted by Append
				}
				b, err := format.AppendBatch(nil, o, messages(3, 20, 1000+int64(i)))
				if err != nil {
					t.Fatal(err)
				}
				for len(b) > 0 {
					bt, _ := format.DecodeBatch(b)
					mustAppend(t, w, b[:bt.Size()])
					b = b[bt.Size():]
				}
			}
			if w.NextOffset() != 12 {
				t.Errorf("magic %d %s: next offset %d", magic, c, w.NextOffset())
			}
			// A v0 wrapper at the wrong offsets is refused.
			if magic == 0 && c != format.CompressionNone {
				b, _ := format.AppendBatch(nil, format.BatchOptions{Magic: 0, Compression: c, BaseOffset: 3}, messages(2, 5, 0))
				if _, err := w.Append(b); !errors.Is(err, ErrInvalidBatch) {
					t.Errorf("misplaced v0 wrapper: %v", err)
				}
			}
			w.Close()
			checkPartition(t, dir)
		}
	}
}

func TestFsyncPolicies(t *testing.T) {
	for _, p := range []FsyncPolicy{FsyncAlways, FsyncSegment, FsyncNever} {
		dir := filepath.Join(t.TempDir(), "t-0")
		w := mustOpen(t, dir, Options{Fsync: p, SegmentBytes: 1000})
		for i := 0; i < 20; i++ {
			mustAppend(t, w, encodeV2(t, messages(2, 50, int64(i)), format.CompressionNone))
		}
		if err := w.Sync(); err != nil {
			t.Fatal(err)
		}
		w.Close()
		checkPartition(t, dir)
		got, err := ParseFsyncPolicy(p.String())
		if err != nil || got != p {
			t.Errorf("round trip %v: %v %v", p, got, err)
		}
	}
}

func TestRawBatchesInput(t *testing.T) {
	var in bytes.Buffer
	for i := 0; i < 3; i++ {
		in.Write(encodeV2(t, messages(2, 10, 1), format.CompressionZstd))
	}
	raw, err := ReadRawBatches(bytes.NewReader(in.Bytes()))
	if err != nil || len(raw) != 3 {
		t.Fatal(len(raw), err)
	}
	bad := append([]byte(nil), in.Bytes()...)
	bad[len(bad)-1] ^= 0xff
	var ie *InputError
	if _, err := ReadRawBatches(bytes.NewReader(bad)); !errors.As(err, &ie) || ie.Batch != 3 {
		t.Errorf("crc: %v", err)
	}
	if _, err := ReadRawBatches(bytes.NewReader(in.Bytes()[:in.Len()-4])); !errors.As(err, &ie) || ie.Batch != 3 {
		t.Errorf("short: %v", err)
	}
	// The length field is patched to something absurd.
	huge := append([]byte(nil), in.Bytes()...)
	binary.BigEndian.PutUint32(huge[8:], 0x7fffffff)
	if _, err := ReadRawBatches(bytes.NewReader(huge)); !errors.As(err, &ie) || ie.Batch != 1 {
		t.Errorf("huge: %v", err)
	}
}
