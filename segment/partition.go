package segment

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kseg/kseg/format"
)

// Segment is one .log file with its companion files. Paths are empty when a
// file is absent.
type Segment struct {
	Dir        string
	BaseOffset int64 // from the file name
	Log        string
	Index      string
	TimeIndex  string
	TxnIndex   string
	LogSize    int64
}

// Name is the .log base name.
func (s *Segment) Name() string { return FileName(s.BaseOffset, LogSuffix) }

// Leftover is a file in a partition directory that is not part of a live
// segment: compaction or deletion leftovers, orphan indexes, kseg temp files.
type Leftover struct {
	Path string
	Kind string // "swap", "cleaned", "deleted", "kseg-tmp", "orphan-index", "unknown"
}

// Partition is a <topic>-<partition> directory.
type Partition struct {
	Dir       string
	Topic     string
	Partition int32
	Kind      DirKind
	Segments  []*Segment // sorted by base offset
	Snapshots []string   // producer state snapshots (.snapshot), sorted
	Kafka07   []string   // Kafka 0.7 segments (<byte-offset>.kafka), by base offset
	Leftovers []Leftover
	Others    []string // checkpoint and metadata files (leader-epoch-checkpoint, partition.metadata, …)
}

// IsPartitionDir reports whether dir's base name parses as a partition dir.
func IsPartitionDir(dir string) bool {
	_, _, _, ok := ParsePartitionDir(filepath.Base(filepath.Clean(dir)))
	return ok
}

// OpenPartition lists dir (it opens no file for writing). A directory whose
// name is not a partition name is accepted too (topic "", partition -1), so
// copied-off segment folders can be inspected.
func OpenPartition(dir string) (*Partition, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("kseg/segment: %w", err)
	}
	p := &Partition{Dir: dir, Partition: -1}
	if t, n, k, ok := ParsePartitionDir(filepath.Base(filepath.Clean(dir))); ok {
		p.Topic, p.Partition, p.Kind = t, n, k
	}
	byBase := map[int64]*Segment{}
	get := func(base int64) *Segment {
		s := byBase[base]
		if s == nil {
			s = &Segment{Dir: dir, BaseOffset: base}
			byBase[base] = s
		}
		return s
	}
	type idx struct {
		base   int64
		suffix string
		path   string
	}
	var indexes []idx
	for _, e := range ents {
		if e.IsDir() {
			continue
		}
		name := e.Name()
		path := filepath.Join(dir, name)
		switch {
		case strings.HasSuffix(name, KsegTempSuffix):
			p.Leftovers = append(p.Leftovers, Leftover{path, "kseg-tmp"})
			continue
		case strings.HasSuffix(name, SwapSuffix):
			p.Leftovers = append(p.Leftovers, Leftover{path, "swap"})
			continue
		case strings.HasSuffix(name, CleanedSuffix):
			p.Leftovers = append(p.Leftovers, Leftover{path, "cleaned"})
			continue
		case strings.HasSuffix(name, DeletedSuffix):
			p.Leftovers = append(p.Leftovers, Leftover{path, "deleted"})
			continue
		}
		base, suffix, ok := ParseFileName(name)
		if !ok {
			p.Others = append(p.Others, path)
			continue
		}
		switch suffix {
		case LogSuffix:
			s := get(base)
			s.Log = path
			if info, err := e.Info(); err == nil {
				s.LogSize = info.Size()
			}
		case IndexSuffix, TimeIndexSuffix, TxnIndexSuffix:
			indexes = append(indexes, idx{base, suffix, path})
		case SnapshotSuffix:
			p.Snapshots = append(p.Snapshots, path)
		case format.Kafka07Suffix:
			p.Kafka07 = append(p.Kafka07, path)
		default:
			p.Others = append(p.Others, path)
		}
	}
	for _, ix := range indexes {
		s := byBase[ix.base]
		if s == nil || s.Log == "" {
			p.Leftovers = append(p.Leftovers, Leftover{ix.path, "orphan-index"})
			continue
		}
		switch ix.suffix {
		case IndexSuffix:
			s.Index = ix.path
		case TimeIndexSuffix:
			s.TimeIndex = ix.path
		case TxnIndexSuffix:
			s.TxnIndex = ix.path
		}
	}
	for _, s := range byBase {
		if s.Log != "" {
			p.Segments = append(p.Segments, s)
		}
	}
	sort.Slice(p.Segments, func(i, j int) bool { return p.Segments[i].BaseOffset < p.Segments[j].BaseOffset })
	sort.Strings(p.Snapshots)
	sort.Slice(p.Kafka07, func(i, j int) bool {
		a, _, _ := ParseFileName(filepath.Base(p.Kafka07[i]))
		b, _, _ := ParseFileName(filepath.Base(p.Kafka07[j]))
		return a < b
	})
	sort.Slice(p.Leftovers, func(i, j int) bool { return p.Leftovers[i].Path < p.Leftovers[j].Path })
	sort.Strings(p.Others)
	return p, nil
}

// Name is "<topic>-<partition>" or the directory's base name.
func (p *Partition) Name() string { return filepath.Base(filepath.Clean(p.Dir)) }

// ActiveSegment is the last segment (nil when there is none).
func (p *Partition) ActiveSegment() *Segment {
	if len(p.Segments) == 0 {
		return nil
	}
	return p.Segments[len(p.Segments)-1]
}

// ListLogDir returns the partition directories directly inside a log dir,
// sorted by name.
func ListLogDir(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("kseg/segment: %w", err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && IsPartitionDir(e.Name()) {
			out = append(out, filepath.Join(dir, e.Name()))
		}
	}
	sort.Strings(out)
	return out, nil
}

// SegmentForFile builds a Segment for a single .log path (its companions
// looked up beside it).
func SegmentForFile(path string) (*Segment, error) {
	name := filepath.Base(path)
	base, suffix, ok := ParseFileName(name)
	if !ok {
		return nil, fmt.Errorf("kseg/segment: %s: not a segment file name (want <offset>.log)", path)
	}
	_ = suffix
	dir := filepath.Dir(path)
	prefix := name[:strings.IndexByte(name, '.')]
	s := &Segment{Dir: dir, BaseOffset: base, Log: filepath.Join(dir, prefix+LogSuffix)}
	info, err := os.Stat(s.Log)
	if err != nil {
		return nil, fmt.Errorf("kseg/segment: %w", err)
	}
	s.LogSize = info.Size()
	for suf, dst := range map[string]*string{IndexSuffix: &s.Index, TimeIndexSuffix: &s.TimeIndex, TxnIndexSuffix: &s.TxnIndex} {
		p := filepath.Join(dir, prefix+suf)
		if _, err := os.Stat(p); err == nil {
			*dst = p
		}
	}
	return s, nil
}
