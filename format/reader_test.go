package format_test

import (
	"bytes"
	"testing"

	"github.com/kseg/kseg/format"
)

// ReaderOptions.DeferCRC returns loaded batches unchecked; Batch.CheckCRC
// then judges them as the default reader does, a damaged one included, for
// every magic.
func TestDeferCRC(t *testing.T) {
	for _, magic := range []int8{0, 1, 2} {
		var data []byte
		var positions []int
		for i := 0; i < 3; i++ {
			o := format.BatchOptions{Magic: magic, BaseOffset: int64(i)}
			o.NoProducer()
			positions = append(positions, len(data))
			var err error
			data, err = format.AppendBatch(data, o, []format.Message{{Value: []byte("value-0123456789")}})
			if err != nil {
				t.Fatal(err)
			}
		}
		data[positions[1]+len(data)-positions[2]-1] ^= 0x20 // last value byte of the middle batch
		for _, deferCRC := range []bool{false, true} {
			r := format.NewBatchReader(bytes.NewReader(data), int64(len(data)), format.ReaderOptions{DeferCRC: deferCRC})
			for i := 0; i < 3; i++ {
				b, err := r.Next()
				if err != nil {
					t.Fatalf("magic %d defer %v batch %d: %v", magic, deferCRC, i, err)
				}
				if b.CRCChecked == deferCRC {
					t.Fatalf("magic %d defer %v: CRCChecked %v before CheckCRC", magic, deferCRC, b.CRCChecked)
				}
				b.CheckCRC()
				if !b.CRCChecked || b.Valid != (i != 1) {
					t.Errorf("magic %d defer %v batch %d: checked %v valid %v", magic, deferCRC, i, b.CRCChecked, b.Valid)
				}
			}
		}
	}
}
