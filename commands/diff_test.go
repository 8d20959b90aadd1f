package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
)

// diffFixture writes log dir A with two partitions and copies it to B.
func diffFixture(t *testing.T) (string, string) {
	t.Helper()
	root := t.TempDir()
	a, b := filepath.Join(root, "broker-1"), filepath.Join(root, "broker-2")
	if err := os.MkdirAll(a, 0o755); err != nil {
		t.Fatal(err)
	}
	var in strings.Builder
	for i := 0; i < 30; i++ {
		fmt.Fprintf(&in, "k%d:value %d\n", i, i)
	}
	input := filepath.Join(root, "input.txt")
	if err := os.WriteFile(input, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"0", "1"} {
		if _, errOut, code := run(t, "append", "--topic", "orders", "--partition", p, "--input", input, "--key-separator", ":",
			"--timestamp", "1700000000000", "--batch-records", "5", "--fsync", "never", a); code != ExitOK {
			t.Fatalf("append: %s", errOut)
		}
	}
	testutil.CopyTree(t, a, b)
	return a, b
}

func TestDiffGolden(t *testing.T) {
	a, b := diffFixture(t)
	seg := "00000000000000000000.log"
	p0, p1 := batchPositions(t, filepath.Join(a, "orders-0", seg)), batchPositions(t, filepath.Join(a, "orders-1", seg))
	cases := []struct {
		name   string
		mutate func()
		args   []string
		code   int
	}{
		{"diff-identical", func() {}, []string{"diff", a, b}, ExitOK},
		{"diff-partition", func() {}, []string{"diff", filepath.Join(a, "orders-0"), filepath.Join(b, "orders-0")}, ExitOK},
		{"diff-corrupt", func() {
			testutil.MustFlipBit(t, filepath.Join(b, "orders-0", seg), p0[3]-3, 1)     // last byte area of batch 2
			testutil.MustSetInt32BE(t, filepath.Join(b, "orders-0", seg), p0[4]+12, 5) // leader epoch of batch 4
			testutil.MustTruncate(t, filepath.Join(b, "orders-1", seg), p1[4]+30)      // follower crashed mid-batch
		}, []string{"diff", a, b}, ExitFindings},
		{"diff-corrupt-json", func() {}, []string{"diff", "--json", a, b}, ExitFindings},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.mutate()
			beforeA, beforeB := testutil.HashTree(t, a), testutil.HashTree(t, b)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, a, beforeA)
			testutil.RequireUnchanged(t, b, beforeB)
			if code != tc.code {
				t.Fatalf("exit %d, want %d; stderr:\n%s\n%s", code, tc.code, errOut, out)
			}
			testutil.Golden(t, filepath.Join("../testdata/golden", tc.name+".golden"), []byte(out), *update)
		})
	}
}

// batchPositions returns the position of every batch of a .log, and its size.
func batchPositions(t *testing.T, path string) []int64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{})
	var out []int64
	for {
		b, err := r.Next()
		if err != nil {
			break
		}
		out = append(out, b.Position)
	}
	return append(out, st.Size())
}

func TestDiffExitCodes(t *testing.T) {
	a, _ := diffFixture(t)
	for _, tc := range []struct {
		args []string
		code int
	}{
		{[]string{"diff"}, ExitUsage},
		{[]string{"diff", a}, ExitUsage},
		{[]string{"diff", "--bogus", a, a}, ExitUsage},
		{[]string{"diff", filepath.Join(a, "orders-0"), t.TempDir()}, ExitUsage},
		{[]string{"diff", a, "/nonexistent/kseg-diff"}, ExitFailure},
	} {
		if _, errOut, code := run(t, tc.args...); code != tc.code {
			t.Errorf("%v: exit %d, want %d (%s)", tc.args, code, tc.code, errOut)
		}
	}
}
