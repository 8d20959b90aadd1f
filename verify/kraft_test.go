package verify_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/metadata"
	"github.com/kseg/kseg/metadata/metadatatest"
	"github.com/kseg/kseg/verify"
)

// kraftLogDir builds a KRaft log dir: a generated metadata log in epoch 3,
// a snapshot at offset 40, quorum-state, meta.properties for broker 1 and
// the data partition topic-0-0 with its partition.metadata.
func kraftLogDir(t *testing.T) (logDir, snap string) {
	t.Helper()
	logDir = t.TempDir()
	mdir := filepath.Join(logDir, "__cluster_metadata-0")
	w, err := metadatatest.Create(filepath.Join(mdir, "00000000000000000000.log"), 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Epoch = 3
	if err := metadatatest.Scenario(w, 3, 0); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	o := metadata.DefaultOptions()
	o.AtOffset = 39
	res, err := metadata.Load(mdir, o)
	if err != nil {
		t.Fatal(err)
	}
	if snap, err = metadatatest.WriteSnapshot(mdir, res.Image, 3, res.Image.Timestamp); err != nil {
		t.Fatal(err)
	}
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(mdir, "quorum-state"), `{"clusterId":"","leaderId":100,"leaderEpoch":3,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":100}],"data_version":0}`)
	write(filepath.Join(logDir, "meta.properties"), "version=1\nnode.id=1\ncluster.id=test-cluster\ndirectory.id="+metadatatest.ID(601).String()+"\n")
	write(filepath.Join(logDir, "topic-0-0", "partition.metadata"), "version: 0\ntopic_id: "+metadatatest.ID(0).String()+"\n")
	return logDir, snap
}

func kraftFindings(t *testing.T, logDir string) []verify.Finding {
	t.Helper()
	var out []verify.Finding
	before := testutil.HashTree(t, logDir)
	_, err := verify.Verify(context.Background(), []string{logDir}, verify.Options{Workers: 1, OnFinding: func(f verify.Finding) {
		switch f.Reason {
		case verify.ReasonKRaftSnapshot, verify.ReasonKRaftSnapshotOffset, verify.ReasonKRaftLogStart, verify.ReasonKRaftRecord,
			verify.ReasonTopicIDMismatch, verify.ReasonTopicNotInMetadata, verify.ReasonMetaPropertiesKRaft,
			verify.ReasonQuorumState, verify.ReasonPartitionDirectoryID:
			out = append(out, f)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	testutil.RequireUnchanged(t, logDir, before)
	return out
}

func TestKRaftChecks(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(t *testing.T, logDir, snap string)
		reason  verify.Reason
		sev     verify.Severity
		details []string
	}{
		{"clean", func(*testing.T, string, string) {}, "", 0, nil},
		{"topic id mismatch", func(t *testing.T, d, _ string) {
			os.WriteFile(filepath.Join(d, "topic-0-0", "partition.metadata"), []byte("version: 0\ntopic_id: "+metadatatest.ID(7).String()+"\n"), 0o644)
		}, verify.ReasonTopicIDMismatch, verify.SeverityError, []string{metadatatest.ID(7).String(), metadatatest.ID(0).String()}},
		{"stray topic", func(t *testing.T, d, _ string) {
			os.MkdirAll(filepath.Join(d, "gone-0"), 0o755)
			os.WriteFile(filepath.Join(d, "gone-0", "partition.metadata"), []byte("version: 0\ntopic_id: "+metadatatest.ID(9).String()+"\n"), 0o644)
		}, verify.ReasonTopicNotInMetadata, verify.SeverityWarning, []string{"gone"}},
		{"deleted topic's log left behind", func(t *testing.T, d, _ string) {
			os.MkdirAll(filepath.Join(d, "topic-2-1"), 0o755)
		}, verify.ReasonTopicNotInMetadata, verify.SeverityWarning, []string{"topic-2"}},
		{"quorum-state behind the log", func(t *testing.T, d, _ string) {
			os.WriteFile(filepath.Join(d, "__cluster_metadata-0", "quorum-state"), []byte(`{"leaderId":100,"leaderEpoch":2,"votedId":-1,"data_version":1}`), 0o644)
		}, verify.ReasonQuorumState, verify.SeverityError, []string{"leaderEpoch 2", "last epoch 3"}},
		{"quorum-state not JSON", func(t *testing.T, d, _ string) {
			os.WriteFile(filepath.Join(d, "__cluster_metadata-0", "quorum-state"), []byte(`{"leaderId":`), 0o644)
		}, verify.ReasonQuorumState, verify.SeverityError, nil},
		{"quorum-state of another cluster", func(t *testing.T, d, _ string) {
			os.WriteFile(filepath.Join(d, "__cluster_metadata-0", "quorum-state"), []byte(`{"clusterId":"other","leaderId":100,"leaderEpoch":3,"votedId":-1,"appliedOffset":0,"currentVoters":[{"voterId":100}],"data_version":0}`), 0o644)
		}, verify.ReasonQuorumState, verify.SeverityError, []string{"other", "test-cluster"}},
		{"torn snapshot", func(t *testing.T, _, snap string) {
			fi, _ := os.Stat(snap)
			testutil.MustTruncate(t, snap, fi.Size()-1)
		}, verify.ReasonKRaftSnapshot, verify.SeverityError, []string{"does not decode"}},
		{"snapshot epoch not the log's", func(t *testing.T, _, snap string) {
			os.Rename(snap, filepath.Join(filepath.Dir(snap), "00000000000000000040-0000000007.checkpoint"))
		}, verify.ReasonKRaftSnapshotOffset, verify.SeverityError, []string{"epoch 7", "epoch 3"}},
		{"snapshot beyond the log", func(t *testing.T, _, snap string) {
			os.Rename(snap, filepath.Join(filepath.Dir(snap), "00000000000000099999-0000000003.checkpoint"))
		}, verify.ReasonKRaftSnapshotOffset, verify.SeverityWarning, []string{"99999"}},
		{"node.id of another cluster", func(t *testing.T, d, _ string) {
			os.WriteFile(filepath.Join(d, "meta.properties"), []byte("version=1\nnode.id=42\ncluster.id=x\n"), 0o644)
		}, verify.ReasonMetaPropertiesKRaft, verify.SeverityWarning, []string{"node.id 42"}},
		{"directory.id not registered", func(t *testing.T, d, _ string) {
			os.WriteFile(filepath.Join(d, "meta.properties"), []byte("version=1\nnode.id=1\ncluster.id=x\ndirectory.id="+metadatatest.ID(5).String()+"\n"), 0o644)
		}, verify.ReasonMetaPropertiesKRaft, verify.SeverityWarning, []string{metadatatest.ID(5).String()}},
		{"replica assigned to another directory", func(t *testing.T, d, _ string) {
			os.WriteFile(filepath.Join(d, "meta.properties"), []byte("version=1\nnode.id=1\ncluster.id=x\ndirectory.id="+metadatatest.ID(5).String()+"\n"), 0o644)
		}, verify.ReasonPartitionDirectoryID, verify.SeverityWarning, []string{metadatatest.ID(601).String(), metadatatest.ID(5).String()}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			logDir, snap := kraftLogDir(t)
			tt.mutate(t, logDir, snap)
			got := kraftFindings(t, logDir)
			if tt.reason == "" {
				if len(got) != 0 {
					t.Fatalf("clean dir has KRaft findings: %v", got)
				}
				return
			}
			for _, f := range got {
				if f.Reason != tt.reason {
					continue
				}
				if f.Severity != tt.sev {
					t.Fatalf("severity %s, want %s: %s", f.Severity, tt.sev, f)
				}
				for _, d := range tt.details {
					if !strings.Contains(f.Detail, d) {
						t.Fatalf("detail %q lacks %q", f.Detail, d)
					}
				}
				return
			}
			t.Fatalf("no %s finding; got %v", tt.reason, got)
		})
	}
}

// TestKRaftCorpusClean: the real KRaft log dirs have consistent topic IDs,
// snapshots, meta.properties and quorum-state.
func TestKRaftCorpusClean(t *testing.T) {
	root := "../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		t.Skip("corpus not present")
	}
	for _, d := range []string{"LDI-POC", "Backend_labs/kafka-data", "patient-admissions/kafka-data"} {
		if got := kraftFindings(t, filepath.Join(root, d)); len(got) != 0 {
			t.Errorf("%s: %v", d, got)
		}
	}
}

// TestKRaftPartitionOnly: verifying one data partition checks its topic ID
// against the image but not the metadata partition's own files.
func TestKRaftPartitionOnly(t *testing.T) {
	logDir, snap := kraftLogDir(t)
	fi, _ := os.Stat(snap)
	testutil.MustTruncate(t, snap, fi.Size()-1)
	os.WriteFile(filepath.Join(logDir, "topic-0-0", "partition.metadata"), []byte("version: 0\ntopic_id: "+metadatatest.ID(7).String()+"\n"), 0o644)
	var reasons []verify.Reason
	_, err := verify.Verify(context.Background(), []string{filepath.Join(logDir, "topic-0-0")}, verify.Options{Workers: 1, OnFinding: func(f verify.Finding) {
		reasons = append(reasons, f.Reason)
	}})
	if err != nil {
		t.Fatal(err)
	}
	hasMismatch, hasSnapshot := false, false
	for _, r := range reasons {
		hasMismatch = hasMismatch || r == verify.ReasonTopicIDMismatch
		hasSnapshot = hasSnapshot || r == verify.ReasonKRaftSnapshot
	}
	if !hasMismatch || hasSnapshot {
		t.Fatalf("reasons %v", reasons)
	}
}
