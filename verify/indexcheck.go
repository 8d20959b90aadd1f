package verify

import (
	"fmt"
	"iter"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
)

// indexMerge checks a segment's offset index against its log in the same
// pass: the index's entries (sorted by position in a sane index) are walked
// alongside the batches, so no per-batch state is kept.
//
// An entry (O, P) is judged by what a lookup does with it (kafka
// OffsetIndex.lookup + LogSegment.translateOffset: start scanning at P for
// the first batch with lastOffset >= target):
//   - correct: P is a batch start and O is that batch's last offset (the
//     rebuild rule);
//   - harmless: P is a batch start and O is above the previous batch's last
//     offset, e.g. the last offset of a whole append (before KAFKA-806,
//     LogSegment.append indexes an append once: an uncompressed magic 0/1
//     message set or a multi-batch follower append): lookups still land at
//     or before the right batch;
//   - harmful: P is not a batch start (middle of a batch, a bad range, or
//     past the end of the log), or O <= the previous batch's last offset
//     (a lookup for O would start after the batch holding it), or the index
//     fails the broker's sanity rules (unsorted entries break the search).
type indexMerge struct {
	seg     *segment.Segment
	logSize int64
	active  bool

	ixFile *os.File
	ix     *index.OffsetIndex
	next   func() (index.OffsetPosition, error, bool)
	stop   func()
	cur    index.OffsetPosition
	have   bool
	ixRep  *fileReporter
	err    error

	harmful  int64
	harmless int64

	tiFile *os.File
	ti     *index.TimeIndex
}

func openIndexes(s *segment.Segment, logSize int64) (*indexMerge, error) {
	m := &indexMerge{seg: s, logSize: logSize}
	if s.Index != "" {
		f, err := os.Open(s.Index)
		if err != nil {
			return nil, fmt.Errorf("kseg/verify: %w", err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("kseg/verify: %w", err)
		}
		m.ixFile = f
		m.ix = index.NewOffsetIndex(f, st.Size(), s.BaseOffset)
	}
	if s.TimeIndex != "" {
		f, err := os.Open(s.TimeIndex)
		if err != nil {
			m.close()
			return nil, fmt.Errorf("kseg/verify: %w", err)
		}
		st, err := f.Stat()
		if err != nil {
			f.Close()
			m.close()
			return nil, fmt.Errorf("kseg/verify: %w", err)
		}
		m.tiFile = f
		m.ti = index.NewTimeIndex(f, st.Size(), s.BaseOffset)
	}
	return m, nil
}

func (m *indexMerge) close() {
	if m.stop != nil {
		m.stop()
		m.stop = nil
	}
	if m.ixFile != nil {
		m.ixFile.Close()
	}
	if m.tiFile != nil {
		m.tiFile.Close()
	}
}

// start begins the walk over the index entries; called lazily so that a
// corrupt index (CorruptIndexError) is reported, not fatal.
func (m *indexMerge) start(rep *fileReporter) {
	if m.ix == nil || m.next != nil || m.err != nil {
		return
	}
	m.ixRep = rep
	var seq iter.Seq2[index.OffsetPosition, error] = m.ix.All()
	m.next, m.stop = iter.Pull2(seq)
	m.advance()
}

func (m *indexMerge) advance() {
	e, err, ok := m.next()
	if !ok || err != nil {
		if err != nil && m.err == nil {
			m.err = err
		}
		m.have = false
		return
	}
	m.cur, m.have = e, true
}

func (m *indexMerge) harm(detail string) {
	m.harmful++
	m.ixRep.add(newFinding(ReasonIndexHarmful, SeverityError, -1, -1, m.cur.Offset,
		fmt.Sprintf("entry (offset %d, position %d): %s", m.cur.Offset, m.cur.Position, detail)))
}

// observe sees a usable batch; prevLast is the last offset before it.
func (m *indexMerge) observe(b *format.Batch, prevLast int64) {
	if m.ix == nil || m.err != nil {
		return
	}
	for m.have && int64(m.cur.Position) < b.Position {
		m.harm(fmt.Sprintf("position is not the start of a batch (the batch before position %d covers it)", b.Position))
		m.advance()
	}
	for m.have && int64(m.cur.Position) == b.Position {
		switch segment.JudgeOffsetEntry(m.cur.Offset, b.LastOffset(), prevLast) {
		case segment.Harmful:
			m.harm(fmt.Sprintf("offset is not above the previous batch's last offset %d: lookups for it would skip that batch", prevLast))
		case segment.Harmless:
			m.harmless++
		}
		m.advance()
	}
}

// observeBad sees a framed but unusable batch (CRC mismatch, regression):
// an entry pointing at its start is the log's problem, not the index's.
func (m *indexMerge) observeBad(b *format.Batch) {
	if m.ix == nil || m.err != nil {
		return
	}
	for m.have && int64(m.cur.Position) < b.Position {
		m.harm("position is not the start of a batch")
		m.advance()
	}
	for m.have && int64(m.cur.Position) == b.Position {
		m.advance()
	}
}

// finish reports the index findings of the segment and sets its statuses.
func (m *indexMerge) finish(sc *segmentScan, sr *SegmentResult) {
	c, part := sc.c, sc.rep.part
	if m.ix == nil {
		sr.Index = IndexMissing
		sc.rep.add(newFinding(ReasonIndexMissing, SeverityInfo, -1, -1, -1,
			"no .index: the broker rebuilds it at startup (LogLoader); `kseg repair` can rebuild it offline"))
	} else {
		rep := m.ixRep
		if rep == nil {
			rep = c.reporter(part, sr, m.seg.Index)
			m.ixRep = rep
		}
		if m.next == nil && m.err == nil {
			m.start(rep)
		}
		for m.have {
			if int64(m.cur.Position) >= m.logSize {
				m.harm(fmt.Sprintf("position is at or past the end of the log (%d bytes)", m.logSize))
			} else {
				m.harm("position is not the start of a usable batch")
			}
			m.advance()
		}
		sanity, err := m.ix.SanityCheck()
		if err == nil && m.err == nil {
			for _, f := range sanity {
				m.harmful++
				rep.add(Finding{Position: f.Position, End: -1, Offset: f.Offset, Reason: ReasonIndexHarmful, Severity: SeverityError,
					Detail: f.Kind.String() + ": " + f.Detail, NextValidPosition: -1, NextValidOffset: -1})
			}
		} else if err != nil || m.err != nil {
			if err == nil {
				err = m.err
			}
			m.harmful++
			rep.add(newFinding(ReasonIndexHarmful, SeverityError, -1, -1, -1, "unreadable index: "+err.Error()))
		}
		sr.Index = m.status(rep, sr.Active, m.ixTail())
		rep.finish()
	}
	if m.ti == nil {
		sr.TimeIndex = IndexMissing
		if !sr.Active && sr.MaxTimestamp >= 0 {
			sc.rep.add(newFinding(ReasonTimeIndexMissing, SeverityWarning, -1, -1, -1,
				"no .timeindex in a segment holding timestamps: the broker creates it empty (and fills it only when it recovers the segment); "+emptyTimeIndexHarm))
			return
		}
		sc.rep.add(newFinding(ReasonTimeIndexMissing, SeverityInfo, -1, -1, -1,
			"no .timeindex: the broker creates it empty (and fills it only when it recovers the segment)"))
		return
	}
	rep := c.reporter(part, sr, m.seg.TimeIndex)
	var harmful int64
	sanity, err := m.ti.SanityCheck()
	if err != nil {
		harmful++
		rep.add(newFinding(ReasonTimeIndexHarmful, SeverityError, -1, -1, -1, "unreadable time index: "+err.Error()))
	}
	for _, f := range sanity {
		harmful++
		rep.add(Finding{Position: f.Position, End: -1, Offset: f.Offset, Reason: ReasonTimeIndexHarmful, Severity: SeverityError,
			Detail: f.Kind.String() + ": " + f.Detail, NextValidPosition: -1, NextValidOffset: -1})
	}
	n, tail, terr := m.ti.ValidEntries()
	if err == nil && terr == nil && n > 0 {
		last, lerr := m.ti.LastEntry()
		if lerr == nil && (sr.LastOffset < 0 || last.Offset > sr.LastOffset) {
			harmful++
			rep.add(newFinding(ReasonTimeIndexHarmful, SeverityError, int64(n-1)*index.TimeIndexEntrySize, -1, last.Offset,
				fmt.Sprintf("last entry (timestamp %d, offset %d) points past the log's last usable offset %d", last.Timestamp, last.Offset, sr.LastOffset)))
		}
	}
	switch {
	case harmful > 0:
		sr.TimeIndex = IndexHarmful
	case err == nil && terr == nil && n == 0 && !sr.Active && sr.MaxTimestamp >= 0 && tail.Bytes == 0:
		sr.TimeIndex = IndexHarmful
		rep.add(newFinding(ReasonTimeIndexHarmful, SeverityWarning, -1, -1, -1,
			"empty time index in a segment holding timestamps: "+emptyTimeIndexHarm))
	case terr == nil && tail.Kind == index.ZeroedTail && tail.Bytes > 0 && !sr.Active:
		sr.TimeIndex = IndexZeroTail
		rep.add(newFinding(ReasonIndexZeroTail, SeverityError, int64(n)*index.TimeIndexEntrySize, m.ti.Size(), -1,
			fmt.Sprintf("%d zero bytes after %d entries in a non-active segment: the broker counts them as entries (KAFKA-19200)", tail.Bytes, n)))
	case terr == nil && tail.Kind == index.ZeroedTail && tail.Bytes > 0:
		sr.TimeIndex = IndexPreallocated
	default:
		sr.TimeIndex = IndexOK
	}
	rep.finish()
}

func (m *indexMerge) ixTail() index.TailState {
	_, tail, err := m.ix.ValidEntries()
	if err != nil {
		return index.TailState{}
	}
	return tail
}

func (m *indexMerge) status(rep *fileReporter, active bool, tail index.TailState) IndexStatus {
	n, _, _ := m.ix.ValidEntries()
	switch {
	case m.harmful > 0:
		return IndexHarmful
	case tail.Kind == index.ZeroedTail && tail.Bytes > 0 && !active:
		rep.add(newFinding(ReasonIndexZeroTail, SeverityError, int64(n)*index.OffsetIndexEntrySize, m.ix.Size(), -1,
			fmt.Sprintf("%d zero bytes after %d entries in a non-active segment: the broker counts every slot as an entry", tail.Bytes, n)))
		return IndexZeroTail
	case m.harmless > 0:
		rep.add(newFinding(ReasonIndexHarmless, SeverityInfo, -1, -1, -1,
			fmt.Sprintf("%d entries name a later offset than their batch's last offset: the broker indexed a whole append at once, as brokers before KAFKA-806 do: normal for an uncompressed magic 0/1 message set or a multi-batch follower append; lookups still land at or before the right batch", m.harmless)))
		return IndexHarmless
	case tail.Kind == index.ZeroedTail && tail.Bytes > 0:
		return IndexPreallocated
	}
	return IndexOK
}

// indexPaths returns the .index and .timeindex paths of a segment's .log.
func indexPaths(logPath string) (string, string) {
	dir := filepath.Dir(logPath)
	base, _, _ := segment.ParseFileName(filepath.Base(logPath))
	return filepath.Join(dir, segment.FileName(base, segment.IndexSuffix)), filepath.Join(dir, segment.FileName(base, segment.TimeIndexSuffix))
}

// emptyTimeIndexHarm is what an empty time index (or a missing one, which
// the broker creates empty) of a segment that is not the last one does: the
// segment's largest timestamp becomes the file's mtime
// (LogSegment.largestTimestamp), so UnifiedLog.fetchOffsetByTimestamp can
// pick this segment and answer no offset though later segments hold the
// timestamp, and retention.ms follows the mtime.
const emptyTimeIndexHarm = "the broker then takes the segment's largest timestamp from the file's mtime (LogSegment.largestTimestamp): a ListOffsets by timestamp can stop at this segment and answer no offset, and retention.ms follows the mtime"
