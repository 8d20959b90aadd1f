package segment_test

import (
	"os"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
)

// checkFixture is one v2 segment of 20 batches of 5 records (offsets
// 100..199) with hand-written indexes: one entry per batch from batch 1 on,
// as the recover rule writes with a tiny interval. Tests edit the entries.
type checkFixture struct {
	g       *genPart
	seg     *segment.Segment
	batches []genBatch
	offsets []index.OffsetPosition  // entry i is batch i+1
	times   []index.TimestampOffset // entry i is batch i+1
}

func newCheckFixture(t *testing.T) *checkFixture {
	t.Helper()
	g := genPartition(t, genSpec{magic: 2, codec: format.CompressionNone, segments: 1, batches: 20, records: 5, firstOffset: 100, indexInterval: 1})
	c := &checkFixture{g: g, batches: g.batches}
	for _, b := range g.batches[1:] {
		c.offsets = append(c.offsets, index.OffsetPosition{Offset: b.lastOff, Position: int32(b.position)})
		c.times = append(c.times, index.TimestampOffset{Timestamp: b.maxTs, Offset: b.lastOff})
	}
	c.seg = g.open(t).Segments[0]
	return c
}

func (c *checkFixture) write(t *testing.T) {
	t.Helper()
	var oi, ti []byte
	var err error
	for _, e := range c.offsets {
		oi, err = index.AppendOffsetEntry(oi, 100, e)
		must(t, err)
	}
	for _, e := range c.times {
		ti, err = index.AppendTimeEntry(ti, 100, e)
		must(t, err)
	}
	must(t, os.WriteFile(c.seg.Index, oi, 0o644))
	must(t, os.WriteFile(c.seg.TimeIndex, ti, 0o644))
}

type wantFinding struct {
	slot         int
	kind         string
	sev          segment.Severity
	affectedFrom int64
	affectedTo   int64
}

func requireFindings(t *testing.T, got []segment.IndexFinding, want []wantFinding) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("got %d findings %+v, want %+v", len(got), got, want)
	}
	for i, w := range want {
		g := got[i]
		if g.Slot != w.slot || g.Kind != w.kind || g.Severity != w.sev || g.AffectedFrom != w.affectedFrom || g.AffectedTo != w.affectedTo {
			t.Errorf("finding %d: slot %d %s %s affected %d..%d (%s); want slot %d %s %s affected %d..%d",
				i, g.Slot, g.Kind, g.Severity, g.AffectedFrom, g.AffectedTo, g.Detail, w.slot, w.kind, w.sev, w.affectedFrom, w.affectedTo)
		}
	}
}

func TestVerifyOffsetIndex(t *testing.T) {
	// Batch j holds offsets 100+5j .. 104+5j; entry slot j-1 is batch j.
	last := func(j int) int64 { return int64(104 + 5*j) }
	tests := []struct {
		name   string
		edit   func(c *checkFixture)
		want   []wantFinding
		sanity bool // index.SanityCheck must flag it too
	}{
		{"clean", func(c *checkFixture) {}, nil, false},
		{"positions of two entries swapped", func(c *checkFixture) {
			c.offsets[2].Position, c.offsets[3].Position = c.offsets[3].Position, c.offsets[2].Position
		}, []wantFinding{
			// (last(3), pos of batch 4): a lookup for last(3) starts after it.
			{2, "offset-mismatch", segment.Harmful, last(3), last(3)},
			// (last(4), pos of batch 3): lands one batch early, harmless.
			{3, "offset-mismatch", segment.Harmless, -1, -1},
		}, true}, // positions decrease
		{"two whole entries swapped", func(c *checkFixture) {
			c.offsets[2], c.offsets[3] = c.offsets[3], c.offsets[2]
		}, nil, true}, // each entry is right on its own; only the order is broken (binary search)
		{"entry in the middle of a batch", func(c *checkFixture) {
			c.offsets[4].Position += 10
		}, []wantFinding{{4, "position-inside-batch", segment.Harmful, last(5), last(6)}}, false},
		{"entry past the end of the log", func(c *checkFixture) {
			c.offsets[18].Position = int32(c.batches[19].position + c.batches[19].size + 100)
		}, []wantFinding{{18, "position-past-end-of-log", segment.Harmful, last(19), last(19)}}, false},
		{"chunk-style entry below the batch's last offset", func(c *checkFixture) {
			c.offsets[6].Offset = last(7) - 2 // above last(6): harmless
		}, []wantFinding{{6, "offset-mismatch", segment.Harmless, -1, -1}}, false},
		{"entry offset before its batch", func(c *checkFixture) {
			c.offsets[7].Offset = last(6) // batch 8 named by an offset of batch 6
		}, []wantFinding{{7, "offset-mismatch", segment.Harmful, last(6), last(7)}}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCheckFixture(t)
			tc.edit(c)
			c.write(t)
			got, err := segment.VerifyOffsetIndex(c.seg)
			must(t, err)
			requireFindings(t, got, tc.want)
			if segment.HasHarmful(got) != (len(tc.want) > 0 && tc.want[0].sev == segment.Harmful) {
				t.Errorf("HasHarmful = %v", segment.HasHarmful(got))
			}
			f, err := c.seg.Open()
			must(t, err)
			defer f.Close()
			sanity, err := f.Index.SanityCheck()
			must(t, err)
			if (len(sanity) > 0) != tc.sanity {
				t.Errorf("index.SanityCheck: %+v, want findings: %v", sanity, tc.sanity)
			}
		})
	}
}

func TestVerifyTimeIndex(t *testing.T) {
	last := func(j int) int64 { return int64(104 + 5*j) }
	ts := func(j int) int64 { return 1704067200000 + last(j)*1000 } // max timestamp of batch j
	tests := []struct {
		name string
		edit func(c *checkFixture)
		want []wantFinding
	}{
		{"clean", func(c *checkFixture) {}, nil},
		{"timestamp below the batch's, above the earlier batches'", func(c *checkFixture) {
			c.times[4].Timestamp = ts(5) - 1
		}, []wantFinding{{4, "timestamp-mismatch", segment.Harmless, -1, -1}}},
		{"timestamp below an earlier batch's", func(c *checkFixture) {
			c.times[4].Timestamp = ts(3)
		}, []wantFinding{
			{4, "out-of-order-timestamp", segment.Harmful, -1, -1},
			// Batch 4's max timestamp is above the entry: a lookup for a
			// time between them would start after batch 4.
			{4, "timestamp-mismatch", segment.Harmful, -1, last(4)},
		}},
		{"offset that is not a batch's last offset", func(c *checkFixture) {
			c.times[4].Offset = last(5) - 1
		}, []wantFinding{{4, "offset-not-found", segment.Harmless, -1, -1}}},
		{"offset past the end of the log", func(c *checkFixture) {
			c.times[18].Offset = last(19) + 50
		}, []wantFinding{{18, "offset-not-found", segment.Harmful, -1, -1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := newCheckFixture(t)
			tc.edit(c)
			c.write(t)
			got, err := segment.VerifyTimeIndex(c.seg)
			must(t, err)
			requireFindings(t, got, tc.want)
		})
	}
}
