package metadata

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const corpusDir = "../../shared/corpus"

// corpusMetadataFiles lists every KRaft metadata .log and .checkpoint in the
// real-broker corpus (MANIFEST.md: LDI-POC Kafka 3.7, patient-admissions
// cp-kafka KRaft, Backend_labs Kafka 4.0), including bootstrap.checkpoint.
func corpusMetadataFiles(t *testing.T) []string {
	t.Helper()
	if _, err := os.Stat(corpusDir); err != nil {
		t.Skip("corpus not present")
	}
	var out []string
	for _, root := range []string{"LDI-POC", "patient-admissions", "Backend_labs"} {
		filepath.WalkDir(filepath.Join(corpusDir, root), func(p string, d os.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return nil
			}
			name := d.Name()
			if name == "bootstrap.checkpoint" ||
				strings.Contains(p, "__cluster_metadata-0") && (strings.HasSuffix(name, ".log") || strings.HasSuffix(name, ".checkpoint")) {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

// TestCorpusDecodesCompletely: every record of every real metadata log and
// snapshot decodes with a known type and version, no error and no leftover
// bytes, and every file is consumed to its last byte.
func TestCorpusDecodesCompletely(t *testing.T) {
	files := corpusMetadataFiles(t)
	if len(files) < 6 {
		t.Fatalf("found only %d corpus metadata files: %v", len(files), files)
	}
	types := map[string]int{}
	controls := map[string]int{}
	for _, p := range files {
		st, err := WalkFile(p, func(e *Entry) error {
			switch {
			case e.Record != nil:
				if e.Record.Err != nil {
					t.Errorf("%s offset %d: %v", p, e.Offset, e.Record.Err)
				}
				types[e.Record.Name]++
			case e.Control != nil:
				if e.Control.Err != nil {
					t.Errorf("%s offset %d: %s: %v", p, e.Offset, e.Control.Label, e.Control.Err)
				}
				controls[e.Control.Label]++
			default:
				t.Errorf("%s offset %d: control type %d not decoded", p, e.Offset, e.ControlType)
			}
			return nil
		})
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		if st.ValidBytes != st.Size {
			t.Errorf("%s: %d of %d bytes consumed", p, st.ValidBytes, st.Size)
		}
		if st.Undecoded != 0 {
			t.Errorf("%s: %d undecoded records", p, st.Undecoded)
		}
	}
	t.Logf("record types: %v", types)
	t.Logf("control types: %v", controls)
	for _, want := range []string{"TOPIC_RECORD", "PARTITION_RECORD", "REGISTER_BROKER_RECORD", "FEATURE_LEVEL_RECORD"} {
		if types[want] == 0 {
			t.Errorf("corpus has no %s: walker is not seeing records", want)
		}
	}
	if controls["SnapshotHeader"] == 0 || controls["SnapshotFooter"] == 0 {
		t.Errorf("no snapshot header/footer seen: %v", controls)
	}
}
