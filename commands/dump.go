package commands

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/kseg/kseg/dump"
	"github.com/kseg/kseg/segment"
	"github.com/urfave/cli/v2"
)

func init() { register(dumpCommand) }

func dumpCommand() *cli.Command {
	return &cli.Command{
		Name:      "dump",
		Usage:     "print segments, indexes and state files in kafka-dump-log.sh's format or as NDJSON",
		ArgsUsage: "PATH... (a .log/.index/.timeindex/.snapshot/.txnindex/checkpoint file, a partition directory or a log directory)",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "files", Usage: "comma-separated file list, as kafka-dump-log.sh takes it"},
			&cli.BoolFlag{Name: "deep-iteration", Usage: "iterate records inside each batch (decompressing)"},
			&cli.BoolFlag{Name: "print-data-log", Usage: "print keys, payloads and header values (implies --deep-iteration)"},
			&cli.BoolFlag{Name: "skip-record-metadata", Usage: "omit the per-record metadata part"},
			&cli.StringFlag{Name: "key-decoder", Value: "string", Usage: "string|hex|base64|redacted (implies --print-data-log)"},
			&cli.StringFlag{Name: "value-decoder", Value: "string", Usage: "string|hex|base64|redacted (implies --print-data-log)"},
			&cli.BoolFlag{Name: "offsets-decoder", Usage: "decode __consumer_offsets records (implies --print-data-log)"},
			&cli.BoolFlag{Name: "transaction-log-decoder", Usage: "decode __transaction_state records (implies --print-data-log)"},
			&cli.BoolFlag{Name: "share-group-state-decoder", Usage: "decode __share_group_state records (implies --print-data-log)"},
			&cli.BoolFlag{Name: "remote-log-metadata-decoder", Usage: "decode __remote_log_metadata records (implies --print-data-log)"},
			&cli.BoolFlag{Name: "cluster-metadata-decoder", Usage: "decode KRaft metadata records (implies --print-data-log; automatic for __cluster_metadata-* and .checkpoint files)"},
			&cli.BoolFlag{Name: "json", Usage: "NDJSON output, one object per batch/entry/finding"},
			&cli.Int64Flag{Name: "from-offset", Value: -1, Usage: "skip batches whose last offset is below N"},
			&cli.Int64Flag{Name: "to-offset", Value: -1, Usage: "stop after batches whose base offset is above N"},
			&cli.Int64Flag{Name: "max-bytes", Usage: "read only the first N bytes of each .log"},
			&cli.Int64Flag{Name: "max-decompressed-bytes", Value: 128 << 20, Usage: "refuse batches that decompress to more than N bytes"},
			&cli.BoolFlag{Name: "verify-index-only", Usage: "for .index/.timeindex: check entries against the .log, print findings only"},
			&cli.BoolFlag{Name: "index-sanity-check", Usage: "for .index/.timeindex: run the broker's sanity rules plus kseg's"},
			&cli.IntFlag{Name: "workers", Usage: "goroutines decoding and formatting batches of a deep iteration (0 = number of CPUs; 1 = serial); output is identical"},
		},
		Action: runDump,
	}
}

func dumpPaths(c *cli.Context) ([]string, error) {
	paths := c.Args().Slice()
	if f := c.String("files"); f != "" {
		paths = append(paths, strings.Split(f, ",")...)
	}
	if len(paths) == 0 {
		return nil, usagef("dump: missing PATH argument (see 'kseg dump --help')")
	}
	return paths, nil
}

func dumpLogOptions(c *cli.Context) (dump.LogOptions, error) {
	o := dump.LogOptions{
		Deep:               c.Bool("deep-iteration"),
		PrintData:          c.Bool("print-data-log"),
		SkipRecordMetadata: c.Bool("skip-record-metadata"),
		JSON:               c.Bool("json"),
		FromOffset:         c.Int64("from-offset"),
		ToOffset:           c.Int64("to-offset"),
		MaxBytes:           c.Int64("max-bytes"),
		MaxDecompressed:    int(c.Int64("max-decompressed-bytes")),
		Workers:            c.Int("workers"),
	}
	if o.Workers < 0 {
		// As find: 0 means the number of CPUs, a negative count is a mistake.
		return o, usagef("--workers must not be negative")
	}
	if o.Workers == 0 {
		o.Workers = runtime.NumCPU()
	}
	var err error
	if o.KeyDecoder, err = dump.ParseDecoder(c.String("key-decoder")); err != nil {
		return o, usageError{err}
	}
	if o.ValueDecoder, err = dump.ParseDecoder(c.String("value-decoder")); err != nil {
		return o, usageError{err}
	}
	if c.IsSet("key-decoder") || c.IsSet("value-decoder") {
		o.PrintData = true
	}
	if o.MaxBytes < 0 {
		return o, usagef("--max-bytes must not be negative")
	}
	// Both used to be accepted silently: a cap below 1 meant the 128 MiB
	// default, and an empty range printed headers only with exit 0.
	if c.Int64("max-decompressed-bytes") < 1 {
		return o, usagef("--max-decompressed-bytes must be at least 1")
	}
	if o.ToOffset >= 0 && o.FromOffset > o.ToOffset {
		return o, usagef("--from-offset %d is after --to-offset %d", o.FromOffset, o.ToOffset)
	}
	internal := c.Bool("offsets-decoder") || c.Bool("transaction-log-decoder") || c.Bool("share-group-state-decoder") || c.Bool("remote-log-metadata-decoder")
	if c.Bool("cluster-metadata-decoder") {
		if internal {
			return o, usagef("--cluster-metadata-decoder excludes --offsets-decoder, --transaction-log-decoder, --share-group-state-decoder and --remote-log-metadata-decoder")
		}
		o.PrintData = true
		o.RecordFormatter = dump.ClusterMetadataFormatter{}
	} else if internal {
		o.PrintData = true
		f, err := specialRecordFormatter(c)
		if err != nil {
			return o, err
		}
		o.RecordFormatter = f
	}
	return o, nil
}

// specialRecordFormatter is replaced once the internal-topic decoders exist.
var specialRecordFormatter = func(c *cli.Context) (dump.RecordFormatter, error) {
	return nil, usagef("--offsets-decoder/--transaction-log-decoder are not available in this build")
}

// fileDumper dumps one file of a given kind; it reports findings through the
// returned bool and I/O errors through the error.
type fileDumper func(c *cli.Context, w, ew io.Writer, path string, o dump.LogOptions) (findings bool, err error)

// extraDumpers maps a file kind to its dumper (index and state files
// register here).
var extraDumpers = map[string]fileDumper{}

// classify returns the dumper key for a file name: the suffix from the last
// dot, or the whole name for dot-less checkpoint files.
func classify(name string) string {
	switch name {
	case "leader-epoch-checkpoint", "recovery-point-offset-checkpoint", "replication-offset-checkpoint",
		"log-start-offset-checkpoint", "cleaner-offset-checkpoint", "partition.metadata", "meta.properties", "quorum-state":
		return name
	}
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

func runDump(c *cli.Context) error {
	paths, err := dumpPaths(c)
	if err != nil {
		return err
	}
	o, err := dumpLogOptions(c)
	if err != nil {
		return err
	}
	w, ew := c.App.Writer, c.App.ErrWriter
	findings := false
	var gapReports []func()
	for _, p := range paths {
		files, err := expandDumpPath(p, o.FromOffset)
		if err != nil {
			return err
		}
		for _, f := range files {
			kind := classify(filepath.Base(f))
			switch kind {
			case ".log", ".checkpoint":
				fo := o
				fo.StartPosition = startPosition(f, o.FromOffset)
				if autoClusterMetadata(c, fo, f) {
					fo.RecordFormatter = dump.ClusterMetadataFormatter{}
				}
				res, err := dump.LogFile(w, f, f, fo)
				if err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				if res.Failed() {
					findings = true
				}
				for _, pr := range res.Problems {
					if !o.JSON {
						fmt.Fprintf(ew, "kseg: %s: position %d: %s: %s: %s\n", f, pr.Position, pr.Type, pr.Reason, pr.Detail)
					}
				}
				if res.InvalidBatches > 0 && !o.JSON {
					fmt.Fprintf(ew, "kseg: %s: %d batch(es) with a CRC mismatch (isvalid: false)\n", f, res.InvalidBatches)
				}
				if len(res.Gaps) > 0 && !o.JSON {
					abs, _ := filepath.Abs(f)
					r := res
					gapReports = append(gapReports, func() { dump.WriteGaps(ew, abs, r) })
				}
			default:
				d := extraDumpers[kind]
				if d == nil {
					fmt.Fprintf(ew, "Ignoring unknown file %s\n", f)
					continue
				}
				bad, err := d(c, w, ew, f, o)
				if err != nil {
					return fmt.Errorf("%s: %w", f, err)
				}
				findings = findings || bad
			}
		}
	}
	for _, r := range gapReports {
		r()
	}
	if findings {
		return ErrFindings
	}
	return nil
}

// startPosition uses the segment's .index to start reading at the batch
// Kafka's lookup would start from for --from-offset (0 without an index).
func startPosition(logPath string, from int64) int64 {
	if from < 0 {
		return 0
	}
	s, err := segment.SegmentForFile(logPath)
	if err != nil || s.Index == "" {
		return 0
	}
	r, err := segment.LookupOffset(s, from)
	if err != nil {
		return 0
	}
	return r.Batch.Position
}

// expandDumpPath turns a partition directory into its segment files in offset
// order, and a log directory into those of every partition. Segments that end
// before from (the next segment starts at or below it) are left out.
func expandDumpPath(p string, from int64) ([]string, error) {
	fi, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []string{p}, nil
	}
	parts, err := segment.ListLogDir(p)
	if err != nil {
		return nil, err
	}
	if len(parts) == 0 || segment.IsPartitionDir(p) {
		parts = []string{p}
	}
	var out []string
	for _, d := range parts {
		part, err := segment.OpenPartition(d)
		if err != nil {
			return nil, err
		}
		for i, s := range part.Segments {
			if from >= 0 && i+1 < len(part.Segments) && part.Segments[i+1].BaseOffset <= from {
				continue
			}
			out = append(out, s.Log)
		}
		// Kafka 0.7 partitions hold <byte-offset>.kafka files instead.
		out = append(out, part.Kafka07...)
	}
	if len(out) == 0 {
		return nil, errors.New(p + ": no segments found")
	}
	return out, nil
}
