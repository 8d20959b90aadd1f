// Package testutil holds helpers shared by kseg's tests: tree hashing for the
// read-only invariant (STYLE.md §6, after bbolt utils_test.go
// requireDBNoChange), named corruption mutators (after etcd repair_test.go
// corruptFunc) and fixture copying. Import it only from _test.go files.
package testutil

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// HashTree describes every entry under dir (dir itself included, as ".")
// keyed by slash-separated relative path: type, permission bits, modification
// time, and for regular files size and SHA-256; for symlinks the target. A
// file created, removed, rewritten (even with identical bytes: mtime) or
// chmod'ed shows up as a difference, and so does a temp file created and
// removed again (the directory's mtime changes, though on kernels with a
// coarse timestamp clock only if a tick passed since the directory's last
// change). Access times are ignored.
// Use ContentTree to compare content only.
func HashTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	return hashTree(t, dir, true)
}

// ContentTree is HashTree without modification times, for comparing trees
// that were written at different times, e.g. a repaired directory with an
// expected one.
func ContentTree(t testing.TB, dir string) map[string]string {
	t.Helper()
	return hashTree(t, dir, false)
}

func hashTree(t testing.TB, dir string, mtime bool) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		var desc string
		switch {
		case fi.Mode().IsRegular():
			sum, err := fileSHA256(path)
			if err != nil {
				return err
			}
			desc = fmt.Sprintf("file %v size=%d sha256=%s", fi.Mode().Perm(), fi.Size(), sum)
		case fi.IsDir():
			desc = fmt.Sprintf("dir %v", fi.Mode().Perm())
		case fi.Mode()&fs.ModeSymlink != 0:
			target, err := os.Readlink(path)
			if err != nil {
				return err
			}
			desc = "symlink -> " + target
		default:
			desc = fmt.Sprintf("other %v", fi.Mode())
		}
		if mtime && fi.Mode()&fs.ModeSymlink == 0 {
			desc += " mtime=" + fi.ModTime().UTC().Format(time.RFC3339Nano)
		}
		out[filepath.ToSlash(rel)] = desc
		return nil
	})
	if err != nil {
		t.Fatalf("testutil: hash tree %s: %v", dir, err)
	}
	return out
}

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// RequireUnchanged fails t if HashTree(dir) differs from before, which must
// come from HashTree on the same dir, listing every added, removed and
// changed entry.
func RequireUnchanged(t testing.TB, dir string, before map[string]string) {
	t.Helper()
	if d := DiffTrees(before, HashTree(t, dir)); d != "" {
		t.Fatalf("testutil: %s changed (-before +after):\n%s", dir, d)
	}
}

// RequireTreesEqual fails t if want and got (from HashTree or ContentTree)
// differ.
func RequireTreesEqual(t testing.TB, want, got map[string]string) {
	t.Helper()
	if d := DiffTrees(want, got); d != "" {
		t.Fatalf("testutil: trees differ (-want +got):\n%s", d)
	}
}

// DiffTrees returns a sorted, line-per-difference description of how b
// differs from a, or "" if they are equal.
func DiffTrees(a, b map[string]string) string {
	keys := map[string]bool{}
	for k := range a {
		keys[k] = true
	}
	for k := range b {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var sb strings.Builder
	for _, k := range sorted {
		av, aok := a[k]
		bv, bok := b[k]
		switch {
		case aok && !bok:
			fmt.Fprintf(&sb, "- %s: %s\n", k, av)
		case !aok && bok:
			fmt.Fprintf(&sb, "+ %s: %s\n", k, bv)
		case av != bv:
			fmt.Fprintf(&sb, "- %s: %s\n+ %s: %s\n", k, av, k, bv)
		}
	}
	return sb.String()
}

// CopyTree copies the directory src to dst (which must not exist), keeping
// permission bits and symlinks, so fixtures can be mutated in t.TempDir().
func CopyTree(t testing.TB, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, path)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		fi, err := os.Lstat(path)
		if err != nil {
			return err
		}
		switch {
		case fi.IsDir():
			// u+w: a read-only fixture directory must still be fillable
			// (and removable by t.TempDir's cleanup).
			return os.Mkdir(target, fi.Mode().Perm()|0o200)
		case fi.Mode()&fs.ModeSymlink != 0:
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		case fi.Mode().IsRegular():
			return copyFile(path, target, fi.Mode().Perm())
		default:
			return fmt.Errorf("%s: unsupported file type %v", path, fi.Mode().Type())
		}
	})
	if err != nil {
		t.Fatalf("testutil: copy tree %s to %s: %v", src, dst, err)
	}
}

func copyFile(src, dst string, perm os.FileMode) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
