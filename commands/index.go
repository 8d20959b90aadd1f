package commands

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/dump"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/segment"
	"github.com/urfave/cli/v2"
)

func init() {
	extraDumpers[".index"] = indexDumper(false)
	extraDumpers[".timeindex"] = indexDumper(true)
	register(lookupCommand)
	register(indexCommand)
}

func indexDumper(timeIndex bool) fileDumper {
	return func(c *cli.Context, w, ew io.Writer, path string, o dump.LogOptions) (bool, error) {
		seg, err := segment.SegmentForFile(path)
		if err != nil {
			return false, err
		}
		res, err := dump.IndexEntries(w, seg, timeIndex, path, dump.IndexOptions{JSON: o.JSON,
			VerifyOnly: c.Bool("verify-index-only"), SanityCheck: c.Bool("index-sanity-check")})
		if err != nil {
			return false, err
		}
		if !o.JSON {
			abs, _ := filepath.Abs(path)
			dump.WriteIndexReport(ew, abs, res)
		}
		return res.Harmful, nil
	}
}

func lookupCommand() *cli.Command {
	return &cli.Command{
		Name:      "lookup",
		Usage:     "find the batch holding an offset (or the first offset at a timestamp) as a broker would: index, then scan",
		ArgsUsage: "PATH (partition directory or .log segment)",
		Flags: []cli.Flag{
			&cli.Int64Flag{Name: "offset", Value: -1, Usage: "Kafka offset to find"},
			&cli.Int64Flag{Name: "timestamp", Value: -1, Usage: "find the first offset whose timestamp is >= T (ms), as ListOffsets does (a magic-0 log: UNSUPPORTED_FOR_MESSAGE_FORMAT, exit 2)"},
			&cli.BoolFlag{Name: "json", Usage: "print the result as JSON"},
		},
		Action: runLookup,
	}
}

func runLookup(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	off, ts := c.Int64("offset"), c.Int64("timestamp")
	if (off < 0) == (ts < 0) {
		return usagef("lookup: give exactly one of --offset or --timestamp")
	}
	part, err := partitionOf(c.Args().First())
	if err != nil {
		return err
	}
	if len(part.Segments) == 0 && !segment.IsPartitionDir(c.Args().First()) {
		// A log directory opened as a partition answered "offset N is
		// before the first segment (base offset -1)".
		return usagef("lookup: %s holds no segment files: give a partition directory (TOPIC-N) or a .log segment, not a log directory", c.Args().First())
	}
	var res *segment.LookupResult
	if off >= 0 {
		res, err = part.LookupOffset(off)
	} else {
		res, err = part.LookupTimestamp(ts)
	}
	if err != nil {
		return lookupError(c, err)
	}
	dump.Lookup(c.App.Writer, res, ts >= 0, c.Bool("json"))
	return nil
}

// lookupError reports what ListOffsets/Fetch would answer: an offset or
// timestamp outside the log exits 1; a timestamp lookup on a magic-0 log is
// UNSUPPORTED_FOR_MESSAGE_FORMAT, a question the data cannot answer, and
// exits 2. With --json the answer is also a JSON object on stdout.
func lookupError(c *cli.Context, err error) error {
	code, exit := "", error(nil)
	switch {
	case errors.Is(err, segment.ErrUnsupportedForMessageFormat):
		code, exit = "UNSUPPORTED_FOR_MESSAGE_FORMAT", cli.Exit("", ExitUsage)
	case errors.Is(err, segment.ErrOffsetOutOfRange):
		code, exit = "OFFSET_OUT_OF_RANGE", ErrFindings
	default:
		return err
	}
	if c.Bool("json") {
		dump.LookupError(c.App.Writer, code, err.Error())
	}
	fmt.Fprintf(c.App.ErrWriter, "kseg: %v\n", err)
	return exit
}

// partitionOf opens a partition directory, or the directory of a segment
// file restricted to that segment.
func partitionOf(path string) (*segment.Partition, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return segment.OpenPartition(path)
	}
	s, err := segment.SegmentForFile(path)
	if err != nil {
		return nil, usageError{err}
	}
	return &segment.Partition{Dir: s.Dir, Partition: -1, Segments: []*segment.Segment{s}}, nil
}

func indexCommand() *cli.Command {
	return &cli.Command{
		Name:  "index",
		Usage: "offset and time index tools",
		Subcommands: []*cli.Command{{
			Name:      "rebuild",
			Usage:     "regenerate .index/.timeindex from the .log exactly as Kafka's log recovery does (dry run unless --apply; exit 1 if a missing or harmful index needs it)",
			ArgsUsage: "PATH (partition directory or .log segment)",
			Flags: []cli.Flag{
				&cli.IntFlag{Name: "index-interval-bytes", Value: segment.DefaultIndexIntervalBytes, Usage: "index.interval.bytes the broker uses"},
				&cli.BoolFlag{Name: "apply", Usage: "write the rebuilt files into PATH (old files go to --quarantine)"},
				&cli.StringFlag{Name: "quarantine", Usage: "directory outside every log dir that receives the replaced index files"},
				&cli.StringFlag{Name: "output", Usage: "write every rebuilt file (up to date or not) into this directory instead; PATH is not touched"},
				&cli.BoolFlag{Name: "force", Usage: "also rewrite indexes that differ from the recovery rule with every entry valid (left alone by default)"},
				&cli.BoolFlag{Name: "json", Usage: "NDJSON plan/report"},
			},
			Action: runIndexRebuild,
		}},
	}
}

func runIndexRebuild(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	interval := c.Int("index-interval-bytes")
	if interval <= 0 {
		return usagef("--index-interval-bytes must be positive")
	}
	apply, out, qdir := c.Bool("apply"), c.String("output"), c.String("quarantine")
	if apply && out != "" {
		return usagef("--apply and --output are exclusive")
	}
	path := c.Args().First()
	part, err := partitionOf(path)
	if err != nil {
		return err
	}
	if len(part.Segments) == 0 && !segment.IsPartitionDir(path) {
		// A log directory (or any other directory) opened as a partition
		// has no segments: the empty plan read as "every index is fine".
		return usagef("index rebuild: %s holds no segment files: give a partition directory (TOPIC-N) or a .log segment, not a log directory", path)
	}
	logDir, _ := fsutil.FindLogDir(part.Dir)
	var q *fsutil.Quarantine
	if apply {
		if held, pid, err := fsutil.LockHeld(logDirOr(logDir, part.Dir)); err != nil {
			return err
		} else if held {
			return cli.Exit(fmt.Sprintf("kseg: a broker (pid %d) holds %s/.lock; stop it before rebuilding indexes", pid, logDirOr(logDir, part.Dir)), ExitFailure)
		}
		release, err := fsutil.AcquireLock(logDirOr(logDir, part.Dir))
		if err != nil {
			return err
		}
		defer release()
	}
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
	}
	lastBase, err := lastSegmentBase(part)
	if err != nil {
		return err
	}
	force := c.Bool("force")
	changed := false
	for _, s := range part.Segments {
		rb, err := segment.RebuildIndexes(s, interval)
		if err != nil {
			return err
		}
		diff, err := rb.Diff()
		if err != nil {
			return err
		}
		if err := rb.Classify(diff, s.BaseOffset == lastBase); err != nil {
			return err
		}
		// The files to write: in place, those that need a rebuild (and
		// with --force those that merely differ); --output gets them all.
		var todo []segment.IndexChange
		needs := false
		for _, d := range diff {
			needs = needs || d.Class.NeedsRebuild()
			if out != "" || d.Class.NeedsRebuild() || (force && !d.Identical) {
				todo = append(todo, d)
			}
		}
		var written []string
		if len(todo) > 0 && (apply || out != "") {
			if apply && q == nil {
				for _, d := range todo {
					if d.Exists && !d.Identical && qdir == "" {
						return usagef("--apply replaces existing index files: give --quarantine DIR (outside the log dir) to keep them")
					}
				}
				if qdir != "" {
					logDirs := []string{part.Dir}
					if logDir != "" {
						logDirs = append(logDirs, logDir)
					}
					if q, err = fsutil.NewQuarantine(fsutil.OSFS{}, qdir, logDirs); err != nil {
						return err
					}
					defer q.Close()
				}
			}
			written, err = rb.Write(todo, segment.WriteOptions{OutputDir: out, Quarantine: q})
			if err != nil {
				return err
			}
		}
		changed = changed || needs || (force && len(todo) > 0 && out == "")
		dump.RebuildPlan(c.App.Writer, s, rb, diff, written, force, c.Bool("json"))
	}
	if changed && !apply && out == "" {
		return ErrFindings // a dry run with a missing or harmful index
	}
	return nil
}

// lastSegmentBase is the base offset of the partition directory's last
// segment (the active one), also when PATH named one .log file.
func lastSegmentBase(part *segment.Partition) (int64, error) {
	if part.Partition >= 0 && len(part.Segments) > 0 {
		return part.Segments[len(part.Segments)-1].BaseOffset, nil
	}
	whole, err := segment.OpenPartition(part.Dir)
	if err != nil || len(whole.Segments) == 0 {
		return -1, err
	}
	return whole.Segments[len(whole.Segments)-1].BaseOffset, nil
}

func logDirOr(logDir, dir string) string {
	if logDir != "" {
		return logDir
	}
	return filepath.Dir(dir)
}
