package commands

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// runWithInput executes kseg in-process with stdin.
func runWithInput(t testing.TB, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	app := NewApp(strings.NewReader(stdin), &out, &errb)
	err := app.RunContext(context.Background(), reorderArgs(app, append([]string{"kseg"}, args...)))
	code := ExitCode(err, &errb)
	return out.String(), errb.String(), code
}

// readRecords deep-reads every record of a partition.
func readRecords(t *testing.T, dir string) (recs []format.Record, batches []format.Batch) {
	t.Helper()
	p, err := segment.OpenPartition(dir)
	if err != nil {
		t.Fatal(err)
	}
	d := format.NewRecordDecoder(format.DecoderOptions{})
	for _, s := range p.Segments {
		b, err := os.ReadFile(s.Log)
		if err != nil {
			t.Fatal(err)
		}
		r := format.NewBatchReader(bytes.NewReader(b), int64(len(b)), format.ReaderOptions{})
		for {
			bt, err := r.Next()
			if err != nil {
				break
			}
			if !bt.Valid {
				t.Fatalf("invalid batch at %d", bt.Position)
			}
			batches = append(batches, *bt)
			if err := d.Reset(bt); err != nil {
				t.Fatal(err)
			}
			for {
				rec, err := d.Next()
				if err != nil {
					break
				}
				c := *rec
				c.Key, c.Value = bytes.Clone(rec.Key), bytes.Clone(rec.Value)
				c.Headers = nil
				for _, h := range rec.Headers {
					c.Headers = append(c.Headers, format.Header{Key: bytes.Clone(h.Key), Value: bytes.Clone(h.Value)})
				}
				recs = append(recs, c)
			}
		}
	}
	return recs, batches
}

func TestAppendLines(t *testing.T) {
	logDir := t.TempDir()
	out, errOut, code := runWithInput(t, "k1:v1\nk2:v2:x\n:empty-key\n", "append", "--topic", "orders", "--partition", "2",
		"--key-separator", ":", "--timestamp", "1700000000000", logDir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	want := "partition: orders-2 firstOffset: 0 lastOffset: 2 batches: 1 records: 3 bytes: 101 nextOffset: 3 leaderEpoch: 0 segmentsRolled: 0 created: true\n"
	if out != want {
		t.Errorf("stdout %q, want %q", out, want)
	}
	recs, _ := readRecords(t, filepath.Join(logDir, "orders-2"))
	if len(recs) != 3 || string(recs[1].Key) != "k2" || string(recs[1].Value) != "v2:x" || recs[2].Key == nil || len(recs[2].Key) != 0 {
		t.Fatalf("records %+v", recs)
	}
	if recs[0].Timestamp != 1700000000000 {
		t.Errorf("timestamp %d", recs[0].Timestamp)
	}
	// Appending again continues at the log end offset, through the PATH form.
	out, _, code = runWithInput(t, "a\nb\n", "append", filepath.Join(logDir, "orders-2"), "--json")
	var s struct {
		Schema int `json:"schema"`
		appender.Summary
	}
	if code != ExitOK || json.Unmarshal([]byte(out), &s) != nil || s.FirstOffset != 3 || s.NextOffset != 5 || s.Schema != 1 || s.Created {
		t.Errorf("second append: %d %q", code, out)
	}
}

func TestAppendJSONLAndCodecs(t *testing.T) {
	in := `{"key":"a2V5","value":"dmFsdWU=","headers":[{"key":"h","value":"aHY="},{"key":"n","value":null}],"timestamp":42}
{"key":null,"value":null}

{"value":"eA=="}
`
	for _, magic := range []string{"0", "1", "2"} {
		for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
			if magic != "2" && codec == "zstd" {
				continue
			}
			logDir := t.TempDir()
			input := in
			if magic != "2" { // no headers before v2
				input = strings.Replace(in, `,"headers":[{"key":"h","value":"aHY="},{"key":"n","value":null}]`, "", 1)
			}
			_, errOut, code := runWithInput(t, input, "append", "--topic", "t", "--partition", "0", "--format", "jsonl",
				"--key-encoding", "base64", "--value-encoding", "base64", "--magic", magic, "--compression", codec, "--batch-records", "2", logDir)
			if code != ExitOK {
				t.Fatalf("magic %s %s: exit %d: %s", magic, codec, code, errOut)
			}
			recs, _ := readRecords(t, filepath.Join(logDir, "t-0"))
			if len(recs) != 3 {
				t.Fatalf("magic %s %s: %d records", magic, codec, len(recs))
			}
			if string(recs[0].Key) != "key" || string(recs[0].Value) != "value" || recs[1].Key != nil || recs[1].Value != nil || string(recs[2].Value) != "x" {
				t.Errorf("magic %s %s: records %+v", magic, codec, recs)
			}
			for i, r := range recs {
				if r.Offset != int64(i) {
					t.Errorf("magic %s %s: record %d offset %d", magic, codec, i, r.Offset)
				}
			}
			if magic == "2" && (len(recs[0].Headers) != 2 || string(recs[0].Headers[0].Value) != "hv" || recs[0].Headers[1].Value != nil) {
				t.Errorf("%s: headers %+v", codec, recs[0].Headers)
			}
			if magic != "0" && recs[0].Timestamp != 42 {
				t.Errorf("magic %s: timestamp %d", magic, recs[0].Timestamp)
			}
		}
	}
}

// TestAppendBadInput: a bad line is reported with its number, exit 1, and the
// partition is left exactly as it was.
func TestAppendBadInput(t *testing.T) {
	logDir := t.TempDir()
	dir := filepath.Join(logDir, "t-0")
	if _, e, code := runWithInput(t, "one\n", "append", dir); code != ExitOK {
		t.Fatal(e)
	}
	before := testutil.HashTree(t, dir)
	cases := []struct {
		name, in string
		args     []string
		want     string
	}{
		{"json", "{\"value\":\"a\"}\n{\"value\":\n", []string{"--format", "jsonl"}, "line 2"},
		{"unknown-field", "{\"valu\":\"a\"}\n", []string{"--format", "jsonl"}, "line 1"},
		{"base64", "{\"value\":\"YQ==\"}\n\n{\"value\":\"!!\"}\n", []string{"--format", "jsonl", "--value-encoding", "base64"}, "line 3"},
		{"separator", "a:b\nnosep\n", []string{"--key-separator", ":"}, "line 2"},
		{"headers-v1", "{\"value\":\"a\",\"headers\":[{\"key\":\"h\",\"value\":\"v\"}]}\n", []string{"--format", "jsonl", "--magic", "1"}, "line 1"},
		{"raw", "garbage-garbage-garbage-garbage", []string{"--format", "raw-batches"}, "batch 1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := runWithInput(t, tc.in, append([]string{"append", dir}, tc.args...)...)
			if code != ExitFindings || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d, stderr %q, want %q", code, errOut, tc.want)
			}
			testutil.RequireUnchanged(t, dir, before)
		})
	}
}

func TestAppendUsageErrors(t *testing.T) {
	logDir := t.TempDir()
	for _, args := range [][]string{
		{"append"},
		{"append", "--magic", "3", logDir + "/t-0"},
		{"append", "--magic", "1", "--compression", "zstd", logDir + "/t-0"},
		{"append", "--compression", "brotli", logDir + "/t-0"},
		{"append", "--transaction", "commit", logDir + "/t-0"},
		{"append", "--topic", "t", logDir},
		{"append", "--topic", "bad topic", "--partition", "0", logDir},
		{"append", "--format", "xml", logDir + "/t-0"},
		{"append", "--fsync", "sometimes", logDir + "/t-0"},
	} {
		if _, errOut, code := runWithInput(t, "x\n", args...); code != ExitUsage {
			t.Errorf("%v: exit %d (%s)", args, code, errOut)
		}
	}
}

func TestAppendLockedAndDamaged(t *testing.T) {
	logDir := t.TempDir()
	dir := filepath.Join(logDir, "t-0")
	release, err := fsutil.AcquireLock(logDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := runWithInput(t, "x\n", "append", dir); code != ExitFailure || !strings.Contains(errOut, "locked") {
		t.Errorf("locked: exit %d %s", code, errOut)
	}
	release()
	if _, e, code := runWithInput(t, "x\ny\n", "append", dir); code != ExitOK {
		t.Fatal(e)
	}
	testutil.MustTruncate(t, filepath.Join(dir, segment.FileName(0, segment.LogSuffix)), 50)
	_, errOut, code := runWithInput(t, "z\n", "append", dir)
	if code != ExitFindings || !strings.Contains(errOut, "kseg repair") {
		t.Errorf("torn: exit %d %s", code, errOut)
	}
}

func TestAppendTransactionAndRaw(t *testing.T) {
	logDir := t.TempDir()
	dir := filepath.Join(logDir, "t-0")
	_, errOut, code := runWithInput(t, "a\nb\nc\n", "append", dir, "--producer-id", "77", "--producer-epoch", "3",
		"--base-sequence", "10", "--batch-records", "2", "--transaction", "abort", "--coordinator-epoch", "9")
	if code != ExitOK {
		t.Fatal(errOut)
	}
	_, batches := readRecords(t, dir)
	if len(batches) != 3 {
		t.Fatalf("%d batches", len(batches))
	}
	if batches[0].BaseSequence != 10 || batches[1].BaseSequence != 12 || !batches[0].IsTransactional() || !batches[2].IsControl() {
		t.Errorf("batches %+v", batches)
	}
	b, err := os.ReadFile(filepath.Join(dir, segment.FileName(0, segment.TxnIndexSuffix)))
	if err != nil {
		t.Fatal(err)
	}
	txns, _, _ := state.DecodeTxnIndex(b)
	if len(txns) != 1 || txns[0] != (state.AbortedTxn{ProducerID: 77, FirstOffset: 0, LastOffset: 3, LastStableOffset: 4}) {
		t.Errorf("txnindex %+v", txns)
	}
	// On close the producer snapshot at the log end offset records the
	// producer as ProducerStateManager does after the abort marker.
	b, err = os.ReadFile(filepath.Join(dir, segment.FileName(4, segment.SnapshotSuffix)))
	if err != nil {
		t.Fatal(err)
	}
	snap, err := state.DecodeProducerSnapshot(b)
	if err != nil || len(snap.Entries) != 1 {
		t.Fatalf("snapshot %+v %v", snap, err)
	}
	if e := snap.Entries[0]; e.ProducerID != 77 || e.ProducerEpoch != 3 || e.LastSequence != 12 || e.LastOffset != 2 ||
		e.OffsetDelta != 0 || e.CoordinatorEpoch != 9 || e.CurrentTxnFirstOffset != -1 {
		t.Errorf("snapshot entry %+v", e)
	}
	if _, _, code := runKseg(t, "verify", logDir); code != ExitOK {
		t.Errorf("verify after append: exit %d", code)
	}
	// Copy the whole log into another partition as raw batches.
	raw, _ := os.ReadFile(filepath.Join(dir, segment.FileName(0, segment.LogSuffix)))
	dir2 := filepath.Join(logDir, "copy-0")
	if _, e, code := runWithInput(t, "x\n", "append", dir2); code != ExitOK {
		t.Fatal(e)
	}
	out, errOut, code := runWithInput(t, string(raw), "append", dir2, "--format", "raw-batches")
	if code != ExitOK || !strings.Contains(out, "firstOffset: 1 lastOffset: 4 batches: 3 records: 3") {
		t.Fatalf("raw: %d %q %s", code, out, errOut)
	}
	b, _ = os.ReadFile(filepath.Join(dir2, segment.FileName(0, segment.TxnIndexSuffix)))
	txns, _, _ = state.DecodeTxnIndex(b)
	if len(txns) != 1 || txns[0].FirstOffset != 1 || txns[0].LastOffset != 4 {
		t.Errorf("copied txnindex %+v", txns)
	}
}
