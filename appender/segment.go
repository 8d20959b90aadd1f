package appender

import (
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// Positions inside encoded entries. Part of the format, never change
// (DefaultRecordBatch.java, LegacyRecord.java).
const (
	v2CRCPos           = 17
	v2AttributesPos    = 21
	v2MaxTimestampPos  = 35
	legacyCRCPos       = 12
	legacyTimestampPos = 18
)

// pendingIndexBytes is how many bytes of index entries a segment buffers
// before writing them. Entries are written after the batches they point at,
// so buffering only makes the on-disk index lag; it saves two small writes
// per indexed batch.
const pendingIndexBytes = 4096

func crc32IEEE(b []byte) uint32 { return crc32.ChecksumIEEE(b) }

func isEOF(err error) bool { return err == io.EOF }

// activeSegment is the segment being appended to, with the in-memory state
// LogSegment keeps for it.
type activeSegment struct {
	dir        string
	baseOffset int64
	nextOffset int64

	log       *os.File
	index     *os.File
	timeIndex *os.File
	txnIndex  *os.File // opened on the first aborted transaction
	size      int64    // bytes in the .log

	indexEntries int // entries written or pending
	timeEntries  int
	lastTime     index.TimestampOffset // last time-index entry, (-1, base) if none

	bytesSinceLastIndexEntry int64
	maxTimestamp             int64
	offsetOfMaxTimestamp     int64

	pendingIndex []byte
	pendingTime  []byte
	dirty        bool // written since the last fsync
}

func (s *activeSegment) path(suffix string) string {
	return filepath.Join(s.dir, segment.FileName(s.baseOffset, suffix))
}

func newActive(dir string, base int64) *activeSegment {
	return &activeSegment{dir: dir, baseOffset: base, nextOffset: base,
		lastTime:     index.TimestampOffset{Timestamp: index.NoTimestamp, Offset: base},
		maxTimestamp: format.NoTimestamp, offsetOfMaxTimestamp: base}
}

// createSegment creates <base>.log, then its two indexes, empty. The .log
// must not exist; an index without a .log is an orphan (Kafka deletes those
// at load) and is truncated.
func createSegment(dir string, base int64, o *Options) (*activeSegment, error) {
	s := newActive(dir, base)
	var err error
	if s.log, err = os.OpenFile(s.path(segment.LogSuffix), os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644); err != nil {
		return nil, fmt.Errorf("kseg/appender: create segment: %w", err)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC | os.O_APPEND
	if s.index, err = os.OpenFile(s.path(segment.IndexSuffix), flags, 0o644); err == nil {
		s.timeIndex, err = os.OpenFile(s.path(segment.TimeIndexSuffix), flags, 0o644)
	}
	if err != nil {
		s.closeFiles()
		return nil, fmt.Errorf("kseg/appender: create segment: %w", err)
	}
	s.dirty = true
	return s, nil
}

// openSegment opens an existing active segment for appending. It reads every
// batch (CRC-checked) to find the log end offset, the max timestamp and the
// ongoing transactions, refuses a torn tail or corruption, and checks the
// indexes: a zero-filled preallocated tail is trimmed as Kafka does on close,
// a missing index is rebuilt with the recovery rule, anything else that is
// wrong is left to `kseg repair`.
func openSegment(seg *segment.Segment, o *Options, dec *format.RecordDecoder) (_ *activeSegment, _ []openTxn, err error) {
	s := newActive(seg.Dir, seg.BaseOffset)
	defer func() {
		if err != nil {
			s.closeFiles()
		}
	}()
	name := seg.Name()
	if s.log, err = os.OpenFile(seg.Log, os.O_RDWR, 0); err != nil {
		return nil, nil, fmt.Errorf("kseg/appender: %w", err)
	}
	fi, err := s.log.Stat()
	if err != nil {
		return nil, nil, fmt.Errorf("kseg/appender: %w", err)
	}
	s.size = fi.Size()
	if s.size > math.MaxInt32 {
		return nil, nil, needsRepair(name, "%d bytes is beyond what int32 index positions can address", s.size)
	}
	rebuild := index.NewBuilder(seg.BaseOffset, o.IndexIntervalBytes)
	w := &Writer{decoder: dec} // only for trackTxn's ongoing list
	r := format.NewBatchReader(s.log, s.size, format.ReaderOptions{File: name})
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		var te *format.TruncatedError
		var ce *format.CorruptionError
		switch {
		case errors.As(err, &te):
			return nil, nil, needsRepair(name, "torn tail: %d bytes at position %d (%s) do not form a batch", te.Bytes, te.Position, te.Kind)
		case errors.As(err, &ce):
			return nil, nil, needsRepair(name, "%v", ce)
		case err != nil:
			return nil, nil, fmt.Errorf("kseg/appender: %w", err)
		}
		if !b.Valid {
			return nil, nil, needsRepair(name, "CRC mismatch in the batch at position %d (offset %d)", b.Position, b.BaseOffset)
		}
		last := b.LastOffset()
		if last < s.nextOffset {
			return nil, nil, needsRepair(name, "offset %d at position %d is below the previous batch's next offset %d", last, b.Position, s.nextOffset)
		}
		if last-s.baseOffset > math.MaxInt32 {
			return nil, nil, needsRepair(name, "offset %d at position %d overflows the segment's relative offsets", last, b.Position)
		}
		s.nextOffset = last + 1
		if b.MaxTimestamp > s.maxTimestamp {
			s.maxTimestamp, s.offsetOfMaxTimestamp = b.MaxTimestamp, last
		}
		rebuild.Add(b.Position, last, b.MaxTimestamp, b.Size())
		if b.Magic >= 2 && b.ProducerID >= 0 && b.IsTransactional() {
			raw := append([]byte(nil), b.Raw...) // b.Raw is the reader's; trackTxn may decode it
			if err := w.trackTxn(b, raw, b.BaseOffset, last, false); err != nil {
				return nil, nil, err
			}
		}
	}
	if err := s.openIndexes(seg, rebuild, o); err != nil {
		return nil, nil, err
	}
	if seg.TxnIndex != "" {
		if err := s.checkTxnIndex(seg.TxnIndex); err != nil {
			return nil, nil, err
		}
	}
	return s, w.ongoing, nil
}

// openIndexes checks (or rebuilds) both indexes of an existing segment and
// opens them for appending.
func (s *activeSegment) openIndexes(seg *segment.Segment, rebuild *index.Builder, o *Options) error {
	offsetIdx, timeIdx := rebuild.Finish()
	if seg.Index == "" || seg.TimeIndex == "" {
		// Kafka rebuilds a segment whose .index is missing (LogLoader); a
		// missing .timeindex alone it recreates empty. We rebuild whichever
		// is missing with the recovery rule, writing entries after the log
		// they describe.
		if err := rebuild.Err(); err != nil {
			return needsRepair(seg.Name(), "cannot rebuild its indexes: %v", err)
		}
		for _, f := range []struct {
			path, suffix string
			data         []byte
		}{{seg.Index, segment.IndexSuffix, offsetIdx}, {seg.TimeIndex, segment.TimeIndexSuffix, timeIdx}} {
			if f.path != "" {
				continue
			}
			if err := os.WriteFile(s.path(f.suffix), f.data, 0o644); err != nil {
				return fmt.Errorf("kseg/appender: %w", err)
			}
			s.dirty = true
		}
	}
	var err error
	if s.index, err = s.openIndex(segment.IndexSuffix, offsetIndexEntrySize); err != nil {
		return err
	}
	if s.timeIndex, err = s.openIndex(segment.TimeIndexSuffix, timeIndexEntrySize); err != nil {
		return err
	}
	return s.checkIndexes()
}

// openIndex opens an index for appending, trimming a zero-filled tail left by
// a broker's preallocation (what AbstractIndex.trimToValidSize does on close).
func (s *activeSegment) openIndex(suffix string, entrySize int) (*os.File, error) {
	path := s.path(suffix)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND, 0)
	if err != nil {
		return nil, fmt.Errorf("kseg/appender: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("kseg/appender: %w", err)
	}
	var n int
	var tail index.TailState
	var findings []index.Finding
	if entrySize == offsetIndexEntrySize {
		x := index.NewOffsetIndex(f, fi.Size(), s.baseOffset)
		if n, tail, err = x.ValidEntries(); err == nil {
			findings, err = x.SanityCheck()
		}
		if err == nil && len(findings) == 0 {
			var more []index.Finding
			more, err = x.CheckPositionsWithin(s.size)
			findings = append(findings, more...)
		}
	} else {
		x := index.NewTimeIndex(f, fi.Size(), s.baseOffset)
		if n, tail, err = x.ValidEntries(); err == nil {
			findings, err = x.SanityCheck()
		}
	}
	if err == nil && len(findings) > 0 {
		err = needsRepair(filepath.Base(path), "%v", findings[0])
	}
	if err == nil && tail.Kind != index.NoTail && tail.Kind != index.ZeroedTail {
		err = needsRepair(filepath.Base(path), "unexpected bytes after its %d entries", n)
	}
	if err == nil && tail.Bytes > 0 {
		if tail.PartialEntry() && tail.Kind == index.NoTail {
			err = needsRepair(filepath.Base(path), "ends in a partial entry (%d bytes)", tail.PartialBytes)
		} else {
			err = f.Truncate(int64(n * entrySize))
		}
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	if entrySize == offsetIndexEntrySize {
		s.indexEntries = n
	} else {
		s.timeEntries = n
	}
	return f, nil
}

// checkIndexes checks that the last entries describe batches that exist.
func (s *activeSegment) checkIndexes() error {
	if s.indexEntries > 0 {
		var buf [offsetIndexEntrySize]byte
		if _, err := s.index.ReadAt(buf[:], int64(s.indexEntries-1)*offsetIndexEntrySize); err != nil {
			return fmt.Errorf("kseg/appender: %w", err)
		}
		x := index.NewOffsetIndex(bytesReaderAt(buf[:]), offsetIndexEntrySize, s.baseOffset)
		e, err := x.Entry(0)
		if err != nil {
			return err
		}
		if e.Offset >= s.nextOffset {
			return needsRepair(segment.FileName(s.baseOffset, segment.IndexSuffix), "last entry's offset %d is past the log end offset %d", e.Offset, s.nextOffset)
		}
	}
	if s.timeEntries > 0 {
		var buf [timeIndexEntrySize]byte
		if _, err := s.timeIndex.ReadAt(buf[:], int64(s.timeEntries-1)*timeIndexEntrySize); err != nil {
			return fmt.Errorf("kseg/appender: %w", err)
		}
		x := index.NewTimeIndex(bytesReaderAt(buf[:]), timeIndexEntrySize, s.baseOffset)
		e, err := x.Entry(0)
		if err != nil {
			return err
		}
		if e.Offset >= s.nextOffset || e.Timestamp > s.maxTimestamp {
			return needsRepair(segment.FileName(s.baseOffset, segment.TimeIndexSuffix),
				"last entry (%d, %d) is past the log (end offset %d, max timestamp %d)", e.Timestamp, e.Offset, s.nextOffset, s.maxTimestamp)
		}
		s.lastTime = e
	}
	return nil
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, pos int64) (int, error) {
	if pos >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[pos:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (s *activeSegment) checkTxnIndex(path string) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("kseg/appender: %w", err)
	}
	entries, tail, err := state.DecodeTxnIndex(b)
	if err != nil {
		return needsRepair(filepath.Base(path), "%v", err)
	}
	if tail != 0 {
		return needsRepair(filepath.Base(path), "ends in a partial entry (%d bytes)", tail)
	}
	if n := len(entries); n > 0 && entries[n-1].LastOffset >= s.nextOffset {
		return needsRepair(filepath.Base(path), "last aborted transaction ends at %d, past the log end offset %d", entries[n-1].LastOffset, s.nextOffset)
	}
	return nil
}

// shouldRoll is LogSegment.shouldRoll without segment.ms: the batch would
// take the segment past SegmentBytes, an index is full (the time index keeps
// one slot for the final entry), or the batch's last offset does not fit the
// relative offsets. An empty segment never rolls.
func (s *activeSegment) shouldRoll(batchSize, lastOffset int64, o *Options) bool {
	if s.size == 0 {
		return false
	}
	return s.size > o.SegmentBytes-batchSize ||
		s.indexEntries >= o.MaxIndexSize/offsetIndexEntrySize ||
		s.timeEntries >= o.MaxIndexSize/timeIndexEntrySize-1 ||
		lastOffset-s.baseOffset > math.MaxInt32
}

// writeLog appends b to the .log and returns its position. On a failed or
// short write it cuts the partial batch off again, so the segment never keeps
// a torn tail it wrote itself (unless that cut fails too).
func (s *activeSegment) writeLog(b []byte) (int64, error) {
	pos := s.size
	if pos+int64(len(b)) > math.MaxInt32 {
		return 0, fmt.Errorf("%w: a %d-byte batch does not fit the segment's int32 positions", ErrInvalidBatch, len(b))
	}
	if _, err := s.log.WriteAt(b, pos); err != nil {
		err = fmt.Errorf("kseg/appender: write %s: %w", s.path(segment.LogSuffix), err)
		if terr := s.log.Truncate(pos); terr != nil {
			err = errors.Join(err, fmt.Errorf("kseg/appender: could not cut the partial batch (run 'kseg repair'): %w", terr))
		}
		return 0, err
	}
	s.size += int64(len(b))
	s.dirty = true
	return pos, nil
}

// onAppend is the index part of LogSegment.append for one batch at pos.
func (s *activeSegment) onAppend(pos, lastOffset, maxTimestamp, size int64, o *Options) {
	if maxTimestamp > s.maxTimestamp {
		s.maxTimestamp, s.offsetOfMaxTimestamp = maxTimestamp, lastOffset
	}
	if s.bytesSinceLastIndexEntry > int64(o.IndexIntervalBytes) {
		// Offsets increase and positions fit int32 (checked), so neither
		// encoder can fail here.
		s.pendingIndex, _ = index.AppendOffsetEntry(s.pendingIndex, s.baseOffset, index.OffsetPosition{Offset: lastOffset, Position: int32(pos)})
		s.indexEntries++
		s.maybeAppendTime(s.maxTimestamp, s.offsetOfMaxTimestamp)
		s.bytesSinceLastIndexEntry = 0
	}
	s.bytesSinceLastIndexEntry += size
}

// maybeAppendTime is TimeIndex.maybeAppend: only a timestamp above the last
// entry's is appended.
func (s *activeSegment) maybeAppendTime(ts, offset int64) {
	if ts > s.lastTime.Timestamp && offset >= s.lastTime.Offset {
		e := index.TimestampOffset{Timestamp: ts, Offset: offset}
		s.pendingTime, _ = index.AppendTimeEntry(s.pendingTime, s.baseOffset, e)
		s.timeEntries++
		s.lastTime = e
	}
}

// flushIndexes writes the buffered index entries.
func (s *activeSegment) flushIndexes() error {
	if len(s.pendingIndex) > 0 {
		if _, err := s.index.Write(s.pendingIndex); err != nil {
			return fmt.Errorf("kseg/appender: write %s: %w", s.index.Name(), err)
		}
		s.pendingIndex = s.pendingIndex[:0]
		s.dirty = true
	}
	if len(s.pendingTime) > 0 {
		if _, err := s.timeIndex.Write(s.pendingTime); err != nil {
			return fmt.Errorf("kseg/appender: write %s: %w", s.timeIndex.Name(), err)
		}
		s.pendingTime = s.pendingTime[:0]
		s.dirty = true
	}
	return nil
}

// appendAbortedTxn writes one .txnindex entry, creating the file on first use
// as TransactionIndex does.
func (s *activeSegment) appendAbortedTxn(e state.AbortedTxn) error {
	if s.txnIndex == nil {
		f, err := os.OpenFile(s.path(segment.TxnIndexSuffix), os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
		if err != nil {
			return fmt.Errorf("kseg/appender: %w", err)
		}
		s.txnIndex = f
	}
	if _, err := s.txnIndex.Write(state.AppendAbortedTxn(nil, e)); err != nil {
		return fmt.Errorf("kseg/appender: write %s: %w", s.txnIndex.Name(), err)
	}
	s.dirty = true
	return nil
}

// sync writes pending index entries and fsyncs the segment's files, the .log
// first.
func (s *activeSegment) sync() error {
	if err := s.flushIndexes(); err != nil {
		return err
	}
	if !s.dirty {
		return nil
	}
	for _, f := range []*os.File{s.log, s.index, s.timeIndex, s.txnIndex} {
		if f == nil {
			continue
		}
		if err := f.Sync(); err != nil {
			return fmt.Errorf("kseg/appender: fsync %s: %w", f.Name(), err)
		}
	}
	s.dirty = false
	return nil
}

// close is LogSegment.onBecomeInactiveSegment + close: the final time-index
// entry (skipFullCheck), pending entries written, fsync when asked, files
// closed. Our indexes are never preallocated, so there is nothing to trim.
func (s *activeSegment) close(fsync bool) error {
	s.maybeAppendTime(s.maxTimestamp, s.offsetOfMaxTimestamp)
	var err error
	if fsync {
		err = s.sync()
	} else {
		err = s.flushIndexes()
	}
	return errors.Join(err, s.closeFiles())
}

func (s *activeSegment) closeFiles() error {
	var err error
	for _, f := range []**os.File{&s.log, &s.index, &s.timeIndex, &s.txnIndex} {
		if *f != nil {
			if cerr := (*f).Close(); cerr != nil && !errors.Is(cerr, fs.ErrClosed) {
				err = errors.Join(err, cerr)
			}
			*f = nil
		}
	}
	return err
}
