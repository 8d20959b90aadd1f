package analyze

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
)

// TestStatsKafka07 counts 0.7 .kafka files: the real corpus file (100
// plain messages, 10,900 bytes) and a generated file with a gzip wrapper of
// 3 inner messages, which --deep counts as 3 records.
func TestStatsKafka07(t *testing.T) {
	if dir := "../../shared/corpus/apache-kafka-0.7/core/src/test/resources/test-kafka-logs/MagicByte0-0"; dirExists(dir) {
		s, err := StatsPartition(dir, StatsOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if s.Kafka07.Batches != 100 || s.Records != 100 || s.Bytes != 10900 || s.ProblemCount != 0 {
			t.Fatalf("corpus 0.7 file: %+v", s.Kafka07)
		}
	}
	var inner []byte
	for _, p := range []string{"a", "bb", "ccc"} {
		var err error
		if inner, err = format.AppendKafka07Message(inner, 1, format.CompressionNone, []byte(p)); err != nil {
			t.Fatal(err)
		}
	}
	data, err := format.AppendKafka07Message(nil, 0, format.CompressionNone, []byte("plain"))
	if err != nil {
		t.Fatal(err)
	}
	if data, err = format.AppendKafka07Wrapper(data, format.CompressionGzip, inner); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "old-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "00000000000000000000.kafka"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	shallow, err := StatsPartition(dir, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	deep, err := StatsPartition(dir, StatsOptions{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	if shallow.Kafka07.Batches != 2 || shallow.Records != 2 || shallow.Bytes != int64(len(data)) || shallow.Codecs[format.CompressionGzip].Batches != 1 {
		t.Fatalf("shallow: %+v", shallow.Kafka07)
	}
	if deep.Records != 4 || deep.Codecs[format.CompressionGzip].Records != 3 {
		t.Fatalf("deep: records %d, gzip %+v", deep.Records, deep.Codecs[format.CompressionGzip])
	}
}

func dirExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.IsDir()
}
