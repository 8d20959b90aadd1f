package appender

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// batchInfo is what the checks need of one batch.
type batchInfo struct {
	Position      int64
	BaseOffset    int64
	LastOffset    int64
	MaxTimestamp  int64
	Size          int64
	Magic         int8
	LeaderEpoch   int32
	Control       bool
	Transactional bool
	ProducerID    int64
}

// segmentInfo is one segment as checkPartition read it.
type segmentInfo struct {
	Base    int64
	Batches []batchInfo
	Index   []byte
	Time    []byte
	Txn     []byte
}

// checkPartition is the `kseg verify` equivalent used by these tests: every
// batch valid with no torn tail, offsets contiguous across batches and
// segments, every index entry pointing at the start of a batch whose last
// offset it names, every time-index entry carrying the running maximum
// timestamp of the batch it names, strictly increasing, and the final entry of
// each segment equal to its maximum. It also runs the index package's sanity
// checks.
func checkPartition(t *testing.T, dir string) []segmentInfo {
	t.Helper()
	p, err := segment.OpenPartition(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Leftovers) > 0 {
		t.Errorf("leftovers: %v", p.Leftovers)
	}
	var out []segmentInfo
	next := int64(-1)
	for _, s := range p.Segments {
		si := segmentInfo{Base: s.BaseOffset}
		logBytes, err := os.ReadFile(s.Log)
		if err != nil {
			t.Fatal(err)
		}
		r := format.NewBatchReader(bytes.NewReader(logBytes), int64(len(logBytes)), format.ReaderOptions{File: s.Name()})
		for {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", s.Name(), err)
			}
			if !b.Valid {
				t.Fatalf("%s: CRC mismatch at %d", s.Name(), b.Position)
			}
			bi := batchInfo{Position: b.Position, BaseOffset: b.BaseOffset, LastOffset: b.LastOffset(), MaxTimestamp: b.MaxTimestamp,
				Size: b.Size(), Magic: b.Magic, LeaderEpoch: b.PartitionLeaderEpoch, Control: b.IsControl(),
				Transactional: b.IsTransactional(), ProducerID: b.ProducerID}
			if b.Magic < 2 && b.Compression() != format.CompressionNone {
				bi.BaseOffset = firstInnerOffset(t, b)
			}
			if next >= 0 && bi.BaseOffset != next {
				t.Errorf("%s: batch at %d starts at offset %d, want %d", s.Name(), b.Position, bi.BaseOffset, next)
			}
			if next < 0 && bi.BaseOffset != s.BaseOffset {
				t.Errorf("%s: first batch at offset %d", s.Name(), bi.BaseOffset)
			}
			next = bi.LastOffset + 1
			si.Batches = append(si.Batches, bi)
		}
		if len(si.Batches) > 0 && si.Batches[0].BaseOffset != s.BaseOffset {
			t.Errorf("%s: base offset %d != first batch offset %d", s.Name(), s.BaseOffset, si.Batches[0].BaseOffset)
		}
		if next < 0 {
			next = s.BaseOffset
		}
		si.Index = mustRead(t, s.Index)
		si.Time = mustRead(t, s.TimeIndex)
		if s.TxnIndex != "" {
			si.Txn = mustRead(t, s.TxnIndex)
		}
		checkIndexes(t, s, si, int64(len(logBytes)))
		out = append(out, si)
	}
	return out
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	if path == "" {
		t.Fatalf("missing index file")
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func firstInnerOffset(t *testing.T, b *format.Batch) int64 {
	d := format.NewRecordDecoder(format.DecoderOptions{})
	if err := d.Reset(b); err != nil {
		t.Fatal(err)
	}
	r, err := d.Next()
	if err != nil {
		t.Fatal(err)
	}
	return r.Offset
}

func checkIndexes(t *testing.T, s *segment.Segment, si segmentInfo, logSize int64) {
	t.Helper()
	name := s.Name()
	oi := index.NewOffsetIndex(bytes.NewReader(si.Index), int64(len(si.Index)), s.BaseOffset)
	if f, err := oi.SanityCheck(); err != nil || len(f) > 0 {
		t.Errorf("%s: offset index sanity: %v %v", name, f, err)
	}
	if f, err := oi.CheckPositionsWithin(logSize); err != nil || len(f) > 0 {
		t.Errorf("%s: offset index positions: %v %v", name, f, err)
	}
	ti := index.NewTimeIndex(bytes.NewReader(si.Time), int64(len(si.Time)), s.BaseOffset)
	if f, err := ti.SanityCheck(); err != nil || len(f) > 0 {
		t.Errorf("%s: time index sanity: %v %v", name, f, err)
	}
	byPos := map[int64]batchInfo{}
	runningMax := map[int64]int64{} // last offset -> running max timestamp after that batch
	maxTs, offsetOfMax := int64(-1), s.BaseOffset
	for _, b := range si.Batches {
		byPos[b.Position] = b
		if b.MaxTimestamp > maxTs {
			maxTs, offsetOfMax = b.MaxTimestamp, b.LastOffset
		}
		runningMax[b.LastOffset] = maxTs
	}
	if len(si.Index)%8 != 0 || len(si.Time)%12 != 0 {
		t.Fatalf("%s: index sizes %d, %d", name, len(si.Index), len(si.Time))
	}
	prevOff := int64(-1)
	for i := 0; i < len(si.Index); i += 8 {
		off := s.BaseOffset + int64(int32(binary.BigEndian.Uint32(si.Index[i:])))
		pos := int64(int32(binary.BigEndian.Uint32(si.Index[i+4:])))
		b, ok := byPos[pos]
		if !ok || b.LastOffset != off {
			t.Errorf("%s: index entry %d (%d, %d) does not name a batch start and its last offset", name, i/8, off, pos)
		}
		if off <= prevOff {
			t.Errorf("%s: index entry %d offset %d not increasing", name, i/8, off)
		}
		prevOff = off
	}
	prevTs := int64(-1)
	var last index.TimestampOffset
	for i := 0; i < len(si.Time); i += 12 {
		ts := int64(binary.BigEndian.Uint64(si.Time[i:]))
		off := s.BaseOffset + int64(int32(binary.BigEndian.Uint32(si.Time[i+8:])))
		m, ok := runningMax[off]
		if !ok {
			t.Errorf("%s: time index entry %d names offset %d, not a batch's last offset", name, i/12, off)
		} else if ts > m {
			t.Errorf("%s: time index entry %d (%d, %d) is above the running max %d", name, i/12, ts, off, m)
		}
		if ts <= prevTs {
			t.Errorf("%s: time index entry %d timestamp %d not increasing", name, i/12, ts)
		}
		prevTs = ts
		last = index.TimestampOffset{Timestamp: ts, Offset: off}
	}
	if maxTs >= 0 && (last.Timestamp != maxTs || last.Offset != offsetOfMax) {
		t.Errorf("%s: final time index entry %+v, want (%d, %d)", name, last, maxTs, offsetOfMax)
	}
}

// appendRuleIndexes feeds a segment's batches to the index package's append
// Builder, as one session of appends starting at position 0.
func appendRuleIndexes(si segmentInfo, interval int) ([]byte, []byte) {
	b := index.NewAppendBuilder(si.Base, interval)
	for _, bt := range si.Batches {
		b.Add(bt.Position, bt.LastOffset, bt.MaxTimestamp, bt.Size)
	}
	return b.Finish()
}

// recoverRuleIndexes is the rebuild of LogSegment.recover (kseg repair).
func recoverRuleIndexes(si segmentInfo, interval int) ([]byte, []byte) {
	b := index.NewBuilder(si.Base, interval)
	for _, bt := range si.Batches {
		b.Add(bt.Position, bt.LastOffset, bt.MaxTimestamp, bt.Size)
	}
	return b.Finish()
}

// messages returns n deterministic records of about size bytes.
func messages(n, size int, ts int64) []format.Message {
	out := make([]format.Message, n)
	for i := range out {
		v := bytes.Repeat([]byte{byte('a' + i%26)}, size)
		copy(v, fmt.Sprintf("value-%d-", i))
		out[i] = format.Message{Key: []byte(fmt.Sprintf("key-%d", i)), Value: v, Timestamp: ts + int64(i%7)}
	}
	return out
}

func encodeV2(t testing.TB, msgs []format.Message, c format.Compression) []byte {
	t.Helper()
	o := format.BatchOptions{Magic: 2, Compression: c, PartitionLeaderEpoch: -1}
	o.NoProducer()
	b, err := format.AppendBatch(nil, o, msgs)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func readEpochs(t *testing.T, dir string) []state.EpochEntry {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, LeaderEpochCheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	c, err := state.DecodeLeaderEpochCheckpoint(b, LeaderEpochCheckpointFile)
	if err != nil {
		t.Fatal(err)
	}
	return c.Entries
}

func mustOpen(t *testing.T, dir string, o Options) *Writer {
	t.Helper()
	w, err := Open(dir, o)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func mustAppend(t testing.TB, w *Writer, b []byte) int64 {
	t.Helper()
	off, err := w.Append(b)
	if err != nil {
		t.Fatal(err)
	}
	return off
}

func isNeedsRepair(err error) bool { return errors.Is(err, ErrNeedsRepair) }
