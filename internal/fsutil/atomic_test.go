package fsutil_test

import (
	"bytes"
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
)

func readOrNil(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWriteFileAtomicCrashPoints fails every operation of WriteFileAtomic in
// turn and checks the target is wholly old or wholly new (STYLE.md §6).
func TestWriteFileAtomicCrashPoints(t *testing.T) {
	oldData := bytes.Repeat([]byte("old."), 1000)
	newData := bytes.Repeat([]byte("NEW!"), 100_000)
	// Stream it in pieces so the temp file sees several writes.
	write := func(fsys fsutil.FS, path string) error {
		return fsutil.WriteFileAtomicFunc(fsys, path, 0o644, func(w io.Writer) error {
			for b := newData; len(b) > 0; {
				n := min(len(b), 50_000)
				if _, err := w.Write(b[:n]); err != nil {
					return err
				}
				b = b[n:]
			}
			return nil
		})
	}
	for _, tc := range []struct {
		name     string
		existing bool
		crash    bool
		short    bool
	}{
		{"replace/error", true, false, false},
		{"replace/error-shortwrite", true, false, true},
		{"replace/crash", true, true, true},
		{"create/error", false, false, false},
		{"create/crash", false, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setup := func() string {
				dir := t.TempDir()
				path := filepath.Join(dir, "00000000000000000000.index")
				if tc.existing {
					if err := os.WriteFile(path, oldData, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				return path
			}
			counter := &fsutil.FaultFS{}
			path := setup()
			if err := write(counter, path); err != nil {
				t.Fatal(err)
			}
			total := counter.Count()
			t.Logf("%d ops: %v", total, counter.Ops())
			if total < 5 {
				t.Fatalf("only %d ops: %v", total, counter.Ops())
			}
			renameAt := 0
			for _, op := range counter.Ops() {
				if op.Name == "rename" {
					renameAt = op.N
				}
			}
			for n := 1; n <= total; n++ {
				path := setup()
				ffs := &fsutil.FaultFS{FailAt: n, Crash: tc.crash, ShortWrite: tc.short}
				err := write(ffs, path)
				if !errors.Is(err, fsutil.ErrInjected) {
					t.Fatalf("op %d (%v): err = %v, want ErrInjected", n, ffs.Ops()[n-1], err)
				}
				got := readOrNil(t, path)
				var want []byte
				switch {
				case n > renameAt:
					want = newData
				case tc.existing:
					want = oldData
				}
				if !bytes.Equal(got, want) {
					t.Fatalf("op %d (%v): target has %d bytes, want %d", n, ffs.Ops()[n-1], len(got), len(want))
				}
				temps, err := fsutil.FindTempFiles(filepath.Dir(path))
				if err != nil {
					t.Fatal(err)
				}
				// A crashed process runs no cleanup, so a temp file may stay
				// behind for the pre-flight check to report; a returned error
				// must never leave one.
				if !tc.crash && len(temps) != 0 {
					t.Fatalf("op %d (%v): temp files left: %v", n, ffs.Ops()[n-1], temps)
				}
			}
		})
	}
}

func TestWriteFileAtomicLeftoverTemp(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(fsutil.TempPath(path), []byte("junk"), 0o644); err != nil {
		t.Fatal(err)
	}
	before := testutil.HashTree(t, dir)
	err := fsutil.WriteFileAtomic(fsutil.OSFS{}, path, []byte("x"), 0o644)
	if !errors.Is(err, fsutil.ErrTempExists) {
		t.Fatalf("err = %v, want ErrTempExists", err)
	}
	testutil.RequireUnchanged(t, dir, before)
}

func TestWriteFileAtomicKeepsMode(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "f")
	if err := os.WriteFile(path, []byte("old"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, path, []byte("new"), 0o600); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o640 {
		t.Fatalf("mode %v, want 0640", st.Mode().Perm())
	}
	if got := readOrNil(t, path); string(got) != "new" {
		t.Fatalf("content %q", got)
	}
}

func TestWriteFileAtomicRefusesSymlink(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "link")
	if err := os.Symlink("elsewhere", path); err != nil {
		t.Fatal(err)
	}
	if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, path, []byte("x"), 0o644); !errors.Is(err, fsutil.ErrNotRegular) {
		t.Fatalf("err = %v, want ErrNotRegular", err)
	}
}

func TestTruncateFile(t *testing.T) {
	data := bytes.Repeat([]byte{7}, 1000)
	setup := func() string {
		path := filepath.Join(t.TempDir(), "00000000000000000000.log")
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	t.Run("extend refused", func(t *testing.T) {
		path := setup()
		before := testutil.HashTree(t, filepath.Dir(path))
		if err := fsutil.TruncateFile(fsutil.OSFS{}, path, 1001); !errors.Is(err, fsutil.ErrWouldExtend) {
			t.Fatalf("err = %v, want ErrWouldExtend", err)
		}
		testutil.RequireUnchanged(t, filepath.Dir(path), before)
	})
	t.Run("crash points", func(t *testing.T) {
		counter := &fsutil.FaultFS{}
		if err := fsutil.TruncateFile(counter, setup(), 600); err != nil {
			t.Fatal(err)
		}
		truncAt := 0
		for _, op := range counter.Ops() {
			if op.Name == "truncate" {
				truncAt = op.N
			}
		}
		for n := 1; n <= counter.Count(); n++ {
			path := setup()
			err := fsutil.TruncateFile(&fsutil.FaultFS{FailAt: n}, path, 600)
			if !errors.Is(err, fsutil.ErrInjected) {
				t.Fatalf("op %d: err = %v", n, err)
			}
			want := data
			if n > truncAt {
				want = data[:600]
			}
			if got := readOrNil(t, path); !bytes.Equal(got, want) {
				t.Fatalf("op %d: %d bytes, want %d", n, len(got), len(want))
			}
			// Rerunning after any failure completes the job (idempotent).
			if err := fsutil.TruncateFile(fsutil.OSFS{}, path, 600); err != nil {
				t.Fatal(err)
			}
			if got := readOrNil(t, path); !bytes.Equal(got, data[:600]) {
				t.Fatalf("op %d: rerun left %d bytes", n, len(got))
			}
		}
	})
}

func TestCopyFile(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	dst := filepath.Join(dir, "dst")
	data := bytes.Repeat([]byte("abc"), 100_000)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := fsutil.CopyFile(fsutil.OSFS{}, src, dst, 0o600); err != nil {
		t.Fatal(err)
	}
	if got := readOrNil(t, dst); !bytes.Equal(got, data) {
		t.Fatal("copy differs")
	}
	// Never overwrites.
	if _, err := fsutil.CopyFile(fsutil.OSFS{}, src, dst, 0o600); !errors.Is(err, fs.ErrExist) {
		t.Fatalf("err = %v, want ErrExist", err)
	}
	// A failure at any op leaves no partial copy behind.
	counter := &fsutil.FaultFS{}
	if _, err := fsutil.CopyFile(counter, src, filepath.Join(dir, "c"), 0o600); err != nil {
		t.Fatal(err)
	}
	for n := 1; n <= counter.Count(); n++ {
		d := filepath.Join(dir, "fault")
		_, err := fsutil.CopyFile(&fsutil.FaultFS{FailAt: n, ShortWrite: true}, src, d, 0o600)
		if !errors.Is(err, fsutil.ErrInjected) {
			t.Fatalf("op %d: err = %v", n, err)
		}
		if _, err := os.Lstat(d); !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("op %d: partial copy left: %v", n, err)
		}
	}
}

func TestFaultFSShortWrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "f")
	ffs := &fsutil.FaultFS{FailAt: 2, ShortWrite: true}
	f, err := ffs.OpenFile(path, os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	n, err := f.Write([]byte("0123456789"))
	if n != 5 || !errors.Is(err, fsutil.ErrInjected) {
		t.Fatalf("n=%d err=%v", n, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if got := readOrNil(t, path); string(got) != "01234" {
		t.Fatalf("content %q", got)
	}
	want := []string{"create", "write", "close"}
	for i, op := range ffs.Ops() {
		if op.Name != want[i] || op.Path != path {
			t.Fatalf("ops = %v", ffs.Ops())
		}
	}
}
