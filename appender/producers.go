package appender

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// producerState is the part of Kafka's ProducerStateManager
// (storage/src/main/java/org/apache/kafka/storage/internals/log/
// ProducerStateManager.java, ProducerStateEntry.java, ProducerAppendInfo.java)
// that a producer snapshot records: for every producer id seen in a v2
// batch (idempotent or transactional producers; batches without a producer
// id are not tracked), its epoch, the metadata of its last data batch, its
// last timestamp, the coordinator epoch of its last marker and the first
// offset of its open transaction.
type producerState struct {
	producers map[int64]*state.ProducerEntry
	// lastMap and lastSnap are ProducerStateManager.lastMapOffset and
	// lastSnapOffset: a snapshot is written only when lastMap has moved
	// past lastSnap (takeSnapshot).
	lastMap, lastSnap int64
}

func newProducerState(offset int64) *producerState {
	return &producerState{producers: map[int64]*state.ProducerEntry{}, lastMap: offset, lastSnap: offset}
}

// entry returns the producer's entry, creating ProducerStateEntry.empty:
// no epoch, no batch, no timestamp, no coordinator epoch, no transaction.
func (p *producerState) entry(pid int64) *state.ProducerEntry {
	e := p.producers[pid]
	if e == nil {
		e = &state.ProducerEntry{ProducerID: pid, ProducerEpoch: -1, LastSequence: -1, LastOffset: -1,
			Timestamp: -1, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1}
		p.producers[pid] = e
	}
	return e
}

// setEpoch is ProducerStateEntry.maybeUpdateProducerEpoch: a new epoch
// forgets the batch metadata of the old one.
func setEpoch(e *state.ProducerEntry, epoch int16) {
	if e.ProducerEpoch != epoch {
		e.LastSequence, e.LastOffset, e.OffsetDelta = -1, -1, 0
		e.ProducerEpoch = epoch
	}
}

// dataBatch is ProducerAppendInfo.appendDataBatch followed by
// ProducerStateManager.update: the batch becomes the producer's last batch
// (lastSeq, lastOffset, offsetDelta = lastOffset - firstOffset, its max
// timestamp), and a transactional batch with no open transaction opens one
// at its base offset.
func (p *producerState) dataBatch(b *format.Batch, base, last, maxTs int64) {
	e := p.entry(b.ProducerID)
	setEpoch(e, b.ProducerEpoch)
	e.LastSequence, e.LastOffset, e.OffsetDelta, e.Timestamp = b.LastSequence(), last, int32(last-base), maxTs
	if b.IsTransactional() && e.CurrentTxnFirstOffset < 0 {
		e.CurrentTxnFirstOffset = base
	}
}

// marker is ProducerAppendInfo.appendEndTxnMarker followed by update: the
// epoch of the marker batch, the marker's coordinator epoch, no open
// transaction, and the marker record's timestamp. The batch metadata stays
// (unless the epoch changed, e.g. a fenced abort).
func (p *producerState) marker(b *format.Batch, coordinatorEpoch int32, ts int64) {
	e := p.entry(b.ProducerID)
	setEpoch(e, b.ProducerEpoch)
	e.CoordinatorEpoch, e.CurrentTxnFirstOffset, e.Timestamp = coordinatorEpoch, -1, ts
}

// apply updates the state for one appended entry (raw, decoded as b, its
// offsets base..last and max timestamp maxTs as appended).
func (p *producerState) apply(b *format.Batch, raw []byte, base, last, maxTs int64, dec *format.RecordDecoder) {
	p.lastMap = last + 1 // UnifiedLog.append: updateMapEndOffset(lastOffset + 1)
	if b.Magic < 2 || b.ProducerID < 0 {
		return
	}
	if !b.IsControl() {
		p.dataBatch(b, base, last, maxTs)
		return
	}
	// ProducerAppendInfo.append: the first record of a control batch is the
	// EndTransactionMarker; an empty control batch changes nothing.
	b.Raw = raw
	if err := dec.Reset(b); err != nil {
		return
	}
	r, err := dec.Next()
	if err != nil {
		return
	}
	c, err := format.ParseControlRecord(r.Key, r.Value)
	if err != nil || !c.IsMarker() {
		return
	}
	ts := r.Timestamp
	if b.TimestampType() == format.LogAppendTime {
		ts = maxTs
	}
	p.marker(b, c.CoordinatorEpoch, ts)
}

// snapshot is ProducerStateManager.writeSnapshot's content: one entry per
// producer (Kafka iterates a HashMap; we write them in producer id order).
func (p *producerState) snapshot() []byte {
	entries := make([]state.ProducerEntry, 0, len(p.producers))
	for _, e := range p.producers {
		entries = append(entries, *e)
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].ProducerID < entries[j].ProducerID })
	return state.AppendProducerSnapshot(nil, entries)
}

// takeSnapshot is ProducerStateManager.takeSnapshot: when offsets were
// appended since the last snapshot, write <lastMapOffset>.snapshot, empty
// when no idempotent or transactional producer wrote, as the broker does.
// The broker takes one on every roll (UnifiedLog.roll, at the new segment's
// base offset) and on close (UnifiedLog.close, at the log end offset).
func (w *Writer) takeSnapshot() error {
	p := w.producers
	if p == nil || p.lastMap <= p.lastSnap {
		return nil
	}
	path := filepath.Join(w.dir, segment.FileName(p.lastMap, segment.SnapshotSuffix))
	if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, path, p.snapshot(), 0o644); err != nil {
		return err
	}
	p.lastSnap = p.lastMap
	return nil
}

// loadProducers rebuilds producer state for an existing partition as the
// broker does at load (ProducerStateManager.truncateAndReload,
// UnifiedLog.rebuildProducerState): from the newest readable snapshot at or
// below the log end offset, then every batch from its offset on; without a
// snapshot, from the first segment.
func (w *Writer) loadProducers(p *segment.Partition) error {
	from := int64(0)
	if len(p.Segments) > 0 {
		from = p.Segments[0].BaseOffset
	}
	ps := newProducerState(from)
	snaps := append([]string(nil), p.Snapshots...)
	sort.Slice(snaps, func(i, j int) bool { return filepath.Base(snaps[i]) > filepath.Base(snaps[j]) })
	for _, path := range snaps {
		off, _, ok := segment.ParseFileName(filepath.Base(path))
		if !ok || off > w.nextOffset {
			continue // beyond the log end: the broker deletes it
		}
		b, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return fmt.Errorf("kseg/appender: %w", err)
		}
		s, err := state.DecodeProducerSnapshot(b)
		if err != nil {
			continue // the broker discards a corrupt snapshot and tries an older one
		}
		for _, e := range s.Entries {
			e := e
			ps.producers[e.ProducerID] = &e
		}
		ps.lastMap, ps.lastSnap, from = off, off, off
		break
	}
	for i, s := range p.Segments {
		if i+1 < len(p.Segments) && p.Segments[i+1].BaseOffset <= from {
			continue
		}
		if err := w.replaySegment(ps, s, from); err != nil {
			return err
		}
	}
	ps.lastMap = max(ps.lastMap, w.nextOffset)
	w.producers = ps
	return nil
}

// replaySegment applies the batches of s whose last offset is at or above
// from.
func (w *Writer) replaySegment(ps *producerState, s *segment.Segment, from int64) error {
	f, err := os.Open(s.Log)
	if err != nil {
		return fmt.Errorf("kseg/appender: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("kseg/appender: %w", err)
	}
	r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: s.Name()})
	for {
		b, err := r.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return needsRepair(s.Name(), "reading producer state: %v", err)
		}
		if !b.Valid {
			return needsRepair(s.Name(), "reading producer state: CRC mismatch in the batch at position %d", b.Position)
		}
		if b.LastOffset() < from {
			continue
		}
		raw := append([]byte(nil), b.Raw...)
		ps.apply(b, raw, b.BaseOffset, b.LastOffset(), b.MaxTimestamp, w.decoder)
	}
}
