package segment

import (
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
)

// smallWindow is the read window for short header walks (lookups, Fetch
// boundaries): large enough for a batch header, small enough not to copy
// record bytes that sendfile will send.
const smallWindow = 4096

// ErrOffsetOutOfRange reports an offset or timestamp outside the log.
var ErrOffsetOutOfRange = errors.New("kseg/segment: offset out of range")

// ErrUnsupportedForMessageFormat reports a timestamp lookup in a partition
// whose message format has no timestamps (magic 0): a Kafka broker before
// 3.0 answers ListOffsets with UNSUPPORTED_FOR_MESSAGE_FORMAT there
// (Log.scala fetchOffsetByTimestamp checks message.format.version); from 3.0
// the format setting is ignored and the broker finds no offset.
var ErrUnsupportedForMessageFormat = errors.New("kseg/segment: UNSUPPORTED_FOR_MESSAGE_FORMAT (magic 0 has no timestamps; a broker before 3.0 answers this, 3.0 and later find no offset)")

// BatchInfo is a copy of a batch header (safe to keep). Offsets and the
// record count are the records' own: for a magic 0/1 compressed wrapper,
// whose stored offset is its last inner offset, BaseOffset is the first
// inner message's offset and NumRecords the inner message count
// (format.Extent).
type BatchInfo struct {
	Position      int64
	BaseOffset    int64
	LastOffset    int64
	MaxTimestamp  int64
	Size          int64
	Magic         int8
	Compression   format.Compression
	NumRecords    int32
	IsControl     bool
	Transactional bool
	// Exact is false when a legacy wrapper could not be decompressed:
	// BaseOffset is then an upper bound and NumRecords a lower bound.
	Exact bool
}

// infoOf copies b's header; r is the file b was read from, to read a legacy
// wrapper whose body was not loaded.
func infoOf(r io.ReaderAt, b *format.Batch) BatchInfo {
	bi := BatchInfo{Position: b.Position, BaseOffset: b.BaseOffset, LastOffset: b.LastOffset(), MaxTimestamp: b.MaxTimestamp,
		Size: b.Size(), Magic: b.Magic, Compression: b.Compression(), NumRecords: b.NumRecords, IsControl: b.IsControl(), Transactional: b.IsTransactional(),
		Exact: true}
	if b.IsLegacyWrapper() {
		e, _ := format.NewRecordDecoder(format.DecoderOptions{}).ReadExtent(r, b)
		bi.BaseOffset, bi.NumRecords, bi.Exact = e.BaseOffset, int32(min(e.Records, math.MaxInt32)), e.Exact
	}
	return bi
}

// LookupResult describes how an offset was found: the index entry used (as
// Kafka's OffsetIndex.lookup returns it), then the forward scan of the .log.
type LookupResult struct {
	Segment      *Segment
	IndexUsed    bool
	IndexEntry   index.OffsetPosition
	Batch        BatchInfo
	BytesScanned int64
	// For timestamp lookups: the record found.
	Offset    int64
	Timestamp int64
	TimeEntry index.TimestampOffset
}

// SegmentFor returns the segment holding offset: the last one whose base
// offset is <= offset.
func (p *Partition) SegmentFor(offset int64) *Segment {
	var s *Segment
	for _, c := range p.Segments {
		if c.BaseOffset <= offset {
			s = c
		}
	}
	return s
}

// LookupOffset finds the batch containing offset in s the way a broker does
// (LogSegment.translateOffset): index lookup, then a forward scan of batch
// headers for the first batch whose last offset is >= offset.
func LookupOffset(s *Segment, offset int64) (*LookupResult, error) {
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.LookupOffset(offset)
}

// LookupOffset is LookupOffset over already opened files.
func (f *Files) LookupOffset(offset int64) (*LookupResult, error) {
	return f.lookupOffset(offset, true)
}

// lookupOffset is LookupOffset; resolve false leaves a legacy wrapper's
// BaseOffset and NumRecords as stored (Fetch needs positions only).
func (f *Files) lookupOffset(offset int64, resolve bool) (*LookupResult, error) {
	s := f.Segment
	res := &LookupResult{Segment: s, IndexEntry: index.OffsetPosition{Offset: s.BaseOffset}}
	if f.Index != nil {
		e, err := f.Index.Lookup(offset)
		if err != nil {
			return nil, err
		}
		res.IndexUsed, res.IndexEntry = true, e
	}
	start := int64(res.IndexEntry.Position)
	if start > f.LogSize {
		return nil, fmt.Errorf("kseg/segment: %s: index entry position %d is past the end of the log (%d bytes)", s.Index, start, f.LogSize)
	}
	// The batch sought is normally within index.interval.bytes of the entry:
	// a small window reads headers, not the records in between.
	r := format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: s.Name(), Start: start, HeadersOnly: true, WindowSize: smallWindow})
	for {
		b, err := r.Next()
		if err == io.EOF {
			return nil, fmt.Errorf("%w: offset %d is not in %s", ErrOffsetOutOfRange, offset, s.Name())
		}
		if err != nil {
			return nil, err
		}
		if b.LastOffset() >= offset {
			if resolve {
				res.Batch = infoOf(f.Log, b)
			} else {
				res.Batch = BatchInfo{Position: b.Position, LastOffset: b.LastOffset(), Size: b.Size()}
			}
			res.BytesScanned = b.Position + b.Size() - start
			res.Offset = offset
			return res, nil
		}
	}
}

// LookupOffset answers the first batch whose last offset is >= offset, the
// way a broker reads (kafka core/src/main/scala/kafka/log/LocalLog.scala
// read): start in the last segment whose base offset is <= offset and, when
// that segment holds nothing at or after offset (compaction left a gap at its
// end), continue into the following segments. A gap inside a segment is
// handled by the forward scan (LogSegment.translateOffset). An offset before
// the first segment, or past the last batch, is out of range.
func (p *Partition) LookupOffset(offset int64) (*LookupResult, error) {
	s := p.SegmentFor(offset)
	if s == nil {
		if len(p.Segments) == 0 {
			// Not "before the first segment (base offset -1)": there is none.
			return nil, fmt.Errorf("%w: offset %d: the partition has no segments", ErrOffsetOutOfRange, offset)
		}
		return nil, fmt.Errorf("%w: offset %d is before the first segment (base offset %d)", ErrOffsetOutOfRange, offset, p.Segments[0].BaseOffset)
	}
	if ls, _ := LogStartOffset(p); offset < ls.Offset {
		return nil, fmt.Errorf("%w: offset %d is below the log start offset %d (log-start-offset-checkpoint)", ErrOffsetOutOfRange, offset, ls.Offset)
	}
	for i := range p.Segments {
		if p.Segments[i].BaseOffset < s.BaseOffset {
			continue
		}
		res, err := LookupOffset(p.Segments[i], offset)
		if err == nil {
			return res, nil
		}
		if !errors.Is(err, ErrOffsetOutOfRange) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%w: offset %d is past the last batch of the log", ErrOffsetOutOfRange, offset)
}

// LookupTimestamp answers ListOffsets by timestamp the way Kafka does
// (LogSegment.findOffsetByTimestamp): in the first segment that can hold a
// timestamp >= ts, the time index gives a starting offset, the offset index a
// position, and a scan finds the first batch whose max timestamp is >= ts;
// inside it, the first record whose timestamp is >= ts.
//
// Kafka refuses a timestamp search when the topic's message.format.version
// is below 0.10.0 (kafka core/src/main/scala/kafka/log/UnifiedLog.scala
// fetchOffsetByTimestamp: UnsupportedForMessageFormatException). The config
// is not in the log dir; the data shows it: a broker at 0.10.0 or later
// writes at least magic 1, so when the newest batch is magic 0 the format
// was below 0.10.0 when it was written, and ErrUnsupportedForMessageFormat
// is returned.
func (p *Partition) LookupTimestamp(ts int64) (*LookupResult, error) {
	if magic, ok, err := p.newestMagic(); err != nil {
		return nil, err
	} else if ok && magic == 0 {
		return nil, fmt.Errorf("%w: the newest batch is magic 0, so this topic's message.format.version was below 0.10.0 (no timestamps) when it was written; Kafka refuses timestamp lookups for it", ErrUnsupportedForMessageFormat)
	}
	dec := format.NewRecordDecoder(format.DecoderOptions{})
	for i, s := range p.Segments {
		res, err := lookupTimestampIn(s, ts, dec, i == len(p.Segments)-1)
		if err != nil {
			return nil, err
		}
		if res != nil {
			return res, nil
		}
	}
	return nil, fmt.Errorf("%w: no record with a timestamp >= %d", ErrOffsetOutOfRange, ts)
}

func lookupTimestampIn(s *Segment, ts int64, dec *format.RecordDecoder, active bool) (*LookupResult, error) {
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res := &LookupResult{Segment: s, TimeEntry: index.TimestampOffset{Timestamp: -1, Offset: s.BaseOffset}, IndexEntry: index.OffsetPosition{Offset: s.BaseOffset}}
	if f.TimeIndex != nil {
		// A closed segment's last time-index entry is its max timestamp:
		// skip segments that cannot hold ts (Kafka: largestTimestamp >= ts).
		if n, _, err := f.TimeIndex.ValidEntries(); err == nil && n > 0 && !active {
			last, err := f.TimeIndex.LastEntry()
			if err == nil && last.Timestamp < ts {
				return nil, nil
			}
		}
		e, err := f.TimeIndex.Lookup(ts)
		if err != nil {
			return nil, err
		}
		res.TimeEntry = e
	}
	if f.Index != nil {
		e, err := f.Index.Lookup(res.TimeEntry.Offset)
		if err != nil {
			return nil, err
		}
		res.IndexUsed, res.IndexEntry = true, e
	}
	start := int64(res.IndexEntry.Position)
	if start > f.LogSize {
		start = 0
	}
	r := f.Batches(s.Name(), start, false)
	for {
		b, err := r.Next()
		if err == io.EOF {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if b.MaxTimestamp < ts {
			continue
		}
		if err := dec.Reset(b); err != nil {
			return nil, err
		}
		for {
			rec, err := dec.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, err
			}
			if rec.Timestamp >= ts {
				res.Batch = infoOf(f.Log, b)
				res.BytesScanned = b.Position + b.Size() - start
				res.Offset, res.Timestamp = rec.Offset, rec.Timestamp
				return res, nil
			}
		}
	}
}

// FetchRange returns the byte range [start, end) of whole batches of s that
// a Fetch at offset should send: from the batch holding offset, up to
// maxBytes, ending on a batch boundary, at least one batch (KIP-74). The end
// boundary comes from the offset index by position, then a short header walk,
// so the records in between are never read. ok is false when offset is past
// the segment's last batch.
func FetchRange(s *Segment, offset int64, maxBytes int32) (start, end int64, ok bool, err error) {
	f, err := s.Open()
	if err != nil {
		return 0, 0, false, err
	}
	defer f.Close()
	return f.FetchRange(offset, maxBytes)
}

// FetchRange is FetchRange over already opened files.
func (f *Files) FetchRange(offset int64, maxBytes int32) (start, end int64, ok bool, err error) {
	s := f.Segment
	lr, err := f.lookupOffset(offset, false)
	if errors.Is(err, ErrOffsetOutOfRange) {
		return 0, 0, false, nil
	}
	if err != nil {
		return 0, 0, false, err
	}
	start = lr.Batch.Position
	end = start + lr.Batch.Size
	limit := start + int64(maxBytes)
	walk := end
	if f.Index != nil && limit > end {
		if e, ok, err := f.Index.LookupPosition(limit); err != nil {
			return 0, 0, false, err
		} else if ok && int64(e.Position) > walk && int64(e.Position) <= f.LogSize {
			walk = int64(e.Position) // a batch start (checked by the walk below)
		}
	}
	r := format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: s.Name(), Start: walk, HeadersOnly: true, WindowSize: smallWindow})
	if walk > end {
		// The index entry must really be a batch boundary: the walk from it
		// must start with a batch; if not, fall back to walking from end.
		if b, err := r.Next(); err != nil || b.Position != walk || b.LastOffset() < lr.Batch.LastOffset {
			walk = end
			r = format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: s.Name(), Start: walk, HeadersOnly: true, WindowSize: smallWindow})
		} else {
			r.SkipTo(walk)
		}
	}
	end = walk
	for end < limit {
		b, err := r.Next()
		if err != nil {
			break // EOF, or a torn tail / corruption: serve what is whole
		}
		if b.Position+b.Size() > limit {
			break
		}
		end = b.Position + b.Size()
	}
	return start, end, true, nil
}

// newestMagic is the magic of the last readable batch of the log (ok false
// when the log holds none): a header walk of the last non-empty segment from
// its last offset-index entry.
func (p *Partition) newestMagic() (int8, bool, error) {
	for i := len(p.Segments) - 1; i >= 0; i-- {
		f, err := p.Segments[i].Open()
		if err != nil {
			return 0, false, err
		}
		start := int64(0)
		if f.Index != nil {
			if e, err := f.Index.LastEntry(); err == nil && int64(e.Position) <= f.LogSize {
				start = int64(e.Position)
			}
		}
		magic, ok := int8(0), false
		for _, from := range []int64{start, 0} {
			r := format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: p.Segments[i].Name(), Start: from, HeadersOnly: true, WindowSize: smallWindow})
			for {
				b, err := r.Next()
				if err != nil {
					break // EOF, a torn tail or corruption: the last readable batch counts
				}
				magic, ok = b.Magic, true
			}
			if ok || from == 0 {
				break
			}
		}
		f.Close()
		if ok {
			return magic, true, nil
		}
	}
	return 0, false, nil
}
