package analyze

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// gb is one generated batch: transactional or plain data from a producer,
// or a COMMIT/ABORT marker.
type gb struct {
	pid   int64
	epoch int16
	txn   bool
	n     int    // records of a data batch
	mark  string // "commit" or "abort": a marker batch instead of data
	codec format.Compression
	ts    int64 // max timestamp of the batch (0: derived from the offset)
	lepo  int32 // partition leader epoch
}

func data(pid int64, epoch int16, n int) gb { return gb{pid: pid, epoch: epoch, txn: true, n: n} }
func plain(n int) gb                        { return gb{pid: -1, epoch: -1, n: n} }
func commit(pid int64, epoch int16) gb      { return gb{pid: pid, epoch: epoch, mark: "commit"} }
func abort(pid int64, epoch int16) gb       { return gb{pid: pid, epoch: epoch, mark: "abort"} }

// gseg is a generated segment. Its base offset continues the previous one
// unless base is set (a gap: earlier data deleted). With autoIndex it gets
// the .txnindex Kafka would write; txnindex adds explicit entries instead.
type gseg struct {
	base      int64
	batches   []gb
	autoIndex bool
	txnindex  []state.AbortedTxn
}

const t0 int64 = 1704067200000

// encode appends b at offset and returns the bytes and the next offset.
func (b gb) encode(t testing.TB, dst []byte, offset int64) ([]byte, int64) {
	t.Helper()
	o := format.BatchOptions{Magic: 2, Compression: b.codec, BaseOffset: offset, PartitionLeaderEpoch: b.lepo,
		ProducerID: b.pid, ProducerEpoch: b.epoch, BaseSequence: -1, Transactional: b.txn}
	if b.pid >= 0 && b.mark == "" {
		o.BaseSequence = 0
	}
	ts := b.ts
	if ts == 0 {
		ts = t0 + offset*1000
	}
	var err error
	if b.mark != "" {
		typ := format.ControlCommit
		if b.mark == "abort" {
			typ = format.ControlAbort
		}
		dst, err = format.AppendEndTxnMarker(dst, o, typ, 3, ts)
		if err != nil {
			t.Fatal(err)
		}
		return dst, offset + 1
	}
	msgs := make([]format.Message, b.n)
	for i := range msgs {
		msgs[i] = format.Message{Key: []byte("k"), Value: []byte("value value value value"), Timestamp: ts - int64(b.n-1-i)}
	}
	dst, err = format.AppendBatch(dst, o, msgs)
	if err != nil {
		t.Fatal(err)
	}
	return dst, offset + int64(b.n)
}

// writePartition writes segs into a new partition directory "t-0".
func writePartition(t testing.TB, segs []gseg) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "t-0")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var next int64
	firsts := map[int64]int64{} // producer → first offset of its ongoing transaction
	for _, s := range segs {
		if s.base > next {
			next = s.base
		}
		base := next
		var log, idx []byte
		for _, b := range s.batches {
			at := next
			log, next = b.encode(t, log, next)
			switch {
			case b.mark == "" && b.txn:
				if _, ok := firsts[b.pid]; !ok {
					firsts[b.pid] = at
				}
			case b.mark != "":
				first, ok := firsts[b.pid]
				if !ok {
					first = at
				}
				delete(firsts, b.pid)
				if b.mark == "abort" && s.autoIndex {
					idx = state.AppendAbortedTxn(idx, state.AbortedTxn{ProducerID: b.pid, FirstOffset: first, LastOffset: at, LastStableOffset: first})
				}
			}
		}
		for _, e := range s.txnindex {
			idx = state.AppendAbortedTxn(idx, e)
		}
		if err := os.WriteFile(filepath.Join(dir, segment.FileName(base, segment.LogSuffix)), log, 0o644); err != nil {
			t.Fatal(err)
		}
		if idx != nil {
			if err := os.WriteFile(filepath.Join(dir, segment.FileName(base, segment.TxnIndexSuffix)), idx, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	return dir
}

func errorsIs(err, target error) bool { return errors.Is(err, target) }
