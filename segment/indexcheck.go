package segment

import (
	"fmt"
	"io"

	"github.com/kseg/kseg/format"
)

// Severity of an index finding.
type Severity string

// Severities. Harmless: every lookup still lands at or before the right
// batch (extra scanning at worst). Harmful: some lookup would skip data or
// read garbage.
const (
	Harmless Severity = "harmless"
	Harmful  Severity = "harmful"
)

// IndexFinding is one problem found by checking an index against its log.
// Kind uses Kafka's words where DumpLogSegments has them.
type IndexFinding struct {
	File     string   `json:"file"`
	Kind     string   `json:"kind"`
	Severity Severity `json:"severity"`
	Slot     int      `json:"slot"`
	// IndexOffset/IndexPosition or IndexTimestamp: what the entry says.
	IndexOffset    int64 `json:"indexOffset"`
	IndexPosition  int64 `json:"indexPosition"`
	IndexTimestamp int64 `json:"indexTimestamp,omitempty"`
	// LogOffset/LogTimestamp: what the log holds there (-1 if nothing).
	LogOffset    int64 `json:"logOffset"`
	LogTimestamp int64 `json:"logTimestamp,omitempty"`
	// AffectedFrom..AffectedTo: offsets a lookup would skip (-1 if none).
	AffectedFrom int64  `json:"affectedFrom"`
	AffectedTo   int64  `json:"affectedTo"`
	Detail       string `json:"detail"`
}

// JudgeOffsetEntry classifies an offset-index entry whose position is the
// start of a batch ending at batchLast, the batch before it ending at
// prevLast (-1 when there is none). A lookup (OffsetIndex.lookup, then a scan
// forward from the position) must not start after the batch holding the
// offset it was asked for: "" means the entry is exact (the recovery rule's
// (lastOffset, position)); Harmless means it names another offset but every
// lookup still lands at or before the right batch (e.g. the entry a broker
// before KAFKA-806 writes for a whole append: an uncompressed magic 0/1
// message set or a multi-batch follower append); Harmful means offsets entryOffset..prevLast
// lie before the position and a lookup for them would skip them. Entries
// whose position is not a batch start are always harmful.
func JudgeOffsetEntry(entryOffset, batchLast, prevLast int64) Severity {
	switch {
	case entryOffset == batchLast:
		return ""
	case entryOffset <= prevLast:
		return Harmful
	}
	return Harmless
}

// maxIndexFindings bounds the findings kept per index file.
const maxIndexFindings = 1000

// logCursor walks batch headers forward and remembers what it passed.
type logCursor struct {
	r        *format.BatchReader
	cur      *format.Batch // batch at the cursor (nil at EOF/error)
	prevLast int64         // last offset of the batch before cur
	prevMax  int64         // running max timestamp of batches before cur
	err      error
}

func newLogCursor(f *Files, name string) *logCursor {
	c := &logCursor{r: f.Batches(name, 0, true), prevLast: -1, prevMax: -1}
	c.next()
	return c
}

func (c *logCursor) next() {
	if c.cur != nil {
		c.prevLast = c.cur.LastOffset()
		c.prevMax = max(c.prevMax, c.cur.MaxTimestamp)
	}
	b, err := c.r.Next()
	if err != nil {
		c.cur = nil
		if err != io.EOF {
			c.err = err
		}
		return
	}
	c.cur = b
}

// VerifyOffsetIndex checks every valid entry of the segment's .index against
// its .log in one forward pass (the log is read once, headers only). Kafka's
// DumpLogSegments reports an entry whose batch's last offset differs as a
// "mismatch"; kseg also classifies it.
func VerifyOffsetIndex(s *Segment) ([]IndexFinding, error) {
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.VerifyOffsetIndex()
}

// VerifyOffsetIndex is VerifyOffsetIndex over already opened files.
func (f *Files) VerifyOffsetIndex() ([]IndexFinding, error) {
	s := f.Segment
	if f.Index == nil {
		return nil, nil
	}
	n, _, err := f.Index.ValidEntries()
	if err != nil {
		return nil, err
	}
	name := FileName(s.BaseOffset, IndexSuffix)
	var out []IndexFinding
	add := func(x IndexFinding) {
		if len(out) < maxIndexFindings {
			x.File = name
			out = append(out, x)
		}
	}
	c := newLogCursor(f, s.Name())
	lastPos := int64(-1)
	for i := 0; i < n; i++ {
		e, err := f.Index.Entry(i)
		if err != nil {
			return out, err
		}
		pos := int64(e.Position)
		if pos < lastPos {
			// Out of order: restart the walk (bounded by the findings cap).
			c = newLogCursor(f, s.Name())
		}
		lastPos = pos
		for c.cur != nil && c.cur.Position < pos {
			c.next()
		}
		if c.err != nil {
			return out, fmt.Errorf("reading %s: %w", s.Name(), c.err)
		}
		x := IndexFinding{Slot: i, IndexOffset: e.Offset, IndexPosition: pos, LogOffset: -1, AffectedFrom: -1, AffectedTo: -1}
		switch {
		case pos >= f.LogSize || c.cur == nil:
			x.Kind, x.Severity = "position-past-end-of-log", Harmful
			x.Detail = fmt.Sprintf("position %d is at or past the end of the log (%d bytes)", pos, f.LogSize)
			if c.prevLast >= e.Offset {
				x.AffectedFrom, x.AffectedTo = e.Offset, c.prevLast
			}
		case c.cur.Position != pos:
			x.Kind, x.Severity = "position-inside-batch", Harmful
			x.LogOffset = c.prevLast
			x.Detail = fmt.Sprintf("position %d is inside the batch that starts at %d", pos, c.cur.Position)
			x.AffectedFrom, x.AffectedTo = e.Offset, c.cur.LastOffset()
		default:
			last := c.cur.LastOffset()
			x.LogOffset = last
			x.Severity = JudgeOffsetEntry(e.Offset, last, c.prevLast)
			if x.Severity == "" {
				continue
			}
			x.Kind = "offset-mismatch"
			if x.Severity == Harmful {
				// Offsets in [e.Offset, prevLast] live before pos: a lookup
				// for them starts too late and misses them.
				x.AffectedFrom, x.AffectedTo = e.Offset, c.prevLast
				x.Detail = fmt.Sprintf("index offset %d points at the batch %d..%d; offsets %d..%d lie before it and a lookup would skip them", e.Offset, c.cur.BaseOffset, last, e.Offset, c.prevLast)
			} else {
				x.Detail = fmt.Sprintf("index offset %d, log offset %d: lookups still land at or before the right batch (the broker indexed a whole append at once, as brokers before KAFKA-806 do: normal for an uncompressed magic 0/1 message set or a multi-batch follower append)", e.Offset, last)
			}
		}
		add(x)
	}
	return out, nil
}

// VerifyTimeIndex checks every valid entry of the .timeindex against the log
// in one forward pass. Kafka's kinds: timestamp mismatch (the entry's
// timestamp is not the max timestamp of the batch whose last offset it
// names), offset not found, out-of-order timestamps. An entry is harmful
// when a batch before the one it points to holds a larger timestamp than the
// entry (a ListOffsets lookup for a timestamp in between would start too
// late), or when it points outside the log.
func VerifyTimeIndex(s *Segment) ([]IndexFinding, error) {
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.VerifyTimeIndex()
}

// VerifyTimeIndex is VerifyTimeIndex over already opened files.
func (f *Files) VerifyTimeIndex() ([]IndexFinding, error) {
	s := f.Segment
	if f.TimeIndex == nil {
		return nil, nil
	}
	n, _, err := f.TimeIndex.ValidEntries()
	if err != nil {
		return nil, err
	}
	name := FileName(s.BaseOffset, TimeIndexSuffix)
	var out []IndexFinding
	add := func(x IndexFinding) {
		if len(out) < maxIndexFindings {
			x.File = name
			out = append(out, x)
		}
	}
	c := newLogCursor(f, s.Name())
	prevTs := int64(-1)
	lastOff := int64(-1)
	for i := 0; i < n; i++ {
		e, err := f.TimeIndex.Entry(i)
		if err != nil {
			return out, err
		}
		if e.Offset < lastOff {
			c = newLogCursor(f, s.Name())
		}
		lastOff = e.Offset
		for c.cur != nil && c.cur.LastOffset() < e.Offset {
			c.next()
		}
		if c.err != nil {
			return out, fmt.Errorf("reading %s: %w", s.Name(), c.err)
		}
		x := IndexFinding{Slot: i, IndexOffset: e.Offset, IndexTimestamp: e.Timestamp, IndexPosition: -1, LogOffset: -1, AffectedFrom: -1, AffectedTo: -1}
		if i > 0 && prevTs >= e.Timestamp {
			y := x
			y.Kind, y.Severity = "out-of-order-timestamp", Harmful
			y.LogTimestamp = prevTs
			y.Detail = fmt.Sprintf("index timestamp %d, previously indexed timestamp %d", e.Timestamp, prevTs)
			add(y)
		}
		prevTs = e.Timestamp
		switch {
		case c.cur == nil:
			x.Kind, x.Severity = "offset-not-found", Harmful
			x.Detail = fmt.Sprintf("indexed offset %d is past the end of the log", e.Offset)
			add(x)
			continue
		case c.cur.LastOffset() != e.Offset:
			x.Kind = "offset-not-found"
			x.LogOffset = c.cur.LastOffset()
			x.Detail = fmt.Sprintf("indexed offset %d is not the last offset of a batch (found log offset %d)", e.Offset, x.LogOffset)
		case c.cur.MaxTimestamp != e.Timestamp:
			x.Kind = "timestamp-mismatch"
			x.LogOffset = e.Offset
			x.LogTimestamp = c.cur.MaxTimestamp
			x.Detail = fmt.Sprintf("index timestamp %d, log timestamp %d", e.Timestamp, c.cur.MaxTimestamp)
		default:
			if c.prevMax <= e.Timestamp {
				continue
			}
			x.Kind = "timestamp-below-earlier-batch"
			x.LogOffset = e.Offset
		}
		// Harmful when an earlier batch already carries a timestamp above
		// the entry's: records in between would be skipped by a lookup.
		if c.prevMax > e.Timestamp {
			x.Severity = Harmful
			x.AffectedFrom, x.AffectedTo = -1, c.prevLast
			if x.Detail == "" {
				x.Detail = fmt.Sprintf("a batch before offset %d has max timestamp %d > %d", e.Offset, c.prevMax, e.Timestamp)
			}
		} else {
			x.Severity = Harmless
		}
		add(x)
	}
	return out, nil
}

// HasHarmful reports whether any finding is harmful.
func HasHarmful(fs []IndexFinding) bool {
	for _, f := range fs {
		if f.Severity == Harmful {
			return true
		}
	}
	return false
}
