package analyze

import (
	"fmt"
	"io"

	"github.com/kseg/kseg/format"
)

// maxControlBatch bounds the read of a control batch: a transaction marker is
// 61+~17 bytes, so anything near this is not a marker the broker wrote.
const maxControlBatch = 64 << 10

// controlLoader reads the body of a control batch that a header-only batch
// reader skipped: the producer-state replay and the transaction analysis
// both need a marker's record. It reuses one buffer and one decoder; it is
// not safe for concurrent use.
type controlLoader struct {
	buf []byte
	dec *format.RecordDecoder
}

func newControlLoader() controlLoader {
	return controlLoader{dec: format.NewRecordDecoder(format.DecoderOptions{MaxDecompressedSize: maxControlBatch})}
}

// first returns the control batch's first record, valid until the next call.
// A batch that cannot be decoded is a finding, not an error: rec is nil and
// problem says why. err is an I/O failure reading the batch from f (file).
func (c *controlLoader) first(f io.ReaderAt, b *format.Batch, file string) (rec *format.Record, problem string, err error) {
	size := b.Size()
	if size > maxControlBatch {
		return nil, fmt.Sprintf("control batch of %d bytes (a marker is under 100)", size), nil
	}
	if int64(cap(c.buf)) < size {
		c.buf = make([]byte, size)
	}
	buf := c.buf[:size]
	if n, err := f.ReadAt(buf, b.Position); int64(n) < size {
		if err == nil || err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, "", fmt.Errorf("kseg/analyze: %s: read control batch at position %d: %w", file, b.Position, err)
	}
	raw, err := format.DecodeBatch(buf)
	if err != nil {
		return nil, err.Error(), nil
	}
	if !raw.Valid {
		return nil, fmt.Sprintf("CRC mismatch: stored 0x%08x != computed 0x%08x", raw.CRC, raw.ComputedCRC), nil
	}
	if err := c.dec.Reset(raw); err != nil {
		return nil, err.Error(), nil
	}
	rec, err = c.dec.Next()
	if err == io.EOF {
		return nil, "control batch holds no record", nil
	}
	if err != nil {
		return nil, err.Error(), nil
	}
	return rec, "", nil
}
