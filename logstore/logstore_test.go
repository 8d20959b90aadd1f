package logstore_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/logstore"
	"github.com/kseg/kseg/server"
	"github.com/kseg/kseg/verify"
	"github.com/twmb/franz-go/pkg/kgo"
)

const sample = "../testdata/sample"

// serve starts kseg's server over dir on a loopback port and stops it when
// the test ends.
func serve(t *testing.T, dir string, writable bool) string {
	t.Helper()
	st, err := logstore.Open(dir, logstore.Options{Writable: writable, Appender: appender.Options{Fsync: appender.FsyncNever, LeaderEpoch: appender.UseLatestLeaderEpoch}})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- server.Serve(ctx, ln, st, server.Config{ReadOnly: !writable}) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			t.Error("server did not stop")
		}
	})
	return ln.Addr().String()
}

func needKcat(t *testing.T) {
	if _, err := exec.LookPath("kcat"); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("kcat is required in CI (make deps)")
		}
		t.Skip("kcat not installed")
	}
}

func kcat(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kcat", args...)
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("kcat %v: %v\n%s", args, err, stderr)
	}
	return string(out)
}

// TestKcatReadsSample consumes the bundled sample through kseg serve with
// librdkafka (kcat): every partition, every codec and magic, headers,
// read_committed hiding the aborted transaction, tail offsets, timestamp
// lookups; and the log dir is byte-identical afterwards.
func TestKcatReadsSample(t *testing.T) {
	needKcat(t)
	before := testutil.HashTree(t, sample)
	addr := serve(t, sample, false)
	meta := kcat(t, "", "-L", "-b", addr)
	for _, want := range []string{`topic "orders" with 1 partitions`, `topic "legacy-v0" with 1 partitions`, `topic "legacy-v1" with 1 partitions`} {
		if !strings.Contains(meta, want) {
			t.Fatalf("kcat -L lacks %q:\n%s", want, meta)
		}
	}
	fmtArgs := []string{"-f", "%o|%k|%s|%h\n"}
	committed := kcat(t, "", append([]string{"-C", "-b", addr, "-t", "orders", "-p", "0", "-o", "beginning", "-e", "-X", "isolation.level=read_committed"}, fmtArgs...)...)
	all := kcat(t, "", append([]string{"-C", "-b", addr, "-t", "orders", "-p", "0", "-o", "beginning", "-e", "-X", "isolation.level=read_uncommitted"}, fmtArgs...)...)
	lines := func(s string) []string { return strings.Split(strings.TrimSpace(s), "\n") }
	if n := len(lines(all)); n != 31 { // 33 offsets minus 2 control records
		t.Fatalf("read_uncommitted: %d records\n%s", n, all)
	}
	if n := len(lines(committed)); n != 29 || strings.Contains(committed, "\n24|") || strings.Contains(committed, "\n25|") {
		t.Fatalf("read_committed must hide aborted offsets 24 and 25: %d records\n%s", n, committed)
	}
	if !strings.Contains(all, "1|key-1|orders value 1|trace-id=t0001,empty=NULL") || !strings.Contains(all, "24|key-24|orders value 24|") {
		t.Fatalf("records or headers wrong:\n%s", all)
	}
	last := kcat(t, "", "-C", "-b", addr, "-t", "orders", "-p", "0", "-o", "-5", "-e", "-X", "isolation.level=read_uncommitted", "-f", "%o\n")
	if strings.Fields(last)[0] != "27" && strings.Fields(last)[0] != "28" {
		t.Fatalf("-o -5 started at %q", last)
	}
	for _, p := range []string{"legacy-v0", "legacy-v1"} {
		out := kcat(t, "", "-C", "-b", addr, "-t", p, "-p", "0", "-o", "beginning", "-e", "-f", "%o|%s\n")
		if n := len(lines(out)); n != 12 || !strings.Contains(out, "11|"+p+" value 11") {
			t.Fatalf("%s: %d records\n%s", p, n, out)
		}
	}
	q := kcat(t, "", "-Q", "-b", addr, "-t", "orders:0:1704067211500")
	if !strings.Contains(q, "offset 12") {
		t.Fatalf("kcat -Q: %s", q)
	}
	testutil.RequireUnchanged(t, sample, before)
}

// TestProduceThenVerify produces through kcat with every codec and through
// franz-go into a writable server over a copy of the sample, then checks the
// log dir verifies clean and the records read back.
func TestProduceThenVerify(t *testing.T) {
	needKcat(t)
	dir := filepath.Join(t.TempDir(), "logs")
	testutil.CopyTree(t, sample, dir)
	addr := serve(t, dir, true)
	var want []string
	for _, codec := range []string{"none", "gzip", "snappy", "lz4", "zstd"} {
		var in strings.Builder
		for i := 0; i < 50; i++ {
			fmt.Fprintf(&in, "%s-%d:value %s %d\n", codec, i, codec, i)
			want = append(want, fmt.Sprintf("%s-%d|value %s %d", codec, i, codec, i))
		}
		kcat(t, in.String(), "-P", "-b", addr, "-t", "orders", "-p", "0", "-K", ":", "-z", codec)
	}
	cl, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.DefaultProduceTopic("orders"), kgo.ProducerBatchCompression(kgo.ZstdCompression()))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for i := 0; i < 20; i++ {
		r := &kgo.Record{Key: []byte(fmt.Sprintf("kgo-%d", i)), Value: []byte(fmt.Sprintf("franz %d", i)), Partition: 0}
		if err := cl.ProduceSync(ctx, r).FirstErr(); err != nil {
			t.Fatalf("franz-go produce: %v", err)
		}
		want = append(want, fmt.Sprintf("kgo-%d|franz %d", i, i))
	}
	cl.Close()
	out := kcat(t, "", "-C", "-b", addr, "-t", "orders", "-p", "0", "-o", "33", "-e", "-f", "%k|%s\n")
	got := strings.Split(strings.TrimSpace(out), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("read back %d records, want %d:\n%s", len(got), len(want), out)
	}
	sum, err := verify.Verify(context.Background(), []string{dir}, verify.Options{Deep: true, Workers: 1})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Errors != 0 || sum.Warnings != 0 {
		t.Fatalf("verify after produce: %+v", sum)
	}
}
