package segment

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/internal/fsutil"
)

// DefaultIndexIntervalBytes is Kafka's index.interval.bytes default.
const DefaultIndexIntervalBytes = 4096

// Rebuilt holds the index files a broker would write for a segment during
// recovery (LogSegment.recover), computed from the .log alone.
type Rebuilt struct {
	Segment    *Segment
	OffsetIdx  []byte
	TimeIdx    []byte
	ValidBytes int64 // the log is indexed up to here (recovery's truncation point)
	LogErr     error // corruption or torn tail that stopped the walk, if any
	// IndexErr is the index builder's first refusal (an entry Kafka would
	// reject, such as an offset below the previous entry's), if any.
	IndexErr error
}

// RebuildIndexes walks the segment's batches (headers and CRC) and applies
// the recovery rule with the given index.interval.bytes. Like recovery it
// stops at the first invalid batch; LogErr says why.
func RebuildIndexes(s *Segment, interval int) (*Rebuilt, error) {
	return rebuild(s, interval, false, s.BaseOffset, 0, 0)
}

// RebuildIndexesSkippingBadRanges indexes every usable batch of the segment
// (CRC-valid, offsets above the previous usable batch's), resyncing past
// corrupt ranges instead of stopping: the indexes of a segment that repair
// has salvaged, whose entries must never point into a bad range.
func RebuildIndexesSkippingBadRanges(s *Segment, interval int) (*Rebuilt, error) {
	return rebuild(s, interval, true, s.BaseOffset, 0, 0)
}

// RebuildIndexesRange is RebuildIndexesSkippingBadRanges for a segment file
// that will hold exactly bytes [start, end) of s's .log and be named by base
// (a segment cut at end, or a piece of a split): positions count from start.
// Repair plans use it to say which index files a cut will change before
// making the cut.
func RebuildIndexesRange(s *Segment, interval int, base, start, end int64) (*Rebuilt, error) {
	if start < 0 || end <= start {
		b := index.NewBuilder(base, interval)
		res := &Rebuilt{Segment: s}
		res.OffsetIdx, res.TimeIdx = b.Finish()
		return res, nil
	}
	return rebuild(s, interval, true, base, start, end)
}

func rebuild(s *Segment, interval int, skipBad bool, base, start, end int64) (*Rebuilt, error) {
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := index.NewBuilder(base, interval)
	r := format.NewBatchReader(f.Log, f.LogSize, format.ReaderOptions{File: s.Name(), Start: start, End: end})
	res := &Rebuilt{Segment: s}
	prev := int64(-1)
	for {
		bt, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var ce *format.CorruptionError
			var te *format.TruncatedError
			if !errors.As(err, &ce) && !errors.As(err, &te) {
				return nil, err
			}
			if res.LogErr == nil {
				res.LogErr = err
			}
			if skipBad && ce != nil {
				if _, ok, err := r.Resync(); err != nil {
					return nil, err
				} else if ok {
					continue
				}
			}
			break
		}
		if !bt.Valid {
			if res.LogErr == nil {
				res.LogErr = &format.CorruptionError{File: s.Name(), Position: bt.Position, Offset: bt.BaseOffset, Reason: format.ReasonCRCMismatch,
					Detail: fmt.Sprintf("stored crc %d != computed %d", bt.CRC, bt.ComputedCRC)}
			}
			if skipBad {
				continue
			}
			break
		}
		if skipBad && firstOffset(bt) <= prev {
			continue // an offset regression: not usable
		}
		b.Add(bt.Position-start, bt.LastOffset(), bt.MaxTimestamp, bt.Size())
		prev = bt.LastOffset()
	}
	res.ValidBytes = r.ValidBytes()
	res.OffsetIdx, res.TimeIdx = b.Finish()
	res.IndexErr = b.Err()
	if res.IndexErr != nil && res.LogErr == nil {
		res.LogErr = res.IndexErr
	}
	return res, nil
}

// firstOffset is a batch's first offset as far as its header tells: the
// base offset of a v2 batch, the (last) offset of a legacy entry.
func firstOffset(b *format.Batch) int64 {
	if b.Magic >= 2 {
		return b.BaseOffset
	}
	return b.LastOffset()
}

// IndexChange compares an existing index file with its rebuilt content.
type IndexChange struct {
	Path       string `json:"path"`
	Kind       string `json:"kind"` // "index" or "timeindex"
	Exists     bool   `json:"exists"`
	OldSize    int64  `json:"oldSize"`
	NewSize    int64  `json:"newSize"`
	OldEntries int    `json:"oldEntries"`
	NewEntries int    `json:"newEntries"`
	Added      int    `json:"added"`   // entries in the new file but not the old
	Removed    int    `json:"removed"` // entries in the old file but not the new
	Identical  bool   `json:"identical"`
	// Class judges the file on disk (set by Classify): one of the
	// IndexClass values.
	Class IndexClass `json:"class,omitempty"`
	// Reason says why a harmful file is harmful.
	Reason string `json:"reason,omitempty"`
}

// IndexClass is how `index rebuild` judges an index file against what
// recovery would write.
type IndexClass string

// Index classes. Missing, harmful and zero-tail files need a rebuild; a file
// that differs from the recovery rule with every entry valid (a broker's
// append-time index: restarts reset its byte counter, the time index of an
// uncompressed batch names the max-timestamp record's offset, legacy message
// sets are indexed per append) is left alone unless forced.
const (
	ClassUpToDate IndexClass = "up-to-date"
	ClassMissing  IndexClass = "missing"
	ClassHarmful  IndexClass = "harmful"
	ClassZeroTail IndexClass = "zero-tail"
	ClassValid    IndexClass = "valid-differs"
	// ClassCreatedEmpty is a missing time index the broker creates empty
	// by itself at load without harm (LogSegment.sanityCheck resizes a newly
	// created time index to 0): one the rebuild would leave empty too, or
	// the active segment's, which appends index from there. Left alone
	// unless forced. A missing offset index stays ClassMissing (Kafka 2.3+
	// recovers the whole segment at load for it) unless the .log is empty.
	ClassCreatedEmpty IndexClass = "created-empty"
)

// NeedsRebuild reports whether the class calls for a rebuild.
func (c IndexClass) NeedsRebuild() bool {
	return c == ClassMissing || c == ClassHarmful || c == ClassZeroTail
}

// Classify sets Class (and Reason) of every change, judging each existing
// file that differs from the rebuild with the checks verify uses: the
// sanity checks, every entry against the log (JudgeOffsetEntry for the
// offset index, VerifyTimeIndex for the time index), and a zero-filled tail,
// benign only in the active (last) segment, whose indexes the broker
// preallocates.
func (r *Rebuilt) Classify(changes []IndexChange, active bool) error {
	var f *Files
	for i := range changes {
		c := &changes[i]
		switch {
		case !c.Exists && c.Kind == "timeindex" && (c.NewEntries == 0 || active):
			c.Class = ClassCreatedEmpty
			continue
		case !c.Exists && r.emptyLog():
			// Kafka 2.2 creates it empty, 2.3+ recovers the empty segment,
			// which writes it empty: what the rebuild writes.
			c.Class = ClassCreatedEmpty
			continue
		case !c.Exists:
			c.Class = ClassMissing
			if c.Kind == "timeindex" {
				c.Reason = emptyTimeIndexHarm
			}
			continue
		case c.Identical:
			c.Class = ClassUpToDate
			continue
		}
		if f == nil {
			s := *r.Segment
			s.Index, s.TimeIndex = "", ""
			for _, x := range changes {
				if x.Exists && x.Kind == "index" {
					s.Index = x.Path
				} else if x.Exists {
					s.TimeIndex = x.Path
				}
			}
			var err error
			if f, err = s.Open(); err != nil {
				return err
			}
			defer f.Close()
		}
		var (
			sanity   []index.Finding
			entries  []IndexFinding
			tail     index.TailState
			err      error
			verifyFn func() ([]IndexFinding, error)
		)
		if c.Kind == "index" {
			_, tail, err = f.Index.ValidEntries()
			if err == nil {
				sanity, err = f.Index.SanityCheck()
			}
			verifyFn = f.VerifyOffsetIndex
		} else {
			_, tail, err = f.TimeIndex.ValidEntries()
			if err == nil {
				sanity, err = f.TimeIndex.SanityCheck()
			}
			verifyFn = f.VerifyTimeIndex
		}
		if err == nil {
			entries, err = verifyFn()
		}
		switch {
		case err != nil:
			c.Class, c.Reason = ClassHarmful, "unreadable: "+err.Error()
		case len(sanity) > 0:
			c.Class, c.Reason = ClassHarmful, sanity[0].Kind.String()+": "+sanity[0].Detail
		case HasHarmful(entries):
			for _, x := range entries {
				if x.Severity == Harmful {
					c.Class, c.Reason = ClassHarmful, x.Kind+": "+x.Detail
					break
				}
			}
		case tail.Kind == index.ZeroedTail && tail.Bytes > 0 && !active:
			c.Class, c.Reason = ClassZeroTail, fmt.Sprintf("%d zero bytes after the entries of a segment that is not the last one: the broker counts them as entries", tail.Bytes)
		case c.Kind == "timeindex" && !active && c.OldEntries == 0 && c.NewEntries > 0:
			c.Class, c.Reason = ClassHarmful, "empty, in a segment holding timestamps: "+emptyTimeIndexHarm
		default:
			c.Class = ClassValid
		}
	}
	return nil
}

// emptyTimeIndexHarm is what an empty (or missing, so created empty) time
// index of a segment that is not the last one does on a broker: the
// segment's largest timestamp becomes the file's mtime
// (LogSegment.largestTimestamp), so a ListOffsets by timestamp can stop at
// this segment and answer no offset though later segments hold the
// timestamp (UnifiedLog.fetchOffsetByTimestamp), and time retention follows
// the mtime.
const emptyTimeIndexHarm = "the broker then takes the segment's largest timestamp from the file's mtime (LogSegment.largestTimestamp): a ListOffsets by timestamp can stop here and answer no offset, and retention.ms follows the mtime"

// emptyLog reports whether the segment's .log holds no byte.
func (r *Rebuilt) emptyLog() bool {
	st, err := os.Stat(r.Segment.Log)
	return err == nil && st.Size() == 0 && len(r.OffsetIdx) == 0
}

// Diff compares the rebuilt indexes with the files on disk.
func (r *Rebuilt) Diff() ([]IndexChange, error) {
	s := r.Segment
	var out []IndexChange
	for _, k := range []struct {
		kind, suffix, path string
		data               []byte
		size               int
	}{
		{"index", IndexSuffix, s.Index, r.OffsetIdx, index.OffsetIndexEntrySize},
		{"timeindex", TimeIndexSuffix, s.TimeIndex, r.TimeIdx, index.TimeIndexEntrySize},
	} {
		c := IndexChange{Path: k.path, Kind: k.kind, NewSize: int64(len(k.data)), NewEntries: len(k.data) / k.size}
		if c.Path == "" {
			c.Path = filepath.Join(s.Dir, FileName(s.BaseOffset, k.suffix))
		}
		old, err := os.ReadFile(c.Path)
		switch {
		case errors.Is(err, os.ErrNotExist):
			c.Added = c.NewEntries
		case err != nil:
			return nil, err
		default:
			c.Exists = true
			c.OldSize = int64(len(old))
			c.Identical = bytes.Equal(old, k.data)
			oldEntries := validPrefix(old, k.size)
			c.OldEntries = len(oldEntries)
			newSet := map[string]bool{}
			for i := 0; i+k.size <= len(k.data); i += k.size {
				newSet[string(k.data[i:i+k.size])] = true
			}
			seen := map[string]bool{}
			for _, e := range oldEntries {
				seen[e] = true
				if !newSet[e] {
					c.Removed++
				}
			}
			for e := range newSet {
				if !seen[e] {
					c.Added++
				}
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// validPrefix splits an index file into entries, stopping at the first
// all-zero slot after slot 0 (a preallocated tail).
func validPrefix(b []byte, size int) []string {
	var out []string
	zero := make([]byte, size)
	for i := 0; i+size <= len(b); i += size {
		e := b[i : i+size]
		if i > 0 && bytes.Equal(e, zero) {
			break
		}
		out = append(out, string(e))
	}
	return out
}

// WriteOptions says where and how rebuilt indexes are written.
type WriteOptions struct {
	FS fsutil.FS
	// OutputDir, when set, receives the files (named as in the partition)
	// and nothing in the partition is touched.
	OutputDir string
	// Quarantine receives the old files before they are replaced.
	Quarantine *fsutil.Quarantine
}

// Write writes the rebuilt indexes of the given changes: temp file, fsync,
// rename, fsync directory; an existing file is first copied to the
// quarantine. In place, files already identical are skipped; with OutputDir
// every given change is written, up to date or not. It returns the paths
// written.
func (r *Rebuilt) Write(changes []IndexChange, o WriteOptions) ([]string, error) {
	fsys := o.FS
	if fsys == nil {
		fsys = fsutil.OSFS{}
	}
	var written []string
	for _, c := range changes {
		if c.Identical && o.OutputDir == "" {
			continue
		}
		data := r.OffsetIdx
		if c.Kind == "timeindex" {
			data = r.TimeIdx
		}
		dst := c.Path
		if o.OutputDir != "" {
			dst = filepath.Join(o.OutputDir, filepath.Base(c.Path))
		} else if c.Exists {
			if o.Quarantine == nil {
				return written, fmt.Errorf("kseg/segment: refusing to replace %s without a quarantine", c.Path)
			}
			if _, err := o.Quarantine.SaveFile(c.Path, "index replaced by kseg index rebuild"); err != nil {
				return written, err
			}
		}
		if err := fsutil.WriteFileAtomic(fsys, dst, data, 0o644); err != nil {
			return written, err
		}
		written = append(written, dst)
	}
	return written, nil
}
