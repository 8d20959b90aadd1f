package commands

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/verify"
	"github.com/urfave/cli/v2"
)

func init() { register(repairCommand) }

func repairCommand() *cli.Command {
	return &cli.Command{
		Name:  "repair",
		Usage: "plan (default: dry run, exit 1 if anything is to be done or a finding is left unresolved) and with --apply carry out a repair that quarantines every byte it removes",
		Description: "Fixes torn tails of the last segment, rebuilds missing, harmful or zero-tailed indexes and removes kseg's own temp files.\n" +
			"Mid-log corruption is only reported unless --salvage (cut bad ranges out, splitting the segment so no valid batch is lost)\n" +
			"or --truncate-at POS (one .log file) is given. Refuses while a broker holds the log dir's .lock.",
		ArgsUsage: "PATH... (a log directory, a partition directory, or .log files)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "apply", Usage: "carry out the plan (default: print it only)"},
			&cli.StringFlag{Name: "quarantine", Usage: "directory outside every log dir for the removed bytes (required with --apply)"},
			&cli.BoolFlag{Name: "salvage", Usage: "cut mid-log bad ranges out by splitting segments at the next valid batch"},
			&cli.Int64Flag{Name: "truncate-at", Value: -1, Usage: "cut the single .log file given at byte position POS (a batch boundary)"},
			&cli.IntFlag{Name: "index-interval-bytes", Value: verify.DefaultIndexIntervalBytes, Usage: "index.interval.bytes used to rebuild indexes"},
			&cli.StringFlag{Name: "kafka-version", Value: verify.DefaultKafkaVersion.String(), Usage: "broker release the plan's notes on what the broker would do refer to (1.1 to 4.x)"},
			&cli.BoolFlag{Name: "json", Usage: "print the plan or report as JSON"},
			&cli.StringFlag{Name: "report", Usage: "also write the JSON report to FILE"},
		},
		Action: runRepair,
	}
}

func runRepair(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	apply, qdir, at := c.Bool("apply"), c.String("quarantine"), c.Int64("truncate-at")
	if apply && qdir == "" {
		return usagef("repair: --apply needs --quarantine DIR (outside every log dir)")
	}
	if at >= 0 && (c.NArg() != 1 || filepath.Ext(c.Args().First()) != ".log") {
		return usagef("repair: --truncate-at needs exactly one .log file")
	}
	if c.Int("index-interval-bytes") < 1 {
		return usagef("repair: --index-interval-bytes must be positive")
	}
	kv, err := verify.ParseKafkaVersion(c.String("kafka-version"))
	if err != nil {
		return usageError{err}
	}
	plan, err := verify.PlanRepair(c.Context, c.Args().Slice(), verify.RepairOptions{Salvage: c.Bool("salvage"),
		TruncateAt: at, IndexIntervalBytes: c.Int("index-interval-bytes"), KafkaVersion: kv})
	if errors.Is(err, verify.ErrNotBoundary) {
		return usageError{err}
	}
	if err != nil {
		return err
	}
	rep := verify.PlanReport(plan)
	var applyErr error
	if apply {
		rep, applyErr = verify.Apply(c.Context, plan, verify.ApplyOptions{QuarantineDir: qdir, IndexIntervalBytes: c.Int("index-interval-bytes")})
	}
	if err := writeRepairReport(c, rep); err != nil {
		return err
	}
	switch {
	case applyErr != nil:
		return applyErr
	case !apply && (!plan.NothingToDo() || len(plan.Unresolved) > 0):
		return ErrFindings
	case len(plan.Unresolved) > 0:
		return ErrFindings
	}
	return nil
}

func writeRepairReport(c *cli.Context, rep *verify.Report) error {
	b, err := json.Marshal(rep)
	if err != nil {
		return err
	}
	if f := c.String("report"); f != "" {
		if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, f, append(b, '\n'), 0o644); err != nil {
			return err
		}
	}
	w := c.App.Writer
	if c.Bool("json") {
		_, err := w.Write(append(b, '\n'))
		return err
	}
	_, err = io.WriteString(w, formatReport(rep))
	return err
}

func formatReport(rep *verify.Report) string {
	var sb strings.Builder
	if len(rep.Actions) > 0 {
		fmt.Fprintf(&sb, "repair plan (notes on the broker refer to Kafka %s); each action changes exactly the files listed under it\n", rep.KafkaVersion)
	}
	for _, a := range rep.Actions {
		name := a.File
		if a.Partition != "" {
			name = a.Partition + "/" + a.File
		}
		fmt.Fprintf(&sb, "%s: %s %s", a.Status, a.Kind, name)
		if a.Position >= 0 && a.Kind != verify.ActionRebuildIndex && a.Kind != verify.ActionRemoveTemp && a.Kind != verify.ActionRemoveSnapshot {
			fmt.Fprintf(&sb, " at position %d (%d of %d bytes cut", a.Position, a.Size-a.Position, a.Size)
			if a.BytesRemoved != a.Size-a.Position {
				fmt.Fprintf(&sb, ", %d leave the log", a.BytesRemoved)
			}
			sb.WriteString(")")
		}
		if a.Detail != "" {
			sb.WriteString(": " + a.Detail)
		}
		sb.WriteString("\n")
		for _, r := range a.Ranges {
			fmt.Fprintf(&sb, "  bad range [%d, %d) %s", r.Start, r.End, r.Reason)
			if r.NextOffset >= 0 {
				fmt.Fprintf(&sb, ", valid again at offset %d", r.NextOffset)
			}
			sb.WriteString("\n")
		}
		for _, p := range a.Pieces {
			fmt.Fprintf(&sb, "  new segment %s from bytes [%d, %d)\n", p.File, p.Start, p.End)
		}
		if a.Lost != nil {
			fmt.Fprintf(&sb, "  loses %s\n", a.Lost)
		}
		for _, f := range a.Files {
			fmt.Fprintf(&sb, "  %s %s", f.Change, filepath.Base(f.Path))
			if f.Detail != "" {
				sb.WriteString(": " + f.Detail)
			}
			sb.WriteString("\n")
		}
		if a.Error != "" {
			fmt.Fprintf(&sb, "  error: %s\n", a.Error)
		}
	}
	for _, f := range rep.Unresolved {
		sb.WriteString("unresolved: " + formatFinding(f, false) + "\n")
	}
	switch {
	case rep.Applied && rep.Quarantine != "":
		fmt.Fprintf(&sb, "applied %d action(s); removed and replaced bytes are in %s\n", len(rep.Actions), rep.Quarantine)
	case rep.Applied || len(rep.Actions) == 0:
		sb.WriteString("nothing to do\n")
	default:
		fmt.Fprintf(&sb, "dry run: %d action(s) planned; rerun with --apply --quarantine DIR to carry them out\n", len(rep.Actions))
	}
	return sb.String()
}
