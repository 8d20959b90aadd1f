package dump

import (
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/kseg/kseg/analyze"
)

// DefaultStatsTop is how many partitions the stats table shows by default.
const DefaultStatsTop = 20

// StatsWriterOptions configures a StatsWriter.
type StatsWriterOptions struct {
	JSON bool
	// Top caps the table to the N largest partitions by bytes (0 =
	// DefaultStatsTop); the total row always counts them all. JSON lists
	// every partition.
	Top int
	// Deep adds the stored/decompressed bytes and compression ratio columns.
	Deep bool
}

// StatsWriter renders `kseg stats`. JSON streams one "partition" object per
// partition and a "total" object; text keeps only the Top partitions by
// bytes (so memory stays bounded on log dirs with thousands of partitions)
// and prints a partition table, a codec table and a magic table for the
// total, then the summary line. Not safe for concurrent use.
type StatsWriter struct {
	w    io.Writer
	opts StatsWriterOptions
	top  []*analyze.Stats // sorted by bytes desc, name asc
	seen int
	err  error
}

// NewStatsWriter returns a writer to w.
func NewStatsWriter(w io.Writer, opts StatsWriterOptions) *StatsWriter {
	if opts.Top <= 0 {
		opts.Top = DefaultStatsTop
	}
	return &StatsWriter{w: w, opts: opts}
}

// Partition renders or keeps one partition's statistics. s must not change
// afterwards.
func (sw *StatsWriter) Partition(s *analyze.Stats) error {
	sw.seen++
	if sw.opts.JSON {
		sw.json("partition", s)
		return sw.err
	}
	i := sort.Search(len(sw.top), func(i int) bool { return statsBefore(s, sw.top[i]) })
	if i >= sw.opts.Top {
		return sw.err
	}
	sw.top = append(sw.top, nil)
	copy(sw.top[i+1:], sw.top[i:])
	sw.top[i] = s
	if len(sw.top) > sw.opts.Top {
		sw.top = sw.top[:sw.opts.Top]
	}
	return sw.err
}

func statsBefore(a, b *analyze.Stats) bool {
	if a.Bytes != b.Bytes {
		return a.Bytes > b.Bytes
	}
	return a.Name < b.Name
}

// Finish writes the total: a "total" JSON object, or the tables, problems
// and summary line.
func (sw *StatsWriter) Finish(total *analyze.Stats) error {
	if sw.opts.JSON {
		sw.json("total", total)
		return sw.err
	}
	rows := make([][]string, 0, len(sw.top)+1)
	for _, s := range sw.top {
		rows = append(rows, statsRow(s.Name, s))
	}
	rows = append(rows, statsRow("TOTAL", total))
	sw.table([]string{"partition", "segments", "batches", "records", "bytes", "records/batch p50/p99/max",
		"batch bytes p50/p99/max", "producers", "control", "transactional", "ts skew", "out of order", "leader epochs"}, rows)

	hdr := []string{"codec", "batches", "records", "bytes", "bytes %"}
	if sw.opts.Deep {
		hdr = append(hdr, "stored", "decompressed", "ratio")
	}
	rows = rows[:0]
	for i := range total.Codecs {
		g := &total.Codecs[i]
		if g.Batches == 0 {
			continue
		}
		r := []string{analyze.CodecName(i), i64(g.Batches), i64(g.Records), i64(g.Bytes), pct(g.Bytes, total.Bytes)}
		if sw.opts.Deep {
			r = append(r, i64(g.StoredBytes), i64(g.DecompressedBytes), strconv.FormatFloat(g.Ratio(), 'f', 2, 64))
		}
		rows = append(rows, r)
	}
	if len(rows) > 0 {
		sw.table(hdr, rows)
	}
	rows = rows[:0]
	for m := range total.Magics {
		g := &total.Magics[m]
		if g.Batches > 0 {
			rows = append(rows, []string{strconv.Itoa(m), i64(g.Batches), i64(g.Records), i64(g.Bytes), pct(g.Bytes, total.Bytes)})
		}
	}
	if g := &total.Kafka07; g.Batches > 0 {
		rows = append(rows, []string{"0.7 (.kafka)", i64(g.Batches), i64(g.Records), i64(g.Bytes), pct(g.Bytes, total.Bytes)})
	}
	if len(rows) > 0 {
		sw.table([]string{"magic", "batches", "records", "bytes", "bytes %"}, rows)
	}
	for _, p := range total.Problems {
		sw.print("warning: " + p + "\n")
	}
	if n := total.ProblemCount - len(total.Problems); n > 0 {
		sw.print(fmt.Sprintf("warning: %d more read problems not listed\n", n))
	}
	mode := "batch headers only"
	if total.WrappersDecompressed > 0 {
		mode += fmt.Sprintf("; %d legacy compressed wrappers decompressed to count their messages", total.WrappersDecompressed)
	}
	if sw.opts.Deep {
		mode = "deep: every batch decompressed"
	}
	sw.print(fmt.Sprintf("%d partitions, %d segments, %d batches, %d records, %d bytes (%s)", sw.seen, total.Segments,
		total.Batches, total.Records, total.Bytes, mode))
	if n := sw.seen - len(sw.top); n > 0 {
		sw.print(fmt.Sprintf("; %d smaller partitions not shown (--top %d)", n, sw.opts.Top))
	}
	sw.print("\n")
	return sw.err
}

func statsRow(name string, s *analyze.Stats) []string {
	rpb, bb := s.RecordsPerBatch.Summary(), s.BatchBytes.Summary()
	producers, exact := s.Producers()
	prod := strconv.Itoa(producers)
	if !exact {
		prod = "≥" + prod
	}
	skew := "-"
	if k := s.SkewMs(); k >= 0 {
		skew = analyze.FormatAge(k)
	}
	records := i64(s.Records)
	if s.UndecodedWrappers > 0 {
		records = "≥" + records // undecodable legacy wrappers count as one record
	}
	return []string{name, strconv.Itoa(s.Segments), i64(s.Batches), records, i64(s.Bytes),
		fmt.Sprintf("%d/%d/%d", rpb.P50, rpb.P99, rpb.Max), fmt.Sprintf("%d/%d/%d", bb.P50, bb.P99, bb.Max),
		prod, countPct(s.ControlBatches, s.Batches), countPct(s.TransactionalBatches, s.Batches), skew,
		i64(s.OutOfOrderBatches), epochList(s.LeaderEpochs, s.LeaderEpochsTruncated)}
}

func countPct(n, of int64) string { return i64(n) + " (" + pct(n, of) + ")" }

func pct(n, of int64) string {
	if of == 0 {
		return "0.0%"
	}
	return strconv.FormatFloat(float64(n)*100/float64(of), 'f', 1, 64) + "%"
}

// epochList shows up to 5 epochs, then the first, last and count.
func epochList(e []int32, truncated bool) string {
	if len(e) == 0 {
		return "-"
	}
	more := ""
	if truncated {
		more = "+"
	}
	if len(e) <= 5 {
		parts := make([]string, len(e))
		for i, v := range e {
			parts[i] = strconv.Itoa(int(v))
		}
		return strings.Join(parts, ",") + more
	}
	return fmt.Sprintf("%d..%d (%d%s)", e[0], e[len(e)-1], len(e), more)
}

func (sw *StatsWriter) table(header []string, rows [][]string) {
	if sw.err == nil {
		sw.err = WriteTable(sw.w, header, rows)
	}
}

func (sw *StatsWriter) json(typ string, s *analyze.Stats) {
	if sw.err != nil {
		return
	}
	body, err := s.MarshalJSON()
	if err != nil {
		sw.err = fmt.Errorf("kseg/dump: %w", err)
		return
	}
	sw.print(typedJSONLine(typ, body))
}

func (sw *StatsWriter) print(s string) {
	if sw.err == nil {
		_, sw.err = io.WriteString(sw.w, s)
	}
}
