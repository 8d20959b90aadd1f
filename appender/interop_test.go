package appender

// Interoperability: what a Writer produces must decode identically with
// decoders kseg did not write.
//
//   - franz-go kmsg (RecordBatch, Record, MessageV0, MessageV1) for framing
//     and records, with klauspost/compress and pierrec/lz4 for the codecs.
//   - Debian's python3-kafka (kafka-python 2.0.2: MemoryRecords,
//     DefaultRecordBatch, LegacyRecordBatch), driven through /usr/bin/python3.
//     Its codecs need python3-snappy, python3-lz4, python3-zstandard and
//     python3-xxhash (for magic 0 LZ4); combinations whose module is missing
//     are skipped with the reason.
//   - IBM/sarama is not used: its RecordBatch/Message decoders are unexported
//     and only reachable through a broker connection.

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"hash/crc32"
	"io"
	"math/bits"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy/xerial"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/twmb/franz-go/pkg/kmsg"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// wireRecord is the decoder-neutral view compared across decoders.
type wireRecord struct {
	Offset    int64       `json:"offset"`
	Timestamp int64       `json:"timestamp"`
	Key       *string     `json:"key"`   // hex, nil = null
	Value     *string     `json:"value"` // hex, nil = null
	Headers   [][]*string `json:"headers"`
}

func hexOrNil(b []byte) *string {
	if b == nil {
		return nil
	}
	s := hex.EncodeToString(b)
	return &s
}

func interopMessages(magic int8) []format.Message {
	var out []format.Message
	rng := rand.New(rand.NewPCG(1, 2)) // incompressible, so compressed segments roll too
	for i := 0; i < 11; i++ {
		v := make([]byte, 30+i*17)
		for j := range v {
			v[j] = byte(rng.Uint32())
		}
		m := format.Message{Key: []byte(fmt.Sprintf("k%d", i)), Value: v, Timestamp: 1_700_000_000_000 + int64(i*3%5)}
		switch i {
		case 3:
			m.Key = nil
		case 4:
			m.Value = nil
		case 5:
			m.Key, m.Value = []byte{}, []byte{}
		}
		if magic == 2 && i%2 == 0 {
			m.Headers = []format.Header{{Key: []byte("h1"), Value: []byte("v1")}, {Key: []byte("nil"), Value: nil}}
		}
		out = append(out, m)
	}
	return out
}

func expectedRecords(msgs []format.Message, magic int8) []wireRecord {
	out := []wireRecord{}
	for i, m := range msgs {
		ts := m.Timestamp
		if magic == 0 {
			ts = -1
		}
		r := wireRecord{Offset: int64(i), Timestamp: ts, Key: hexOrNil(m.Key), Value: hexOrNil(m.Value), Headers: [][]*string{}}
		for _, h := range m.Headers {
			k := string(h.Key)
			r.Headers = append(r.Headers, []*string{&k, hexOrNil(h.Value)})
		}
		out = append(out, r)
	}
	return out
}

type interopCase struct {
	magic int8
	codec format.Compression
}

func (c interopCase) String() string { return fmt.Sprintf("v%d-%s", c.magic, c.codec) }

func interopCases() []interopCase {
	var cs []interopCase
	for magic := int8(0); magic <= 2; magic++ {
		for c := format.CompressionNone; c <= format.CompressionZstd; c++ {
			if c == format.CompressionZstd && magic < 2 {
				continue
			}
			cs = append(cs, interopCase{magic, c})
		}
	}
	return cs
}

// writeInterop writes msgs into a fresh partition across several segments and
// returns the partition dir.
func writeInterop(t *testing.T, c interopCase, msgs []format.Message) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "interop-0")
	w := mustOpen(t, dir, Options{SegmentBytes: 700, IndexIntervalBytes: 100})
	batches, err := EncodeBatches(msgs, EncodeOptions{Magic: c.magic, Compression: c.codec, BatchRecords: 3, ProducerID: -1}, w.NextOffset())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.AppendAll(batches); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	checkPartition(t, dir)
	return dir
}

func segmentLogs(t *testing.T, dir string) []string {
	p, err := segment.OpenPartition(dir)
	if err != nil {
		t.Fatal(err)
	}
	var logs []string
	for _, s := range p.Segments {
		logs = append(logs, s.Log)
	}
	if len(logs) < 2 {
		t.Fatalf("expected several segments, got %d", len(logs))
	}
	return logs
}

func TestInteropFranzGo(t *testing.T) {
	for _, c := range interopCases() {
		t.Run(c.String(), func(t *testing.T) {
			msgs := interopMessages(c.magic)
			dir := writeInterop(t, c, msgs)
			got := []wireRecord{}
			for _, log := range segmentLogs(t, dir) {
				b, err := os.ReadFile(log)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, franzDecodeLog(t, b)...)
			}
			if want := expectedRecords(msgs, c.magic); !reflect.DeepEqual(got, want) {
				t.Errorf("franz-go decoded\n%s\nwant\n%s", mustJSON(got), mustJSON(want))
			}
		})
	}
}

var castagnoliTable = crc32.MakeTable(crc32.Castagnoli)

func franzDecodeLog(t *testing.T, b []byte) []wireRecord {
	t.Helper()
	var out []wireRecord
	for len(b) > 0 {
		if len(b) < 17 {
			t.Fatalf("%d trailing bytes", len(b))
		}
		size := 12 + int(int32(binary.BigEndian.Uint32(b[8:])))
		entry := b[:size]
		b = b[size:]
		if entry[16] == 2 {
			var rb kmsg.RecordBatch
			if err := rb.ReadFrom(entry); err != nil {
				t.Fatal(err)
			}
			if crc32.Checksum(entry[21:], castagnoliTable) != uint32(rb.CRC) {
				t.Fatalf("batch at offset %d: CRC-32C mismatch", rb.FirstOffset)
			}
			data := franzDecompress(t, int8(rb.Attributes&7), 2, rb.Records)
			for i := int32(0); i < rb.NumRecords; i++ {
				l, n := binary.Varint(data)
				if n <= 0 {
					t.Fatal("bad record length")
				}
				var r kmsg.Record
				if err := r.ReadFrom(data[:n+int(l)]); err != nil {
					t.Fatal(err)
				}
				data = data[n+int(l):]
				wr := wireRecord{Offset: rb.FirstOffset + int64(r.OffsetDelta), Timestamp: rb.FirstTimestamp + r.TimestampDelta64,
					Key: hexOrNil(r.Key), Value: hexOrNil(r.Value), Headers: [][]*string{}}
				for _, h := range r.Headers {
					k := h.Key
					wr.Headers = append(wr.Headers, []*string{&k, hexOrNil(h.Value)})
				}
				out = append(out, wr)
			}
			if len(data) != 0 {
				t.Fatalf("%d bytes left after the records", len(data))
			}
			continue
		}
		out = append(out, franzLegacy(t, entry, false)...)
	}
	return out
}

// franzLegacy decodes one v0/v1 entry, recursing once into a wrapper.
func franzLegacy(t *testing.T, entry []byte, inner bool) []wireRecord {
	t.Helper()
	var offset, ts int64 = 0, -1
	var attrs int8
	var key, value []byte
	var crc int32
	magic := int8(entry[16])
	if magic == 0 {
		var m kmsg.MessageV0
		if err := m.ReadFrom(entry); err != nil {
			t.Fatal(err)
		}
		offset, attrs, key, value, crc = m.Offset, m.Attributes, m.Key, m.Value, m.CRC
	} else {
		var m kmsg.MessageV1
		if err := m.ReadFrom(entry); err != nil {
			t.Fatal(err)
		}
		offset, attrs, key, value, crc, ts = m.Offset, m.Attributes, m.Key, m.Value, m.CRC, m.Timestamp
	}
	if crc32.ChecksumIEEE(entry[16:]) != uint32(crc) {
		t.Fatalf("message at offset %d: CRC-32 mismatch", offset)
	}
	codec := attrs & 7
	if codec == 0 {
		return []wireRecord{{Offset: offset, Timestamp: ts, Key: hexOrNil(key), Value: hexOrNil(value), Headers: [][]*string{}}}
	}
	if inner {
		t.Fatal("nested compression")
	}
	set := franzDecompress(t, codec, magic, value)
	var recs []wireRecord
	for len(set) > 0 {
		size := 12 + int(int32(binary.BigEndian.Uint32(set[8:])))
		recs = append(recs, franzLegacy(t, set[:size], true)...)
		set = set[size:]
	}
	if magic == 1 { // relative inner offsets: the wrapper holds the last absolute one
		lastRel := recs[len(recs)-1].Offset
		for i := range recs {
			recs[i].Offset += offset - lastRel
		}
	}
	return recs
}

func franzDecompress(t *testing.T, codec int8, magic int8, src []byte) []byte {
	t.Helper()
	var r io.Reader
	switch codec {
	case 0:
		return src
	case 1:
		zr, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case 2:
		out, err := xerial.Decode(src)
		if err != nil {
			t.Fatal(err)
		}
		return out
	case 3:
		if magic == 0 {
			// Kafka writes magic 0 LZ4 frames with the header checksum
			// computed over the magic too (KAFKA-3160) and ignores it on
			// read; a standard frame reader needs the correct one.
			src = append([]byte(nil), src...)
			src[6] = byte(xxh32(src[4:6]) >> 8)
		}
		r = lz4.NewReader(bytes.NewReader(src))
	case 4:
		zr, err := zstd.NewReader(bytes.NewReader(src))
		if err != nil {
			t.Fatal(err)
		}
		defer zr.Close()
		r = zr
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("codec %d: %v", codec, err)
	}
	return out
}

// xxh32 with seed 0, only for the short LZ4 frame descriptor.
func xxh32(b []byte) uint32 {
	const p2, p3, p4, p5 = 2246822519, 3266489917, 668265263, 374761393
	h := uint32(p5) + uint32(len(b))
	for len(b) >= 4 {
		h += binary.LittleEndian.Uint32(b) * p3
		h = bits.RotateLeft32(h, 17) * p4
		b = b[4:]
	}
	for _, c := range b {
		h += uint32(c) * p5
		h = bits.RotateLeft32(h, 11) * 2654435761
	}
	h ^= h >> 15
	h *= p2
	h ^= h >> 13
	h *= p3
	h ^= h >> 16
	return h
}

const pythonDecoder = `
import sys, json, binascii
from kafka.record.memory_records import MemoryRecords
from kafka.record.default_records import DefaultRecordBatch
from kafka.record.legacy_records import LegacyRecordBatch
def h(b):
    return None if b is None else binascii.hexlify(bytes(b)).decode()
out = []
for path in sys.argv[1:]:
    data = open(path, 'rb').read()
    mr = MemoryRecords(data)
    if mr.valid_bytes() != len(data):
        sys.exit("valid bytes %d of %d" % (mr.valid_bytes(), len(data)))
    while True:
        batch = mr.next_batch()
        if batch is None:
            break
        if not batch.validate_crc():
            sys.exit("crc mismatch")
        for r in batch:
            ts = r.timestamp
            out.append({"offset": r.offset, "timestamp": -1 if ts is None else ts,
                        "key": h(r.key), "value": h(r.value),
                        "headers": [[k, h(v)] for k, v in (r.headers or [])]})
print(json.dumps(out))
`

func pythonKafkaAvailable(t *testing.T) {
	t.Helper()
	if err := exec.Command("/usr/bin/python3", "-c", "import kafka").Run(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("python3-kafka is required in CI (apt-get install python3-kafka): %v", err)
		}
		t.Skipf("python3-kafka not installed: %v", err)
	}
}

// pythonCodecMissing names the Python module a codec needs, if it is absent.
func pythonCodecMissing(c interopCase) string {
	mod := map[format.Compression]string{format.CompressionSnappy: "snappy", format.CompressionLZ4: "lz4.frame", format.CompressionZstd: "zstandard"}[c.codec]
	if c.codec == format.CompressionLZ4 && c.magic == 0 {
		mod = "lz4.frame, xxhash"
	}
	if mod == "" {
		return ""
	}
	if exec.Command("/usr/bin/python3", "-c", "import "+mod).Run() != nil {
		return mod
	}
	return ""
}

func TestInteropPythonKafka(t *testing.T) {
	pythonKafkaAvailable(t)
	for _, c := range interopCases() {
		t.Run(c.String(), func(t *testing.T) {
			if mod := pythonCodecMissing(c); mod != "" {
				t.Skipf("python module %s missing (Debian python3-snappy/python3-lz4/python3-zstandard/python3-xxhash)", mod)
			}
			msgs := interopMessages(c.magic)
			dir := writeInterop(t, c, msgs)
			cmd := exec.Command("/usr/bin/python3", append([]string{"-c", pythonDecoder}, segmentLogs(t, dir)...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("python: %v\n%s", err, stderr.String())
			}
			var got []wireRecord
			if err := json.Unmarshal(out, &got); err != nil {
				t.Fatal(err)
			}
			if want := expectedRecords(msgs, c.magic); !reflect.DeepEqual(got, want) {
				t.Errorf("python-kafka decoded\n%s\nwant\n%s", out, mustJSON(want))
			}
		})
	}
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return strings.TrimSpace(string(b))
}
