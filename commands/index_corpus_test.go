package commands

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
)

// TestIndexRebuildCorpus: on real broker-written partitions, `index rebuild`
// (dry run) calls no index harmful, and exits 1 only for a missing index (the
// corpus snapshots lack the preallocated ones of active segments); indexes
// that merely differ from the recovery rule are left alone with exit 0
// (issue 11 item 10).
func TestIndexRebuildCorpus(t *testing.T) {
	const corpus = "../../shared/corpus"
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("corpus absent")
	}
	dirs := map[string]bool{}
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".log") {
			dirs[filepath.Dir(p)] = true
		}
		return err
	}))
	var sorted []string
	for d := range dirs {
		sorted = append(sorted, d)
	}
	sort.Strings(sorted)
	leftAlone := 0
	for _, d := range sorted {
		before := testutil.HashTree(t, d)
		out, errOut, code := run(t, "index", "rebuild", d)
		testutil.RequireUnchanged(t, d, before)
		rel, _ := filepath.Rel(corpus, d)
		if strings.Contains(out, ": harmful (") || strings.Contains(out, ": zero-tail (") {
			t.Errorf("%s: a broker-written index judged harmful:\n%s", rel, out)
		}
		missing := strings.Contains(out, ": missing; ")
		switch {
		case missing && code != ExitFindings:
			t.Errorf("%s: a missing index, exit %d", rel, code)
		case !missing && code != ExitOK:
			t.Errorf("%s: exit %d\n%s%s", rel, code, out, errOut)
		case !missing && strings.Contains(out, "differs from the recovery rule, every entry valid: left alone"):
			leftAlone++
		}
	}
	if leftAlone == 0 {
		t.Error("no corpus partition has a valid index that differs from the recovery rule")
	}
	t.Logf("%d partitions, %d with valid indexes left alone", len(sorted), leftAlone)
}
