package commands

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
)

// pinnedNow is one hour after the sample's first record (fixtures.BaseTime).
const pinnedNow = "2024-01-01T01:00:00Z"

func TestTxnGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"txn-text", []string{"txn", "--now", pinnedNow, sample}},
		{"txn-json", []string{"txn", "--json", "--now", pinnedNow, sample}},
		{"txn-hanging", []string{"txn", "--now", pinnedNow, "HANGING"}},
		{"txn-hanging-json", []string{"txn", "--json", "--now", pinnedNow, "HANGING"}},
	}
	hanging := hangingPartition(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantCode := ExitOK
			for i, a := range tc.args {
				if a == "HANGING" {
					tc.args[i] = hanging
					wantCode = ExitFindings
				}
			}
			dir := tc.args[len(tc.args)-1]
			before := testutil.HashTree(t, dir)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, dir, before)
			if code != wantCode {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, wantCode, errOut)
			}
			testutil.Golden(t, filepath.Join("../testdata/golden", tc.name+".golden"), []byte(out), *update)
		})
	}
}

// hangingPartition writes a partition "payments-3" holding a committed
// transaction, an ABORT whose .txnindex entry is missing, and a transaction
// left open by producer 77, in a temporary directory.
func hangingPartition(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "payments-3")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	const base int64 = 1704067200000
	opts := func(offset, pid int64, epoch int16, txn bool) format.BatchOptions {
		return format.BatchOptions{Magic: 2, BaseOffset: offset, ProducerID: pid, ProducerEpoch: epoch, BaseSequence: 0, Transactional: txn}
	}
	msgs := func(n int, ts int64) []format.Message {
		m := make([]format.Message, n)
		for i := range m {
			m[i] = format.Message{Value: []byte("payment"), Timestamp: ts}
		}
		return m
	}
	var log []byte
	var err error
	add := func(f func() ([]byte, error)) {
		if err == nil {
			log, err = f()
		}
	}
	add(func() ([]byte, error) { return format.AppendBatch(log, opts(0, 66, 0, true), msgs(2, base)) })
	add(func() ([]byte, error) {
		return format.AppendEndTxnMarker(log, opts(2, 66, 0, true), format.ControlCommit, 1, base+1000)
	})
	add(func() ([]byte, error) { return format.AppendBatch(log, opts(3, 77, 4, true), msgs(3, base+2000)) })
	add(func() ([]byte, error) { return format.AppendBatch(log, opts(6, 88, 0, true), msgs(1, base+3000)) })
	add(func() ([]byte, error) {
		return format.AppendEndTxnMarker(log, opts(7, 88, 0, true), format.ControlAbort, 1, base+4000)
	})
	add(func() ([]byte, error) { return format.AppendBatch(log, opts(8, -1, -1, false), msgs(2, base+5000)) })
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, segment.FileName(0, segment.LogSuffix)), log, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestTxnHangingJSON(t *testing.T) {
	out, _, code := run(t, "txn", "--json", "--now", "1704070800000", hangingPartition(t))
	if code != ExitFindings {
		t.Fatalf("exit %d", code)
	}
	var types []string
	var open struct {
		ProducerID  int64 `json:"producerId"`
		FirstOffset int64 `json:"firstOffset"`
		AgeMs       int64 `json:"ageMs"`
	}
	var part struct {
		LastStableOffset int64 `json:"lastStableOffset"`
		LogEndOffset     int64 `json:"logEndOffset"`
	}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var obj struct {
			Type          string `json:"type"`
			SchemaVersion int    `json:"schemaVersion"`
		}
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil || obj.SchemaVersion != 1 {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		types = append(types, obj.Type)
		switch obj.Type {
		case "openTransaction":
			json.Unmarshal(sc.Bytes(), &open)
		case "partition":
			json.Unmarshal(sc.Bytes(), &part)
		}
	}
	if got := strings.Join(types, ","); got != "finding,finding,openTransaction,partition,summary" {
		t.Errorf("types %s", got)
	}
	if open.ProducerID != 77 || open.FirstOffset != 3 || open.AgeMs != 3_600_000-2000 {
		t.Errorf("open %+v", open)
	}
	if part.LastStableOffset != 3 || part.LogEndOffset != 10 {
		t.Errorf("partition %+v", part)
	}
}

func TestTxnUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"txn"},
		{"txn", "--now", "yesterday", sample},
		{"txn", "--color", "sometimes", sample},
		{"txn", sample + "/orders-0/00000000000000000000.log"},
	} {
		if _, errOut, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, errOut)
		}
	}
	if _, _, code := run(t, "txn", "/nonexistent/dir"); code != ExitFailure {
		t.Errorf("missing dir: exit %d", code)
	}
}

func TestTxnColour(t *testing.T) {
	out, _, code := run(t, "txn", "--color", "always", "--now", pinnedNow, hangingPartition(t))
	if code != ExitFindings || !strings.Contains(out, "\x1b[") {
		t.Errorf("exit %d, no colour in %q", code, out)
	}
	out, _, _ = run(t, "txn", "--now", pinnedNow, hangingPartition(t))
	if strings.Contains(out, "\x1b[") {
		t.Errorf("colour without a terminal: %q", out)
	}
}
