package analyze

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// ProducerState is one producer's state in a partition, as DescribeProducers
// reports it (kafka ProducerStateEntry via ReplicaManager.activeProducerState).
type ProducerState struct {
	ProducerID    int64 `json:"producerId"`
	ProducerEpoch int16 `json:"producerEpoch"`
	// LastSequence is the last sequence of the producer's newest batch, -1
	// when the state keeps no batch (e.g. after a marker with a new epoch).
	LastSequence     int32 `json:"lastSequence"`
	LastTimestamp    int64 `json:"lastTimestamp"`
	CoordinatorEpoch int32 `json:"coordinatorEpoch"`
	// CurrentTxnStartOffset is the first offset of the producer's open
	// transaction, -1 when none.
	CurrentTxnStartOffset int64 `json:"currentTxnStartOffset"`
	// LastOffset is the last offset of the producer's newest batch, -1 when
	// none (not part of DescribeProducers).
	LastOffset int64 `json:"lastOffset"`
}

// ProducersReport says how the producer state of a partition was rebuilt.
type ProducersReport struct {
	Partition string          `json:"partition"`
	Producers []ProducerState `json:"producers"` // sorted by producer id
	// Snapshot is the base name of the .snapshot the replay started from
	// ("" when none was usable: the whole log was replayed), SnapshotOffset
	// its offset (-1 when none).
	Snapshot       string `json:"snapshot"`
	SnapshotOffset int64  `json:"snapshotOffset"`
	LogEndOffset   int64  `json:"logEndOffset"`
	// ReplayedBatches counts the batches read after the snapshot.
	ReplayedBatches int64 `json:"replayedBatches"`
	// Problems: unusable snapshots that were skipped, and where the replay
	// stopped early (corruption, torn tail).
	Problems []string `json:"problems"`
}

// Producers returns ReplayProducers(partitionDir).Producers.
func Producers(partitionDir string) ([]ProducerState, error) {
	r, err := ReplayProducers(partitionDir)
	if err != nil {
		return nil, err
	}
	return r.Producers, nil
}

// ReplayProducers rebuilds a partition's producer state the way Kafka does
// when it loads a log (kafka UnifiedLog.rebuildProducerState,
// ProducerStateManager.loadFromSnapshot, ProducerAppendInfo): it reads the
// newest producer snapshot at or below the log end offset (newer or corrupt
// ones are skipped, as Kafka deletes them), then replays every v2 batch with
// a producer id from the snapshot's offset to the end of the log. A data
// batch records its epoch, last sequence, last offset and max timestamp (a new
// epoch drops the old batch metadata) and opens a transaction if it is
// transactional; a COMMIT/ABORT marker closes it and sets the coordinator
// epoch and the marker's timestamp.
//
// Kafka also drops producers idle for longer than producer.id.expiration.ms
// (default one day) at load and periodically; that needs a wall clock, so it
// is not applied here and LastTimestamp shows how idle each producer is.
//
// Batches are read header-only, so their CRCs are not checked (kseg verify
// does that); a torn or corrupt tail ends the replay with a problem.
// Read-only; memory is bounded by the number of producers. Only I/O errors
// are returned.
func ReplayProducers(partitionDir string) (*ProducersReport, error) {
	return replayProducers(partitionDir, true)
}

func replayProducers(partitionDir string, useSnapshots bool) (*ProducersReport, error) {
	p, err := segment.OpenPartition(partitionDir)
	if err != nil {
		return nil, err
	}
	rep := &ProducersReport{Partition: p.Name(), SnapshotOffset: -1, LogEndOffset: -1, Producers: []ProducerState{}, Problems: []string{}}
	leo, err := logEndOffset(p)
	if err != nil {
		return nil, err
	}
	rep.LogEndOffset = leo
	producers := map[int64]*ProducerState{}
	for i := len(p.Snapshots) - 1; i >= 0 && useSnapshots; i-- {
		path := p.Snapshots[i]
		name := filepath.Base(path)
		offset, _, _ := segment.ParseFileName(name)
		if leo >= 0 && offset > leo {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: beyond the log end offset %d; skipped (Kafka deletes it)", name, leo))
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("kseg/analyze: %w", err)
		}
		snap, err := state.DecodeProducerSnapshot(b)
		if err == nil && snap.CRC != snap.ComputedCRC {
			err = fmt.Errorf("CRC mismatch: stored 0x%08x != computed 0x%08x", snap.CRC, snap.ComputedCRC)
		}
		if err != nil {
			rep.Problems = append(rep.Problems, fmt.Sprintf("%s: %v; skipped (Kafka deletes it and tries an older one)", name, err))
			continue
		}
		for _, e := range snap.Entries {
			ps := &ProducerState{ProducerID: e.ProducerID, ProducerEpoch: e.ProducerEpoch, LastSequence: -1, LastTimestamp: e.Timestamp,
				CoordinatorEpoch: e.CoordinatorEpoch, CurrentTxnStartOffset: -1, LastOffset: -1}
			if e.HasBatchMetadata() {
				ps.LastSequence, ps.LastOffset = e.LastSequence, e.LastOffset
			}
			if e.CurrentTxnFirstOffset >= 0 {
				ps.CurrentTxnStartOffset = e.CurrentTxnFirstOffset
			}
			producers[e.ProducerID] = ps
		}
		rep.Snapshot, rep.SnapshotOffset = name, offset
		break
	}
	w := &producerWalker{rep: rep, producers: producers, from: max(rep.SnapshotOffset, 0), control: newControlLoader()}
	for _, s := range p.Segments {
		if next := segmentAfter(p, s); next >= 0 && next <= w.from {
			continue // wholly below the snapshot
		}
		stop, err := w.segment(s)
		if err != nil {
			return nil, err
		}
		if stop {
			break
		}
	}
	for _, ps := range producers {
		rep.Producers = append(rep.Producers, *ps)
	}
	sort.Slice(rep.Producers, func(i, j int) bool { return rep.Producers[i].ProducerID < rep.Producers[j].ProducerID })
	return rep, nil
}

// segmentAfter is the base offset of the segment after s, or -1 for the last.
func segmentAfter(p *segment.Partition, s *segment.Segment) int64 {
	for i, x := range p.Segments {
		if x == s && i+1 < len(p.Segments) {
			return p.Segments[i+1].BaseOffset
		}
	}
	return -1
}

// logEndOffset reads the active segment's batch headers (-1 for an empty
// log); a torn or corrupt tail ends it where Kafka's recovery would.
func logEndOffset(p *segment.Partition) (int64, error) {
	for i := len(p.Segments) - 1; i >= 0; i-- {
		s := p.Segments[i]
		f, err := s.Open()
		if err != nil {
			return -1, err
		}
		r := f.Batches(s.Name(), 0, true)
		leo := int64(-1)
		for {
			b, err := r.Next()
			if err != nil {
				if err != io.EOF && !errors.Is(err, format.ErrTruncated) && !errors.Is(err, format.ErrCorrupt) {
					f.Close()
					return -1, err
				}
				break
			}
			leo = b.NextOffset()
		}
		f.Close()
		if leo >= 0 {
			return leo, nil
		}
		if i > 0 {
			continue
		}
		return s.BaseOffset, nil
	}
	return -1, nil
}

type producerWalker struct {
	rep       *ProducersReport
	producers map[int64]*ProducerState
	from      int64
	control   controlLoader
}

func (w *producerWalker) get(pid int64, epoch int16) *ProducerState {
	ps := w.producers[pid]
	if ps == nil {
		ps = &ProducerState{ProducerID: pid, ProducerEpoch: epoch, LastSequence: -1, LastTimestamp: -1, CoordinatorEpoch: -1,
			CurrentTxnStartOffset: -1, LastOffset: -1}
		w.producers[pid] = ps
	}
	// ProducerStateEntry.maybeUpdateProducerEpoch: a new epoch drops the
	// batch metadata.
	if ps.ProducerEpoch != epoch {
		ps.ProducerEpoch, ps.LastSequence, ps.LastOffset = epoch, -1, -1
	}
	return ps
}

func (w *producerWalker) segment(s *segment.Segment) (stop bool, err error) {
	f, err := s.Open()
	if err != nil {
		return false, err
	}
	defer f.Close()
	name := s.Name()
	r := f.Batches(name, 0, true)
	for {
		b, err := r.Next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			if errors.Is(err, format.ErrTruncated) || errors.Is(err, format.ErrCorrupt) {
				w.rep.Problems = append(w.rep.Problems, fmt.Sprintf("%s: replay stopped: %v", name, err))
				return true, nil
			}
			return false, err
		}
		if b.LastOffset() < w.from || b.Magic < 2 || b.ProducerID < 0 {
			continue
		}
		w.rep.ReplayedBatches++
		if !b.IsControl() {
			ps := w.get(b.ProducerID, b.ProducerEpoch)
			ps.LastSequence, ps.LastOffset, ps.LastTimestamp = b.LastSequence(), b.LastOffset(), b.MaxTimestamp
			if b.IsTransactional() && ps.CurrentTxnStartOffset < 0 {
				ps.CurrentTxnStartOffset = b.BaseOffset
			}
			continue
		}
		rec, ok, err := w.readControl(f.Log, b, name)
		if err != nil {
			return false, err
		}
		if !ok {
			continue
		}
		c, err := format.ParseControlRecord(rec.Key, rec.Value)
		if err != nil || !c.IsMarker() {
			continue
		}
		// ProducerAppendInfo.appendEndTxnMarker.
		ps := w.get(b.ProducerID, b.ProducerEpoch)
		ps.CoordinatorEpoch, ps.LastTimestamp, ps.CurrentTxnStartOffset = c.CoordinatorEpoch, rec.Timestamp, -1
	}
}

// readControl loads a control batch the header-only reader skipped and
// returns its first record (valid until the next call); ok is false when it
// cannot be read (reported).
func (w *producerWalker) readControl(f io.ReaderAt, b *format.Batch, name string) (*format.Record, bool, error) {
	rec, problem, err := w.control.first(f, b, name)
	if err != nil || rec == nil {
		if problem != "" {
			w.rep.Problems = append(w.rep.Problems, fmt.Sprintf("%s: control batch at offset %d: %s; skipped", name, b.BaseOffset, problem))
		}
		return nil, false, err
	}
	return rec, true, nil
}
