package verify_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/verify"
)

// TestResyncReportsEveryBadRange: two separate bad regions in one segment
// are both reported with [start, end) and where valid data resumes.
func TestResyncReportsEveryBadRange(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	testutil.MustZeroRange(t, f.log(0), f.pos[0][3]+5, f.pos[0][4]+20) // garbage spanning a boundary
	testutil.MustFlipBit(t, f.log(0), f.pos[0][15]+200, 0)
	fs, sum := runVerify(t, verify.Options{}, f.log(0))
	var ranges []verify.Finding
	for _, x := range fs {
		if x.End >= 0 && x.File == base(f.log(0)) {
			ranges = append(ranges, x)
		}
	}
	if len(ranges) != 2 {
		t.Fatalf("want 2 bad ranges, got:%s", describe(fs))
	}
	if r := ranges[0]; r.Position != f.pos[0][3] || r.End != f.pos[0][5] || r.NextValidOffset != 25 {
		t.Errorf("first range %s, want [%d, %d) resuming at offset 25", r, f.pos[0][3], f.pos[0][5])
	}
	if r := ranges[1]; r.Position != f.pos[0][15] || r.End != f.pos[0][16] || r.Reason != verify.ReasonCRCMismatch || r.NextValidOffset != 80 {
		t.Errorf("second range %s", r)
	}
	if sum.Records != 100-15 {
		t.Errorf("usable records %d, want 85", sum.Records)
	}
}

func TestFindingsAreBounded(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	for i := 0; i < 20; i += 2 {
		testutil.MustFlipBit(t, f.log(0), f.pos[0][i]+100, 0)
	}
	fs, sum := runVerify(t, verify.Options{MaxFindingsPerFile: 3}, f.log(0))
	listed := 0
	for _, x := range fs {
		if x.File == base(f.log(0)) && x.Reason != verify.ReasonTooManyFindings {
			listed++
		}
	}
	if listed != 3 || sum.Errors != 10 {
		t.Fatalf("listed %d (want 3), counted %d errors (want 10):%s", listed, sum.Errors, describe(fs))
	}
}

func TestWhatWouldKafkaDo(t *testing.T) {
	f := newFixture(t, []segSpec{{0, consecutive(0, 20)}, {100, consecutive(100, 20)}, {200, consecutive(200, 20)}})
	testutil.MustFlipBit(t, f.log(1), f.pos[1][5]+100, 3)
	must(t, os.Remove(f.index(2)))
	must(t, os.WriteFile(filepath.Join(f.dir, "00000000000000000300.index"), nil, 0o644))
	must(t, os.WriteFile(f.log(0)+".deleted", []byte("x"), 0o644))
	var kr *verify.KafkaRecovery
	_, _ = runVerify(t, verify.Options{WhatWouldKafkaDo: true, OnPartition: func(p *verify.PartitionResult) { kr = p.Kafka }}, f.logDir)
	if kr == nil {
		t.Fatal("no recovery simulation")
	}
	want := []struct {
		action, file string
		bytes        int64
	}{
		{"delete-file", "00000000000000000000.log.deleted", 0},
		{"delete-file", "00000000000000000300.index", 0},
		{"rebuild-index", base(f.log(2)), 0},
		{"recover-segment", base(f.log(0)), 0},
		{"recover-segment", base(f.log(1)), 0},
		{"truncate", base(f.log(1)), f.pos[1][20] - f.pos[1][5]},
		{"delete-segment", base(f.log(2)), f.pos[2][20]},
	}
	if len(kr.Actions) != len(want) {
		t.Fatalf("actions %+v", kr.Actions)
	}
	for i, w := range want {
		a := kr.Actions[i]
		if a.Action != w.action || a.File != w.file || a.BytesLost != w.bytes {
			t.Errorf("action %d: %+v, want %+v", i, a, w)
		}
	}
	// The damaged batch's 5 records are lost too.
	if kr.RecordsLost != 15*5+100 {
		t.Errorf("records lost %d, want %d", kr.RecordsLost, 15*5+100)
	}
}

func TestResolveErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := verify.Verify(context.Background(), []string{dir}, verify.Options{})
	if !errors.Is(err, verify.ErrNoTargets) {
		t.Fatalf("empty dir: %v", err)
	}
	_, err = verify.Verify(context.Background(), []string{filepath.Join(dir, "nope")}, verify.Options{})
	if !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("missing path: %v", err)
	}
}

func TestDeepRecordCount(t *testing.T) {
	f := newFixture(t, defaultSpecs())
	// recordsCount is CRC-covered: rewrite it and fix the CRC, as a buggy
	// producer would have written it.
	b := readFile(t, f.log(0))
	p := f.pos[0][2]
	b[p+60] = 4 // recordsCount 5 -> 4
	fixCRC(b[p:f.pos[0][3]])
	must(t, os.WriteFile(f.log(0), b, 0o644))
	fs, _ := runVerify(t, verify.Options{}, f.log(0))
	if len(errorsOf(fs, verify.SeverityWarning)) != 0 {
		t.Fatalf("shallow verify should not see it:%s", describe(fs))
	}
	fs, _ = runVerify(t, verify.Options{Deep: true}, f.log(0))
	found := false
	for _, x := range fs {
		found = found || (x.Position == p && x.Severity == verify.SeverityError)
	}
	if !found {
		t.Fatalf("deep verify missed the record count:%s", describe(fs))
	}
}
