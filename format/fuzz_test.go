package format

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// fuzzSeeds returns encoded entries of every magic and codec.
func fuzzSeeds(t testing.TB) [][]byte {
	var seeds [][]byte
	for magic := int8(0); magic <= 2; magic++ {
		for c := CompressionNone; c <= CompressionZstd; c++ {
			if magic < 2 && c == CompressionZstd {
				continue
			}
			o := BatchOptions{Magic: magic, Compression: c, BaseOffset: 5}
			o.NoProducer()
			b, err := AppendBatch(nil, o, sampleMessages(4))
			if err != nil {
				t.Fatal(err)
			}
			seeds = append(seeds, b)
		}
	}
	ctl, _ := AppendEndTxnMarker(nil, BatchOptions{ProducerID: 1, ProducerEpoch: 0}, ControlAbort, 3, 99)
	return append(seeds, ctl)
}

// checkErr asserts the error contract: nil, io.EOF, a *TruncatedError or a
// *CorruptionError whose position lies inside the input.
func checkErr(t *testing.T, err error, n int) {
	t.Helper()
	if err == nil || err == io.EOF {
		return
	}
	var ce *CorruptionError
	var te *TruncatedError
	switch {
	case errors.As(err, &ce):
		if ce.Position < 0 || ce.Position > int64(n) {
			t.Fatalf("corruption position %d outside [0,%d]: %v", ce.Position, n, err)
		}
		if !errors.Is(err, ErrCorrupt) {
			t.Fatal("CorruptionError must match ErrCorrupt")
		}
	case errors.As(err, &te):
		if te.Position < 0 || te.Position+te.Bytes != int64(n) {
			t.Fatalf("truncation %d+%d does not end at %d", te.Position, te.Bytes, n)
		}
	default:
		t.Fatalf("untyped error: %v", err)
	}
}

// FuzzBatchReader feeds arbitrary bytes as a segment: the reader and the
// deep decoder never panic, errors are typed, ValidBytes stays inside the
// file, and the slice codec (DecodeBatch) agrees with the ReaderAt path.
func FuzzBatchReader(f *testing.F) {
	var all []byte
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
		all = append(all, s...)
	}
	f.Add(all)
	f.Add(append(bytes.Clone(all), make([]byte, 40)...))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := NewBatchReader(bytes.NewReader(data), int64(len(data)), ReaderOptions{WindowSize: 64, MaxBatchBytes: 1 << 20})
		d := NewRecordDecoder(DecoderOptions{MaxDecompressedSize: 1 << 20})
		first := true
		for i := 0; i < 1000; i++ {
			b, err := r.Next()
			checkErr(t, err, len(data))
			if err != nil {
				var ce *CorruptionError
				if errors.As(err, &ce) {
					if _, _, err := r.Resync(); err != nil {
						t.Fatal(err)
					}
					continue
				}
				break
			}
			if first {
				first = false
				sb, err := DecodeBatch(data[b.Position:])
				if err != nil {
					t.Fatalf("reader returned a batch but DecodeBatch failed: %v", err)
				}
				if sb.BaseOffset != b.BaseOffset || sb.CRC != b.CRC || sb.Valid != b.Valid || sb.Size() != b.Size() {
					t.Fatalf("slice and reader paths disagree: %+v vs %+v", sb, b)
				}
			}
			if b.Position+b.Size() > int64(len(data)) {
				t.Fatalf("batch runs past the input")
			}
			if err := d.Reset(b); err != nil {
				checkErr(t, err, len(data))
				continue
			}
			for j := 0; j < 100000; j++ {
				rec, err := d.Next()
				if err != nil {
					checkErr(t, err, len(data))
					break
				}
				if len(rec.Key) > d.DecompressedSize() || len(rec.Value) > d.DecompressedSize()+len(data) {
					t.Fatal("record slices larger than the decoded data")
				}
			}
		}
		if v := r.ValidBytes(); v < 0 || v > int64(len(data)) {
			t.Fatalf("ValidBytes %d outside the input", v)
		}
	})
}

// FuzzDecodeBatch checks decode → encode → decode yields equal values for
// whatever decodes cleanly (values, not bytes: overlong varints decode fine).
func FuzzDecodeBatch(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBatch(data)
		if err != nil {
			checkErr(t, err, len(data))
			return
		}
		if b.Magic != 2 || !b.Valid || b.IsControl() {
			return
		}
		recs, err := collect(b)
		if err != nil {
			checkErr(t, err, len(data))
			return
		}
		o := BatchOptions{Magic: 2, Compression: b.Compression(), TimestampType: b.TimestampType(), LogAppendTime: b.MaxTimestamp,
			BaseOffset: b.BaseOffset, PartitionLeaderEpoch: b.PartitionLeaderEpoch, ProducerID: b.ProducerID, ProducerEpoch: b.ProducerEpoch,
			BaseSequence: b.BaseSequence, Transactional: b.IsTransactional(), ExplicitOffsetDeltas: true}
		if h, ok := b.DeleteHorizonMs(); ok {
			o.HasDeleteHorizon, o.DeleteHorizonMs = true, h
		}
		msgs := make([]Message, len(recs))
		for i, r := range recs {
			msgs[i] = Message{Key: r.Key, Value: r.Value, Headers: r.Headers, Timestamp: r.Timestamp, OffsetDelta: int32(r.Offset - b.BaseOffset)}
		}
		if o.HasDeleteHorizon || o.TimestampType == LogAppendTime {
			// Timestamps are recomputed from the header on re-encoding.
		}
		enc, err := AppendBatch(nil, o, msgs)
		if err != nil {
			return
		}
		b2, err := DecodeBatch(enc)
		if err != nil || !b2.Valid {
			t.Fatalf("re-encoded batch does not decode: %v", err)
		}
		recs2, err := collect(b2)
		if err != nil {
			t.Fatalf("re-encoded records do not decode: %v", err)
		}
		if len(recs2) != len(recs) {
			t.Fatalf("%d records became %d", len(recs), len(recs2))
		}
		for i := range recs {
			a, c := recs[i], recs2[i]
			if a.Offset != c.Offset || !bytes.Equal(a.Key, c.Key) || (a.Key == nil) != (c.Key == nil) ||
				!bytes.Equal(a.Value, c.Value) || (a.Value == nil) != (c.Value == nil) || len(a.Headers) != len(c.Headers) {
				t.Fatalf("record %d differs after round trip", i)
			}
			if o.TimestampType == CreateTime && !o.HasDeleteHorizon && a.Timestamp != c.Timestamp && i > 0 {
				t.Fatalf("record %d timestamp %d became %d", i, a.Timestamp, c.Timestamp)
			}
		}
	})
}

func collect(b *Batch) ([]Record, error) {
	d := NewRecordDecoder(DecoderOptions{MaxDecompressedSize: 1 << 20})
	if err := d.Reset(b); err != nil {
		return nil, err
	}
	var out []Record
	for {
		r, err := d.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		c := *r
		c.Key, c.Value = cloneNil(r.Key), cloneNil(r.Value)
		c.Headers = nil
		for _, h := range r.Headers {
			c.Headers = append(c.Headers, Header{cloneNil(h.Key), cloneNil(h.Value)})
		}
		out = append(out, c)
	}
}

func cloneNil(b []byte) []byte {
	if b == nil {
		return nil
	}
	return append([]byte{}, b...)
}

// FuzzDecodeRecord wraps arbitrary record bytes in a valid uncompressed v2
// batch (correct CRC) so the record decoder itself is exercised.
func FuzzDecodeRecord(f *testing.F) {
	f.Add(AppendRecord(nil, 0, 5, []byte("k"), []byte("v"), []Header{{Key: []byte("h"), Value: nil}}), int32(1))
	f.Add(AppendRecord(AppendRecord(nil, 0, 0, nil, nil, nil), 1, -3, []byte{}, []byte("x"), nil), int32(2))
	f.Fuzz(func(t *testing.T, recs []byte, count int32) {
		o := BatchOptions{Magic: 2}
		o.NoProducer()
		hdr, _ := AppendBatch(nil, o, nil)
		raw := append(hdr, recs...)
		putBatchFields(raw, count)
		b, err := DecodeBatch(raw)
		if err != nil || !b.Valid {
			t.Fatalf("wrapper batch invalid: %v", err)
		}
		d := NewRecordDecoder(DecoderOptions{})
		if err := d.Reset(b); err != nil {
			checkErr(t, err, len(raw))
			return
		}
		for i := 0; ; i++ {
			_, err := d.Next()
			if err != nil {
				checkErr(t, err, len(raw))
				return
			}
			if i > len(recs) {
				t.Fatal("more records than bytes")
			}
		}
	})
}

// putBatchFields patches length, record count and CRC of a v2 batch.
func putBatchFields(raw []byte, count int32) {
	be := func(p int, v uint32) {
		raw[p], raw[p+1], raw[p+2], raw[p+3] = byte(v>>24), byte(v>>16), byte(v>>8), byte(v)
	}
	be(8, uint32(len(raw)-LogOverhead))
	be(recordsCountPosV2, uint32(count))
	be(crcOffsetV2, CRC32C(raw[attributesOffsetV2:]))
}

// FuzzLegacyMessageSet treats the input as the decompressed inner message set
// of a gzip wrapper (v0 and v1), exercising wrapper offset translation and
// inner-message parsing.
func FuzzLegacyMessageSet(f *testing.F) {
	inner := AppendLegacyMessage(nil, 1, 0, 0, 10, []byte("k"), []byte("v"))
	inner = AppendLegacyMessage(inner, 1, 1, 0, 11, nil, []byte("w"))
	f.Add(inner, uint8(1), int64(7))
	f.Add(AppendLegacyMessage(nil, 0, 3, 0, -1, nil, nil), uint8(0), int64(3))
	f.Fuzz(func(t *testing.T, set []byte, magic uint8, wrapperOffset int64) {
		m := int8(magic % 2)
		val, err := Compress(CompressionGzip, m, nil, set)
		if err != nil {
			t.Fatal(err)
		}
		raw := AppendLegacyMessage(nil, m, wrapperOffset, int8(CompressionGzip), 1, nil, val)
		b, err := DecodeBatch(raw)
		if err != nil || !b.Valid {
			t.Fatalf("wrapper invalid: %v", err)
		}
		d := NewRecordDecoder(DecoderOptions{MaxDecompressedSize: 1 << 20})
		if err := d.Reset(b); err != nil {
			checkErr(t, err, len(raw))
			return
		}
		for {
			_, err := d.Next()
			if err != nil {
				checkErr(t, err, len(raw))
				return
			}
		}
	})
}

// FuzzDecompress runs every codec's decoder on arbitrary input under a 1 MiB
// cap (output never exceeds it), and checks compress → decompress is exact.
func FuzzDecompress(f *testing.F) {
	for c := CompressionNone; c <= CompressionZstd; c++ {
		enc, _ := Compress(c, 2, nil, []byte("hello hello hello kafka"))
		f.Add(uint8(c), uint8(2), enc)
		enc0, _ := Compress(c, 0, nil, []byte("v0 frame"))
		f.Add(uint8(c), uint8(0), enc0)
	}
	f.Add(uint8(CompressionSnappy), uint8(2), []byte{0x82, 'S', 'N', 'A', 'P', 'P', 'Y', 0, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 9, 7, 0x18, 'f', 'o', 'o', 'b', 'a', 'r', '\n'})
	f.Fuzz(func(t *testing.T, codec, magic uint8, data []byte) {
		c := Compression(codec % 5)
		m := int8(magic % 3)
		const max = 1 << 20
		out, err := Decompress(c, m, nil, data, max)
		if err == nil && len(out) > max {
			t.Fatalf("%s produced %d bytes over the %d cap", c, len(out), max)
		}
		if c == CompressionZstd && m < 2 {
			return
		}
		enc, err := Compress(c, m, nil, data)
		if err != nil {
			t.Fatal(err)
		}
		dec, err := Decompress(c, m, nil, enc, len(data)+1)
		if err != nil || !bytes.Equal(dec, data) {
			t.Fatalf("%s round trip failed: %v", c, err)
		}
	})
}

// FuzzExtent: Extent and ReadExtent never panic, agree with each other, and
// an exact legacy wrapper extent lies within the wrapper's stored offset.
func FuzzExtent(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, magic := range []int8{0, 1} {
		o := BatchOptions{Magic: magic, Compression: CompressionGzip, BaseOffset: 7}
		o.NoProducer()
		b, err := AppendBatch(nil, o, sampleMessages(5))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := DecodeBatch(data)
		if err != nil {
			return
		}
		d := NewRecordDecoder(DecoderOptions{MaxDecompressedSize: 1 << 20})
		e, err := d.Extent(b)
		if err != nil {
			checkErr(t, err, len(data))
		}
		if e.LastOffset != b.LastOffset() || (e.Exact && (e.BaseOffset > e.LastOffset || e.Records < 1 && b.Magic < 2)) {
			t.Fatalf("extent %+v of batch %+v", e, b)
		}
		hb := *b
		hb.Raw = nil
		e2, _ := d.ReadExtent(bytes.NewReader(data), &hb)
		if e2 != e {
			t.Fatalf("ReadExtent %+v != Extent %+v", e2, e)
		}
	})
}
