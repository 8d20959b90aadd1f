package index

import (
	"fmt"
)

// FindingKind names one kind of index problem. The String values are stable: they appear in
// JSON output and golden files.
type FindingKind uint8

const (
	_ FindingKind = iota // zero is no kind, so a zero Finding is recognisably empty

	// SizeNotMultiple: the file size is not a multiple of the entry size. Broker rule
	// (OffsetIndex/TimeIndex.sanityCheck).
	SizeNotMultiple
	// LastOffsetBelowBase: the last entry's offset is below the base offset. Broker rule.
	LastOffsetBelowBase
	// LastTimestampBelowFirst: the last entry's timestamp is below the first's. Broker rule
	// (TimeIndex.sanityCheck).
	LastTimestampBelowFirst
	// OffsetBelowBase: an entry's relative offset is negative.
	OffsetBelowBase
	// OffsetNotIncreasing: an offset-index entry's offset is not above the previous one
	// (OffsetIndex.append throws InvalidOffsetException for that).
	OffsetNotIncreasing
	// OffsetDecreasing: a time-index entry's offset is below the previous one
	// (TimeIndex.maybeAppend throws InvalidOffsetException for that).
	OffsetDecreasing
	// PositionNegative: an offset-index entry points before the start of the log.
	PositionNegative
	// PositionDecreasing: an offset-index entry's position is below the previous one.
	PositionDecreasing
	// TimestampNotIncreasing: a time-index entry's timestamp is not above the previous one
	// (TimeIndex.maybeAppend appends only strictly greater timestamps).
	TimestampNotIncreasing
	// NonzeroAfterZeroTail: non-zero bytes follow the zero slot that ends the valid entries.
	NonzeroAfterZeroTail
	// PositionPastEndOfLog: an offset-index entry points at or past the end of the .log, where
	// no batch can start (CheckPositionsWithin).
	PositionPastEndOfLog
	// TooManyFindings: SanityCheck stopped collecting; Detail says how many were left out.
	TooManyFindings
)

var findingKindNames = [...]string{
	SizeNotMultiple:         "size-not-multiple",
	LastOffsetBelowBase:     "last-offset-below-base",
	LastTimestampBelowFirst: "last-timestamp-below-first",
	OffsetBelowBase:         "offset-below-base",
	OffsetNotIncreasing:     "offset-not-increasing",
	OffsetDecreasing:        "offset-decreasing",
	PositionNegative:        "position-negative",
	PositionDecreasing:      "position-decreasing",
	TimestampNotIncreasing:  "timestamp-not-increasing",
	NonzeroAfterZeroTail:    "nonzero-after-zero-tail",
	PositionPastEndOfLog:    "position-past-end-of-log",
	TooManyFindings:         "too-many-findings",
}

// String returns the stable kebab-case name, e.g. "offset-not-increasing".
func (k FindingKind) String() string {
	if int(k) < len(findingKindNames) && findingKindNames[k] != "" {
		return findingKindNames[k]
	}
	return fmt.Sprintf("finding-kind-%d", uint8(k))
}

// MarshalText returns the String form, so a FindingKind is a string in JSON.
func (k FindingKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// MaxFindings bounds what SanityCheck and CheckPositionsWithin collect: a 10 MiB file of garbage
// has 1.3 million slots, each of which could be a finding. Past the cap they count, and end the
// list with one TooManyFindings.
const MaxFindings = 100

// Finding is one problem in an index file.
type Finding struct {
	Kind     FindingKind
	Slot     int   // slot number, or -1 if the finding is not about one slot
	Offset   int64 // absolute Kafka offset of the slot's entry, or -1
	Position int64 // byte position in the index file
	Detail   string
	// KafkaMessage is set for the broker's own rules: the text of the CorruptIndexException
	// that Kafka's sanityCheck (and kafka-dump-log.sh --index-sanity-check) raises for the
	// same condition, with "<file>" standing for the index file's absolute path.
	KafkaMessage string
}

func (f Finding) String() string {
	return fmt.Sprintf("%s: slot %d, position %d: %s", f.Kind, f.Slot, f.Position, f.Detail)
}

type collector struct {
	out     []Finding
	dropped int
}

// room reports whether the next finding will be kept, and counts it as dropped if not. Callers
// ask before formatting, so a 10 MiB file of garbage costs no allocations past the cap.
func (c *collector) room() bool {
	if len(c.out) < MaxFindings {
		return true
	}
	c.dropped++
	return false
}

func (c *collector) add(f Finding) { c.out = append(c.out, f) }

func (c *collector) result() []Finding {
	if c.dropped > 0 {
		c.out = append(c.out, Finding{Kind: TooManyFindings, Slot: -1, Offset: -1,
			Detail: fmt.Sprintf("%d more findings not listed", c.dropped)})
	}
	return c.out
}

func (f *file) sizeFinding(c *collector, kafkaPrefix string) {
	if r := f.size % int64(f.entrySize); r != 0 && c.room() {
		c.add(Finding{Kind: SizeNotMultiple, Slot: -1, Offset: -1, Position: f.size - r,
			Detail: fmt.Sprintf("size %d is not a multiple of %d: %d trailing bytes", f.size, f.entrySize, r),
			KafkaMessage: fmt.Sprintf("%s <file> is corrupt, found %d bytes which is neither positive nor a multiple of %d",
				kafkaPrefix, f.size, f.entrySize)})
	}
}

func (f *file) tailFinding(c *collector, n int, tail TailState) {
	if tail.Kind != DirtyTail || !c.room() {
		return
	}
	slot := int(tail.FirstNonzero / int64(f.entrySize))
	if slot >= f.slots() {
		slot = -1 // in the partial trailing bytes
	}
	c.add(Finding{Kind: NonzeroAfterZeroTail, Slot: slot, Offset: -1, Position: tail.FirstNonzero,
		Detail: fmt.Sprintf("valid entries end at zero slot %d, but byte %d after it is non-zero (%d slots follow)",
			n, tail.FirstNonzero, tail.Slots)})
}

// SanityCheck checks the offset index and returns its findings, at most MaxFindings of them plus
// a TooManyFindings summary. The error is for I/O and parameter problems only.
//
// Broker rules (OffsetIndex.sanityCheck), with Kafka's message in KafkaMessage:
// LastOffsetBelowBase and SizeNotMultiple. Kafka applies the first to the last slot of the whole
// file; we apply it to the last valid entry, so a preallocated zero tail is judged as
// NonzeroAfterZeroTail or not at all. Our rules over the valid entries: OffsetBelowBase,
// OffsetNotIncreasing, PositionNegative, PositionDecreasing, and NonzeroAfterZeroTail. Checks
// against the .log, beyond CheckPositionsWithin, belong to the caller that can read the log.
func (x *OffsetIndex) SanityCheck() ([]Finding, error) {
	n, tail, err := x.f.validEntries()
	if err != nil {
		return nil, err
	}
	var c collector
	if n > 0 {
		last, err := x.Entry(n - 1)
		if err != nil {
			return nil, err
		}
		if last.Offset < x.f.baseOffset && c.room() {
			c.add(Finding{Kind: LastOffsetBelowBase, Slot: n - 1, Offset: last.Offset,
				Position: int64(n-1) * OffsetIndexEntrySize,
				Detail:   fmt.Sprintf("last offset %d is below the base offset %d", last.Offset, x.f.baseOffset),
				KafkaMessage: fmt.Sprintf("Corrupt index found, index file <file> has non-zero size but the last offset is %d which is less than the base offset %d",
					last.Offset, x.f.baseOffset)})
		}
	}
	x.f.sizeFinding(&c, "Index file")
	x.f.tailFinding(&c, n, tail)

	var prev OffsetPosition
	err = x.f.scan(0, n, func(slot int, b []byte) bool {
		e := x.decode(b)
		pos := int64(slot) * OffsetIndexEntrySize
		if e.Offset < x.f.baseOffset && c.room() {
			c.add(Finding{Kind: OffsetBelowBase, Slot: slot, Offset: e.Offset, Position: pos,
				Detail: fmt.Sprintf("relative offset %d is negative", e.Offset-x.f.baseOffset)})
		}
		if e.Position < 0 && c.room() {
			c.add(Finding{Kind: PositionNegative, Slot: slot, Offset: e.Offset, Position: pos,
				Detail: fmt.Sprintf("log position %d is negative", e.Position)})
		}
		if slot > 0 {
			if e.Offset <= prev.Offset && c.room() {
				c.add(Finding{Kind: OffsetNotIncreasing, Slot: slot, Offset: e.Offset, Position: pos,
					Detail: fmt.Sprintf("offset %d is not above the previous entry's %d", e.Offset, prev.Offset)})
			}
			if e.Position < prev.Position && c.room() {
				c.add(Finding{Kind: PositionDecreasing, Slot: slot, Offset: e.Offset, Position: pos,
					Detail: fmt.Sprintf("log position %d is below the previous entry's %d", e.Position, prev.Position)})
			}
		}
		prev = e
		return true
	})
	if err != nil {
		return nil, err
	}
	return c.result(), nil
}

// CheckPositionsWithin reports every valid entry whose log position is at or past logSize, the
// size of the segment's .log: no batch can start there, and Kafka's FileRecords.slice throws for
// positions beyond the end. It returns at most MaxFindings findings plus a summary.
func (x *OffsetIndex) CheckPositionsWithin(logSize int64) ([]Finding, error) {
	n, _, err := x.f.validEntries()
	if err != nil {
		return nil, err
	}
	var c collector
	err = x.f.scan(0, n, func(slot int, b []byte) bool {
		e := x.decode(b)
		if int64(e.Position) >= logSize && c.room() {
			c.add(Finding{Kind: PositionPastEndOfLog, Slot: slot, Offset: e.Offset,
				Position: int64(slot) * OffsetIndexEntrySize,
				Detail:   fmt.Sprintf("log position %d is not below the log size %d", e.Position, logSize)})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	return c.result(), nil
}

// SanityCheck checks the time index and returns its findings, at most MaxFindings of them plus a
// TooManyFindings summary. The error is for I/O and parameter problems only.
//
// Broker rules (TimeIndex.sanityCheck), with Kafka's message in KafkaMessage:
// LastTimestampBelowFirst, LastOffsetBelowBase and SizeNotMultiple. Kafka applies them to the
// last slot of the whole file, so its own check fails on every preallocated time index with a
// zero tail (last timestamp 0 < first); we apply them to the last valid entry and report a
// zero tail separately (ValidEntries, NonzeroAfterZeroTail). Our rules over the valid entries:
// OffsetBelowBase, TimestampNotIncreasing, OffsetDecreasing, NonzeroAfterZeroTail.
func (x *TimeIndex) SanityCheck() ([]Finding, error) {
	n, tail, err := x.f.validEntries()
	if err != nil {
		return nil, err
	}
	var c collector
	if n > 0 {
		first, err := x.Entry(0)
		if err != nil {
			return nil, err
		}
		last, err := x.Entry(n - 1)
		if err != nil {
			return nil, err
		}
		pos := int64(n-1) * TimeIndexEntrySize
		if last.Timestamp < first.Timestamp && c.room() {
			c.add(Finding{Kind: LastTimestampBelowFirst, Slot: n - 1, Offset: last.Offset, Position: pos,
				Detail: fmt.Sprintf("last timestamp %d is below the first timestamp %d", last.Timestamp, first.Timestamp),
				KafkaMessage: fmt.Sprintf("Corrupt time index found, time index file (<file>) has non-zero size but the last timestamp is %d which is less than the first timestamp %d",
					last.Timestamp, first.Timestamp)})
		}
		if last.Offset < x.f.baseOffset && c.room() {
			c.add(Finding{Kind: LastOffsetBelowBase, Slot: n - 1, Offset: last.Offset, Position: pos,
				Detail: fmt.Sprintf("last offset %d is below the base offset %d", last.Offset, x.f.baseOffset),
				KafkaMessage: fmt.Sprintf("Corrupt time index found, time index file (<file>) has non-zero size but the last offset is %d which is less than the first offset %d",
					last.Offset, x.f.baseOffset)})
		}
	}
	x.f.sizeFinding(&c, "Time index file")
	x.f.tailFinding(&c, n, tail)

	var prev TimestampOffset
	err = x.f.scan(0, n, func(slot int, b []byte) bool {
		e := x.decode(b)
		pos := int64(slot) * TimeIndexEntrySize
		if e.Offset < x.f.baseOffset && c.room() {
			c.add(Finding{Kind: OffsetBelowBase, Slot: slot, Offset: e.Offset, Position: pos,
				Detail: fmt.Sprintf("relative offset %d is negative", e.Offset-x.f.baseOffset)})
		}
		if slot > 0 {
			if e.Timestamp <= prev.Timestamp && c.room() {
				c.add(Finding{Kind: TimestampNotIncreasing, Slot: slot, Offset: e.Offset, Position: pos,
					Detail: fmt.Sprintf("timestamp %d is not above the previous entry's %d", e.Timestamp, prev.Timestamp)})
			}
			if e.Offset < prev.Offset && c.room() {
				c.add(Finding{Kind: OffsetDecreasing, Slot: slot, Offset: e.Offset, Position: pos,
					Detail: fmt.Sprintf("offset %d is below the previous entry's %d", e.Offset, prev.Offset)})
			}
		}
		prev = e
		return true
	})
	if err != nil {
		return nil, err
	}
	return c.result(), nil
}
