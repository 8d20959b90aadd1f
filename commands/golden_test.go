package commands

import (
	"bytes"
	"context"
	"flag"
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
	cases := []struct {
		name string
		args []string
	}{
		{"dump-shallow", []string{"dump", sample + "/orders-0"}},
		{"dump-deep", []string{"dump", "--deep-iteration", sample}},
		{"dump-data", []string{"dump", "--print-data-log", sample}},
		{"dump-json", []string{"dump", "--json", "--print-data-log", sample}},
		{"dump-json-shallow", []string{"dump", sample, "--json"}},
		{"dump-decoders", []string{"dump", "--key-decoder", "redacted", "--value-decoder", "hex", sample + "/orders-0/00000000000000000020.log"}},
		{"dump-skip-metadata", []string{"dump", "--print-data-log", "--skip-record-metadata", sample + "/orders-0"}},
		{"dump-range", []string{"dump", "--deep-iteration", "--from-offset", "10", "--to-offset", "22", sample + "/orders-0"}},
		{"dump-files-flag", []string{"dump", "--files", sample + "/legacy-v0-0/00000000000000000000.log," + sample + "/legacy-v1-0/00000000000000000000.log", "--print-data-log"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.HashTree(t, sample)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, sample, before)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
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
