package verify_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/verify"
)

// testInterval is a small index.interval.bytes so that small fixtures have
// index entries.
const testInterval = 1024

// segSpec describes one generated segment: its file name's base offset and
// the base offsets of its batches (recordsPerBatch records each).
type segSpec struct {
	name    int64
	batches []int64
}

// fixture is a generated partition.
type fixture struct {
	logDir string
	dir    string
	// pos[i][j] is the byte position of batch j of segment i; pos[i][n] is
	// the file size.
	pos   [][]int64
	specs []segSpec
}

const recordsPerBatch = 5

func (f *fixture) log(i int) string {
	return filepath.Join(f.dir, segment.FileName(f.specs[i].name, segment.LogSuffix))
}
func (f *fixture) index(i int) string {
	return filepath.Join(f.dir, segment.FileName(f.specs[i].name, segment.IndexSuffix))
}
func (f *fixture) timeIndex(i int) string {
	return filepath.Join(f.dir, segment.FileName(f.specs[i].name, segment.TimeIndexSuffix))
}

// consecutive returns n batch base offsets from first.
func consecutive(first int64, n int) []int64 {
	out := make([]int64, n)
	for i := range out {
		out[i] = first + int64(i)*recordsPerBatch
	}
	return out
}

// defaultSpecs: two segments of 20 batches, offsets 0..99 and 100..199.
func defaultSpecs() []segSpec {
	return []segSpec{{0, consecutive(0, 20)}, {100, consecutive(100, 20)}}
}

// newFixture writes <tmp>/logdir/t-0 with meta.properties and the segments,
// with indexes built by the broker's rule.
func newFixture(t testing.TB, specs []segSpec) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{logDir: filepath.Join(root, "logdir"), specs: specs}
	f.dir = filepath.Join(f.logDir, "t-0")
	must(t, os.MkdirAll(f.dir, 0o755))
	must(t, os.WriteFile(filepath.Join(f.logDir, "meta.properties"), []byte("version=1\nnode.id=1\n"), 0o644))
	for i, s := range specs {
		var buf []byte
		var pos []int64
		for _, base := range s.batches {
			pos = append(pos, int64(len(buf)))
			var err error
			buf, err = format.AppendBatch(buf, batchOpts(base), messages(base))
			must(t, err)
		}
		pos = append(pos, int64(len(buf)))
		f.pos = append(f.pos, pos)
		must(t, os.WriteFile(f.log(i), buf, 0o644))
		ix, ti, err := verify.BuildIndexes(f.log(i), testInterval)
		must(t, err)
		must(t, os.WriteFile(f.index(i), ix, 0o644))
		must(t, os.WriteFile(f.timeIndex(i), ti, 0o644))
	}
	return f
}

func batchOpts(base int64) format.BatchOptions {
	o := format.BatchOptions{Magic: 2, BaseOffset: base, PartitionLeaderEpoch: 0}
	o.NoProducer()
	return o
}

func messages(base int64) []format.Message {
	var ms []format.Message
	for i := 0; i < recordsPerBatch; i++ {
		v := bytes.Repeat([]byte{byte('a' + (base+int64(i))%26)}, 90)
		ms = append(ms, format.Message{Key: []byte(fmt.Sprintf("k%d", base+int64(i))), Value: v, Timestamp: 1_700_000_000_000 + base + int64(i)})
	}
	return ms
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// runVerify verifies paths and returns the findings sorted by file and
// position, and the summary.
func runVerify(t testing.TB, opts verify.Options, paths ...string) ([]verify.Finding, *verify.Summary) {
	t.Helper()
	var fs []verify.Finding
	opts.OnFinding = func(f verify.Finding) { fs = append(fs, f) }
	sum, err := verify.Verify(context.Background(), paths, opts)
	must(t, err)
	sort.SliceStable(fs, func(i, j int) bool {
		if fs[i].File != fs[j].File {
			return fs[i].File < fs[j].File
		}
		return fs[i].Position < fs[j].Position
	})
	return fs, sum
}

func errorsOf(fs []verify.Finding, min verify.Severity) []verify.Finding {
	var out []verify.Finding
	for _, f := range fs {
		if f.Severity >= min {
			out = append(out, f)
		}
	}
	return out
}

func describe(fs []verify.Finding) string {
	var sb strings.Builder
	for _, f := range fs {
		sb.WriteString("\n  " + f.String())
	}
	return sb.String()
}

// snapshot reads every regular file under dir (not temp files).
func snapshot(t testing.TB, dir string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	must(t, filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			abs, _ := filepath.Abs(p)
			out[abs] = b
		}
		return nil
	}))
	return out
}

// requireReassembles proves every file of before can be rebuilt from what
// is left on disk plus the quarantine (fsutil.RestoreCheck).
func requireReassembles(t testing.TB, before map[string][]byte, qdir string) {
	t.Helper()
	var entries []fsutil.Entry
	if qdir != "" {
		m, err := fsutil.ReadManifest(qdir)
		must(t, err)
		entries = m.Entries
	}
	for path, orig := range before {
		var es []fsutil.Entry
		for _, e := range entries {
			if e.Source == path {
				es = append(es, e)
			}
		}
		kept, err := os.ReadFile(path)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		if err := fsutil.RestoreCheck(orig, kept, qdir, es); err != nil {
			t.Errorf("%s: cannot reassemble the original: %v", filepath.Base(path), err)
		}
	}
}

func setInt64BE(t testing.TB, path string, pos int64, v int64) {
	t.Helper()
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(v))
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	must(t, err)
	defer f.Close()
	_, err = f.WriteAt(b[:], pos)
	must(t, err)
}

// fixCRC recomputes a v2 batch's CRC-32C after an edit.
func fixCRC(batch []byte) {
	binary.BigEndian.PutUint32(batch[17:], format.CRC32C(batch[21:]))
}
