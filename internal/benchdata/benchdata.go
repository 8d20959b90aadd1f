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
	"github.com/kseg/kseg/index"
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

// LogDirSpec describes a generated log directory: Partitions partitions of
// topic "bench" with PartitionBytes each, cut into segments of SegmentBytes,
// with .index and .timeindex files (index.interval.bytes 4096), as a broker
// writes them.
type LogDirSpec struct {
	Partitions      int
	PartitionBytes  int64
	SegmentBytes    int64
	RecordSize      int
	RecordsPerBatch int
}

// LogDirInfo describes what LogDir generated: every partition holds the
// same offsets and CreateTimes (FirstTimestamp + offset ms, increasing);
// keys are "key-<partition>-<offset>".
type LogDirInfo struct {
	Dir            string
	Bytes          int64 // all .log bytes
	Records        int64
	FirstTimestamp int64
	LastTimestamp  int64 // of the last record of each partition
}

// LogDir returns a generated log directory for spec, cached like Segment.
func LogDir(spec LogDirSpec) (LogDirInfo, error) {
	name := fmt.Sprintf("logdir-%dx%dMiB-s%dMiB-r%d-b%d", spec.Partitions, spec.PartitionBytes>>20, spec.SegmentBytes>>20, spec.RecordSize, spec.RecordsPerBatch)
	info := LogDirInfo{Dir: filepath.Join(Dir(), name, "data"), FirstTimestamp: 1704067200000}
	meta := filepath.Join(Dir(), name, "info")
	if b, err := os.ReadFile(meta); err == nil {
		if _, err := fmt.Sscan(string(b), &info.Bytes, &info.Records, &info.LastTimestamp); err == nil {
			return info, nil
		}
	}
	tmp := info.Dir + ".tmp"
	os.RemoveAll(tmp)
	words := []string{"order", "created", "shipped", "customer", "eu-west", "payment", "ok", "retry", "sku", "warehouse"}
	for p := 0; p < spec.Partitions; p++ {
		pdir := filepath.Join(tmp, fmt.Sprintf("bench-%d", p))
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return info, err
		}
		rng := rand.New(rand.NewPCG(uint64(p), 2))
		var offset, written int64
		var buf []byte
		msgs := make([]format.Message, spec.RecordsPerBatch)
		for written < spec.PartitionBytes {
			base := offset
			path := filepath.Join(pdir, fmt.Sprintf("%020d", base))
			f, err := os.Create(path + ".log")
			if err != nil {
				return info, err
			}
			w := bufio.NewWriterSize(f, 1<<20)
			b := index.NewAppendBuilder(base, 4096)
			var segBytes int64
			for segBytes < spec.SegmentBytes && written < spec.PartitionBytes {
				for i := range msgs {
					v := make([]byte, 0, spec.RecordSize+16)
					for len(v) < spec.RecordSize {
						v = append(v, words[rng.IntN(len(words))]...)
						v = append(v, ' ')
						v = fmt.Appendf(v, "%d ", rng.IntN(100000))
					}
					msgs[i] = format.Message{Key: fmt.Appendf(nil, "key-%d-%d", p, offset+int64(i)), Value: v[:spec.RecordSize],
						Timestamp: info.FirstTimestamp + offset + int64(i)}
				}
				o := format.BatchOptions{Magic: 2, BaseOffset: offset}
				o.NoProducer()
				buf, err = format.AppendBatch(buf[:0], o, msgs)
				if err != nil {
					return info, err
				}
				if _, err := w.Write(buf); err != nil {
					return info, err
				}
				n := int64(len(msgs))
				b.Add(segBytes, offset+n-1, info.FirstTimestamp+offset+n-1, int64(len(buf)))
				segBytes += int64(len(buf))
				written += int64(len(buf))
				offset += n
			}
			if err := w.Flush(); err != nil {
				return info, err
			}
			if err := f.Close(); err != nil {
				return info, err
			}
			idx, tidx := b.Finish()
			if err := b.Err(); err != nil {
				return info, err
			}
			if err := os.WriteFile(path+".index", idx, 0o644); err != nil {
				return info, err
			}
			if err := os.WriteFile(path+".timeindex", tidx, 0o644); err != nil {
				return info, err
			}
		}
		info.Bytes += written
		info.Records += offset
		info.LastTimestamp = info.FirstTimestamp + offset - 1
	}
	os.RemoveAll(info.Dir)
	if err := os.Rename(tmp, info.Dir); err != nil {
		return info, err
	}
	return info, os.WriteFile(meta, []byte(fmt.Sprint(info.Bytes, " ", info.Records, " ", info.LastTimestamp)), 0o644)
}
