package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
)

// Options configures Verify. The zero value checks shallowly with
// runtime.NumCPU() workers.
type Options struct {
	// Deep decodes every record (decompressing), like --deep-iteration.
	Deep bool
	// Workers bounds how many partitions are checked at once (default
	// runtime.NumCPU()).
	Workers int
	// MaxFindingsPerFile bounds reported findings per file (default
	// DefaultMaxFindingsPerFile); the rest are counted.
	MaxFindingsPerFile int
	// WhatWouldKafkaDo computes, per partition, what the broker's recovery
	// would do at its next start after an unclean shutdown.
	WhatWouldKafkaDo bool
	// KafkaVersion is the broker release WhatWouldKafkaDo simulates (zero
	// value: DefaultKafkaVersion).
	KafkaVersion KafkaVersion
	// OnFinding receives every reported finding. Calls are serialized (never
	// concurrent); findings of one partition arrive in file order, but
	// partitions interleave when Workers > 1. The Finding is the callee's.
	OnFinding func(Finding)
	// OnPartition receives each partition's result when it is done
	// (serialized, in completion order).
	OnPartition func(*PartitionResult)
}

// Summary totals a Verify run.
type Summary struct {
	Partitions int   `json:"partitions"`
	Segments   int   `json:"segments"`
	Batches    int64 `json:"batches"`
	Records    int64 `json:"records"`
	// UndecodedWrappers counts legacy compressed wrappers that could not be
	// decompressed: each counts as one record, so Records is then a lower
	// bound.
	UndecodedWrappers int64 `json:"undecodedWrappers,omitempty"`
	Bytes             int64 `json:"bytes"`
	Errors            int64 `json:"errors"`
	Warnings          int64 `json:"warnings"`
	Infos             int64 `json:"infos"`
}

// PartitionResult is the outcome for one partition directory. Segments holds
// one entry per checked segment; it is small (no per-batch data).
type PartitionResult struct {
	Dir         string
	Name        string
	Segments    []*SegmentResult
	NumSegments int // len(Segments), kept when a caller drops Segments
	Leftovers   []segment.Leftover
	Batches     int64
	// Records counts records, a legacy compressed wrapper's inner messages
	// included (format.Extent); a lower bound when UndecodedWrappers > 0.
	Records           int64
	UndecodedWrappers int64
	Bytes             int64
	// FirstOffset is the first record's offset (a legacy wrapper's first
	// inner offset; an upper bound when that wrapper could not be decoded),
	// -1 when empty.
	FirstOffset int64
	LastOffset  int64 // -1 when empty
	// LogStartOffset is the broker's log start offset
	// (segment.LogStartOffset), -1 for a partial target (single segments).
	LogStartOffset int64
	Errors         int64
	Warnings       int64
	Infos          int64
	// Kafka is set with Options.WhatWouldKafkaDo.
	Kafka *KafkaRecovery
}

// Findings is Errors+Warnings+Infos.
func (p *PartitionResult) Findings() int64 { return p.Errors + p.Warnings + p.Infos }

// BadRange is a byte range [Start, End) of a .log that holds no usable batch:
// corrupt framing, CRC mismatches, offset regressions, or a torn tail.
type BadRange struct {
	Start  int64  `json:"start"`
	End    int64  `json:"end"`
	Reason Reason `json:"reason"`
	// Tail: the range is a torn or zero-filled tail reported by the reader
	// (nothing, not even a framed batch, after Start).
	Tail bool `json:"tail"`
	// Offset is the offset of the first framed batch in the range, or -1.
	Offset int64 `json:"offset"`
	// NextOffset is the first offset of the valid batch at End, -1 if End is
	// the end of the file.
	NextOffset int64 `json:"nextOffset"`
	// Batches and Records count framed (but unusable) batches inside.
	Batches int64 `json:"batches"`
	Records int64 `json:"records"`
	// RecordsAtLeast: a legacy wrapper in the range could not be
	// decompressed and counts as one record, so Records is a lower bound.
	RecordsAtLeast bool `json:"recordsAtLeast,omitempty"`
}

// IndexStatus summarizes an index file against its log.
type IndexStatus uint8

// Index states.
const (
	IndexOK           IndexStatus = iota
	IndexMissing                  // no file
	IndexPreallocated             // active segment, zero tail: benign
	IndexHarmless                 // entries differ from the rebuild rule but are safe
	IndexZeroTail                 // non-active segment with a zero tail
	IndexHarmful                  // lookups would skip data or read garbage
)

var indexStatusNames = [...]string{"ok", "missing", "preallocated", "harmless", "zero-tail", "harmful"}

func (s IndexStatus) String() string {
	if int(s) < len(indexStatusNames) {
		return indexStatusNames[s]
	}
	return fmt.Sprintf("index-status-%d", uint8(s))
}

// MarshalText renders the status by name.
func (s IndexStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// NeedsRebuild reports whether repair rebuilds an index in this state.
func (s IndexStatus) NeedsRebuild() bool {
	return s == IndexMissing || s == IndexZeroTail || s == IndexHarmful
}

// rebuildIndex and rebuildTimeIndex say whether repair rebuilds this
// segment's indexes: the states NeedsRebuild names, except the files the
// broker itself creates empty and that the recovery rule would write empty
// too — a missing time index of the active segment or of a segment without
// timestamps, and the indexes of an empty .log. kseg index rebuild leaves the
// same files alone (segment.ClassCreatedEmpty), so the two agree.
func (sr *SegmentResult) rebuildIndex() bool {
	return sr.Index.NeedsRebuild() && !(sr.Index == IndexMissing && sr.Size == 0)
}

func (sr *SegmentResult) rebuildTimeIndex() bool {
	if sr.TimeIndex == IndexMissing {
		return sr.Size > 0 && !sr.Active && sr.MaxTimestamp >= 0
	}
	return sr.TimeIndex.NeedsRebuild()
}

// SegmentResult is the outcome for one segment.
type SegmentResult struct {
	Path       string
	Name       string
	BaseOffset int64
	Size       int64
	Active     bool // last segment of its partition
	Batches    int64
	Records    int64 // records, inner messages of legacy wrappers included
	// UndecodedWrappers: legacy wrappers that could not be decompressed,
	// each counted as one record (Records is then a lower bound).
	UndecodedWrappers int64
	// FirstOffset and LastOffset of the usable batches (-1 when none): the
	// first and last record offsets.
	FirstOffset int64
	LastOffset  int64
	// MaxTimestamp of the usable batches (-1 when none).
	MaxTimestamp int64
	// ValidBytes is where Kafka's LogSegment.recover would truncate: just
	// after the last CRC-valid batch before the first invalid one.
	ValidBytes int64
	// RecordsAfterValid counts records of usable batches after ValidBytes:
	// what Kafka's truncation would throw away on top of the bad bytes.
	RecordsAfterValid int64
	// BadRanges lists the unusable ranges (at most maxBadRangesPerFile).
	BadRanges        []BadRange
	BadRangesDropped int64
	// OverflowPosition is the first batch whose offset does not fit the
	// segment's int32 relative offsets (-1: none).
	OverflowPosition int64
	Index            IndexStatus
	TimeIndex        IndexStatus
	Errors           int64
	Warnings         int64
	Infos            int64
}

// Verify checks every target named by paths and returns the totals. Errors
// are operational (I/O, bad paths); problems in the data are findings, passed
// to opts.OnFinding and counted in the Summary.
func Verify(ctx context.Context, paths []string, opts Options) (*Summary, error) {
	targets, dirFindings, err := Resolve(paths)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, ErrNoTargets
	}
	return VerifyTargets(ctx, targets, dirFindings, opts)
}

// VerifyTargets is Verify over resolved targets, with log-dir level findings
// to report first.
func VerifyTargets(ctx context.Context, targets []Target, dirFindings []Finding, opts Options) (*Summary, error) {
	if opts.Workers <= 0 {
		opts.Workers = runtime.NumCPU()
	}
	if opts.MaxFindingsPerFile <= 0 {
		opts.MaxFindingsPerFile = DefaultMaxFindingsPerFile
	}
	sum := &Summary{}
	var mu sync.Mutex // serializes callbacks and the summary
	for _, f := range dirFindings {
		sum.count(f.Severity)
		if opts.OnFinding != nil {
			opts.OnFinding(f)
		}
	}
	emit := func(f Finding) {
		mu.Lock()
		defer mu.Unlock()
		if opts.OnFinding != nil {
			opts.OnFinding(f)
		}
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg       sync.WaitGroup
		next     int
		firstErr error
		ranges   = newLogDirRanges()
	)
	workers := min(opts.Workers, len(targets))
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := newChecker(opts, emit)
			for {
				mu.Lock()
				if next >= len(targets) || firstErr != nil || ctx.Err() != nil {
					mu.Unlock()
					return
				}
				t := targets[next]
				next++
				mu.Unlock()
				res, err := c.checkPartition(ctx, t)
				mu.Lock()
				if err != nil {
					if firstErr == nil {
						firstErr = err
						cancel()
					}
					mu.Unlock()
					return
				}
				sum.add(res)
				ranges.add(t, res)
				if opts.OnPartition != nil {
					opts.OnPartition(res)
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return sum, firstErr
	}
	if err := ctx.Err(); err != nil {
		return sum, err
	}
	if err := ranges.check(targets, opts, sum); err != nil {
		return sum, err
	}
	return sum, checkKRaft(targets, opts, sum)
}

func (s *Summary) count(sev Severity) {
	switch sev {
	case SeverityError:
		s.Errors++
	case SeverityWarning:
		s.Warnings++
	default:
		s.Infos++
	}
}

func (s *Summary) add(p *PartitionResult) {
	s.Partitions++
	s.Segments += p.NumSegments
	s.Batches += p.Batches
	s.Records += p.Records
	s.UndecodedWrappers += p.UndecodedWrappers
	s.Bytes += p.Bytes
	s.Errors += p.Errors
	s.Warnings += p.Warnings
	s.Infos += p.Infos
}

// VerifyPartition checks one partition directory and returns its result,
// calling opts.OnFinding for each finding (Workers is ignored).
func VerifyPartition(ctx context.Context, t Target, opts Options) (*PartitionResult, error) {
	if opts.MaxFindingsPerFile <= 0 {
		opts.MaxFindingsPerFile = DefaultMaxFindingsPerFile
	}
	emit := func(f Finding) {
		if opts.OnFinding != nil {
			opts.OnFinding(f)
		}
	}
	return newChecker(opts, emit).checkPartition(ctx, t)
}

// checker holds one worker's reusable state. Not safe for concurrent use.
type checker struct {
	opts Options
	emit func(Finding)
	dec  *format.RecordDecoder
	// wdec decompresses legacy wrappers to count their inner messages
	// (format.Extent), with or without Deep.
	wdec *format.RecordDecoder
	cons *consistency // the partition being checked; nil for partial targets
	// buf is the read window of the main scan, reused for every segment this
	// checker (one per worker) reads, instead of a fresh window per file.
	buf []byte
}

func newChecker(opts Options, emit func(Finding)) *checker {
	c := &checker{opts: opts, emit: emit, buf: make([]byte, scanWindow), wdec: format.NewRecordDecoder(format.DecoderOptions{})}
	if opts.Deep {
		c.dec = format.NewRecordDecoder(format.DecoderOptions{})
	}
	return c
}

// fileReporter counts and caps the findings of one file.
type fileReporter struct {
	c        *checker
	part     *PartitionResult
	seg      *SegmentResult
	file     string
	path     string
	reported int
	dropped  int64
}

func (c *checker) reporter(p *PartitionResult, s *SegmentResult, path string) *fileReporter {
	return &fileReporter{c: c, part: p, seg: s, file: filepath.Base(path), path: path}
}

func (r *fileReporter) add(f Finding) {
	f.Partition = r.part.Name
	if f.File == "" {
		f.File = r.file
		f.Path = r.path
	}
	switch f.Severity {
	case SeverityError:
		r.part.Errors++
		if r.seg != nil {
			r.seg.Errors++
		}
	case SeverityWarning:
		r.part.Warnings++
		if r.seg != nil {
			r.seg.Warnings++
		}
	default:
		r.part.Infos++
		if r.seg != nil {
			r.seg.Infos++
		}
	}
	if r.reported >= r.c.opts.MaxFindingsPerFile {
		r.dropped++
		return
	}
	r.reported++
	r.c.emit(f)
}

// finish reports how many findings were left out.
func (r *fileReporter) finish() {
	if r.dropped > 0 {
		r.c.emit(Finding{Partition: r.part.Name, File: r.file, Path: r.path, Position: -1, End: -1, Offset: -1,
			NextValidPosition: -1, NextValidOffset: -1, Reason: ReasonTooManyFindings, Severity: SeverityInfo,
			Detail: fmt.Sprintf("%d more findings in this file were counted but not listed", r.dropped)})
	}
}

func newFinding(reason Reason, sev Severity, pos, end, offset int64, detail string) Finding {
	return Finding{Position: pos, End: end, Offset: offset, Reason: reason, Severity: sev, Detail: detail,
		NextValidPosition: -1, NextValidOffset: -1}
}

func (c *checker) checkPartition(ctx context.Context, t Target) (*PartitionResult, error) {
	p, err := segment.OpenPartition(t.Dir)
	if err != nil {
		return nil, fmt.Errorf("kseg/verify: %w", err)
	}
	res := &PartitionResult{Dir: t.Dir, Name: p.Name(), FirstOffset: -1, LastOffset: -1, LogStartOffset: -1}
	if t.Bases == nil {
		ls, _ := segment.LogStartOffset(p) // a bad checkpoint is reported by the log-dir checks
		res.LogStartOffset = ls.Offset
	}
	if t.Bases == nil {
		res.Leftovers = p.Leftovers
		lr := c.reporter(res, nil, "")
		minCleaned := minCleanedBase(p.Leftovers)
		for _, l := range p.Leftovers {
			f := leftoverFinding(l)
			if l.Kind == "swap" {
				if base, ok := leftoverBase(l.Path); ok && base >= minCleaned {
					// LogLoader.removeTempFilesAndCollectSwapFiles
					// (KAFKA-6264) deletes it instead of renaming it.
					f.Detail = fmt.Sprintf("segment split interrupted (a .cleaned file at base offset %d exists, at or below this one): the broker deletes this .swap at startup (LogLoader, KAFKA-6264)", minCleaned)
				}
			}
			if f.Reason == "" {
				continue
			}
			f.File, f.Path = filepath.Base(l.Path), l.Path
			lr.add(f)
		}
	}
	c.cons = nil
	if t.Bases == nil {
		if c.cons, err = c.newConsistency(res, p); err != nil {
			return nil, err
		}
	}
	prevLast := int64(-1)
	prevName := ""
	for i, s := range p.Segments {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if t.Bases != nil && !t.Bases[s.BaseOffset] {
			continue
		}
		if err := c.cons.segment(s); err != nil {
			return nil, err
		}
		sr, err := c.checkSegment(res, s, i == len(p.Segments)-1, &prevLast, prevName)
		if err != nil {
			return nil, err
		}
		prevName = sr.Name
		res.Segments = append(res.Segments, sr)
		res.NumSegments++
		res.Batches += sr.Batches
		res.Records += sr.Records
		res.UndecodedWrappers += sr.UndecodedWrappers
		res.Bytes += sr.Size
		if sr.FirstOffset >= 0 && res.FirstOffset < 0 {
			res.FirstOffset = sr.FirstOffset
		}
		if sr.LastOffset >= 0 {
			res.LastOffset = sr.LastOffset
		}
	}
	c.cons.finish()
	if err := c.checkKafka07Files(ctx, t, p, res); err != nil {
		return nil, err
	}
	if c.opts.WhatWouldKafkaDo {
		v := c.opts.KafkaVersion
		if v == (KafkaVersion{}) {
			v = DefaultKafkaVersion
		}
		if res.Kafka, err = kafkaRecovery(t, p, res, v); err != nil {
			return nil, err
		}
	}
	return res, nil
}

// leftoverBase is Kafka's LogFileUtils.offsetFromFile: the number before
// the file name's first dot.
func leftoverBase(path string) (int64, bool) {
	head, _, _ := strings.Cut(filepath.Base(path), ".")
	n, err := strconv.ParseInt(head, 10, 64)
	return n, err == nil
}

// minCleanedBase is the smallest base offset of a .cleaned leftover
// (math.MaxInt64 when there is none), as LogLoader computes it.
func minCleanedBase(ls []segment.Leftover) int64 {
	m := int64(math.MaxInt64)
	for _, l := range ls {
		if l.Kind == "cleaned" {
			if b, ok := leftoverBase(l.Path); ok && b < m {
				m = b
			}
		}
	}
	return m
}

func leftoverFinding(l segment.Leftover) Finding {
	name := filepath.Base(l.Path)
	switch l.Kind {
	case "swap":
		return newFinding(ReasonLeftoverSwap, SeverityWarning, -1, -1, -1,
			"compaction or segment split interrupted before the rename; the broker finishes it at startup (LogLoader)")
	case "cleaned":
		return newFinding(ReasonLeftoverCleaned, SeverityWarning, -1, -1, -1,
			"compaction interrupted; the broker deletes .cleaned files at startup")
	case "deleted":
		if hasSuffix(name, ".checkpoint.deleted") {
			return newFinding(ReasonLeftoverDeleted, SeverityInfo, -1, -1, -1,
				"KRaft snapshot marked for deletion; the metadata log removes it")
		}
		return newFinding(ReasonLeftoverDeleted, SeverityWarning, -1, -1, -1,
			"awaiting asynchronous deletion (file.delete.delay.ms); the broker deletes it at startup")
	case "orphan-index":
		return newFinding(ReasonOrphanIndex, SeverityWarning, -1, -1, -1,
			"index file without its .log; the broker deletes it at startup")
	case "kseg-tmp":
		return newFinding(ReasonKsegTemp, SeverityWarning, -1, -1, -1,
			"temporary file of an interrupted kseg run; `kseg repair --apply` removes it")
	}
	return Finding{}
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

// firstOffsetOf is the lowest offset a batch can hold: the v2 base offset,
// or for a legacy entry its stored (last) offset, since a wrapper's inner
// base is known only on deep iteration.
func firstOffsetOf(b *format.Batch) int64 {
	if b.Magic >= 2 {
		return b.BaseOffset
	}
	return b.LastOffset()
}

// segmentScan is the state of one pass over a .log.
type segmentScan struct {
	c        *checker
	rep      *fileReporter
	sr       *SegmentResult
	prevLast int64 // last offset of the last usable batch (this or an earlier segment)
	prevName string
	first    bool
	open     *BadRange
	// openDetail describes what opened the current bad range.
	openDetail string
	maxTS      int64
	tsOOO      int64
	tsFirst    int64 // position of the first out-of-order batch
	// tsOOOAppend counts the out-of-order batches with LogAppendTime (the
	// broker's clock), tsFirstAppend the position of the first.
	tsOOOAppend   int64
	tsFirstAppend int64
	idx           *indexMerge
	recCheck      int64
	log           io.ReaderAt // the .log, to read a legacy wrapper's body when not loaded
}

func (c *checker) checkSegment(part *PartitionResult, s *segment.Segment, active bool, prevLast *int64, prevName string) (*SegmentResult, error) {
	sr := &SegmentResult{Path: s.Log, Name: filepath.Base(s.Log), BaseOffset: s.BaseOffset, Active: active,
		FirstOffset: -1, LastOffset: -1, MaxTimestamp: -1, OverflowPosition: -1}
	f, err := os.Open(s.Log)
	if err != nil {
		return nil, fmt.Errorf("kseg/verify: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("kseg/verify: %w", err)
	}
	sr.Size = st.Size()
	rep := c.reporter(part, sr, s.Log)
	sc := &segmentScan{c: c, rep: rep, sr: sr, prevLast: *prevLast, prevName: prevName, first: true, maxTS: -1, tsFirst: -1, log: f}

	idx, err := openIndexes(s, sr.Size)
	if err != nil {
		return nil, err
	}
	defer idx.close()
	sc.idx = idx
	if idx.ix != nil {
		idx.start(c.reporter(part, sr, s.Index))
	}

	r := format.NewBatchReader(f, sr.Size, format.ReaderOptions{File: sr.Name, Buffer: c.buf})
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var te *format.TruncatedError
			var ce *format.CorruptionError
			switch {
			case errors.As(err, &te):
				reason := ReasonTornTail
				if te.Kind == format.TailZeroFilled {
					reason = ReasonZeroTail
				}
				if sc.open == nil {
					sc.open = &BadRange{Start: te.Position, Reason: reason, Tail: true, Offset: -1}
					sc.openDetail = te.Error()
				}
				sc.closeRange(sr.Size, -1)
			case errors.As(err, &ce):
				if sc.open == nil {
					sc.open = &BadRange{Start: ce.Position, Reason: Reason(ce.Reason.String()), Offset: ce.Offset}
					sc.openDetail = ce.Detail
				}
				_, ok, rerr := r.Resync()
				if rerr != nil {
					return nil, fmt.Errorf("kseg/verify: %w", rerr)
				}
				if !ok {
					sc.closeRange(sr.Size, -1)
					break
				}
				continue
			default:
				return nil, fmt.Errorf("kseg/verify: %w", err)
			}
			break
		}
		sc.batch(b)
	}
	if sc.open != nil {
		sc.closeRange(sr.Size, -1)
	}
	sr.ValidBytes = r.ValidBytes()
	sc.finish()
	idx.finish(sc, sr)
	rep.finish()
	if idx.err != nil && !errors.Is(idx.err, index.ErrCorruptIndex) {
		return nil, fmt.Errorf("kseg/verify: %s: %w", s.Index, idx.err)
	}
	*prevLast = sc.prevLast
	return sr, nil
}

func (sc *segmentScan) batch(b *format.Batch) {
	sr := sc.sr
	first := firstOffsetOf(b)
	var bad Reason
	detail := ""
	switch {
	case b.CRCChecked && !b.Valid:
		bad = ReasonCRCMismatch
		detail = fmt.Sprintf("stored crc 0x%08x != computed 0x%08x", b.CRC, b.ComputedCRC)
	case sc.prevLast >= 0 && first <= sc.prevLast:
		bad = ReasonOffsetRegression
		if sc.first && sc.prevName != "" {
			bad = ReasonSegmentOverlap
			detail = fmt.Sprintf("batch offsets %d..%d overlap segment %s, which ends at offset %d", first, b.LastOffset(), sc.prevName, sc.prevLast)
		} else {
			detail = fmt.Sprintf("batch offsets %d..%d are not above the previous batch's last offset %d", first, b.LastOffset(), sc.prevLast)
		}
	}
	if bad != "" {
		if sc.open == nil {
			sc.open = &BadRange{Start: b.Position, Reason: bad, Offset: b.BaseOffset}
			sc.openDetail = detail
		}
		sc.open.Batches++
		if b.IsLegacyWrapper() {
			// A damaged wrapper's inner count is known only if it still
			// decompresses; else it counts as one and the total is a bound.
			if e, _ := sc.c.wdec.ReadExtent(sc.log, b); e.Exact {
				sc.open.Records += e.Records
			} else {
				sc.open.Records++
				sc.open.RecordsAtLeast = true
			}
		} else {
			sc.open.Records += int64(max(b.NumRecords, 0))
		}
		sc.idx.observeBad(b)
		return
	}
	if sc.open != nil {
		sc.closeRange(b.Position, first)
	}
	if sc.first {
		sc.first = false
		if sr.BaseOffset > first {
			sc.rep.add(newFinding(ReasonBaseOffset, SeverityError, b.Position, -1, first,
				fmt.Sprintf("file name says base offset %d but the first batch starts at offset %d", sr.BaseOffset, first)))
		}
	}
	rel := b.LastOffset() - sr.BaseOffset
	if (rel > math.MaxInt32 || first < sr.BaseOffset) && sr.OverflowPosition < 0 {
		sr.OverflowPosition = b.Position
		sc.rep.add(newFinding(ReasonOffsetOverflow, SeverityError, b.Position, -1, b.LastOffset(),
			fmt.Sprintf("last offset %d minus the segment base %d does not fit an int32 relative offset (KAFKA-6264)", b.LastOffset(), sr.BaseOffset)))
	}
	if b.Magic >= 2 && (b.NumRecords < 0 || int64(b.NumRecords) > int64(b.LastOffsetDelta)+1) {
		sc.rep.add(newFinding(ReasonRecordCount, SeverityError, b.Position, -1, b.BaseOffset,
			fmt.Sprintf("recordsCount %d but lastOffsetDelta %d allows at most %d", b.NumRecords, b.LastOffsetDelta, int64(b.LastOffsetDelta)+1)))
	}
	if sc.c.dec != nil {
		sc.deep(b)
	}
	if b.Magic > 0 && b.MaxTimestamp >= 0 {
		if b.MaxTimestamp < sc.maxTS {
			if b.TimestampType() == format.LogAppendTime {
				if sc.tsOOOAppend == 0 {
					sc.tsFirstAppend = b.Position
				}
				sc.tsOOOAppend++
			} else {
				if sc.tsOOO == 0 {
					sc.tsFirst = b.Position
				}
				sc.tsOOO++
			}
		} else {
			sc.maxTS = b.MaxTimestamp
		}
	}
	sc.idx.observe(b, sc.prevLast)
	sc.c.cons.batch(b)
	ext := sc.extent(b)
	sr.Batches++
	sr.Records += ext.Records
	if sr.FirstOffset < 0 {
		sr.FirstOffset = ext.BaseOffset
	}
	sr.LastOffset = b.LastOffset()
	if b.MaxTimestamp > sr.MaxTimestamp {
		sr.MaxTimestamp = b.MaxTimestamp
	}
	if len(sr.BadRanges) > 0 || sr.BadRangesDropped > 0 {
		// A usable batch after the first bad range: Kafka's recovery would
		// throw it away.
		sr.RecordsAfterValid += ext.Records
	}
	sc.prevLast = b.LastOffset()
}

// extent is the batch's record extent; a legacy wrapper is decompressed to
// count its inner messages (rare and small), and one that cannot be is
// counted as one record in UndecodedWrappers (deep iteration reports why).
func (sc *segmentScan) extent(b *format.Batch) format.Extent {
	if !b.IsLegacyWrapper() {
		e, _ := sc.c.wdec.Extent(b)
		return e
	}
	e, _ := sc.c.wdec.ReadExtent(sc.log, b)
	if !e.Exact {
		sc.sr.UndecodedWrappers++
	}
	return e
}

func (sc *segmentScan) deep(b *format.Batch) {
	d := sc.c.dec
	if b.Raw == nil {
		return
	}
	if err := d.Reset(b); err != nil {
		sc.deepErr(b, err)
		return
	}
	var n int64
	prev := int64(-1)
	for {
		rec, err := d.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			sc.deepErr(b, err)
			return
		}
		n++
		if rec.Offset <= prev || rec.Offset > b.LastOffset() || rec.Offset < firstOffsetOfDeep(b) {
			sc.rep.add(newFinding(ReasonBadRecord, SeverityError, b.Position, -1, rec.Offset,
				fmt.Sprintf("record offset %d out of order or outside the batch's %d..%d", rec.Offset, b.BaseOffset, b.LastOffset())))
			return
		}
		prev = rec.Offset
	}
	if b.Magic >= 2 && n != int64(b.NumRecords) {
		sc.rep.add(newFinding(ReasonRecordCount, SeverityError, b.Position, -1, b.BaseOffset,
			fmt.Sprintf("recordsCount %d but %d records decoded", b.NumRecords, n)))
	}
}

func firstOffsetOfDeep(b *format.Batch) int64 {
	if b.Magic >= 2 {
		return b.BaseOffset
	}
	return math.MinInt64 // legacy wrappers: inner offsets start below the wrapper's
}

func (sc *segmentScan) deepErr(b *format.Batch, err error) {
	var ce *format.CorruptionError
	if errors.As(err, &ce) {
		reason := Reason(ce.Reason.String())
		sc.rep.add(newFinding(reason, SeverityError, b.Position, -1, ce.Offset, ce.Detail))
		return
	}
	sc.rep.add(newFinding(ReasonBadRecord, SeverityError, b.Position, -1, b.BaseOffset, err.Error()))
}

// closeRange ends the open bad range at end (the next usable batch, or the
// end of the file with nextOffset -1) and reports it.
func (sc *segmentScan) closeRange(end, nextOffset int64) {
	br := sc.open
	sc.open = nil
	br.End = end
	br.NextOffset = nextOffset
	sr := sc.sr
	if len(sr.BadRanges) < maxBadRangesPerFile {
		sr.BadRanges = append(sr.BadRanges, *br)
	} else {
		sr.BadRangesDropped++
	}
	sev := SeverityError
	if br.Tail && br.Reason == ReasonZeroTail && sr.Active && len(sr.BadRanges) == 1 && sr.BadRangesDropped == 0 {
		// The active segment of a log.preallocate=true topic, or an unclean
		// stop: benign, the broker truncates it at recovery.
		sev = SeverityWarning
	}
	detail := sc.openDetail
	if br.Batches > 0 {
		atLeast := ""
		if br.RecordsAtLeast {
			atLeast = "at least "
		}
		detail += fmt.Sprintf(" (%d unusable batch(es), %s%d records, in the range)", br.Batches, atLeast, br.Records)
	}
	if nextOffset >= 0 {
		detail += fmt.Sprintf("; valid batches resume at position %d, offset %d", end, nextOffset)
	} else {
		detail += "; nothing valid follows in this file"
	}
	if !sr.Active && br.Tail {
		detail += "; this is not the last segment"
	}
	f := newFinding(br.Reason, sev, br.Start, br.End, br.Offset, detail)
	if nextOffset >= 0 {
		f.NextValidPosition, f.NextValidOffset = end, nextOffset
	}
	sc.rep.add(f)
	sc.openDetail = ""
}

func (sc *segmentScan) finish() {
	if sc.tsOOO > 0 {
		// CreateTime is the producers' clocks: several producers, or one
		// retrying, interleave their times, so disorder is normal.
		sc.rep.add(newFinding(ReasonTimestampOrder, SeverityInfo, sc.tsFirst, -1, -1,
			fmt.Sprintf("%d CreateTime batch(es) have a max timestamp below an earlier batch's (first at position %d); producer clocks, normal with several producers", sc.tsOOO, sc.tsFirst)))
	}
	if sc.tsOOOAppend > 0 {
		// LogAppendTime is the leader's wall clock at append: it goes
		// back only when that clock stepped back (or leadership moved to a
		// broker whose clock is behind), or when the log was altered.
		sc.rep.add(newFinding(ReasonTimestampOrder, SeverityWarning, sc.tsFirstAppend, -1, -1,
			fmt.Sprintf("%d LogAppendTime batch(es) have a max timestamp below an earlier batch's (first at position %d): a leader's clock stepped back or leadership moved to a broker whose clock is behind, or the log was altered", sc.tsOOOAppend, sc.tsFirstAppend)))
	}
}

// scanWindow is the main scan's window: 256 KiB keeps the ReadAt count low
// (4 per MiB) while the bytes just read are still in L2 when their CRC is
// computed; a 1 MiB window measured ~35 % slower with two workers.
const scanWindow = 256 << 10

// windowFor sizes the window of a one-off reader (repair planning, the
// broker-recovery simulation, 0.7 files): small files get small windows. The
// main scan reuses the checker's buffer instead.
func windowFor(size int64) int {
	const minWindow, maxWindow = 64 << 10, 256 << 10
	switch {
	case size >= maxWindow:
		return maxWindow
	case size < minWindow:
		return minWindow
	}
	return int(size)
}
