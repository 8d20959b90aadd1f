package dump

import (
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
)

// IndexOptions controls index dumps.
type IndexOptions struct {
	JSON        bool
	VerifyOnly  bool // --verify-index-only: findings, no entries
	SanityCheck bool // --index-sanity-check: sanity rules only
}

// IndexResult is what an index dump found.
type IndexResult struct {
	Sanity   []index.Finding
	Findings []segment.IndexFinding
	Harmful  bool
	Empty    bool
}

// IndexEntries prints the valid entries of an offset or time index in
// DumpLogSegments' format ("offset: N position: P" / "timestamp: T offset:
// N", absolute offsets), or as NDJSON.
func IndexEntries(w io.Writer, seg *segment.Segment, timeIndex bool, displayPath string, o IndexOptions) (*IndexResult, error) {
	f, err := seg.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	res := &IndexResult{}
	if !o.JSON {
		fmt.Fprintf(w, "Dumping %s\n", displayPath)
	}
	// Sanity results name the partition too: bare segment file names repeat
	// in every partition.
	name := sanityName{file: displayPath[strings.LastIndexByte(displayPath, '/')+1:]}
	if abs, err := filepath.Abs(seg.Dir); err == nil {
		name.partition = filepath.Base(abs)
	}
	if timeIndex {
		x := f.TimeIndex
		if x == nil {
			return nil, fmt.Errorf("%s: no such time index", displayPath)
		}
		if o.SanityCheck {
			res.Sanity, err = x.SanityCheck()
			return res, sanityOut(w, res, name, o, err)
		}
		n, _, err := x.ValidEntries()
		if err != nil {
			return nil, err
		}
		res.Empty = n == 0
		for i := 0; i < n && !o.VerifyOnly; i++ {
			e, err := x.Entry(i)
			if err != nil {
				return nil, err
			}
			if o.JSON {
				writeJSON(w, map[string]any{"type": "timeIndexEntry", "file": displayPath, "slot": i, "timestamp": e.Timestamp, "offset": e.Offset})
			} else {
				fmt.Fprintf(w, "timestamp: %d offset: %d\n", e.Timestamp, e.Offset)
			}
		}
		res.Findings, err = f.VerifyTimeIndex()
	} else {
		x := f.Index
		if x == nil {
			return nil, fmt.Errorf("%s: no such index", displayPath)
		}
		n, _, err := x.ValidEntries()
		if err != nil {
			return nil, err
		}
		if n == 0 && !o.SanityCheck {
			res.Empty = true
			if !o.JSON {
				fmt.Fprintf(w, "%s is empty.\n", displayPath)
			}
			return res, nil
		}
		if o.SanityCheck {
			res.Sanity, err = x.SanityCheck()
			if err == nil {
				var more []index.Finding
				more, err = x.CheckPositionsWithin(f.LogSize)
				res.Sanity = append(res.Sanity, more...)
			}
			return res, sanityOut(w, res, name, o, err)
		}
		for i := 0; i < n && !o.VerifyOnly; i++ {
			e, err := x.Entry(i)
			if err != nil {
				return nil, err
			}
			if o.JSON {
				writeJSON(w, map[string]any{"type": "indexEntry", "file": displayPath, "slot": i, "offset": e.Offset, "position": e.Position})
			} else {
				fmt.Fprintf(w, "offset: %d position: %d\n", e.Offset, e.Position)
			}
		}
		res.Findings, err = f.VerifyOffsetIndex()
	}
	if err != nil {
		return res, err
	}
	res.Harmful = segment.HasHarmful(res.Findings)
	if o.JSON {
		for _, fd := range res.Findings {
			writeJSON(w, struct {
				Type string `json:"type"`
				segment.IndexFinding
			}{"indexFinding", fd})
		}
	}
	return res, nil
}

// sanityName is the partition directory and file an index sanity check names.
type sanityName struct{ partition, file string }

func (n sanityName) String() string {
	if n.partition == "" {
		return n.file
	}
	return n.partition + "/" + n.file
}

func sanityOut(w io.Writer, res *IndexResult, name sanityName, o IndexOptions, err error) error {
	if err != nil {
		return err
	}
	for _, f := range res.Sanity {
		res.Harmful = true
		if o.JSON {
			writeJSON(w, map[string]any{"type": "sanityFinding", "partition": name.partition, "file": name.file, "kind": f.Kind.String(), "slot": f.Slot,
				"offset": f.Offset, "position": f.Position, "detail": f.Detail, "kafkaMessage": f.KafkaMessage})
		}
	}
	if len(res.Sanity) == 0 {
		if o.JSON {
			writeJSON(w, map[string]any{"type": "sanityCheck", "partition": name.partition, "file": name.file, "passed": true})
		} else {
			fmt.Fprintf(w, "%s passed sanity check.\n", name)
		}
	}
	return nil
}

// WriteIndexReport writes the end-of-run stderr report for index findings,
// in DumpLogSegments' shape with kseg's classification appended.
func WriteIndexReport(w io.Writer, absPath string, res *IndexResult) {
	for _, f := range res.Sanity {
		msg := f.KafkaMessage
		if msg == "" {
			msg = f.Detail
		}
		fmt.Fprintf(w, "%s: sanity check failed: %s: %s\n", absPath, f.Kind, strings.ReplaceAll(msg, "<file>", absPath))
	}
	var mism, other []segment.IndexFinding
	for _, f := range res.Findings {
		if f.Kind == "offset-mismatch" {
			mism = append(mism, f)
		} else {
			other = append(other, f)
		}
	}
	if len(mism) > 0 {
		fmt.Fprintf(w, "Mismatches in :%s\n", absPath)
		for _, f := range mism {
			fmt.Fprintf(w, "  Index offset: %d, log offset: %d (%s)\n", f.IndexOffset, f.LogOffset, f.Severity)
		}
	}
	for _, f := range other {
		fmt.Fprintf(w, "%s: slot %d: %s (%s): %s\n", absPath, f.Slot, f.Kind, f.Severity, f.Detail)
	}
}

func writeJSON(w io.Writer, v any) {
	b, _ := json.Marshal(v)
	w.Write(append(b, '\n'))
}

// Lookup prints a lookup result: the index entry used, the batch found, the
// bytes scanned.
func Lookup(w io.Writer, r *segment.LookupResult, byTime, asJSON bool) {
	if asJSON {
		m := map[string]any{"type": "lookup", "segment": r.Segment.Log, "indexUsed": r.IndexUsed,
			"indexEntry": map[string]any{"offset": r.IndexEntry.Offset, "position": r.IndexEntry.Position},
			"batch": map[string]any{"position": r.Batch.Position, "baseOffset": r.Batch.BaseOffset, "lastOffset": r.Batch.LastOffset,
				"count": r.Batch.NumRecords, "maxTimestamp": r.Batch.MaxTimestamp, "size": r.Batch.Size, "magic": r.Batch.Magic, "compresscodec": r.Batch.Compression.String()},
			"bytesScanned": r.BytesScanned, "offset": r.Offset}
		if !r.Batch.Exact {
			// An undecodable legacy wrapper: baseOffset is an upper bound,
			// count a lower bound.
			m["batch"].(map[string]any)["bounds"] = "baseOffset is at most, count at least the value given (the wrapper could not be decompressed)"
		}
		if byTime {
			m["timestamp"] = r.Timestamp
			m["timeIndexEntry"] = map[string]any{"timestamp": r.TimeEntry.Timestamp, "offset": r.TimeEntry.Offset}
		}
		writeJSON(w, m)
		return
	}
	fmt.Fprintf(w, "segment: %s\n", r.Segment.Log)
	if byTime {
		fmt.Fprintf(w, "time index entry: timestamp: %d offset: %d\n", r.TimeEntry.Timestamp, r.TimeEntry.Offset)
	}
	if r.IndexUsed {
		fmt.Fprintf(w, "index entry: offset: %d position: %d\n", r.IndexEntry.Offset, r.IndexEntry.Position)
	} else {
		fmt.Fprintf(w, "index entry: none (no .index; scanning from position 0)\n")
	}
	base, count := strconv.FormatInt(r.Batch.BaseOffset, 10), strconv.FormatInt(int64(r.Batch.NumRecords), 10)
	if !r.Batch.Exact {
		base, count = "<="+base, ">="+count // an undecodable legacy wrapper: bounds
	}
	fmt.Fprintf(w, "batch: baseOffset: %s lastOffset: %d count: %s position: %d size: %d maxTimestamp: %d magic: %d compresscodec: %s\n",
		base, r.Batch.LastOffset, count, r.Batch.Position, r.Batch.Size, r.Batch.MaxTimestamp, r.Batch.Magic, r.Batch.Compression)
	if byTime {
		fmt.Fprintf(w, "offset: %d timestamp: %d\n", r.Offset, r.Timestamp)
	}
	fmt.Fprintf(w, "bytes scanned: %d\n", r.BytesScanned)
}

// LookupError prints a lookup that has no batch to answer, as the Kafka
// error code ListOffsets/Fetch would return (e.g. OFFSET_OUT_OF_RANGE,
// UNSUPPORTED_FOR_MESSAGE_FORMAT).
func LookupError(w io.Writer, code, message string) {
	writeJSON(w, map[string]any{"type": "lookupError", "error": code, "message": message})
}

// RebuildPlan prints what an index rebuild would change (or changed).
//
// Each file is judged (IndexChange.Class): up to date; missing, harmful or
// zero-tailed (rebuilt); or differing from the recovery rule with every
// entry valid, which is left alone unless force.
func RebuildPlan(w io.Writer, s *segment.Segment, rb *segment.Rebuilt, diff []segment.IndexChange, written []string, force, asJSON bool) {
	if asJSON {
		logErr := ""
		if rb.LogErr != nil {
			logErr = rb.LogErr.Error()
		}
		writeJSON(w, map[string]any{"type": "rebuild", "segment": s.Log, "validBytes": rb.ValidBytes, "logError": logErr, "changes": diff, "written": written})
		return
	}
	fmt.Fprintf(w, "%s:\n", s.Log)
	if rb.LogErr != nil {
		fmt.Fprintf(w, "  log: indexed up to byte %d (recovery stops there): %v\n", rb.ValidBytes, rb.LogErr)
	}
	for _, d := range diff {
		switch {
		case d.Identical:
			fmt.Fprintf(w, "  %s: up to date (%d entries): byte-identical to what recovery writes\n", baseName(d.Path), d.NewEntries)
		case !d.Exists && d.Class == segment.ClassCreatedEmpty && force:
			fmt.Fprintf(w, "  %s: missing, the broker creates it empty at load; written (--force): %d entries (%d bytes)\n", baseName(d.Path), d.NewEntries, d.NewSize)
		case !d.Exists && d.Class == segment.ClassCreatedEmpty && d.Kind == "index":
			fmt.Fprintf(w, "  %s: missing, the .log is empty: the broker creates it empty at load (2.3+ by recovering the empty segment) and indexes new appends: left alone (--force writes %d entries (%d bytes))\n", baseName(d.Path), d.NewEntries, d.NewSize)
		case !d.Exists && d.Class == segment.ClassCreatedEmpty:
			fmt.Fprintf(w, "  %s: missing, the broker creates it empty at load and indexes new appends (LogSegment.sanityCheck): left alone (--force writes %d entries (%d bytes))\n", baseName(d.Path), d.NewEntries, d.NewSize)
		case !d.Exists && d.Reason != "":
			fmt.Fprintf(w, "  %s: missing (%s); rebuild writes %d entries (%d bytes)\n", baseName(d.Path), d.Reason, d.NewEntries, d.NewSize)
		case !d.Exists:
			fmt.Fprintf(w, "  %s: missing; rebuild writes %d entries (%d bytes)\n", baseName(d.Path), d.NewEntries, d.NewSize)
		default:
			what := fmt.Sprintf("%d entries (%d bytes) -> %d entries (%d bytes): %d added, %d removed",
				d.OldEntries, d.OldSize, d.NewEntries, d.NewSize, d.Added, d.Removed)
			switch {
			case d.Class.NeedsRebuild():
				fmt.Fprintf(w, "  %s: %s (%s); rebuild: %s\n", baseName(d.Path), d.Class, d.Reason, what)
			case force:
				fmt.Fprintf(w, "  %s: differs from the recovery rule, every entry valid; rewritten (--force): %s\n", baseName(d.Path), what)
			default:
				fmt.Fprintf(w, "  %s: differs from the recovery rule, every entry valid: left alone (--force rewrites it: %s)\n", baseName(d.Path), what)
			}
		}
	}
	for _, p := range written {
		fmt.Fprintf(w, "  wrote %s\n", p)
	}
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
