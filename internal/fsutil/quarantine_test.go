package fsutil_test

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
)

func randBytes(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 1))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// makeLogDir builds root/logs, a log.dir with meta.properties and two
// partitions whose segment files share names.
func makeLogDir(t *testing.T, root string) (logDir string) {
	t.Helper()
	logDir = filepath.Join(root, "logs")
	writeFile(t, filepath.Join(logDir, "meta.properties"), []byte("version=1\n"))
	for i, p := range []string{"t-0", "u-0"} {
		writeFile(t, filepath.Join(logDir, p, "00000000000000000000.log"), randBytes(uint64(i), 10_000))
		writeFile(t, filepath.Join(logDir, p, "00000000000000000000.index"), randBytes(uint64(i+10), 800))
	}
	return logDir
}

func TestQuarantineRoundTrip(t *testing.T) {
	root := t.TempDir()
	logDir := makeLogDir(t, root)
	tlog := filepath.Join(logDir, "t-0", "00000000000000000000.log")
	tidx := filepath.Join(logDir, "t-0", "00000000000000000000.index")
	ulog := filepath.Join(logDir, "u-0", "00000000000000000000.log")
	orig := map[string][]byte{}
	for _, p := range []string{tlog, tidx, ulog} {
		orig[p] = readOrNil(t, p)
	}

	q, err := fsutil.NewQuarantine(fsutil.OSFS{}, filepath.Join(root, "q"), []string{logDir})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(filepath.Base(q.Dir()), fsutil.QuarantinePrefix) || filepath.Dir(q.Dir()) != filepath.Join(root, "q") {
		t.Fatalf("quarantine dir %s", q.Dir())
	}
	save := func(src string, start, end int64) fsutil.Entry {
		t.Helper()
		e, err := q.SaveRange(src, start, end, "test")
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	// Repair step 1: torn tail of t-0 cut at 6000 (quarantine, then truncate).
	e1 := save(tlog, 6000, 10_000)
	if err := fsutil.TruncateFile(fsutil.OSFS{}, tlog, 6000); err != nil {
		t.Fatal(err)
	}
	// The same file name in another partition must not collide.
	e2 := save(ulog, 9000, 10_000)
	if err := fsutil.TruncateFile(fsutil.OSFS{}, ulog, 9000); err != nil {
		t.Fatal(err)
	}
	// Index rebuilt: whole-file save, then replaced by a longer file.
	e3, err := q.SaveFile(tidx, "index rebuilt")
	if err != nil {
		t.Fatal(err)
	}
	if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, tidx, randBytes(99, 1200), 0o644); err != nil {
		t.Fatal(err)
	}
	// Step 2 on t-0: a second, earlier cut (--truncate-at).
	e4 := save(tlog, 3000, 6000)
	if err := fsutil.TruncateFile(fsutil.OSFS{}, tlog, 3000); err != nil {
		t.Fatal(err)
	}
	// Saving the same range twice gets a distinct name.
	e5 := save(tlog, 0, 3000)
	e6 := save(tlog, 0, 3000)
	if e5.Stored == e6.Stored {
		t.Fatalf("stored names collide: %s", e5.Stored)
	}
	if e1.Stored == e2.Stored || e1.Stored != "t-0/00000000000000000000.log.6000-10000" {
		t.Fatalf("stored names: %q %q", e1.Stored, e2.Stored)
	}
	if e3.Start != 0 || e3.End != 800 || e3.SourceSize != 800 || e4.SourceSize != 6000 {
		t.Fatalf("entries: %+v %+v", e3, e4)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := q.SaveRange(tlog, 0, 1, ""); !errors.Is(err, fsutil.ErrQuarantineClosed) {
		t.Fatalf("save after close: %v", err)
	}

	m, err := fsutil.ReadManifest(q.Dir())
	if err != nil {
		t.Fatal(err)
	}
	if !m.Closed || m.Tool != "kseg" || m.PID != os.Getpid() || len(m.Entries) != 6 {
		t.Fatalf("manifest: %+v", m)
	}
	if m.Entries[0] != e1 || m.Entries[3] != e4 {
		t.Fatalf("manifest entries %+v", m.Entries)
	}
	for _, e := range m.Entries {
		b := readOrNil(t, filepath.Join(q.Dir(), filepath.FromSlash(e.Stored)))
		if !bytes.Equal(b, orig[e.Source][e.Start:e.End]) {
			t.Fatalf("%s does not hold bytes [%d, %d) of %s", e.Stored, e.Start, e.End, e.Source)
		}
	}
	// The original of every touched file = what is left + the quarantine.
	for src, want := range orig {
		got, err := fsutil.Reassemble(q.Dir(), src, readOrNil(t, src))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("%s: reassembled %d bytes, want %d", src, len(got), len(want))
		}
	}
	if err := fsutil.RestoreCheck(orig[tlog], readOrNil(t, tlog), q.Dir(), []fsutil.Entry{e1, e4}); err != nil {
		t.Fatal(err)
	}
	// And the check does catch a missing piece.
	if err := fsutil.RestoreCheck(orig[tlog], readOrNil(t, tlog), q.Dir(), []fsutil.Entry{e1}); err == nil {
		t.Fatal("RestoreCheck passed without the 3000-6000 piece")
	}
}

func TestQuarantineRefusesLogDir(t *testing.T) {
	root := t.TempDir()
	logDir := makeLogDir(t, root)
	// An unlisted log dir is caught by its markers.
	other := filepath.Join(root, "other")
	writeFile(t, filepath.Join(other, "recovery-point-offset-checkpoint"), []byte("0\n0\n"))
	if err := os.Symlink(logDir, filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name    string
		dir     string
		logDirs []string
	}{
		{"log dir itself", logDir, []string{logDir}},
		{"inside", filepath.Join(logDir, "q"), []string{logDir}},
		{"deep, not existing", filepath.Join(logDir, "a", "b", "c"), []string{logDir}},
		{"via symlink", filepath.Join(root, "link", "q"), []string{logDir}},
		{"log dir given via symlink", filepath.Join(logDir, "q"), []string{filepath.Join(root, "link")}},
		{"unlisted log dir", filepath.Join(other, "q"), nil},
		{"partition dir", filepath.Join(logDir, "t-0"), nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.HashTree(t, root)
			_, err := fsutil.NewQuarantine(fsutil.OSFS{}, tc.dir, tc.logDirs)
			if !errors.Is(err, fsutil.ErrInLogDir) {
				t.Fatalf("err = %v, want ErrInLogDir", err)
			}
			testutil.RequireUnchanged(t, root, before)
		})
	}
	t.Run("relative to cwd", func(t *testing.T) {
		t.Chdir(root)
		before := testutil.HashTree(t, root)
		if _, err := fsutil.NewQuarantine(fsutil.OSFS{}, "logs/q", []string{logDir}); !errors.Is(err, fsutil.ErrInLogDir) {
			t.Fatalf("err = %v, want ErrInLogDir", err)
		}
		if _, err := fsutil.NewQuarantine(fsutil.OSFS{}, filepath.Join(logDir, "q"), []string{"logs"}); !errors.Is(err, fsutil.ErrInLogDir) {
			t.Fatalf("relative log dir: err = %v, want ErrInLogDir", err)
		}
		testutil.RequireUnchanged(t, root, before)
	})
	// A sibling of the log dir whose name shares a prefix is fine.
	q, err := fsutil.NewQuarantine(fsutil.OSFS{}, filepath.Join(root, "logs-quarantine"), []string{logDir})
	if err != nil {
		t.Fatal(err)
	}
	if err := q.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestQuarantineNeverReused(t *testing.T) {
	fixed := time.Date(2026, 11, 23, 19, 15, 0, 0, time.UTC)
	defer fsutil.SetNow(func() time.Time { return fixed })()
	dir := t.TempDir()
	q, err := fsutil.NewQuarantine(fsutil.OSFS{}, dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "kseg-quarantine-20261123T191500Z-"; !strings.HasPrefix(filepath.Base(q.Dir()), want) {
		t.Fatalf("name %s, want prefix %s", filepath.Base(q.Dir()), want)
	}
	before := testutil.HashTree(t, dir)
	if _, err := fsutil.NewQuarantine(fsutil.OSFS{}, dir, nil); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("second quarantine with the same name: err = %v, want ErrExist", err)
	}
	testutil.RequireUnchanged(t, dir, before)
}

func TestQuarantineBadRange(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "p-0", "f")
	writeFile(t, src, make([]byte, 100))
	q, err := fsutil.NewQuarantine(fsutil.OSFS{}, filepath.Join(root, "q"), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range [][2]int64{{50, 101}, {60, 50}, {-1, 10}} {
		if _, err := q.SaveRange(src, r[0], r[1], ""); err == nil {
			t.Errorf("range %v accepted", r)
		}
	}
	if len(q.Entries()) != 0 {
		t.Fatalf("entries: %v", q.Entries())
	}
}

// TestQuarantineSaveCrashPoints fails every operation of a SaveRange. The
// source is never touched, no temp file remains, and whatever the on-disk
// manifest lists verifies against the source.
func TestQuarantineSaveCrashPoints(t *testing.T) {
	data := randBytes(7, 5000)
	run := func(ffs *fsutil.FaultFS) (src, qdir string, newOps int, err error) {
		root := t.TempDir()
		src = filepath.Join(root, "t-0", "00000000000000000000.log")
		writeFile(t, src, data)
		q, qerr := fsutil.NewQuarantine(ffs, filepath.Join(root, "q"), nil)
		if qerr != nil {
			t.Fatalf("NewQuarantine: %v", qerr)
		}
		newOps = ffs.Count()
		_, err = q.SaveRange(src, 1000, 5000, "")
		return src, q.Dir(), newOps, err
	}
	counter := &fsutil.FaultFS{}
	_, _, first, err := run(counter)
	if err != nil {
		t.Fatal(err)
	}
	for n := first + 1; n <= counter.Count(); n++ {
		ffs := &fsutil.FaultFS{FailAt: n, ShortWrite: true}
		src, qdir, _, err := run(ffs)
		if !errors.Is(err, fsutil.ErrInjected) {
			t.Fatalf("op %v: err = %v", ffs.Ops()[n-1], err)
		}
		if got := readOrNil(t, src); !bytes.Equal(got, data) {
			t.Fatalf("op %v: source changed", ffs.Ops()[n-1])
		}
		m, err := fsutil.ReadManifest(qdir)
		if err != nil {
			t.Fatalf("op %v: %v", ffs.Ops()[n-1], err)
		}
		// Undoing "nothing happened yet" must reproduce the source exactly.
		if _, err := fsutil.RestoreEntries(qdir, m.Entries, data); err != nil {
			t.Fatalf("op %v: manifest entry does not verify: %v", ffs.Ops()[n-1], err)
		}
		err = filepath.WalkDir(qdir, func(p string, d fs.DirEntry, err error) error {
			if strings.HasSuffix(p, fsutil.TempSuffix) {
				t.Errorf("op %v: temp file left: %s", ffs.Ops()[n-1], p)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}
