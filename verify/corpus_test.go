package verify_test

import (
	"context"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/verify"
)

const corpusRoot = "../../shared/corpus"

// corpusLogDirs finds the directories of the corpus whose partition
// subdirectories hold segment files.
func corpusLogDirs(t *testing.T) []string {
	t.Helper()
	var out []string
	must(t, filepath.WalkDir(corpusRoot, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		parts, _ := segment.ListLogDir(p)
		for _, part := range parts {
			if logs, _ := filepath.Glob(filepath.Join(part, "*.log")); len(logs) > 0 {
				out = append(out, p)
				return filepath.SkipDir
			}
		}
		return nil
	}))
	return out
}

// TestCorpus verifies every real log dir of the corpus (deep, with the
// broker simulation): all partitions are clean except the documented
// leftovers (MANIFEST.md): the mid-compaction directories, the segments
// whose .log is missing from the snapshot (orphan indexes), and log dirs
// committed without meta.properties.
func TestCorpus(t *testing.T) {
	if _, err := os.Stat(corpusRoot); err != nil {
		t.Skip("corpus not present:", err)
	}
	want := []string{
		"Backend_labs/kafka-data __consumer_offsets-19/00000000000000258527.index orphan-index",
		"Backend_labs/kafka-data __consumer_offsets-19/00000000000000258527.timeindex orphan-index",
		"geraldine999-Kafka/kafka/kafka-logs __consumer_offsets-18/00000000000000000000.index.swap leftover-swap",
		"geraldine999-Kafka/kafka/kafka-logs __consumer_offsets-18/00000000000000000000.log.swap leftover-swap",
		"geraldine999-Kafka/kafka/kafka-logs __consumer_offsets-18/00000000000000000000.timeindex.cleaned leftover-cleaned",
		"getachew015-kafka-broker/data/kafka __consumer_offsets-13/00000000000000000000.index.swap leftover-swap",
		"getachew015-kafka-broker/data/kafka __consumer_offsets-13/00000000000000000000.log.swap leftover-swap",
		"getachew015-kafka-broker/data/kafka __consumer_offsets-13/00000000000000000000.timeindex.cleaned leftover-cleaned",
		"kafkalite/tests/test-data/fs-data /meta.properties missing-meta-properties",
		// MANIFEST: the __cluster_metadata-0 .log is absent from the snapshot.
		"patient-admissions/kafka-data __cluster_metadata-0/00000000000000000000.index orphan-index",
		"patient-admissions/kafka-data __cluster_metadata-0/00000000000000000000.timeindex orphan-index",
		"toy-node-log-collector/kafka-data /meta.properties missing-meta-properties",
	}
	var got []string
	dirs := corpusLogDirs(t)
	if len(dirs) < 15 {
		t.Fatalf("found only %d log dirs in the corpus", len(dirs))
	}
	for _, d := range dirs {
		rel, _ := filepath.Rel(corpusRoot, d)
		var kafkaLoss int64
		opts := verify.Options{Deep: true, WhatWouldKafkaDo: true, Workers: 2,
			OnPartition: func(p *verify.PartitionResult) { kafkaLoss += p.Kafka.BytesLost }}
		fs, sum := runVerify(t, opts, d)
		for _, f := range errorsOf(fs, verify.SeverityWarning) {
			if consistencyReasons[f.Reason] {
				continue // TestCorpusConsistency
			}
			got = append(got, filepath.ToSlash(rel)+" "+f.Partition+"/"+f.File+" "+string(f.Reason))
		}
		if sum.Errors != countConsistency(fs, verify.SeverityError) || kafkaLoss != 0 {
			t.Errorf("%s: %d errors, broker recovery would lose %d bytes", rel, sum.Errors, kafkaLoss)
		}
	}
	sort.Strings(got)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("corpus findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestCorpusReadOnlyAndRepairPlan: a dry-run plan over a read-only corpus
// directory opens nothing for writing (the corpus files are mode 0444).
func TestCorpusRepairPlan(t *testing.T) {
	d := filepath.Join(corpusRoot, "geraldine999-Kafka/kafka/kafka-logs")
	if _, err := os.Stat(d); err != nil {
		t.Skip("corpus not present:", err)
	}
	p, err := verify.PlanRepair(context.Background(), []string{d}, verify.RepairOptions{TruncateAt: -1})
	must(t, err)
	if len(p.Unresolved) != 0 {
		t.Errorf("unresolved:%s", describe(p.Unresolved))
	}
	for _, a := range p.Actions {
		if a.Kind != verify.ActionRebuildIndex {
			t.Errorf("unexpected action %+v", a)
		}
	}
}
