package metadata

import (
	"path/filepath"
	"testing"
)

func TestCorpusImage(t *testing.T) {
	corpusMetadataFiles(t)
	for _, dir := range []string{"LDI-POC", "Backend_labs/kafka-data", "patient-admissions/kafka-data"} {
		res, err := Load(filepath.Join(corpusDir, dir), DefaultOptions())
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		im := res.Image
		t.Logf("%s: offset %d snapshot %q topics %d brokers %d features %v configs %d", dir, im.Offset, filepath.Base(im.Snapshot), len(im.Topics), len(im.Brokers), im.Features, len(im.Configs))
		if len(im.Topics) == 0 || len(im.Brokers) == 0 || im.Features["metadata.version"] == 0 {
			t.Errorf("%s: empty image", dir)
		}
	}
}
