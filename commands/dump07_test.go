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

const corpus07 = "../../shared/corpus/apache-kafka-0.7/core/src/test/resources/test-kafka-logs/MagicByte0-0/00000000000000000000.kafka"

// write07 writes a 0.7 partition dir under dir: one segment at byte offset
// 0 with plain magic 0/1 messages and a gzip and a snappy wrapper.
func write07(t *testing.T, dir string) string {
	t.Helper()
	ok := func(b []byte, err error) []byte {
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var seg []byte
	seg = ok(format.AppendKafka07Message(seg, 0, format.CompressionNone, []byte("hello from 0.6")))
	seg = ok(format.AppendKafka07Message(seg, 1, format.CompressionNone, []byte("hello from 0.7")))
	for _, c := range []format.Compression{format.CompressionGzip, format.CompressionSnappy} {
		var inner []byte
		for i := 0; i < 3; i++ {
			inner = ok(format.AppendKafka07Message(inner, 1, format.CompressionNone, []byte(fmt.Sprintf("%s message %d", c, i))))
		}
		seg = ok(format.AppendKafka07Wrapper(seg, c, inner))
	}
	p := filepath.Join(dir, "events-0")
	if err := os.MkdirAll(p, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(p, "00000000000000000000.kafka")
	if err := os.WriteFile(path, seg, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDump07Golden(t *testing.T) {
	dir := t.TempDir()
	seg := write07(t, dir)
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"dump07-shallow", []string{"dump", seg}, ExitOK},
		{"dump07-deep", []string{"dump", "--deep-iteration", seg}, ExitOK},
		{"dump07-data", []string{"dump", "--print-data-log", seg}, ExitOK},
		{"dump07-json", []string{"dump", "--json", "--print-data-log", seg}, ExitOK},
	}
	if _, err := os.Stat(corpus07); err == nil {
		cases = append(cases, struct {
			name string
			args []string
			code int
		}{"dump07-corpus", []string{"dump", "--max-bytes", "600", "--print-data-log", corpus07}, ExitOK})
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.HashTree(t, dir)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, dir, before)
			if code != tc.code {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			out = strings.ReplaceAll(out, dir, "$TMP")
			testutil.Golden(t, filepath.Join("../testdata/golden", tc.name+".golden"), []byte(out), *update)
		})
	}
}

func TestDump07Findings(t *testing.T) {
	dir := t.TempDir()
	seg := write07(t, dir)
	fi, _ := os.Stat(seg)
	testutil.MustFlipBit(t, seg, 4+5+3, 0) // payload of the first message: CRC mismatch
	_, errOut, code := run(t, "dump", seg)
	if code != ExitFindings || !strings.Contains(errOut, "crc-mismatch") {
		t.Fatalf("crc: exit %d stderr %q", code, errOut)
	}
	testutil.MustFlipBit(t, seg, 4+5+3, 0)
	testutil.MustTruncate(t, seg, fi.Size()-5)
	out, errOut, code := run(t, "dump", seg)
	if code != ExitFindings || !strings.Contains(out, "Found ") || !strings.Contains(errOut, "truncated") {
		t.Fatalf("torn: exit %d\n%s\n%s", code, out, errOut)
	}
}
