package commands

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/kseg/kseg/dump"
	"github.com/kseg/kseg/search"
	"github.com/urfave/cli/v2"
)

func init() { register(findRecordsCommand) }

func findRecordsCommand() *cli.Command {
	return &cli.Command{
		Name:      "find",
		Usage:     "search log directories for records by key, value, header, time, offset or producer (exit 1 when none match)",
		ArgsUsage: "PATH... (a log directory, partition directories or .log files)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "key", Usage: "records whose key contains this substring"},
			&cli.StringFlag{Name: "value", Usage: "records whose value contains this substring"},
			&cli.StringFlag{Name: "key-regex", Usage: "records whose key matches this regular expression (Go RE2 syntax)"},
			&cli.StringFlag{Name: "value-regex", Usage: "records whose value matches this regular expression"},
			&cli.StringSliceFlag{Name: "header", Usage: "records with a header NAME, or NAME=VALUE (repeatable; all must match)"},
			&cli.StringFlag{Name: "from-time", Usage: "records with a timestamp at or after this (RFC 3339 or ms since the epoch)"},
			&cli.StringFlag{Name: "to-time", Usage: "records with a timestamp at or before this (RFC 3339 or ms since the epoch)"},
			&cli.Int64Flag{Name: "from-offset", Value: -1, DefaultText: "none", Usage: "records at or after this offset"},
			&cli.Int64Flag{Name: "to-offset", Value: -1, DefaultText: "none", Usage: "records at or before this offset"},
			&cli.Int64Flag{Name: "producer-id", Value: -1, DefaultText: "none", Usage: "records written by this producer id (magic 2 only)"},
			&cli.BoolFlag{Name: "transactional", Usage: "only records of transactional batches"},
			&cli.BoolFlag{Name: "aborted", Usage: "only records of aborted transactions (from the .txnindex files)"},
			&cli.StringSliceFlag{Name: "topic", Usage: "search only this topic (repeatable)"},
			&cli.StringSliceFlag{Name: "partition", Usage: "search only this partition number (repeatable, or comma-separated)"},
			&cli.Int64Flag{Name: "max-results", Usage: "stop after N matches (0 = all)"},
			&cli.BoolFlag{Name: "count", Usage: "print only the number of matches"},
			&cli.BoolFlag{Name: "sort", Usage: "print matches in (topic, partition, offset) order instead of as found (the order found, and with --max-results which matches, varies between runs)"},
			&cli.IntFlag{Name: "workers", Usage: "segments searched concurrently (0 = number of CPUs)"},
			&cli.BoolFlag{Name: "time-ordered", Usage: "trust that timestamps never go backwards: stop at the first batch after --to-time (not provable for CreateTime)"},
			&cli.BoolFlag{Name: "no-index", Usage: "ignore .index/.timeindex (stale or damaged indexes): read every batch header"},
			&cli.StringFlag{Name: "key-decoder", Value: "string", Usage: "string|hex|base64|redacted"},
			&cli.StringFlag{Name: "value-decoder", Value: "string", Usage: "string|hex|base64|redacted"},
			&cli.BoolFlag{Name: "json", Usage: `NDJSON output, one {"type":"record",…} object per match`},
			&cli.BoolFlag{Name: "stats", Usage: "report batches and bytes decoded vs skipped (stderr; with --json a last \"stats\" object)"},
			&cli.Int64Flag{Name: "max-decompressed-bytes", Value: 128 << 20, Usage: "refuse batches that decompress to more than N bytes"},
		},
		Action: runFind,
	}
}

func runFind(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	o, err := findOptions(c)
	if err != nil {
		return err
	}
	kd, err := dump.ParseDecoder(c.String("key-decoder"))
	if err != nil {
		return usageError{err}
	}
	vd, err := dump.ParseDecoder(c.String("value-decoder"))
	if err != nil {
		return usageError{err}
	}
	fw := dump.NewFindWriter(c.App.Writer, c.Bool("json"), kd, vd)
	emit := fw.Match
	if c.Bool("count") {
		emit = func(*search.Match) error { return nil }
	}
	st, err := search.Find(c.Context, c.Args().Slice(), o, emit)
	if err != nil {
		fw.Flush()
		return err
	}
	if c.Bool("count") {
		fw.Count(st.Matches)
	}
	for _, p := range st.Problems {
		fmt.Fprintf(c.App.ErrWriter, "kseg: warning: %s\n", p)
	}
	if n := st.ProblemCount - int64(len(st.Problems)); n > 0 {
		fmt.Fprintf(c.App.ErrWriter, "kseg: warning: %d more problems not listed\n", n)
	}
	if c.Bool("stats") {
		if c.Bool("json") {
			fw.Stats(st)
		} else {
			ew := dump.NewFindWriter(c.App.ErrWriter, false, kd, vd)
			ew.Stats(st)
			ew.Flush()
		}
	}
	if err := fw.Flush(); err != nil {
		return err
	}
	if st.Matches == 0 {
		if st.Segments == 0 && (c.IsSet("topic") || c.IsSet("partition")) {
			// A misspelt --topic read as "no record matches".
			fmt.Fprintf(c.App.ErrWriter, "kseg: no segment of the selected --topic/--partition under %s\n", strings.Join(c.Args().Slice(), ", "))
		}
		return ErrFindings // grep's convention: 1 = nothing found
	}
	return nil
}

func findOptions(c *cli.Context) (search.Options, error) {
	o := search.NewOptions()
	if c.IsSet("key") {
		o.Key = append([]byte{}, c.String("key")...) // non-nil even when empty
	}
	if c.IsSet("value") {
		o.Value = append([]byte{}, c.String("value")...)
	}
	var err error
	for _, re := range []struct {
		flag string
		dst  **regexp.Regexp
	}{{"key-regex", &o.KeyRegex}, {"value-regex", &o.ValueRegex}} {
		if c.IsSet(re.flag) {
			if *re.dst, err = regexp.Compile(c.String(re.flag)); err != nil {
				return o, usagef("--%s: %v", re.flag, err)
			}
		}
	}
	for _, h := range c.StringSlice("header") {
		name, val, ok := strings.Cut(h, "=")
		o.Headers = append(o.Headers, search.HeaderFilter{Name: []byte(name), Value: []byte(val), HasValue: ok})
	}
	if c.IsSet("from-time") || c.IsSet("to-time") {
		o.TimeFilter = true
		if c.IsSet("from-time") {
			if o.FromTime, err = parseTime(c.String("from-time")); err != nil {
				return o, usagef("--from-time: %v", err)
			}
		}
		if c.IsSet("to-time") {
			if o.ToTime, err = parseTime(c.String("to-time")); err != nil {
				return o, usagef("--to-time: %v", err)
			}
		}
	}
	o.FromOffset, o.ToOffset = c.Int64("from-offset"), c.Int64("to-offset")
	o.ProducerID = c.Int64("producer-id")
	// -1 is the library's "no bound/any producer": typed by hand it used to
	// match everything (--producer-id -1 listed every record, not those of
	// batches without a producer id, which is what -1 means on disk).
	for _, f := range []string{"from-offset", "to-offset", "producer-id"} {
		if c.IsSet(f) && c.Int64(f) < 0 {
			return o, usagef("--%s %d: want a value >= 0 (leave the flag out for no filter)", f, c.Int64(f))
		}
	}
	o.Transactional, o.Aborted = c.Bool("transactional"), c.Bool("aborted")
	o.Topics = c.StringSlice("topic")
	for _, s := range c.StringSlice("partition") {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil || n < 0 {
			return o, usagef("--partition: %q is not a partition number", s)
		}
		o.Partitions = append(o.Partitions, int32(n))
	}
	o.MaxResults, o.Sort, o.Workers, o.NoIndex, o.TimeOrdered = c.Int64("max-results"), c.Bool("sort"), c.Int("workers"), c.Bool("no-index"), c.Bool("time-ordered")
	o.MaxDecompressed = int(min(c.Int64("max-decompressed-bytes"), math.MaxInt32))
	if o.TimeFilter && o.FromTime > o.ToTime || o.ToOffset >= 0 && o.FromOffset > o.ToOffset {
		return o, usagef("the --from bound is after the --to bound")
	}
	if c.Int64("max-decompressed-bytes") < 1 {
		// Below 1 silently meant the 128 MiB default.
		return o, usagef("--max-decompressed-bytes must be at least 1")
	}
	if o.MaxResults < 0 || o.Workers < 0 {
		return o, usagef("--max-results and --workers must not be negative")
	}
	return o, nil
}

// parseTime accepts RFC 3339 or milliseconds since the epoch.
func parseTime(s string) (int64, error) {
	if ms, err := strconv.ParseInt(s, 10, 64); err == nil {
		return ms, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return 0, fmt.Errorf("%q is neither RFC 3339 (2024-01-01T10:02:00Z) nor milliseconds since the epoch", s)
	}
	return t.UnixMilli(), nil
}
