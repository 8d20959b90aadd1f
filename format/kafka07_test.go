package format

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// corpus07 is Kafka's own 0.7 test resource (see corpus/MANIFEST.md).
const corpus07 = "../../shared/corpus/apache-kafka-0.7/core/src/test/resources/test-kafka-logs/MagicByte0-0/00000000000000000000.kafka"

// ok07 unwraps an encoder result; encoder errors here are test bugs.
func ok07(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// build07 returns a 0.7 segment: a magic 0 message, a magic 1 message, a gzip
// wrapper of three and a snappy wrapper of two.
func build07(t testing.TB) []byte {
	var b []byte
	b = ok07(AppendKafka07Message(b, 0, CompressionNone, []byte("plain v0")))
	b = ok07(AppendKafka07Message(b, 1, CompressionNone, []byte("plain v1")))
	var inner []byte
	for i := 0; i < 3; i++ {
		inner = ok07(AppendKafka07Message(inner, 1, CompressionNone, []byte(fmt.Sprintf("gz %d", i))))
	}
	b = ok07(AppendKafka07Wrapper(b, CompressionGzip, inner))
	inner = inner[:0]
	for i := 0; i < 2; i++ {
		inner = ok07(AppendKafka07Message(inner, 1, CompressionNone, []byte(fmt.Sprintf("sn %d", i))))
	}
	return ok07(AppendKafka07Wrapper(b, CompressionSnappy, inner))
}

type read07 struct {
	msgs  []Message07
	inner [][]Message07
	err   error
	valid int64
}

func readAll07(data []byte, o Kafka07Options) read07 {
	var res read07
	r := NewKafka07Reader(bytes.NewReader(data), int64(len(data)), o)
	d := NewKafka07Decoder(o.File, 0)
	for {
		m, err := r.Next()
		if err != nil {
			if err != io.EOF {
				res.err = err
			}
			break
		}
		mc := *m
		mc.Payload = append([]byte(nil), m.Payload...)
		res.msgs = append(res.msgs, mc)
		var in []Message07
		if m.Payload != nil && d.Reset(m) == nil {
			for {
				im, err := d.Next()
				if err != nil {
					break
				}
				c := *im
				c.Payload = append([]byte(nil), im.Payload...)
				in = append(in, c)
			}
		}
		res.inner = append(res.inner, in)
	}
	res.valid = r.ValidBytes()
	return res
}

func TestKafka07Corpus(t *testing.T) {
	data, err := os.ReadFile(corpus07)
	if err != nil {
		t.Skipf("corpus absent: %v", err)
	}
	res := readAll07(data, Kafka07Options{File: filepath.Base(corpus07)})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.msgs) != 100 {
		t.Fatalf("got %d messages, want 100", len(res.msgs))
	}
	pos := int64(0)
	for i, m := range res.msgs {
		if !m.Valid || m.Magic != 0 || m.Compression() != CompressionNone || m.Position != pos || m.Offset != pos {
			t.Fatalf("message %d: %+v", i, m)
		}
		pos += m.EntrySize()
		if m.NextOffset != pos {
			t.Fatalf("message %d: next offset %d, want %d", i, m.NextOffset, pos)
		}
	}
	if pos != int64(len(data)) || res.valid != pos {
		t.Fatalf("ended at %d, valid %d, file %d", pos, res.valid, len(data))
	}
}

func TestKafka07Layout(t *testing.T) {
	// Hand-built per Message.scala: size, magic 1, attributes, CRC of the
	// payload alone, payload.
	payload := []byte("hello")
	want := []byte{0, 0, 0, 11, 1, 2}
	want = binary.BigEndian.AppendUint32(want, crc32.ChecksumIEEE(payload))
	want = append(want, payload...)
	got := ok07(AppendKafka07Message(nil, 1, CompressionSnappy, payload))
	if !bytes.Equal(got, want) {
		t.Fatalf("got %x want %x", got, want)
	}
	// Flipping the attributes byte does not change validity: 0.7 does not
	// cover it with the CRC.
	got[5] = 0
	m, n, err := DecodeKafka07Message(got)
	if err != nil || n != len(got) || !m.Valid || m.PayloadSize() != 5 {
		t.Fatalf("%+v %d %v", m, n, err)
	}
}

func TestKafka07Reader(t *testing.T) {
	seg := build07(t)
	res := readAll07(seg, Kafka07Options{File: "00000000000000001000.kafka", BaseOffset: 1000})
	if res.err != nil {
		t.Fatal(res.err)
	}
	if len(res.msgs) != 4 {
		t.Fatalf("%d messages", len(res.msgs))
	}
	codecs := []Compression{CompressionNone, CompressionNone, CompressionGzip, CompressionSnappy}
	wantInner := [][]string{{"plain v0"}, {"plain v1"}, {"gz 0", "gz 1", "gz 2"}, {"sn 0", "sn 1"}}
	for i, m := range res.msgs {
		if m.Compression() != codecs[i] || !m.Valid || m.Offset != 1000+m.Position {
			t.Errorf("message %d: %+v", i, m)
		}
		if len(res.inner[i]) != len(wantInner[i]) {
			t.Fatalf("message %d: %d inner, want %d", i, len(res.inner[i]), len(wantInner[i]))
		}
		for j, im := range res.inner[i] {
			if string(im.Payload) != wantInner[i][j] || !im.Valid {
				t.Errorf("message %d inner %d: %q", i, j, im.Payload)
			}
			// 0.7 MessageAndOffset semantics: the wrapper start for all but
			// the last, the offset after the wrapper for the last.
			wantNext := m.Offset
			if j == len(res.inner[i])-1 {
				wantNext = m.NextOffset
			}
			if im.Offset != m.Offset || im.NextOffset != wantNext {
				t.Errorf("message %d inner %d: offset %d next %d, want %d %d", i, j, im.Offset, im.NextOffset, m.Offset, wantNext)
			}
		}
	}
	// The same file through a tiny window and a tiny MaxMessageBytes
	// (streamed CRCs) gives the same messages.
	small := readAll07(seg, Kafka07Options{WindowSize: 64, MaxMessageBytes: 20, BaseOffset: 1000})
	if small.err != nil || len(small.msgs) != 4 {
		t.Fatalf("small window: %v %d", small.err, len(small.msgs))
	}
	for i := range small.msgs {
		a, b := small.msgs[i], res.msgs[i]
		if a.Offset != b.Offset || a.CRC != b.CRC || a.ComputedCRC != b.ComputedCRC || !a.Valid {
			t.Errorf("message %d differs: %+v vs %+v", i, a, b)
		}
	}
}

func TestKafka07Errors(t *testing.T) {
	seg := build07(t)
	first := int64(4 + 5 + 8)
	last := res07Pos(t, seg, 3)
	cases := []struct {
		name      string
		mutate    func([]byte) []byte
		wantErr   error
		reason    Reason
		pos       int64
		msgs      int
		valid     int64
		invalidAt int // index of a CRC-invalid message, -1 none
	}{
		{"clean", func(b []byte) []byte { return b }, nil, 0, 0, 4, int64(len(seg)), -1},
		{"torn-tail", func(b []byte) []byte { return b[:len(b)-3] }, ErrTruncated, 0, last, 3, last, -1},
		{"torn-size", func(b []byte) []byte { return b[:last+2] }, ErrTruncated, 0, last, 3, last, -1},
		{"zero-tail", func(b []byte) []byte { return append(b, make([]byte, 100)...) }, ErrTruncated, 0, int64(len(seg)), 4, int64(len(seg)), -1},
		{"crc", func(b []byte) []byte { b[first+8] ^= 1; return b }, nil, 0, 0, 4, first, 1},
		{"bad-magic", func(b []byte) []byte { b[first+4] = 7; return b }, ErrCorrupt, ReasonBadMagic, first, 1, first, -1},
		{"small-size", func(b []byte) []byte { binary.BigEndian.PutUint32(b[first:], 2); return b }, ErrCorrupt, ReasonBadLength, first, 1, first, -1},
		{"size-past-end-with-valid-after", func(b []byte) []byte { binary.BigEndian.PutUint32(b[first:], 1<<20); return b }, ErrCorrupt, ReasonBadLength, first, 1, first, -1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.mutate(append([]byte(nil), seg...))
			res := readAll07(data, Kafka07Options{File: "x.kafka"})
			if tc.wantErr == nil && res.err != nil || tc.wantErr != nil && !errors.Is(res.err, tc.wantErr) {
				t.Fatalf("err %v, want %v", res.err, tc.wantErr)
			}
			var ce *CorruptionError
			if errors.As(res.err, &ce) && (ce.Reason != tc.reason || ce.Position != tc.pos) {
				t.Fatalf("corruption %+v, want %s at %d", ce, tc.reason, tc.pos)
			}
			var te *TruncatedError
			if errors.As(res.err, &te) && te.Position != tc.pos {
				t.Fatalf("truncated at %d, want %d", te.Position, tc.pos)
			}
			if len(res.msgs) != tc.msgs || res.valid != tc.valid {
				t.Fatalf("%d messages valid %d, want %d valid %d", len(res.msgs), res.valid, tc.msgs, tc.valid)
			}
			for i, m := range res.msgs {
				if m.Valid != (i != tc.invalidAt) {
					t.Errorf("message %d valid=%v", i, m.Valid)
				}
			}
		})
	}
}

func res07Pos(t *testing.T, seg []byte, i int) int64 {
	res := readAll07(seg, Kafka07Options{})
	return res.msgs[i].Position
}

func TestKafka07Resync(t *testing.T) {
	seg := build07(t)
	first := int64(4 + 5 + 8)
	data := append([]byte(nil), seg...)
	data[first+4] = 9 // bad magic on message 1
	r := NewKafka07Reader(bytes.NewReader(data), int64(len(data)), Kafka07Options{})
	n := 0
	for {
		_, err := r.Next()
		if err == io.EOF {
			break
		}
		if errors.Is(err, ErrCorrupt) {
			next, ok, rerr := r.Resync()
			if rerr != nil || !ok || next != first+4+6+8 {
				t.Fatalf("resync %d %v %v", next, ok, rerr)
			}
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n != 3 || r.ValidBytes() != first {
		t.Fatalf("%d messages valid %d", n, r.ValidBytes())
	}
}

func TestKafka07DecoderErrors(t *testing.T) {
	inner := ok07(AppendKafka07Message(nil, 1, CompressionNone, []byte("x")))
	bad := ok07(AppendKafka07Message(nil, 1, CompressionNone, []byte("x")))
	bad[5] = 3 // unknown codec 3
	truncatedSet := ok07(AppendKafka07Wrapper(nil, CompressionGzip, inner[:len(inner)-1]))
	garbage := ok07(AppendKafka07Message(nil, 1, CompressionGzip, []byte("not gzip")))
	for _, tc := range []struct {
		name   string
		in     []byte
		reason Reason
	}{
		{"unknown-codec", bad, ReasonBadCompression},
		{"truncated-inner", truncatedSet, ReasonBadWrapper},
		{"not-gzip", garbage, ReasonDecompressFailed},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, _, err := DecodeKafka07Message(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			d := NewKafka07Decoder("x.kafka", 0)
			err = d.Reset(m)
			for err == nil {
				_, err = d.Next()
			}
			var ce *CorruptionError
			if !errors.As(err, &ce) || ce.Reason != tc.reason {
				t.Fatalf("err %v, want %s", err, tc.reason)
			}
		})
	}
	// Decompression cap.
	big := ok07(AppendKafka07Message(nil, 1, CompressionNone, make([]byte, 4096)))
	w := ok07(AppendKafka07Wrapper(nil, CompressionGzip, big))
	m, _, _ := DecodeKafka07Message(w)
	err := NewKafka07Decoder("", 1000).Reset(m)
	var ce *CorruptionError
	if !errors.As(err, &ce) || ce.Reason != ReasonDecompressedTooLarge {
		t.Fatalf("cap: %v", err)
	}
	if _, err := AppendKafka07Message(nil, 0, CompressionGzip, nil); err == nil {
		t.Fatal("magic 0 with a codec accepted")
	}
}

// FuzzKafka07 checks the 0.7 reader never panics, reports only the typed
// errors with positions inside the input, agrees with the slice decoder,
// and keeps decompression under the cap.
func FuzzKafka07(f *testing.F) {
	f.Add(build07(f))
	if data, err := os.ReadFile(corpus07); err == nil {
		f.Add(data[:min(len(data), 600)])
	}
	f.Add([]byte{0, 0, 0, 5, 0, 0, 0, 0, 0})
	const maxOut = 1 << 16
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewKafka07Reader(bytes.NewReader(data), int64(len(data)), Kafka07Options{WindowSize: 128})
		d := NewKafka07Decoder("", maxOut)
		p := 0
		for i := 0; i < 10000; i++ {
			m, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				var ce *CorruptionError
				var te *TruncatedError
				switch {
				case errors.As(err, &ce):
					if ce.Position < 0 || ce.Position > int64(len(data)) {
						t.Fatalf("position %d out of range", ce.Position)
					}
				case errors.As(err, &te):
					if te.Position+te.Bytes != int64(len(data)) {
						t.Fatalf("torn tail %d+%d != %d", te.Position, te.Bytes, len(data))
					}
				default:
					t.Fatalf("untyped error %v", err)
				}
				if _, ok, _ := r.Resync(); !ok {
					break
				}
				p = int(r.Position())
				continue
			}
			sm, n, serr := DecodeKafka07Message(data[p:])
			if serr != nil || int64(n) != m.EntrySize() || sm.CRC != m.CRC || sm.Valid != m.Valid || !bytes.Equal(sm.Payload, m.Payload) {
				t.Fatalf("slice path disagrees at %d: %v", p, serr)
			}
			p += n
			if d.Reset(m) == nil {
				for {
					if _, err := d.Next(); err != nil {
						break
					}
				}
				if d.DecompressedSize() > maxOut {
					t.Fatalf("decompressed %d > cap", d.DecompressedSize())
				}
			}
		}
		if r.ValidBytes() < 0 || r.ValidBytes() > int64(len(data)) {
			t.Fatalf("valid bytes %d", r.ValidBytes())
		}
	})
}

func BenchmarkKafka07Reader(b *testing.B) {
	var seg []byte
	for i := 0; i < 1000; i++ {
		seg = ok07(AppendKafka07Message(seg, 1, CompressionNone, bytes.Repeat([]byte{'x'}, 100)))
	}
	b.SetBytes(int64(len(seg)))
	b.ReportAllocs()
	for b.Loop() {
		r := NewKafka07Reader(bytes.NewReader(seg), int64(len(seg)), Kafka07Options{})
		for {
			if _, err := r.Next(); err != nil {
				break
			}
		}
	}
}
