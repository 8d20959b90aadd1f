package coordinator

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode"
)

// corpusDir holds real broker data directories (read-only; see MANIFEST.md).
const corpusDir = "../../shared/corpus"

func corpusLogs(t *testing.T, pattern string) []string {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusDir, "MANIFEST.md")); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
	var out []string
	err := filepath.WalkDir(corpusDir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && strings.HasSuffix(p, ".log") && strings.Contains(filepath.ToSlash(p), pattern) {
			out = append(out, p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func printable(s string) bool {
	for _, r := range s {
		if !unicode.IsPrint(r) {
			return false
		}
	}
	return true
}

// TestCorpusConsumerOffsets decodes every record of every __consumer_offsets
// segment in the corpus (magic v1 from Kafka 0.10.1, v2 from 2.1 to 4.0), and
// checks that re-encoding reproduces the broker's bytes exactly.
func TestCorpusConsumerOffsets(t *testing.T) {
	logs := corpusLogs(t, "/__consumer_offsets-")
	if len(logs) < 10 {
		t.Fatalf("found only %d __consumer_offsets segments", len(logs))
	}
	total := map[RecordType]int{}
	tombstones, parsedSubs := 0, 0
	for _, p := range logs {
		rel, _ := filepath.Rel(corpusDir, p)
		t.Run(filepath.ToSlash(rel), func(t *testing.T) {
			b, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			recs, err := walkSegment(b)
			if err != nil {
				t.Fatal(err)
			}
			for _, lr := range recs {
				rec, err := DecodeGroupRecord(lr.key, lr.value)
				if err != nil {
					t.Fatalf("offset %d: %v (key %x)", lr.offset, err, lr.key)
				}
				total[rec.Type]++
				if !rec.Type.Known() || rec.Key.Group == "" || !printable(rec.Key.Group) || !printable(rec.Key.Topic) {
					t.Fatalf("offset %d: odd key %+v", lr.offset, rec.Key)
				}
				if !bytes.Equal(rec.AppendKey(nil), lr.key) {
					t.Fatalf("offset %d: key re-encoding differs", lr.offset)
				}
				if rec.Tombstone {
					tombstones++
				} else if !bytes.Equal(rec.AppendValue(nil), lr.value) {
					t.Fatalf("offset %d: value re-encoding differs\n got %x\nwant %x", lr.offset, rec.AppendValue(nil), lr.value)
				}
				if g := rec.GroupMetadata; g != nil {
					for _, m := range g.Members {
						if m.ConsumerSubscription != nil {
							parsedSubs++
						}
						if g.ProtocolType == ConsumerProtocolType && (m.ConsumerSubscription == nil || m.ConsumerAssignment == nil) {
							t.Errorf("offset %d: consumer protocol of %s did not parse", lr.offset, m.MemberID)
						}
					}
				}
				k, v := rec.Text()
				var js map[string]any
				if json.Unmarshal([]byte(k), &js) != nil || (v != "<DELETE>" && json.Unmarshal([]byte(v), &js) != nil) {
					t.Fatalf("offset %d: Text is not JSON: %s %s", lr.offset, k, v)
				}
				if strings.Contains(k, `"hex"`) || strings.Contains(v, `"hex"`) || rec.ValueError != "" {
					t.Fatalf("offset %d: not fully decoded: %s %s", lr.offset, k, v)
				}
				nd, _ := rec.MarshalJSON()
				if !json.Valid(nd) {
					t.Fatalf("offset %d: MarshalJSON invalid: %s", lr.offset, nd)
				}
			}
		})
	}
	t.Logf("records per type: %v; tombstones %d; parsed consumer subscriptions %d", total, tombstones, parsedSubs)
	if total[TypeOffsetCommit] < 1000 || total[TypeGroupMetadata] < 10 || tombstones == 0 || parsedSubs == 0 {
		t.Fatalf("corpus coverage lower than expected")
	}
}

func TestCorpusNamedOffsetsSegments(t *testing.T) {
	corpusLogs(t, "/__consumer_offsets-") // skip when absent
	tests := []struct {
		path      string
		wantFirst string // Text key of the first record
	}{
		{path: "bullShit/tmp/kafka-logs/__consumer_offsets-40/00000000000000000000.log"},
		{path: "seanorth-kafka-server/kafka-logs/__consumer_offsets-16/00000000000000000000.log"},
	}
	for _, tt := range tests {
		b, err := os.ReadFile(filepath.Join(corpusDir, tt.path))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := walkSegment(b)
		if err != nil || len(recs) == 0 {
			t.Fatalf("%s: %d records, %v", tt.path, len(recs), err)
		}
		for i, lr := range recs {
			rec, err := DecodeGroupRecord(lr.key, lr.value)
			if err != nil {
				t.Fatalf("%s offset %d: %v", tt.path, lr.offset, err)
			}
			if i < 2 {
				k, v := rec.Text()
				t.Logf("%s offset %d:\n  key: %s\n  payload: %s", filepath.Base(filepath.Dir(tt.path)), lr.offset, k, v)
			}
		}
	}
}

// TestCorpusTransactionState decodes patient-admissions' __transaction_state
// (a ksqlDB transactional producer) and checks the state progression.
func TestCorpusTransactionState(t *testing.T) {
	logs := corpusLogs(t, "/__transaction_state-")
	if len(logs) == 0 {
		t.Skip("no __transaction_state segments")
	}
	for _, p := range logs {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		recs, err := walkSegment(b)
		if err != nil {
			t.Fatal(err)
		}
		var states []string
		for _, lr := range recs {
			rec, err := DecodeTxnRecord(lr.key, lr.value)
			if err != nil {
				t.Fatalf("offset %d: %v", lr.offset, err)
			}
			if rec.KeyVersion != 0 || rec.TransactionalID == "" || !printable(rec.TransactionalID) {
				t.Fatalf("offset %d: key %+v", lr.offset, rec)
			}
			if !bytes.Equal(rec.AppendKey(nil), lr.key) || !rec.Tombstone && !bytes.Equal(rec.AppendValue(nil), lr.value) {
				t.Fatalf("offset %d: re-encoding differs", lr.offset)
			}
			if rec.Value != nil {
				states = append(states, rec.Value.TransactionStatus.String())
			}
			k, v := rec.Text()
			t.Logf("offset %d: %s %s", lr.offset, k, v)
		}
		want := []string{"Empty", "Ongoing", "PrepareCommit", "CompleteCommit"}
		if !reflect.DeepEqual(states, want) {
			t.Fatalf("states %v, want %v", states, want)
		}
	}
}
