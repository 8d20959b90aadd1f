package verify_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/verify"
)

// noSyncFS is OSFS without fsyncs: FaultFS cannot simulate the loss of
// unsynced data anyway, and skipping the syscalls keeps the hundreds of
// crash-point runs fast. The real fsync path runs in the other tests.
type noSyncFS struct{ fsutil.OSFS }

type noSyncFile struct{ fsutil.File }

func (noSyncFile) Sync() error { return nil }

func (n noSyncFS) OpenFile(name string, flag int, perm os.FileMode) (fsutil.File, error) {
	f, err := n.OSFS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return noSyncFile{f}, nil
}

func (noSyncFS) SyncDir(string) error { return nil }

// relContent maps slash paths relative to dir to contents, leaving out
// kseg temp files (a crash may leave one; the rerun removes it).
func relContent(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for p, b := range snapshot(t, dir) {
		rel, err := filepath.Rel(dir, p)
		must(t, err)
		if strings.HasSuffix(rel, fsutil.TempSuffix) || rel == ".lock" {
			continue
		}
		out[filepath.ToSlash(rel)] = string(b)
	}
	return out
}

func applyWith(t testing.TB, dir string, salvage bool, fsys fsutil.FS) error {
	t.Helper()
	p := plan(t, verify.RepairOptions{Salvage: salvage}, dir)
	_, err := verify.Apply(context.Background(), p, verify.ApplyOptions{FS: fsys, QuarantineDir: t.TempDir(), IndexIntervalBytes: testInterval}) // fresh parent: quarantine names are per second and pid
	return err
}

// TestCrashPoints fails the repair at every file-system operation (as a
// crashed process: nothing after it runs), then checks that every file is
// wholly old or wholly new, and that rerunning the repair ends in exactly
// the state an uninterrupted run reaches.
func TestCrashPoints(t *testing.T) {
	cases := []struct {
		name    string
		salvage bool
		mutate  func(t *testing.T, f *fixture)
	}{
		{"split", true, func(t *testing.T, f *fixture) {
			testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+100, 3)
		}},
		{"torn tail", false, func(t *testing.T, f *fixture) { testutil.MustTruncate(t, f.log(1), f.pos[1][19]+50) }},
		{"index rebuild and temp file", false, func(t *testing.T, f *fixture) {
			must(t, os.Remove(f.index(0)))
			testutil.MustAppendZeros(t, f.timeIndex(0), 120)
			must(t, os.WriteFile(f.log(1)+fsutil.TempSuffix, []byte("x"), 0o644))
		}},
		{"overlap removes the original", true, func(t *testing.T, f *fixture) {}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			specs := defaultSpecs()
			if tc.name == "overlap removes the original" {
				specs = []segSpec{{0, consecutive(0, 20)}, {90, consecutive(90, 20)}}
			}
			f := newFixture(t, specs)
			tc.mutate(t, f)
			pristine := filepath.Join(t.TempDir(), "pristine")
			testutil.CopyTree(t, f.logDir, pristine)
			old := relContent(t, pristine)

			ref := filepath.Join(t.TempDir(), "logdir")
			testutil.CopyTree(t, pristine, ref)
			count := &fsutil.FaultFS{Base: noSyncFS{}}
			must(t, applyWith(t, ref, tc.salvage, count))
			want := relContent(t, ref)
			n := count.Count()
			if n == 0 {
				t.Fatal("no operations")
			}
			for k := 1; k <= n; k++ {
				dir := filepath.Join(t.TempDir(), "logdir")
				testutil.CopyTree(t, pristine, dir)
				ffs := &fsutil.FaultFS{Base: noSyncFS{}, FailAt: k, Crash: true}
				if err := applyWith(t, dir, tc.salvage, ffs); err == nil {
					t.Fatalf("crash at op %d (%s): no error", k, count.Ops()[k-1])
				}
				got := relContent(t, dir)
				for p, g := range got {
					o, inOld := old[p]
					w, inNew := want[p]
					if !(inOld && g == o) && !(inNew && g == w) {
						t.Fatalf("crash at op %d (%s): %s is neither wholly old nor wholly new", k, count.Ops()[k-1], p)
					}
				}
				if err := applyWith(t, dir, tc.salvage, noSyncFS{}); err != nil {
					t.Fatalf("crash at op %d (%s): rerun: %v", k, count.Ops()[k-1], err)
				}
				after := relContent(t, dir)
				if d := diffContent(want, after); d != "" {
					t.Fatalf("crash at op %d (%s): rerun did not reach the uninterrupted result: %s", k, count.Ops()[k-1], d)
				}
			}
		})
	}
}

func diffContent(want, got map[string]string) string {
	var out []string
	for p, w := range want {
		if g, ok := got[p]; !ok {
			out = append(out, "missing "+p)
		} else if g != w {
			out = append(out, "differs "+p)
		}
	}
	for p := range got {
		if _, ok := want[p]; !ok {
			out = append(out, "extra "+p)
		}
	}
	return strings.Join(out, ", ")
}
