package commands

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/kseg/kseg/diff"
	"github.com/kseg/kseg/dump"
	"github.com/urfave/cli/v2"
)

func init() { register(diffCommand) }

func diffCommand() *cli.Command {
	return &cli.Command{
		Name:      "diff",
		Usage:     "compare two replicas of a partition (or two log directories) batch by batch, read-only (exit 0 identical, 1 different, 3 I/O failure)",
		ArgsUsage: "A B (two partition directories, or two log directories compared partition by partition)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "NDJSON: one object per difference and per partition, then a summary"},
		},
		Action: runDiff,
	}
}

func runDiff(c *cli.Context) error {
	if c.NArg() != 2 {
		return usagef("diff: want two paths A and B, got %d (see 'kseg diff --help')", c.NArg())
	}
	out := &diffOutput{w: c.App.Writer, json: c.Bool("json")}
	sum, err := diff.Paths(c.Context, c.Args().Get(0), c.Args().Get(1), diff.Options{OnDifference: out.difference, OnPartition: out.partition})
	if errors.Is(err, diff.ErrMismatchedPaths) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	if err := out.summary(sum); err != nil {
		return err
	}
	if sum.Different > 0 {
		return ErrFindings
	}
	return nil
}

// diffOutput renders differences as they stream in.
type diffOutput struct {
	w    io.Writer
	json bool
	err  error
}

func (o *diffOutput) write(s string) {
	if o.err == nil {
		_, o.err = io.WriteString(o.w, s)
	}
}

func (o *diffOutput) writeJSON(typ string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		o.err = err
		return
	}
	// Splice the type and schema version in front of the object's fields.
	o.write(fmt.Sprintf(`{"type":%q,"schemaVersion":%d,`, typ, dump.SchemaVersion) + string(b[1:]) + "\n")
}

func (o *diffOutput) difference(d diff.Difference) {
	if o.json {
		o.writeJSON("difference", d)
		return
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s: %s", d.Partition, d.Kind)
	if d.Offset >= 0 {
		fmt.Fprintf(&sb, " offset: %d..%d", d.Offset, d.LastOffset)
	}
	if d.Batches > 0 {
		fmt.Fprintf(&sb, " batches: %d", d.Batches)
	}
	if d.GoodCopy != "" {
		fmt.Fprintf(&sb, " goodCopy: %s", d.GoodCopy)
	}
	sb.WriteString("\n")
	for _, s := range []struct {
		name string
		r    *diff.BatchRef
	}{{"A", d.A}, {"B", d.B}} {
		if s.r != nil {
			fmt.Fprintf(&sb, "  %s: %s position: %d baseOffset: %d lastOffset: %d size: %d magic: %d partitionLeaderEpoch: %d crc: %d isvalid: %t\n",
				s.name, s.r.File, s.r.Position, s.r.BaseOffset, s.r.LastOffset, s.r.Size, s.r.Magic, s.r.PartitionLeaderEpoch, s.r.CRC, s.r.CRCValid)
		}
	}
	if d.Detail != "" {
		fmt.Fprintf(&sb, "  %s\n", d.Detail)
	}
	o.write(sb.String())
}

func (o *diffOutput) partition(p *diff.PartitionResult) {
	if o.json {
		o.writeJSON("partition", p)
		return
	}
	rng := func(s diff.Side) string {
		if s.FirstOffset < 0 {
			return "empty"
		}
		return fmt.Sprintf("%d..%d", s.FirstOffset, s.LastOffset)
	}
	common := "none"
	if p.CommonFirst >= 0 {
		common = fmt.Sprintf("%d..%d", p.CommonFirst, p.CommonLast)
	}
	verdict := "identical"
	if !p.Identical {
		verdict = fmt.Sprintf("different (%d differences)", p.Differences)
	}
	o.write(fmt.Sprintf("partition: %s A: %s (%d batches, %d segments) B: %s (%d batches, %d segments) common: %s matchingBatches: %d result: %s\n",
		p.Partition, rng(p.A), p.A.Batches, p.A.Segments, rng(p.B), p.B.Batches, p.B.Segments, common, p.MatchingBatches, verdict))
	if f := p.FirstDivergence; f != nil {
		s := fmt.Sprintf("  first divergence: %s", f.Kind)
		if f.Offset >= 0 {
			s += fmt.Sprintf(" at offset %d", f.Offset)
		}
		if f.A != nil {
			s += fmt.Sprintf(" (A %s position %d", f.A.File, f.A.Position)
			if f.B != nil {
				s += fmt.Sprintf(", B %s position %d", f.B.File, f.B.Position)
			}
			s += ")"
		}
		if f.GoodCopy != "" {
			s += " goodCopy: " + f.GoodCopy
		}
		o.write(s + "\n")
	}
}

func (o *diffOutput) summary(s *diff.Summary) error {
	if o.json {
		o.writeJSON("summary", s)
	} else {
		o.write(fmt.Sprintf("Summary: %d partitions, %d identical, %d different\n", s.Partitions, s.Identical, s.Different))
	}
	return o.err
}
