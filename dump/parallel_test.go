package dump

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
)

// genDumpSegment writes a segment of many batches in one magic and codec
// (several pipeline jobs' worth), with an offset gap, optionally a batch
// above parallelMaxBatch, a CRC-damaged batch and a torn tail.
func genDumpSegment(t *testing.T, magic int8, codec format.Compression, big, damage bool) string {
	t.Helper()
	var log []byte
	offset := int64(0)
	var damagePos int
	for k := 0; k < 160; k++ {
		n := 8
		pad := 200
		if big && k == 70 {
			n, pad = 3, 600_000 // > 1 MiB uncompressed entry
		}
		msgs := make([]format.Message, n)
		for i := range msgs {
			v := fmt.Appendf(nil, "value %d \x01\xff é", offset+int64(i))
			for len(v) < pad {
				v = append(v, byte('a'+len(v)%26))
			}
			msgs[i] = format.Message{Key: fmt.Appendf(nil, "k%d", offset+int64(i)), Value: v, Timestamp: 1704067200000 + offset + int64(i)}
			if magic == 2 && i%2 == 0 {
				msgs[i].Headers = []format.Header{{Key: []byte("h"), Value: []byte("x,y]")}, {Key: []byte("n"), Value: nil}}
			}
		}
		o := format.BatchOptions{Magic: magic, Compression: codec, BaseOffset: offset, TimestampType: format.CreateTime}
		o.NoProducer()
		if big && k == 70 {
			o.Compression = format.CompressionNone
		}
		if damage && k == 110 {
			damagePos = len(log) + 70
		}
		var err error
		if log, err = format.AppendBatch(log, o, msgs); err != nil {
			t.Fatal(err)
		}
		offset += int64(n)
		if k%17 == 16 {
			offset += 5 // a gap, as compaction leaves
		}
	}
	if damage {
		log[damagePos] ^= 0x55
		log = append(log, make([]byte, 30)...)
		log[len(log)-25] = 1 // a torn tail that is not all zeros
	}
	path := filepath.Join(t.TempDir(), "00000000000000000000.log")
	if err := os.WriteFile(path, log, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func dumpBoth(t *testing.T, path string, o LogOptions, workers int) {
	t.Helper()
	defer func(jb int, ob int64) { parallelJobBytes, parallelOutputBudget = jb, ob }(parallelJobBytes, parallelOutputBudget)
	for _, c := range []struct {
		jobBytes int
		budget   int64
	}{{256 << 10, 16 << 20}, {3000, 16 << 20}, {3000, 1}} {
		// A 1-byte budget makes every job but the writer's wait.
		parallelJobBytes, parallelOutputBudget = c.jobBytes, c.budget
		dumpBothOnce(t, path, o, workers)
	}
}

func dumpBothOnce(t *testing.T, path string, o LogOptions, workers int) {
	t.Helper()
	var serial, par bytes.Buffer
	o.Workers = 1
	rs, errS := LogFile(&serial, path, path, o)
	o.Workers = workers
	rp, errP := LogFile(&par, path, path, o)
	if (errS == nil) != (errP == nil) {
		t.Fatalf("errors differ: %v vs %v", errS, errP)
	}
	if !bytes.Equal(serial.Bytes(), par.Bytes()) {
		a, b := serial.Bytes(), par.Bytes()
		i := 0
		for i < len(a) && i < len(b) && a[i] == b[i] {
			i++
		}
		t.Fatalf("workers=%d output differs at byte %d of %d/%d:\nserial: %q\nparallel: %q", workers, i, len(a), len(b),
			a[max(0, i-80):min(len(a), i+80)], b[max(0, i-80):min(len(b), i+80)])
	}
	if !reflect.DeepEqual(rs, rp) {
		t.Fatalf("results differ:\nserial   %+v\nparallel %+v", rs, rp)
	}
}

func dumpVariants() map[string]LogOptions {
	base := LogOptions{FromOffset: -1, ToOffset: -1}
	v := map[string]LogOptions{}
	add := func(name string, f func(o *LogOptions)) {
		o := base
		f(&o)
		v[name] = o
	}
	add("deep", func(o *LogOptions) { o.Deep = true })
	add("print", func(o *LogOptions) { o.PrintData = true })
	add("print-json", func(o *LogOptions) { o.PrintData, o.JSON = true, true })
	add("deep-json", func(o *LogOptions) { o.Deep, o.JSON = true, true })
	add("print-skipmeta-hex", func(o *LogOptions) { o.PrintData, o.SkipRecordMetadata, o.ValueDecoder = true, true, DecodeHex })
	add("print-range", func(o *LogOptions) { o.PrintData, o.FromOffset, o.ToOffset = true, 300, 1500 })
	return v
}

// TestParallelDumpIdentical: parallel deep iteration writes the same bytes
// and returns the same results as the serial path, in every magic and codec,
// with gaps, a batch too large for the pipeline, CRC damage and a torn tail.
func TestParallelDumpIdentical(t *testing.T) {
	codecs := map[int8][]format.Compression{
		0: {format.CompressionNone, format.CompressionGzip, format.CompressionSnappy},
		1: {format.CompressionNone, format.CompressionGzip, format.CompressionSnappy, format.CompressionLZ4},
		2: {format.CompressionNone, format.CompressionGzip, format.CompressionSnappy, format.CompressionLZ4, format.CompressionZstd},
	}
	for magic := int8(0); magic <= 2; magic++ {
		for _, codec := range codecs[magic] {
			for _, shape := range []struct {
				name        string
				big, damage bool
			}{{"plain", false, false}, {"big", true, false}, {"damaged", false, true}} {
				t.Run(fmt.Sprintf("v%d-%s-%s", magic, codec, shape.name), func(t *testing.T) {
					path := genDumpSegment(t, magic, codec, shape.big, shape.damage)
					for name, o := range dumpVariants() {
						t.Run(name, func(t *testing.T) {
							for _, w := range []int{2, 3} {
								dumpBoth(t, path, o, w)
							}
						})
					}
				})
			}
		}
	}
}

// TestParallelDumpSample: the same on every segment of the sample.
func TestParallelDumpSample(t *testing.T) {
	logs, _ := filepath.Glob("../testdata/sample/*/*.log")
	if len(logs) == 0 {
		t.Fatal("no sample segments")
	}
	for _, p := range logs {
		for name, o := range dumpVariants() {
			t.Run(filepath.Base(filepath.Dir(p))+"/"+name, func(t *testing.T) { dumpBoth(t, p, o, 2) })
		}
	}
}

// TestParallelDumpCorpus: the same on every .log of the real-broker corpus.
func TestParallelDumpCorpus(t *testing.T) {
	const corpus = "../../shared/corpus"
	if _, err := os.Stat(corpus); err != nil {
		t.Skip("corpus absent")
	}
	var logs []string
	filepath.WalkDir(corpus, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".log") {
			logs = append(logs, p)
		}
		return nil
	})
	if len(logs) == 0 {
		t.Fatal("no corpus segments")
	}
	o := dumpVariants()["print-json"]
	for _, p := range logs {
		dumpBoth(t, p, o, 2)
	}
	o = dumpVariants()["print"]
	for _, p := range logs {
		dumpBoth(t, p, o, 3)
	}
}
