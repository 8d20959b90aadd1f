package commands

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/verify"
	"golang.org/x/sys/unix"
)

// runKseg executes kseg in-process and returns stdout, stderr and the exit code.
func runKseg(t testing.TB, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	app := NewApp(strings.NewReader(""), &out, &errb)
	err := app.RunContext(context.Background(), reorderArgs(app, append([]string{"kseg"}, args...)))
	code := ExitCode(err, &errb)
	return out.String(), errb.String(), code
}

// makeLogDir writes <tmp>/logdir/t-0 with two segments of 10 batches
// (offsets 0..49, 50..99) and their indexes, and returns the log dir and the
// batch positions of each segment.
func makeLogDir(t testing.TB) (string, [][]int64) {
	t.Helper()
	logDir := filepath.Join(t.TempDir(), "logdir")
	dir := filepath.Join(logDir, "t-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(logDir, "meta.properties"), []byte("version=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var all [][]int64
	for s := int64(0); s < 2; s++ {
		var buf []byte
		var pos []int64
		for b := int64(0); b < 10; b++ {
			baseOffset := s*50 + b*5
			o := format.BatchOptions{Magic: 2, BaseOffset: baseOffset}
			o.NoProducer()
			var ms []format.Message
			for r := int64(0); r < 5; r++ {
				ms = append(ms, format.Message{Value: bytes.Repeat([]byte("v"), 90), Timestamp: 1000 + baseOffset + r})
			}
			pos = append(pos, int64(len(buf)))
			var err error
			if buf, err = format.AppendBatch(buf, o, ms); err != nil {
				t.Fatal(err)
			}
		}
		all = append(all, pos)
		logPath := filepath.Join(dir, segment.FileName(s*50, segment.LogSuffix))
		if err := os.WriteFile(logPath, buf, 0o644); err != nil {
			t.Fatal(err)
		}
		ix, ti, err := verify.BuildIndexes(logPath, 1024)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, segment.FileName(s*50, segment.IndexSuffix)), ix, 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, segment.FileName(s*50, segment.TimeIndexSuffix)), ti, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return logDir, all
}

func seg(logDir string, base int64) string {
	return filepath.Join(logDir, "t-0", segment.FileName(base, segment.LogSuffix))
}

func TestVerifyCLI(t *testing.T) {
	logDir, pos := makeLogDir(t)
	before := testutil.HashTree(t, logDir)
	out, errOut, code := runKseg(t, "verify", logDir)
	testutil.RequireUnchanged(t, logDir, before)
	if code != ExitOK {
		t.Fatalf("clean dir: exit %d\n%s%s", code, out, errOut)
	}
	for _, want := range []string{"| partition ", "| t-0 ", "| 0..99 ", "verified 1 partitions, 2 segments"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "\x1b[") {
		t.Error("colour on a non-terminal")
	}

	testutil.MustFlipBit(t, seg(logDir, 0), pos[0][3]+100, 2)
	before = testutil.HashTree(t, logDir)
	out, _, code = runKseg(t, "verify", logDir, "--workers", "1")
	testutil.RequireUnchanged(t, logDir, before)
	if code != ExitFindings {
		t.Fatalf("corrupt: exit %d, want %d\n%s", code, ExitFindings, out)
	}
	want := fmt.Sprintf("error: t-0/00000000000000000000.log: position %d-%d: offset 15: crc-mismatch", pos[0][3], pos[0][4])
	if !strings.Contains(out, want) {
		t.Errorf("output lacks %q:\n%s", want, out)
	}
	out, _, _ = runKseg(t, "verify", "--color=always", logDir)
	if !strings.Contains(out, "\x1b[") {
		t.Error("--color=always printed no colour")
	}

	out, _, code = runKseg(t, "verify", "--json", "--what-would-kafka-do", logDir)
	if code != ExitFindings {
		t.Fatalf("--json: exit %d", code)
	}
	var types []string
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not NDJSON: %q: %v", sc.Text(), err)
		}
		if m["schemaVersion"] != float64(1) {
			t.Errorf("schemaVersion missing: %s", sc.Text())
		}
		types = append(types, m["type"].(string))
	}
	if len(types) < 3 || types[len(types)-1] != "summary" || types[0] != "finding" {
		t.Errorf("object types %v", types)
	}
	if !strings.Contains(out, `"action":"truncate"`) {
		t.Errorf("no truncate in the recovery simulation:\n%s", out)
	}
	// The version simulated is in every prediction, and the lost offsets
	// include the damaged batch (offsets 15..19) and segment 1 (50..99).
	if !strings.Contains(out, `"kafkaVersion":"4.0"`) || !strings.Contains(out, `"lost":{"fromOffset":15,"toOffset":99,"records":85,"exact":true}`) {
		t.Errorf("no version or loss in the recovery simulation:\n%s", out)
	}
	out, _, _ = runKseg(t, "verify", "--what-would-kafka-do", "--kafka-version", "2.2", logDir)
	for _, want := range []string{"what would kafka 2.2 do: t-0", "loses ", "offsets 15..49 (35 records)", "total lost: ", "offsets 15..99 (85 records)"} {
		if !strings.Contains(out, want) {
			t.Errorf("text prediction lacks %q:\n%s", want, out)
		}
	}
	if _, _, code := runKseg(t, "verify", "--what-would-kafka-do", "--kafka-version", "0.8", logDir); code != ExitUsage {
		t.Errorf("--kafka-version 0.8: exit %d, want %d", code, ExitUsage)
	}
}

func TestVerifyExitCodes(t *testing.T) {
	logDir, _ := makeLogDir(t)
	// A warning alone (a stray .swap) exits 0 unless --strict.
	if err := os.WriteFile(seg(logDir, 50)+".swap", []byte{}, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"verify", logDir}, ExitOK},
		{[]string{"verify", "--strict", logDir}, ExitFindings},
		{[]string{"verify"}, ExitUsage},
		{[]string{"verify", "--color=pink", logDir}, ExitUsage},
		{[]string{"verify", "--workers", "0", logDir}, ExitUsage},
		// Regression: 0 or a negative --max-findings meant 100 silently.
		{[]string{"verify", "--max-findings", "0", logDir}, ExitUsage},
		{[]string{"verify", "--max-findings", "-1", logDir}, ExitUsage},
		{[]string{"txn", "--max-findings", "-1", logDir}, ExitUsage},
		{[]string{"verify", "--max-findings", "1", logDir}, ExitOK},
		// Regression: --kafka-version alone was ignored silently.
		{[]string{"verify", "--kafka-version", "2.7", logDir}, ExitUsage},
		{[]string{"verify", "--what-would-kafka-do", "--kafka-version", "2.7", logDir}, ExitOK},
		{[]string{"verify", filepath.Join(logDir, "nope")}, ExitFailure},
		{[]string{"verify", seg(logDir, 50)}, ExitOK},
	} {
		_, errOut, code := runKseg(t, tc.args...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
	}
}

func TestRepairCLI(t *testing.T) {
	logDir, pos := makeLogDir(t)
	testutil.MustTruncate(t, seg(logDir, 50), pos[1][9]+30)   // torn tail
	testutil.MustFlipBit(t, seg(logDir, 0), pos[0][3]+100, 2) // mid-log corruption

	before := testutil.HashTree(t, logDir)
	out, _, code := runKseg(t, "repair", logDir)
	testutil.RequireUnchanged(t, logDir, before)
	if code != ExitFindings || !strings.Contains(out, "planned: truncate-tail t-0/00000000000000000050.log") ||
		!strings.Contains(out, "unresolved: error: t-0/00000000000000000000.log") {
		t.Fatalf("dry run: exit %d\n%s", code, out)
	}
	if _, _, code := runKseg(t, "repair", "--apply", logDir); code != ExitUsage {
		t.Fatalf("--apply without --quarantine: exit %d", code)
	}
	q := t.TempDir()
	report := filepath.Join(t.TempDir(), "report.json")
	out, errOut, code := runKseg(t, "repair", "--apply", "--salvage", "--quarantine", q, "--report", report, "--json", logDir)
	if code != ExitOK {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	var rep verify.Report
	b, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &rep); err != nil || !rep.Applied || len(rep.Actions) != 2 || rep.SchemaVersion != 1 {
		t.Fatalf("report %s: %v", b, err)
	}
	if strings.TrimSpace(out) != strings.TrimSpace(string(b)) {
		t.Errorf("stdout and --report differ")
	}
	if _, _, code := runKseg(t, "verify", logDir); code != ExitOK {
		t.Fatalf("verify after repair: exit %d", code)
	}
	if out, _, code := runKseg(t, "repair", logDir, "--salvage"); code != ExitOK || !strings.Contains(out, "nothing to do") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	if _, _, code := runKseg(t, "repair", "--truncate-at", "7", logDir); code != ExitUsage {
		t.Fatalf("--truncate-at on a dir: exit %d", code)
	}
}

// TestRepairClampsCheckpointsCLI: a torn tail whose header is intact, with
// the recovery point and high watermark at the old log end offset: verify
// fails; the plan names the lost offsets and the checkpoint clamps; after
// --apply, verify exits 0 (issue 11 items 6 and 9).
func TestRepairClampsCheckpointsCLI(t *testing.T) {
	logDir, pos := makeLogDir(t)
	testutil.MustTruncate(t, seg(logDir, 50), pos[1][9]+100) // batch 95..99 torn, header intact
	for _, name := range []string{"recovery-point-offset-checkpoint", "replication-offset-checkpoint"} {
		if err := os.WriteFile(filepath.Join(logDir, name), []byte("0\n1\nt 0 100\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, code := runKseg(t, "verify", logDir); code != ExitFindings {
		t.Fatalf("verify before repair: exit %d", code)
	}
	out, _, code := runKseg(t, "repair", logDir)
	for _, want := range []string{"repair plan (notes on the broker refer to Kafka 4.0)",
		"planned: truncate-tail t-0/00000000000000000050.log", "  loses offsets 95..99 (5 records)",
		"planned: clamp-checkpoint recovery-point-offset-checkpoint", "t-0 recovery point 100 → 95 (offsets 95..99 named by it are gone)",
		"planned: clamp-checkpoint replication-offset-checkpoint", "t-0 high watermark 100 → 95",
		"  replace replication-offset-checkpoint: "} {
		if !strings.Contains(out, want) {
			t.Errorf("plan lacks %q:\n%s", want, out)
		}
	}
	if code != ExitFindings {
		t.Errorf("dry run: exit %d", code)
	}
	if out, errOut, code := runKseg(t, "repair", "--apply", "--quarantine", t.TempDir(), logDir); code != ExitOK {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code := runKseg(t, "verify", logDir); code != ExitOK {
		t.Fatalf("verify after repair: exit %d\n%s", code, out)
	}
	b, err := os.ReadFile(filepath.Join(logDir, "replication-offset-checkpoint"))
	if err != nil || string(b) != "0\n1\nt 0 95\n" {
		t.Errorf("replication-offset-checkpoint %q %v", b, err)
	}
}

const lockHelperEnv = "KSEG_COMMANDS_LOCK_HELPER"

// TestLockHelperProcess is not a test: the child of TestRepairRefusesWhileLocked
// takes a classic fcntl lock on the named .lock, exactly as a broker's
// FileChannel.tryLock does, and holds it until stdin closes.
func TestLockHelperProcess(t *testing.T) {
	path := os.Getenv(lockHelperEnv)
	if path == "" {
		t.Skip("helper process")
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		os.Exit(2)
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	if err := unix.FcntlFlock(f.Fd(), unix.F_SETLK, &lk); err != nil {
		os.Exit(2)
	}
	fmt.Println("locked")
	_, _ = io.Copy(io.Discard, os.Stdin)
	os.Exit(0)
}

func TestRepairRefusesWhileLocked(t *testing.T) {
	logDir, pos := makeLogDir(t)
	testutil.MustTruncate(t, seg(logDir, 50), pos[1][9]+30)
	cmd := exec.Command(os.Args[0], "-test.run=^TestLockHelperProcess$")
	cmd.Env = append(os.Environ(), lockHelperEnv+"="+filepath.Join(logDir, ".lock"))
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { stdin.Close(); _ = cmd.Wait() }()
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper: %q %v", line, err)
	}
	before := testutil.HashTree(t, logDir)
	q := t.TempDir()
	for _, args := range [][]string{{"repair", logDir}, {"repair", "--apply", "--quarantine", q, logDir}} {
		_, errOut, code := runKseg(t, args...)
		if code != ExitFailure || !strings.Contains(errOut, "lock") {
			t.Errorf("%v: exit %d, want %d: %s", args, code, ExitFailure, errOut)
		}
	}
	testutil.RequireUnchanged(t, logDir, before)
	// verify is read-only and still works while the broker runs.
	if _, _, code := runKseg(t, "verify", logDir); code != ExitFindings {
		t.Errorf("verify while locked: exit %d, want %d (the torn tail)", code, ExitFindings)
	}
}

// TestRepairExitsOneOnUnresolvedOnly: a leader-epoch-checkpoint entry beyond
// the log end is an error repair does not fix; the plan has nothing to do
// and still exits 1 (the help used to promise exit 1 only "if anything is
// to be done"), also after --apply.
func TestRepairExitsOneOnUnresolvedOnly(t *testing.T) {
	dir := t.TempDir()
	testutil.CopyTree(t, sample, dir+"/logs")
	ep := filepath.Join(dir, "logs", "orders-0", "leader-epoch-checkpoint")
	if err := os.WriteFile(ep, []byte("0\n2\n0 0\n9 500\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"repair", dir + "/logs"},
		{"repair", "--apply", "--quarantine", dir + "/q", dir + "/logs"},
	} {
		out, errOut, code := runKseg(t, args...)
		if code != ExitFindings || !strings.Contains(out, "unresolved: error") || !strings.Contains(out, "nothing to do") {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, code, ExitFindings, out, errOut)
		}
	}
}
