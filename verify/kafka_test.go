package verify_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/state"
	"github.com/kseg/kseg/verify"
)

// predict runs --what-would-kafka-do on the fixture's log dir.
func predict(t *testing.T, f *fixture, v verify.KafkaVersion) *verify.KafkaRecovery {
	t.Helper()
	var kr *verify.KafkaRecovery
	_, _ = runVerify(t, verify.Options{WhatWouldKafkaDo: true, KafkaVersion: v,
		OnPartition: func(p *verify.PartitionResult) { kr = p.Kafka }}, f.logDir)
	if kr == nil {
		t.Fatal("no recovery simulation")
	}
	return kr
}

func actionsOf(kr *verify.KafkaRecovery, kind string) []verify.KafkaAction {
	var out []verify.KafkaAction
	for _, a := range kr.Actions {
		if a.Action == kind {
			out = append(out, a)
		}
	}
	return out
}

// appendBatch appends one v2 batch of n records at offset base to path and
// returns its position and size.
func appendBatch(t *testing.T, path string, base int64, n int) (pos, size int64) {
	t.Helper()
	var ms []format.Message
	for i := 0; i < n; i++ {
		ms = append(ms, format.Message{Value: bytes.Repeat([]byte{'z'}, 90), Timestamp: 1_700_000_000_000 + base + int64(i)})
	}
	b, err := format.AppendBatch(nil, batchOpts(base), ms)
	must(t, err)
	st, err := os.Stat(path)
	must(t, err)
	fh, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	must(t, err)
	_, err = fh.Write(b)
	must(t, err)
	must(t, fh.Close())
	return st.Size(), int64(len(b))
}

// TestKafkaLossIncludesTheDamagedBatch: the records lost are the damaged
// batch's plus everything after it, as an offset range from the new log end
// offset, exact only where the bytes tell (issue 11 item 6).
func TestKafkaLossIncludesTheDamagedBatch(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(t *testing.T, f *fixture)
		want   verify.Loss
		// truncated: the segment the broker truncates; deleted: later ones.
		truncated int
		deleted   int
	}{
		{name: "torn tail, header intact", mutate: func(t *testing.T, f *fixture) {
			pos, size := appendBatch(t, f.log(1), 200, 10)
			testutil.MustTruncate(t, f.log(1), pos+size-40)
		}, want: verify.Loss{FromOffset: 200, ToOffset: 209, Records: 10, Exact: true}, truncated: 1},
		{name: "torn tail, header cut", mutate: func(t *testing.T, f *fixture) {
			pos, _ := appendBatch(t, f.log(1), 200, 10)
			testutil.MustTruncate(t, f.log(1), pos+30)
		}, want: verify.Loss{FromOffset: 200, ToOffset: 199, Records: 0, Exact: false}, truncated: 1},
		{name: "bit flip in the last segment", mutate: func(t *testing.T, f *fixture) {
			testutil.MustFlipBit(t, f.log(1), f.pos[1][5]+100, 3)
		}, want: verify.Loss{FromOffset: 125, ToOffset: 199, Records: 75, Exact: true}, truncated: 1},
		{name: "bit flip in an older segment", mutate: func(t *testing.T, f *fixture) {
			testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+100, 3)
		}, want: verify.Loss{FromOffset: 25, ToOffset: 199, Records: 175, Exact: true}, truncated: 0, deleted: 1},
		{name: "zero tail", mutate: func(t *testing.T, f *fixture) { testutil.MustAppendZeros(t, f.log(1), 3000) },
			want: verify.Loss{FromOffset: 200, ToOffset: 199, Records: 0, Exact: true}, truncated: 1},
		{name: "trailing garbage", mutate: func(t *testing.T, f *fixture) {
			st, err := os.Stat(f.log(1))
			must(t, err)
			testutil.MustAppendZeros(t, f.log(1), 200)
			testutil.MustWriteAt(t, f.log(1), st.Size(), bytes.Repeat([]byte{0xab}, 200))
		}, want: verify.Loss{FromOffset: 200, ToOffset: 199, Records: 0, Exact: false}, truncated: 1},
		{name: "damaged header: impossible record count", mutate: func(t *testing.T, f *fixture) {
			testutil.MustSetInt32BE(t, f.log(1), f.pos[1][19]+57, 1000)
		}, want: verify.Loss{FromOffset: 195, ToOffset: 194, Records: 0, Exact: false}, truncated: 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, defaultSpecs())
			tc.mutate(t, f)
			kr := predict(t, f, verify.DefaultKafkaVersion)
			tr := actionsOf(kr, "truncate")
			if len(tr) != 1 || tr[0].File != base(f.log(tc.truncated)) || tr[0].Lost == nil {
				t.Fatalf("truncate actions %+v", tr)
			}
			if got := len(actionsOf(kr, "delete-segment")); got != tc.deleted {
				t.Errorf("%d delete-segment actions, want %d", got, tc.deleted)
			}
			if kr.Lost == nil || *kr.Lost != tc.want {
				t.Errorf("lost %+v, want %+v", kr.Lost, tc.want)
			}
			if kr.RecordsLost != tc.want.Records {
				t.Errorf("records lost %d, want %d", kr.RecordsLost, tc.want.Records)
			}
		})
	}
}

func TestLossString(t *testing.T) {
	for _, tc := range []struct {
		l    verify.Loss
		want string
	}{
		{verify.Loss{FromOffset: 200, ToOffset: 209, Records: 10, Exact: true}, "offsets 200..209 (10 records)"},
		{verify.Loss{FromOffset: 125, ToOffset: 199, Records: 70, Exact: false}, "offsets 125..≥199 (≥ 70 records)"},
		{verify.Loss{FromOffset: 200, ToOffset: 199, Exact: true}, "no records (the log end offset stays 200)"},
		{verify.Loss{FromOffset: 200, ToOffset: 199, Exact: false}, "offsets from 200 on (an unknown number of records: no complete batch header in the removed bytes)"},
	} {
		if got := tc.l.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.l, got, tc.want)
		}
	}
}

// TestKafkaVersions: the differences between a 2.2 broker and the newest
// modelled (issue 11 item 7), and the recovery of every segment from the
// recovery point after an unclean shutdown.
func TestKafkaVersions(t *testing.T) {
	v22, err := verify.ParseKafkaVersion("2.2.1")
	must(t, err)
	specs := []segSpec{{0, consecutive(0, 20)}, {100, consecutive(100, 20)}, {200, consecutive(200, 20)}}
	recoveryPoint := func(t *testing.T, f *fixture, at int64) {
		writeFile(t, filepath.Join(f.logDir, "recovery-point-offset-checkpoint"),
			state.AppendOffsetCheckpoint(nil, []state.TopicPartitionOffset{{Topic: "t", Partition: 0, Offset: at}}))
	}

	t.Run("missing index of an older segment", func(t *testing.T) {
		f := newFixture(t, specs)
		recoveryPoint(t, f, 250)
		must(t, os.Remove(f.index(0)))
		kr := predict(t, f, v22)
		if a := actionsOf(kr, "create-empty-index"); len(a) != 1 || a[0].File != base(f.log(0)) {
			t.Errorf("2.2: create-empty-index %+v; all %+v", a, kr.Actions)
		}
		if a := actionsOf(kr, "rebuild-index"); len(a) != 0 {
			t.Errorf("2.2 rebuilds %+v", a)
		}
		kr = predict(t, f, verify.DefaultKafkaVersion)
		if a := actionsOf(kr, "rebuild-index"); len(a) != 1 || a[0].File != base(f.log(0)) {
			t.Errorf("4.0: rebuild-index %+v; all %+v", a, kr.Actions)
		}
		if a := actionsOf(kr, "create-empty-index"); len(a) != 0 {
			t.Errorf("4.0 creates an empty index %+v", a)
		}
		if kr.KafkaVersion != verify.DefaultKafkaVersion {
			t.Errorf("version %v", kr.KafkaVersion)
		}
	})

	t.Run("unclean shutdown recovers from the recovery point", func(t *testing.T) {
		f := newFixture(t, specs)
		recoveryPoint(t, f, 150)
		for _, v := range []verify.KafkaVersion{v22, verify.DefaultKafkaVersion} {
			kr := predict(t, f, v)
			got := actionsOf(kr, "recover-segment")
			if len(got) != 2 || got[0].File != base(f.log(1)) || got[1].File != base(f.log(2)) {
				t.Errorf("%v: recover-segment %+v", v, got)
			}
			if kr.Lost != nil || kr.RecordsLost != 0 {
				t.Errorf("%v: lost %+v", v, kr.Lost)
			}
		}
	})

	t.Run("zero-filled time index of an older segment", func(t *testing.T) {
		f := newFixture(t, specs)
		recoveryPoint(t, f, 250)
		testutil.MustAppendZeros(t, f.timeIndex(0), 12*4)
		kr := predict(t, f, v22)
		if a := actionsOf(kr, "rebuild-index"); len(a) != 1 || a[0].File != base(f.log(0)) {
			t.Errorf("2.2: rebuild-index %+v", kr.Actions)
		}
		kr = predict(t, f, verify.DefaultKafkaVersion)
		if a := actionsOf(kr, "rebuild-index"); len(a) != 0 {
			t.Errorf("4.0 sanity-checks indexes at load: %+v", a)
		}
	})
}

func TestParseKafkaVersion(t *testing.T) {
	for _, s := range []string{"2.2", "2.2.1", "1.1", "3.9.0", "4.0", "4.1"} {
		if _, err := verify.ParseKafkaVersion(s); err != nil {
			t.Errorf("%s: %v", s, err)
		}
	}
	for _, s := range []string{"", "2", "0.10.2", "1.0", "5.0", "x.y", "2.2.1.1", "-1.0"} {
		if _, err := verify.ParseKafkaVersion(s); !errors.Is(err, verify.ErrKafkaVersion) {
			t.Errorf("%q: %v, want ErrKafkaVersion", s, err)
		}
	}
}

// TestKafkaLossCountsLegacyWrappers: a deleted segment of magic 1 gzip
// wrappers loses their inner messages, not one record per wrapper.
func TestKafkaLossCountsLegacyWrappers(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	var buf []byte
	for i := int64(0); i < 4; i++ {
		o := format.BatchOptions{Magic: 1, Compression: format.CompressionGzip, BaseOffset: 100 + i*recordsPerBatch}
		var err error
		buf, err = format.AppendBatch(buf, o, messages(100+i*recordsPerBatch))
		must(t, err)
	}
	must(t, os.WriteFile(f.log(1), buf, 0o644))
	must(t, os.Remove(f.index(1)))
	must(t, os.Remove(f.timeIndex(1)))
	testutil.MustFlipBit(t, f.log(0), f.pos[0][18]+100, 3)
	kr := predict(t, f, verify.DefaultKafkaVersion)
	want := verify.Loss{FromOffset: 90, ToOffset: 119, Records: 10 + 20, Exact: true}
	if kr.Lost == nil || *kr.Lost != want {
		t.Errorf("lost %+v, want %+v; actions %+v", kr.Lost, want, kr.Actions)
	}
}

// TestKafkaLoadTimeRecovery: what the broker does to damage depending on
// the recovery point, the clean shutdown marker and a missing index
// (LogLoader.loadSegmentFiles, recoverLog).
func TestKafkaLoadTimeRecovery(t *testing.T) {
	specs := []segSpec{{0, consecutive(0, 20)}, {100, consecutive(100, 20)}, {200, consecutive(200, 20)}}
	recoveryPoint := func(t *testing.T, f *fixture, at int64) {
		writeFile(t, filepath.Join(f.logDir, "recovery-point-offset-checkpoint"),
			state.AppendOffsetCheckpoint(nil, []state.TopicPartitionOffset{{Topic: "t", Partition: 0, Offset: at}}))
	}
	cleanShutdown := func(t *testing.T, f *fixture) {
		writeFile(t, filepath.Join(f.logDir, ".kafka_cleanshutdown"), []byte(`{"version":0,"brokerEpoch":7}`))
	}
	flipOld := func(t *testing.T, f *fixture) { testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+100, 3) }
	gap := verify.Loss{FromOffset: 25, ToOffset: 99, Records: 75, Exact: true}

	t.Run("bit flip below the recovery point, unclean", func(t *testing.T) {
		f := newFixture(t, specs)
		recoveryPoint(t, f, 250)
		flipOld(t, f)
		kr := predict(t, f, verify.DefaultKafkaVersion)
		if len(actionsOf(kr, "truncate")) != 0 || kr.Lost != nil || kr.RecordsLost != 0 {
			t.Errorf("the broker does not recover below the recovery point: %+v", kr.Actions)
		}
		if a := actionsOf(kr, "keep-damaged"); len(a) != 1 || a[0].File != base(f.log(0)) || a[0].Position != f.pos[0][5] {
			t.Errorf("keep-damaged %+v", a)
		}
		if a := actionsOf(kr, "recover-segment"); len(a) != 1 || a[0].File != base(f.log(2)) {
			t.Errorf("recover-segment %+v", a)
		}
	})

	t.Run("bit flip after a clean shutdown", func(t *testing.T) {
		f := newFixture(t, specs)
		flipOld(t, f)
		cleanShutdown(t, f)
		kr := predict(t, f, verify.DefaultKafkaVersion)
		if !kr.CleanShutdownMarker || len(actionsOf(kr, "recover-segment")) != 0 || len(actionsOf(kr, "truncate")) != 0 || kr.Lost != nil {
			t.Errorf("a clean start recovers nothing: %+v", kr.Actions)
		}
		if a := actionsOf(kr, "keep-damaged"); len(a) != 1 || a[0].File != base(f.log(0)) {
			t.Errorf("keep-damaged %+v", a)
		}
	})

	t.Run("missing index of a damaged older segment", func(t *testing.T) {
		for _, clean := range []bool{false, true} {
			f := newFixture(t, specs)
			recoveryPoint(t, f, 250)
			flipOld(t, f)
			must(t, os.Remove(f.index(0)))
			if clean {
				cleanShutdown(t, f)
			}
			kr := predict(t, f, verify.DefaultKafkaVersion)
			tr := actionsOf(kr, "truncate")
			if len(tr) != 1 || tr[0].File != base(f.log(0)) || tr[0].Position != f.pos[0][5] || tr[0].Lost == nil || *tr[0].Lost != gap {
				t.Fatalf("clean=%v: truncate %+v", clean, tr)
			}
			if len(actionsOf(kr, "delete-segment")) != 0 || kr.Lost != nil {
				t.Errorf("clean=%v: loadSegmentFiles keeps the later segments: %+v", clean, kr.Actions)
			}
			if len(kr.LostInside) != 1 || kr.LostInside[0] != gap || kr.RecordsLost != 75 {
				t.Errorf("clean=%v: lost inside %+v, records %d", clean, kr.LostInside, kr.RecordsLost)
			}
			if len(actionsOf(kr, "keep-damaged")) != 0 {
				t.Errorf("clean=%v: %+v", clean, kr.Actions)
			}
			// Kafka 2.2 creates the index empty and recovers nothing there.
			kr = predict(t, f, mustVersion(t, "2.2"))
			if len(actionsOf(kr, "truncate")) != 0 || len(actionsOf(kr, "keep-damaged")) != 1 {
				t.Errorf("clean=%v: 2.2 %+v", clean, kr.Actions)
			}
		}
	})

	t.Run("missing index of a torn last segment after a clean shutdown", func(t *testing.T) {
		f := newFixture(t, specs)
		pos, size := appendBatch(t, f.log(2), 300, 10)
		testutil.MustTruncate(t, f.log(2), pos+size-40)
		must(t, os.Remove(f.index(2)))
		cleanShutdown(t, f)
		kr := predict(t, f, verify.DefaultKafkaVersion)
		want := verify.Loss{FromOffset: 300, ToOffset: 309, Records: 10, Exact: true}
		if kr.Lost == nil || *kr.Lost != want || len(kr.LostInside) != 0 {
			t.Errorf("lost %+v inside %+v; %+v", kr.Lost, kr.LostInside, kr.Actions)
		}
	})

	t.Run("load-truncated segment deleted by a later recovery", func(t *testing.T) {
		f := newFixture(t, specs)
		recoveryPoint(t, f, 150)
		testutil.MustFlipBit(t, f.log(1), f.pos[1][5]+100, 3)
		pos, _ := appendBatch(t, f.log(2), 300, 10)
		testutil.MustTruncate(t, f.log(2), pos+30)
		must(t, os.Remove(f.index(2)))
		kr := predict(t, f, verify.DefaultKafkaVersion)
		if d := actionsOf(kr, "delete-segment"); len(d) != 1 || d[0].File != base(f.log(2)) {
			t.Fatalf("delete-segment %+v", d)
		}
		var sum int64
		for _, a := range kr.Actions {
			if a.Action == "delete-segment" || (a.Action == "truncate" && a.File == base(f.log(1))) {
				sum += a.BytesLost
			}
		}
		if kr.BytesLost != sum || len(kr.LostInside) != 0 || kr.Lost == nil || kr.Lost.FromOffset != 125 {
			t.Errorf("bytes lost %d want %d, inside %+v, lost %+v", kr.BytesLost, sum, kr.LostInside, kr.Lost)
		}
	})

	t.Run("zero-filled transaction index entry", func(t *testing.T) {
		f := newFixture(t, specs)
		recoveryPoint(t, f, 250)
		flipOld(t, f)
		writeFile(t, filepath.Join(f.dir, "00000000000000000100.txnindex"), make([]byte, 34))
		kr := predict(t, f, verify.DefaultKafkaVersion)
		if a := actionsOf(kr, "rebuild-index"); len(a) != 1 || a[0].File != base(f.log(1)) {
			t.Errorf("rebuild-index %+v", kr.Actions)
		}
	})
}

func mustVersion(t *testing.T, s string) verify.KafkaVersion {
	t.Helper()
	v, err := verify.ParseKafkaVersion(s)
	must(t, err)
	return v
}

// TestKafkaKeepsHarmfulIndex: a harmful index of a segment nobody recovers
// stays in use (Kafka 2.3+ runs no index sanity check at load; this one
// passes 2.2's, which read only the last entry).
func TestKafkaKeepsHarmfulIndex(t *testing.T) {
	specs := []segSpec{{0, consecutive(0, 20)}, {100, consecutive(100, 20)}}
	f := newFixture(t, specs)
	writeFile(t, filepath.Join(f.logDir, "recovery-point-offset-checkpoint"),
		state.AppendOffsetCheckpoint(nil, []state.TopicPartitionOffset{{Topic: "t", Partition: 0, Offset: 150}}))
	testutil.MustSetInt32BE(t, f.index(0), 4, 1) // first entry's position inside a batch
	for _, v := range []verify.KafkaVersion{mustVersion(t, "2.2"), verify.DefaultKafkaVersion} {
		kr := predict(t, f, v)
		if a := actionsOf(kr, "keep-harmful-index"); len(a) != 1 || a[0].File != base(f.log(0)) {
			t.Errorf("%v: %+v", v, kr.Actions)
		}
	}
	// Recovered from the recovery point: rebuilt, not kept.
	writeFile(t, filepath.Join(f.logDir, "recovery-point-offset-checkpoint"),
		state.AppendOffsetCheckpoint(nil, []state.TopicPartitionOffset{{Topic: "t", Partition: 0, Offset: 0}}))
	if a := actionsOf(predict(t, f, verify.DefaultKafkaVersion), "keep-harmful-index"); len(a) != 0 {
		t.Errorf("recovered segment: %+v", a)
	}
}

// TestKafkaRecoveryIndexFailure: offsets going backwards inside a
// recovered segment make LogSegment.recover's offset index append throw
// InvalidOffsetException once an indexed batch is not above the last
// indexed offset: recoverLog then truncates the whole segment and deletes
// the later ones. A regression no index append sees truncates nothing.
func TestKafkaRecoveryIndexFailure(t *testing.T) {
	regress := append(consecutive(0, 10), consecutive(10, 10)...)
	f := newFixture(t, []segSpec{{0, regress}, {100, consecutive(100, 20)}})
	kr := predict(t, f, verify.DefaultKafkaVersion)
	tr := actionsOf(kr, "truncate")
	if len(tr) != 1 || tr[0].File != base(f.log(0)) || tr[0].Position != 0 || !strings.Contains(tr[0].Detail, "InvalidOffsetException") {
		t.Fatalf("truncate %+v", tr)
	}
	if d := actionsOf(kr, "delete-segment"); len(d) != 1 || d[0].File != base(f.log(1)) {
		t.Errorf("delete-segment %+v", d)
	}
	if kr.Lost == nil || kr.Lost.FromOffset != 0 || kr.Lost.ToOffset != 199 {
		t.Errorf("lost %+v", kr.Lost)
	}
	// Two batches back, before the first index entry: nothing fails.
	f = newFixture(t, []segSpec{{0, append([]int64{0, 5, 0, 5}, consecutive(10, 18)...)}, {100, consecutive(100, 20)}})
	kr = predict(t, f, verify.DefaultKafkaVersion)
	if tr := actionsOf(kr, "truncate"); len(tr) != 0 || kr.Lost != nil {
		t.Errorf("early regression: %+v", kr.Actions)
	}
}

// TestKafkaEmptySegmentLosesNothing: an empty active segment (0 bytes) is
// recovered and nothing is truncated.
func TestKafkaEmptySegmentLosesNothing(t *testing.T) {
	f := newFixture(t, []segSpec{{0, consecutive(0, 20)}, {100, nil}})
	kr := predict(t, f, verify.DefaultKafkaVersion)
	if tr := actionsOf(kr, "truncate"); len(tr) != 0 || kr.Lost != nil {
		t.Errorf("%+v", kr.Actions)
	}
}

// TestKafkaUnreadableRecoveryPoints: a recovery-point-offset-checkpoint
// Kafka cannot read (here its count says 2 but it holds 1 entry) is reset
// to 0 for every partition (LogManager.loadLogs): every segment is
// recovered.
func TestKafkaUnreadableRecoveryPoints(t *testing.T) {
	specs := []segSpec{{0, consecutive(0, 20)}, {100, consecutive(100, 20)}}
	f := newFixture(t, specs)
	writeFile(t, filepath.Join(f.logDir, "recovery-point-offset-checkpoint"), []byte("0\n2\nt 0 150\n"))
	kr := predict(t, f, verify.DefaultKafkaVersion)
	if a := actionsOf(kr, "recover-segment"); kr.RecoveryPoint != 0 || len(a) != 2 {
		t.Errorf("recovery point %d, recover-segment %+v", kr.RecoveryPoint, a)
	}
	writeFile(t, filepath.Join(f.logDir, "recovery-point-offset-checkpoint"), []byte("0\n2\nt 0 10\nt 0 150\n"))
	if kr := predict(t, f, verify.DefaultKafkaVersion); kr.RecoveryPoint != 150 {
		t.Errorf("duplicates: the last wins; recovery point %d", kr.RecoveryPoint)
	}
}

// TestKafkaLogStartAboveLogEnd: after recovery the log end offset is below
// the log-start-offset-checkpoint entry: the broker deletes every segment
// and starts the log empty at the log start offset (LogLoader
// deleteSegmentsIfLogStartGreaterThanLogEnd).
func TestKafkaLogStartAboveLogEnd(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	pos, size := appendBatch(t, f.log(1), 200, 10)
	testutil.MustTruncate(t, f.log(1), pos+size-40)
	writeFile(t, filepath.Join(f.logDir, "log-start-offset-checkpoint"),
		state.AppendOffsetCheckpoint(nil, []state.TopicPartitionOffset{{Topic: "t", Partition: 0, Offset: 205}}))
	kr := predict(t, f, verify.DefaultKafkaVersion)
	d := actionsOf(kr, "delete-segment")
	if len(d) != 2 || d[0].File != base(f.log(0)) || d[1].File != base(f.log(1)) || !strings.Contains(d[0].Detail, "starts empty at offset 205") {
		t.Fatalf("delete-segment %+v", d)
	}
	if d[1].BytesLost != pos {
		t.Errorf("the truncated segment's remaining %d bytes, got %d", pos, d[1].BytesLost)
	}
	// At 200 (the new log end offset) nothing more happens.
	writeFile(t, filepath.Join(f.logDir, "log-start-offset-checkpoint"),
		state.AppendOffsetCheckpoint(nil, []state.TopicPartitionOffset{{Topic: "t", Partition: 0, Offset: 200}}))
	if d := actionsOf(predict(t, f, verify.DefaultKafkaVersion), "delete-segment"); len(d) != 0 {
		t.Errorf("log start at the log end: %+v", d)
	}
}
