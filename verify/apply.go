package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/internal/fsutil"
)

// ReportSchemaVersion is the version of the repair report's JSON schema.
const ReportSchemaVersion = 1

// ApplyOptions configures Apply.
type ApplyOptions struct {
	// FS performs every mutation (nil: fsutil.OSFS). Tests inject faults.
	FS fsutil.FS
	// QuarantineDir is where a fresh kseg-quarantine-* directory is made; it
	// must be outside every log dir.
	QuarantineDir string
	// IndexIntervalBytes is the topic's index.interval.bytes (default 4096).
	IndexIntervalBytes int
}

// ActionResult is one action as carried out.
type ActionResult struct {
	Action
	Status      string         `json:"status"` // "done" or "failed" (later actions are not attempted)
	Error       string         `json:"error,omitempty"`
	Quarantined []fsutil.Entry `json:"quarantined"`
	Created     []string       `json:"created,omitempty"`
	Replaced    []string       `json:"replaced,omitempty"`
	Removed     []string       `json:"removed,omitempty"`
	Truncated   []string       `json:"truncated,omitempty"`
}

// Report is the JSON report of a repair run (STYLE.md §5.7).
type Report struct {
	SchemaVersion int            `json:"schemaVersion"`
	KafkaVersion  KafkaVersion   `json:"kafkaVersion"`
	Applied       bool           `json:"applied"`
	Quarantine    string         `json:"quarantine,omitempty"`
	Actions       []ActionResult `json:"actions"`
	Unresolved    []Finding      `json:"unresolved"`
}

// PlanReport is the report of a dry run.
func PlanReport(p *Plan) *Report {
	r := &Report{SchemaVersion: ReportSchemaVersion, KafkaVersion: p.KafkaVersion, Actions: []ActionResult{}, Unresolved: p.Unresolved}
	for _, a := range p.Actions {
		r.Actions = append(r.Actions, ActionResult{Action: a, Status: "planned", Quarantined: []fsutil.Entry{}})
	}
	return r
}

// Apply carries out plan. It holds each log dir's .lock for the whole run
// (fsutil.AcquireLock; ErrLocked if a broker has it), creates a quarantine,
// and for every action first copies each byte it will remove or replace into
// the quarantine (fsynced, verified, listed in its manifest), then mutates
// through the write protocol (temp → fsync → rename → fsync dir; truncate →
// fsync). It stops at the first failed action; the report says what was
// done. Rerunning PlanRepair+Apply after any failure or crash completes the
// work: every step is idempotent or detected as already done.
func Apply(ctx context.Context, plan *Plan, opts ApplyOptions) (*Report, error) {
	if opts.FS == nil {
		opts.FS = fsutil.OSFS{}
	}
	if opts.IndexIntervalBytes <= 0 {
		opts.IndexIntervalBytes = DefaultIndexIntervalBytes
	}
	rep := &Report{SchemaVersion: ReportSchemaVersion, KafkaVersion: plan.KafkaVersion, Applied: true, Actions: []ActionResult{}, Unresolved: plan.Unresolved}
	if plan.NothingToDo() {
		return rep, nil
	}
	if opts.QuarantineDir == "" {
		return rep, errors.New("kseg/verify: a quarantine directory is required to apply a repair")
	}
	for _, ld := range plan.LogDirs {
		release, err := fsutil.AcquireLock(ld)
		if err != nil {
			return rep, err
		}
		defer release()
	}
	guard := append([]string(nil), plan.LogDirs...)
	for _, t := range plan.Targets {
		guard = append(guard, t.Dir, t.LogDir)
	}
	q, err := fsutil.NewQuarantine(opts.FS, opts.QuarantineDir, guard)
	if err != nil {
		return rep, err
	}
	rep.Quarantine = q.Dir()
	ap := &applier{fs: opts.FS, q: q, interval: opts.IndexIntervalBytes}
	for _, a := range plan.Actions {
		if err := ctx.Err(); err != nil {
			return rep, err
		}
		ar := ActionResult{Action: a, Status: "done", Quarantined: []fsutil.Entry{}}
		ap.cur = &ar
		ap.planned = map[string]bool{}
		for _, f := range a.Files {
			if f.Change == ChangeCreate || f.Change == ChangeReplace {
				ap.planned[filepath.Clean(f.Path)] = true
			}
		}
		err := ap.do(a)
		if err != nil {
			ar.Status, ar.Error = "failed", err.Error()
		}
		rep.Actions = append(rep.Actions, ar)
		if err != nil {
			return rep, fmt.Errorf("kseg/verify: %s %s: %w", a.Kind, a.Path, err)
		}
	}
	if err := q.Close(); err != nil {
		return rep, err
	}
	return rep, nil
}

type applier struct {
	fs       fsutil.FS
	q        *fsutil.Quarantine
	interval int
	cur      *ActionResult
	// planned: the files the current action's plan lists as created or
	// replaced; index rebuilds write no other file.
	planned map[string]bool
}

func (ap *applier) save(path string, start, end int64, note string) error {
	e, err := ap.q.SaveRange(path, start, end, note)
	if err != nil {
		return err
	}
	ap.cur.Quarantined = append(ap.cur.Quarantined, e)
	return nil
}

// saveIfExists quarantines a whole file (an index about to be replaced).
func (ap *applier) saveIfExists(path, note string) (bool, error) {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("kseg/verify: %w", err)
	}
	if st.Size() == 0 {
		return true, nil
	}
	return true, ap.save(path, 0, st.Size(), note)
}

func (ap *applier) do(a Action) error {
	switch a.Kind {
	case ActionRemoveTemp, ActionRemoveSnapshot:
		if _, err := ap.saveIfExists(a.Path, string(a.Kind)); err != nil {
			return err
		}
		return ap.remove(a.Path)
	case ActionRebuildIndex:
		return ap.rebuildIndexes(a.Path)
	case ActionTruncateTail, ActionTruncateAt:
		if err := ap.save(a.Path, a.Position, a.Size, string(a.Kind)); err != nil {
			return err
		}
		if err := fsutil.TruncateFile(ap.fs, a.Path, a.Position); err != nil {
			return err
		}
		ap.cur.Truncated = append(ap.cur.Truncated, a.Path)
		return ap.rebuildIndexes(a.Path)
	case ActionSplit:
		return ap.split(a)
	case ActionClampCheckpoint:
		return ap.clamp(a)
	}
	return fmt.Errorf("kseg/verify: unknown action %q", a.Kind)
}

// clamp quarantines a checkpoint file and rewrites it with the planned
// entries lowered (temp → fsync → rename → fsync dir).
func (ap *applier) clamp(a Action) error {
	b, err := os.ReadFile(a.Path)
	if err != nil {
		return fmt.Errorf("kseg/verify: %w", err)
	}
	nb, err := clampCheckpoint(b, a.File, a.Clamps)
	if err != nil {
		return err
	}
	if string(nb) == string(b) {
		return nil // an interrupted run already wrote it
	}
	if err := ap.save(a.Path, 0, int64(len(b)), "checkpoint entries above the log end offset lowered"); err != nil {
		return err
	}
	perm := os.FileMode(0o644)
	if st, err := os.Stat(a.Path); err == nil {
		perm = st.Mode().Perm()
	}
	if err := fsutil.WriteFileAtomic(ap.fs, a.Path, nb, perm); err != nil {
		return err
	}
	ap.cur.Replaced = append(ap.cur.Replaced, a.Path)
	return nil
}

// split: quarantine [first bad start, size) of the original and its
// indexes; write every piece (temp → fsync → rename → fsync dir) with its
// rebuilt indexes, the one that takes the original's own name last; then
// cut the original (or remove it when nothing before the first bad range is
// left) and rebuild its indexes. A crash between writing pieces and cutting
// the original leaves both; PlanRepair recognises the identical pieces and
// only cuts.
func (ap *applier) split(a Action) error {
	dir := filepath.Dir(a.Path)
	ixPath, tiPath := indexPaths(a.Path)
	if err := ap.save(a.Path, a.Position, a.Size, "split: cut part (bad ranges and the valid data moved to new segments)"); err != nil {
		return err
	}
	var self *Piece
	for i := range a.Pieces {
		p := &a.Pieces[i]
		if p.File == a.File {
			self = p
			continue
		}
		if err := ap.writePiece(a.Path, filepath.Join(dir, p.File), p); err != nil {
			return err
		}
	}
	if self != nil {
		// The original's whole content [0, size) is in the quarantine
		// (Position is 0 here); replace it atomically.
		if _, err := ap.saveIfExists(ixPath, "index replaced"); err != nil {
			return err
		}
		if _, err := ap.saveIfExists(tiPath, "time index replaced"); err != nil {
			return err
		}
		return ap.writePiece(a.Path, a.Path, self)
	}
	if a.RemoveOriginal {
		for _, p := range []string{ixPath, tiPath} {
			ok, err := ap.saveIfExists(p, "index of a removed segment")
			if err != nil {
				return err
			}
			if ok {
				if err := ap.remove(p); err != nil {
					return err
				}
			}
		}
		return ap.remove(a.Path)
	}
	if err := fsutil.TruncateFile(ap.fs, a.Path, a.Position); err != nil {
		return err
	}
	ap.cur.Truncated = append(ap.cur.Truncated, a.Path)
	return ap.rebuildIndexes(a.Path)
}

func (ap *applier) writePiece(src, dst string, p *Piece) error {
	if !p.Exists {
		st, err := os.Stat(src)
		if err != nil {
			return fmt.Errorf("kseg/verify: %w", err)
		}
		err = fsutil.WriteFileAtomicFunc(ap.fs, dst, st.Mode().Perm(), func(w io.Writer) error {
			f, err := os.Open(src)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = io.Copy(w, io.NewSectionReader(f, p.Start, p.End-p.Start))
			return err
		})
		if err != nil {
			return err
		}
		if dst == src {
			ap.cur.Replaced = append(ap.cur.Replaced, dst)
		} else {
			ap.cur.Created = append(ap.cur.Created, dst)
		}
	}
	return ap.rebuildIndexes(dst)
}

// rebuildIndexes quarantines the existing .index/.timeindex of the segment
// at logPath and writes rebuilt ones atomically: only the ones the plan
// lists (an index the plan leaves alone is never touched).
func (ap *applier) rebuildIndexes(logPath string) error {
	ixPath, tiPath := indexPaths(logPath)
	ix, ti, err := BuildIndexes(logPath, ap.interval)
	if err != nil {
		return err
	}
	for _, f := range []struct {
		path string
		data []byte
	}{{ixPath, ix}, {tiPath, ti}} {
		if !ap.planned[filepath.Clean(f.path)] {
			continue
		}
		if same, _ := fileEquals(f.path, f.data); same {
			continue // already rebuilt by an interrupted run
		}
		existed, err := ap.saveIfExists(f.path, "index replaced by a rebuild")
		if err != nil {
			return err
		}
		perm := os.FileMode(0o644)
		if st, err := os.Stat(logPath); err == nil {
			perm = st.Mode().Perm()
		}
		if err := fsutil.WriteFileAtomic(ap.fs, f.path, f.data, perm); err != nil {
			return err
		}
		if existed {
			ap.cur.Replaced = append(ap.cur.Replaced, f.path)
		} else {
			ap.cur.Created = append(ap.cur.Created, f.path)
		}
	}
	return nil
}

func fileEquals(path string, data []byte) (bool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	return string(b) == string(data), nil
}

func (ap *applier) remove(path string) error {
	if err := ap.fs.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("kseg/verify: %w", err)
	}
	if err := ap.fs.SyncDir(filepath.Dir(path)); err != nil {
		return err
	}
	ap.cur.Removed = append(ap.cur.Removed, path)
	return nil
}
