package verify_test

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fixtures"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
	"github.com/kseg/kseg/verify"
)

const sampleDir = "../testdata/sample"

// consistencyReasons are the reasons of the state-vs-log checks
// (consistency.go, checkpoints.go). TestCorpus leaves them to
// TestCorpusConsistency.
var consistencyReasons = map[verify.Reason]bool{
	verify.ReasonEpochCheckpointMismatch: true, verify.ReasonEpochCheckpointMissing: true,
	verify.ReasonSnapshotProducer: true, verify.ReasonSnapshotProducerMissing: true,
	verify.ReasonSnapshotCRCMismatch: true, verify.ReasonSnapshotMalformed: true, verify.ReasonStraySnapshot: true,
	verify.ReasonTxnIndexMissingEntry: true, verify.ReasonTxnIndexOrphanEntry: true,
	verify.ReasonTxnIndexEntryMismatch: true, verify.ReasonTxnIndexInvalid: true,
	verify.ReasonCheckpointOutOfRange: true, verify.ReasonCheckpointUnknown: true,
	verify.ReasonCheckpointDuplicate: true, verify.ReasonCheckpointMalformed: true,
}

// consistencyFindings renders the consistency findings as
// "partition/file reason severity offset", sorted.
func consistencyFindings(fs []verify.Finding) []string {
	var out []string
	for _, f := range fs {
		if consistencyReasons[f.Reason] {
			out = append(out, fmt.Sprintf("%s/%s %s %s %d", f.Partition, f.File, f.Reason, f.Severity, f.Offset))
		}
	}
	sort.Strings(out)
	return out
}

func countConsistency(fs []verify.Finding, sev verify.Severity) int64 {
	var n int64
	for _, f := range fs {
		if consistencyReasons[f.Reason] && f.Severity == sev {
			n++
		}
	}
	return n
}

// TestConsistencySampleClean: the sample's state files agree with its logs
// (not even an info), and checking them writes nothing.
func TestConsistencySampleClean(t *testing.T) {
	before := testutil.HashTree(t, sampleDir)
	fs, sum := runVerify(t, verify.Options{Deep: true}, sampleDir)
	if got := consistencyFindings(fs); len(got) != 0 || sum.Errors != 0 {
		t.Fatalf("sample: %d errors, consistency findings:\n%s", sum.Errors, strings.Join(got, "\n"))
	}
	testutil.RequireUnchanged(t, sampleDir, before)
}

// copySample copies the sample log dir into a temp dir.
func copySample(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "sample")
	testutil.CopyTree(t, sampleDir, dst)
	return dst
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	must(t, os.WriteFile(path, b, 0o644))
}

func epochs(t *testing.T, dir string, es ...state.EpochEntry) {
	writeFile(t, filepath.Join(dir, "orders-0", "leader-epoch-checkpoint"), state.AppendLeaderEpochCheckpoint(nil, es))
}

// sampleSnapshot returns the entries of orders-0's snapshot (producer 4000,
// lastOffset 15; producer 5000, lastOffset 25).
func sampleSnapshot(t *testing.T, dir string) []state.ProducerEntry {
	t.Helper()
	s, err := state.DecodeProducerSnapshot(readFile(t, filepath.Join(dir, "orders-0", "00000000000000000033.snapshot")))
	must(t, err)
	return s.Entries
}

func snapshotOf(t *testing.T, dir string, es []state.ProducerEntry) {
	writeFile(t, filepath.Join(dir, "orders-0", "00000000000000000033.snapshot"), state.AppendProducerSnapshot(nil, es))
}

const sampleTxnIndex = "orders-0/00000000000000000020.txnindex"

func txnIndex(t *testing.T, dir string, es ...state.AbortedTxn) {
	var b []byte
	for _, e := range es {
		b = state.AppendAbortedTxn(b, e)
	}
	writeFile(t, filepath.Join(dir, sampleTxnIndex), b)
}

// sampleAbort is the sample's one aborted transaction (producer 5000, data
// at 24..25, ABORT marker at 26).
var sampleAbort = state.AbortedTxn{ProducerID: 5000, FirstOffset: 24, LastOffset: 26, LastStableOffset: 24}

func checkpoint(t *testing.T, dir, name string, es ...state.TopicPartitionOffset) {
	writeFile(t, filepath.Join(dir, name), state.AppendOffsetCheckpoint(nil, es))
}

// sampleRecovery is the sample's recovery-point-offset-checkpoint content
// (every partition at its log end offset).
var sampleRecovery = []state.TopicPartitionOffset{{Topic: "orders", Partition: 0, Offset: 33},
	{Topic: "legacy-v0", Partition: 0, Offset: 12}, {Topic: "legacy-v1", Partition: 0, Offset: 12}}

func withOrders(offset int64) []state.TopicPartitionOffset {
	out := append([]state.TopicPartitionOffset(nil), sampleRecovery...)
	out[0].Offset = offset
	return out
}

// TestConsistencyFindings creates one inconsistency at a time in a copy of
// the sample and asserts that exactly the expected consistency findings are
// reported: the right reason and severity at the right offset, and nothing
// cascading from it.
func TestConsistencyFindings(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(t *testing.T, dir string)
		want   []string // consistencyFindings lines
	}{
		{"epoch missing from the checkpoint", func(t *testing.T, dir string) {
			epochs(t, dir, state.EpochEntry{Epoch: 0, StartOffset: 0})
		}, []string{"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch error 27"}},
		{"epoch starts too early", func(t *testing.T, dir string) {
			epochs(t, dir, state.EpochEntry{Epoch: 0, StartOffset: 0}, state.EpochEntry{Epoch: 1, StartOffset: 25})
		}, []string{
			// Entry 1 claims batches 24..26, which carry epoch 0.
			"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch error 27",
		}},
		{"epoch starts too late", func(t *testing.T, dir string) {
			epochs(t, dir, state.EpochEntry{Epoch: 0, StartOffset: 0}, state.EpochEntry{Epoch: 1, StartOffset: 30})
		}, []string{"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch error 27"}},
		{"epoch starting inside a batch", func(t *testing.T, dir string) {
			// Batch 27..32 carries epoch 1; entry 2 would make a follower
			// truncate 30..32.
			epochs(t, dir, state.EpochEntry{Epoch: 0, StartOffset: 0}, state.EpochEntry{Epoch: 1, StartOffset: 27}, state.EpochEntry{Epoch: 2, StartOffset: 30})
		}, []string{"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch error 30"}},
		{"epochs above any in the log, the last beyond its end", func(t *testing.T, dir string) {
			epochs(t, dir, state.EpochEntry{Epoch: 0, StartOffset: 0}, state.EpochEntry{Epoch: 1, StartOffset: 27}, state.EpochEntry{Epoch: 2, StartOffset: 33},
				state.EpochEntry{Epoch: 3, StartOffset: 40})
		}, []string{
			"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch error 40",
			"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch warning 33",
		}},
		{"epoch of a leader that wrote nothing, at the log end", func(t *testing.T, dir string) {
			epochs(t, dir, state.EpochEntry{Epoch: 0, StartOffset: 0}, state.EpochEntry{Epoch: 1, StartOffset: 27}, state.EpochEntry{Epoch: 2, StartOffset: 33})
		}, []string{"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch info 33"}},
		{"epoch entry beyond the log end", func(t *testing.T, dir string) {
			epochs(t, dir, state.EpochEntry{Epoch: 0, StartOffset: 0}, state.EpochEntry{Epoch: 1, StartOffset: 27}, state.EpochEntry{Epoch: 2, StartOffset: 40})
		}, []string{"orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch error 40"}},
		{"malformed epoch checkpoint", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "orders-0", "leader-epoch-checkpoint"), []byte("0\n2\n0 0\n1 x\n"))
		}, []string{"orders-0/leader-epoch-checkpoint checkpoint-malformed error -1"}},
		{"legacy partition: epochs are not compared", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "legacy-v0-0", "leader-epoch-checkpoint"),
				state.AppendLeaderEpochCheckpoint(nil, []state.EpochEntry{{Epoch: 3, StartOffset: 5}}))
		}, nil},
		{"snapshot: wrong last sequence", func(t *testing.T, dir string) {
			es := sampleSnapshot(t, dir)
			es[0].LastSequence = 7
			snapshotOf(t, dir, es)
		}, []string{"orders-0/00000000000000000033.snapshot snapshot-producer-mismatch error 15"}},
		{"snapshot: wrong producer epoch", func(t *testing.T, dir string) {
			es := sampleSnapshot(t, dir)
			es[1].ProducerEpoch = 1
			snapshotOf(t, dir, es)
		}, []string{"orders-0/00000000000000000033.snapshot snapshot-producer-mismatch error 25"}},
		{"snapshot: lastOffset is another producer's batch", func(t *testing.T, dir string) {
			es := sampleSnapshot(t, dir)
			es[0].LastOffset = 8 // the gzip batch 5..8, no producer
			snapshotOf(t, dir, es)
		}, []string{
			"orders-0/00000000000000000033.snapshot snapshot-producer-mismatch error 15", // the log has a later batch of 4000
			"orders-0/00000000000000000033.snapshot snapshot-producer-mismatch error 8",
		}},
		{"snapshot: producer of the log missing", func(t *testing.T, dir string) {
			snapshotOf(t, dir, sampleSnapshot(t, dir)[1:])
		}, []string{"orders-0/00000000000000000033.snapshot snapshot-producer-missing warning 15"}},
		{"snapshot: crc mismatch", func(t *testing.T, dir string) {
			testutil.MustFlipBit(t, filepath.Join(dir, "orders-0", "00000000000000000033.snapshot"), 20, 1)
		}, []string{"orders-0/00000000000000000033.snapshot snapshot-crc-mismatch error 33"}},
		{"stray snapshot beyond the log end", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "orders-0", "00000000000000000040.snapshot"), readFile(t, filepath.Join(dir, "orders-0", "00000000000000000033.snapshot")))
		}, []string{"orders-0/00000000000000000040.snapshot stray-snapshot warning 40"}},
		{"txnindex: entry missing", func(t *testing.T, dir string) {
			must(t, os.Remove(filepath.Join(dir, sampleTxnIndex)))
		}, []string{"orders-0/00000000000000000020.txnindex txnindex-missing-entry error 26"}},
		{"txnindex: orphan entry", func(t *testing.T, dir string) {
			txnIndex(t, dir, sampleAbort, state.AbortedTxn{ProducerID: 5000, FirstOffset: 27, LastOffset: 30, LastStableOffset: 27})
		}, []string{"orders-0/00000000000000000020.txnindex txnindex-orphan-entry error 30"}},
		{"txnindex: entry of another producer", func(t *testing.T, dir string) {
			e := sampleAbort
			e.ProducerID = 4000
			txnIndex(t, dir, e)
		}, []string{"orders-0/00000000000000000020.txnindex txnindex-entry-mismatch error 26"}},
		{"txnindex: wrong first offset", func(t *testing.T, dir string) {
			e := sampleAbort
			e.FirstOffset = 22
			txnIndex(t, dir, e)
		}, []string{"orders-0/00000000000000000020.txnindex txnindex-entry-mismatch error 26"}},
		{"txnindex: entry below the segment base, out of order", func(t *testing.T, dir string) {
			txnIndex(t, dir, sampleAbort, state.AbortedTxn{ProducerID: 5000, FirstOffset: 16, LastOffset: 19, LastStableOffset: 16})
		}, []string{
			"orders-0/00000000000000000020.txnindex txnindex-invalid error 19", // below base 20
			"orders-0/00000000000000000020.txnindex txnindex-invalid error 19", // not increasing
		}},
		{"recovery point above the log end", func(t *testing.T, dir string) {
			checkpoint(t, dir, "recovery-point-offset-checkpoint", withOrders(40)...)
		}, []string{"/recovery-point-offset-checkpoint checkpoint-offset-out-of-range error 40"}},
		{"high watermark above the log end", func(t *testing.T, dir string) {
			checkpoint(t, dir, "replication-offset-checkpoint", withOrders(34)...)
		}, []string{"/replication-offset-checkpoint checkpoint-offset-out-of-range error 34"}},
		{"log start above the log end", func(t *testing.T, dir string) {
			checkpoint(t, dir, "log-start-offset-checkpoint", withOrders(50)...)
		}, []string{"/log-start-offset-checkpoint checkpoint-offset-out-of-range error 50"}},
		{"cleaner checkpoint above the log end", func(t *testing.T, dir string) {
			checkpoint(t, dir, "cleaner-offset-checkpoint", withOrders(50)...)
		}, []string{"/cleaner-offset-checkpoint checkpoint-offset-out-of-range warning 50"}},
		{"log start below the first segment after retention", func(t *testing.T, dir string) {
			// Retention deleted segment 0: the producer 4000 entry and the
			// epoch 0 entry now point below the log start (both fine).
			for _, suf := range []string{segment.LogSuffix, segment.IndexSuffix, segment.TimeIndexSuffix} {
				must(t, os.Remove(filepath.Join(dir, "orders-0", segment.FileName(0, suf))))
			}
			checkpoint(t, dir, "log-start-offset-checkpoint", withOrders(5)...)
		}, []string{"/log-start-offset-checkpoint checkpoint-offset-out-of-range warning 5"}},
		{"checkpoint names a partition that is not there", func(t *testing.T, dir string) {
			checkpoint(t, dir, "recovery-point-offset-checkpoint", append(withOrders(33), state.TopicPartitionOffset{Topic: "ghost", Partition: 3, Offset: 9})...)
		}, []string{"/recovery-point-offset-checkpoint checkpoint-unknown-partition warning 9"}},
		{"checkpoint with a duplicate partition", func(t *testing.T, dir string) {
			checkpoint(t, dir, "recovery-point-offset-checkpoint", append(withOrders(33), sampleRecovery[0])...)
		}, []string{"/recovery-point-offset-checkpoint checkpoint-duplicate-partition warning -1"}},
		{"malformed checkpoint", func(t *testing.T, dir string) {
			writeFile(t, filepath.Join(dir, "replication-offset-checkpoint"), []byte("0\n2\norders 0 33\n"))
		}, []string{"/replication-offset-checkpoint checkpoint-malformed error -1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copySample(t)
			tc.mutate(t, dir)
			fs, sum := runVerify(t, verify.Options{}, dir)
			got := consistencyFindings(fs)
			want := append([]string(nil), tc.want...)
			sort.Strings(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s\nall findings:%s", strings.Join(got, "\n"), strings.Join(want, "\n"), describe(fs))
			}
			if wantErr := int64(strings.Count(strings.Join(want, "\n"), " error ")); sum.Errors != wantErr {
				t.Errorf("summary counts %d errors, want %d", sum.Errors, wantErr)
			}
		})
	}
}

// TestConsistencyFindingDetails: the line number of a malformed checkpoint
// leads the detail, and its position is the line's byte position.
func TestConsistencyFindingDetails(t *testing.T) {
	dir := copySample(t)
	writeFile(t, filepath.Join(dir, "orders-0", "leader-epoch-checkpoint"), []byte("0\n2\n0 0\n1 x\n"))
	epochs := 0
	fs, _ := runVerify(t, verify.Options{}, dir)
	for _, f := range fs {
		if f.Reason == verify.ReasonCheckpointMalformed {
			epochs++
			if f.Position != int64(len("0\n2\n0 0\n")) || !strings.HasPrefix(f.Detail, "line 4: ") {
				t.Errorf("finding %s: want position 8 and detail starting with line 4", f)
			}
		}
	}
	if epochs != 1 {
		t.Fatalf("want one checkpoint-malformed finding:%s", describe(fs))
	}

	// Non-increasing start offsets (Kafka loads the file, its cache answers
	// wrongly): reported from state.CheckEpochEntries, then no range checks.
	dir = copySample(t)
	writeFile(t, filepath.Join(dir, "orders-0", "leader-epoch-checkpoint"), state.AppendLeaderEpochCheckpoint(nil,
		[]state.EpochEntry{{Epoch: 0, StartOffset: 0}, {Epoch: 1, StartOffset: 27}, {Epoch: 2, StartOffset: 27}}))
	fs, _ = runVerify(t, verify.Options{}, dir)
	if got := consistencyFindings(fs); strings.Join(got, "\n") != "orders-0/leader-epoch-checkpoint epoch-checkpoint-mismatch error -1" {
		t.Fatalf("got:\n%s", strings.Join(got, "\n"))
	}

	// An entry at the log end offset (33) followed by one beyond it: both
	// go at load (LogLoader: truncateFromEnd(log end offset) drops every
	// entry starting at or after it); the warning used to say only "a
	// leader that wrote nothing?".
	dir = copySample(t)
	epochsAt := []state.EpochEntry{{Epoch: 0, StartOffset: 0}, {Epoch: 1, StartOffset: 27}, {Epoch: 2, StartOffset: 33}, {Epoch: 3, StartOffset: 40}}
	writeFile(t, filepath.Join(dir, "orders-0", "leader-epoch-checkpoint"), state.AppendLeaderEpochCheckpoint(nil, epochsAt))
	fs, _ = runVerify(t, verify.Options{}, dir)
	found := false
	for _, f := range fs {
		if f.Reason == verify.ReasonEpochCheckpointMismatch && f.Offset == 33 {
			found = true
			if !strings.Contains(f.Detail, "starts at the log end offset 33: the broker truncates the entry at load") {
				t.Errorf("epoch at the log end offset: detail %q", f.Detail)
			}
		}
	}
	if !found {
		t.Fatalf("no finding at offset 33:%s", describe(fs))
	}
}

// TestConsistencyPartialTargets: checkpoint files name every partition of
// their log dir, so they are judged only when the whole log dir is checked;
// the partition-level checks need every segment.
func TestConsistencyPartialTargets(t *testing.T) {
	dir := copySample(t)
	checkpoint(t, dir, "recovery-point-offset-checkpoint", withOrders(40)...)
	must(t, os.Remove(filepath.Join(dir, sampleTxnIndex)))
	// One partition of three: its own checks, not the log dir's.
	fs, _ := runVerify(t, verify.Options{}, filepath.Join(dir, "orders-0"))
	if got := consistencyFindings(fs); strings.Join(got, "\n") != "orders-0/00000000000000000020.txnindex txnindex-missing-entry error 26" {
		t.Errorf("one partition:\n%s", strings.Join(got, "\n"))
	}
	// One segment: no partition-level check either.
	fs, _ = runVerify(t, verify.Options{}, filepath.Join(dir, "orders-0", "00000000000000000020.log"))
	if got := consistencyFindings(fs); len(got) != 0 {
		t.Errorf("one segment:\n%s", strings.Join(got, "\n"))
	}
	// The whole log dir named partition by partition counts as whole.
	fs, _ = runVerify(t, verify.Options{}, filepath.Join(dir, "orders-0"), filepath.Join(dir, "legacy-v0-0"), filepath.Join(dir, "legacy-v1-0"))
	if n := countConsistency(fs, verify.SeverityError); n != 2 {
		t.Errorf("want the recovery point and the txnindex errors, got:%s", describe(fs))
	}
}

// TestConsistencyAbortWithoutData: an ABORT marker whose transaction has no
// data in the log gets no .txnindex entry from Kafka (appendEndTxnMarker
// emits no CompletedTxn for an empty transaction): nothing to report when
// the producer's state is known from an earlier marker, an info when the
// transaction may have started before the log start.
func TestConsistencyAbortWithoutData(t *testing.T) {
	commit, abort := format.ControlCommit, format.ControlAbort
	marker := format.BatchOptions{Magic: 2, ProducerID: 5000, ProducerEpoch: 0, BaseSequence: -1}
	txn := marker
	txn.Transactional, txn.BaseSequence = true, 0
	for _, tc := range []struct {
		name    string
		batches []fixtures.Batch
		want    []string
	}{
		{"empty transaction after a commit", []fixtures.Batch{
			{Opts: txn, Messages: fixtures.Messages("t", 0, 2)},
			{Opts: marker, Marker: &commit},
			{Opts: marker, Marker: &abort},
		}, nil},
		{"abort first in the log", []fixtures.Batch{
			{Opts: marker, Marker: &abort},
		}, []string{"t-0/00000000000000000000.txnindex txnindex-missing-entry info 0"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "t-0")
			must(t, os.MkdirAll(dir, 0o755))
			s := fixtures.Segment{BaseOffset: 0, Batches: tc.batches}
			b, err := s.Encode()
			must(t, err)
			writeFile(t, filepath.Join(dir, segment.FileName(0, segment.LogSuffix)), b)
			writeFile(t, filepath.Join(dir, "leader-epoch-checkpoint"), state.AppendLeaderEpochCheckpoint(nil, []state.EpochEntry{{Epoch: 0, StartOffset: 0}}))
			fs, _ := runVerify(t, verify.Options{}, dir)
			if got := consistencyFindings(fs); strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
				t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
		})
	}
}

// TestCorpusConsistency checks the real corpus's state files against its
// logs. There are no inconsistencies of the brokers' making; every finding
// below comes from how the corpus was assembled (MANIFEST.md) and is true
// of the directories as stored:
//   - checkpoint-unknown-partition: the committed log dirs hold only some
//     of the partitions their checkpoints name (git keeps no empty
//     directory, and the corpus took selected partitions), so the
//     recovery-point and replication checkpoints name absent partitions
//     (capped at 100 listed findings per file, hence the counts);
//   - Backend_labs __consumer_offsets-19: the .log of segment 258527 is
//     absent from the snapshot (its indexes are there: orphan-index), so the
//     log ends at 258527 while the checkpoints, the leader epochs 10 and 12
//     and two producer snapshots were written at up to 330479 — real data
//     loss as far as a broker starting on this directory is concerned, the
//     only errors;
//   - patient-admissions __cluster_metadata-0: its .log is absent too, so
//     both producer snapshots lie beyond the (empty) log;
//   - the infos "epoch at the log end, no batch yet" are leaders elected
//     after the last write (BiggerBrain lsx1-0, __transaction_state-44, the
//     ksql command topic).
//
// Expired producers (snapshot-producer-missing) do not occur: the corpus's
// snapshots hold every producer of their logs, and kafka-2.7.1 myTopic-0's
// three producers wrote only into segments since deleted by retention.
func TestCorpusConsistency(t *testing.T) {
	if _, err := os.Stat(corpusRoot); err != nil {
		t.Skip("corpus not present:", err)
	}
	want := []string{
		"Backend_labs/kafka-data /recovery-point-offset-checkpoint checkpoint-offset-out-of-range error x1",
		"Backend_labs/kafka-data /recovery-point-offset-checkpoint checkpoint-unknown-partition warning x57",
		"Backend_labs/kafka-data /replication-offset-checkpoint checkpoint-offset-out-of-range error x1",
		"Backend_labs/kafka-data /replication-offset-checkpoint checkpoint-unknown-partition warning x57",
		"Backend_labs/kafka-data __consumer_offsets-19/00000000000000326493.snapshot stray-snapshot warning x1",
		"Backend_labs/kafka-data __consumer_offsets-19/00000000000000330479.snapshot stray-snapshot warning x1",
		"Backend_labs/kafka-data __consumer_offsets-19/leader-epoch-checkpoint epoch-checkpoint-mismatch error x2",
		"Backend_labs/kafka-data __consumer_offsets-19/leader-epoch-checkpoint epoch-checkpoint-mismatch warning x1",
		"BiggerBrain-kafka/data lsx1-0/leader-epoch-checkpoint epoch-checkpoint-mismatch info x1",
		"bullShit/tmp/kafka-logs /recovery-point-offset-checkpoint checkpoint-unknown-partition warning x49",
		"bullShit/tmp/kafka-logs /replication-offset-checkpoint checkpoint-unknown-partition warning x49",
		"kafka-2.7.1/kafka-logs /recovery-point-offset-checkpoint checkpoint-unknown-partition warning x49",
		"kafka-2.7.1/kafka-logs /replication-offset-checkpoint checkpoint-unknown-partition warning x49",
		"kafka-learnning-series/tmp/kafka-logs-1 /recovery-point-offset-checkpoint checkpoint-unknown-partition warning x4",
		"kafka-learnning-series/tmp/kafka-logs-1 /replication-offset-checkpoint checkpoint-unknown-partition warning x4",
		"patient-admissions/kafka-data /recovery-point-offset-checkpoint checkpoint-unknown-partition warning x100",
		"patient-admissions/kafka-data /replication-offset-checkpoint checkpoint-unknown-partition warning x100",
		"patient-admissions/kafka-data __cluster_metadata-0/00000000000000053298.snapshot stray-snapshot warning x1",
		"patient-admissions/kafka-data __cluster_metadata-0/00000000000000066046.snapshot stray-snapshot warning x1",
		"patient-admissions/kafka-data __transaction_state-44/leader-epoch-checkpoint epoch-checkpoint-mismatch info x1",
		"patient-admissions/kafka-data _confluent-ksql-default__command_topic-0/leader-epoch-checkpoint epoch-checkpoint-mismatch info x1",
	}
	counts := map[string]int{}
	for _, d := range corpusLogDirs(t) {
		rel, _ := filepath.Rel(corpusRoot, d)
		fs, _ := runVerify(t, verify.Options{Workers: 2}, d)
		for _, f := range fs {
			if consistencyReasons[f.Reason] {
				counts[fmt.Sprintf("%s %s/%s %s %s", filepath.ToSlash(rel), f.Partition, f.File, f.Reason, f.Severity)]++
			}
		}
	}
	var got []string
	for k, n := range counts {
		got = append(got, fmt.Sprintf("%s x%d", k, n))
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("corpus consistency findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestLeftoverSwapBelowOrAboveCleaned: LogLoader renames a .swap into place
// unless its base offset is at or above the smallest .cleaned file's, which
// marks an interrupted split; then it deletes the .swap (KAFKA-6264). The
// finding said "the broker finishes it" in both cases, contradicting
// --what-would-kafka-do on the corpus's mid-compaction dirs.
func TestLeftoverSwapBelowOrAboveCleaned(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cleaned string // "" for none
		want    string
	}{
		{"no .cleaned: renamed", "", "the broker finishes it at startup"},
		{".cleaned at the same base: deleted", "00000000000000000020.timeindex.cleaned", "the broker deletes this .swap at startup"},
		{".cleaned above it: renamed", "00000000000000000033.log.cleaned", "the broker finishes it at startup"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := copySample(t)
			part := filepath.Join(dir, "orders-0")
			writeFile(t, filepath.Join(part, "00000000000000000020.log.swap"), readFile(t, filepath.Join(part, "00000000000000000020.log")))
			if tc.cleaned != "" {
				writeFile(t, filepath.Join(part, tc.cleaned), nil)
			}
			fs, _ := runVerify(t, verify.Options{}, dir)
			n := 0
			for _, f := range fs {
				if f.Reason == verify.ReasonLeftoverSwap {
					n++
					if !strings.Contains(f.Detail, tc.want) {
						t.Errorf("detail %q, want %q", f.Detail, tc.want)
					}
				}
			}
			if n != 1 {
				t.Fatalf("%d leftover-swap findings:%s", n, describe(fs))
			}
		})
	}
}
