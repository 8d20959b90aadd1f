package dump

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"

	"github.com/kseg/kseg/analyze"
)

// TxnWriter renders `kseg txn`: per partition, its findings (hanging
// transactions included) as they arrive, then one bounded table of the
// partitions that have transactional data, markers or findings, then the
// summary line. With JSON it writes NDJSON objects typed "finding",
// "openTransaction", "partition" and, last, "summary". Not safe for
// concurrent use.
type TxnWriter struct {
	w      io.Writer
	json   bool
	colour bool
	rows   []analyze.TxnReport // table rows, Open/Findings dropped
	quiet  int                 // partitions without transactions (not in the table)
	err    error               // sticky write error
}

// NewTxnWriter returns a writer to w. colour is decided by commands (--color).
func NewTxnWriter(w io.Writer, jsonOut, colour bool) *TxnWriter {
	return &TxnWriter{w: w, json: jsonOut, colour: colour}
}

// Partition renders r's findings and open transactions and keeps its row.
func (t *TxnWriter) Partition(r *analyze.TxnReport) error {
	if t.json {
		for i := range r.Findings {
			t.writeJSON("finding", r.Findings[i])
		}
		for i := range r.Open {
			t.writeJSON("openTransaction", struct {
				Partition string `json:"partition"`
				analyze.OpenTxn
			}{r.Partition, r.Open[i]})
		}
		t.writeJSON("partition", r)
		return t.err
	}
	for i := range r.Findings {
		t.print(FormatTxnFinding(&r.Findings[i], t.colour) + "\n")
	}
	if r.FindingsOmitted > 0 {
		t.print(fmt.Sprintf("%s: %d more findings not listed\n", r.Partition, r.FindingsOmitted))
	}
	if r.TransactionalBatches == 0 && r.Markers == 0 && r.Errors+r.Warnings+r.Infos == 0 {
		t.quiet++
		return t.err
	}
	row := *r
	row.Open, row.Findings = nil, nil
	t.rows = append(t.rows, row)
	return t.err
}

// FormatTxnFinding renders one finding as a line (no newline):
//
//	error: orders-0/00000000000000000020.txnindex: offset 26: producerId 5000 epoch 2: txnindex-missing-entry: …
func FormatTxnFinding(f *analyze.TxnFinding, colour bool) string {
	s := Paint(string(f.Severity), string(f.Severity), colour) + ": " + f.Partition + "/" + f.File
	if f.Offset >= 0 {
		s += ": offset " + strconv.FormatInt(f.Offset, 10)
	}
	if f.ProducerID >= 0 {
		s += ": producerId " + strconv.FormatInt(f.ProducerID, 10)
		if f.ProducerEpoch >= 0 {
			s += " epoch " + strconv.Itoa(int(f.ProducerEpoch))
		}
	}
	return s + ": " + f.Kind + ": " + f.Detail
}

// Finish writes the table (text) and the summary, last.
func (t *TxnWriter) Finish(sum analyze.TxnSummary) error {
	if t.json {
		t.writeJSON("summary", sum)
		return t.err
	}
	if len(t.rows) > 0 && t.err == nil {
		rows := make([][]string, 0, len(t.rows))
		for _, r := range t.rows {
			rows = append(rows, []string{r.Partition, i64(r.LogStartOffset), i64(r.LogEndOffset), i64(r.LastStableOffset),
				i64(r.TransactionalBatches),
				fmt.Sprintf("%d (%d records)", r.Committed, r.CommittedRecords),
				fmt.Sprintf("%d (%d records)", r.Aborted, r.AbortedRecords),
				strconv.Itoa(r.OpenTransactions), i64(r.MarkersWithoutData), i64(r.TxnIndexEntries),
				fmt.Sprintf("%d/%d/%d", r.Errors, r.Warnings, r.Infos)})
		}
		t.err = WriteTable(t.w, []string{"partition", "log start", "log end", "last stable", "txn batches",
			"committed", "aborted", "open", "markers w/o data", "txnindex entries", "errors/warnings/infos"}, rows)
	}
	if t.quiet > 0 {
		t.print(fmt.Sprintf("%d partitions without transactions not shown\n", t.quiet))
	}
	t.print(fmt.Sprintf("analysed %d partitions, %d batches: %d committed, %d aborted, %d open transactions, %d markers without data; %d errors, %d warnings, %d infos\n",
		sum.Partitions, sum.Batches, sum.Committed, sum.Aborted, sum.OpenTransactions, sum.MarkersWithoutData, sum.Errors, sum.Warnings, sum.Infos))
	return t.err
}

func (t *TxnWriter) writeJSON(typ string, v any) {
	if t.err != nil {
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		t.err = fmt.Errorf("kseg/dump: %w", err)
		return
	}
	t.print(typedJSONLine(typ, body))
}

func (t *TxnWriter) print(s string) {
	if t.err == nil {
		_, t.err = io.WriteString(t.w, s)
	}
}

// typedJSONLine prefixes a JSON object with its "type" and "schemaVersion"
// keys, so every NDJSON line starts the same way.
func typedJSONLine(typ string, obj []byte) string {
	head := `{"type":` + strconv.Quote(typ) + `,"schemaVersion":` + strconv.Itoa(SchemaVersion)
	if len(obj) <= 2 { // "{}"
		return head + "}\n"
	}
	return head + "," + string(obj[1:]) + "\n"
}

func i64(v int64) string { return strconv.FormatInt(v, 10) }
