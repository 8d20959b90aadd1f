package analyze

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/state"
)

func kinds(r *TxnReport) []string {
	var out []string
	for _, f := range r.Findings {
		out = append(out, f.Kind)
	}
	return out
}

func TestTxnStateMachine(t *testing.T) {
	tests := []struct {
		name                string
		segs                []gseg
		wantLSO, wantLEO    int64
		wantCommitted       int64
		wantAborted         int64
		wantCommittedRecs   int64
		wantAbortedRecs     int64
		wantOpen            []OpenTxn // compared on producer, epoch, offsets, batches, records
		wantKinds           []string
		wantFindings        bool
		wantMarkersWithout  int64
		wantTxnIndexEntries int64
	}{
		{
			name: "open transaction pins the LSO",
			segs: []gseg{{batches: []gb{plain(3), data(7, 0, 2), plain(2), data(7, 0, 4)}}},
			// plain 0..2, txn 3..4, plain 5..6, txn 7..10
			wantLSO: 3, wantLEO: 11,
			wantOpen:     []OpenTxn{{ProducerID: 7, ProducerEpoch: 0, FirstOffset: 3, LastOffset: 10, Batches: 2, Records: 6}},
			wantKinds:    []string{KindHangingTransaction},
			wantFindings: true,
		},
		{
			name:    "commit",
			segs:    []gseg{{batches: []gb{data(7, 0, 2), plain(1), data(7, 0, 3), commit(7, 0)}}},
			wantLSO: 7, wantLEO: 7, wantCommitted: 1, wantCommittedRecs: 5,
		},
		{
			name:    "abort with its txnindex entry",
			segs:    []gseg{{autoIndex: true, batches: []gb{plain(2), data(7, 0, 2), abort(7, 0), plain(1)}}},
			wantLSO: 6, wantLEO: 6, wantAborted: 1, wantAbortedRecs: 2, wantTxnIndexEntries: 1,
		},
		{
			name:    "abort without txnindex entry",
			segs:    []gseg{{batches: []gb{data(7, 0, 2), abort(7, 0)}}},
			wantLSO: 3, wantLEO: 3, wantAborted: 1, wantAbortedRecs: 2,
			wantKinds: []string{KindTxnIndexMissingEntry}, wantFindings: true,
		},
		{
			// Kafka writes no .txnindex entry for a transaction without data
			// (ProducerAppendInfo.appendEndTxnMarker): not an error.
			name:    "empty aborted transaction needs no txnindex entry",
			segs:    []gseg{{batches: []gb{plain(2), abort(7, 0), plain(1)}}},
			wantLSO: 4, wantLEO: 4, wantAborted: 1, wantMarkersWithout: 1,
			wantKinds: []string{KindMarkerWithoutData},
		},
		{
			name: "txnindex entry with the wrong first offset",
			segs: []gseg{{batches: []gb{plain(1), data(7, 0, 2), abort(7, 0)},
				txnindex: []state.AbortedTxn{{ProducerID: 7, FirstOffset: 2, LastOffset: 3}}}},
			wantLSO: 4, wantLEO: 4, wantAborted: 1, wantAbortedRecs: 2, wantTxnIndexEntries: 1,
			wantKinds: []string{KindTxnIndexMismatch}, wantFindings: true,
		},
		{
			name: "txnindex entry with the wrong producer",
			segs: []gseg{{batches: []gb{data(7, 0, 2), abort(7, 0)},
				txnindex: []state.AbortedTxn{{ProducerID: 8, FirstOffset: 0, LastOffset: 2}}}},
			wantLSO: 3, wantLEO: 3, wantAborted: 1, wantAbortedRecs: 2, wantTxnIndexEntries: 1,
			wantKinds: []string{KindTxnIndexMismatch}, wantFindings: true,
		},
		{
			name: "txnindex entry whose marker is not in the log",
			segs: []gseg{{batches: []gb{data(7, 0, 2), commit(7, 0), plain(3)},
				txnindex: []state.AbortedTxn{{ProducerID: 9, FirstOffset: 3, LastOffset: 4}}}},
			wantLSO: 6, wantLEO: 6, wantCommitted: 1, wantCommittedRecs: 2, wantTxnIndexEntries: 1,
			wantKinds: []string{KindTxnIndexOrphanEntry}, wantFindings: true,
		},
		{
			name: "txnindex entry pointing at a COMMIT",
			segs: []gseg{{batches: []gb{data(7, 0, 2), commit(7, 0)},
				txnindex: []state.AbortedTxn{{ProducerID: 7, FirstOffset: 0, LastOffset: 2}}}},
			wantLSO: 3, wantLEO: 3, wantCommitted: 1, wantCommittedRecs: 2, wantTxnIndexEntries: 1,
			wantKinds: []string{KindTxnIndexMismatch}, wantFindings: true,
		},
		{
			name: "markers across segment boundaries",
			segs: []gseg{
				{batches: []gb{data(7, 0, 2), data(8, 1, 1), data(7, 0, 1)}},
				{autoIndex: true, batches: []gb{abort(7, 0), plain(2)}},
				{autoIndex: true, batches: []gb{commit(8, 1)}},
			},
			// 7: 0..1, 8: 2, 7: 3, abort 7 @4 (segment 4), plain 5..6, commit 8 @7 (segment 7)
			wantLSO: 8, wantLEO: 8, wantCommitted: 1, wantCommittedRecs: 1, wantAborted: 1, wantAbortedRecs: 3, wantTxnIndexEntries: 1,
		},
		{
			name: "two producers interleaved, one left open",
			segs: []gseg{{autoIndex: true, batches: []gb{data(7, 0, 1), data(8, 0, 2), data(7, 0, 1), commit(8, 0), data(7, 0, 1), plain(1)}}},
			// 7@0, 8@1..2, 7@3, commit 8@4, 7@5, plain 6
			wantLSO: 0, wantLEO: 7, wantCommitted: 1, wantCommittedRecs: 2,
			wantOpen:     []OpenTxn{{ProducerID: 7, ProducerEpoch: 0, FirstOffset: 0, LastOffset: 5, Batches: 3, Records: 3}},
			wantKinds:    []string{KindHangingTransaction},
			wantFindings: true,
		},
		{
			name:    "two producers interleaved, both closed",
			segs:    []gseg{{autoIndex: true, batches: []gb{data(7, 0, 1), data(8, 0, 2), data(7, 0, 1), commit(8, 0), abort(7, 0)}}},
			wantLSO: 6, wantLEO: 6, wantCommitted: 1, wantCommittedRecs: 2, wantAborted: 1, wantAbortedRecs: 2, wantTxnIndexEntries: 1,
		},
		{
			name:    "two open transactions: the oldest sets the LSO",
			segs:    []gseg{{batches: []gb{plain(1), data(8, 0, 1), data(7, 0, 1)}}},
			wantLSO: 1, wantLEO: 3,
			wantOpen: []OpenTxn{
				{ProducerID: 8, ProducerEpoch: 0, FirstOffset: 1, LastOffset: 1, Batches: 1, Records: 1},
				{ProducerID: 7, ProducerEpoch: 0, FirstOffset: 2, LastOffset: 2, Batches: 1, Records: 1},
			},
			wantKinds:    []string{KindHangingTransaction, KindHangingTransaction},
			wantFindings: true,
		},
		{
			name:    "producer epoch bump: the coordinator aborts the fenced transaction with the new epoch",
			segs:    []gseg{{autoIndex: true, batches: []gb{data(7, 0, 2), abort(7, 1), data(7, 1, 1), commit(7, 1)}}},
			wantLSO: 5, wantLEO: 5, wantCommitted: 1, wantCommittedRecs: 1, wantAborted: 1, wantAbortedRecs: 2, wantTxnIndexEntries: 1,
		},
		{
			name:    "epoch bump without a marker: the new epoch's marker closes both",
			segs:    []gseg{{batches: []gb{data(7, 0, 2), data(7, 1, 1), commit(7, 1)}}},
			wantLSO: 4, wantLEO: 4, wantCommitted: 1, wantCommittedRecs: 3,
		},
		{
			name:    "marker epoch below the data's",
			segs:    []gseg{{batches: []gb{data(7, 3, 2), commit(7, 2)}}},
			wantLSO: 0, wantLEO: 3, wantCommitted: 1,
			wantOpen:     []OpenTxn{{ProducerID: 7, ProducerEpoch: 3, FirstOffset: 0, LastOffset: 1, Batches: 1, Records: 2}},
			wantKinds:    []string{KindMarkerEpochBelowData, KindHangingTransaction},
			wantFindings: true,
		},
		{
			name: "marker whose data was deleted (log starts later)",
			segs: []gseg{{base: 100, autoIndex: true, batches: []gb{commit(7, 0), plain(2), abort(9, 0)},
				txnindex: nil}},
			// commit 7@100, plain 101..102, abort 9@103 (entry firstOffset = 103)
			wantLSO: 104, wantLEO: 104, wantCommitted: 1, wantAborted: 1, wantMarkersWithout: 2, wantTxnIndexEntries: 1,
			wantKinds: []string{KindMarkerWithoutData, KindMarkerWithoutData},
		},
		{
			name: "abort whose data lies before the log start: an earlier firstOffset is fine",
			segs: []gseg{{base: 100, batches: []gb{data(7, 0, 1), abort(7, 0)},
				txnindex: []state.AbortedTxn{{ProducerID: 7, FirstOffset: 40, LastOffset: 101}}}},
			wantLSO: 102, wantLEO: 102, wantAborted: 1, wantAbortedRecs: 1, wantTxnIndexEntries: 1,
		},
		{
			name:    "empty partition",
			segs:    []gseg{{base: 50}},
			wantLSO: 50, wantLEO: 50,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := writePartition(t, tc.segs)
			rep, err := AnalyzeTxns(dir, TxnOptions{Now: t0 + 3_600_000})
			if err != nil {
				t.Fatal(err)
			}
			if rep.LastStableOffset != tc.wantLSO || rep.LogEndOffset != tc.wantLEO {
				t.Errorf("LSO %d LEO %d, want %d %d", rep.LastStableOffset, rep.LogEndOffset, tc.wantLSO, tc.wantLEO)
			}
			if rep.Committed != tc.wantCommitted || rep.Aborted != tc.wantAborted ||
				rep.CommittedRecords != tc.wantCommittedRecs || rep.AbortedRecords != tc.wantAbortedRecs {
				t.Errorf("committed %d (%d records) aborted %d (%d records), want %d (%d) %d (%d)", rep.Committed, rep.CommittedRecords,
					rep.Aborted, rep.AbortedRecords, tc.wantCommitted, tc.wantCommittedRecs, tc.wantAborted, tc.wantAbortedRecs)
			}
			if rep.MarkersWithoutData != tc.wantMarkersWithout || rep.TxnIndexEntries != tc.wantTxnIndexEntries {
				t.Errorf("markers without data %d, txnindex entries %d; want %d %d", rep.MarkersWithoutData, rep.TxnIndexEntries,
					tc.wantMarkersWithout, tc.wantTxnIndexEntries)
			}
			var open []OpenTxn
			for _, o := range rep.Open {
				if o.AgeMs != t0+3_600_000-o.MaxTimestamp || o.MaxTimestamp < t0 {
					t.Errorf("open %+v: age %d, max timestamp %d", o, o.AgeMs, o.MaxTimestamp)
				}
				o.MaxTimestamp, o.AgeMs, o.File = 0, 0, ""
				open = append(open, o)
			}
			if !reflect.DeepEqual(open, tc.wantOpen) || rep.OpenTransactions != len(tc.wantOpen) {
				t.Errorf("open transactions\n got %+v\nwant %+v", open, tc.wantOpen)
			}
			if got := kinds(rep); !reflect.DeepEqual(got, tc.wantKinds) {
				t.Errorf("findings %v, want %v\n%+v", got, tc.wantKinds, rep.Findings)
			}
			if rep.HasFindings() != tc.wantFindings {
				t.Errorf("HasFindings %v, want %v", rep.HasFindings(), tc.wantFindings)
			}
		})
	}
}

func TestTxnSample(t *testing.T) {
	const sample = "../testdata/sample"
	before := testutil.HashTree(t, sample)
	dirs, err := ResolvePartitions([]string{sample})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) != 3 {
		t.Fatalf("partitions %v", dirs)
	}
	rep, err := AnalyzeTxns(filepath.Join(sample, "orders-0"), TxnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testutil.RequireUnchanged(t, sample, before)
	// fixtures.OrdersSegments: producer 5000 commits 16..18 (marker 19) and
	// aborts 24..25 (marker 26, with its .txnindex entry); LEO 33.
	if rep.Committed != 1 || rep.CommittedRecords != 3 || rep.Aborted != 1 || rep.AbortedRecords != 2 ||
		rep.OpenTransactions != 0 || rep.LastStableOffset != 33 || rep.TxnIndexEntries != 1 || rep.HasFindings() || rep.Infos != 0 {
		t.Errorf("report %+v findings %+v", rep, rep.Findings)
	}
}

func TestTxnCorruptMarker(t *testing.T) {
	dir := writePartition(t, []gseg{{autoIndex: true, batches: []gb{data(7, 0, 2), commit(7, 0)}}})
	log := filepath.Join(dir, "00000000000000000000.log")
	fi, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	// The marker is the last batch; flip a bit in its record's value (the
	// coordinator epoch), which only the CRC catches.
	testutil.MustFlipBit(t, log, fi.Size()-1, 0)
	rep, err := AnalyzeTxns(dir, TxnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(rep); !reflect.DeepEqual(got, []string{KindBadControlRecord, KindHangingTransaction}) {
		t.Errorf("findings %v", rep.Findings)
	}
}

func TestTxnTornTail(t *testing.T) {
	dir := writePartition(t, []gseg{{batches: []gb{data(7, 0, 2), commit(7, 0)}}})
	log := filepath.Join(dir, "00000000000000000000.log")
	fi, _ := os.Stat(log)
	testutil.MustTruncate(t, log, fi.Size()-5)
	rep, err := AnalyzeTxns(dir, TxnOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := kinds(rep); !reflect.DeepEqual(got, []string{KindTruncatedLog, KindHangingTransaction}) {
		t.Errorf("findings %v", rep.Findings)
	}
}

func TestTxnMaxFindings(t *testing.T) {
	var bs []gb
	for p := int64(0); p < 10; p++ {
		bs = append(bs, data(p, 0, 1))
	}
	rep, err := AnalyzeTxns(writePartition(t, []gseg{{batches: bs}}), TxnOptions{MaxFindings: 3})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Findings) != 3 || rep.FindingsOmitted != 7 || rep.Errors != 10 || rep.OpenTransactions != 10 || len(rep.Open) != 10 {
		t.Errorf("findings %d omitted %d errors %d open %d", len(rep.Findings), rep.FindingsOmitted, rep.Errors, rep.OpenTransactions)
	}
}

// corpusLogDirs are real broker log dirs with transactional batches and
// COMMIT markers (MANIFEST.md), read in place.
var corpusLogDirs = []string{
	"../../shared/corpus/patient-admissions/kafka-data",
	"../../shared/corpus/BigDataTechnologies/kafka_data",
}

func TestTxnCorpus(t *testing.T) {
	for _, logDir := range corpusLogDirs {
		t.Run(filepath.Base(filepath.Dir(logDir)), func(t *testing.T) {
			if _, err := os.Stat(logDir); err != nil {
				t.Skipf("corpus not available: %v", err)
			}
			before := testutil.HashTree(t, logDir)
			dirs, err := ResolvePartitions([]string{logDir})
			if err != nil {
				t.Fatal(err)
			}
			var sum TxnSummary
			for _, d := range dirs {
				rep, err := AnalyzeTxns(d, TxnOptions{})
				if err != nil {
					t.Fatal(err)
				}
				sum.Add(rep)
				if rep.OpenTransactions != 0 || rep.HasFindings() {
					t.Errorf("%s: %d open transactions, findings %+v", rep.Partition, rep.OpenTransactions, rep.Findings)
				}
			}
			testutil.RequireUnchanged(t, logDir, before)
			if sum.Committed == 0 {
				t.Errorf("no COMMIT markers found in %s: %+v", logDir, sum)
			}
			t.Logf("%+v", sum)
		})
	}
}

func TestResolvePartitionsErrors(t *testing.T) {
	if _, err := ResolvePartitions([]string{"../testdata/sample/orders-0/00000000000000000000.log"}); !errorsIs(err, ErrNotLogDir) {
		t.Errorf("file: %v", err)
	}
	if _, err := ResolvePartitions([]string{t.TempDir()}); !errorsIs(err, ErrNotLogDir) {
		t.Errorf("empty dir: %v", err)
	}
	if _, err := ResolvePartitions([]string{"/nonexistent"}); err == nil || errorsIs(err, ErrNotLogDir) {
		t.Errorf("missing: %v", err)
	}
}
