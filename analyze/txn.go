package analyze

import (
	"errors"
	"fmt"
	"io"
	"os"
	"sort"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// Severity grades a finding. Errors and warnings make `kseg txn` exit 1;
// infos are reported only.
type Severity string

// Severities.
const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Finding kinds: stable kebab-case names that scripts match on.
const (
	// KindHangingTransaction: transactional data with no COMMIT/ABORT marker
	// yet. It pins the last stable offset, so read_committed consumers stop
	// there (KIP-664 / KAFKA-9144).
	KindHangingTransaction = "hanging-transaction"
	// KindMarkerWithoutData: a marker for a producer with no open
	// transaction in the log, normally because its data lay in segments that
	// retention already deleted (or the partition was added to the
	// transaction but nothing was written). Info only.
	KindMarkerWithoutData = "marker-without-data"
	// KindMarkerEpochBelowData: a marker whose producer epoch is below the
	// epoch of the open transaction's data. The broker refuses such a marker
	// (fencing), so the log was altered.
	KindMarkerEpochBelowData = "marker-epoch-below-data"
	// KindTxnIndexMissingEntry: an ABORT marker with no .txnindex entry in
	// its segment; read_committed consumers would be served the aborted data.
	KindTxnIndexMissingEntry = "txnindex-missing-entry"
	// KindTxnIndexOrphanEntry: a .txnindex entry whose ABORT marker is not in
	// the segment.
	KindTxnIndexOrphanEntry = "txnindex-orphan-entry"
	// KindTxnIndexMismatch: an entry at the marker's offset whose producer id
	// or firstOffset disagrees with the log, or that points at a COMMIT.
	KindTxnIndexMismatch = "txnindex-mismatch"
	// KindTxnIndexMalformed: the .txnindex does not decode, is unordered, or
	// has a partial trailing entry.
	KindTxnIndexMalformed = "txnindex-malformed"
	// KindBadControlRecord: a transactional control batch whose record cannot
	// be read (CRC mismatch, bad key/value).
	KindBadControlRecord = "bad-control-record"
	// KindCorruptLog / KindTruncatedLog: the .log could not be walked to its
	// end; the rest of that segment was not analysed (run `kseg verify`).
	KindCorruptLog   = "corrupt-log"
	KindTruncatedLog = "truncated-log"
)

// DefaultMaxFindings is how many findings a TxnReport keeps per partition;
// the rest are only counted.
const DefaultMaxFindings = 100

// maxTxnIndexBytes bounds the .txnindex read (34 bytes per aborted
// transaction: two million aborts in one segment).
const maxTxnIndexBytes = 64 << 20

// TxnFinding is one transaction problem in a partition.
type TxnFinding struct {
	Kind          string   `json:"kind"`
	Severity      Severity `json:"severity"`
	Partition     string   `json:"partition"`
	File          string   `json:"file"`   // base name of the .log or .txnindex
	Offset        int64    `json:"offset"` // the marker's or batch's offset, -1 if none
	ProducerID    int64    `json:"producerId"`
	ProducerEpoch int16    `json:"producerEpoch"`
	Detail        string   `json:"detail"`
}

// OpenTxn is a transaction with data but no marker yet, for one producer id
// and epoch.
type OpenTxn struct {
	ProducerID    int64  `json:"producerId"`
	ProducerEpoch int16  `json:"producerEpoch"`
	FirstOffset   int64  `json:"firstOffset"`
	LastOffset    int64  `json:"lastOffset"` // last offset of its last batch seen
	Batches       int64  `json:"batches"`
	Records       int64  `json:"records"`
	MaxTimestamp  int64  `json:"maxTimestamp"` // max over its batches, -1 if none
	AgeMs         int64  `json:"ageMs"`        // TxnOptions.Now − MaxTimestamp; -1 when unknown
	File          string `json:"file"`         // segment holding FirstOffset
}

// TxnOptions configures AnalyzeTxns.
type TxnOptions struct {
	// Now is the wall clock in Unix milliseconds used for the age of open
	// transactions. 0 leaves ages unknown (-1); commands pass time.Now or
	// --now, so reports stay reproducible.
	Now int64
	// MaxFindings caps the findings kept per partition (default
	// DefaultMaxFindings); later ones are counted in FindingsOmitted.
	MaxFindings int
}

// TxnReport is the transaction analysis of one partition. Open and Findings
// are bounded: Open by the producers with an open transaction, Findings by
// TxnOptions.MaxFindings.
type TxnReport struct {
	Partition            string `json:"partition"`
	Segments             int    `json:"segments"`
	LogStartOffset       int64  `json:"logStartOffset"`
	LogEndOffset         int64  `json:"logEndOffset"`
	LastStableOffset     int64  `json:"lastStableOffset"`
	Batches              int64  `json:"batches"`
	TransactionalBatches int64  `json:"transactionalBatches"` // data batches with isTransactional
	Markers              int64  `json:"markers"`              // COMMIT + ABORT control batches
	Committed            int64  `json:"committed"`
	CommittedRecords     int64  `json:"committedRecords"`
	Aborted              int64  `json:"aborted"`
	AbortedRecords       int64  `json:"abortedRecords"`
	MarkersWithoutData   int64  `json:"markersWithoutData"`
	OpenTransactions     int    `json:"openTransactions"`
	TxnIndexEntries      int64  `json:"txnIndexEntries"`
	Errors               int    `json:"errors"`
	Warnings             int    `json:"warnings"`
	Infos                int    `json:"infos"`
	FindingsOmitted      int    `json:"findingsOmitted"`

	Open     []OpenTxn    `json:"-"` // sorted by FirstOffset
	Findings []TxnFinding `json:"-"` // in log order, hanging transactions last
}

// HasFindings reports errors or warnings (what makes `kseg txn` exit 1).
func (r *TxnReport) HasFindings() bool { return r.Errors > 0 || r.Warnings > 0 }

// TxnSummary totals TxnReports.
type TxnSummary struct {
	Partitions         int   `json:"partitions"`
	Batches            int64 `json:"batches"`
	Committed          int64 `json:"committed"`
	Aborted            int64 `json:"aborted"`
	MarkersWithoutData int64 `json:"markersWithoutData"`
	OpenTransactions   int   `json:"openTransactions"`
	Errors             int   `json:"errors"`
	Warnings           int   `json:"warnings"`
	Infos              int   `json:"infos"`
}

// Add counts r.
func (s *TxnSummary) Add(r *TxnReport) {
	s.Partitions++
	s.Batches += r.Batches
	s.Committed += r.Committed
	s.Aborted += r.Aborted
	s.MarkersWithoutData += r.MarkersWithoutData
	s.OpenTransactions += r.OpenTransactions
	s.Errors += r.Errors
	s.Warnings += r.Warnings
	s.Infos += r.Infos
}

// AnalyzeTxns analyses the partition directory dir; see AnalyzeTxnPartition.
func AnalyzeTxns(dir string, opts TxnOptions) (*TxnReport, error) {
	p, err := segment.OpenPartition(dir)
	if err != nil {
		return nil, err
	}
	return AnalyzeTxnPartition(p, opts)
}

// AnalyzeTxnPartition walks p's segments in offset order, batch headers only,
// and replays the transaction state machine of Kafka's ProducerStateManager:
// a transactional data batch opens (or continues) the transaction of its
// (producerId, producerEpoch); a COMMIT or ABORT marker of that producer id
// closes every open transaction whose epoch is ≤ the marker's (a coordinator
// that fences a producer writes the ABORT with the bumped epoch). What stays
// open pins the last stable offset. Each ABORT marker is matched against its
// segment's .txnindex.
//
// Corruption does not stop the analysis: it becomes a finding and the walk
// resumes at the next segment. Only I/O errors are returned.
func AnalyzeTxnPartition(p *segment.Partition, opts TxnOptions) (*TxnReport, error) {
	if opts.MaxFindings <= 0 {
		opts.MaxFindings = DefaultMaxFindings
	}
	// The log start offset is the broker's (segment.LogStartOffset), not the
	// first offset present: compaction removes records below it.
	ls, _ := segment.LogStartOffset(p)
	cleaned, _ := segment.CheckpointEntry(p, segment.CleanerOffsetCheckpointFile)
	w := &txnWalker{
		opts:         opts,
		rep:          &TxnReport{Partition: p.Name(), Segments: len(p.Segments), LogStartOffset: ls.Offset, LogEndOffset: 0},
		open:         map[int64][]*OpenTxn{},
		control:      newControlLoader(),
		firstPresent: -1,
		compacted:    cleaned >= 0,
	}
	for _, s := range p.Segments {
		if err := w.segment(s); err != nil {
			return nil, err
		}
	}
	if n := len(p.Segments); n > 0 {
		if last := p.Segments[n-1].BaseOffset; last > w.rep.LogEndOffset {
			w.rep.LogEndOffset = last
		}
	}
	if w.rep.LogEndOffset < w.rep.LogStartOffset {
		w.rep.LogEndOffset = w.rep.LogStartOffset
	}
	w.finish()
	return w.rep, nil
}

type txnWalker struct {
	opts    TxnOptions
	rep     *TxnReport
	open    map[int64][]*OpenTxn // by producer id; one entry per epoch, usually one
	control controlLoader
	// firstPresent is the first offset found in the log (-1 before any
	// batch): .txnindex entries may name data below it that compaction or
	// retention removed.
	firstPresent int64
	// compacted: the log dir's cleaner-offset-checkpoint names this
	// partition, so the log cleaner has run on it.
	compacted bool

	// per segment
	file    string
	entries []state.AbortedTxn // this segment's .txnindex, by LastOffset
	next    int                // first entry not yet matched
}

func (w *txnWalker) add(f TxnFinding) {
	f.Partition = w.rep.Partition
	switch f.Severity {
	case SeverityError:
		w.rep.Errors++
	case SeverityWarning:
		w.rep.Warnings++
	default:
		w.rep.Infos++
	}
	if len(w.rep.Findings) >= w.opts.MaxFindings {
		w.rep.FindingsOmitted++
		return
	}
	w.rep.Findings = append(w.rep.Findings, f)
}

func (w *txnWalker) segment(s *segment.Segment) error {
	w.file = s.Name()
	if err := w.loadTxnIndex(s); err != nil {
		return err
	}
	f, err := os.Open(s.Log)
	if err != nil {
		return fmt.Errorf("kseg/analyze: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("kseg/analyze: %w", err)
	}
	r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: w.file, HeadersOnly: true})
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var te *format.TruncatedError
			var ce *format.CorruptionError
			switch {
			case errors.As(err, &te):
				w.add(TxnFinding{Kind: KindTruncatedLog, Severity: SeverityWarning, File: w.file, Offset: -1, ProducerID: -1, ProducerEpoch: -1,
					Detail: fmt.Sprintf("torn tail at position %d (%d bytes): not analysed", te.Position, te.Bytes)})
			case errors.As(err, &ce):
				w.add(TxnFinding{Kind: KindCorruptLog, Severity: SeverityError, File: w.file, Offset: ce.Offset, ProducerID: -1, ProducerEpoch: -1,
					Detail: fmt.Sprintf("%v; the rest of the segment was not analysed", ce)})
			default:
				return err
			}
			break
		}
		if err := w.batch(f, b); err != nil {
			return err
		}
	}
	for ; w.next < len(w.entries); w.next++ {
		w.orphan(w.entries[w.next])
	}
	return nil
}

// loadTxnIndex reads the segment's .txnindex (absent is normal: Kafka creates
// it on the first abort).
func (w *txnWalker) loadTxnIndex(s *segment.Segment) error {
	w.entries, w.next = w.entries[:0], 0
	if s.TxnIndex == "" {
		return nil
	}
	name := segment.FileName(s.BaseOffset, segment.TxnIndexSuffix)
	bad := func(sev Severity, detail string) {
		w.add(TxnFinding{Kind: KindTxnIndexMalformed, Severity: sev, File: name, Offset: -1, ProducerID: -1, ProducerEpoch: -1, Detail: detail})
	}
	fi, err := os.Stat(s.TxnIndex)
	if err != nil {
		return fmt.Errorf("kseg/analyze: %w", err)
	}
	if fi.Size() > maxTxnIndexBytes {
		bad(SeverityError, fmt.Sprintf("%d bytes is more than the %d this tool reads; not checked", fi.Size(), maxTxnIndexBytes))
		return nil
	}
	data, err := os.ReadFile(s.TxnIndex)
	if err != nil {
		return fmt.Errorf("kseg/analyze: %w", err)
	}
	entries, tail, err := state.DecodeTxnIndex(data)
	if err != nil {
		bad(SeverityError, err.Error())
	}
	if tail > 0 {
		bad(SeverityWarning, fmt.Sprintf("%d trailing bytes are not a whole 34-byte entry (Kafka ignores them)", tail))
	}
	for _, f := range state.CheckTxnIndex(entries, s.BaseOffset) {
		bad(SeverityError, f.String())
	}
	w.rep.TxnIndexEntries += int64(len(entries))
	// Matching walks entries in marker order; an unordered file was reported
	// above, and sorting lets every entry still find its marker.
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].LastOffset < entries[j].LastOffset })
	w.entries = entries
	return nil
}

func (w *txnWalker) batch(f io.ReaderAt, b *format.Batch) error {
	rep := w.rep
	rep.Batches++
	if w.firstPresent < 0 {
		w.firstPresent = b.BaseOffset
	}
	if n := b.NextOffset(); n > rep.LogEndOffset {
		rep.LogEndOffset = n
	}
	if b.Magic < 2 {
		return nil
	}
	if b.IsControl() {
		if !b.IsTransactional() {
			return nil // KRaft control batches (LEADER_CHANGE, snapshots) are not markers
		}
		cr, ok, err := w.readControl(f, b)
		if err != nil || !ok {
			return err
		}
		if cr.IsMarker() {
			w.marker(b, cr.Type)
		}
		return nil
	}
	if !b.IsTransactional() {
		return nil
	}
	rep.TransactionalBatches++
	var t *OpenTxn
	for _, o := range w.open[b.ProducerID] {
		if o.ProducerEpoch == b.ProducerEpoch {
			t = o
			break
		}
	}
	if t == nil {
		t = &OpenTxn{ProducerID: b.ProducerID, ProducerEpoch: b.ProducerEpoch, FirstOffset: b.BaseOffset, MaxTimestamp: -1, AgeMs: -1, File: w.file}
		w.open[b.ProducerID] = append(w.open[b.ProducerID], t)
	}
	t.LastOffset = b.LastOffset()
	t.Batches++
	t.Records += int64(b.NumRecords)
	if b.MaxTimestamp > t.MaxTimestamp {
		t.MaxTimestamp = b.MaxTimestamp
	}
	return nil
}

// readControl loads a control batch (the header-only reader skipped its
// body) and parses its single record. ok is false when the record could not
// be read; that is a finding, not an error.
func (w *txnWalker) readControl(f io.ReaderAt, b *format.Batch) (cr format.ControlRecord, ok bool, err error) {
	bad := func(detail string) (format.ControlRecord, bool, error) {
		w.add(TxnFinding{Kind: KindBadControlRecord, Severity: SeverityError, File: w.file, Offset: b.BaseOffset,
			ProducerID: b.ProducerID, ProducerEpoch: b.ProducerEpoch, Detail: detail})
		return cr, false, nil
	}
	rec, problem, err := w.control.first(f, b, w.file)
	if err != nil {
		return cr, false, err
	}
	if rec == nil {
		return bad(problem)
	}
	cr, err = format.ParseControlRecord(rec.Key, rec.Value)
	if err != nil {
		return bad(err.Error())
	}
	return cr, true, nil
}

func (w *txnWalker) marker(b *format.Batch, typ format.ControlType) {
	rep := w.rep
	pid, epoch, offset := b.ProducerID, b.ProducerEpoch, b.BaseOffset
	rep.Markers++
	var closed, kept []*OpenTxn
	for _, t := range w.open[pid] {
		if t.ProducerEpoch <= epoch {
			closed = append(closed, t)
		} else {
			kept = append(kept, t)
		}
	}
	if len(kept) == 0 {
		delete(w.open, pid)
	} else {
		w.open[pid] = kept
	}
	first := int64(-1)
	var records int64
	for _, t := range closed {
		records += t.Records
		if first < 0 || t.FirstOffset < first {
			first = t.FirstOffset
		}
	}
	switch {
	case len(closed) == 0 && len(kept) > 0:
		w.add(TxnFinding{Kind: KindMarkerEpochBelowData, Severity: SeverityError, File: w.file, Offset: offset, ProducerID: pid, ProducerEpoch: epoch,
			Detail: fmt.Sprintf("%s marker with epoch %d, but the open transaction from offset %d has epoch %d; it stays open",
				typ, epoch, kept[0].FirstOffset, kept[0].ProducerEpoch)})
	case len(closed) == 0:
		rep.MarkersWithoutData++
		w.add(TxnFinding{Kind: KindMarkerWithoutData, Severity: SeverityInfo, File: w.file, Offset: offset, ProducerID: pid, ProducerEpoch: epoch,
			Detail: fmt.Sprintf("%s marker with no transactional data from this producer in the log (%s, or none was written)", typ, w.removedBy())})
	}
	if typ == format.ControlCommit {
		rep.Committed++
		rep.CommittedRecords += records
	} else {
		rep.Aborted++
		rep.AbortedRecords += records
	}
	w.matchTxnIndex(offset, pid, epoch, typ, first)
}

// matchTxnIndex checks the marker at offset against the segment's .txnindex
// entries (both in offset order): entries before it have no marker, an ABORT
// needs an entry at its offset, a COMMIT must have none.
func (w *txnWalker) matchTxnIndex(offset, pid int64, epoch int16, typ format.ControlType, first int64) {
	for w.next < len(w.entries) && w.entries[w.next].LastOffset < offset {
		w.orphan(w.entries[w.next])
		w.next++
	}
	var e *state.AbortedTxn
	if w.next < len(w.entries) && w.entries[w.next].LastOffset == offset {
		e = &w.entries[w.next]
		w.next++
	}
	txnindex := w.txnIndexName()
	if typ == format.ControlCommit {
		if e != nil {
			w.add(TxnFinding{Kind: KindTxnIndexMismatch, Severity: SeverityError, File: txnindex, Offset: offset, ProducerID: pid, ProducerEpoch: epoch,
				Detail: fmt.Sprintf("aborted-transaction entry (producerId %d, firstOffset %d) points at a COMMIT marker", e.ProducerID, e.FirstOffset)})
		}
		return
	}
	switch state.CheckAbortEntry(e, pid, first, w.firstPresent) {
	case state.AbortEntryMissing:
		w.add(TxnFinding{Kind: KindTxnIndexMissingEntry, Severity: SeverityError, File: txnindex, Offset: offset, ProducerID: pid, ProducerEpoch: epoch,
			Detail: "ABORT marker has no aborted-transaction entry: read_committed consumers would be served the aborted records"})
	case state.AbortEntryWrongProducer:
		w.add(TxnFinding{Kind: KindTxnIndexMismatch, Severity: SeverityError, File: txnindex, Offset: offset, ProducerID: pid, ProducerEpoch: epoch,
			Detail: fmt.Sprintf("entry at the ABORT marker has producerId %d, the marker %d", e.ProducerID, pid)})
	case state.AbortEntryWrongFirstOffset:
		w.add(TxnFinding{Kind: KindTxnIndexMismatch, Severity: SeverityError, File: txnindex, Offset: offset, ProducerID: pid, ProducerEpoch: epoch,
			Detail: fmt.Sprintf("entry has firstOffset %d, but the aborted transaction starts at %d", e.FirstOffset, first)})
	}
	// AbortEntryNoData (an empty transaction, for which Kafka writes no
	// entry, or deleted data) is already reported as a marker without data.
}

// removedBy names what can have removed a marker's data, claiming only what
// the directory shows: compaction when the log cleaner has a checkpoint for
// the partition and the log start offset never moved (retention and
// DeleteRecords move it; LogLoader.java), else both.
func (w *txnWalker) removedBy() string {
	if w.compacted && w.rep.LogStartOffset == 0 {
		return "removed by log compaction"
	}
	if w.compacted {
		return "removed by log compaction or deleted by retention"
	}
	return "deleted by retention or removed by log compaction"
}

func (w *txnWalker) orphan(e state.AbortedTxn) {
	w.add(TxnFinding{Kind: KindTxnIndexOrphanEntry, Severity: SeverityError, File: w.txnIndexName(), Offset: e.LastOffset, ProducerID: e.ProducerID, ProducerEpoch: -1,
		Detail: fmt.Sprintf("aborted-transaction entry (firstOffset %d, lastOffset %d) has no ABORT marker at its lastOffset", e.FirstOffset, e.LastOffset)})
}

func (w *txnWalker) txnIndexName() string {
	return w.file[:len(w.file)-len(segment.LogSuffix)] + segment.TxnIndexSuffix
}

func (w *txnWalker) finish() {
	rep := w.rep
	for _, ts := range w.open {
		for _, t := range ts {
			if w.opts.Now != 0 && t.MaxTimestamp >= 0 {
				t.AgeMs = w.opts.Now - t.MaxTimestamp
			}
			rep.Open = append(rep.Open, *t)
		}
	}
	sort.Slice(rep.Open, func(i, j int) bool { return rep.Open[i].FirstOffset < rep.Open[j].FirstOffset })
	rep.OpenTransactions = len(rep.Open)
	rep.LastStableOffset = rep.LogEndOffset
	if len(rep.Open) > 0 {
		rep.LastStableOffset = rep.Open[0].FirstOffset
	}
	for _, t := range rep.Open {
		age := "unknown age"
		if t.AgeMs >= 0 {
			age = "age " + FormatAge(t.AgeMs)
		}
		w.add(TxnFinding{Kind: KindHangingTransaction, Severity: SeverityError, File: t.File, Offset: t.FirstOffset, ProducerID: t.ProducerID, ProducerEpoch: t.ProducerEpoch,
			Detail: fmt.Sprintf("open transaction: offsets %d..%d, %d batches, %d records, %s, no COMMIT/ABORT marker; last stable offset held at %d",
				t.FirstOffset, t.LastOffset, t.Batches, t.Records, age, rep.LastStableOffset)})
	}
}

// FormatAge renders milliseconds as a short duration: "850ms", "42s",
// "3m20s", "5h07m", "12d03h".
func FormatAge(ms int64) string {
	neg := ""
	if ms < 0 {
		neg, ms = "-", -ms
	}
	s := ms / 1000
	switch {
	case ms < 1000:
		return fmt.Sprintf("%s%dms", neg, ms)
	case s < 60:
		return fmt.Sprintf("%s%ds", neg, s)
	case s < 3600:
		return fmt.Sprintf("%s%dm%02ds", neg, s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%s%dh%02dm", neg, s/3600, s%3600/60)
	}
	return fmt.Sprintf("%s%dd%02dh", neg, s/86400, s%86400/3600)
}
