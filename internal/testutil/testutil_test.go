package testutil

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMutators(t *testing.T) {
	base := []byte{0, 1, 2, 3, 4, 5, 6, 7}
	for _, tc := range []struct {
		name string
		fn   func(path string) error
		want []byte
	}{
		{"flip", func(p string) error { return FlipBit(p, 2, 7) }, []byte{0, 1, 0x82, 3, 4, 5, 6, 7}},
		{"truncate", func(p string) error { return Truncate(p, 3) }, []byte{0, 1, 2}},
		{"zero", func(p string) error { return ZeroRange(p, 1, 4) }, []byte{0, 0, 0, 0, 4, 5, 6, 7}},
		{"append zeros", func(p string) error { return AppendZeros(p, 2) }, append(append([]byte{}, base...), 0, 0)},
		{"write at", func(p string) error { return WriteAt(p, 6, []byte{9, 9}) }, []byte{0, 1, 2, 3, 4, 5, 9, 9}},
		{"int32", func(p string) error { return SetInt32BE(p, 0, -1) }, []byte{0xff, 0xff, 0xff, 0xff, 4, 5, 6, 7}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "f")
			if err := os.WriteFile(p, base, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := tc.fn(p); err != nil {
				t.Fatal(err)
			}
			got, _ := os.ReadFile(p)
			if !bytes.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
	// Out-of-range positions are errors, never silent extensions.
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, base, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, err := range []error{FlipBit(p, 8, 0), WriteAt(p, 7, []byte{1, 2}), SetInt32BE(p, 5, 1), ZeroRange(p, 4, 2), FlipBit(p, 0, 8)} {
		if err == nil {
			t.Error("out-of-range mutation accepted")
		}
	}
	if got, _ := os.ReadFile(p); !bytes.Equal(got, base) {
		t.Fatalf("file changed: %v", got)
	}
}

func TestHashTreeAndCopyTree(t *testing.T) {
	src := t.TempDir()
	if err := os.MkdirAll(filepath.Join(src, "t-0"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(src, "t-0", "a.log"), []byte("abc"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("t-0/a.log", filepath.Join(src, "link")); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(t.TempDir(), "copy")
	CopyTree(t, src, dst)
	RequireTreesEqual(t, ContentTree(t, src), ContentTree(t, dst))

	// Age the directory so its mtime visibly moves even where timestamps
	// come from a coarse (jiffy) clock.
	old := time.Unix(1_000_000_000, 0)
	if err := os.Chtimes(filepath.Join(dst, "t-0"), old, old); err != nil {
		t.Fatal(err)
	}
	before := HashTree(t, dst)
	RequireUnchanged(t, dst, before)
	// A temp file created and removed again is still caught (dir mtime).
	tmp := filepath.Join(dst, "t-0", "x.kseg-tmp")
	if err := os.WriteFile(tmp, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if d := DiffTrees(before, HashTree(t, dst)); !strings.Contains(d, "+ t-0/x.kseg-tmp") {
		t.Fatalf("diff misses added file:\n%s", d)
	}
	if err := os.Remove(tmp); err != nil {
		t.Fatal(err)
	}
	if d := DiffTrees(before, HashTree(t, dst)); !strings.Contains(d, "- t-0: dir") {
		t.Fatalf("diff misses directory change:\n%s", d)
	}
	MustFlipBit(t, filepath.Join(dst, "t-0", "a.log"), 0, 0)
	d := DiffTrees(ContentTree(t, src), ContentTree(t, dst))
	if !strings.Contains(d, "- t-0/a.log") || !strings.Contains(d, "+ t-0/a.log") || strings.Count(d, "\n") != 2 {
		t.Fatalf("diff:\n%s", d)
	}
}
