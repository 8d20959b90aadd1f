// Package diff compares replicas of Kafka partitions batch by batch: the
// same partition in two log directories (two brokers, or a backup), to find
// where they diverge and which side holds a good copy of a batch that is
// corrupt on the other.
//
// Replicas hold byte-identical batches. A follower copies the leader's
// batches verbatim (ReplicaFetcherThread appends them with
// UnifiedLog.appendAsFollower, which neither reassigns offsets nor rewrites
// the batch), and the partition leader epoch is stamped once by the leader
// (UnifiedLog.appendAsLeader → MemoryRecords.setPartitionLeaderEpoch) and
// replicated as is. So any byte difference is real. The leader epoch sits
// outside the v2 CRC (DefaultRecordBatch.java: it is set after the CRC is
// computed), so an epoch-only difference leaves both CRCs valid; we report it
// as its own kind because it means the two sides were written under
// different leaders, the signature of an unclean leader election or of a log
// copied between clusters.
//
// Segment boundaries may differ between replicas (each broker rolls on its
// own clock and size), so the walk is by offset, not by file: one
// format.BatchReader per side walks that side's segments in order, and the
// two advance in lockstep by offset. Memory is two read windows plus
// counters, whatever the partition size. Differences stream to a callback.
//
// diff never prints and opens every file O_RDONLY.
package diff

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// ErrMismatchedPaths means the two paths are not both partition directories
// nor both log directories.
var ErrMismatchedPaths = errors.New("kseg/diff: compare two partition directories or two log directories")

// Kind is the stable name of a difference; part of the JSON output.
type Kind string

// Kinds of difference.
const (
	// KindContent: both sides hold a batch with the same offsets but
	// different bytes. GoodCopy says whose CRC is valid.
	KindContent Kind = "content"
	// KindLeaderEpoch: the batches are identical except the partition
	// leader epoch (outside the CRC, so both are valid).
	KindLeaderEpoch Kind = "leader-epoch"
	// KindBoundary: overlapping batches cover different offset ranges (the
	// two sides batched the same offsets differently: divergent histories).
	KindBoundary Kind = "batch-boundary"
	// KindOnlyA / KindOnlyB: a range of offsets only one side holds (a
	// follower behind or truncated, retention at different points, or the
	// range is unreadable on the other side).
	KindOnlyA Kind = "only-a"
	KindOnlyB Kind = "only-b"
	// KindUnreadableA / KindUnreadableB: corruption or a torn tail stops the
	// reader on that side; the walk resumes at the next valid batch.
	KindUnreadableA Kind = "unreadable-a"
	KindUnreadableB Kind = "unreadable-b"
	// KindPartitionOnlyA / KindPartitionOnlyB: log dir mode, a partition
	// directory exists on one side only.
	KindPartitionOnlyA Kind = "partition-only-a"
	KindPartitionOnlyB Kind = "partition-only-b"
)

// BatchRef locates a batch on one side.
type BatchRef struct {
	File                 string `json:"file"`
	Position             int64  `json:"position"`
	BaseOffset           int64  `json:"baseOffset"`
	LastOffset           int64  `json:"lastOffset"`
	Size                 int64  `json:"size"`
	Magic                int8   `json:"magic"`
	CRC                  uint32 `json:"crc"`
	CRCValid             bool   `json:"crcValid"`
	PartitionLeaderEpoch int32  `json:"partitionLeaderEpoch"`
}

// Difference is one finding. Offset..LastOffset is the offset range concerned
// (-1 when unknown). A and B locate the batches involved (nil when that side
// has none). For only-a/only-b ranges, Batches counts the batches in it and
// A/B is the first of them.
type Difference struct {
	Partition  string    `json:"partition"`
	Kind       Kind      `json:"kind"`
	Offset     int64     `json:"offset"`
	LastOffset int64     `json:"lastOffset"`
	Batches    int64     `json:"batches,omitempty"`
	A          *BatchRef `json:"a,omitempty"`
	B          *BatchRef `json:"b,omitempty"`
	// GoodCopy, for KindContent: "a" or "b" when only that side's CRC is
	// valid, "both" when both are (the histories diverged), "neither".
	GoodCopy string `json:"goodCopy,omitempty"`
	Detail   string `json:"detail,omitempty"`
}

// Side summarizes one side of a partition.
type Side struct {
	Dir         string `json:"-"` // as given; not in JSON (machine-dependent paths)
	Segments    int    `json:"segments"`
	Batches     int64  `json:"batches"`
	Bytes       int64  `json:"bytes"`
	FirstOffset int64  `json:"firstOffset"` // -1 when empty
	LastOffset  int64  `json:"lastOffset"`  // -1 when empty
}

// PartitionResult is the outcome for one partition. It holds counters only.
type PartitionResult struct {
	Partition string `json:"partition"`
	A         Side   `json:"a"`
	B         Side   `json:"b"`
	// CommonFirst..CommonLast is the offset range both sides cover (-1, -1
	// when they do not overlap).
	CommonFirst     int64 `json:"commonFirstOffset"`
	CommonLast      int64 `json:"commonLastOffset"`
	MatchingBatches int64 `json:"matchingBatches"`
	Differences     int64 `json:"differences"`
	// ByKind counts differences per kind (JSON sorts the keys).
	ByKind map[Kind]int64 `json:"byKind,omitempty"`
	// FirstDivergence is the first content, leader-epoch, boundary or
	// unreadable difference in offset order (nil: none).
	FirstDivergence *Difference `json:"firstDivergence,omitempty"`
	Identical       bool        `json:"identical"`
}

// Summary totals a run over several partitions.
type Summary struct {
	Partitions int   `json:"partitions"`
	Identical  int   `json:"identical"`
	Different  int   `json:"different"`
	Batches    int64 `json:"matchingBatches"`
}

// Options configures a comparison. The zero value is usable.
type Options struct {
	// OnDifference receives every difference as it is found, in offset
	// order within a partition. The value is the callee's.
	OnDifference func(Difference)
	// OnPartition receives each partition's result when it is done.
	OnPartition func(*PartitionResult)
	// WindowSize is each reader's window (default format.DefaultWindowSize).
	WindowSize int
}

// Paths compares a and b: two partition directories, or two log
// directories partition by partition (matched by directory name, in name
// order). A partition directory and a log directory holding a partition of
// the same name are compared too. It returns the totals; problems in the
// data are differences, and errors are operational (I/O, bad paths).
func Paths(ctx context.Context, a, b string, o Options) (*Summary, error) {
	for _, p := range []string{a, b} {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("kseg/diff: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("kseg/diff: %s: %w", p, ErrMismatchedPaths)
		}
	}
	pa, pb := isPartition(a), isPartition(b)
	switch {
	case pa && !pb:
		b = filepath.Join(b, filepath.Base(filepath.Clean(a)))
	case pb && !pa:
		a = filepath.Join(a, filepath.Base(filepath.Clean(b)))
	}
	if pa || pb {
		if !isPartition(a) || !isPartition(b) {
			return nil, fmt.Errorf("kseg/diff: %s vs %s: %w", a, b, ErrMismatchedPaths)
		}
		sum := &Summary{}
		res, err := Partitions(ctx, a, b, o)
		if err != nil {
			return nil, err
		}
		sum.add(res)
		return sum, nil
	}
	return LogDirs(ctx, a, b, o)
}

// isPartition tells a partition directory from a log directory. Names are
// not enough: a log dir called kafka-logs-1 parses as partition 1 of topic
// "kafka-logs". A directory holding .log files, or named like a partition
// and holding no partition directories, is a partition.
func isPartition(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if _, suffix, ok := segment.ParseFileName(e.Name()); ok && suffix == segment.LogSuffix {
			return true
		}
	}
	if !segment.IsPartitionDir(dir) {
		return false
	}
	for _, e := range ents {
		if e.IsDir() && segment.IsPartitionDir(e.Name()) {
			return false
		}
	}
	return true
}

func (s *Summary) add(r *PartitionResult) {
	s.Partitions++
	s.Batches += r.MatchingBatches
	if r.Identical {
		s.Identical++
	} else {
		s.Different++
	}
}

// LogDirs compares two log directories partition by partition.
func LogDirs(ctx context.Context, a, b string, o Options) (*Summary, error) {
	la, err := segment.ListLogDir(a)
	if err != nil {
		return nil, fmt.Errorf("kseg/diff: %w", err)
	}
	lb, err := segment.ListLogDir(b)
	if err != nil {
		return nil, fmt.Errorf("kseg/diff: %w", err)
	}
	sum := &Summary{}
	i, j := 0, 0
	for i < len(la) || j < len(lb) {
		if err := ctx.Err(); err != nil {
			return sum, err
		}
		var na, nb string
		if i < len(la) {
			na = filepath.Base(la[i])
		}
		if j < len(lb) {
			nb = filepath.Base(lb[j])
		}
		switch {
		case j >= len(lb) || (i < len(la) && na < nb):
			sum.add(onlyPartition(o, KindPartitionOnlyA, na, la[i], a))
			i++
		case i >= len(la) || nb < na:
			sum.add(onlyPartition(o, KindPartitionOnlyB, nb, lb[j], b))
			j++
		default:
			res, err := Partitions(ctx, la[i], lb[j], o)
			if err != nil {
				return sum, err
			}
			sum.add(res)
			i++
			j++
		}
	}
	return sum, nil
}

func onlyPartition(o Options, k Kind, name, dir, other string) *PartitionResult {
	d := Difference{Partition: name, Kind: k, Offset: -1, LastOffset: -1,
		Detail: fmt.Sprintf("no directory %s in %s", name, filepath.Base(filepath.Clean(other)))}
	if o.OnDifference != nil {
		o.OnDifference(d)
	}
	res := &PartitionResult{Partition: name, CommonFirst: -1, CommonLast: -1, Differences: 1, ByKind: map[Kind]int64{k: 1},
		A: Side{FirstOffset: -1, LastOffset: -1}, B: Side{FirstOffset: -1, LastOffset: -1}}
	if k == KindPartitionOnlyA {
		res.A.Dir = dir
	} else {
		res.B.Dir = dir
	}
	if o.OnPartition != nil {
		o.OnPartition(res)
	}
	return res
}

// Partitions compares two partition directories (replicas of one
// partition) and returns the result, streaming differences to
// o.OnDifference.
func Partitions(ctx context.Context, a, b string, o Options) (*PartitionResult, error) {
	sa, err := openSide(a, "a", o)
	if err != nil {
		return nil, err
	}
	defer sa.close()
	sb, err := openSide(b, "b", o)
	if err != nil {
		return nil, err
	}
	defer sb.close()
	name := filepath.Base(filepath.Clean(a))
	w := &walker{o: o, res: &PartitionResult{Partition: name, CommonFirst: -1, CommonLast: -1, ByKind: map[Kind]int64{}}, a: sa, b: sb}
	if err := w.run(ctx); err != nil {
		return nil, err
	}
	w.res.A, w.res.B = sa.sum, sb.sum
	if f, l := max(sa.sum.FirstOffset, sb.sum.FirstOffset), min(sa.sum.LastOffset, sb.sum.LastOffset); sa.sum.FirstOffset >= 0 && sb.sum.FirstOffset >= 0 && f <= l {
		w.res.CommonFirst, w.res.CommonLast = f, l
	}
	if len(w.res.ByKind) == 0 {
		w.res.ByKind = nil
	}
	w.res.Identical = w.res.Differences == 0
	if o.OnPartition != nil {
		o.OnPartition(w.res)
	}
	return w.res, nil
}

// side walks the segments of one replica in offset order.
type side struct {
	name   string // "a" or "b"
	part   *segment.Partition
	seg    int
	f      *os.File
	r      *format.BatchReader
	file   string
	sum    Side
	buf    []byte
	window int
	// problem is an unreadable region found by the last next call.
	problem *Difference
	// cur is the batch next returned last and curFirst its first record's
	// offset (a legacy wrapper decompressed: format.Extent).
	cur      *format.Batch
	curFirst int64
	dec      *format.RecordDecoder
}

// first is b's first record offset: for the side's current batch the
// resolved one (a legacy wrapper's first inner offset), else what the
// header tells.
func (s *side) first(b *format.Batch) int64 {
	if b == s.cur {
		return s.curFirst
	}
	return firstOffset(b)
}

func openSide(dir, name string, o Options) (*side, error) {
	p, err := segment.OpenPartition(dir)
	if err != nil {
		return nil, fmt.Errorf("kseg/diff: %w", err)
	}
	s := &side{name: name, part: p, seg: -1, window: o.WindowSize,
		sum: Side{Dir: dir, Segments: len(p.Segments), FirstOffset: -1, LastOffset: -1}}
	if s.window <= 0 {
		s.window = format.DefaultWindowSize
	}
	s.buf = make([]byte, s.window)
	return s, nil
}

func (s *side) close() {
	if s.f != nil {
		s.f.Close()
		s.f = nil
	}
}

// next returns the next readable batch (owned by the reader until the next
// call), or nil at the end. An unreadable region sets s.problem and still
// returns the batch after it, if any.
func (s *side) next() (*format.Batch, error) {
	for {
		if s.r == nil {
			s.close()
			s.seg++
			if s.seg >= len(s.part.Segments) {
				return nil, nil
			}
			sg := s.part.Segments[s.seg]
			f, err := os.Open(sg.Log)
			if err != nil {
				return nil, fmt.Errorf("kseg/diff: %w", err)
			}
			st, err := f.Stat()
			if err != nil {
				f.Close()
				return nil, fmt.Errorf("kseg/diff: %w", err)
			}
			s.f, s.file = f, filepath.Base(sg.Log)
			s.sum.Bytes += st.Size()
			s.r = format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: s.file, Buffer: s.buf})
		}
		b, err := s.r.Next()
		if err == nil {
			s.cur, s.curFirst = b, firstOffset(b)
			if b.IsLegacyWrapper() {
				if s.dec == nil {
					s.dec = format.NewRecordDecoder(format.DecoderOptions{File: s.file})
				}
				if e, err := s.dec.ReadExtent(s.f, b); err == nil {
					s.curFirst = e.BaseOffset
				}
			}
			s.sum.Batches++
			if s.sum.FirstOffset < 0 {
				s.sum.FirstOffset = s.curFirst
			}
			s.sum.LastOffset = max(s.sum.LastOffset, b.LastOffset())
			return b, nil
		}
		if err == io.EOF {
			s.r = nil
			continue
		}
		kind := KindUnreadableA
		if s.name == "b" {
			kind = KindUnreadableB
		}
		var ce *format.CorruptionError
		var te *format.TruncatedError
		switch {
		case errors.As(err, &te):
			if s.problem == nil {
				s.problem = &Difference{Kind: kind, Offset: -1, LastOffset: -1,
					Detail: fmt.Sprintf("%s: position %d: torn tail: %d bytes (%s)", s.file, te.Position, te.Bytes, te.Kind)}
			}
			s.r = nil
		case errors.As(err, &ce):
			if s.problem == nil {
				s.problem = &Difference{Kind: kind, Offset: -1, LastOffset: -1,
					Detail: fmt.Sprintf("%s: position %d: %s: %s", s.file, ce.Position, ce.Reason, ce.Detail)}
			}
			_, ok, rerr := s.r.Resync()
			if rerr != nil {
				return nil, fmt.Errorf("kseg/diff: %w", rerr)
			}
			if !ok {
				s.r = nil
			}
		default:
			return nil, fmt.Errorf("kseg/diff: %w", err)
		}
	}
}

// firstOffset is the lowest offset a batch holds as far as its header
// tells: the v2 base offset, or a legacy entry's stored (last) offset, since
// a wrapper's inner base is known only after decompressing it (side.first).
func firstOffset(b *format.Batch) int64 {
	if b.Magic >= 2 {
		return b.BaseOffset
	}
	return b.LastOffset()
}

func ref(s *side, b *format.Batch) *BatchRef {
	return &BatchRef{File: s.file, Position: b.Position, BaseOffset: s.first(b), LastOffset: b.LastOffset(),
		Size: b.Size(), Magic: b.Magic, CRC: b.CRC, CRCValid: !b.CRCChecked || b.Valid, PartitionLeaderEpoch: b.PartitionLeaderEpoch}
}

type walker struct {
	o    Options
	res  *PartitionResult
	a, b *side
	// pending coalesces consecutive only-a or only-b batches.
	pending *Difference
}

func (w *walker) emit(d Difference) {
	d.Partition = w.res.Partition
	w.res.Differences++
	w.res.ByKind[d.Kind]++
	if w.res.FirstDivergence == nil && d.Kind != KindOnlyA && d.Kind != KindOnlyB {
		c := d
		w.res.FirstDivergence = &c
	}
	if w.o.OnDifference != nil {
		w.o.OnDifference(d)
	}
}

func (w *walker) flush() {
	if w.pending != nil {
		d := *w.pending
		w.pending = nil
		w.emit(d)
	}
}

func (w *walker) only(s *side, b *format.Batch) {
	k := KindOnlyA
	if s.name == "b" {
		k = KindOnlyB
	}
	if w.pending != nil && w.pending.Kind == k && s.first(b) > w.pending.LastOffset {
		w.pending.LastOffset = b.LastOffset()
		w.pending.Batches++
		return
	}
	w.flush()
	d := &Difference{Kind: k, Offset: s.first(b), LastOffset: b.LastOffset(), Batches: 1}
	if k == KindOnlyA {
		d.A = ref(s, b)
	} else {
		d.B = ref(s, b)
	}
	w.pending = d
}

func (w *walker) advance(s *side) (*format.Batch, error) {
	b, err := s.next()
	if s.problem != nil {
		w.flush()
		d := *s.problem
		s.problem = nil
		if b != nil {
			d.Detail += fmt.Sprintf("; resumes at %s position %d offset %d", s.file, b.Position, s.first(b))
		}
		w.emit(d)
	}
	return b, err
}

func (w *walker) run(ctx context.Context) error {
	ba, err := w.advance(w.a)
	if err != nil {
		return err
	}
	bb, err := w.advance(w.b)
	if err != nil {
		return err
	}
	for n := 0; ba != nil || bb != nil; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		moveA, moveB := false, false
		switch {
		case bb == nil:
			w.only(w.a, ba)
			moveA = true
		case ba == nil:
			w.only(w.b, bb)
			moveB = true
		case ba.LastOffset() < w.b.first(bb):
			w.only(w.a, ba)
			moveA = true
		case bb.LastOffset() < w.a.first(ba):
			w.only(w.b, bb)
			moveB = true
		case w.a.first(ba) == w.b.first(bb) && ba.LastOffset() == bb.LastOffset():
			w.flush()
			if err := w.compare(ba, bb); err != nil {
				return err
			}
			moveA, moveB = true, true
		default:
			w.flush()
			w.emit(Difference{Kind: KindBoundary, Offset: max(w.a.first(ba), w.b.first(bb)), LastOffset: min(ba.LastOffset(), bb.LastOffset()),
				A: ref(w.a, ba), B: ref(w.b, bb),
				Detail: fmt.Sprintf("A batch holds offsets %d..%d, B batch %d..%d", w.a.first(ba), ba.LastOffset(), w.b.first(bb), bb.LastOffset())})
			moveA = ba.LastOffset() <= bb.LastOffset()
			moveB = bb.LastOffset() <= ba.LastOffset()
		}
		if moveA {
			if ba, err = w.advance(w.a); err != nil {
				return err
			}
		}
		if moveB {
			if bb, err = w.advance(w.b); err != nil {
				return err
			}
		}
	}
	w.flush()
	return nil
}

// compare checks two batches with the same offsets byte for byte.
func (w *walker) compare(ba, bb *format.Batch) error {
	same, epochOnly, err := w.equal(ba, bb)
	if err != nil {
		return err
	}
	if same {
		w.res.MatchingBatches++
		return nil
	}
	ra, rb := ref(w.a, ba), ref(w.b, bb)
	if epochOnly {
		w.emit(Difference{Kind: KindLeaderEpoch, Offset: ra.BaseOffset, LastOffset: ra.LastOffset, A: ra, B: rb,
			Detail: fmt.Sprintf("partitionLeaderEpoch %d vs %d, batches otherwise identical", ba.PartitionLeaderEpoch, bb.PartitionLeaderEpoch)})
		return nil
	}
	d := Difference{Kind: KindContent, Offset: ra.BaseOffset, LastOffset: ra.LastOffset, A: ra, B: rb}
	switch {
	case ra.CRCValid && rb.CRCValid:
		d.GoodCopy = "both"
		d.Detail = "both CRCs valid: the replicas hold different data for these offsets (divergent histories)"
	case ra.CRCValid:
		d.GoodCopy = "a"
		d.Detail = "B's CRC is invalid; A holds the good copy"
	case rb.CRCValid:
		d.GoodCopy = "b"
		d.Detail = "A's CRC is invalid; B holds the good copy"
	default:
		d.GoodCopy = "neither"
		d.Detail = "both CRCs are invalid"
	}
	w.emit(d)
	return nil
}

// leaderEpochPos is the position of partitionLeaderEpoch in a v2 batch
// (DefaultRecordBatch.PARTITION_LEADER_EPOCH_OFFSET): part of the format.
const leaderEpochPos, leaderEpochEnd = 12, 16

// equal compares the two entries' bytes, from Raw when both were loaded,
// else in chunks through ReadAt. epochOnly reports that only the v2
// partition leader epoch differs.
func (w *walker) equal(ba, bb *format.Batch) (same, epochOnly bool, err error) {
	if ba.Size() != bb.Size() || ba.Magic != bb.Magic {
		return false, false, nil
	}
	if ba.Raw != nil && bb.Raw != nil {
		if bytes.Equal(ba.Raw, bb.Raw) {
			return true, false, nil
		}
		return false, ba.Magic >= 2 && bytes.Equal(ba.Raw[:leaderEpochPos], bb.Raw[:leaderEpochPos]) &&
			bytes.Equal(ba.Raw[leaderEpochEnd:], bb.Raw[leaderEpochEnd:]), nil
	}
	// Large batches: compare in chunks; the epoch field lies in the first.
	const chunk = 64 << 10
	pa, pb := make([]byte, chunk), make([]byte, chunk)
	epochDiff := false
	for p := int64(0); p < ba.Size(); p += chunk {
		n := min(chunk, ba.Size()-p)
		if _, err := w.a.f.ReadAt(pa[:n], ba.Position+p); err != nil {
			return false, false, fmt.Errorf("kseg/diff: %s: %w", w.a.file, err)
		}
		if _, err := w.b.f.ReadAt(pb[:n], bb.Position+p); err != nil {
			return false, false, fmt.Errorf("kseg/diff: %s: %w", w.b.file, err)
		}
		x, y := pa[:n], pb[:n]
		if p == 0 && ba.Magic >= 2 {
			if !bytes.Equal(x[leaderEpochPos:leaderEpochEnd], y[leaderEpochPos:leaderEpochEnd]) {
				epochDiff = true
			}
			if !bytes.Equal(x[:leaderEpochPos], y[:leaderEpochPos]) || !bytes.Equal(x[leaderEpochEnd:], y[leaderEpochEnd:]) {
				return false, false, nil
			}
			continue
		}
		if !bytes.Equal(x, y) {
			return false, false, nil
		}
	}
	return !epochDiff, epochDiff, nil
}
