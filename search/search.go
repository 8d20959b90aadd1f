// Package search finds records in Kafka log directories by key, value,
// header, time, offset and producer, reading as little of the .log files as
// the evidence allows (`kseg find`).
//
// The cheapest evidence decides first:
//
//  1. whole segments, by file names and index bounds: a segment whose offset
//     range (its base offset up to the next segment's) lies outside
//     --from-offset/--to-offset, or, for a closed segment, whose last
//     .timeindex entry (its largest timestamp: Kafka appends it on roll and
//     after recovery, LogSegment.onBecomeInactiveSegment / recover) is below
//     --from-time, is never opened past its indexes;
//  2. the start position inside a segment: the .timeindex floor entry of
//     --from-time (every batch before that entry's batch has a smaller max
//     timestamp: Kafka's TimeIndex only records a strictly larger running
//     maximum) and the .index floor entry of --from-offset, as Kafka's
//     LogSegment.findOffsetByTimestamp and translateOffset use them;
//  3. batch headers, without reading the records: offsets, producer id,
//     the transactional and control flags, the aborted-transaction ranges of
//     the partition's .txnindex files, and maxTimestamp (a batch whose
//     maxTimestamp is below --from-time cannot match; a LogAppendTime batch
//     stamps every record with maxTimestamp, so it is decided entirely);
//  4. for uncompressed batches and a key/value substring, the raw record
//     bytes must contain the substring before the records are decoded.
//
// CreateTime is the producer's clock and need not increase along the log, so
// no batch is skipped merely because a later or earlier batch was out of the
// time range, and the search never stops early on time; it stops early only
// on offsets (they increase along a partition's log).
//
// Indexes are derived data and can be stale after a crash; Options.NoIndex
// turns steps 1 (time part) and 2 off.
package search

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"sort"
	"sync"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// HeaderFilter matches a record that has a header named Name, and, when
// HasValue, whose value equals Value (a null value never equals).
type HeaderFilter struct {
	Name     []byte
	Value    []byte
	HasValue bool
}

// Options selects records. The zero value matches every data record; use
// NewOptions for the unbounded offset and time ranges.
type Options struct {
	Key, Value           []byte // substrings; nil = no filter (an empty one matches any non-null)
	KeyRegex, ValueRegex *regexp.Regexp
	Headers              []HeaderFilter // all must match
	// FromOffset/ToOffset bound offsets, inclusive; -1 = unbounded.
	FromOffset, ToOffset int64
	// FromTime/ToTime bound record timestamps, inclusive (ms since the
	// epoch), when TimeFilter is set. Magic 0 records carry no timestamp and
	// never match a time filter.
	FromTime, ToTime int64
	TimeFilter       bool
	ProducerID       int64 // -1 = any; legacy (magic 0/1) records have none
	Transactional    bool  // only records of transactional batches
	Aborted          bool  // only records of aborted transactions (.txnindex)
	Topics           []string
	Partitions       []int32
	MaxResults       int64 // stop after this many matches (0 = all)
	Workers          int   // concurrent units (0 = runtime.NumCPU())
	// Sort emits matches in (topic, partition, offset) order; otherwise in
	// the order they are found. Matches of units finished ahead of the one
	// being emitted are held in memory (at most 2×Workers units).
	Sort bool
	// NoIndex ignores .index/.timeindex (for stale or damaged indexes).
	NoIndex bool
	// TimeOrdered trusts that record timestamps never go backwards along a
	// partition's log, so the walk stops at the first batch whose first
	// timestamp is after ToTime. Nothing on disk proves it for CreateTime
	// (the producer's clock), hence opt-in; without it --to-time narrows
	// LogAppendTime batches only.
	TimeOrdered bool
	// MaxDecompressed caps one batch's decompressed size (0 = default).
	MaxDecompressed int
	// SplitBytes splits segments larger than this into ranges searched
	// concurrently, at .index positions (0 = 64 MiB; <0 = never).
	SplitBytes int64
}

// NewOptions returns Options with no filter.
func NewOptions() Options {
	return Options{FromOffset: -1, ToOffset: -1, FromTime: math.MinInt64, ToTime: math.MaxInt64, ProducerID: -1}
}

// Match is one matching record. All slices are owned by the Match.
type Match struct {
	Topic         string // "" when the directory is not a partition directory
	Partition     int32  // -1 then
	Name          string // the partition directory's base name
	File          string // the .log base name
	Offset        int64
	Timestamp     int64
	TimestampType format.TimestampType
	Magic         int8
	ProducerID    int64
	Key, Value    []byte
	Headers       []format.Header
}

// Stats counts the work done. Bytes are .log bytes.
type Stats struct {
	Segments        int64 // segments selected by topic/partition
	SegmentsSkipped int64 // segments ruled out by names and index bounds alone
	BatchesDecoded  int64 // batches whose records were decoded
	BatchesSkipped  int64 // batch headers read and ruled out (records never decoded)
	BytesDecoded    int64
	// BytesSkipped is every selected .log byte that was not decoded:
	// skipped batches, ranges before the index start, whole segments.
	BytesSkipped int64
	BytesRead    int64 // bytes actually read from .log files
	Records      int64 // records decoded and tested
	Matches      int64
	Problems     []string // corruption found (first 100), searching went on
	ProblemCount int64
}

func (s *Stats) add(o *Stats) {
	s.Segments += o.Segments
	s.SegmentsSkipped += o.SegmentsSkipped
	s.BatchesDecoded += o.BatchesDecoded
	s.BatchesSkipped += o.BatchesSkipped
	s.BytesDecoded += o.BytesDecoded
	s.BytesSkipped += o.BytesSkipped
	s.BytesRead += o.BytesRead
	s.Records += o.Records
	for _, p := range o.Problems {
		if len(s.Problems) < maxProblems {
			s.Problems = append(s.Problems, p)
		}
	}
	s.ProblemCount += o.ProblemCount
}

const maxProblems = 100

// ErrStop may be returned by an emit callback to end the search early
// without an error.
var ErrStop = errors.New("kseg/search: stop")

// partInfo is one partition: its segments and, loaded once when --aborted
// needs them, the aborted-transaction ranges of all its .txnindex files
// (an entry's first offset may lie in an earlier segment).
type partInfo struct {
	topic string
	part  int32
	name  string
	dir   string
	segs  []*segment.Segment

	once   sync.Once
	aborts map[int64][]offsetRange
	err    error
}

type offsetRange struct{ first, last int64 }

func (p *partInfo) loadAborts() (map[int64][]offsetRange, error) {
	p.once.Do(func() {
		p.aborts = map[int64][]offsetRange{}
		// Every segment of the directory, not only those selected: the
		// ABORT marker of a transaction may lie in a later segment.
		part, err := segment.OpenPartition(p.dir)
		if err != nil {
			p.err = err
			return
		}
		for _, s := range part.Segments {
			if s.TxnIndex == "" {
				continue
			}
			b, err := os.ReadFile(s.TxnIndex)
			if err != nil {
				p.err = err
				return
			}
			// A decode error is ignored on purpose: Kafka stops at a bad
			// version too, so the entries before it are what counts.
			entries, _, _ := state.DecodeTxnIndex(b)
			for _, e := range entries {
				p.aborts[e.ProducerID] = append(p.aborts[e.ProducerID], offsetRange{e.FirstOffset, e.LastOffset})
			}
		}
	})
	return p.aborts, p.err
}

// abortedOverlap reports whether producer pid has an aborted range that
// overlaps [first, last].
func abortedOverlap(aborts map[int64][]offsetRange, pid, first, last int64) bool {
	for _, r := range aborts[pid] {
		if r.first <= last && r.last >= first {
			return true
		}
	}
	return false
}

// unit is one piece of work: a segment, or a byte range of a large one.
type unit struct {
	seq      int
	part     *partInfo
	seg      *segment.Segment
	nextBase int64 // base offset of the next segment; -1 for the last (active) one
	start    int64 // byte range; end 0 = to the end of the file
	end      int64
	whole    bool // the unit covers the whole segment (index skipping applies)
}

// ErrNoTargets means a directory PATH held neither partition directories nor
// segment files (a wrong path: an empty partition directory is not this).
var ErrNoTargets = errors.New("no partitions or segment files found")

// Find searches paths (log directories, partition directories or .log
// files) and calls emit for every match, never concurrently. The returned
// error is an I/O error or emit's error; corruption is reported in
// Stats.Problems and the search goes on with the next segment.
func Find(ctx context.Context, paths []string, o Options, emit func(*Match) error) (*Stats, error) {
	parts, err := collect(paths, o)
	if err != nil {
		return nil, err
	}
	units, err := plan(parts, o)
	if err != nil {
		return nil, err
	}
	workers := o.Workers
	if workers <= 0 {
		workers = runtime.NumCPU()
	}
	o.Workers = workers
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	st := &Stats{}
	for _, p := range parts {
		st.Segments += int64(len(p.segs))
	}
	out := newEmitter(units, o, emit, cancel)

	jobs := make(chan *unit)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := newSearcher(o)
			for u := range jobs {
				if ctx.Err() == nil {
					if err := s.unit(ctx, u, out); err != nil {
						mu.Lock()
						if firstErr == nil {
							firstErr = err
						}
						mu.Unlock()
						cancel()
					}
				}
				out.done(u)
			}
			mu.Lock()
			st.add(&s.st)
			mu.Unlock()
		}()
	}
	for _, u := range units {
		if !out.admit(ctx, u) {
			break
		}
		select {
		case jobs <- u:
		case <-ctx.Done():
		}
		if ctx.Err() != nil {
			break
		}
	}
	close(jobs)
	wg.Wait()
	st.Matches = out.count
	if out.err != nil && !errors.Is(out.err, ErrStop) && firstErr == nil {
		firstErr = out.err
	}
	var total int64
	for _, p := range parts {
		for _, s := range p.segs {
			total += s.LogSize
		}
	}
	st.BytesSkipped = max(total-st.BytesDecoded, 0)
	return st, firstErr
}

// collect expands paths into partitions, selected by topic and partition,
// sorted by topic then partition number (then directory name).
func collect(paths []string, o Options) ([]*partInfo, error) {
	byDir := map[string]*partInfo{}
	var order []*partInfo
	add := func(dir string, segs []*segment.Segment) {
		p := byDir[dir]
		if p == nil {
			topic, n := "", int32(-1)
			if t, pn, _, ok := segment.ParsePartitionDir(filepath.Base(dir)); ok {
				topic, n = t, pn
			}
			p = &partInfo{topic: topic, part: n, name: filepath.Base(dir), dir: dir}
			byDir[dir] = p
			order = append(order, p)
		}
		p.segs = append(p.segs, segs...)
	}
	for _, path := range paths {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, err
		}
		if !fi.IsDir() {
			s, err := segment.SegmentForFile(path)
			if err != nil {
				return nil, err
			}
			add(filepath.Clean(s.Dir), []*segment.Segment{s})
			continue
		}
		dirs := []string{path}
		if !segment.IsPartitionDir(path) {
			ds, err := segment.ListLogDir(path)
			if err != nil {
				return nil, err
			}
			if len(ds) > 0 {
				dirs = ds
			}
		}
		for _, d := range dirs {
			part, err := segment.OpenPartition(d)
			if err != nil {
				return nil, err
			}
			if len(part.Segments) == 0 && d == path && !segment.IsPartitionDir(path) {
				// Neither a log dir nor a partition: a wrong PATH, not
				// "no matches" (verify says the same: ErrNoTargets).
				return nil, fmt.Errorf("kseg/search: %s: %w", path, ErrNoTargets)
			}
			add(filepath.Clean(d), part.Segments)
		}
	}
	var out []*partInfo
	for _, p := range order {
		if len(o.Topics) > 0 && !containsStr(o.Topics, p.topic) {
			continue
		}
		if len(o.Partitions) > 0 && !containsInt(o.Partitions, p.part) {
			continue
		}
		sort.Slice(p.segs, func(i, j int) bool { return p.segs[i].BaseOffset < p.segs[j].BaseOffset })
		// A segment given twice (as a file and through its directory) is searched once.
		uniq := p.segs[:0]
		for i, s := range p.segs {
			if i == 0 || s.Log != p.segs[i-1].Log {
				uniq = append(uniq, s)
			}
		}
		p.segs = uniq
		out = append(out, p)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.topic != b.topic {
			return a.topic < b.topic
		}
		if a.part != b.part {
			return a.part < b.part
		}
		return a.name < b.name
	})
	return out, nil
}

func containsStr(l []string, s string) bool {
	for _, x := range l {
		if x == s {
			return true
		}
	}
	return false
}

func containsInt(l []int32, n int32) bool {
	for _, x := range l {
		if x == n {
			return true
		}
	}
	return false
}

// plan turns partitions into units in (partition, offset) order, splitting
// large segments at offset-index positions that verifiably start a batch.
func plan(parts []*partInfo, o Options) ([]*unit, error) {
	split := o.SplitBytes
	if split == 0 {
		split = 64 << 20
	}
	var units []*unit
	for _, p := range parts {
		for i, s := range p.segs {
			next := int64(-1)
			if i+1 < len(p.segs) {
				next = p.segs[i+1].BaseOffset
			}
			base := unit{part: p, seg: s, nextBase: next}
			var cuts []int64
			if split > 0 && s.LogSize > split && s.Index != "" && !o.NoIndex {
				var err error
				if cuts, err = splitPoints(s, split); err != nil {
					return nil, err
				}
			}
			if len(cuts) == 0 {
				u := base
				u.whole = true
				units = append(units, &u)
				continue
			}
			prev := int64(0)
			for k, c := range append(cuts, s.LogSize) {
				u := base
				u.start, u.end, u.whole = prev, c, false
				if k == len(cuts) {
					u.end = 0
				}
				units = append(units, &u)
				prev = c
			}
		}
	}
	for i, u := range units {
		u.seq = i
	}
	return units, nil
}

// splitPoints returns positions, about every split bytes, taken from the
// offset index and accepted only where a whole batch with a valid CRC
// starts, so that each range holds whole batches.
func splitPoints(s *segment.Segment, split int64) ([]int64, error) {
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if f.Index == nil {
		return nil, nil
	}
	var cuts []int64
	for target := split; target < f.LogSize-split/2; target += split {
		e, ok, err := f.Index.LookupPosition(target)
		if err != nil || !ok {
			continue
		}
		pos := int64(e.Position)
		if pos <= 0 || pos >= f.LogSize || (len(cuts) > 0 && pos <= cuts[len(cuts)-1]) {
			continue
		}
		r := format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: s.Name(), Start: pos, WindowSize: headerWindow})
		if b, err := r.Next(); err == nil && b.Position == pos && b.CRCChecked && b.Valid {
			cuts = append(cuts, pos)
		}
	}
	return cuts, nil
}

// countingReaderAt counts the bytes read through it.
type countingReaderAt struct {
	r io.ReaderAt
	n int64
}

func (c *countingReaderAt) ReadAt(p []byte, pos int64) (int, error) {
	n, err := c.r.ReadAt(p, pos)
	c.n += int64(n)
	return n, err
}

// headerWindow is the read window of a header-only walk: one v2 header (61
// bytes; a legacy one is shorter), so a skipped batch costs one small read.
// (ReaderOptions.Buffer needs HeaderSizeUpToMagic+RecordBatchOverhead, 78.)
const headerWindow = format.HeaderSizeUpToMagic + format.RecordBatchOverhead

// searcher is one worker's state: a record decoder and buffers reused
// across units. Not safe for concurrent use.
type searcher struct {
	o    Options
	dec  *format.RecordDecoder
	body []byte
	win  []byte // the read window, reused by every unit
	hdr  []byte // the header-walk window
	st   Stats
}

func newSearcher(o Options) *searcher {
	return &searcher{o: o, dec: format.NewRecordDecoder(format.DecoderOptions{MaxDecompressedSize: o.MaxDecompressed})}
}

// headerSelective reports whether batch headers alone can rule batches out,
// in which case the walk reads headers only and loads candidate bodies.
func (o *Options) headerSelective() bool {
	return o.TimeFilter || o.ProducerID >= 0 || o.Transactional || o.Aborted ||
		(o.FromOffset >= 0 || o.ToOffset >= 0) && o.Key == nil && o.Value == nil && o.KeyRegex == nil && o.ValueRegex == nil
}

func (s *searcher) problem(format string, args ...any) {
	s.st.ProblemCount++
	if len(s.st.Problems) < maxProblems {
		s.st.Problems = append(s.st.Problems, fmt.Sprintf(format, args...))
	}
}

func (s *searcher) unit(ctx context.Context, u *unit, out *emitter) error {
	o := &s.o
	seg := u.seg
	// Offsets from file names: the segment holds [base, nextBase). (A
	// split segment is counted as skipped once, by its first range.)
	if o.ToOffset >= 0 && seg.BaseOffset > o.ToOffset ||
		o.FromOffset >= 0 && u.nextBase >= 0 && u.nextBase <= o.FromOffset {
		if u.start == 0 {
			s.st.SegmentsSkipped++
		}
		return nil
	}
	var aborts map[int64][]offsetRange
	if o.Aborted {
		var err error
		if aborts, err = u.part.loadAborts(); err != nil {
			return err
		}
		last := int64(math.MaxInt64)
		if u.nextBase >= 0 {
			last = u.nextBase - 1
		}
		overlap := false
		for _, rs := range aborts {
			for _, r := range rs {
				if r.first <= last && r.last >= seg.BaseOffset {
					overlap = true
				}
			}
		}
		if !overlap {
			if u.start == 0 {
				s.st.SegmentsSkipped++
			}
			return nil
		}
	}
	f, err := seg.Open()
	if err != nil {
		return err
	}
	defer f.Close()
	start, end := u.start, u.end
	if end == 0 || end > f.LogSize {
		end = f.LogSize
	}
	if !o.NoIndex {
		skip, pos, err := s.indexStart(f, u)
		if err != nil {
			return err
		}
		if skip || pos >= end && !u.whole {
			if u.start == 0 {
				s.st.SegmentsSkipped++
			}
			return nil
		}
		// A range of a split segment starts at its own start or later.
		start = max(start, pos)
	}
	cr := &countingReaderAt{r: f.Log}
	defer func() { s.st.BytesRead += cr.n }()
	err = s.walk(ctx, u, cr, f.LogSize, start, end, aborts, out)
	if err != nil && start > u.start && (errors.Is(err, format.ErrCorrupt) || errors.Is(err, format.ErrTruncated)) {
		// The index pointed somewhere that is not a batch: start over.
		return s.walk(ctx, u, cr, f.LogSize, u.start, end, aborts, out)
	}
	return err
}

// indexStart decides from the indexes whether the segment can be skipped
// and where the walk starts.
func (s *searcher) indexStart(f *segment.Files, u *unit) (skip bool, start int64, err error) {
	o := &s.o
	startOffset := int64(-1)
	if o.TimeFilter && o.FromTime != math.MinInt64 && f.TimeIndex != nil {
		n, _, err := f.TimeIndex.ValidEntries()
		if err == nil && n > 0 {
			if u.nextBase >= 0 {
				// Closed segment: its last entry is its largest timestamp.
				if last, err := f.TimeIndex.LastEntry(); err == nil && last.Timestamp < o.FromTime {
					return true, 0, nil
				}
			}
			if e, err := f.TimeIndex.Lookup(o.FromTime); err == nil {
				startOffset = e.Offset
			}
		}
	}
	if o.FromOffset >= 0 && o.FromOffset > startOffset {
		startOffset = o.FromOffset
	}
	if startOffset < 0 || f.Index == nil {
		return false, 0, nil
	}
	e, err := f.Index.Lookup(startOffset)
	if err != nil || int64(e.Position) > f.LogSize {
		return false, 0, nil // an unusable index: walk from the start
	}
	return false, int64(e.Position), nil
}

// walk reads the batches in [start, end).
func (s *searcher) walk(ctx context.Context, u *unit, r io.ReaderAt, size, start, end int64, aborts map[int64][]offsetRange, out *emitter) error {
	o := &s.o
	ropts := format.ReaderOptions{File: u.seg.Name(), Start: start}
	if end < size {
		ropts.End = end
	}
	if o.headerSelective() {
		if s.hdr == nil {
			s.hdr = make([]byte, headerWindow)
		}
		ropts.HeadersOnly, ropts.Buffer = true, s.hdr
	} else {
		if s.win == nil {
			s.win = make([]byte, format.DefaultWindowSize)
		}
		ropts.Buffer = s.win
	}
	needle := o.needle()
	// With a needle most batches are rejected by a substring test on their
	// bytes, which costs about what their CRC does: check the CRC only of
	// the batches that are decoded (as header-only reads check none).
	ropts.DeferCRC = needle != nil
	br := format.NewBatchReader(r, size, ropts)
	prevLast := int64(-1)
	for n := 0; ; n++ {
		if n&63 == 0 && ctx.Err() != nil {
			return nil
		}
		b, err := br.Next()
		if err == io.EOF {
			if end < size && br.Position() != end {
				s.problem("%s/%s: range ends at %d, not at the split position %d", u.part.name, u.seg.Name(), br.Position(), end)
			}
			return nil
		}
		if err != nil {
			var te *format.TruncatedError
			var ce *format.CorruptionError
			if n == 0 && start > u.start && (errors.As(err, &te) || errors.As(err, &ce)) {
				return err // the index start is no batch: unit retries from the start
			}
			switch {
			case errors.As(err, &te):
				s.problem("%s/%s: %v", u.part.name, u.seg.Name(), err)
				return nil
			case errors.As(err, &ce):
				s.problem("%s/%s: %v", u.part.name, u.seg.Name(), err)
				return nil
			}
			return err
		}
		// Offsets increase along the log: once a batch reached ToOffset,
		// nothing after it can match.
		if o.ToOffset >= 0 && (prevLast >= o.ToOffset || b.Magic >= 2 && b.BaseOffset > o.ToOffset) {
			return nil
		}
		if o.TimeOrdered && o.TimeFilter && o.ToTime != math.MaxInt64 && !b.IsControl() {
			if first, ok := firstTimestamp(b); ok && first > o.ToTime {
				return nil
			}
		}
		prevLast = b.LastOffset()
		if !headerMayMatch(o, b, aborts) {
			s.st.BatchesSkipped++
			continue
		}
		if b.Raw == nil {
			if b, err = s.loadBody(r, b, u); err != nil {
				if errors.Is(err, format.ErrCorrupt) || errors.Is(err, format.ErrTruncated) {
					s.problem("%s/%s: %v", u.part.name, u.seg.Name(), err)
					return nil
				}
				return err
			}
		}
		if needle != nil && b.Compression() == format.CompressionNone && !bytes.Contains(b.Raw[recordsStart(b):], needle) {
			s.st.BatchesSkipped++
			continue
		}
		b.CheckCRC()
		if err := s.decode(u, b, aborts, out); err != nil {
			return err
		}
	}
}

// firstTimestamp is the timestamp of a batch's first record when the header
// tells it: a LogAppendTime batch stamps all records with maxTimestamp, a v2
// batch's baseTimestamp is its first record's, an uncompressed v1 message
// holds one record.
func firstTimestamp(b *format.Batch) (int64, bool) {
	switch {
	case b.Magic == 0:
		return 0, false
	case b.TimestampType() == format.LogAppendTime:
		return b.MaxTimestamp, true
	case b.Magic >= 2:
		return b.BaseTimestamp, true
	case b.Compression() == format.CompressionNone:
		return b.MaxTimestamp, true
	}
	return 0, false
}

// needle returns the longest byte string every match must contain, for the
// raw-bytes check of uncompressed batches: the --key/--value substrings and
// the literal prefixes of the regular expressions (regexp.LiteralPrefix is
// empty for case-folded patterns). Nil when there is none.
func (o *Options) needle() []byte {
	var n []byte
	for _, c := range [][]byte{o.Key, o.Value, literalPrefix(o.KeyRegex), literalPrefix(o.ValueRegex)} {
		if len(c) > len(n) {
			n = c
		}
	}
	return n
}

func literalPrefix(re *regexp.Regexp) []byte {
	if re == nil {
		return nil
	}
	p, _ := re.LiteralPrefix()
	return []byte(p)
}

// recordsStart is where a batch's record bytes begin (after its header).
func recordsStart(b *format.Batch) int {
	if b.Magic >= 2 {
		return format.RecordBatchOverhead
	}
	return format.LogOverhead + 5 // crc, magic, attributes: key and value follow
}

// loadBody reads a batch that a header-only walk returned.
func (s *searcher) loadBody(r io.ReaderAt, h *format.Batch, u *unit) (*format.Batch, error) {
	size := h.Size()
	if size > format.DefaultMaxBatchBytes {
		return nil, &format.CorruptionError{File: u.seg.Name(), Position: h.Position, Offset: h.BaseOffset, Reason: format.ReasonUnknown,
			Detail: fmt.Sprintf("batch of %d bytes is larger than kseg find holds (%d)", size, format.DefaultMaxBatchBytes)}
	}
	if int64(cap(s.body)) < size {
		s.body = make([]byte, size)
	}
	buf := s.body[:size]
	if _, err := r.ReadAt(buf, h.Position); err != nil {
		return nil, fmt.Errorf("kseg/search: %s: read at %d: %w", u.seg.Name(), h.Position, err)
	}
	b, err := format.DecodeBatch(buf)
	if err != nil {
		return nil, err
	}
	b.Position = h.Position
	return b, nil
}

// headerMayMatch applies every filter that a batch header decides.
func headerMayMatch(o *Options, b *format.Batch, aborts map[int64][]offsetRange) bool {
	if b.IsControl() {
		return false
	}
	if o.FromOffset >= 0 && b.LastOffset() < o.FromOffset {
		return false
	}
	if o.ProducerID >= 0 && (b.Magic < 2 || b.ProducerID != o.ProducerID) {
		return false
	}
	if (o.Transactional || o.Aborted) && !b.IsTransactional() {
		return false
	}
	if o.Aborted {
		if !abortedOverlap(aborts, b.ProducerID, b.BaseOffset, b.LastOffset()) {
			return false
		}
	}
	if o.TimeFilter {
		if b.Magic == 0 || b.MaxTimestamp < o.FromTime {
			return false
		}
		// Every record of a LogAppendTime batch, and the one message of an
		// uncompressed v1 entry, has exactly the batch's max timestamp.
		exact := b.TimestampType() == format.LogAppendTime || b.Magic == 1 && b.Compression() == format.CompressionNone
		if exact && b.MaxTimestamp > o.ToTime {
			return false
		}
	}
	return true
}

func (s *searcher) decode(u *unit, b *format.Batch, aborts map[int64][]offsetRange, out *emitter) error {
	o := &s.o
	s.st.BatchesDecoded++
	s.st.BytesDecoded += b.Size()
	if b.CRCChecked && !b.Valid {
		s.problem("%s/%s: position %d: batch CRC mismatch (searched anyway)", u.part.name, u.seg.Name(), b.Position)
	}
	if err := s.dec.Reset(b); err != nil {
		s.problem("%s/%s: %v", u.part.name, u.seg.Name(), err)
		return nil
	}
	for {
		rec, err := s.dec.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			s.problem("%s/%s: %v", u.part.name, u.seg.Name(), err)
			return nil
		}
		s.st.Records++
		if !recordMatches(o, b, rec, aborts) {
			continue
		}
		if err := out.add(u, newMatch(u, b, rec)); err != nil {
			return err
		}
	}
}

func recordMatches(o *Options, b *format.Batch, rec *format.Record, aborts map[int64][]offsetRange) bool {
	if o.FromOffset >= 0 && rec.Offset < o.FromOffset || o.ToOffset >= 0 && rec.Offset > o.ToOffset {
		return false
	}
	if o.TimeFilter && (rec.Magic == 0 || rec.Timestamp < o.FromTime || rec.Timestamp > o.ToTime) {
		return false
	}
	if o.Aborted && !abortedOverlap(aborts, b.ProducerID, rec.Offset, rec.Offset) {
		return false
	}
	if o.Key != nil && (rec.Key == nil || !bytes.Contains(rec.Key, o.Key)) {
		return false
	}
	if o.Value != nil && (rec.Value == nil || !bytes.Contains(rec.Value, o.Value)) {
		return false
	}
	if o.KeyRegex != nil && (rec.Key == nil || !o.KeyRegex.Match(rec.Key)) {
		return false
	}
	if o.ValueRegex != nil && (rec.Value == nil || !o.ValueRegex.Match(rec.Value)) {
		return false
	}
	for _, hf := range o.Headers {
		found := false
		for _, h := range rec.Headers {
			if bytes.Equal(h.Key, hf.Name) && (!hf.HasValue || h.Value != nil && bytes.Equal(h.Value, hf.Value)) {
				found = true
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// newMatch copies rec out of the decoder's buffers (one allocation for the
// bytes).
func newMatch(u *unit, b *format.Batch, rec *format.Record) *Match {
	n := len(rec.Key) + len(rec.Value)
	for _, h := range rec.Headers {
		n += len(h.Key) + len(h.Value)
	}
	buf := make([]byte, 0, n)
	cp := func(x []byte) []byte {
		if x == nil {
			return nil
		}
		buf = append(buf, x...)
		return buf[len(buf)-len(x) : len(buf) : len(buf)]
	}
	m := &Match{Topic: u.part.topic, Partition: u.part.part, Name: u.part.name, File: u.seg.Name(),
		Offset: rec.Offset, Timestamp: rec.Timestamp, TimestampType: rec.TimestampType, Magic: rec.Magic, ProducerID: b.ProducerID}
	m.Key = cp(rec.Key)
	m.Value = cp(rec.Value)
	if len(rec.Headers) > 0 {
		m.Headers = make([]format.Header, len(rec.Headers))
		for i, h := range rec.Headers {
			m.Headers[i] = format.Header{Key: cp(h.Key), Value: cp(h.Value)}
		}
	}
	return m
}
