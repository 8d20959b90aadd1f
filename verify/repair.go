package verify

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/segment"
)

// ActionKind names a repair step. The values are part of the JSON report.
type ActionKind string

// Repair steps.
const (
	// ActionTruncateTail cuts a torn (partial or zero-filled) tail off the
	// last segment: the only log change made without --salvage.
	ActionTruncateTail ActionKind = "truncate-tail"
	// ActionTruncateAt cuts a segment at an operator-chosen batch boundary
	// (--truncate-at), Kafka's own behaviour for that one file.
	ActionTruncateAt ActionKind = "truncate-at"
	// ActionSplit cuts bad ranges out of a segment (--salvage): the original
	// is truncated at the first bad range and every run of valid batches
	// after a bad range becomes a new segment named by its first offset.
	ActionSplit ActionKind = "split"
	// ActionRebuildIndex rewrites a segment's .index and .timeindex with the
	// broker's recovery rule.
	ActionRebuildIndex ActionKind = "rebuild-index"
	// ActionRemoveTemp removes a .kseg-tmp file of an interrupted kseg run.
	ActionRemoveTemp ActionKind = "remove-temp"
	// ActionRemoveSnapshot removes a producer snapshot above the log end
	// offset, as the broker does at load.
	ActionRemoveSnapshot ActionKind = "remove-snapshot"
	// ActionClampCheckpoint lowers the recovery-point-offset-checkpoint or
	// replication-offset-checkpoint entries above a partition's log end
	// offset to it, as the broker does at its next start.
	ActionClampCheckpoint ActionKind = "clamp-checkpoint"
)

// File changes an action makes. Apply changes exactly the files an action
// lists, in these ways, and nothing else.
const (
	ChangeTruncate = "truncate"
	ChangeReplace  = "replace"
	ChangeCreate   = "create"
	ChangeRemove   = "remove"
)

// FileChange is one file an action changes.
type FileChange struct {
	Path   string `json:"path"`
	Change string `json:"change"`
	Detail string `json:"detail,omitempty"`
}

// CheckpointClamp is one checkpoint entry a clamp-checkpoint lowers.
type CheckpointClamp struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	From      int64  `json:"from"`
	To        int64  `json:"to"`
}

// Piece is a run of valid batches [Start, End) of a segment being split,
// written to a new segment file named by its first offset.
type Piece struct {
	Start      int64  `json:"start"`
	End        int64  `json:"end"`
	BaseOffset int64  `json:"baseOffset"`
	File       string `json:"file"`
	// Exists: an earlier, interrupted run already wrote this exact file.
	Exists bool `json:"exists,omitempty"`
}

// Action is one planned repair step on one file.
type Action struct {
	Kind      ActionKind `json:"action"`
	Partition string     `json:"partition"`
	File      string     `json:"file"`
	Path      string     `json:"path"`
	// Position is where the file is cut ([Position, Size) is quarantined and
	// removed), -1 when nothing is cut.
	Position int64 `json:"position"`
	Size     int64 `json:"size"`
	// BytesRemoved are bytes that leave the log for good (bad ranges and
	// tails); bytes moved into new segments are not counted.
	BytesRemoved int64 `json:"bytesRemoved"`
	// RecordsRemoved counts records of framed batches inside the removed
	// bytes (claimed counts of unusable batches).
	RecordsRemoved int64      `json:"recordsRemoved"`
	Ranges         []BadRange `json:"ranges,omitempty"`
	Pieces         []Piece    `json:"pieces,omitempty"`
	// RemoveOriginal: the first bad range starts at position 0, so nothing
	// of the original file is kept under its name.
	RemoveOriginal bool `json:"removeOriginal,omitempty"`
	// Lost is the offset range a cut removes from the log (truncate-tail,
	// truncate-at): from the new log end offset on.
	Lost *Loss `json:"lost,omitempty"`
	// Clamps are the entries a clamp-checkpoint lowers.
	Clamps []CheckpointClamp `json:"clamps,omitempty"`
	// Files lists every file the action changes and how: Apply touches
	// exactly these.
	Files  []FileChange `json:"files"`
	Detail string       `json:"detail,omitempty"`

	baseOffset int64
}

// Plan is what repair would do. Unresolved lists error findings that this
// plan leaves alone (mid-log corruption without --salvage, overlapping
// segments, offset overflow, ...).
type Plan struct {
	Actions    []Action  `json:"actions"`
	Unresolved []Finding `json:"unresolved"`
	// LogDirs are the Kafka log directories the targets live in (their
	// .lock is probed and, on Apply, held).
	LogDirs []string `json:"-"`
	// Targets are the resolved partitions (for Apply's quarantine check).
	Targets []Target `json:"-"`
	// KafkaVersion is the broker release the plan refers to.
	KafkaVersion KafkaVersion `json:"kafkaVersion"`
}

// NothingToDo reports whether the plan has no actions.
func (p *Plan) NothingToDo() bool { return len(p.Actions) == 0 }

// RepairOptions configures PlanRepair.
type RepairOptions struct {
	// Salvage cuts mid-log bad ranges out by splitting segments.
	Salvage bool
	// TruncateAt (>= 0) cuts the single .log file named in paths at this
	// byte position, which must be a batch boundary. -1: unused.
	TruncateAt int64
	// IndexIntervalBytes is the topic's index.interval.bytes (default 4096).
	IndexIntervalBytes int
	// Workers bounds parallel planning (default runtime.NumCPU()).
	Workers int
	// KafkaVersion is the broker release the plan's notes on what the
	// broker would do refer to (zero value: DefaultKafkaVersion).
	KafkaVersion KafkaVersion
}

// DefaultIndexIntervalBytes is Kafka's index.interval.bytes default.
const DefaultIndexIntervalBytes = 4096

// ErrNotBoundary means --truncate-at named a position that is not the start
// of a batch (or the end of the valid data) in the file.
var ErrNotBoundary = errors.New("kseg/verify: position is not a batch boundary")

// maxUnresolvedPerPartition bounds the unresolved findings kept per partition.
const maxUnresolvedPerPartition = 200

// PlanRepair verifies the targets named by paths and plans their repair. It
// reads only. An error is operational (I/O, bad arguments, lock held).
func PlanRepair(ctx context.Context, paths []string, opts RepairOptions) (*Plan, error) {
	targets, _, err := Resolve(paths)
	if err != nil {
		return nil, err
	}
	if len(targets) == 0 {
		return nil, ErrNoTargets
	}
	if opts.IndexIntervalBytes <= 0 {
		opts.IndexIntervalBytes = DefaultIndexIntervalBytes
	}
	if opts.KafkaVersion == (KafkaVersion{}) {
		opts.KafkaVersion = DefaultKafkaVersion
	}
	truncFile := ""
	if opts.TruncateAt >= 0 {
		if len(paths) != 1 || filepath.Ext(paths[0]) != segment.LogSuffix {
			return nil, fmt.Errorf("kseg/verify: --truncate-at needs exactly one .log file")
		}
		truncFile = filepath.Clean(paths[0])
	}
	plan := &Plan{Actions: []Action{}, Unresolved: []Finding{}, Targets: targets, KafkaVersion: opts.KafkaVersion}
	seen := map[string]bool{}
	for _, t := range targets {
		if ld, ok := fsutil.FindLogDir(t.Dir); ok && !seen[ld] {
			seen[ld] = true
			plan.LogDirs = append(plan.LogDirs, ld)
		}
	}
	for _, ld := range plan.LogDirs {
		held, pid, err := fsutil.LockHeld(ld)
		if err != nil {
			return nil, err
		}
		if held {
			return nil, fmt.Errorf("kseg/verify: %s/.lock is held (pid %d): stop the broker first: %w", ld, pid, fsutil.ErrLocked)
		}
	}
	results := make([]*partPlan, len(targets))
	vopts := Options{Workers: opts.Workers, MaxFindingsPerFile: maxUnresolvedPerPartition}
	for i, t := range targets {
		pp := &partPlan{}
		results[i] = pp
		vo := vopts
		vo.OnFinding = pp.finding
		res, err := VerifyPartition(ctx, t, vo)
		if err != nil {
			return nil, err
		}
		pp.res = res
		if err := pp.plan(t, opts, truncFile, plan); err != nil {
			return nil, err
		}
	}
	if err := planCheckpointClamps(targets, results, plan); err != nil {
		return nil, err
	}
	return plan, nil
}

type partPlan struct {
	res      *PartitionResult
	findings []Finding
	// leo is the log end offset after the plan (-1: no segment).
	leo int64
	// lost is what the plan's cut of the last segment removes, if any.
	lost *Loss
}

func (pp *partPlan) finding(f Finding) {
	if f.Severity == SeverityError && len(pp.findings) < maxUnresolvedPerPartition {
		pp.findings = append(pp.findings, f)
	}
}

func (pp *partPlan) plan(t Target, opts RepairOptions, truncFile string, plan *Plan) error {
	res := pp.res
	handled := map[string]bool{} // files whose error findings the plan resolves
	pending := map[string]bool{} // pieces an interrupted run already wrote
	pp.leo = -1
	if n := len(res.Segments); n > 0 {
		pp.leo = max(res.LastOffset+1, res.Segments[n-1].BaseOffset)
	}
	for _, l := range res.Leftovers {
		if l.Kind == "kseg-tmp" {
			st, err := os.Stat(l.Path)
			if err != nil {
				return fmt.Errorf("kseg/verify: %w", err)
			}
			plan.Actions = append(plan.Actions, Action{Kind: ActionRemoveTemp, Partition: res.Name, File: filepath.Base(l.Path),
				Path: l.Path, Position: 0, Size: st.Size(), Files: []FileChange{{Path: l.Path, Change: ChangeRemove}},
				Detail: "temporary file of an interrupted kseg run (quarantined, then removed)"})
		}
	}
	for _, sr := range res.Segments {
		if pending[sr.Name] {
			handled[sr.Name] = true
			continue
		}
		a := Action{Partition: res.Name, File: sr.Name, Path: sr.Path, Position: -1, Size: sr.Size, baseOffset: sr.BaseOffset}
		switch {
		case truncFile != "" && filepath.Clean(sr.Path) == truncFile:
			if err := checkBoundary(sr, opts.TruncateAt); err != nil {
				return err
			}
			if opts.TruncateAt == sr.Size {
				break
			}
			a.Kind, a.Position, a.BytesRemoved = ActionTruncateAt, opts.TruncateAt, sr.Size-opts.TruncateAt
			a.Detail = fmt.Sprintf("operator cut at position %d (--truncate-at)", opts.TruncateAt)
			handled[sr.Name] = true
		case len(sr.BadRanges) == 1 && sr.BadRanges[0].Tail && sr.Active && sr.BadRangesDropped == 0:
			br := sr.BadRanges[0]
			a.Kind, a.Position, a.BytesRemoved, a.Ranges = ActionTruncateTail, br.Start, sr.Size-br.Start, sr.BadRanges
			a.Detail = fmt.Sprintf("torn tail (%s) of the last segment, nothing valid after it", br.Reason)
			handled[sr.Name] = true
		case len(sr.BadRanges) > 0 && opts.Salvage:
			if err := planSplit(sr, &a, pending); err != nil {
				plan.Unresolved = append(plan.Unresolved, Finding{Partition: res.Name, File: sr.Name, Path: sr.Path,
					Position: -1, End: -1, Offset: -1, NextValidPosition: -1, NextValidOffset: -1,
					Reason: "salvage-conflict", Severity: SeverityError, Detail: err.Error()})
				continue
			}
			handled[sr.Name] = true
		}
		if a.Kind != "" {
			if err := planFiles(sr, &a, opts.IndexIntervalBytes); err != nil {
				return err
			}
			if (a.Kind == ActionTruncateTail || a.Kind == ActionTruncateAt) && sr.Active {
				pp.leo, pp.lost = a.Lost.FromOffset, a.Lost
			}
			plan.Actions = append(plan.Actions, a)
			handled[indexName(sr.Name)] = true
			handled[timeIndexName(sr.Name)] = true
			continue
		}
		if sr.rebuildIndex() || sr.rebuildTimeIndex() {
			a.Kind = ActionRebuildIndex
			a.Detail = fmt.Sprintf("offset index %s, time index %s", sr.Index, sr.TimeIndex)
			if sr.Index == IndexMissing {
				if opts.KafkaVersion.eagerIndexes() {
					a.Detail += fmt.Sprintf(" (a Kafka %s broker would create it empty and never rebuild it below the recovery point: lookups would scan the segment from position 0)", opts.KafkaVersion)
				} else if sr.ValidBytes < sr.Size {
					// LogLoader.loadSegmentFiles: NoSuchFileException →
					// recoverSegment, which truncates a damaged segment.
					a.Detail += fmt.Sprintf(" (a Kafka %s broker would recover this segment at its next start and truncate it at position %d, the damage, keeping the later segments; with the index rebuilt here it does not, and the damage stays for you to resolve)", opts.KafkaVersion, sr.ValidBytes)
				} else {
					a.Detail += fmt.Sprintf(" (a Kafka %s broker would also rebuild it at its next start)", opts.KafkaVersion)
				}
			}
			if err := planFiles(sr, &a, opts.IndexIntervalBytes); err != nil {
				return err
			}
			if len(a.Files) > 0 {
				plan.Actions = append(plan.Actions, a)
			}
			handled[indexName(sr.Name)] = true
			handled[timeIndexName(sr.Name)] = true
		}
	}
	if t.Bases == nil && pp.leo >= 0 {
		if err := planStraySnapshots(t, pp, plan, handled); err != nil {
			return err
		}
	}
	for _, f := range pp.findings {
		if handled[f.File] && (isLogRangeReason(f) || isIndexReason(f.Reason)) {
			continue
		}
		if pending[f.File] {
			continue
		}
		plan.Unresolved = append(plan.Unresolved, f)
	}
	return nil
}

// planStraySnapshots plans the removal of producer snapshots above the
// partition's log end offset after the plan: the broker deletes them at load
// (ProducerStateManager.truncateAndReload: "remove all out of range
// snapshots", offset > logEndOffset), and verify reports them.
func planStraySnapshots(t Target, pp *partPlan, plan *Plan, handled map[string]bool) error {
	entries, err := os.ReadDir(t.Dir)
	if err != nil {
		return fmt.Errorf("kseg/verify: %w", err)
	}
	for _, e := range entries {
		off, suffix, ok := segment.ParseFileName(e.Name())
		if !ok || suffix != segment.SnapshotSuffix || off <= pp.leo || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(t.Dir, e.Name())
		st, err := os.Stat(path)
		if err != nil {
			return fmt.Errorf("kseg/verify: %w", err)
		}
		plan.Actions = append(plan.Actions, Action{Kind: ActionRemoveSnapshot, Partition: pp.res.Name, File: e.Name(), Path: path,
			Position: 0, Size: st.Size(), Files: []FileChange{{Path: path, Change: ChangeRemove}},
			Detail: fmt.Sprintf("producer snapshot above the log end offset %d: the broker deletes it at load (ProducerStateManager.truncateAndReload); quarantined, then removed", pp.leo)})
		handled[e.Name()] = true
	}
	return nil
}

// planFiles fills a.Files (and a.Lost for a cut) with every file the
// action changes: the .log itself, and each index file whose rebuilt bytes
// (computed now, from the bytes the action will leave) differ from the file
// on disk. A rebuild-index action rebuilds only the index files whose
// status needs it: an index the plan calls ok is never touched.
func planFiles(sr *SegmentResult, a *Action, interval int) error {
	s, err := segment.SegmentForFile(sr.Path)
	if err != nil {
		return fmt.Errorf("kseg/verify: %w", err)
	}
	ixPath, tiPath := indexPaths(sr.Path)
	add := func(path, change, detail string) {
		a.Files = append(a.Files, FileChange{Path: path, Change: change, Detail: detail})
	}
	// indexes adds the index files of logPath that differ from the
	// rebuild of bytes [start, end) of this segment named by base.
	indexes := func(logPath string, base, start, end int64, only map[string]bool) error {
		rb, err := segment.RebuildIndexesRange(s, interval, base, start, end)
		if err != nil {
			return fmt.Errorf("kseg/verify: %w", err)
		}
		ix, ti := indexPaths(logPath)
		for _, f := range []struct {
			path string
			data []byte
		}{{ix, rb.OffsetIdx}, {ti, rb.TimeIdx}} {
			if only != nil && !only[f.path] {
				continue
			}
			old, err := os.ReadFile(f.path)
			switch {
			case errors.Is(err, os.ErrNotExist):
				add(f.path, ChangeCreate, "rebuilt with the recovery rule")
			case err != nil:
				return fmt.Errorf("kseg/verify: %w", err)
			case string(old) != string(f.data):
				add(f.path, ChangeReplace, "rebuilt with the recovery rule (the old file is quarantined)")
			}
		}
		return nil
	}
	switch a.Kind {
	case ActionRebuildIndex:
		only := map[string]bool{}
		if sr.rebuildIndex() {
			only[ixPath] = true
		}
		if sr.rebuildTimeIndex() {
			only[tiPath] = true
		}
		return indexes(sr.Path, sr.BaseOffset, 0, sr.Size, only)
	case ActionTruncateTail, ActionTruncateAt:
		l, err := lossFrom(sr.Path, sr.BaseOffset, a.Position)
		if err != nil {
			return err
		}
		a.Lost = &l
		add(sr.Path, ChangeTruncate, fmt.Sprintf("cut at position %d; loses %s", a.Position, l))
		return indexes(sr.Path, sr.BaseOffset, 0, a.Position, nil)
	case ActionSplit:
		var self *Piece
		for i := range a.Pieces {
			p := &a.Pieces[i]
			if p.File == a.File {
				self = p
				continue
			}
			path := filepath.Join(filepath.Dir(sr.Path), p.File)
			if !p.Exists {
				add(path, ChangeCreate, fmt.Sprintf("bytes [%d, %d) of %s", p.Start, p.End, sr.Name))
			}
			if err := indexes(path, p.BaseOffset, p.Start, p.End, nil); err != nil {
				return err
			}
		}
		switch {
		case self != nil:
			add(sr.Path, ChangeReplace, fmt.Sprintf("keeps only bytes [%d, %d)", self.Start, self.End))
			return indexes(sr.Path, self.BaseOffset, self.Start, self.End, nil)
		case a.RemoveOriginal:
			add(sr.Path, ChangeRemove, "nothing valid before the first bad range")
			for _, p := range []string{ixPath, tiPath} {
				if _, err := os.Lstat(p); err == nil {
					add(p, ChangeRemove, "index of a removed segment")
				}
			}
			return nil
		default:
			add(sr.Path, ChangeTruncate, fmt.Sprintf("cut at position %d", a.Position))
			return indexes(sr.Path, sr.BaseOffset, 0, a.Position, nil)
		}
	}
	return nil
}

func indexName(logName string) string {
	base, _, _ := segment.ParseFileName(logName)
	return segment.FileName(base, segment.IndexSuffix)
}

func timeIndexName(logName string) string {
	base, _, _ := segment.ParseFileName(logName)
	return segment.FileName(base, segment.TimeIndexSuffix)
}

func isLogRangeReason(f Finding) bool { return f.End >= 0 && f.Position >= 0 }

func isIndexReason(r Reason) bool {
	switch r {
	case ReasonIndexHarmful, ReasonIndexZeroTail, ReasonTimeIndexHarmful, ReasonIndexMissing, ReasonTimeIndexMissing:
		return true
	}
	return false
}

// planSplit fills a with the split of sr's bad ranges. Pieces that already
// exist with exactly the intended bytes (an interrupted earlier run) are
// marked Exists and added to pending so that their own overlap findings are
// not planned again.
func planSplit(sr *SegmentResult, a *Action, pending map[string]bool) error {
	a.Kind = ActionSplit
	a.Ranges = sr.BadRanges
	a.Position = sr.BadRanges[0].Start
	a.RemoveOriginal = a.Position == 0
	for i, br := range sr.BadRanges {
		a.BytesRemoved += br.End - br.Start
		a.RecordsRemoved += br.Records
		if br.NextOffset < 0 {
			continue
		}
		end := sr.Size
		if i+1 < len(sr.BadRanges) {
			end = sr.BadRanges[i+1].Start
		}
		p := Piece{Start: br.End, End: end, BaseOffset: br.NextOffset, File: segment.FileName(br.NextOffset, segment.LogSuffix)}
		path := filepath.Join(filepath.Dir(sr.Path), p.File)
		if p.File != sr.Name {
			same, exists, err := sameContent(path, sr.Path, p.Start, p.End)
			if err != nil {
				return err
			}
			if exists && !same {
				return fmt.Errorf("new segment %s for the valid batches at position %d already exists with other content", p.File, p.Start)
			}
			if same {
				p.Exists = true
				pending[p.File] = true
			}
		}
		a.Pieces = append(a.Pieces, p)
	}
	if sr.BadRangesDropped > 0 {
		a.Detail = fmt.Sprintf("%d more bad ranges beyond the first %d: run repair again after this one", sr.BadRangesDropped, len(sr.BadRanges))
	} else {
		a.Detail = fmt.Sprintf("%d bad range(s) cut out, %d new segment(s)", len(sr.BadRanges), len(a.Pieces))
	}
	return nil
}

// sameContent reports whether path exists and equals bytes [start, end) of src.
func sameContent(path, src string, start, end int64) (same, exists bool, err error) {
	st, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, false, nil
	}
	if err != nil {
		return false, false, fmt.Errorf("kseg/verify: %w", err)
	}
	if st.Size() != end-start {
		return false, true, nil
	}
	h1, err := hashRange(path, 0, st.Size())
	if err != nil {
		return false, true, err
	}
	h2, err := hashRange(src, start, end)
	if err != nil {
		return false, true, err
	}
	return h1 == h2, true, nil
}

func hashRange(path string, start, end int64) ([32]byte, error) {
	var sum [32]byte
	f, err := os.Open(path)
	if err != nil {
		return sum, fmt.Errorf("kseg/verify: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, io.NewSectionReader(f, start, end-start)); err != nil {
		return sum, fmt.Errorf("kseg/verify: %w", err)
	}
	copy(sum[:], h.Sum(nil))
	return sum, nil
}

// checkBoundary accepts 0, the file size, the start or end of a bad range,
// and the start of any batch.
func checkBoundary(sr *SegmentResult, pos int64) error {
	if pos == 0 || pos == sr.Size {
		return nil
	}
	if pos < 0 || pos > sr.Size {
		return fmt.Errorf("kseg/verify: %s: --truncate-at %d outside the file (%d bytes): %w", sr.Name, pos, sr.Size, ErrNotBoundary)
	}
	for _, br := range sr.BadRanges {
		if pos == br.Start || pos == br.End {
			return nil
		}
	}
	f, err := os.Open(sr.Path)
	if err != nil {
		return fmt.Errorf("kseg/verify: %w", err)
	}
	defer f.Close()
	r := format.NewBatchReader(f, sr.Size, format.ReaderOptions{File: sr.Name, HeadersOnly: true, WindowSize: windowFor(sr.Size)})
	for {
		b, err := r.Next()
		if err != nil {
			var ce *format.CorruptionError
			if errors.As(err, &ce) {
				if _, ok, rerr := r.Resync(); rerr == nil && ok {
					continue
				}
			}
			break
		}
		if b.Position == pos {
			return nil
		}
		if b.Position > pos {
			break
		}
	}
	return fmt.Errorf("kseg/verify: %s: --truncate-at %d: %w", sr.Name, pos, ErrNotBoundary)
}

// BuildIndexes rebuilds the .index and .timeindex bytes of the segment file
// at path with the broker's recovery rule, feeding it every usable batch:
// CRC-valid and above the previous batch's offsets. Bad ranges are skipped,
// so entries never point into them.
func BuildIndexes(path string, indexIntervalBytes int) (offsetIndex, timeIndex []byte, err error) {
	s, err := segment.SegmentForFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("kseg/verify: %w", err)
	}
	rb, err := segment.RebuildIndexesSkippingBadRanges(s, indexIntervalBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("kseg/verify: %w", err)
	}
	if rb.IndexErr != nil {
		return rb.OffsetIdx, rb.TimeIdx, fmt.Errorf("kseg/verify: rebuild index of %s: %w", filepath.Base(path), rb.IndexErr)
	}
	return rb.OffsetIdx, rb.TimeIdx, nil
}
