package verify

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// Target is one partition directory to check, optionally restricted to some
// of its segments (when the user named files).
type Target struct {
	Dir string
	// LogDir is the enclosing log directory when the user named it (used for
	// the recovery-point checkpoint and the clean-shutdown marker); else the
	// parent directory.
	LogDir string
	// Bases restricts the check to these segment base offsets; nil = all.
	Bases map[int64]bool
}

// Resolve turns user paths (log dirs, partition dirs, segment/index files)
// into targets, and returns log-dir level findings (a non-empty log dir
// without meta.properties). It only lists directories.
func Resolve(paths []string) ([]Target, []Finding, error) {
	var targets []Target
	var findings []Finding
	byDir := map[string]int{}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, nil, fmt.Errorf("kseg/verify: %w", err)
		}
		if !fi.IsDir() {
			base, suffix, ok := segment.ParseFileName(filepath.Base(p))
			if !ok || !(suffix == segment.LogSuffix || suffix == segment.IndexSuffix || suffix == segment.TimeIndexSuffix || suffix == segment.TxnIndexSuffix ||
				suffix == format.Kafka07Suffix) {
				return nil, nil, fmt.Errorf("kseg/verify: %s: not a segment file (want <offset>.log, .index, .timeindex or a Kafka 0.7 .kafka)", p)
			}
			dir := filepath.Dir(p)
			i, seen := byDir[dir]
			if !seen {
				targets = append(targets, Target{Dir: dir, LogDir: filepath.Dir(dir), Bases: map[int64]bool{}})
				i = len(targets) - 1
				byDir[dir] = i
			}
			if targets[i].Bases != nil {
				targets[i].Bases[base] = true
			}
			continue
		}
		parts, err := segment.ListLogDir(p)
		if err != nil {
			return nil, nil, fmt.Errorf("kseg/verify: %w", err)
		}
		if len(parts) > 0 {
			if _, err := os.Stat(filepath.Join(p, "meta.properties")); err != nil {
				findings = append(findings, Finding{Partition: "", File: "meta.properties", Position: -1, End: -1, Offset: -1,
					NextValidPosition: -1, NextValidOffset: -1, Path: filepath.Join(p, "meta.properties"),
					Reason: ReasonNoMetaProperties, Severity: SeverityWarning,
					Detail: fmt.Sprintf("log directory %s holds %d partitions but no meta.properties", filepath.Base(p), len(parts))})
			}
			for _, d := range parts {
				if _, seen := byDir[d]; seen {
					targets[byDir[d]].Bases = nil
					continue
				}
				byDir[d] = len(targets)
				targets = append(targets, Target{Dir: d, LogDir: p})
			}
			continue
		}
		if i, seen := byDir[p]; seen {
			targets[i].Bases = nil
			continue
		}
		if !segment.IsPartitionDir(p) && !hasSegmentFiles(p) {
			return nil, nil, fmt.Errorf("kseg/verify: %s: %w", p, ErrNoTargets)
		}
		byDir[p] = len(targets)
		targets = append(targets, Target{Dir: p, LogDir: filepath.Dir(filepath.Clean(p))})
	}
	return targets, findings, nil
}

func hasSegmentFiles(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if _, suffix, ok := segment.ParseFileName(e.Name()); ok && (suffix == segment.LogSuffix || suffix == format.Kafka07Suffix) {
			return true
		}
	}
	return false
}

// readRecoveryPoints reads <logDir>/recovery-point-offset-checkpoint as
// LogManager.loadLogs does (OffsetCheckpointFile, CheckpointFile: version 0,
// the entry count, then "topic partition offset" lines; the last of
// duplicates wins). A missing file, or one Kafka fails to read (wrong
// version, count mismatch, malformed line), yields nil: Kafka then "resets
// the recovery checkpoint to 0" for every partition of the log dir.
func readRecoveryPoints(logDir string) map[string]int64 {
	const file = "recovery-point-offset-checkpoint"
	b, err := os.ReadFile(filepath.Join(logDir, file))
	if err != nil {
		return nil
	}
	cp, err := state.DecodeOffsetCheckpoint(b, file)
	if err != nil {
		return nil
	}
	out := map[string]int64{}
	for _, e := range cp.Entries {
		out[segment.PartitionDirName(e.Topic, e.Partition)] = e.Offset
	}
	return out
}
