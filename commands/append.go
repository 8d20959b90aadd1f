package commands

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/urfave/cli/v2"
)

func init() { register(appendCommand) }

func appendCommand() *cli.Command {
	return &cli.Command{
		Name:  "append",
		Usage: "append records to a partition directory, writing segments, indexes and checkpoints as a broker does",
		ArgsUsage: "PATH (a partition directory <logdir>/<topic>-<partition>, created if missing)\n" +
			"   or: --topic T --partition P LOGDIR\n" +
			"   or: --topic T --partitions N LOGDIR (spread records over T-0..T-(N-1) as Kafka's default partitioner does)",
		Description: "Reads records from stdin (or --input) and appends them at the log end offset. The whole input is\n" +
			"read, validated and encoded before anything is written: bad input (exit 1) leaves the partition untouched.\n" +
			"Takes <logdir>/.lock, so it refuses to run while a broker (or another writer) holds it (exit 3).\n" +
			"A partition with a torn tail or corruption is refused (exit 1): run 'kseg repair' first.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "topic", Usage: "topic name (with --partition and a LOGDIR argument)"},
			&cli.IntFlag{Name: "partition", Value: -1, Usage: "partition number (with --topic)"},
			&cli.IntFlag{Name: "partitions", Usage: "with --topic: spread records over N partitions by murmur2(key) % N, null keys sticky per batch"},
			&cli.StringFlag{Name: "input", Usage: "read records from `FILE` instead of stdin"},
			&cli.StringFlag{Name: "format", Value: "lines", Usage: "input format: lines|jsonl|raw-batches"},
			&cli.StringFlag{Name: "key-separator", Usage: "lines: split each line into key and value at the first `SEP`"},
			&cli.StringFlag{Name: "key-encoding", Value: "string", Usage: "jsonl: how keys are spelled: string|base64|hex"},
			&cli.StringFlag{Name: "value-encoding", Value: "string", Usage: "jsonl: how values and header values are spelled: string|base64|hex"},
			&cli.IntFlag{Name: "magic", Value: 2, Usage: "record format: 0, 1 or 2"},
			&cli.StringFlag{Name: "compression", Value: "none", Usage: "none|gzip|snappy|lz4|zstd (zstd needs magic 2)"},
			&cli.IntFlag{Name: "batch-records", Value: appender.DefaultBatchRecords, Usage: "records per batch at most"},
			&cli.IntFlag{Name: "batch-bytes", Value: appender.DefaultBatchBytes, Usage: "uncompressed bytes per batch at most (a larger record gets its own batch)"},
			&cli.StringFlag{Name: "timestamp-type", Value: "create", Usage: "create|log-append (log-append: the writer stamps each batch at append time)"},
			&cli.Int64Flag{Name: "timestamp", Value: -1, Usage: "record timestamp in ms (default: now; jsonl records may carry their own)"},
			&cli.Int64Flag{Name: "producer-id", Value: -1, Usage: "idempotent producer id (v2)"},
			&cli.IntFlag{Name: "producer-epoch", Value: -1, Usage: "producer epoch (default 0 with --producer-id)"},
			&cli.IntFlag{Name: "base-sequence", Value: -1, Usage: "first batch's base sequence, continued across batches (default 0 with --producer-id)"},
			&cli.StringFlag{Name: "transaction", Usage: "commit|abort: wrap the whole input in one transaction ended by that marker"},
			&cli.IntFlag{Name: "coordinator-epoch", Usage: "coordinator epoch of the transaction marker"},
			&cli.IntFlag{Name: "leader-epoch", Value: int(appender.UseLatestLeaderEpoch), DefaultText: "latest in leader-epoch-checkpoint, else 0", Usage: "partition leader epoch stamped on v2 batches"},
			&cli.Int64Flag{Name: "segment-bytes", Value: appender.DefaultSegmentBytes, Usage: "roll segments at this size (segment.bytes)"},
			&cli.IntFlag{Name: "index-interval-bytes", Value: appender.DefaultIndexIntervalBytes, Usage: "bytes between index entries (index.interval.bytes)"},
			&cli.IntFlag{Name: "segment-index-bytes", Value: appender.DefaultMaxIndexSize, Usage: "roll when an index reaches this size (segment.index.bytes)"},
			&cli.StringFlag{Name: "fsync", Value: "segment", Usage: "always|segment|never: fsync after every batch, when a segment is rolled or closed, or never"},
			&cli.BoolFlag{Name: "json", Usage: "print the summary as one JSON object"},
		},
		Action: runAppend,
	}
}

// appendSchemaVersion versions the --json summary.
const appendSchemaVersion = 1

func runAppend(c *cli.Context) error {
	if c.IsSet("partitions") {
		return runAppendTopic(c)
	}
	dir, err := appendDir(c)
	if err != nil {
		return err
	}
	ino, eo, wo, err := appendOptions(c)
	if err != nil {
		return err
	}
	in := c.App.Reader
	if p := c.String("input"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("append: %w", err)
		}
		defer f.Close()
		in = f
	}
	s, err := appender.AppendInput(dir, in, ino, eo, wo)
	if s.Batches > 0 || err == nil {
		if perr := printAppendSummary(c.App.Writer, s, c.Bool("json")); perr != nil {
			return perr
		}
	}
	return appendExit(err)
}

// appendExit maps an append error to exit code 1 (bad input, the partition
// needs repair, ...) or 3 (I/O, lock held).
func appendExit(err error) error {
	if errors.Is(err, appender.ErrBadInput) || errors.Is(err, appender.ErrNeedsRepair) ||
		errors.Is(err, appender.ErrInvalidBatch) || errors.Is(err, appender.ErrEpochRegression) ||
		errors.Is(err, appender.ErrTopicIDMismatch) {
		return cli.Exit("kseg: append: "+err.Error(), ExitFindings)
	}
	if err != nil {
		return fmt.Errorf("append: %w", err)
	}
	return nil
}

// runAppendTopic is --topic T --partitions N LOGDIR: one summary line (or
// JSON object) per partition.
func runAppendTopic(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	topic, n := c.String("topic"), c.Int("partitions")
	switch {
	case c.NArg() > 1:
		return usagef("append: one LOGDIR expected, got %d", c.NArg())
	case topic == "" || c.IsSet("partition") || n < 1 || n > 1<<20:
		return usagef("append: --partitions N (1..%d) needs --topic and excludes --partition", 1<<20)
	case !segment.ValidTopicName(topic):
		return usagef("append: illegal topic name %q", topic)
	case c.String("format") == "raw-batches":
		return usagef("append: --partitions cannot spread raw batches (they are encoded for one partition)")
	}
	ino, eo, wo, err := appendOptions(c)
	if err != nil {
		return err
	}
	in := c.App.Reader
	if p := c.String("input"); p != "" {
		f, err := os.Open(p)
		if err != nil {
			return fmt.Errorf("append: %w", err)
		}
		defer f.Close()
		in = f
	}
	sums, err := appender.AppendTopicInput(c.Args().First(), topic, int32(n), in, ino, eo, wo)
	for _, s := range sums {
		if perr := printAppendSummary(c.App.Writer, s, c.Bool("json")); perr != nil {
			return perr
		}
	}
	return appendExit(err)
}

// appendDir resolves PATH or --topic/--partition LOGDIR.
func appendDir(c *cli.Context) (string, error) {
	if err := needArgs(c, 1); err != nil {
		return "", err
	}
	if c.NArg() > 1 {
		return "", usagef("append: one PATH expected, got %d", c.NArg())
	}
	topic, part := c.String("topic"), c.Int("partition")
	if topic == "" && !c.IsSet("partition") {
		return c.Args().First(), nil
	}
	if topic == "" || part < 0 {
		return "", usagef("append: --topic and --partition (>= 0) go together, with LOGDIR as the argument")
	}
	if !segment.ValidTopicName(topic) {
		return "", usagef("append: illegal topic name %q", topic)
	}
	return filepath.Join(c.Args().First(), fmt.Sprintf("%s-%d", topic, part)), nil
}

func appendOptions(c *cli.Context) (appender.InputOptions, appender.EncodeOptions, appender.Options, error) {
	var ino appender.InputOptions
	var eo appender.EncodeOptions
	var wo appender.Options
	var err error
	bad := func(err error) (appender.InputOptions, appender.EncodeOptions, appender.Options, error) {
		return ino, eo, wo, usageError{err}
	}
	if ino.Format, err = appender.ParseInputFormat(c.String("format")); err != nil {
		return bad(err)
	}
	if ino.KeyEncoding, err = appender.ParseEncoding(c.String("key-encoding")); err != nil {
		return bad(err)
	}
	if ino.ValueEncoding, err = appender.ParseEncoding(c.String("value-encoding")); err != nil {
		return bad(err)
	}
	ino.KeySeparator = c.String("key-separator")
	now := time.Now().UnixMilli()
	ino.Timestamp = c.Int64("timestamp")
	if ino.Timestamp < 0 {
		ino.Timestamp = now
	}
	eo.Magic, eo.Now = int8(c.Int("magic")), now
	if m := c.Int("magic"); m < 0 || m > 2 {
		return bad(fmt.Errorf("--magic %d (want 0, 1 or 2)", m))
	}
	if eo.Compression, err = format.ParseCompression(c.String("compression")); err != nil {
		return bad(err)
	}
	switch c.String("timestamp-type") {
	case "create":
		eo.TimestampType = format.CreateTime
	case "log-append":
		eo.TimestampType = format.LogAppendTime
	default:
		return bad(fmt.Errorf("--timestamp-type %q (want create or log-append)", c.String("timestamp-type")))
	}
	eo.BatchRecords, eo.BatchBytes = c.Int("batch-records"), c.Int("batch-bytes")
	eo.ProducerID, eo.ProducerEpoch, eo.BaseSequence = c.Int64("producer-id"), int16(c.Int("producer-epoch")), int32(c.Int("base-sequence"))
	if eo.ProducerID >= 0 {
		eo.ProducerEpoch, eo.BaseSequence = max(eo.ProducerEpoch, 0), max(eo.BaseSequence, 0)
	}
	if eo.Transaction, err = appender.ParseTransaction(c.String("transaction")); err != nil {
		return bad(err)
	}
	eo.CoordinatorEpoch = int32(c.Int("coordinator-epoch"))
	if eo.Transaction != appender.TxnNone && eo.ProducerID < 0 {
		return bad(errors.New("--transaction needs --producer-id (and --producer-epoch)"))
	}
	if ino.Format != appender.InputRawBatches {
		if err := eo.Validate(); err != nil {
			return bad(err)
		}
	}
	wo.SegmentBytes, wo.IndexIntervalBytes, wo.MaxIndexSize = c.Int64("segment-bytes"), c.Int("index-interval-bytes"), c.Int("segment-index-bytes")
	wo.LeaderEpoch = int32(c.Int("leader-epoch"))
	if wo.Fsync, err = appender.ParseFsyncPolicy(c.String("fsync")); err != nil {
		return bad(err)
	}
	if wo.SegmentBytes <= 0 || wo.IndexIntervalBytes < 0 || wo.MaxIndexSize <= 0 || eo.BatchRecords <= 0 || eo.BatchBytes <= 0 ||
		(wo.LeaderEpoch < 0 && wo.LeaderEpoch != appender.UseLatestLeaderEpoch) {
		return bad(errors.New("sizes, counts and --leader-epoch must be positive"))
	}
	return ino, eo, wo, nil
}

func printAppendSummary(w io.Writer, s appender.Summary, asJSON bool) error {
	if asJSON {
		return json.NewEncoder(w).Encode(struct {
			Schema int `json:"schema"`
			appender.Summary
		}{appendSchemaVersion, s})
	}
	part := fmt.Sprintf("%s-%d", s.Topic, s.Partition)
	if s.Batches == 0 {
		_, err := fmt.Fprintf(w, "partition: %s nothing to append nextOffset: %d\n", part, s.NextOffset)
		return err
	}
	_, err := fmt.Fprintf(w, "partition: %s firstOffset: %d lastOffset: %d batches: %d records: %d bytes: %d nextOffset: %d leaderEpoch: %d segmentsRolled: %d created: %t\n",
		part, s.FirstOffset, s.LastOffset, s.Batches, s.Records, s.Bytes, s.NextOffset, s.LeaderEpoch, s.SegmentsRolled, s.Created)
	return err
}
