package commands

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/metadata"
	"github.com/kseg/kseg/metadata/metadatatest"
)

// kraftFixture generates a small KRaft log dir (deterministic: fixed
// timestamps and ids) with a snapshot at offset 30 and quorum-state.
func kraftFixture(t *testing.T) string {
	t.Helper()
	logDir := filepath.Join(t.TempDir(), "kraft")
	mdir := filepath.Join(logDir, "__cluster_metadata-0")
	w, err := metadatatest.Create(filepath.Join(mdir, "00000000000000000000.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := metadatatest.Scenario(w, 2, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	o := metadata.DefaultOptions()
	o.AtOffset = 29
	res, err := metadata.Load(mdir, o)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := metadatatest.WriteSnapshot(mdir, res.Image, 1, res.Image.Timestamp); err != nil {
		t.Fatal(err)
	}
	qs := `{"clusterId":"","leaderId":100,"leaderEpoch":1,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":100}],"data_version":0}`
	if err := os.WriteFile(filepath.Join(mdir, "quorum-state"), []byte(qs), 0o644); err != nil {
		t.Fatal(err)
	}
	return logDir
}

func TestKRaftGolden(t *testing.T) {
	d := kraftFixture(t)
	m := d + "/__cluster_metadata-0/"
	snap := m + "00000000000000000030-0000000001.checkpoint"
	cases := []struct {
		name string
		args []string
		code int
	}{
		{"dump-kraft-log", []string{"dump", "--print-data-log", m + "00000000000000000000.log"}, 0},
		{"dump-kraft-log-json", []string{"dump", "--json", "--cluster-metadata-decoder", m + "00000000000000000000.log"}, 0},
		{"dump-kraft-snapshot", []string{"dump", "--cluster-metadata-decoder", snap}, 0},
		{"dump-kraft-quorum-state", []string{"dump", m + "quorum-state", "--json", m + "quorum-state"}, 0},
		{"metadata-image", []string{"metadata", d}, 0},
		{"metadata-image-json", []string{"metadata", "--json", m}, 0},
		{"metadata-at-offset", []string{"metadata", "--at-offset", "35", d}, 0},
		{"metadata-snapshot-only", []string{"metadata", snap}, 0},
		{"metadata-at-time", []string{"metadata", "--at-time", "2025-01-01T00:00:20Z", d}, 0},
		{"metadata-history-partition", []string{"metadata", "--history", "partition=topic-0-1", d}, 0},
		{"metadata-history-topic-json", []string{"metadata", "--json", "--history", "topic=topic-1", d}, 0},
		{"metadata-history-broker", []string{"metadata", "--history", "broker=3", d}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.HashTree(t, d)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, d, before)
			if code != tc.code {
				t.Fatalf("exit %d, want %d, stderr:\n%s", code, tc.code, errOut)
			}
			out = strings.ReplaceAll(out, filepath.Dir(d), "TMP")
			testutil.Golden(t, filepath.Join("../testdata/golden", tc.name+".golden"), []byte(out), *update)
		})
	}
}

func TestMetadataUsageErrors(t *testing.T) {
	d := kraftFixture(t)
	for _, args := range [][]string{
		{"metadata"},
		{"metadata", "--history", "topic", d},
		{"metadata", "--history", "partition=x", d},
		{"metadata", "--at-time", "yesterday", d},
		{"dump", "--cluster-metadata-decoder", "--offsets-decoder", d},
		// Regressions: a second PATH, a negative offset or time were
		// accepted and the image at the end printed instead.
		{"metadata", d, d},
		{"metadata", "--at-offset", "-5", d},
		{"metadata", "--at-time", "-5", d},
	} {
		if _, _, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d", args, code, ExitUsage)
		}
	}
	if _, errOut, code := run(t, "metadata", t.TempDir()); code != ExitFailure || !strings.Contains(errOut, "no __cluster_metadata") {
		t.Errorf("empty dir: exit %d: %s", code, errOut)
	}
}

// TestDumpKafkaMetadataVector replays Kafka's own DumpLogSegmentsTest
// testDumpMetadataRecords: RegisterBrokerRecord/TopicRecord/
// PartitionChangeRecord v0, then a bogus record (uvarint 10000 twice) that
// Kafka reports as "Error at …, skipping." while the rest still decode.
func TestDumpKafkaMetadataVector(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "__cluster_metadata-0")
	w, err := metadatatest.Create(filepath.Join(dir, "00000000000000000000.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	recs := [][]byte{
		metadatatest.Rec(0, 0, "brokerId", 0, "brokerEpoch", int64(10)),
		metadatatest.Rec(0, 0, "brokerId", 1, "brokerEpoch", int64(20)),
		metadatatest.Rec(2, 0, "name", "test-topic", "topicId", metadatatest.ID(1)),
		metadatatest.Rec(5, 0, "topicId", metadatatest.ID(2), "leader", 1, "partitionId", 0, "isr", []int32{0, 1, 2}),
	}
	if err := w.Batch(recs...); err != nil {
		t.Fatal(err)
	}
	if err := w.Batch([]byte{0x90, 0x4e, 0x90, 0x4e}); err != nil { // uvarint 10000, 10000
		t.Fatal(err)
	}
	if err := w.Batch(recs...); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	out, errOut, code := run(t, "dump", "--cluster-metadata-decoder", "--skip-record-metadata", filepath.Join(dir, "00000000000000000000.log"))
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		// Kafka's defaults for unset fields: rack "" (a nullable string
		// defaults to empty, not null), fenced true.
		`payload: {"type":"REGISTER_BROKER_RECORD","version":0,"data":{"brokerId":0,"incarnationId":"AAAAAAAAAAAAAAAAAAAAAA","brokerEpoch":10,"endPoints":[],"features":[],"rack":"","fenced":true}}`,
		`payload: {"type":"TOPIC_RECORD","version":0,"data":{"name":"test-topic","topicId":"QAAAAAAAAAAAAAAAAAAAAg"}}`,
		// PartitionChangeRecord: only the tagged fields that differ from their defaults are printed.
		`payload: {"type":"PARTITION_CHANGE_RECORD","version":0,"data":{"partitionId":0,"topicId":"QAAAAAAAAAAAAAAAAAAAAw","isr":[0,1,2],"leader":1}}`,
		"payload: Error at 4, skipping. kseg/metadata: position 0: bad-frame-version: frame version 10000 (only 1 is supported)",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %s\n%s", want, out)
		}
	}
	if n := strings.Count(out, "TOPIC_RECORD"); n != 2 {
		t.Errorf("%d TOPIC_RECORD lines, want 2", n)
	}
}

// TestMetadataTornTailAndCorruption: a torn tail still gives the image up to
// the last whole batch (exit 1, reported); a CRC mismatch inside the log is a
// finding (exit 1), never a crash.
func TestMetadataTornTailAndCorruption(t *testing.T) {
	d := kraftFixture(t)
	log := filepath.Join(d, "__cluster_metadata-0", "00000000000000000000.log")
	fi, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	testutil.MustTruncate(t, log, fi.Size()-5)
	out, errOut, code := run(t, "metadata", "--json", d)
	if code != ExitFindings || !strings.Contains(errOut, "torn tail") || !strings.Contains(out, `"topics":[`) {
		t.Fatalf("torn tail: exit %d stderr %q", code, errOut)
	}
	testutil.MustFlipBit(t, log, 200, 3)
	_, errOut, code = run(t, "metadata", d)
	if code != ExitFindings || !strings.Contains(errOut, "crc") {
		t.Fatalf("corrupt: exit %d stderr %q", code, errOut)
	}
}

// TestDumpCorpusKRaft dumps every real KRaft file of the corpus with the
// automatic decoder: every record decodes (no "Error at", no UNKNOWN), the
// snapshot and bootstrap headers are Kafka's, quorum-state dumps.
func TestDumpCorpusKRaft(t *testing.T) {
	root := "../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		t.Skip("corpus not present")
	}
	for _, p := range []string{
		"LDI-POC/bootstrap.checkpoint",
		"LDI-POC/__cluster_metadata-0/00000000000000000000.log",
		"LDI-POC/__cluster_metadata-0/quorum-state",
		"Backend_labs/kafka-data/bootstrap.checkpoint",
		"Backend_labs/kafka-data/__cluster_metadata-0/00000000000000000000.log",
		"Backend_labs/kafka-data/__cluster_metadata-0/00000000000000005151.log",
		"patient-admissions/kafka-data/__cluster_metadata-0/00000000000000060500-0000000025.checkpoint",
	} {
		path := filepath.Join(root, p)
		out, errOut, code := run(t, "dump", "--print-data-log", path)
		if code != ExitOK {
			t.Fatalf("%s: exit %d: %s", p, code, errOut)
		}
		switch {
		case strings.HasSuffix(p, "quorum-state"):
			if !strings.Contains(out, "leaderEpoch: 1") {
				t.Errorf("%s: %s", p, out)
			}
			continue
		case strings.HasSuffix(p, "bootstrap.checkpoint"):
			if !strings.Contains(out, "KRaft bootstrap snapshot\n") {
				t.Errorf("%s: no bootstrap header", p)
			}
		case strings.HasSuffix(p, ".checkpoint"):
			if !strings.Contains(out, "Snapshot end offset: 60500, epoch: 25\n") || !strings.Contains(out, "SnapshotHeader {") || !strings.Contains(out, "SnapshotFooter {") {
				t.Errorf("%s: snapshot header lines missing", p)
			}
		}
		if strings.Contains(out, "Error at") || strings.Contains(out, "UNKNOWN") || !strings.Contains(out, `payload: {"type":"FEATURE_LEVEL_RECORD"`) && !strings.HasSuffix(p, "5151.log") {
			t.Errorf("%s: undecoded records or no payloads", p)
		}
		if n := strings.Count(out, "payload: {\"type\":"); n == 0 {
			t.Errorf("%s: no decoded payloads", p)
		}
	}
}

// TestMetadataHistoryNoneAndSnapshotStart: an empty history exited 0 with no
// output, which read as "never changed" — for an unknown subject, and for a
// topic whose changes all lie inside the snapshot the replay started from.
// Now exit 1 with a note, and a replay from a snapshot says so.
func TestMetadataHistoryNoneAndSnapshotStart(t *testing.T) {
	d := kraftFixture(t)
	out, errOut, code := run(t, "metadata", "--history", "topic=no-such-topic", d)
	if code != ExitFindings || out != "" || !strings.Contains(errOut, "no changes to topic=no-such-topic") {
		t.Errorf("unknown topic: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// Only the snapshot (offsets 0..29): topic-1 exists in it, its changes
	// are folded in.
	snap := filepath.Join(d, "__cluster_metadata-0", "00000000000000000030-0000000001.checkpoint")
	img, _, code := run(t, "metadata", snap)
	if code != ExitOK || !strings.Contains(img, "topic-1") {
		t.Fatalf("snapshot image: exit %d, topic-1 missing:\n%s", code, img)
	}
	out, errOut, code = run(t, "metadata", "--history", "topic=topic-1", snap)
	if code != ExitFindings || out != "" ||
		!strings.Contains(errOut, "history starts after snapshot 00000000000000000030-0000000001.checkpoint: changes up to offset 29") {
		t.Errorf("history from a snapshot: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	// A history found from offset 0 has no note and exits 0.
	out, errOut, code = run(t, "metadata", "--history", "topic=topic-1", d)
	if code != ExitOK || out == "" || errOut != "" {
		t.Errorf("history from the log: exit %d, stderr %q", code, errOut)
	}
}
