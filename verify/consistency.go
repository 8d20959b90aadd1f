package verify

import (
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// Reasons of the consistency checks between a partition's state files and
// its log (issue 5 item 3). Like the others, append only, never rename.
const (
	ReasonEpochCheckpointMismatch Reason = "epoch-checkpoint-mismatch"  // leader-epoch-checkpoint vs the batches' partitionLeaderEpoch
	ReasonEpochCheckpointMissing  Reason = "epoch-checkpoint-missing"   // v2 batches carry epochs but there is no leader-epoch-checkpoint
	ReasonSnapshotProducer        Reason = "snapshot-producer-mismatch" // a producer snapshot entry disagrees with the batch at its lastOffset
	ReasonSnapshotProducerMissing Reason = "snapshot-producer-missing"  // a producer of the log is absent from the snapshot
	ReasonSnapshotCRCMismatch     Reason = "snapshot-crc-mismatch"      // producer snapshot CRC-32C mismatch
	ReasonSnapshotMalformed       Reason = "snapshot-malformed"         // producer snapshot the broker cannot read
	ReasonStraySnapshot           Reason = "stray-snapshot"             // snapshot offset beyond the log end offset
	ReasonTxnIndexMissingEntry    Reason = "txnindex-missing-entry"     // ABORT marker without its .txnindex entry
	ReasonTxnIndexOrphanEntry     Reason = "txnindex-orphan-entry"      // .txnindex entry whose ABORT marker is not in the segment
	ReasonTxnIndexEntryMismatch   Reason = "txnindex-entry-mismatch"    // entry at the marker offset names another producer or first offset
	ReasonTxnIndexInvalid         Reason = "txnindex-invalid"           // state.CheckTxnIndex findings, undecodable entries
	ReasonCheckpointOutOfRange    Reason = "checkpoint-offset-out-of-range"
	ReasonCheckpointUnknown       Reason = "checkpoint-unknown-partition"
	ReasonCheckpointDuplicate     Reason = "checkpoint-duplicate-partition"
	ReasonCheckpointMalformed     Reason = "checkpoint-malformed" // a checkpoint file the broker refuses (KafkaStorageException)
)

// maxTrackedProducers bounds the per-partition producer map of the
// consistency checks (about 64 bytes each). A partition with more distinct
// producer ids is checked for the first ones only, and an info says so.
const maxTrackedProducers = 1 << 16

// producerTrack is what the walk remembers of one producer id.
type producerTrack struct {
	lastData   int64 // last offset of its last data batch below the snapshot offset, -1 none
	txnFirst   int64 // first offset of its open transaction, -1 none
	markerSeen bool  // a COMMIT/ABORT of it was seen: txnFirst is exact from then on
	inSnapshot bool
}

// consistency checks one partition's state files (leader-epoch-checkpoint,
// the newest producer snapshot, each segment's .txnindex) against the
// batches in the same single pass that checks the log: the walk calls batch
// for every usable batch, segment before each segment and finish at the end.
// Memory is bounded by the state files themselves (held decoded) plus at
// most maxTrackedProducers producer ids; nothing is kept per batch.
// A nil *consistency does nothing (partial targets: only some segments).
type consistency struct {
	c     *checker
	part  *PartitionResult
	p     *segment.Partition
	dec   *format.RecordDecoder
	first int64 // first usable offset of the partition, -1 before any
	last  int64 // last usable offset so far, -1 before any
	// lastBase is the active segment's base offset: the log end offset of
	// an empty active segment.
	lastBase int64

	// leader-epoch-checkpoint
	epochRep   *fileReporter
	epochs     []state.EpochEntry // nil: absent, malformed or not monotonic
	epochFound bool               // the file exists
	epochIdx   map[int32]int
	epochSeen  []bool
	epochCover []int64 // usable v2 batches whose base offset falls in entry i's range
	epochCur   int     // entry covering the last batch (-1: before the first entry)
	maxEpoch   int32   // highest partitionLeaderEpoch seen, -1 none
	transits   int64

	// newest producer snapshot
	snapRep     *fileReporter
	snapOffset  int64 // -1: no usable snapshot
	snap        []state.ProducerEntry
	snapByLast  []int // indexes into snap of entries with batch metadata, by LastOffset
	snapCur     int
	snapAll     []string // every snapshot path with its offset, for the stray check
	snapOffsets []int64
	producers   map[int64]*producerTrack
	untracked   int64

	// the current segment's .txnindex
	seg       *segment.Segment
	txnRep    *fileReporter
	txn       []state.AbortedTxn
	txnByLast map[int64]int
	txnHit    []bool
}

// newConsistency reads the partition's state files. I/O errors other than
// a missing file are operational and returned.
func (c *checker) newConsistency(res *PartitionResult, p *segment.Partition) (*consistency, error) {
	k := &consistency{c: c, part: res, p: p, first: -1, last: -1, epochCur: -1, maxEpoch: -1, snapOffset: -1,
		producers: map[int64]*producerTrack{}}
	if s := p.ActiveSegment(); s != nil {
		k.lastBase = s.BaseOffset
	}
	if err := k.loadEpochs(); err != nil {
		return nil, err
	}
	if err := k.loadSnapshot(); err != nil {
		return nil, err
	}
	return k, nil
}

func readStateFile(path string) ([]byte, bool, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("kseg/verify: %w", err)
	}
	return b, true, nil
}

func (k *consistency) loadEpochs() error {
	path := filepath.Join(k.p.Dir, "leader-epoch-checkpoint")
	k.epochRep = k.c.reporter(k.part, nil, path)
	b, ok, err := readStateFile(path)
	if err != nil || !ok {
		return err
	}
	k.epochFound = true
	cp, err := state.DecodeLeaderEpochCheckpoint(b, filepath.Base(path))
	if err != nil {
		k.epochRep.add(formatErrorFinding(err, ReasonCheckpointMalformed,
			"the broker fails to load the partition (KafkaStorageException takes the log dir offline)"))
		return nil
	}
	for _, f := range cp.Findings {
		k.epochRep.add(newFinding(ReasonEpochCheckpointMismatch, SeverityError, -1, -1, -1,
			fmt.Sprintf("line %d: %s: %s; OffsetsForLeaderEpoch answers from this cache, so followers may truncate wrongly", f.Line, f.Reason, f.Detail)))
	}
	if len(cp.Findings) > 0 {
		return nil // not monotonic: range lookups are meaningless
	}
	k.epochs = cp.Entries
	k.epochIdx = make(map[int32]int, len(cp.Entries))
	for i, e := range cp.Entries {
		k.epochIdx[e.Epoch] = i
	}
	k.epochSeen = make([]bool, len(cp.Entries))
	k.epochCover = make([]int64, len(cp.Entries))
	return nil
}

func (k *consistency) loadSnapshot() error {
	newest := ""
	for _, path := range k.p.Snapshots {
		off, _, ok := segment.ParseFileName(filepath.Base(path))
		if !ok {
			continue
		}
		k.snapAll = append(k.snapAll, path)
		k.snapOffsets = append(k.snapOffsets, off)
		if newest == "" || off > k.snapOffset {
			newest, k.snapOffset = path, off
		}
	}
	if newest == "" {
		return nil
	}
	k.snapRep = k.c.reporter(k.part, nil, newest)
	b, ok, err := readStateFile(newest)
	if err != nil {
		return err
	}
	if !ok {
		k.snapOffset = -1
		return nil
	}
	snap, err := state.DecodeProducerSnapshot(b)
	var fe *state.FormatError
	switch {
	case err != nil && errors.As(err, &fe) && fe.Reason == state.ReasonCRCMismatch:
		k.snapRep.add(newFinding(ReasonSnapshotCRCMismatch, SeverityError, fe.Position, -1, k.snapOffset,
			fe.Detail+"; the broker discards the snapshot and rebuilds producer state from an older one or the log"))
		k.snapOffset = -1
		return nil
	case err != nil:
		k.snapRep.add(formatErrorFinding(err, ReasonSnapshotMalformed,
			"the broker discards the snapshot and rebuilds producer state from an older one or the log"))
		k.snapOffset = -1
		return nil
	}
	k.snap = snap.Entries
	for i, e := range k.snap {
		if e.ProducerID < 0 {
			continue
		}
		if _, dup := k.producers[e.ProducerID]; !dup && len(k.producers) < maxTrackedProducers {
			k.producers[e.ProducerID] = &producerTrack{lastData: -1, txnFirst: -1, inSnapshot: true}
		}
		if e.HasBatchMetadata() {
			k.snapByLast = append(k.snapByLast, i)
		}
	}
	sort.SliceStable(k.snapByLast, func(i, j int) bool { return k.snap[k.snapByLast[i]].LastOffset < k.snap[k.snapByLast[j]].LastOffset })
	return nil
}

// formatErrorFinding turns a state decoder error into an error finding; the
// line number (text files) leads the detail.
func formatErrorFinding(err error, reason Reason, consequence string) Finding {
	var fe *state.FormatError
	if !errors.As(err, &fe) {
		return newFinding(reason, SeverityError, -1, -1, -1, err.Error()+"; "+consequence)
	}
	detail := fe.Reason + ": " + fe.Detail
	if fe.Line > 0 {
		detail = fmt.Sprintf("line %d: %s", fe.Line, detail)
	}
	return newFinding(reason, SeverityError, fe.Position, -1, -1, detail+"; "+consequence)
}

// segment finishes the previous segment's .txnindex and loads s's.
func (k *consistency) segment(s *segment.Segment) error {
	if k == nil {
		return nil
	}
	k.endSegment()
	k.seg, k.txn, k.txnByLast, k.txnHit, k.txnRep = s, nil, nil, nil, nil
	if s.TxnIndex == "" {
		return nil
	}
	k.txnRep = k.c.reporter(k.part, nil, s.TxnIndex)
	b, ok, err := readStateFile(s.TxnIndex)
	if err != nil || !ok {
		return err
	}
	entries, tail, derr := state.DecodeTxnIndex(b)
	if derr != nil {
		k.txnRep.add(formatErrorFinding(derr, ReasonTxnIndexInvalid,
			"the broker's reader throws here; entries after it are not read"))
	}
	if tail > 0 {
		k.txnRep.add(newFinding(ReasonTxnIndexInvalid, SeverityWarning, int64(len(b)-tail), int64(len(b)), -1,
			fmt.Sprintf("%d trailing bytes are not a whole 34-byte entry (a torn append?); the broker ignores them", tail)))
	}
	for _, f := range state.CheckTxnIndex(entries, s.BaseOffset) {
		k.txnRep.add(newFinding(ReasonTxnIndexInvalid, SeverityError, int64(f.Entry)*34, int64(f.Entry+1)*34, entries[f.Entry].LastOffset,
			fmt.Sprintf("entry %d: %s: %s", f.Entry, f.Reason, f.Detail)))
	}
	k.txn = entries
	k.txnHit = make([]bool, len(entries))
	k.txnByLast = make(map[int64]int, len(entries))
	for i, e := range entries {
		if _, dup := k.txnByLast[e.LastOffset]; !dup {
			k.txnByLast[e.LastOffset] = i
		}
	}
	return nil
}

func (k *consistency) endSegment() {
	if k.seg == nil || k.txnRep == nil {
		return
	}
	for i, e := range k.txn {
		if k.txnHit[i] || e.LastOffset < k.seg.BaseOffset { // below base: CheckTxnIndex said so
			continue
		}
		k.txnRep.add(newFinding(ReasonTxnIndexOrphanEntry, SeverityError, int64(i)*34, int64(i+1)*34, e.LastOffset,
			fmt.Sprintf("entry %d (producer %d, firstOffset %d, lastOffset %d): no ABORT marker of that producer at offset %d in %s; read_committed consumers drop the producer's records from firstOffset until its next ABORT marker",
				i, e.ProducerID, e.FirstOffset, e.LastOffset, e.LastOffset, k.seg.Name())))
	}
	k.txnRep.finish()
}

func (k *consistency) track(pid int64) *producerTrack {
	if pid < 0 {
		return nil
	}
	pt := k.producers[pid]
	if pt == nil {
		if len(k.producers) >= maxTrackedProducers {
			k.untracked++
			return nil
		}
		pt = &producerTrack{lastData: -1, txnFirst: -1}
		k.producers[pid] = pt
	}
	return pt
}

// batch sees one usable batch of the partition, in offset order.
func (k *consistency) batch(b *format.Batch) {
	if k == nil {
		return
	}
	first := firstOffsetOf(b)
	if k.first < 0 {
		k.first = first
	}
	prevLast := k.last
	k.last = b.LastOffset()
	if b.Magic < 2 {
		return // no epochs, producers or markers before v2
	}
	k.epochBatch(b, prevLast)
	k.snapshotBatch(b, first, prevLast)
	pt := k.track(b.ProducerID)
	if pt != nil && !b.IsControl() && k.snapOffset >= 0 && b.LastOffset() < k.snapOffset {
		pt.lastData = b.LastOffset()
	}
	switch {
	case b.IsControl():
		k.marker(b, pt)
	case b.IsTransactional() && pt != nil && pt.txnFirst < 0:
		pt.txnFirst = b.BaseOffset
	}
}

// epochBatch applies LogSegment.recover's rule (a v2 batch whose epoch is
// >= 0 and above the latest starts a new epoch at its base offset) and
// compares each transition with the checkpoint.
func (k *consistency) epochBatch(b *format.Batch, prevLast int64) {
	e := b.PartitionLeaderEpoch
	if e < 0 {
		return
	}
	if k.epochs != nil {
		for k.epochCur+1 < len(k.epochs) && k.epochs[k.epochCur+1].StartOffset <= b.BaseOffset {
			k.epochCur++
		}
		if k.epochCur >= 0 {
			k.epochCover[k.epochCur]++
		}
		// An entry starting inside the batch is wrong whatever its epoch:
		// a batch has one epoch.
		for j := k.epochCur + 1; j < len(k.epochs) && k.epochs[j].StartOffset <= b.LastOffset(); j++ {
			k.epochCover[j]++
		}
	}
	if e <= k.maxEpoch {
		return
	}
	k.maxEpoch = e
	k.transits++
	if !k.epochFound {
		return // reported once, at finish
	}
	if k.epochs == nil {
		return // malformed: already reported
	}
	i, ok := k.epochIdx[e]
	if !ok {
		k.epochRep.add(newFinding(ReasonEpochCheckpointMismatch, SeverityError, -1, -1, b.BaseOffset,
			fmt.Sprintf("leader epoch %d starts at offset %d in the log but the checkpoint has no entry for it; OffsetsForLeaderEpoch answers wrongly and followers may truncate too much or too little", e, b.BaseOffset)))
		return
	}
	k.epochSeen[i] = true
	start := k.epochs[i].StartOffset
	switch {
	case start <= b.BaseOffset && start > prevLast:
		// Exact, or earlier batches of the epoch were compacted away.
	case start > b.BaseOffset && i == 0 && k.transits == 1:
		// truncateFromStart: the log start offset moved into the epoch
		// (DeleteRecords); the broker keeps the first entry at it.
	default:
		k.epochRep.add(newFinding(ReasonEpochCheckpointMismatch, SeverityError, -1, -1, b.BaseOffset,
			fmt.Sprintf("checkpoint says leader epoch %d starts at offset %d, but the log's first batch of epoch %d starts at offset %d (the batch before it ends at %d)",
				e, start, e, b.BaseOffset, prevLast)))
	}
}

// snapshotBatch compares the snapshot entries whose lastOffset falls at or
// before this batch.
func (k *consistency) snapshotBatch(b *format.Batch, first, prevLast int64) {
	for k.snapCur < len(k.snapByLast) {
		e := k.snap[k.snapByLast[k.snapCur]]
		if e.LastOffset > b.LastOffset() {
			return
		}
		k.snapCur++
		if e.LastOffset < first {
			if prevLast >= 0 {
				k.snapRep.add(newFinding(ReasonSnapshotProducer, SeverityWarning, -1, -1, e.LastOffset,
					fmt.Sprintf("producer %d: lastOffset %d falls between batches (%d..%d): no batch holds it (removed by compaction?)", e.ProducerID, e.LastOffset, prevLast, first)))
			}
			continue // below the log start: deleted by retention
		}
		var diffs []string
		if b.LastOffset() != e.LastOffset {
			diffs = append(diffs, fmt.Sprintf("the batch there ends at offset %d", b.LastOffset()))
		}
		if b.IsControl() {
			diffs = append(diffs, "the batch there is a control batch")
		}
		if b.ProducerID != e.ProducerID {
			diffs = append(diffs, fmt.Sprintf("the batch belongs to producer %d", b.ProducerID))
		} else {
			if b.ProducerEpoch != e.ProducerEpoch {
				diffs = append(diffs, fmt.Sprintf("batch producer epoch %d != snapshot epoch %d", b.ProducerEpoch, e.ProducerEpoch))
			}
			if b.LastSequence() != e.LastSequence {
				diffs = append(diffs, fmt.Sprintf("batch last sequence %d != snapshot last sequence %d", b.LastSequence(), e.LastSequence))
			}
		}
		if len(diffs) > 0 {
			k.snapRep.add(newFinding(ReasonSnapshotProducer, SeverityError, -1, -1, e.LastOffset,
				fmt.Sprintf("producer %d epoch %d lastSequence %d lastOffset %d: %s; the broker restores wrong producer state (OutOfOrderSequence or duplicate acceptance)",
					e.ProducerID, e.ProducerEpoch, e.LastSequence, e.LastOffset, joinDiffs(diffs))))
		}
	}
}

func joinDiffs(d []string) string {
	s := d[0]
	for _, x := range d[1:] {
		s += "; " + x
	}
	return s
}

// marker handles a control batch: an ABORT must have its .txnindex entry in
// this segment (ProducerStateManager writes one per aborted non-empty
// transaction: ProducerAppendInfo.appendEndTxnMarker emits no CompletedTxn
// for a transaction without data).
func (k *consistency) marker(b *format.Batch, pt *producerTrack) {
	if k.dec == nil {
		k.dec = format.NewRecordDecoder(format.DecoderOptions{})
	}
	if k.dec.Reset(b) != nil {
		return // deep verify reports undecodable records
	}
	rec, err := k.dec.Next()
	if err != nil {
		return
	}
	ctl, err := format.ParseControlRecord(rec.Key, rec.Value)
	if err != nil || !ctl.IsMarker() {
		return
	}
	txnFirst, known := int64(-1), false
	if pt != nil {
		txnFirst, known = pt.txnFirst, pt.markerSeen
		pt.txnFirst, pt.markerSeen = -1, true
	}
	if ctl.Type != format.ControlAbort {
		return
	}
	at := rec.Offset
	// An earlier marker of this producer in the log means the whole
	// transaction lies in the log, so no first offset can be "deleted".
	deletedBelow := k.first
	if known {
		deletedBelow = math.MinInt64
	}
	var e *state.AbortedTxn
	i, ok := k.txnByLast[at]
	if ok {
		k.txnHit[i] = true
		e = &k.txn[i]
	}
	verdict := state.CheckAbortEntry(e, b.ProducerID, txnFirst, deletedBelow)
	switch verdict {
	case state.AbortEntryWrongProducer:
		k.txnRep.add(newFinding(ReasonTxnIndexEntryMismatch, SeverityError, int64(i)*34, int64(i+1)*34, at,
			fmt.Sprintf("entry %d names producer %d but the ABORT marker at offset %d belongs to producer %d", i, e.ProducerID, at, b.ProducerID)))
		return
	case state.AbortEntryWrongFirstOffset:
		k.txnRep.add(newFinding(ReasonTxnIndexEntryMismatch, SeverityError, int64(i)*34, int64(i+1)*34, at,
			fmt.Sprintf("entry %d says producer %d's aborted transaction starts at offset %d, but its first transactional batch is at offset %d; read_committed consumers filter the wrong range", i, e.ProducerID, e.FirstOffset, txnFirst)))
		return
	case state.AbortEntryOK:
		return
	case state.AbortEntryNoData:
		if known {
			return // the producer's state is known: an empty transaction, no entry expected
		}
	}
	file := "none"
	if k.seg != nil && k.seg.TxnIndex != "" {
		file = filepath.Base(k.seg.TxnIndex)
	}
	rep := k.txnRep
	if rep == nil {
		rep = k.c.reporter(k.part, nil, filepath.Join(k.p.Dir, segment.FileName(k.seg.BaseOffset, segment.TxnIndexSuffix)))
		k.txnRep = rep
	}
	if verdict == state.AbortEntryMissing {
		rep.add(newFinding(ReasonTxnIndexMissingEntry, SeverityError, -1, -1, at,
			fmt.Sprintf("ABORT marker of producer %d at offset %d (transaction from offset %d) has no entry in the segment's .txnindex (%s): read_committed consumers receive the aborted records", b.ProducerID, at, txnFirst, file)))
		return
	}
	rep.add(newFinding(ReasonTxnIndexMissingEntry, SeverityInfo, -1, -1, at,
		fmt.Sprintf("ABORT marker of producer %d at offset %d has no .txnindex entry (%s); no data of the transaction is in the log: an empty transaction (no entry is written) or one whose data was deleted", b.ProducerID, at, file)))
}

// finish runs the end-of-partition checks.
func (k *consistency) finish() {
	if k == nil {
		return
	}
	k.endSegment()
	leo := max(k.last+1, k.lastBase)
	k.finishEpochs(leo)
	k.finishSnapshot(leo)
	if k.untracked > 0 && k.snapRep != nil {
		k.snapRep.add(newFinding(ReasonSnapshotProducerMissing, SeverityInfo, -1, -1, -1,
			fmt.Sprintf("%d batches of producers beyond the first %d producer ids were not checked against the snapshot and .txnindex", k.untracked, maxTrackedProducers)))
	}
}

func (k *consistency) finishEpochs(leo int64) {
	if k.transits == 0 {
		return // no v2 batch with an epoch (legacy, or empty): nothing to compare
	}
	if !k.epochFound {
		k.epochRep.add(newFinding(ReasonEpochCheckpointMissing, SeverityInfo, -1, -1, -1,
			fmt.Sprintf("the log holds %d leader epoch(s) (up to %d) but there is no leader-epoch-checkpoint: the broker rebuilds it only when it recovers the segments", k.transits, k.maxEpoch)))
		k.epochRep.finish()
		return
	}
	for i, e := range k.epochs {
		if k.epochSeen[i] {
			continue
		}
		last := i == len(k.epochs)-1
		switch {
		case e.StartOffset > leo:
			k.epochRep.add(newFinding(ReasonEpochCheckpointMismatch, SeverityError, -1, -1, e.StartOffset,
				fmt.Sprintf("line %d: epoch %d starts at offset %d, beyond the log end offset %d: the log lost data the epoch cache knew of (the broker truncates the entry at load)", i+3, e.Epoch, e.StartOffset, leo)))
		case k.epochCover[i] > 0:
			k.epochRep.add(newFinding(ReasonEpochCheckpointMismatch, SeverityError, -1, -1, e.StartOffset,
				fmt.Sprintf("line %d: epoch %d from offset %d, but the %d batch(es) in its range carry other epochs", i+3, e.Epoch, e.StartOffset, k.epochCover[i])))
		case e.Epoch > k.maxEpoch && last && e.StartOffset == leo:
			k.epochRep.add(newFinding(ReasonEpochCheckpointMismatch, SeverityInfo, -1, -1, e.StartOffset,
				fmt.Sprintf("line %d: epoch %d starts at the log end offset %d and no batch carries it yet: a leader elected at the end of the log that has written nothing", i+3, e.Epoch, e.StartOffset)))
		case e.Epoch > k.maxEpoch:
			detail := fmt.Sprintf("line %d: epoch %d (from offset %d) is above every epoch in the log (highest %d): a leader that wrote nothing?", i+3, e.Epoch, e.StartOffset, k.maxEpoch)
			if e.StartOffset >= leo {
				// LogLoader.load calls truncateFromEnd(log end offset), which
				// drops every entry starting at or after it, this one too.
				detail += fmt.Sprintf(" (it starts at the log end offset %d: the broker truncates the entry at load)", leo)
			}
			k.epochRep.add(newFinding(ReasonEpochCheckpointMismatch, SeverityWarning, -1, -1, e.StartOffset, detail))
		}
		// Else an older epoch whose range holds no batch: compacted or
		// deleted, nothing to compare.
	}
	k.epochRep.finish()
}

func (k *consistency) finishSnapshot(leo int64) {
	for i, path := range k.snapAll {
		if off := k.snapOffsets[i]; off > leo {
			rep := k.c.reporter(k.part, nil, path)
			rep.add(newFinding(ReasonStraySnapshot, SeverityWarning, -1, -1, off,
				fmt.Sprintf("snapshot at offset %d is beyond the log end offset %d: it describes data no longer in the log; the broker deletes it at load (ProducerStateManager.truncateAndReload)", off, leo)))
			rep.finish()
		}
	}
	if k.snapOffset < 0 || k.snapRep == nil {
		return
	}
	for _, idx := range k.snapByLast[k.snapCur:] {
		e := k.snap[idx]
		switch {
		case k.snapOffset > leo:
			// A stray snapshot: reported above; its entries may name the
			// lost data.
		case e.LastOffset >= leo:
			k.snapRep.add(newFinding(ReasonSnapshotProducer, SeverityError, -1, -1, e.LastOffset,
				fmt.Sprintf("producer %d: lastOffset %d is at or beyond the log end offset %d", e.ProducerID, e.LastOffset, leo)))
		case k.last >= 0 && e.LastOffset > k.last:
			k.snapRep.add(newFinding(ReasonSnapshotProducer, SeverityWarning, -1, -1, e.LastOffset,
				fmt.Sprintf("producer %d: lastOffset %d falls after the last batch (offset %d) but below the log end offset %d: no batch holds it", e.ProducerID, e.LastOffset, k.last, leo)))
		}
		// Else below the log start: deleted by retention, as expected of
		// a producer that has not written since.
	}
	byID := make(map[int64]state.ProducerEntry, len(k.snap))
	for _, e := range k.snap {
		byID[e.ProducerID] = e
	}
	ids := make([]int64, 0, len(k.producers))
	for id := range k.producers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		pt := k.producers[id]
		if pt.inSnapshot {
			e := byID[id]
			if e.HasBatchMetadata() && pt.lastData > e.LastOffset {
				k.snapRep.add(newFinding(ReasonSnapshotProducer, SeverityError, -1, -1, pt.lastData,
					fmt.Sprintf("producer %d: the snapshot's lastOffset is %d but the log holds a later batch of it at offset %d, below the snapshot offset %d", id, e.LastOffset, pt.lastData, k.snapOffset)))
			}
			continue
		}
		if pt.lastData < 0 {
			continue // only markers, or only batches at or after the snapshot offset
		}
		k.snapRep.add(newFinding(ReasonSnapshotProducerMissing, SeverityWarning, -1, -1, pt.lastData,
			fmt.Sprintf("producer %d wrote offset %d (before the snapshot offset %d) but is absent from the snapshot: Kafka expires producers idle for producer.id.expiration.ms (default 24h), so this is usually benign", id, pt.lastData, k.snapOffset)))
	}
	k.snapRep.finish()
}
