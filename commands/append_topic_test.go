package commands

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/partitioner"
)

func TestAppendTopicPartitions(t *testing.T) {
	logDir := t.TempDir()
	var in strings.Builder
	counts := make([]int, 3)
	for i := 0; i < 40; i++ {
		key := fmt.Sprintf("customer-%d", i%11)
		fmt.Fprintf(&in, "%s:order %d\n", key, i)
		counts[partitioner.Partition([]byte(key), 3)]++
	}
	input := filepath.Join(t.TempDir(), "in.txt")
	if err := os.WriteFile(input, []byte(in.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "append", "--topic", "orders", "--partitions", "3", "--input", input,
		"--key-separator", ":", "--timestamp", "1700000000000", "--fsync", "never", logDir)
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	testutil.Golden(t, "../testdata/golden/append-topic.golden", []byte(out), *update)
	for p, n := range counts {
		if !strings.Contains(out, fmt.Sprintf("partition: orders-%d firstOffset: 0 lastOffset: %d", p, n-1)) {
			t.Errorf("partition %d: want %d records in\n%s", p, n, out)
		}
	}
	// The written partitions verify clean.
	if _, errOut, code := run(t, "verify", logDir); code != ExitOK {
		t.Fatalf("verify: %d %s", code, errOut)
	}
	for _, args := range [][]string{
		{"append", "--partitions", "3", logDir},
		{"append", "--topic", "orders", "--partitions", "0", logDir},
		{"append", "--topic", "orders", "--partitions", "3", "--partition", "1", logDir},
		{"append", "--topic", "orders", "--partitions", "3", "--format", "raw-batches", logDir},
	} {
		if _, _, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
}
