package format

import (
	"bytes"
	"fmt"
	"testing"
)

// TestExtentLegacyWrapper: a magic 0/1 compressed wrapper stores only its
// last inner offset; Extent decompresses it and answers the inner range and
// count (kafka AbstractLegacyRecordBatch: the wrapper's offset is the last
// inner offset).
func TestExtentLegacyWrapper(t *testing.T) {
	for _, magic := range []int8{0, 1} {
		for _, codec := range []Compression{CompressionNone, CompressionGzip, CompressionSnappy, CompressionLZ4} {
			t.Run(fmt.Sprintf("v%d-%s", magic, codec), func(t *testing.T) {
				msgs := make([]Message, 100)
				for i := range msgs {
					msgs[i] = Message{Key: []byte{byte(i)}, Value: bytes.Repeat([]byte{'v'}, 10), Timestamp: 1000 + int64(i)}
				}
				o := BatchOptions{Magic: magic, Compression: codec, BaseOffset: 400, TimestampType: CreateTime}
				o.NoProducer()
				buf, err := AppendBatch(nil, o, msgs)
				if err != nil {
					t.Fatal(err)
				}
				b, err := DecodeBatch(buf)
				if err != nil {
					t.Fatal(err)
				}
				d := NewRecordDecoder(DecoderOptions{})
				e, err := d.Extent(b)
				if err != nil {
					t.Fatal(err)
				}
				want := Extent{BaseOffset: 400, LastOffset: 499, Records: 100, Exact: true}
				if codec == CompressionNone {
					want = Extent{BaseOffset: 400, LastOffset: 400, Records: 1, Exact: true} // the first message alone
				}
				if e != want {
					t.Fatalf("Extent = %+v, want %+v", e, want)
				}
				// Header-only: the body is read back through the ReaderAt.
				r := NewBatchReader(bytes.NewReader(buf), int64(len(buf)), ReaderOptions{HeadersOnly: true})
				hb, err := r.Next()
				if err != nil {
					t.Fatal(err)
				}
				if e2, err := d.ReadExtent(bytes.NewReader(buf), hb); err != nil || e2 != want {
					t.Fatalf("ReadExtent = %+v, %v; want %+v", e2, err, want)
				}
				if codec != CompressionNone {
					// A corrupt wrapper gives the header's bound, not a number.
					bad := append([]byte(nil), buf...)
					bad[len(bad)-3] ^= 0xff
					bb, err := DecodeBatch(bad)
					if err != nil {
						t.Fatal(err)
					}
					e3, err := d.Extent(bb)
					if e3.Exact || e3.LastOffset != 499 || e3.Records != 1 {
						t.Fatalf("corrupt wrapper: %+v, %v; want an inexact bound", e3, err)
					}
				}
			})
		}
	}
}

// TestExtentCompactedLegacyWrapper: a wrapper the cleaner rewrote keeps
// gaps between its inner offsets; v0 inner offsets are absolute, v1 ones
// relative to wrapper offset minus the last inner offset
// (AbstractLegacyRecordBatch.DeepRecordsIterator). The extent starts at the
// first retained inner offset, not at wrapper offset minus count.
func TestExtentCompactedLegacyWrapper(t *testing.T) {
	for _, tc := range []struct {
		magic int8
		inner []int64
	}{{0, []int64{5, 9, 17}}, {1, []int64{0, 4, 12}}} {
		for _, codec := range []Compression{CompressionGzip, CompressionSnappy, CompressionLZ4} {
			var in []byte
			for _, o := range tc.inner {
				in = AppendLegacyMessage(in, tc.magic, o, 0, 1000+o, []byte("k"), []byte("v"))
			}
			val, err := Compress(codec, tc.magic, nil, in)
			if err != nil {
				t.Fatal(err)
			}
			buf := AppendLegacyMessage(nil, tc.magic, 17, int8(codec), 1017, nil, val)
			b, err := DecodeBatch(buf)
			if err != nil {
				t.Fatal(err)
			}
			e, err := NewRecordDecoder(DecoderOptions{}).Extent(b)
			if want := (Extent{BaseOffset: 5, LastOffset: 17, Records: 3, Exact: true}); err != nil || e != want {
				t.Errorf("v%d %s: Extent = %+v, %v; want %+v", tc.magic, codec, e, err, want)
			}
		}
	}
}
