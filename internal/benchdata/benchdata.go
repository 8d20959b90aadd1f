// Package benchdata generates large deterministic segments for benchmarks,
// cached under $TMPDIR/kseg-bench so repeated runs reuse them.
package benchdata

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
)

// Spec describes a generated segment.
type Spec struct {
	Bytes           int64 // approximate target size
	RecordSize      int   // value bytes per record (keys add ~10)
	RecordsPerBatch int
	Compression     format.Compression
}

// Dir is where generated files are cached.
func Dir() string { return filepath.Join(os.TempDir(), "kseg-bench") }

// Segment returns the path of a segment matching spec, generating it on first
// use (file name encodes the spec). It returns the number of records.
func Segment(spec Spec) (path string, records int64, err error) {
	name := fmt.Sprintf("seg-%dMiB-r%d-b%d-%s", spec.Bytes>>20, spec.RecordSize, spec.RecordsPerBatch, spec.Compression)
	dir := filepath.Join(Dir(), name)
	path = filepath.Join(dir, "00000000000000000000.log")
	countFile := filepath.Join(dir, "records")
	if b, err := os.ReadFile(countFile); err == nil {
		if _, err := fmt.Sscan(string(b), &records); err == nil {
			if _, err := os.Stat(path); err == nil {
				return path, records, nil
			}
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", 0, err
	}
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return "", 0, err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	rng := rand.New(rand.NewPCG(1, 2))
	words := []string{"order", "created", "shipped", "customer", "eu-west", "payment", "ok", "retry", "sku", "warehouse"}
	var written, offset int64
	var buf []byte
	msgs := make([]format.Message, spec.RecordsPerBatch)
	vals := make([][]byte, spec.RecordsPerBatch)
	ts := int64(1704067200000)
	for written < spec.Bytes {
		for i := range msgs {
			v := vals[i][:0]
			for len(v) < spec.RecordSize {
				v = append(v, words[rng.IntN(len(words))]...)
				v = append(v, ' ')
				v = fmt.Appendf(v, "%d ", rng.IntN(100000))
			}
			vals[i] = v[:spec.RecordSize]
			msgs[i] = format.Message{Key: fmt.Appendf(nil, "key-%d", offset+int64(i)), Value: vals[i], Timestamp: ts}
			ts++
		}
		o := format.BatchOptions{Magic: 2, Compression: spec.Compression, BaseOffset: offset}
		o.NoProducer()
		buf, err = format.AppendBatch(buf[:0], o, msgs)
		if err != nil {
			return "", 0, err
		}
		if _, err := w.Write(buf); err != nil {
			return "", 0, err
		}
		written += int64(len(buf))
		offset += int64(len(msgs))
	}
	if err := w.Flush(); err != nil {
		return "", 0, err
	}
	if err := f.Close(); err != nil {
		return "", 0, err
	}
	if err := os.Rename(path+".tmp", path); err != nil {
		return "", 0, err
	}
	return path, offset, os.WriteFile(countFile, []byte(fmt.Sprint(offset)), 0o644)
}
