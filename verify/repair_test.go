package verify_test

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/state"
	"github.com/kseg/kseg/verify"
)

// corruptionCase is one named corruption: where verify must report it, what
// repair must do, and how many records survive.
type corruptionCase struct {
	name   string
	specs  []segSpec // nil: defaultSpecs
	mutate func(t *testing.T, f *fixture)
	// The finding verify must report.
	reason verify.Reason
	file   func(f *fixture) string
	pos    func(f *fixture) int64
	end    func(f *fixture) int64 // nil: not checked
	sev    verify.Severity
	// needSalvage: without --salvage the plan must leave it unresolved.
	needSalvage bool
	// nothingToDo: repair has nothing to do (benign or left to the broker).
	nothingToDo bool
	// remaining is the finding reason expected to survive the repair ("" none).
	remaining   verify.Reason
	wantRecords int64
}

func base(p string) string { return filepath.Base(p) }

func corruptionCases() []corruptionCase {
	at := func(seg, batch int) func(f *fixture) int64 {
		return func(f *fixture) int64 { return f.pos[seg][batch] }
	}
	log0 := func(f *fixture) string { return base(f.log(0)) }
	log1 := func(f *fixture) string { return base(f.log(1)) }
	size := func(seg int) func(f *fixture) int64 {
		return func(f *fixture) int64 { return f.pos[seg][len(f.pos[seg])-1] }
	}
	return []corruptionCase{
		{name: "bit flip in records", mutate: func(t *testing.T, f *fixture) { testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+100, 3) },
			reason: verify.ReasonCRCMismatch, file: log0, pos: at(0, 5), end: at(0, 6), sev: verify.SeverityError, needSalvage: true, wantRecords: 195},
		{name: "bit flip in header", mutate: func(t *testing.T, f *fixture) { testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+26, 0) },
			reason: verify.ReasonCRCMismatch, file: log0, pos: at(0, 5), end: at(0, 6), sev: verify.SeverityError, needSalvage: true, wantRecords: 195},
		{name: "bit flip in crc", mutate: func(t *testing.T, f *fixture) { testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+17, 0) },
			reason: verify.ReasonCRCMismatch, file: log0, pos: at(0, 5), end: at(0, 6), sev: verify.SeverityError, needSalvage: true, wantRecords: 195},
		{name: "crc mismatch in the last batch", mutate: func(t *testing.T, f *fixture) { testutil.MustFlipBit(t, f.log(1), f.pos[1][19]+100, 1) },
			reason: verify.ReasonCRCMismatch, file: log1, pos: at(1, 19), end: size(1), sev: verify.SeverityError, needSalvage: true, wantRecords: 195},
		{name: "truncated batch", mutate: func(t *testing.T, f *fixture) { testutil.MustTruncate(t, f.log(1), f.pos[1][19]+50) },
			reason: verify.ReasonTornTail, file: log1, pos: at(1, 19), sev: verify.SeverityError, wantRecords: 195},
		{name: "zero-filled tail", mutate: func(t *testing.T, f *fixture) { testutil.MustAppendZeros(t, f.log(1), 3000) },
			reason: verify.ReasonZeroTail, file: log1, pos: at(1, 20), sev: verify.SeverityWarning, wantRecords: 200},
		{name: "zero-filled tail of a non-active segment", mutate: func(t *testing.T, f *fixture) { testutil.MustZeroRange(t, f.log(0), f.pos[0][18], f.pos[0][20]) },
			reason: verify.ReasonZeroTail, file: log0, pos: at(0, 18), end: size(0), sev: verify.SeverityError, needSalvage: true, wantRecords: 190},
		{name: "bogus huge length", mutate: func(t *testing.T, f *fixture) { testutil.MustSetInt32BE(t, f.log(0), f.pos[0][5]+8, 0x7ffffff0) },
			reason: "bad-length", file: log0, pos: at(0, 5), end: at(0, 6), sev: verify.SeverityError, needSalvage: true, wantRecords: 195},
		{name: "offset regression", mutate: func(t *testing.T, f *fixture) { setInt64BE(t, f.log(0), f.pos[0][10], 20) },
			reason: verify.ReasonOffsetRegression, file: log0, pos: at(0, 10), end: at(0, 11), sev: verify.SeverityError, needSalvage: true, wantRecords: 195},
		{name: "overlapping segments", specs: []segSpec{{0, consecutive(0, 20)}, {90, consecutive(90, 20)}}, mutate: func(*testing.T, *fixture) {},
			reason: verify.ReasonSegmentOverlap, file: log1, pos: at(1, 0), end: at(1, 2), sev: verify.SeverityError, needSalvage: true, wantRecords: 190},
		{name: "index entry in the middle of a batch", mutate: func(t *testing.T, f *fixture) {
			b := readFile(t, f.index(0))
			testutil.MustSetInt32BE(t, f.index(0), 4, int32(binary.BigEndian.Uint32(b[4:]))+1)
		}, reason: verify.ReasonIndexHarmful, file: func(f *fixture) string { return base(f.index(0)) }, sev: verify.SeverityError, wantRecords: 200},
		{name: "index entry that skips data", mutate: func(t *testing.T, f *fixture) { testutil.MustSetInt32BE(t, f.index(0), 0, 0) },
			reason: verify.ReasonIndexHarmful, file: func(f *fixture) string { return base(f.index(0)) }, sev: verify.SeverityError, wantRecords: 200},
		{name: "missing index", mutate: func(t *testing.T, f *fixture) { must(t, os.Remove(f.index(0))) },
			reason: verify.ReasonIndexMissing, file: log0, sev: verify.SeverityInfo, wantRecords: 200},
		{name: "preallocated index of a non-active segment", mutate: func(t *testing.T, f *fixture) { testutil.MustAppendZeros(t, f.index(0), 800) },
			reason: verify.ReasonIndexZeroTail, file: func(f *fixture) string { return base(f.index(0)) }, sev: verify.SeverityError, wantRecords: 200},
		{name: "preallocated indexes of the active segment", mutate: func(t *testing.T, f *fixture) {
			testutil.MustAppendZeros(t, f.index(1), 8*4096)
			testutil.MustAppendZeros(t, f.timeIndex(1), 12*4096)
		}, nothingToDo: true, wantRecords: 200},
		{name: "time index not monotonic", mutate: func(t *testing.T, f *fixture) { setInt64BE(t, f.timeIndex(0), 12, 5) },
			reason: verify.ReasonTimeIndexHarmful, file: func(f *fixture) string { return base(f.timeIndex(0)) }, sev: verify.SeverityError, wantRecords: 200},
		{name: "stray swap", mutate: func(t *testing.T, f *fixture) {
			must(t, os.WriteFile(f.log(1)+".swap", readFile(t, f.log(1)), 0o644))
		}, reason: verify.ReasonLeftoverSwap, file: func(f *fixture) string { return base(f.log(1)) + ".swap" }, sev: verify.SeverityWarning,
			nothingToDo: true, remaining: verify.ReasonLeftoverSwap, wantRecords: 200},
		{name: "kseg temp file", mutate: func(t *testing.T, f *fixture) {
			must(t, os.WriteFile(f.index(0)+fsutil.TempSuffix, []byte("partial"), 0o644))
		}, reason: verify.ReasonKsegTemp, file: func(f *fixture) string { return base(f.index(0)) + fsutil.TempSuffix }, sev: verify.SeverityWarning, wantRecords: 200},
	}
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	must(t, err)
	return b
}

func plan(t testing.TB, opts verify.RepairOptions, paths ...string) *verify.Plan {
	t.Helper()
	if opts.TruncateAt == 0 {
		opts.TruncateAt = -1
	}
	opts.IndexIntervalBytes = testInterval
	p, err := verify.PlanRepair(context.Background(), paths, opts)
	must(t, err)
	return p
}

// TestCorruptionRoundTrip: corrupt → verify names it (read-only) → plan
// (dry run, read-only) → apply → verify clean → the original is
// reassembled from what is left plus the quarantine → a second run has
// nothing to do.
func TestCorruptionRoundTrip(t *testing.T) {
	for _, tc := range corruptionCases() {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel() // fsync latency dominates; overlap it
			specs := tc.specs
			if specs == nil {
				specs = defaultSpecs()
			}
			f := newFixture(t, specs)
			tc.mutate(t, f)
			before := testutil.HashTree(t, f.logDir)

			fs, _ := runVerify(t, verify.Options{Workers: 2}, f.logDir)
			testutil.RequireUnchanged(t, f.logDir, before)
			if tc.reason != "" {
				found := false
				for _, x := range fs {
					if x.Reason != tc.reason || x.File != tc.file(f) || x.Severity != tc.sev {
						continue
					}
					if tc.pos != nil && x.Position != tc.pos(f) {
						continue
					}
					if tc.end != nil && x.End != tc.end(f) {
						continue
					}
					found = true
				}
				if !found {
					t.Fatalf("no %s %s finding in %s at the expected position; got:%s", tc.sev, tc.reason, tc.file(f), describe(fs))
				}
			} else if bad := errorsOf(fs, verify.SeverityWarning); len(bad) > 0 {
				t.Fatalf("unexpected findings:%s", describe(bad))
			}

			dry := plan(t, verify.RepairOptions{}, f.logDir)
			testutil.RequireUnchanged(t, f.logDir, before)
			if tc.needSalvage {
				if len(dry.Unresolved) == 0 {
					t.Fatalf("without --salvage the corruption must stay unresolved; plan: %+v", dry.Actions)
				}
				for _, a := range dry.Actions {
					if a.Kind == verify.ActionSplit || a.Kind == verify.ActionTruncateTail {
						t.Fatalf("without --salvage the log must not be cut: %+v", a)
					}
				}
			}
			p := plan(t, verify.RepairOptions{Salvage: tc.needSalvage}, f.logDir)
			if tc.nothingToDo {
				if !p.NothingToDo() || len(p.Unresolved) > 0 {
					t.Fatalf("want nothing to do, got actions %+v unresolved %+v", p.Actions, p.Unresolved)
				}
				return
			}
			if p.NothingToDo() {
				t.Fatalf("empty plan; unresolved:%s", describe(p.Unresolved))
			}
			if len(p.Unresolved) > 0 {
				t.Fatalf("unresolved after planning:%s", describe(p.Unresolved))
			}
			pre := snapshot(t, f.logDir)
			preTree := testutil.ContentTree(t, f.logDir)
			rep, err := verify.Apply(context.Background(), p, verify.ApplyOptions{QuarantineDir: t.TempDir(), IndexIntervalBytes: testInterval})
			must(t, err)
			requireChangedAsPlanned(t, f.logDir, preTree, p)

			fs, sum := runVerify(t, verify.Options{}, f.logDir)
			for _, x := range errorsOf(fs, verify.SeverityWarning) {
				if x.Reason != tc.remaining {
					t.Errorf("after repair: %s", x)
				}
			}
			for _, x := range fs {
				if x.Reason == verify.ReasonIndexMissing || x.Reason == verify.ReasonTimeIndexMissing {
					t.Errorf("after repair: %s", x)
				}
			}
			if sum.Records != tc.wantRecords {
				t.Errorf("after repair: %d records, want %d", sum.Records, tc.wantRecords)
			}
			requireReassembles(t, pre, rep.Quarantine)
			again := plan(t, verify.RepairOptions{Salvage: tc.needSalvage}, f.logDir)
			if !again.NothingToDo() || len(again.Unresolved) > 0 {
				t.Fatalf("second run not a no-op: %+v %+v", again.Actions, again.Unresolved)
			}
		})
	}
}

// TestQuarantineHoldsExactlyTheCut checks the torn-tail case byte for byte.
func TestQuarantineHoldsExactlyTheCut(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	cut := f.pos[1][19]
	testutil.MustTruncate(t, f.log(1), cut+50)
	orig := readFile(t, f.log(1))
	p := plan(t, verify.RepairOptions{}, f.logDir)
	rep, err := verify.Apply(context.Background(), p, verify.ApplyOptions{QuarantineDir: t.TempDir(), IndexIntervalBytes: testInterval})
	must(t, err)
	var logEntries []fsutil.Entry
	for _, a := range rep.Actions {
		for _, e := range a.Quarantined {
			if filepath.Base(e.Source) == base(f.log(1)) {
				logEntries = append(logEntries, e)
			}
		}
	}
	if len(logEntries) != 1 || logEntries[0].Start != cut || logEntries[0].End != cut+50 {
		t.Fatalf("quarantine entries %+v, want exactly [%d, %d)", logEntries, cut, cut+50)
	}
	stored := readFile(t, filepath.Join(rep.Quarantine, filepath.FromSlash(logEntries[0].Stored)))
	if string(stored) != string(orig[cut:]) {
		t.Fatal("quarantined bytes differ from the removed tail")
	}
	if got := readFile(t, f.log(1)); string(got) != string(orig[:cut]) {
		t.Fatal("kept bytes differ from the original prefix")
	}
}

func TestTruncateAt(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+100, 3)
	_, err := verify.PlanRepair(context.Background(), []string{f.log(0)}, verify.RepairOptions{TruncateAt: f.pos[0][5] + 3})
	if !errors.Is(err, verify.ErrNotBoundary) {
		t.Fatalf("mid-batch position: err %v, want ErrNotBoundary", err)
	}
	p := plan(t, verify.RepairOptions{TruncateAt: f.pos[0][5]}, f.log(0))
	if len(p.Actions) != 1 || p.Actions[0].Kind != verify.ActionTruncateAt || p.Actions[0].Position != f.pos[0][5] {
		t.Fatalf("plan %+v", p.Actions)
	}
	pre := snapshot(t, f.logDir)
	rep, err := verify.Apply(context.Background(), p, verify.ApplyOptions{QuarantineDir: t.TempDir(), IndexIntervalBytes: testInterval})
	must(t, err)
	requireReassembles(t, pre, rep.Quarantine)
	if st, _ := os.Stat(f.log(0)); st.Size() != f.pos[0][5] {
		t.Fatalf("size %d, want %d", st.Size(), f.pos[0][5])
	}
}

func TestApplyRefusesQuarantineInsideLogDir(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	testutil.MustTruncate(t, f.log(1), f.pos[1][19]+50)
	p := plan(t, verify.RepairOptions{}, f.logDir)
	before := testutil.HashTree(t, f.logDir)
	_, err := verify.Apply(context.Background(), p, verify.ApplyOptions{QuarantineDir: filepath.Join(f.logDir, "q")})
	if !errors.Is(err, fsutil.ErrInLogDir) {
		t.Fatalf("err %v, want ErrInLogDir", err)
	}
	// Only .lock (taken by Apply, as a broker would create it) may be new.
	after := testutil.ContentTree(t, f.logDir)
	for k := range after {
		if _, ok := before[k]; !ok && k != ".lock" {
			t.Errorf("new file %s", k)
		}
	}
}

// requireChangedAsPlanned: the files Apply changed (created, removed or
// rewritten) are exactly the files the plan's actions list (issue 11 item
// 8). The broker's .lock, which Apply creates to hold it, is not data.
func requireChangedAsPlanned(t testing.TB, logDir string, before map[string]string, p *verify.Plan) {
	t.Helper()
	after := testutil.ContentTree(t, logDir)
	changed := map[string]bool{}
	for k, v := range before {
		if after[k] != v {
			changed[k] = true
		}
	}
	for k := range after {
		if _, ok := before[k]; !ok && k != ".lock" {
			changed[k] = true
		}
	}
	planned := map[string]bool{}
	for _, a := range p.Actions {
		for _, f := range a.Files {
			rel, err := filepath.Rel(logDir, f.Path)
			must(t, err)
			planned[rel] = true
		}
	}
	for k := range changed {
		if !planned[k] {
			t.Errorf("apply changed %s, which the plan does not list", k)
		}
	}
	for k := range planned {
		if !changed[k] {
			t.Errorf("the plan lists %s, which apply left unchanged", k)
		}
	}
}

// TestApplyLeavesOkIndexesAlone: a plan that rebuilds a harmful offset
// index and calls the time index ok must not replace the time index, even
// though it differs from what the recovery rule would write.
func TestApplyLeavesOkIndexesAlone(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	ti := readFile(t, f.timeIndex(0))
	if len(ti) < 24 {
		t.Fatalf("time index of %d bytes: too small a fixture", len(ti))
	}
	// A valid time index with one entry fewer than the rule writes: every
	// lookup still lands at or before the right batch.
	must(t, os.WriteFile(f.timeIndex(0), ti[:len(ti)-12], 0o644))
	testutil.MustSetInt32BE(t, f.index(0), 0, 0) // harmful: skips data
	p := plan(t, verify.RepairOptions{}, f.logDir)
	if len(p.Actions) != 1 || p.Actions[0].Kind != verify.ActionRebuildIndex {
		t.Fatalf("plan %+v", p.Actions)
	}
	if fs := p.Actions[0].Files; len(fs) != 1 || fs[0].Path != f.index(0) || fs[0].Change != verify.ChangeReplace {
		t.Fatalf("planned files %+v", fs)
	}
	pre := testutil.ContentTree(t, f.logDir)
	_, err := verify.Apply(context.Background(), p, verify.ApplyOptions{QuarantineDir: t.TempDir(), IndexIntervalBytes: testInterval})
	must(t, err)
	requireChangedAsPlanned(t, f.logDir, pre, p)
	if got := readFile(t, f.timeIndex(0)); string(got) != string(ti[:len(ti)-12]) {
		t.Error("the time index the plan called ok was replaced")
	}
}

// TestRepairClampsCheckpoints: after cutting a torn tail, the recovery point
// and high watermark above the new log end offset are lowered to it, the old
// files are quarantined, the lost offsets are named, and verify is clean
// (issue 11 item 9).
func TestRepairClampsCheckpoints(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	pos, size := appendBatch(t, f.log(1), 200, 10)
	testutil.MustTruncate(t, f.log(1), pos+size-40)
	cp := func(name string, es ...state.TopicPartitionOffset) string {
		p := filepath.Join(f.logDir, name)
		must(t, os.WriteFile(p, state.AppendOffsetCheckpoint(nil, es), 0o644))
		return p
	}
	other := state.TopicPartitionOffset{Topic: "gone", Partition: 3, Offset: 999}
	rp := cp("recovery-point-offset-checkpoint", state.TopicPartitionOffset{Topic: "t", Partition: 0, Offset: 210}, other)
	hw := cp("replication-offset-checkpoint", state.TopicPartitionOffset{Topic: "t", Partition: 0, Offset: 205}, other)
	ls := cp("log-start-offset-checkpoint", state.TopicPartitionOffset{Topic: "t", Partition: 0, Offset: 0})
	rpOld, hwOld, lsOld := readFile(t, rp), readFile(t, hw), readFile(t, ls)
	// The snapshot a broker took at the old log end offset, and one at the
	// new log end offset, which stays.
	stray := filepath.Join(f.dir, "00000000000000000210.snapshot")
	must(t, os.WriteFile(stray, state.AppendProducerSnapshot(nil, nil), 0o644))
	must(t, os.WriteFile(filepath.Join(f.dir, "00000000000000000200.snapshot"), state.AppendProducerSnapshot(nil, nil), 0o644))

	p := plan(t, verify.RepairOptions{}, f.logDir)
	var kinds []verify.ActionKind
	for _, a := range p.Actions {
		kinds = append(kinds, a.Kind)
	}
	if len(p.Actions) != 4 || kinds[0] != verify.ActionTruncateTail || kinds[1] != verify.ActionRemoveSnapshot ||
		p.Actions[1].Path != stray || kinds[2] != verify.ActionClampCheckpoint || kinds[3] != verify.ActionClampCheckpoint {
		t.Fatalf("plan %v", kinds)
	}
	if l := p.Actions[0].Lost; l == nil || *l != (verify.Loss{FromOffset: 200, ToOffset: 209, Records: 10, Exact: true}) {
		t.Errorf("truncate-tail loses %+v", l)
	}
	wantClamps := []verify.CheckpointClamp{{Topic: "t", Partition: 0, From: 210, To: 200}, {Topic: "t", Partition: 0, From: 205, To: 200}}
	for i, a := range p.Actions[2:] {
		if len(a.Clamps) != 1 || a.Clamps[0] != wantClamps[i] {
			t.Errorf("%s clamps %+v, want %+v", a.File, a.Clamps, wantClamps[i])
		}
	}
	if d := p.Actions[3].Detail; !strings.Contains(d, "t-0 high watermark 205 → 200 (offsets 200..204 named by it are gone)") {
		t.Errorf("detail %q", d)
	}
	pre := testutil.ContentTree(t, f.logDir)
	q := t.TempDir()
	rep, err := verify.Apply(context.Background(), p, verify.ApplyOptions{QuarantineDir: q, IndexIntervalBytes: testInterval})
	must(t, err)
	requireChangedAsPlanned(t, f.logDir, pre, p)

	want := func(path string, es ...state.TopicPartitionOffset) {
		t.Helper()
		if got := string(readFile(t, path)); got != string(state.AppendOffsetCheckpoint(nil, es)) {
			t.Errorf("%s:\n%s", filepath.Base(path), got)
		}
	}
	want(rp, state.TopicPartitionOffset{Topic: "t", Partition: 0, Offset: 200}, other)
	want(hw, state.TopicPartitionOffset{Topic: "t", Partition: 0, Offset: 200}, other)
	if string(readFile(t, ls)) != string(lsOld) {
		t.Error("log-start-offset-checkpoint changed")
	}
	// The old checkpoint files are in the quarantine.
	m, err := fsutil.ReadManifest(rep.Quarantine)
	must(t, err)
	saved := map[string]bool{}
	for _, e := range m.Entries {
		saved[filepath.Base(e.Source)] = true
	}
	if !saved["recovery-point-offset-checkpoint"] || !saved["replication-offset-checkpoint"] {
		t.Errorf("quarantine holds %v", saved)
	}
	requireReassembles(t, map[string][]byte{rp: rpOld, hw: hwOld}, rep.Quarantine)

	// verify exits 0 (the entry of a partition not in this log dir is a
	// warning, as before the repair; the stray snapshot is gone).
	fs, sum := runVerify(t, verify.Options{}, f.logDir)
	if bad := errorsOf(fs, verify.SeverityError); len(bad) > 0 || sum.Errors > 0 {
		t.Errorf("verify after repair:%s", describe(bad))
	}
	for _, x := range fs {
		if x.Reason == verify.ReasonStraySnapshot {
			t.Errorf("after repair: %s", x)
		}
	}
	if again := plan(t, verify.RepairOptions{}, f.logDir); !again.NothingToDo() {
		t.Errorf("second run: %+v", again.Actions)
	}
}

// TestRepairLogStartAboveNewEnd: a cut that leaves the log end offset below
// the log-start-offset-checkpoint entry is not clamped (Kafka does not
// clamp it: LogLoader deletes every segment instead); the plan says so.
func TestRepairLogStartAboveNewEnd(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	pos, size := appendBatch(t, f.log(1), 200, 10)
	testutil.MustTruncate(t, f.log(1), pos+size-40)
	ls := filepath.Join(f.logDir, "log-start-offset-checkpoint")
	must(t, os.WriteFile(ls, state.AppendOffsetCheckpoint(nil, []state.TopicPartitionOffset{{Topic: "t", Partition: 0, Offset: 205}}), 0o644))
	p := plan(t, verify.RepairOptions{}, f.logDir)
	var found bool
	for _, u := range p.Unresolved {
		if u.Reason == verify.ReasonCheckpointOutOfRange && u.File == "log-start-offset-checkpoint" &&
			strings.Contains(u.Detail, "deletes every segment") && u.Offset == 205 {
			found = true
		}
	}
	if !found {
		t.Errorf("unresolved %+v", p.Unresolved)
	}
	for _, a := range p.Actions {
		if a.File == "log-start-offset-checkpoint" {
			t.Errorf("plan rewrites the log start offset: %+v", a)
		}
	}
}

// TestRepairMissingIndexOfDamagedSegment: the plan says that the broker
// would truncate the damaged segment when it recovers it for its missing
// index, which the rebuild prevents.
func TestRepairMissingIndexOfDamagedSegment(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	testutil.MustFlipBit(t, f.log(0), f.pos[0][5]+100, 3)
	must(t, os.Remove(f.index(0)))
	p := plan(t, verify.RepairOptions{}, f.logDir)
	var found bool
	for _, a := range p.Actions {
		if a.Kind == verify.ActionRebuildIndex && a.File == base(f.log(0)) {
			found = strings.Contains(a.Detail, fmt.Sprintf("truncate it at position %d", f.pos[0][5]))
		}
	}
	if !found {
		t.Errorf("plan %+v", p.Actions)
	}
}

// TestRepairEmptyOlderTimeIndex: an empty time index of a segment that is
// not the last one, in a segment holding timestamps, is harmful (the broker
// would take the segment's largest timestamp from its mtime): verify warns
// and repair rebuilds it.
func TestRepairEmptyOlderTimeIndex(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	must(t, os.WriteFile(f.timeIndex(0), nil, 0o644))
	fs, _ := runVerify(t, verify.Options{}, f.logDir)
	var warned bool
	for _, x := range fs {
		warned = warned || (x.Reason == verify.ReasonTimeIndexHarmful && x.Severity == verify.SeverityWarning && x.File == base(f.timeIndex(0)))
	}
	if !warned {
		t.Errorf("verify:%s", describe(fs))
	}
	p := plan(t, verify.RepairOptions{}, f.logDir)
	if len(p.Actions) != 1 || p.Actions[0].Kind != verify.ActionRebuildIndex || p.Actions[0].File != base(f.log(0)) {
		t.Errorf("plan %+v", p.Actions)
	}
}

// A missing .timeindex the broker creates empty itself (the active
// segment's) is left alone by repair, as kseg index rebuild leaves it
// (segment.ClassCreatedEmpty); a missing one of an older segment holding
// timestamps is rebuilt by both.
func TestRepairAgreesWithIndexRebuildOnMissingTimeIndex(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	last := len(defaultSpecs()) - 1
	must(t, os.Remove(f.timeIndex(last)))
	if p := plan(t, verify.RepairOptions{}, f.logDir); len(p.Actions) != 0 {
		t.Errorf("active segment's missing time index: plan %+v, want nothing to do", p.Actions)
	}
	must(t, os.Remove(f.timeIndex(0)))
	p := plan(t, verify.RepairOptions{}, f.logDir)
	if len(p.Actions) != 1 || p.Actions[0].Kind != verify.ActionRebuildIndex || p.Actions[0].File != base(f.log(0)) {
		t.Fatalf("older segment's missing time index: plan %+v", p.Actions)
	}
	for _, fc := range p.Actions[0].Files {
		if base(fc.Path) != base(f.timeIndex(0)) {
			t.Errorf("plan changes %s, want only %s", fc.Path, base(f.timeIndex(0)))
		}
	}
}
