package commands

import (
	"bufio"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
)

// TestFindSample runs kseg find on the sample: the golden text and JSON
// output, exit codes (0 found, 1 none, 2 usage, 3 I/O) and the read-only
// invariant.
func TestFindSample(t *testing.T) {
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"find-key", []string{"find", "--sort", "--key", "key-1", sample}, ExitOK},
		{"find-header-json", []string{"find", "--sort", "--json", "--header", "trace-id=t0013", sample}, ExitOK},
		{"find-time-producer", []string{"find", "--sort", "--from-time", "2024-01-01T00:00:13Z", "--to-time", "1704067230000", "--producer-id", "5000", sample}, ExitOK},
		{"find-aborted-stats", []string{"find", "--sort", "--aborted", "--json", "--stats", sample}, ExitOK},
		{"find-count", []string{"find", "--count", "--value-regex", "value [0-9]$", "--topic", "orders", "--partition", "0", sample}, ExitOK},
		{"find-none", []string{"find", "--key", "no-such-key", sample}, ExitFindings},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.HashTree(t, sample)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, sample, before)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s", code, tc.code, errOut)
			}
			testutil.Golden(t, filepath.Join("../testdata/golden", tc.name+".golden"), []byte(out), *update)
		})
	}
	for _, bad := range [][]string{
		{"find", "--from-time", "yesterday", sample},
		{"find", "--key-regex", "(", sample},
		{"find", "--value-decoder", "rot13", sample},
		{"find", "--from-offset", "9", "--to-offset", "3", sample},
		// Regression: negative values read as "no filter" and matched all.
		{"find", "--producer-id", "-1", sample},
		{"find", "--from-offset", "-3", sample},
		{"find", "--to-offset", "-2", sample},
		{"find", "--max-decompressed-bytes", "0", "--value", "v", sample},
		{"dump", "--max-decompressed-bytes", "-5", sample},
		{"dump", "--from-offset", "30", "--to-offset", "10", sample},
		{"dump", "--deep-iteration", "--workers", "-1", sample},
		{"find"},
	} {
		if _, _, code := run(t, bad...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", bad, code, ExitUsage)
		}
	}
	if _, _, code := run(t, "find", filepath.Join(t.TempDir(), "missing")); code != ExitFailure {
		t.Errorf("missing path: exit %d, want %d", code, ExitFailure)
	}
	// A --topic that selects nothing says so (it read as "no match").
	if _, errOut, code := run(t, "find", "--topic", "ordres", sample); code != ExitFindings || !strings.Contains(errOut, "no segment of the selected --topic/--partition") {
		t.Errorf("misspelt topic: exit %d, stderr %q", code, errOut)
	}
	if _, errOut, code := run(t, "find", "--topic", "orders", "--key", "no-such-key", sample); code != ExitFindings || errOut != "" {
		t.Errorf("no match in a selected topic: exit %d, stderr %q", code, errOut)
	}
	// Regression: a directory that is neither a log dir nor a partition
	// (an empty dir, a parent of log dirs) answered "no matches" (exit 1,
	// silent) as if it had been searched; verify calls it I/O failure.
	if _, errOut, code := run(t, "find", "--count", t.TempDir()); code != ExitFailure || !strings.Contains(errOut, "no partitions or segment files") {
		t.Errorf("empty dir: exit %d, want %d; stderr %q", code, ExitFailure, errOut)
	}
	if _, errOut, code := run(t, "find", "--key", "x", filepath.Dir(sample)); code != ExitFailure || !strings.Contains(errOut, "no partitions or segment files") {
		t.Errorf("parent of a log dir: exit %d, want %d; stderr %q", code, ExitFailure, errOut)
	}
}

// TestFindJSONShape: every line is an object; records carry the issue's
// members; the stats object comes last.
func TestFindJSONShape(t *testing.T) {
	out, _, code := run(t, "find", "--json", "--stats", "--value", "value", sample)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var types []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var obj map[string]any
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatalf("%v: %s", err, sc.Text())
		}
		types = append(types, obj["type"].(string))
		if obj["type"] == "record" {
			for _, k := range []string{"topic", "partition", "offset", "timestamp", "key", "payload", "headers"} {
				if _, ok := obj[k]; !ok {
					t.Fatalf("record without %q: %s", k, sc.Text())
				}
			}
			if _, ok := obj["partition"].(float64); !ok {
				t.Fatalf("partition is not a number: %s", sc.Text())
			}
		}
	}
	if len(types) < 2 || types[len(types)-1] != "stats" {
		t.Fatalf("types %v: want records then one stats object", types)
	}
	for _, ty := range types[:len(types)-1] {
		if ty != "record" {
			t.Fatalf("types %v", types)
		}
	}
}

// TestFindSortMaxResultsDeterministic: without --sort the N matches kept by
// --max-results depend on worker timing (documented in --sort's help); with
// --sort they are the first N in (topic, partition, offset) order, every run.
func TestFindSortMaxResultsDeterministic(t *testing.T) {
	all, _, code := run(t, "find", "--sort", "--workers", "1", "--value", "value", sample)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	lines := strings.SplitAfter(all, "\n")
	if len(lines) < 4 {
		t.Fatalf("too few matches:\n%s", all)
	}
	want := strings.Join(lines[:3], "")
	for i := 0; i < 5; i++ {
		got, _, code := run(t, "find", "--sort", "--max-results", "3", "--workers", "4", "--value", "value", sample)
		if code != ExitOK || got != want {
			t.Fatalf("run %d: exit %d\n%s\nwant\n%s", i, code, got, want)
		}
	}
}
