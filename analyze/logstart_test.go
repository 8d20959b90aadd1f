package analyze

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/segment"
)

// TestTxnLogStartOffsetCompacted: a compacted partition whose first present
// offset is 1020 in 00000000000000000000.log has log start offset 0, as the
// broker loads it (LogLoader: max(first segment base, checkpoint)); a marker
// whose data is gone says compaction only when the directory shows the
// cleaner ran, and never claims retention then.
func TestTxnLogStartOffsetCompacted(t *testing.T) {
	dir := writePartition(t, []gseg{{base: 1020, batches: []gb{plain(3), commit(7, 0), plain(2)}}})
	for _, suf := range []string{segment.LogSuffix} {
		if err := os.Rename(filepath.Join(dir, segment.FileName(1020, suf)), filepath.Join(dir, segment.FileName(0, suf))); err != nil {
			t.Fatal(err)
		}
	}
	note := func(r *TxnReport) string {
		for _, f := range r.Findings {
			if f.Kind == KindMarkerWithoutData {
				return f.Detail
			}
		}
		t.Fatalf("no %s finding: %+v", KindMarkerWithoutData, r.Findings)
		return ""
	}
	r, err := AnalyzeTxns(dir, TxnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if r.LogStartOffset != 0 || r.LogEndOffset != 1026 {
		t.Fatalf("log start %d end %d, want 0 and 1026", r.LogStartOffset, r.LogEndOffset)
	}
	if d := note(r); !strings.Contains(d, "retention or removed by log compaction") {
		t.Errorf("unknown cause: %q", d)
	}
	cp := filepath.Join(filepath.Dir(dir), segment.CleanerOffsetCheckpointFile)
	if err := os.WriteFile(cp, []byte("0\n1\nt 0 1024\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err = AnalyzeTxns(dir, TxnOptions{}); err != nil {
		t.Fatal(err)
	}
	if d := note(r); !strings.Contains(d, "removed by log compaction") || strings.Contains(d, "retention") {
		t.Errorf("compacted, log start 0: %q", d)
	}
	// The log start checkpoint raises the start.
	ls := filepath.Join(filepath.Dir(dir), segment.LogStartOffsetCheckpointFile)
	if err := os.WriteFile(ls, []byte("0\n1\nt 0 1000\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err = AnalyzeTxns(dir, TxnOptions{}); err != nil {
		t.Fatal(err)
	}
	if r.LogStartOffset != 1000 {
		t.Errorf("with log-start-offset-checkpoint 1000: log start %d", r.LogStartOffset)
	}
	if d := note(r); !strings.Contains(d, "compaction or deleted by retention") {
		t.Errorf("compacted, log start 1000: %q", d)
	}
}
