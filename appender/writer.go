package appender

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// Writer appends batches to one partition directory, assigning offsets and
// maintaining the segment files as a broker does (see the package doc).
//
// A Writer holds the log directory's lock (unless Options.LockHeld) from Open
// to Close, so no broker and no other writer can touch the log dir meanwhile.
// Its methods are safe for concurrent use; appends are serialised by a mutex.
// After a failed write to the .log the Writer refuses further appends (the
// error is sticky) but Close still releases everything.
type Writer struct {
	mu sync.Mutex

	dir       string
	logDir    string
	topic     string
	partition int32
	opts      Options
	release   func() error
	topicID   state.UUID
	created   bool

	seg        *activeSegment
	nextOffset int64
	epoch      int32
	epochs     []state.EpochEntry
	ongoing    []openTxn // ongoing transactions in first-offset order (ProducerStateManager.ongoingTxns)
	producers  *producerState
	rolled     int
	err        error // sticky write failure
	closed     bool
	decoder    *format.RecordDecoder
}

// openTxn is a transaction whose first batch has been seen but not its marker.
type openTxn struct {
	producerID  int64
	firstOffset int64
}

// OpenTopicPartition opens or creates <logDir>/<topic>-<partition>. The topic
// name must be legal for Kafka and logDir must exist.
func OpenTopicPartition(logDir, topic string, partition int32, o Options) (*Writer, error) {
	if !segment.ValidTopicName(topic) {
		return nil, fmt.Errorf("kseg/appender: illegal topic name %q (Kafka allows [a-zA-Z0-9._-], 1 to 249 characters)", topic)
	}
	if partition < 0 {
		return nil, fmt.Errorf("kseg/appender: negative partition %d", partition)
	}
	return Open(filepath.Join(logDir, segment.PartitionDirName(topic, partition)), o)
}

// Open opens the partition directory dir (<logdir>/<topic>-<partition>),
// creating it if it does not exist (its parent, the log dir, must exist). For
// an existing partition it continues at the log end offset after checking the
// active segment: a torn tail, a CRC mismatch or indexes pointing past the log
// return an error wrapping ErrNeedsRepair. A lock held by a broker or another
// writer returns an error wrapping fsutil.ErrLocked.
func Open(dir string, o Options) (*Writer, error) {
	if err := o.setDefaults(); err != nil {
		return nil, err
	}
	dir = filepath.Clean(dir)
	topic, partition, kind, ok := segment.ParsePartitionDir(filepath.Base(dir))
	if !ok || kind != segment.DirPartition {
		return nil, fmt.Errorf("kseg/appender: %s: not a partition directory name (want <topic>-<partition>)", dir)
	}
	w := &Writer{dir: dir, logDir: filepath.Dir(dir), topic: topic, partition: partition, opts: o,
		decoder: format.NewRecordDecoder(format.DecoderOptions{})}
	if fi, err := os.Stat(w.logDir); err != nil {
		return nil, fmt.Errorf("kseg/appender: log dir: %w", err)
	} else if !fi.IsDir() {
		return nil, fmt.Errorf("kseg/appender: log dir %s is not a directory", w.logDir)
	}
	if !o.LockHeld {
		var err error
		if w.release, err = fsutil.AcquireLock(w.logDir); err != nil {
			return nil, err
		}
	}
	done := false
	defer func() {
		if !done {
			w.abandon()
		}
	}()
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		if err := w.create(); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, fmt.Errorf("kseg/appender: %w", err)
	case !fi.IsDir():
		return nil, fmt.Errorf("kseg/appender: %s is not a directory", dir)
	default:
		if err := w.load(); err != nil {
			return nil, err
		}
	}
	done = true
	return w, nil
}

// create makes a new partition directory: partition.metadata, then the first
// segment, then fsyncs the log dir so the partition itself survives a crash.
func (w *Writer) create() error {
	if err := os.Mkdir(w.dir, 0o755); err != nil {
		return fmt.Errorf("kseg/appender: %w", err)
	}
	w.created = true
	w.topicID = w.opts.TopicID
	if w.topicID.IsZero() {
		w.topicID = randomTopicID()
	}
	md := state.AppendPartitionMetadata(nil, state.PartitionMetadata{Version: 0, TopicID: w.topicID})
	if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, filepath.Join(w.dir, PartitionMetadataFile), md, 0o644); err != nil {
		return err
	}
	w.epoch = w.opts.LeaderEpoch
	if w.epoch == UseLatestLeaderEpoch {
		w.epoch = 0
	}
	seg, err := createSegment(w.dir, 0, &w.opts)
	if err != nil {
		return err
	}
	w.seg = seg
	w.producers = newProducerState(0)
	if w.opts.Fsync != FsyncNever {
		if err := fsutil.SyncDir(w.logDir); err != nil {
			return err
		}
	}
	return nil
}

// randomTopicID is Kafka's Uuid.randomUuid: a version-4 UUID that is neither
// zero nor the metadata topic's id (1) and whose base64 form does not start
// with '-' (it would look like a command-line flag).
func randomTopicID() state.UUID {
	for {
		var u state.UUID
		_, _ = rand.Read(u[:]) // crypto/rand.Read never fails on Linux
		u[6] = u[6]&0x0f | 0x40
		u[8] = u[8]&0x3f | 0x80
		if s := u.String(); s[0] != '-' {
			return u
		}
	}
}

// load reads an existing partition: partition.metadata, the leader epochs,
// and the active segment.
func (w *Writer) load() error {
	if err := w.loadMetadata(); err != nil {
		return err
	}
	p, err := segment.OpenPartition(w.dir)
	if err != nil {
		return err
	}
	for _, l := range p.Leftovers {
		switch l.Kind {
		case "swap", "cleaned", "kseg-tmp":
			return needsRepair(filepath.Base(l.Path), "leftover %s file from an interrupted compaction or repair", l.Kind)
		}
	}
	if active := p.ActiveSegment(); active == nil {
		// Kafka would create an empty segment at the log start offset; we have
		// no checkpoint to read it from here, so an empty partition starts at 0.
		w.seg, err = createSegment(w.dir, 0, &w.opts)
		if err == nil && w.opts.Fsync != FsyncNever {
			err = fsutil.SyncDir(w.dir)
		}
	} else {
		var txns []openTxn
		w.seg, txns, err = openSegment(active, &w.opts, w.decoder)
		w.ongoing = txns
	}
	if err != nil {
		return err
	}
	w.nextOffset = w.seg.nextOffset
	if err := w.loadProducers(p); err != nil {
		return err
	}
	return w.loadEpochs()
}

func (w *Writer) loadMetadata() error {
	path := filepath.Join(w.dir, PartitionMetadataFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kseg/appender: %w", err)
	}
	md, err := state.DecodePartitionMetadata(b, path)
	if err != nil {
		return needsRepair(PartitionMetadataFile, "%v", err)
	}
	if !w.opts.TopicID.IsZero() && md.TopicID != w.opts.TopicID {
		return fmt.Errorf("%w: %s holds %s, not %s", ErrTopicIDMismatch, path, md.TopicID, w.opts.TopicID)
	}
	w.topicID = md.TopicID
	return nil
}

// loadEpochs reads leader-epoch-checkpoint, drops entries at or past the log
// end as LogLoader does (leaderEpochCache.truncateFromEnd), and settles the
// epoch to stamp.
func (w *Writer) loadEpochs() error {
	path := filepath.Join(w.dir, LeaderEpochCheckpointFile)
	b, err := os.ReadFile(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("kseg/appender: %w", err)
	default:
		c, err := state.DecodeLeaderEpochCheckpoint(b, path)
		if err != nil {
			return needsRepair(LeaderEpochCheckpointFile, "%v", err)
		}
		for _, e := range c.Entries {
			if e.StartOffset < w.nextOffset || len(w.epochs) == 0 && e.StartOffset == w.nextOffset {
				w.epochs = append(w.epochs, e)
			}
		}
	}
	latest := int32(-1)
	if n := len(w.epochs); n > 0 {
		latest = w.epochs[n-1].Epoch
	}
	w.epoch = w.opts.LeaderEpoch
	if w.epoch == UseLatestLeaderEpoch {
		w.epoch = max(latest, 0)
	}
	if w.epoch < latest {
		return fmt.Errorf("%w: epoch %d < %d in %s", ErrEpochRegression, w.epoch, latest, path)
	}
	return nil
}

// maybeAssignEpoch is LeaderEpochFileCache.assign for the first batch of a
// new epoch: the checkpoint is replaced (atomically) before the batch is
// written, as UnifiedLog assigns the epoch before appending.
func (w *Writer) maybeAssignEpoch(baseOffset int64) error {
	if n := len(w.epochs); n > 0 && w.epochs[n-1].Epoch >= w.epoch {
		return nil
	}
	epochs := append(w.epochs[:len(w.epochs):len(w.epochs)], state.EpochEntry{Epoch: w.epoch, StartOffset: baseOffset})
	b := state.AppendLeaderEpochCheckpoint(nil, epochs)
	if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, filepath.Join(w.dir, LeaderEpochCheckpointFile), b, 0o644); err != nil {
		return err
	}
	w.epochs = epochs
	return nil
}

// Dir is the partition directory.
func (w *Writer) Dir() string { return w.dir }

// Topic is the topic name parsed from the directory name.
func (w *Writer) Topic() string { return w.topic }

// Partition is the partition number parsed from the directory name.
func (w *Writer) Partition() int32 { return w.partition }

// TopicID is the id in partition.metadata (zero if the partition has none).
func (w *Writer) TopicID() state.UUID { return w.topicID }

// Created reports whether Open created the partition directory.
func (w *Writer) Created() bool { return w.created }

// LeaderEpoch is the epoch stamped on v2 batches.
func (w *Writer) LeaderEpoch() int32 { return w.epoch }

// NextOffset is the log end offset: the offset the next appended record gets.
func (w *Writer) NextOffset() int64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.nextOffset
}

// SegmentsRolled is the number of segments this Writer has rolled.
func (w *Writer) SegmentsRolled() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.rolled
}

// Append appends one encoded log entry and returns the offset of its first
// record. batch is modified in place, as a leader does on append:
//
//   - v2: the base offset is rewritten to the log end offset and the
//     partition leader epoch to the Writer's; both lie outside the CRC. A
//     LogAppendTime batch also gets its maxTimestamp set to the Writer's clock
//     and its CRC recomputed (DefaultRecordBatch.setMaxTimestamp).
//   - v0/v1 uncompressed message: its offset is rewritten (outside the CRC).
//   - v1 compressed wrapper: its offset is shifted so the inner (relative)
//     offsets start at the log end offset.
//   - v0 compressed wrapper: inner offsets are absolute and inside the
//     compressed payload, so they must already start at NextOffset();
//     otherwise ErrInvalidBatch. Encode such batches after Open with
//     BaseOffset = NextOffset().
//
// batch must hold exactly one entry with a valid CRC. Append does not retain
// batch after it returns.
func (w *Writer) Append(batch []byte) (baseOffset int64, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return -1, ErrClosed
	}
	if w.err != nil {
		return -1, w.err
	}
	b, err := format.DecodeBatch(batch)
	if err != nil {
		return -1, fmt.Errorf("%w: %v", ErrInvalidBatch, err)
	}
	if b.Size() != int64(len(batch)) {
		return -1, fmt.Errorf("%w: %d bytes hold a %d-byte entry and more (append one batch at a time)", ErrInvalidBatch, len(batch), b.Size())
	}
	if !b.Valid {
		return -1, fmt.Errorf("%w: CRC mismatch: stored %#08x, computed %#08x", ErrInvalidBatch, b.CRC, b.ComputedCRC)
	}
	base := w.nextOffset
	last, maxTs, err := w.assignOffsets(b, batch, base)
	if err != nil {
		return -1, err
	}
	if w.seg.shouldRoll(int64(len(batch)), last, &w.opts) {
		if err := w.roll(); err != nil {
			return -1, err
		}
	}
	if b.Magic >= 2 {
		if err := w.maybeAssignEpoch(base); err != nil {
			return -1, err
		}
	}
	pos, err := w.seg.writeLog(batch)
	if err != nil {
		w.err = err
		return -1, err
	}
	w.nextOffset = last + 1
	w.seg.nextOffset = last + 1
	w.seg.onAppend(pos, last, maxTs, int64(len(batch)), &w.opts)
	w.producers.apply(b, batch, base, last, maxTs, w.decoder)
	if b.Magic >= 2 && b.ProducerID >= 0 && b.IsTransactional() {
		if err := w.trackTxn(b, batch, base, last, true); err != nil {
			w.err = err
			return -1, err
		}
	}
	if w.opts.Fsync == FsyncAlways {
		err = w.seg.sync()
	} else if len(w.seg.pendingIndex)+len(w.seg.pendingTime) >= pendingIndexBytes {
		err = w.seg.flushIndexes()
	}
	if err != nil {
		w.err = err
		return -1, err
	}
	return base, nil
}

// assignOffsets rewrites the offsets of the entry in raw (decoded as b) to
// start at base and returns its last offset and max timestamp.
func (w *Writer) assignOffsets(b *format.Batch, raw []byte, base int64) (last, maxTs int64, err error) {
	if b.Magic >= 2 {
		if b.LastOffsetDelta < 0 {
			return 0, 0, fmt.Errorf("%w: negative lastOffsetDelta %d", ErrInvalidBatch, b.LastOffsetDelta)
		}
		format.SetBaseOffset(raw, base)
		format.SetPartitionLeaderEpoch(raw, w.epoch)
		maxTs = b.MaxTimestamp
		if b.TimestampType() == format.LogAppendTime {
			maxTs = w.opts.Now().UnixMilli()
			binary.BigEndian.PutUint64(raw[v2MaxTimestampPos:], uint64(maxTs))
			binary.BigEndian.PutUint32(raw[v2CRCPos:], format.CRC32C(raw[v2AttributesPos:]))
		}
		return base + int64(b.LastOffsetDelta), maxTs, nil
	}
	maxTs = b.MaxTimestamp
	if b.Magic == 1 && b.TimestampType() == format.LogAppendTime {
		maxTs = w.opts.Now().UnixMilli()
		binary.BigEndian.PutUint64(raw[legacyTimestampPos:], uint64(maxTs))
		binary.BigEndian.PutUint32(raw[legacyCRCPos:], crc32IEEE(raw[format.MagicOffset:]))
	}
	if b.Compression() == format.CompressionNone {
		binary.BigEndian.PutUint64(raw[0:], uint64(base))
		return base, maxTs, nil
	}
	// A compressed wrapper: count the inner messages and check that their
	// offsets are consecutive.
	if err := w.decoder.Reset(b); err != nil {
		return 0, 0, fmt.Errorf("%w: %v", ErrInvalidBatch, err)
	}
	first, prev, n := int64(-1), int64(-1), int64(0)
	for {
		r, err := w.decoder.Next()
		if err != nil {
			if isEOF(err) {
				break
			}
			return 0, 0, fmt.Errorf("%w: %v", ErrInvalidBatch, err)
		}
		if n == 0 {
			first = r.Offset
		} else if r.Offset != prev+1 {
			return 0, 0, fmt.Errorf("%w: inner offsets not consecutive (%d after %d)", ErrInvalidBatch, r.Offset, prev)
		}
		prev = r.Offset
		n++
	}
	if n == 0 {
		return 0, 0, fmt.Errorf("%w: empty compressed wrapper", ErrInvalidBatch)
	}
	if b.Magic == 0 {
		if first != base {
			return 0, 0, fmt.Errorf("%w: magic 0 wrapper holds absolute offsets %d..%d, log end offset is %d", ErrInvalidBatch, first, prev, base)
		}
	} else {
		binary.BigEndian.PutUint64(raw[0:], uint64(b.BaseOffset+base-first))
	}
	return base + n - 1, maxTs, nil
}

// trackTxn follows ProducerStateManager for one transactional v2 batch: the
// first batch of a producer opens a transaction; a COMMIT/ABORT marker closes
// it, and an ABORT is recorded in the .txnindex (when write is set) with
// Kafka's last stable offset: the first offset of the earliest other ongoing
// transaction, else the marker's offset + 1 (lastStableOffset(CompletedTxn)).
func (w *Writer) trackTxn(b *format.Batch, raw []byte, base, last int64, write bool) error {
	pid := b.ProducerID
	i := 0
	for i < len(w.ongoing) && w.ongoing[i].producerID != pid {
		i++
	}
	if !b.IsControl() {
		if i == len(w.ongoing) {
			w.ongoing = append(w.ongoing, openTxn{producerID: pid, firstOffset: base})
		}
		return nil
	}
	ctype, ok := w.markerType(b, raw)
	if !ok {
		return nil
	}
	first := base // the transaction began before what we have seen
	if i < len(w.ongoing) {
		first = w.ongoing[i].firstOffset
		w.ongoing = append(w.ongoing[:i], w.ongoing[i+1:]...)
	}
	if ctype != format.ControlAbort || !write {
		return nil
	}
	lso := last + 1
	if len(w.ongoing) > 0 {
		lso = w.ongoing[0].firstOffset
	}
	return w.seg.appendAbortedTxn(state.AbortedTxn{Version: state.AbortedTxnVersion, ProducerID: pid,
		FirstOffset: first, LastOffset: last, LastStableOffset: lso})
}

// markerType decodes the control record of a transaction marker batch.
func (w *Writer) markerType(b *format.Batch, raw []byte) (format.ControlType, bool) {
	b.Raw = raw
	if err := w.decoder.Reset(b); err != nil {
		return 0, false
	}
	r, err := w.decoder.Next()
	if err != nil {
		return 0, false
	}
	c, err := format.ParseControlRecord(r.Key, r.Value)
	if err != nil || !c.IsMarker() {
		return 0, false
	}
	return c.Type, true
}

// roll closes the active segment (final time-index entry, fsync per policy),
// starts a new one at the log end offset (LocalLog.roll) and takes a
// producer snapshot named by its base offset (UnifiedLog.roll).
func (w *Writer) roll() error {
	if err := w.seg.close(w.opts.Fsync != FsyncNever); err != nil {
		w.err = err
		return err
	}
	seg, err := createSegment(w.dir, w.nextOffset, &w.opts)
	if err == nil && w.opts.Fsync != FsyncNever {
		err = fsutil.SyncDir(w.dir)
	}
	if err != nil {
		w.err = err
		return err
	}
	w.seg = seg
	w.rolled++
	w.producers.lastMap = w.nextOffset
	if err := w.takeSnapshot(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Sync writes buffered index entries and fsyncs the active segment's files.
func (w *Writer) Sync() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if err := w.seg.sync(); err != nil {
		w.err = err
		return err
	}
	return nil
}

// Close writes the final time-index entry of the active segment, fsyncs its
// files (unless FsyncNever), closes them and releases the lock. A second
// Close returns nil.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	var err error
	if w.err == nil {
		// UnifiedLog.close takes a snapshot at the log end offset.
		err = w.takeSnapshot()
	}
	if w.seg != nil {
		err = errors.Join(err, w.seg.close(w.opts.Fsync != FsyncNever))
	}
	if w.release != nil {
		err = errors.Join(err, w.release())
	}
	return err
}

// abandon releases what a failed Open took.
func (w *Writer) abandon() {
	if w.seg != nil {
		w.seg.closeFiles()
	}
	if w.release != nil {
		_ = w.release()
	}
}
