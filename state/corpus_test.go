package state

import (
	"bufio"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// corpusDir holds real broker files (read-only, never copied into the repo);
// see its MANIFEST.md, whose per-file descriptions come from an independent
// Python reader and are used here as expectations.
const corpusDir = "../../shared/corpus"

func corpusOrSkip(t *testing.T) {
	t.Helper()
	if _, err := os.Stat(filepath.Join(corpusDir, "MANIFEST.md")); err != nil {
		t.Skipf("corpus not available: %v", err)
	}
}

// manifest maps corpus-relative paths to their MANIFEST "contents" column.
func manifest(t *testing.T) map[string]string {
	t.Helper()
	f, err := os.Open(filepath.Join(corpusDir, "MANIFEST.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	section := regexp.MustCompile("^### `([^`]+)/`")
	row := regexp.MustCompile("^\\| `([^`]+)` \\| [0-9]+ \\| [0-9a-f]+ \\| (.*) \\|$")
	out := map[string]string{}
	dir := ""
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if m := section.FindStringSubmatch(sc.Text()); m != nil {
			dir = m[1]
		} else if m := row.FindStringSubmatch(sc.Text()); m != nil && dir != "" {
			out[dir+"/"+m[1]] = m[2]
		}
	}
	return out
}

// describedLines turns "leader-epoch-checkpoint: 0 ; 2 ; 0 0 ; 38 4" into the
// file text the description stands for.
func describedLines(desc, prefix string) (string, bool) {
	rest, ok := strings.CutPrefix(desc, prefix+": ")
	if !ok {
		return "", false
	}
	return strings.Join(strings.Split(rest, " ; "), "\n") + "\n", true
}

func TestCorpus(t *testing.T) {
	corpusOrSkip(t)
	man := manifest(t)
	counts := map[Kind]int{}
	described := 0 // files whose MANIFEST description was compared
	err := filepath.WalkDir(corpusDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		kind := DetectKind(path)
		if kind == KindUnknown || kind == KindQuorumState {
			return nil
		}
		rel, _ := filepath.Rel(corpusDir, path)
		rel = filepath.ToSlash(rel)
		desc := man[rel]
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		counts[kind]++
		t.Run(rel, func(t *testing.T) {
			switch kind {
			case KindProducerSnapshot:
				s, err := DecodeProducerSnapshot(b)
				if err != nil {
					t.Fatal(err)
				}
				if !s.CRCValid || s.TrailingBytes != 0 {
					t.Fatalf("crc valid %v trailing %d", s.CRCValid, s.TrailingBytes)
				}
				var n int
				if _, err := scanf(desc, "producer-state snapshot v1, %d producer entries", &n); err == nil {
					described++
					if n != len(s.Entries) {
						t.Fatalf("entries %d, MANIFEST says %d (%s)", len(s.Entries), n, desc)
					}
				}
				if !bytes.Equal(AppendProducerSnapshot(nil, s.Entries), b) {
					t.Fatal("re-encoding differs from the broker's file")
				}
			case KindLeaderEpochCheckpoint:
				c, err := DecodeLeaderEpochCheckpoint(b, rel)
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Findings) != 0 {
					t.Fatalf("findings %v", c.Findings)
				}
				if !bytes.Equal(AppendLeaderEpochCheckpoint(nil, c.Entries), b) {
					t.Fatalf("re-encoding differs from the broker's file:\n%q", b)
				}
				if want, ok := describedLines(desc, "leader-epoch-checkpoint"); ok {
					described++
					if want != string(b) {
						t.Fatalf("file %q, MANIFEST %q", b, want)
					}
				}
			case KindOffsetCheckpoint:
				c, err := DecodeOffsetCheckpoint(b, rel)
				if err != nil {
					t.Fatal(err)
				}
				if len(c.Findings) != 0 {
					t.Fatalf("findings %v", c.Findings)
				}
				if !bytes.Equal(AppendOffsetCheckpoint(nil, c.Entries), b) {
					t.Fatalf("re-encoding differs from the broker's file:\n%q", b)
				}
				if want, ok := describedLines(desc, filepath.Base(rel)); ok && want != string(b) {
					t.Fatalf("file %q, MANIFEST %q", b, want)
				}
			case KindPartitionMetadata:
				m, err := DecodePartitionMetadata(b, rel)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(AppendPartitionMetadata(nil, *m), b) {
					t.Fatalf("re-encoding differs from the broker's file:\n%q", b)
				}
				if id, ok := strings.CutPrefix(desc, "partition.metadata: version: 0 ; topic_id: "); ok && id != m.TopicID.String() {
					t.Fatalf("topic id %s, MANIFEST %s", m.TopicID, id)
				}
			case KindMetaProperties:
				m, err := DecodeMetaProperties(b, rel)
				if err != nil {
					t.Fatal(err)
				}
				if len(m.Findings) != 0 || len(m.Other) != 0 {
					t.Fatalf("findings %v other %v", m.Findings, m.Other)
				}
				if m.Version == 0 && m.BrokerID == nil || m.Version == 1 && (m.NodeID == nil || m.ClusterID == "") {
					t.Fatalf("incomplete %+v", m)
				}
				// Re-encode and decode again: same value (the date comment is dropped).
				again, err := DecodeMetaProperties(AppendMetaProperties(nil, m), rel)
				if err != nil || !reflect.DeepEqual(again, m) {
					t.Fatalf("round trip %+v %v", again, err)
				}
			}
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("decoded per kind: %v; %d compared with MANIFEST descriptions", counts, described)
	if described < 100 {
		t.Fatalf("only %d files matched a MANIFEST description", described)
	}
	if counts[KindProducerSnapshot] < 70 || counts[KindLeaderEpochCheckpoint] < 50 || counts[KindMetaProperties] < 15 {
		t.Fatalf("corpus smaller than expected: %v", counts)
	}
}

// scanf parses desc's leading "<fixed text> %d <fixed text>" pattern.
func scanf(desc, format string, n *int) (int, error) {
	before, after, _ := strings.Cut(format, "%d")
	rest, ok := strings.CutPrefix(desc, before)
	if !ok {
		return 0, strconv.ErrSyntax
	}
	num, tail, ok := strings.Cut(rest, after)
	if !ok {
		return 0, strconv.ErrSyntax
	}
	_ = tail
	v, err := strconv.Atoi(num)
	*n = v
	return 1, err
}

func TestCorpusNamedFiles(t *testing.T) {
	corpusOrSkip(t)
	read := func(p string) []byte {
		b, err := os.ReadFile(filepath.Join(corpusDir, p))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for p, want := range map[string]int{
		"KafkaCluster/kafka/data/tenitems-0/00000000000000000009.snapshot":                                     3,
		"KafkaCluster/kafka/data/quickstart-events-0/00000000000000000003.snapshot":                            1,
		"kafka-2.7.1/kafka-logs/myTopic-0/00000000000000000038.snapshot":                                       3,
		"patient-admissions/kafka-data/_confluent-ksql-default__command_topic-0/00000000000000000002.snapshot": 1,
	} {
		s, err := DecodeProducerSnapshot(read(p))
		if err != nil || len(s.Entries) != want {
			t.Fatalf("%s: %v entries %d want %d", p, err, len(s.Entries), want)
		}
		for _, e := range s.Entries {
			line := FormatProducerEntry(e)
			if !strings.HasPrefix(line, "producerId: "+itoa(e.ProducerID)+" producerEpoch: ") {
				t.Fatalf("line %q", line)
			}
			t.Logf("%s: %s", filepath.Base(p), line)
		}
	}
	c, err := DecodeLeaderEpochCheckpoint(read("BiggerBrain-kafka/data/lsx1-0/leader-epoch-checkpoint"), "leader-epoch-checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	want := []EpochEntry{{0, 0}, {1, 9}, {3, 10}, {5, 12}, {6, 13}, {7, 14}}
	if !reflect.DeepEqual(c.Entries, want) {
		t.Fatalf("got %v want %v", c.Entries, want)
	}
	o, err := DecodeOffsetCheckpoint(read("BiggerBrain-kafka/data/replication-offset-checkpoint"), "replication-offset-checkpoint")
	if err != nil || !reflect.DeepEqual(o.Entries, []TopicPartitionOffset{{"lsx1", 0, 14}}) {
		t.Fatalf("%+v %v", o, err)
	}
	m, err := DecodeMetaProperties(read("LDI-POC/meta.properties"), "meta.properties")
	if err != nil || m.Version != 1 || *m.NodeID != 1 || m.DirectoryID != "XHhkr4tkSsD900pOQ8pPfg" || m.ClusterID != "q1w2e3r4t5y6u7i8o9p0" {
		t.Fatalf("%+v %v", m, err)
	}
}
