package commands

import (
	"errors"
	"strconv"
	"time"

	"github.com/kseg/kseg/analyze"
	"github.com/kseg/kseg/dump"
	"github.com/urfave/cli/v2"
)

func init() { register(txnCommand) }

func txnCommand() *cli.Command {
	return &cli.Command{
		Name:      "txn",
		Usage:     "transaction analysis: open (hanging) transactions, last stable offset, markers vs .txnindex (exit 0 clean, 1 findings)",
		ArgsUsage: "PATH... (a log directory or a partition directory)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "NDJSON: findings, open transactions, one object per partition, then a summary"},
			&cli.StringFlag{Name: "now", Usage: "the time open transactions' ages are measured against: RFC 3339 or Unix milliseconds (default: the clock)"},
			&cli.IntFlag{Name: "max-findings", Value: analyze.DefaultMaxFindings, Usage: "findings listed per partition (the rest are counted)"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "auto|always|never (auto honours NO_COLOR)"},
		},
		Action: runTxn,
	}
}

func runTxn(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	now, err := parseNow(c.String("now"))
	if err != nil {
		return err
	}
	colour, err := colorEnabled(c.String("color"), c.App.Writer)
	if err != nil {
		return err
	}
	if c.Int("max-findings") < 1 {
		// 0 or less silently meant the default of 100.
		return usagef("--max-findings must be at least 1")
	}
	dirs, err := resolvePartitions(c.Args().Slice())
	if err != nil {
		return err
	}
	out := dump.NewTxnWriter(c.App.Writer, c.Bool("json"), colour)
	opts := analyze.TxnOptions{Now: now, MaxFindings: c.Int("max-findings")}
	var sum analyze.TxnSummary
	for _, d := range dirs {
		rep, err := analyze.AnalyzeTxns(d, opts)
		if err != nil {
			return err
		}
		sum.Add(rep)
		if err := out.Partition(rep); err != nil {
			return err
		}
	}
	if err := out.Finish(sum); err != nil {
		return err
	}
	if sum.Errors+sum.Warnings > 0 {
		return ErrFindings
	}
	return nil
}

// resolvePartitions maps PATH arguments to partition directories; a path
// that is neither kind is a usage error.
func resolvePartitions(paths []string) ([]string, error) {
	dirs, err := analyze.ResolvePartitions(paths)
	if errors.Is(err, analyze.ErrNotLogDir) {
		return nil, usagef("%v", err)
	}
	return dirs, err
}

// parseNow reads --now: RFC 3339 or Unix milliseconds; empty means the clock.
func parseNow(s string) (int64, error) {
	if s == "" {
		return time.Now().UnixMilli(), nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return 0, usagef("--now %q: want RFC 3339 (2024-01-01T00:00:00Z) or Unix milliseconds", s)
	}
	return t.UnixMilli(), nil
}
