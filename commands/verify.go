package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"time"

	"github.com/kseg/kseg/dump"
	"github.com/kseg/kseg/verify"
	"github.com/urfave/cli/v2"
	"golang.org/x/sys/unix"
)

func init() { register(verifyCommand) }

func verifyCommand() *cli.Command {
	return &cli.Command{
		Name:      "verify",
		Usage:     "check log directories, partitions or segment files, read-only (exit 0 clean, 1 findings, 3 I/O failure)",
		ArgsUsage: "PATH... (a log directory, a partition directory, or .log/.index/.timeindex files)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "deep-iteration", Aliases: []string{"deep"}, Usage: "decode every record (decompressing)"},
			&cli.IntFlag{Name: "workers", Value: runtime.NumCPU(), Usage: "partitions checked in parallel"},
			&cli.BoolFlag{Name: "strict", Usage: "exit 1 on warnings too"},
			&cli.BoolFlag{Name: "json", Usage: "NDJSON: one object per finding, partition and recovery plan, then a summary"},
			&cli.StringFlag{Name: "color", Value: "auto", Usage: "auto|always|never (auto honours NO_COLOR)"},
			&cli.BoolFlag{Name: "what-would-kafka-do", Usage: "show what the broker's log loading would do at its next start (recovery from the recovery point unless <logdir>/.kafka_cleanshutdown exists)"},
			&cli.StringFlag{Name: "kafka-version", Value: verify.DefaultKafkaVersion.String(), Usage: "broker release whose recovery --what-would-kafka-do simulates (1.1 to 4.x; see the README for the differences modelled)"},
			&cli.IntFlag{Name: "max-findings", Value: verify.DefaultMaxFindingsPerFile, Usage: "findings listed per file (the rest are counted)"},
		},
		Action: runVerify,
	}
}

func runVerify(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	colour, err := colorEnabled(c.String("color"), c.App.Writer)
	if err != nil {
		return err
	}
	if c.Int("workers") < 1 {
		return usagef("--workers must be at least 1")
	}
	if c.Int("max-findings") < 1 {
		// 0 or less silently meant the default of 100.
		return usagef("--max-findings must be at least 1")
	}
	kv, err := verify.ParseKafkaVersion(c.String("kafka-version"))
	if err != nil {
		return usageError{err}
	}
	if c.IsSet("kafka-version") && !c.Bool("what-would-kafka-do") {
		// Only the recovery simulation depends on the version: without it
		// the flag was ignored and the report looked version-checked.
		return usagef("--kafka-version only applies with --what-would-kafka-do")
	}
	out := &verifyOutput{w: c.App.Writer, json: c.Bool("json"), colour: colour}
	opts := verify.Options{Deep: c.Bool("deep-iteration"), Workers: c.Int("workers"),
		MaxFindingsPerFile: c.Int("max-findings"), WhatWouldKafkaDo: c.Bool("what-would-kafka-do"), KafkaVersion: kv,
		OnFinding: out.finding, OnPartition: out.partition}
	targets, dirFindings, err := verify.Resolve(c.Args().Slice())
	if err != nil {
		return err
	}
	stop := startProgress(c.App.ErrWriter, len(targets), out)
	sum, err := verify.VerifyTargets(c.Context, targets, dirFindings, opts)
	stop()
	if err != nil {
		return err
	}
	if err := out.finish(sum); err != nil {
		return err
	}
	if sum.Errors > 0 || (c.Bool("strict") && sum.Warnings > 0) {
		return ErrFindings
	}
	return nil
}

// verifyOutput collects findings and partition results as workers report
// them and renders them at the end in a fixed order (findings sorted by
// partition, file and position; partitions by name), so that two runs
// over the same data print byte-identical reports. Findings are bounded per
// file by --max-findings. Its callbacks are serialized by verify.
type verifyOutput struct {
	w        io.Writer
	json     bool
	colour   bool
	mu       sync.Mutex // guards done/bytes for the progress bar
	rows     []*verify.PartitionResult
	findings []verify.Finding
	done     int
	bytes    int64
	err      error
}

func (o *verifyOutput) finding(f verify.Finding) { o.findings = append(o.findings, f) }

func (o *verifyOutput) writeFinding(f verify.Finding) {
	if o.json {
		o.writeJSON(struct {
			Type          string `json:"type"`
			SchemaVersion int    `json:"schemaVersion"`
			verify.Finding
		}{"finding", dump.SchemaVersion, f})
		return
	}
	o.print(formatFinding(f, o.colour) + "\n")
}

func formatFinding(f verify.Finding, colour bool) string {
	s := dump.Paint(f.Severity.String(), f.Severity.String(), colour) + ": "
	if f.Partition != "" {
		s += f.Partition + "/"
	}
	s += f.File
	if f.Position >= 0 {
		s += ": position " + strconv.FormatInt(f.Position, 10)
		if f.End >= 0 {
			s += "-" + strconv.FormatInt(f.End, 10)
		}
	}
	if f.Offset >= 0 {
		s += ": offset " + strconv.FormatInt(f.Offset, 10)
	}
	s += ": " + string(f.Reason)
	if f.Detail != "" {
		s += ": " + f.Detail
	}
	return s
}

func (o *verifyOutput) partition(p *verify.PartitionResult) {
	o.mu.Lock()
	o.done++
	o.bytes += p.Bytes
	o.mu.Unlock()
	// Keep only what the report needs: the per-segment details are dropped.
	row := *p
	row.Segments = nil
	o.rows = append(o.rows, &row)
}

// partitionJSON is the --json object of one partition.
type partitionJSON struct {
	Type              string `json:"type"`
	SchemaVersion     int    `json:"schemaVersion"`
	Partition         string `json:"partition"`
	Segments          int    `json:"segments"`
	Batches           int64  `json:"batches"`
	Records           int64  `json:"records"`
	UndecodedWrappers int64  `json:"undecodedWrappers,omitempty"` // records is then a lower bound
	Bytes             int64  `json:"bytes"`
	LogStartOffset    int64  `json:"logStartOffset"`
	FirstOffset       int64  `json:"firstOffset"`
	LastOffset        int64  `json:"lastOffset"`
	Errors            int64  `json:"errors"`
	Warnings          int64  `json:"warnings"`
	Infos             int64  `json:"infos"`
}

func formatKafka(k *verify.KafkaRecovery) string {
	s := fmt.Sprintf("what would kafka %s do: %s (recovery point %d", k.KafkaVersion, k.Partition, k.RecoveryPoint)
	if k.CleanShutdownMarker {
		s += "; .kafka_cleanshutdown present: a clean start, no recovery from the recovery point"
	}
	s += "):"
	if len(k.Actions) == 0 {
		return s + " nothing\n"
	}
	s += "\n"
	for _, a := range k.Actions {
		s += "  " + a.Action + " " + a.File
		if a.To != "" {
			s += " -> " + a.To
		}
		if a.Action == "truncate" || a.Action == "split-segment" {
			s += " at position " + strconv.FormatInt(a.Position, 10)
		}
		if a.Lost != nil {
			s += fmt.Sprintf(" (loses %d bytes, %s)", a.BytesLost, a.Lost)
		}
		if a.Detail != "" {
			s += ": " + a.Detail
		}
		s += "\n"
	}
	for _, l := range k.LostInside {
		s += fmt.Sprintf("  lost inside the log (later segments kept): %s\n", l)
	}
	if k.Lost != nil {
		s += fmt.Sprintf("  lost at the log end: %s\n", k.Lost)
	}
	if k.Lost == nil && len(k.LostInside) == 0 {
		return s + "  nothing lost\n"
	}
	ge := ""
	for _, l := range k.LostInside {
		if !l.Exact {
			ge = "≥ "
		}
	}
	if k.Lost != nil && !k.Lost.Exact {
		ge = "≥ "
	}
	return s + fmt.Sprintf("  total lost: %d bytes, %s%d records\n", k.BytesLost, ge, k.RecordsLost)
}

func (o *verifyOutput) finish(sum *verify.Summary) error {
	verify.SortFindings(o.findings)
	for _, f := range o.findings {
		o.writeFinding(f)
	}
	sort.SliceStable(o.rows, func(i, j int) bool {
		if o.rows[i].Name != o.rows[j].Name {
			return o.rows[i].Name < o.rows[j].Name
		}
		return o.rows[i].Dir < o.rows[j].Dir
	})
	if o.json {
		for _, p := range o.rows {
			o.writeJSON(partitionJSON{Type: "partition", SchemaVersion: dump.SchemaVersion, Partition: p.Name, Segments: p.NumSegments,
				Batches: p.Batches, Records: p.Records, UndecodedWrappers: p.UndecodedWrappers, Bytes: p.Bytes,
				LogStartOffset: p.LogStartOffset, FirstOffset: p.FirstOffset, LastOffset: p.LastOffset,
				Errors: p.Errors, Warnings: p.Warnings, Infos: p.Infos})
			if p.Kafka != nil {
				o.writeJSON(struct {
					Type          string `json:"type"`
					SchemaVersion int    `json:"schemaVersion"`
					*verify.KafkaRecovery
				}{"kafkaRecovery", dump.SchemaVersion, p.Kafka})
			}
		}
		o.writeJSON(struct {
			Type          string `json:"type"`
			SchemaVersion int    `json:"schemaVersion"`
			*verify.Summary
		}{"summary", dump.SchemaVersion, sum})
		return o.err
	}
	for _, p := range o.rows {
		if p.Kafka != nil {
			o.print(formatKafka(p.Kafka))
		}
	}
	var rows [][]string
	for _, p := range o.rows {
		rng := "-"
		if p.FirstOffset >= 0 {
			rng = fmt.Sprintf("%d..%d", p.FirstOffset, p.LastOffset)
		}
		records := strconv.FormatInt(p.Records, 10)
		if p.UndecodedWrappers > 0 {
			// Undecodable legacy wrappers count as one record each, and
			// their first inner offset is unknown.
			records = "≥" + records
			rng = "≤" + rng
		}
		rows = append(rows, []string{p.Name, strconv.Itoa(p.NumSegments), strconv.FormatInt(p.Batches, 10),
			records, strconv.FormatInt(p.Bytes, 10), rng,
			fmt.Sprintf("%d/%d/%d", p.Errors, p.Warnings, p.Infos)})
	}
	if o.err == nil && len(rows) > 0 {
		o.err = dump.WriteTable(o.w, []string{"partition", "segments", "batches", "records", "bytes", "offsets", "errors/warnings/infos"}, rows)
	}
	o.print(fmt.Sprintf("verified %d partitions, %d segments, %d bytes: %d errors, %d warnings, %d infos\n",
		sum.Partitions, sum.Segments, sum.Bytes, sum.Errors, sum.Warnings, sum.Infos))
	return o.err
}

func (o *verifyOutput) print(s string) {
	if o.err != nil {
		return
	}
	_, o.err = io.WriteString(o.w, s)
}

func (o *verifyOutput) writeJSON(v any) {
	if o.err != nil {
		return
	}
	b, err := json.Marshal(v)
	if err != nil {
		o.err = err
		return
	}
	_, o.err = o.w.Write(append(b, '\n'))
}

// startProgress draws a progress bar on stderr while a long run goes on, only
// when stderr is a terminal. It returns a func that stops and erases it.
func startProgress(stderr io.Writer, total int, o *verifyOutput) func() {
	if !isTerminal(stderr) || total < 2 {
		return func() {}
	}
	p := dump.NewProgress(stderr)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		started := time.Now()
		for {
			select {
			case <-quit:
				p.Done()
				return
			case <-t.C:
				if time.Since(started) < time.Second {
					continue // short runs get no bar
				}
				o.mu.Lock()
				done, bytes := o.done, o.bytes
				o.mu.Unlock()
				p.Update(done, total, fmt.Sprintf("partitions, %d MiB", bytes>>20))
			}
		}
	}()
	return func() { close(quit); wg.Wait() }
}

// colorEnabled decides --color: auto means stdout is a terminal and NO_COLOR
// is unset (https://no-color.org).
func colorEnabled(mode string, stdout io.Writer) (bool, error) {
	switch mode {
	case "always":
		return true, nil
	case "never":
		return false, nil
	case "auto", "":
		if _, set := os.LookupEnv("NO_COLOR"); set {
			return false, nil
		}
		return isTerminal(stdout), nil
	}
	return false, usagef("--color must be auto, always or never, not %q", mode)
}

// isTerminal reports whether w is an *os.File open on a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
	return err == nil
}
