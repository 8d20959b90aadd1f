package verify

import (
	"fmt"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// partitionRange is what the log-dir checkpoint checks need of a partition:
// the first segment's base offset and the log end offset.
type partitionRange struct {
	firstBase int64
	leo       int64
}

// logDirRanges collects the offset ranges of the partitions checked whole,
// by directory, for the log-dir checkpoint checks that run after every
// partition is done. Not safe for concurrent use (VerifyTargets calls add
// under its lock).
type logDirRanges struct {
	byDir map[string]partitionRange
}

func newLogDirRanges() *logDirRanges { return &logDirRanges{byDir: map[string]partitionRange{}} }

func (r *logDirRanges) add(t Target, res *PartitionResult) {
	if t.Bases != nil || len(res.Segments) == 0 {
		return
	}
	active := res.Segments[len(res.Segments)-1]
	r.byDir[filepath.Clean(t.Dir)] = partitionRange{firstBase: res.Segments[0].BaseOffset,
		leo: max(res.LastOffset+1, active.BaseOffset)}
}

// checkpointRule says how an out-of-range entry of one log-dir checkpoint
// file is graded, after what the broker does with it.
type checkpointRule struct {
	file, what   string
	aboveSev     Severity
	above, below string
}

var checkpointRules = []checkpointRule{
	{"recovery-point-offset-checkpoint", "recovery point", SeverityError,
		"data the broker had flushed is no longer in the log; after an unclean shutdown the broker will recover from min(recovery point, log end offset) and truncate",
		"the broker recovers from the first segment instead"},
	{"replication-offset-checkpoint", "high watermark", SeverityError,
		"offsets acknowledged to producers and visible to consumers are gone; the broker clamps the high watermark to the log end offset and followers truncate",
		"the broker raises the high watermark to the log start offset"},
	{"log-start-offset-checkpoint", "log start offset", SeverityError,
		"Kafka deletes all segments of the partition at load (\"This could happen if segment files were deleted from the file system\")",
		"Kafka uses the first segment's base offset instead"},
	{"cleaner-offset-checkpoint", "cleaner checkpoint (first dirty offset)", SeverityWarning,
		"the cleaner resets it to the log start offset and recleans the whole log",
		"the cleaner resets it to the log start offset"},
}

// check runs the checkpoint checks of every log dir whose partitions were
// all checked whole (a checkpoint names every partition of its log dir, so a
// partial run cannot judge it), reporting to onFinding and counting in sum.
func (r *logDirRanges) check(targets []Target, opts Options, sum *Summary) error {
	seen := map[string]bool{}
	var dirs []string
	for _, t := range targets {
		if t.LogDir == "" {
			continue
		}
		if d := filepath.Clean(t.LogDir); !seen[d] {
			seen[d] = true
			dirs = append(dirs, d)
		}
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		parts, err := segment.ListLogDir(d)
		if err != nil || len(parts) == 0 {
			continue
		}
		type key struct {
			topic     string
			partition int32
		}
		byTP := map[key]partitionRange{}
		whole := true
		for _, p := range parts {
			rg, ok := r.byDir[filepath.Clean(p)]
			if !ok && !r.covered(targets, p) {
				// Only an empty partition (no segment) has no range
				// when it was checked whole.
				whole = false
				break
			}
			topic, n, kind, _ := segment.ParsePartitionDir(filepath.Base(p))
			if kind == segment.DirDelete {
				continue
			}
			k := key{topic, n}
			if _, dup := byTP[k]; dup && kind != segment.DirPartition {
				continue
			}
			if !ok {
				rg = partitionRange{firstBase: -1, leo: -1}
			}
			byTP[k] = rg
		}
		if !whole {
			continue
		}
		for _, rule := range checkpointRules {
			path := filepath.Join(d, rule.file)
			b, ok, err := readStateFile(path)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			rep := &dirReporter{path: path, emit: opts.OnFinding, sum: sum, max: opts.MaxFindingsPerFile}
			cp, err := state.DecodeOffsetCheckpoint(b, rule.file)
			if err != nil {
				rep.add(formatErrorFinding(err, ReasonCheckpointMalformed,
					"the broker fails reading it (KafkaStorageException) and takes the log dir offline"))
				rep.finish()
				continue
			}
			for _, f := range cp.Findings {
				rep.add(newFinding(ReasonCheckpointDuplicate, SeverityWarning, -1, -1, -1,
					fmt.Sprintf("line %d: %s", f.Line, f.Detail)))
			}
			for i, e := range cp.Entries {
				line := "line " + strconv.Itoa(i+3) + ": " + segment.PartitionDirName(e.Topic, e.Partition)
				rg, ok := byTP[key{e.Topic, e.Partition}]
				switch {
				case !ok:
					rep.add(newFinding(ReasonCheckpointUnknown, SeverityWarning, -1, -1, e.Offset,
						fmt.Sprintf("%s: no such partition directory in this log dir (deleted or moved; the broker ignores the entry)", line)))
				case rg.leo < 0:
					// No segment: the broker creates one at the log start offset.
				case e.Offset > rg.leo:
					rep.add(newFinding(ReasonCheckpointOutOfRange, rule.aboveSev, -1, -1, e.Offset,
						fmt.Sprintf("%s: %s %d is above the log end offset %d: %s", line, rule.what, e.Offset, rg.leo, rule.above)))
				case e.Offset < rg.firstBase:
					rep.add(newFinding(ReasonCheckpointOutOfRange, SeverityWarning, -1, -1, e.Offset,
						fmt.Sprintf("%s: %s %d is below the first segment's base offset %d: %s", line, rule.what, e.Offset, rg.firstBase, rule.below)))
				}
			}
			rep.finish()
		}
	}
	return nil
}

// covered reports whether dir was a whole target of this run.
func (r *logDirRanges) covered(targets []Target, dir string) bool {
	for _, t := range targets {
		if t.Bases == nil && filepath.Clean(t.Dir) == filepath.Clean(dir) {
			return true
		}
	}
	return false
}

// dirReporter is fileReporter for files at the log-dir level (no partition).
type dirReporter struct {
	path     string
	emit     func(Finding)
	sum      *Summary
	max      int
	reported int
	dropped  int64
}

func (r *dirReporter) add(f Finding) {
	f.File, f.Path = filepath.Base(r.path), r.path
	r.sum.count(f.Severity)
	if r.reported >= r.max {
		r.dropped++
		return
	}
	r.reported++
	if r.emit != nil {
		r.emit(f)
	}
}

func (r *dirReporter) finish() {
	if r.dropped > 0 && r.emit != nil {
		f := newFinding(ReasonTooManyFindings, SeverityInfo, -1, -1, -1,
			fmt.Sprintf("%d more findings in this file were counted but not listed", r.dropped))
		f.File, f.Path = filepath.Base(r.path), r.path
		r.emit(f)
	}
}

// clampedCheckpoints are the log-dir checkpoints whose entries above a
// partition's log end offset the broker lowers at its next start, and so
// repair lowers after a cut:
//   - recovery-point-offset-checkpoint: LogLoader.recoverLog returns
//     min(recoveryPointCheckpoint, logEndOffset) as the new recovery point
//     (storage/.../log/LogLoader.java), which LogManager checkpoints.
//   - replication-offset-checkpoint (high watermarks): Partition.createLog
//     passes the checkpointed value to UnifiedLog.updateHighWatermark,
//     "upper bounded by the log end offset" (core/src/main/scala/kafka/
//     cluster/Partition.scala, kafka/log/UnifiedLog.scala), and
//     ReplicaManager checkpoints it.
var clampedCheckpoints = []struct{ file, what string }{
	{"recovery-point-offset-checkpoint", "recovery point"},
	{"replication-offset-checkpoint", "high watermark"},
}

// planCheckpointClamps adds one clamp-checkpoint action per checkpoint
// file whose entries for the planned partitions exceed their log end
// offset after the plan. Only whole partitions are judged (a segment
// target does not know the log end offset).
func planCheckpointClamps(targets []Target, parts []*partPlan, plan *Plan) error {
	byDir := map[string]map[tp]*partPlan{}
	var dirs []string
	for i, t := range targets {
		pp := parts[i]
		if t.LogDir == "" || t.Bases != nil || pp == nil || pp.leo < 0 {
			continue
		}
		topic, n, kind, ok := segment.ParsePartitionDir(filepath.Base(t.Dir))
		if !ok || kind != segment.DirPartition {
			continue
		}
		d := filepath.Clean(t.LogDir)
		if byDir[d] == nil {
			byDir[d] = map[tp]*partPlan{}
			dirs = append(dirs, d)
		}
		byDir[d][tp{topic, n}] = pp
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		if err := planLogStartAboveEnd(d, byDir[d], plan); err != nil {
			return err
		}
		for _, c := range clampedCheckpoints {
			path := filepath.Join(d, c.file)
			b, ok, err := readStateFile(path)
			if err != nil {
				return err
			}
			if !ok {
				continue
			}
			cp, err := state.DecodeOffsetCheckpoint(b, c.file)
			if err != nil {
				continue // malformed: verify reports it; not ours to rewrite
			}
			a := Action{Kind: ActionClampCheckpoint, File: c.file, Path: path, Position: -1, Size: int64(len(b))}
			var lost []string
			for _, e := range cp.Entries {
				pp, ok := byDir[d][tp{e.Topic, e.Partition}]
				if !ok || e.Offset <= pp.leo {
					continue
				}
				a.Clamps = append(a.Clamps, CheckpointClamp{Topic: e.Topic, Partition: e.Partition, From: e.Offset, To: pp.leo})
				s := fmt.Sprintf("%s %s %d → %d", segment.PartitionDirName(e.Topic, e.Partition), c.what, e.Offset, pp.leo)
				if pp.lost != nil {
					s += fmt.Sprintf(" (offsets %d..%d named by it are gone)", pp.leo, e.Offset-1)
				}
				lost = append(lost, s)
			}
			if len(a.Clamps) == 0 {
				continue
			}
			a.Files = []FileChange{{Path: path, Change: ChangeReplace, Detail: "entries above the log end offset lowered to it (the old file is quarantined)"}}
			a.Detail = "as the broker does at its next start: " + strings.Join(lost, ", ")
			plan.Actions = append(plan.Actions, a)
		}
	}
	return nil
}

type tp struct {
	topic     string
	partition int32
}

// planLogStartAboveEnd reports, unresolved, every partition whose planned
// cut leaves its log end offset below its log-start-offset-checkpoint
// entry. The broker does not clamp that entry: LogLoader.recoverLog
// (deleteSegmentsIfLogStartGreaterThanLogEnd; Log.scala recoverLog in 2.2)
// then deletes every segment and starts the partition empty at the log
// start offset. Repair leaves the entry alone (lowering it would make
// deleted records visible again) and says what will happen.
func planLogStartAboveEnd(dir string, parts map[tp]*partPlan, plan *Plan) error {
	const file = "log-start-offset-checkpoint"
	path := filepath.Join(dir, file)
	b, ok, err := readStateFile(path)
	if err != nil || !ok {
		return err
	}
	cp, err := state.DecodeOffsetCheckpoint(b, file)
	if err != nil {
		return nil
	}
	for _, e := range cp.Entries {
		pp, ok := parts[tp{e.Topic, e.Partition}]
		if !ok || pp.lost == nil || e.Offset <= pp.leo {
			continue
		}
		f := newFinding(ReasonCheckpointOutOfRange, SeverityError, -1, -1, e.Offset, fmt.Sprintf(
			"%s: after this plan the log end offset is %d, below the log start offset %d: at its next start the broker deletes every segment of the partition and starts it empty at offset %d (LogLoader.recoverLog, deleteSegmentsIfLogStartGreaterThanLogEnd); the records it deletes are all below the log start offset, already invisible to consumers. Repair leaves the entry alone",
			segment.PartitionDirName(e.Topic, e.Partition), pp.leo, e.Offset, e.Offset))
		f.Partition, f.File, f.Path = segment.PartitionDirName(e.Topic, e.Partition), file, path
		plan.Unresolved = append(plan.Unresolved, f)
	}
	return nil
}

// clampCheckpoint rewrites the checkpoint file's bytes with the clamps
// applied (every matching line; Kafka keeps the last of duplicates).
func clampCheckpoint(b []byte, file string, clamps []CheckpointClamp) ([]byte, error) {
	cp, err := state.DecodeOffsetCheckpoint(b, file)
	if err != nil {
		return nil, fmt.Errorf("kseg/verify: %w", err)
	}
	for i, e := range cp.Entries {
		for _, c := range clamps {
			if e.Topic == c.Topic && e.Partition == c.Partition && e.Offset > c.To {
				cp.Entries[i].Offset = c.To
			}
		}
	}
	return state.AppendOffsetCheckpoint(nil, cp.Entries), nil
}
