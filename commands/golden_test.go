package commands

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
)

var update = flag.Bool("update", false, "rewrite golden files")

const sample = "../testdata/sample"

// run executes kseg in-process and returns stdout, stderr and the exit code.
func run(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	app := NewApp(strings.NewReader(""), &out, &errb)
	err := app.RunContext(context.Background(), reorderArgs(app, append([]string{"kseg"}, args...)))
	code := ExitCode(err, &errb)
	return out.String(), errb.String(), code
}

func TestDumpGolden(t *testing.T) {
	o := sample + "/orders-0/"
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"dump-shallow", []string{"dump", sample + "/orders-0"}, 0},
		{"dump-deep", []string{"dump", "--deep-iteration", sample}, 0},
		{"dump-data", []string{"dump", "--print-data-log", sample}, 0},
		{"dump-json", []string{"dump", "--json", "--print-data-log", sample}, 0},
		{"dump-json-shallow", []string{"dump", sample, "--json"}, 0},
		{"dump-decoders", []string{"dump", "--key-decoder", "redacted", "--value-decoder", "hex", sample + "/orders-0/00000000000000000020.log"}, 0},
		{"dump-skip-metadata", []string{"dump", "--print-data-log", "--skip-record-metadata", sample + "/orders-0"}, 0},
		{"dump-range", []string{"dump", "--deep-iteration", "--from-offset", "10", "--to-offset", "22", sample + "/orders-0"}, 0},
		{"dump-files-flag", []string{"dump", "--files", sample + "/legacy-v0-0/00000000000000000000.log," + sample + "/legacy-v1-0/00000000000000000000.log", "--print-data-log"}, 0},
		{"dump-index", []string{"dump", o + "00000000000000000000.index", o + "00000000000000000000.timeindex", o + "00000000000000000020.index"}, 0},
		{"dump-index-json", []string{"dump", "--json", o + "00000000000000000000.index", o + "00000000000000000000.timeindex"}, 0},
		{"dump-index-sanity", []string{"dump", "--index-sanity-check", o + "00000000000000000000.index", o + "00000000000000000000.timeindex"}, 0},
		{"dump-verify-index-only", []string{"dump", "--verify-index-only", o + "00000000000000000000.index", o + "00000000000000000000.timeindex"}, 0},
		{"dump-state", []string{"dump", o + "00000000000000000033.snapshot", o + "00000000000000000020.txnindex", o + "leader-epoch-checkpoint",
			o + "partition.metadata", sample + "/recovery-point-offset-checkpoint", sample + "/meta.properties"}, 0},
		{"dump-state-json", []string{"dump", "--json", o + "00000000000000000033.snapshot", o + "00000000000000000020.txnindex", o + "leader-epoch-checkpoint",
			o + "partition.metadata", sample + "/recovery-point-offset-checkpoint", sample + "/meta.properties"}, 0},
		{"lookup-offset", []string{"lookup", "--offset", "14", o}, 0},
		{"lookup-offset-json", []string{"lookup", "--offset", "25", "--json", o}, 0},
		{"lookup-timestamp", []string{"lookup", "--timestamp", "1704067211500", o}, 0},
		{"lookup-legacy-noindex-segment", []string{"lookup", "--offset", "8", sample + "/legacy-v0-0/00000000000000000000.log"}, 0},
		{"index-rebuild-up-to-date", []string{"index", "rebuild", "--index-interval-bytes", "256", o}, 0},
		// Indexes that differ from the recovery rule with every entry valid
		// are left alone (exit 0) unless --force.
		{"index-rebuild-default-interval", []string{"index", "rebuild", o}, 0},
		{"index-rebuild-force", []string{"index", "rebuild", "--force", o}, 1},
		{"index-rebuild-json", []string{"index", "rebuild", "--json", "--index-interval-bytes", "128", sample + "/legacy-v1-0"}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.HashTree(t, sample)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, sample, before)
			if code != tc.code {
				t.Fatalf("exit %d, want %d, stderr:\n%s", code, tc.code, errOut)
			}
			testutil.Golden(t, filepath.Join("../testdata/golden", tc.name+".golden"), []byte(out), *update)
		})
	}
}

func TestDumpUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"dump"},
		{"dump", "--key-decoder", "rot13", sample},
		{"dump", "--no-such-flag", sample},
	} {
		_, _, code := run(t, args...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
	_, errOut, code := run(t, "dump", "/nonexistent/00000000000000000000.log")
	if code != ExitFailure || !strings.Contains(errOut, "no such file") {
		t.Errorf("missing file: exit %d stderr %q", code, errOut)
	}
}

func TestLookupOutOfRange(t *testing.T) {
	_, errOut, code := run(t, "lookup", "--offset", "99", sample+"/orders-0")
	if code != ExitFindings || !strings.Contains(errOut, "offset 99 is past the last batch") {
		t.Fatalf("exit %d stderr %q", code, errOut)
	}
	_, _, code = run(t, "lookup", "--offset", "1", "--timestamp", "5", sample+"/orders-0")
	if code != ExitUsage {
		t.Fatalf("both flags: exit %d", code)
	}
}

// TestIndexRebuildLogDirIsUsageError: a log directory (or an empty one) was
// opened as a partition without segments, and the empty plan exited 0 as if
// every index were fine; now it is a usage error naming what to give.
func TestIndexRebuildLogDirIsUsageError(t *testing.T) {
	before := testutil.HashTree(t, sample)
	for _, dir := range []string{sample, t.TempDir()} {
		out, errOut, code := run(t, "index", "rebuild", dir)
		if code != ExitUsage || out != "" || !strings.Contains(errOut, "give a partition directory") {
			t.Errorf("%s: exit %d, want %d; stdout %q stderr %q", dir, code, ExitUsage, out, errOut)
		}
	}
	testutil.RequireUnchanged(t, sample, before)
	// An empty partition directory is a real (if idle) partition: nothing to do.
	empty := filepath.Join(t.TempDir(), "orders-3")
	if err := os.Mkdir(empty, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := run(t, "index", "rebuild", empty); code != ExitOK {
		t.Errorf("empty partition dir: exit %d: %s", code, errOut)
	}
	// lookup had the same hole: a log dir answered "offset 5 is before the
	// first segment (base offset -1)" with exit 1.
	if _, errOut, code := run(t, "lookup", "--offset", "5", sample); code != ExitUsage || !strings.Contains(errOut, "give a partition directory") {
		t.Errorf("lookup on a log dir: exit %d, stderr %q", code, errOut)
	}
	// An empty partition: out of range (exit 1), said plainly.
	if _, errOut, code := run(t, "lookup", "--offset", "5", empty); code != ExitFindings || !strings.Contains(errOut, "the partition has no segments") {
		t.Errorf("lookup on an empty partition: exit %d, stderr %q", code, errOut)
	}
}

// TestIndexRebuildOutputLeavesPartitionAlone writes rebuilt indexes into
// --output and checks the partition is byte-identical afterwards, then
// applies them in a copy with a quarantine and checks a second run is clean.
func TestIndexRebuildOutputAndApply(t *testing.T) {
	before := testutil.HashTree(t, sample)
	out := t.TempDir()
	_, errOut, code := run(t, "index", "rebuild", "--output", out, sample+"/orders-0")
	testutil.RequireUnchanged(t, sample, before)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if got := testutil.ContentTree(t, out); len(got) == 0 {
		t.Fatal("nothing written to --output")
	}
	dir := t.TempDir()
	testutil.CopyTree(t, sample, dir+"/logs")
	part := dir + "/logs/orders-0"
	// The sample's indexes are valid but not what recovery writes: left
	// alone by --apply, rewritten with --force.
	copied := testutil.ContentTree(t, part)
	if _, errOut, code := run(t, "index", "rebuild", "--apply", part); code != ExitOK {
		t.Fatalf("--apply with nothing harmful: exit %d: %s", code, errOut)
	}
	testutil.RequireTreesEqual(t, copied, testutil.ContentTree(t, part))
	if _, _, code := run(t, "index", "rebuild", "--apply", "--force", part); code != ExitUsage {
		t.Fatalf("--apply --force without --quarantine: exit %d, want usage error", code)
	}
	if _, errOut, code := run(t, "index", "rebuild", "--apply", "--force", "--quarantine", dir+"/q", part); code != ExitOK {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	if _, _, code := run(t, "index", "rebuild", "--force", part); code != ExitOK {
		t.Fatalf("second dry run should find nothing to do, exit %d", code)
	}
	// --output writes every rebuilt file, those already up to date too.
	out2 := t.TempDir()
	if _, errOut, code := run(t, "index", "rebuild", "--output", out2, part); code != ExitOK {
		t.Fatalf("--output: exit %d: %s", code, errOut)
	}
	for name := range testutil.ContentTree(t, part) {
		if strings.HasSuffix(name, ".index") || strings.HasSuffix(name, ".timeindex") {
			if _, err := os.Stat(filepath.Join(out2, name)); err != nil {
				t.Errorf("--output lacks the up-to-date %s: %v", name, err)
			}
		}
	}
}

// TestIndexRebuildClassifies: a missing index and a harmful one are rebuilt
// (dry run exit 1), a valid one that differs from the recovery rule is left
// alone, and --apply changes exactly the two (issue 11 item 10).
func TestIndexRebuildClassifies(t *testing.T) {
	dir := t.TempDir()
	testutil.CopyTree(t, sample, dir+"/logs")
	part := dir + "/logs/orders-0"
	if err := os.Remove(part + "/00000000000000000020.index"); err != nil {
		t.Fatal(err)
	}
	testutil.MustSetInt32BE(t, part+"/00000000000000000000.index", 4, 1) // position inside a batch
	before := testutil.ContentTree(t, part)
	out, _, code := run(t, "index", "rebuild", part)
	if code != ExitFindings {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	for _, want := range []string{"00000000000000000000.index: harmful (position-inside-batch:", "00000000000000000020.index: missing; rebuild writes",
		"00000000000000000000.timeindex: differs from the recovery rule, every entry valid: left alone"} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	testutil.RequireTreesEqual(t, before, testutil.ContentTree(t, part))
	if _, errOut, code := run(t, "index", "rebuild", "--apply", "--quarantine", dir+"/q", part); code != ExitOK {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	after := testutil.ContentTree(t, part)
	for name := range after {
		if after[name] != before[name] && name != "00000000000000000000.index" && name != "00000000000000000020.index" {
			t.Errorf("apply changed %s", name)
		}
	}
	if after["00000000000000000000.index"] == before["00000000000000000000.index"] {
		t.Error("the harmful index was not rebuilt")
	}
	if _, _, code := run(t, "index", "rebuild", part); code != ExitOK {
		t.Errorf("after apply: exit %d", code)
	}
}

// TestIndexRebuildTimeIndexClasses: a missing time index of the active
// segment is what the broker creates itself (left alone, exit 0); an empty
// time index of an older segment holding timestamps is harmful (exit 1,
// rebuilt), and verify warns about it.
func TestIndexRebuildTimeIndexClasses(t *testing.T) {
	dir := t.TempDir()
	testutil.CopyTree(t, sample, dir+"/logs")
	part := dir + "/logs/orders-0"
	if err := os.Remove(part + "/00000000000000000020.timeindex"); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "index", "rebuild", part)
	if code != ExitOK || !strings.Contains(out, "00000000000000000020.timeindex: missing, the broker creates it empty at load") {
		t.Fatalf("active segment's missing time index: exit %d\n%s", code, out)
	}
	if err := os.WriteFile(part+"/00000000000000000000.timeindex", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code = run(t, "index", "rebuild", part)
	if code != ExitFindings || !strings.Contains(out, "00000000000000000000.timeindex: harmful (empty, in a segment holding timestamps") {
		t.Fatalf("older segment's empty time index: exit %d\n%s", code, out)
	}
	out, _, _ = run(t, "verify", part)
	if !strings.Contains(out, "empty time index in a segment holding timestamps") {
		t.Errorf("verify:\n%s", out)
	}
	if _, errOut, code := run(t, "index", "rebuild", "--apply", "--quarantine", dir+"/q", part); code != ExitOK {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(part + "/00000000000000000020.timeindex"); err == nil {
		t.Error("--apply wrote the time index the broker creates itself")
	}
	if out, _, code := run(t, "index", "rebuild", part); code != ExitOK {
		t.Errorf("after apply: exit %d\n%s", code, out)
	}
}

// TestIndexRebuildEmptySegment: the missing indexes of an empty .log are
// what the broker creates itself (exit 0).
func TestIndexRebuildEmptySegment(t *testing.T) {
	part := t.TempDir() + "/t-0"
	if err := os.MkdirAll(part, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(part+"/00000000000000000038.log", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := run(t, "index", "rebuild", part)
	if code != ExitOK || !strings.Contains(out, "00000000000000000038.index: missing, the .log is empty") {
		t.Errorf("exit %d\n%s", code, out)
	}
}
