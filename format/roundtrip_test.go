package format

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"testing"
)

func sampleMessages(n int) []Message {
	msgs := make([]Message, n)
	for i := range msgs {
		m := Message{Timestamp: 1700000000000 + int64(i*7), Value: []byte(fmt.Sprintf("value-%d-%s", i, bytes.Repeat([]byte("x"), i%50)))}
		if i%3 != 0 {
			m.Key = []byte(fmt.Sprintf("key-%d", i))
		}
		if i%4 == 1 {
			m.Value = nil
		}
		if i%5 == 2 {
			m.Headers = []Header{{Key: []byte("h1"), Value: []byte("v1")}, {Key: []byte("null"), Value: nil}}
		}
		msgs[i] = m
	}
	return msgs
}

// decodeAll walks a byte slice of entries with a BatchReader and deep-decodes
// every record.
func decodeAll(t testing.TB, data []byte) (batches []Batch, recs []Record) {
	t.Helper()
	r := NewBatchReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{File: "t.log"})
	d := NewRecordDecoder(DecoderOptions{File: "t.log"})
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Next: %v", err)
		}
		if !b.Valid {
			t.Fatalf("batch at %d: CRC invalid", b.Position)
		}
		batches = append(batches, *b)
		if err := d.Reset(b); err != nil {
			t.Fatalf("Reset: %v", err)
		}
		for {
			rec, err := d.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("record: %v", err)
			}
			c := *rec
			c.Key = bytes.Clone(rec.Key)
			c.Value = bytes.Clone(rec.Value)
			c.Headers = nil
			for _, h := range rec.Headers {
				c.Headers = append(c.Headers, Header{Key: bytes.Clone(h.Key), Value: bytes.Clone(h.Value)})
			}
			recs = append(recs, c)
		}
	}
	if r.ValidBytes() != int64(len(data)) {
		t.Fatalf("ValidBytes %d != %d", r.ValidBytes(), len(data))
	}
	return
}

func TestRoundTripMagicCodec(t *testing.T) {
	for magic := int8(0); magic <= 2; magic++ {
		for c := CompressionNone; c <= CompressionZstd; c++ {
			for _, tsType := range []TimestampType{CreateTime, LogAppendTime} {
				name := fmt.Sprintf("v%d/%s/%s", magic, c, tsType)
				t.Run(name, func(t *testing.T) {
					o := BatchOptions{Magic: magic, Compression: c, TimestampType: tsType, LogAppendTime: 1800000000000, BaseOffset: 100, PartitionLeaderEpoch: 3}
					o.NoProducer()
					msgs := sampleMessages(37)
					data, err := AppendBatch(nil, o, msgs)
					if c == CompressionZstd && magic < 2 {
						if err == nil {
							t.Fatal("zstd with legacy magic must be refused")
						}
						return
					}
					if err != nil {
						t.Fatal(err)
					}
					// second batch after the first
					o.BaseOffset = 137
					data, err = AppendBatch(data, o, msgs[:5])
					if err != nil {
						t.Fatal(err)
					}
					_, recs := decodeAll(t, data)
					if len(recs) != 42 {
						t.Fatalf("got %d records, want 42", len(recs))
					}
					for i, r := range recs {
						want := msgs[i%37]
						if i >= 37 {
							want = msgs[i-37]
						}
						if r.Offset != 100+int64(i) {
							t.Fatalf("record %d offset %d", i, r.Offset)
						}
						if !bytes.Equal(r.Key, want.Key) || (r.Key == nil) != (want.Key == nil) {
							t.Fatalf("record %d key %q want %q", i, r.Key, want.Key)
						}
						if !bytes.Equal(r.Value, want.Value) || (r.Value == nil) != (want.Value == nil) {
							t.Fatalf("record %d value %q want %q", i, r.Value, want.Value)
						}
						wantTs := want.Timestamp
						switch {
						case magic == 0:
							wantTs = NoTimestamp
						case tsType == LogAppendTime:
							wantTs = 1800000000000
						}
						if r.Timestamp != wantTs {
							t.Fatalf("record %d timestamp %d want %d", i, r.Timestamp, wantTs)
						}
						if magic == 2 && len(r.Headers) != len(want.Headers) {
							t.Fatalf("record %d headers %v", i, r.Headers)
						}
					}
				})
			}
		}
	}
}

func TestCorruptionMutators(t *testing.T) {
	o := BatchOptions{Magic: 2, BaseOffset: 0}
	o.NoProducer()
	var data []byte
	var starts []int
	for i := 0; i < 5; i++ {
		starts = append(starts, len(data))
		o.BaseOffset = int64(i * 10)
		var err error
		if data, err = AppendBatch(data, o, sampleMessages(10)); err != nil {
			t.Fatal(err)
		}
	}
	read := func(b []byte) (n int, invalidAt int64, err error) {
		r := NewBatchReader(bytes.NewReader(b), int64(len(b)), ReaderOptions{File: "x.log", WindowSize: 256})
		invalidAt = -1
		for {
			bt, e := r.Next()
			if e == io.EOF {
				return n, invalidAt, nil
			}
			if e != nil {
				return n, invalidAt, e
			}
			if !bt.Valid && invalidAt < 0 {
				invalidAt = bt.Position
			}
			n++
		}
	}
	t.Run("bitflip-in-records", func(t *testing.T) {
		b := bytes.Clone(data)
		b[starts[2]+70] ^= 0x10
		n, inv, err := read(b)
		if err != nil || n != 5 || inv != int64(starts[2]) {
			t.Fatalf("n=%d inv=%d err=%v", n, inv, err)
		}
	})
	t.Run("truncated-tail", func(t *testing.T) {
		b := data[:len(data)-9]
		n, _, err := read(b)
		var te *TruncatedError
		if n != 4 || !errors.As(err, &te) || te.Position != int64(starts[4]) || te.Kind != TailPartial || te.Bytes != int64(len(b)-starts[4]) {
			t.Fatalf("n=%d err=%v", n, err)
		}
	})
	t.Run("zero-filled-tail", func(t *testing.T) {
		b := append(bytes.Clone(data), make([]byte, 4096)...)
		n, _, err := read(b)
		var te *TruncatedError
		if n != 5 || !errors.As(err, &te) || te.Kind != TailZeroFilled || te.Bytes != 4096 || !errors.Is(err, ErrTruncated) {
			t.Fatalf("n=%d err=%v", n, err)
		}
	})
	t.Run("bogus-huge-length-mid-file", func(t *testing.T) {
		b := bytes.Clone(data)
		b[starts[1]+8] = 0x7f
		n, _, err := read(b)
		var ce *CorruptionError
		if n != 1 || !errors.As(err, &ce) || ce.Reason != ReasonBadLength || ce.Position != int64(starts[1]) || !errors.Is(err, ErrCorrupt) {
			t.Fatalf("n=%d err=%v", n, err)
		}
	})
	t.Run("zeroed-range-mid-file-resync", func(t *testing.T) {
		b := bytes.Clone(data)
		for i := starts[1]; i < starts[2]; i++ {
			b[i] = 0
		}
		r := NewBatchReader(bytes.NewReader(b), int64(len(b)), ReaderOptions{File: "x.log", WindowSize: 512})
		if _, err := r.Next(); err != nil {
			t.Fatal(err)
		}
		_, err := r.Next()
		var ce *CorruptionError
		if !errors.As(err, &ce) || ce.Position != int64(starts[1]) {
			t.Fatalf("err=%v", err)
		}
		next, ok, err := r.Resync()
		if err != nil || !ok || next != int64(starts[2]) {
			t.Fatalf("resync next=%d ok=%v err=%v want %d", next, ok, err, starts[2])
		}
		cnt := 0
		for {
			_, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			cnt++
		}
		if cnt != 3 || r.ValidBytes() != int64(starts[1]) {
			t.Fatalf("cnt=%d valid=%d", cnt, r.ValidBytes())
		}
	})
	t.Run("bad-magic", func(t *testing.T) {
		b := bytes.Clone(data)
		b[starts[3]+MagicOffset] = 7
		_, _, err := read(b)
		var ce *CorruptionError
		if !errors.As(err, &ce) || ce.Reason != ReasonBadMagic || ce.Position != int64(starts[3]) || ce.Offset != 30 {
			t.Fatalf("err=%v", err)
		}
	})
}

func TestLZ4BrokenHeaderChecksumV0(t *testing.T) {
	src := bytes.Repeat([]byte("kafka lz4 "), 1000)
	broken, _ := Compress(CompressionLZ4, 0, nil, src)
	good, _ := Compress(CompressionLZ4, 1, nil, src)
	if broken[6] == good[6] {
		t.Fatal("broken and correct header checksums should differ")
	}
	if out, err := Decompress(CompressionLZ4, 0, nil, broken, 0); err != nil || !bytes.Equal(out, src) {
		t.Fatalf("v0 broken HC: %v", err)
	}
	if _, err := Decompress(CompressionLZ4, 1, nil, broken, 0); err == nil {
		t.Fatal("v1 must verify the header checksum")
	}
	if out, err := Decompress(CompressionLZ4, 2, nil, good, 0); err != nil || !bytes.Equal(out, src) {
		t.Fatalf("v2: %v", err)
	}
}

func TestDecompressCap(t *testing.T) {
	src := make([]byte, 1<<20)
	for c := CompressionGzip; c <= CompressionZstd; c++ {
		enc, err := Compress(c, 2, nil, src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Decompress(c, 2, nil, enc, 1<<16); !errors.Is(err, errTooLarge) {
			t.Errorf("%s: want errTooLarge, got %v", c, err)
		}
		out, err := Decompress(c, 2, nil, enc, 1<<20)
		if err != nil || len(out) != 1<<20 {
			t.Errorf("%s: exact cap: %v %d", c, err, len(out))
		}
	}
}

func TestCRC32CVector(t *testing.T) {
	if got := CRC32C([]byte("Some String")); got != 608512271 {
		t.Fatalf("Crc32C(Some String) = %d", got)
	}
}
