package commands

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"time"

	"github.com/kseg/kseg/dump"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/metadata"
	"github.com/urfave/cli/v2"
)

func init() { register(metadataCommand) }

func metadataCommand() *cli.Command {
	return &cli.Command{
		Name:      "metadata",
		Usage:     "replay the KRaft metadata log (newest snapshot + log) into the cluster image at any offset or time, or list a topic's, partition's or broker's history",
		ArgsUsage: "PATH (a log directory, a __cluster_metadata-N directory or a .checkpoint snapshot)",
		Flags: []cli.Flag{
			&cli.Int64Flag{Name: "at-offset", Value: -1, DefaultText: "the end", Usage: "the image after the record at offset N"},
			&cli.StringFlag{Name: "at-time", Usage: "the image as of time T (RFC 3339 or ms since the epoch)"},
			&cli.StringFlag{Name: "history", Usage: "list every change to topic=NAME, partition=NAME-P or broker=ID instead of the image (exit 1 when none)"},
			&cli.BoolFlag{Name: "json", Usage: "one JSON object (the image), or NDJSON (one per history change)"},
		},
		Action: runMetadata,
	}
}

func parseAtTime(s string) (int64, error) {
	if s == "" {
		return -1, nil
	}
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		if ms < 0 {
			// A negative time would read as "not set" (the end).
			return 0, usagef("--at-time %q: want a time at or after the epoch", s)
		}
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, usagef("--at-time %q: want RFC 3339 or milliseconds", s)
	}
	return t.UnixMilli(), nil
}

func runMetadata(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	if c.NArg() > 1 {
		// One cluster per replay: a second PATH used to be ignored silently.
		return usagef("metadata: one PATH, not %d (see 'kseg metadata --help')", c.NArg())
	}
	o := metadata.DefaultOptions()
	o.AtOffset = c.Int64("at-offset")
	if c.IsSet("at-offset") && o.AtOffset < 0 {
		// -1 is the "end" sentinel; a negative offset typed by hand used
		// to print the image at the end as if it had been asked for.
		return usagef("--at-offset %d: want an offset >= 0", o.AtOffset)
	}
	var err error
	if o.AtTime, err = parseAtTime(c.String("at-time")); err != nil {
		return err
	}
	if h := c.String("history"); h != "" {
		if o.History, err = metadata.ParseHistoryFilter(h); err != nil {
			return usageError{err}
		}
	}
	res, err := metadata.Load(c.Args().First(), o)
	if err != nil {
		if errors.Is(err, format.ErrCorrupt) || errors.Is(err, format.ErrTruncated) {
			fmt.Fprintf(c.App.ErrWriter, "kseg: %v\n", err)
			return ErrFindings
		}
		return err
	}
	w := c.App.Writer
	noChanges := false
	switch {
	case o.History != nil:
		err = dump.WriteHistory(w, res.History, c.Bool("json"))
		if snap := res.Image.Snapshot; err == nil && snap != "" {
			// Replay began at a snapshot (no log from offset 0): what
			// happened before it is folded into it, not listed.
			end, _, _ := metadata.ParseSnapshotName(filepath.Base(snap))
			fmt.Fprintf(c.App.ErrWriter, "kseg: history starts after snapshot %s: changes up to offset %d are folded into it and not listed\n", filepath.Base(snap), end-1)
		}
		if err == nil && len(res.History) == 0 {
			// An empty listing with exit 0 read as "never changed".
			fmt.Fprintf(c.App.ErrWriter, "kseg: no changes to %s found\n", c.String("history"))
			noChanges = true
		}
	case c.Bool("json"):
		err = dump.WriteImageJSON(w, res)
	default:
		err = dump.WriteImageText(w, res)
	}
	if err == nil && res.TornTail != nil {
		fmt.Fprintf(c.App.ErrWriter, "kseg: %v: the image stops before the torn tail (Kafka's recovery truncates it)\n", res.TornTail)
		return ErrFindings
	}
	if err == nil && noChanges {
		return ErrFindings // nothing found, as find's exit 1
	}
	return err
}
