package dump

import (
	"bytes"
	"io"
	"sync"

	"github.com/kseg/kseg/format"
)

// Parallel deep iteration (LogOptions.Workers > 1). The caller's goroutine
// walks the segment with the usual BatchReader (CRC checks, header-level
// problems and --from/--to-offset stay where they were) and copies whole
// batches into jobs of about parallelJobBytes; workers decode and format a
// job into its own buffer with their own decoder; one writer goroutine takes
// jobs in submission order, writes their output and merges their counters
// and gap reports. Every piece of text is produced by the same logDumper
// methods as on the serial path, so the output is byte-identical.
//
// Memory is bounded by the fixed set of jobs (2×workers+2), each holding its
// batches' bytes, plus the formatted output: parallelOutputBudget for the
// jobs ahead of the writer, and the output of the job it waits for. Batches above parallelMaxBatch
// (which may decompress to the cap) and anything written between batches
// (problems, the torn-tail line) go through the serial path after the
// pipeline has drained, in order.
const parallelMaxBatch = 1 << 20

// parallelJobBytes is the batch bytes per job (a variable so tests can cut
// many small jobs).
var parallelJobBytes = 256 << 10

// parallelOutputBudget bounds the formatted output held by jobs that are not
// the one the writer waits for: a worker formatting a later job waits while
// the budget is used up (compressed batches can print far more than their
// 256 KiB of input). The job the writer waits for always proceeds, so the
// pipeline cannot stall. A variable so tests can force the waiting.
var parallelOutputBudget int64 = 16 << 20

type dumpJob struct {
	raw       []byte
	batches   []format.Batch // headers, Raw nil until the worker points it into raw
	ends      []int          // end of each batch in raw
	positions []int64
	out       bytes.Buffer
	seq       uint64
	res       LogResult
	first     int64 // first and last record offsets (-1: none)
	last      int64
	err       error
	done      chan struct{}
}

type pipeline struct {
	d       *logDumper
	free    chan *dumpJob
	work    chan *dumpJob
	order   chan *dumpJob
	cur     *dumpJob
	wg      sync.WaitGroup // workers
	writer  chan struct{}  // closed when the writer goroutine ends
	werr    error          // first write error (read after the writer ended)
	stopped bool
	seqNext uint64

	mu          sync.Mutex // guards head and outstanding
	cond        *sync.Cond
	head        uint64 // seq of the job the writer waits for
	outstanding int64  // formatted bytes held by jobs not yet written
}

// jobWriter is a worker's io.Writer for one job: it appends to the job's
// buffer within the output budget.
type jobWriter struct {
	p *pipeline
	j *dumpJob
}

func (w jobWriter) Write(b []byte) (int, error) {
	p := w.p
	p.mu.Lock()
	for w.j.seq != p.head && p.outstanding+int64(len(b)) > parallelOutputBudget {
		p.cond.Wait()
	}
	p.outstanding += int64(len(b))
	p.mu.Unlock()
	return w.j.out.Write(b)
}

func (d *logDumper) startPipeline(workers int) *pipeline {
	n := 2*workers + 2
	p := &pipeline{d: d, free: make(chan *dumpJob, n), work: make(chan *dumpJob, n)}
	p.cond = sync.NewCond(&p.mu)
	for i := 0; i < n; i++ {
		p.free <- &dumpJob{}
	}
	for i := 0; i < workers; i++ {
		wd := newLogDumper(nil, d.name, d.displayPath, d.opts)
		p.wg.Add(1)
		go func() {
			defer p.wg.Done()
			for j := range p.work {
				wd.formatJob(j, jobWriter{p, j})
				close(j.done)
			}
		}()
	}
	p.startWriter()
	return p
}

func (p *pipeline) startWriter() {
	p.order = make(chan *dumpJob, cap(p.free))
	p.writer = make(chan struct{})
	go func(order chan *dumpJob, done chan struct{}) {
		defer close(done)
		for j := range order {
			p.mu.Lock()
			p.head = j.seq
			p.cond.Broadcast()
			p.mu.Unlock()
			<-j.done
			p.merge(j)
			p.mu.Lock()
			p.outstanding -= int64(j.out.Len())
			p.cond.Broadcast()
			p.mu.Unlock()
			j.raw, j.batches, j.ends, j.positions = j.raw[:0], j.batches[:0], j.ends[:0], j.positions[:0]
			j.out.Reset()
			p.free <- j
		}
	}(p.order, p.writer)
}

// merge writes j's output and folds its results into the dumper's, as if
// its batches had been dumped serially here. Runs on the writer goroutine
// only while the caller's goroutine is not touching the dumper's results.
func (p *pipeline) merge(j *dumpJob) {
	d := p.d
	if p.werr == nil {
		if j.err != nil {
			p.werr = j.err
		} else if _, err := d.w.Write(j.out.Bytes()); err != nil {
			p.werr = err
		}
	}
	d.res.Records += j.res.Records
	if j.first >= 0 {
		if d.lastOffset >= 0 && j.first != d.lastOffset+1 {
			if len(d.res.Gaps) < maxGaps {
				d.res.Gaps = append(d.res.Gaps, OffsetGap{d.lastOffset, j.first})
			}
			d.res.GapCount++
		}
		d.lastOffset = j.last
	}
	for _, g := range j.res.Gaps {
		if len(d.res.Gaps) < maxGaps {
			d.res.Gaps = append(d.res.Gaps, g)
		}
	}
	d.res.GapCount += j.res.GapCount
	d.res.Problems = append(d.res.Problems, j.res.Problems...)
}

// add copies batch b (its Raw valid until the reader's next Next) into the
// current job, submitting the job when it is full.
func (p *pipeline) add(b *format.Batch, position int64) {
	if p.cur == nil {
		p.cur = <-p.free
	}
	j := p.cur
	j.raw = append(j.raw, b.Raw...)
	h := *b
	h.Raw = nil
	j.batches = append(j.batches, h)
	j.ends = append(j.ends, len(j.raw))
	j.positions = append(j.positions, position)
	if len(j.raw) >= parallelJobBytes {
		p.submit()
	}
}

func (p *pipeline) submit() {
	j := p.cur
	if j == nil {
		return
	}
	p.cur = nil
	p.seqNext++
	j.seq = p.seqNext
	j.done = make(chan struct{})
	p.order <- j // capacities equal the number of jobs: never blocks
	p.work <- j
}

// drain submits the current job and waits until everything submitted is
// written; the dumper then belongs to the caller again.
func (p *pipeline) drain() error {
	p.submit()
	close(p.order)
	<-p.writer
	err := p.werr
	p.startWriter()
	return err
}

// stop ends the goroutines (after draining).
func (p *pipeline) stop() {
	if p.stopped {
		return
	}
	p.stopped = true
	p.drain()
	close(p.order)
	<-p.writer
	close(p.work)
	p.wg.Wait()
}

// formatJob renders a job's batches into j.out with this worker's dumper.
func (d *logDumper) formatJob(j *dumpJob, w io.Writer) {
	d.w = w
	d.res = LogResult{}
	d.lastOffset, d.firstOffset = -1, -1
	start := 0
	for i := range j.batches {
		b := &j.batches[i]
		b.Raw = j.raw[start:j.ends[i]]
		start = j.ends[i]
		if err := d.batch(b, j.positions[i]); err != nil {
			j.err = err
			break
		}
	}
	j.res = d.res
	j.first, j.last = d.firstOffset, d.lastOffset
}
