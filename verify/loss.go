package verify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kseg/kseg/format"
)

// Loss is what cutting a partition's log at a byte position throws away, in
// offsets: the broker's log end offset becomes FromOffset (Kafka's
// LogSegment.recover truncates the .log at the last valid batch, and the
// segment's readNextOffset is the new log end offset, LogLoader.recoverLog),
// and every offset in [FromOffset, ToOffset] that the bytes held is gone.
type Loss struct {
	// FromOffset is the first offset lost: the log end offset after the cut.
	FromOffset int64 `json:"fromOffset"`
	// ToOffset is the last offset the removed bytes held (the old log end
	// offset minus one); FromOffset-1 when they held none. A lower bound
	// unless Exact.
	ToOffset int64 `json:"toOffset"`
	// Records counts the records of the removed batches, including the
	// damaged ones whose header still tells their count. A lower bound
	// unless Exact.
	Records int64 `json:"records"`
	// Exact: every removed byte was framed in batches whose headers could be
	// read and agree with their neighbours, or was a zero-filled tail. False
	// when garbage, an unreadable header or a batch claiming an impossible
	// count or offset was among them: then Records and ToOffset are "at
	// least".
	Exact bool `json:"exact"`
}

// String renders a loss as operators read it: "offsets 190..199 (10
// records)", "offsets 190..≥199 (≥ 10 records)", "no offsets (0 records)".
func (l Loss) String() string {
	if l.Exact && l.ToOffset < l.FromOffset {
		return "no records (the log end offset stays " + strconv.FormatInt(l.FromOffset, 10) + ")"
	}
	ge := ""
	if !l.Exact {
		ge = "≥ "
	}
	to := strconv.FormatInt(l.ToOffset, 10)
	if !l.Exact {
		to = "≥" + to
	}
	if l.ToOffset < l.FromOffset {
		return fmt.Sprintf("offsets from %d on (an unknown number of records: no complete batch header in the removed bytes)", l.FromOffset)
	}
	return fmt.Sprintf("offsets %d..%s (%s%d records)", l.FromOffset, to, ge, l.Records)
}

// add folds a later segment's loss (deleted whole) into l.
func (l *Loss) add(m Loss) {
	l.Records += m.Records
	l.ToOffset = max(l.ToOffset, m.ToOffset)
	l.Exact = l.Exact && m.Exact
}

// lossCounter accumulates the batches of removed bytes.
type lossCounter struct {
	l        Loss
	prevLast int64
	dec      *format.RecordDecoder
}

// framed counts one framed batch (CRC-valid or not) of the removed bytes.
// A damaged batch is counted from its header only when the header is
// plausible: offsets above the previous batch's, a record count its offset
// delta allows; otherwise the loss is no longer exact. inner is the record
// count of a legacy compressed wrapper (decompressed), -1 when unknown.
func (c *lossCounter) framed(magic int8, base, last int64, count int32, compressed bool, inner int64) {
	if last <= c.prevLast || base > last || (magic >= 2 && (count < 0 || int64(count) > last-base+1)) {
		c.l.Exact = false
		return
	}
	n := int64(count)
	if magic < 2 {
		// A legacy entry's header holds only its last offset; a compressed
		// wrapper's inner messages are counted by decompressing it.
		n = 1
		if compressed {
			if inner < 0 {
				c.l.Exact = false
				inner = 0
			}
			n = inner
		}
	}
	c.l.Records += n
	c.l.ToOffset = max(c.l.ToOffset, last)
	c.prevLast = last
}

// lossFrom computes what cutting the segment at path (base offset base) at
// byte position cut removes from that segment. It reads the segment's
// batch headers before cut (the new log end offset) and everything after
// it, resyncing past garbage.
func lossFrom(path string, base, cut int64) (Loss, error) {
	f, err := os.Open(path)
	if err != nil {
		return Loss{}, fmt.Errorf("kseg/verify: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Loss{}, fmt.Errorf("kseg/verify: %w", err)
	}
	size := st.Size()
	name := filepath.Base(path)
	next := base
	if cut > 0 {
		r := format.NewBatchReader(f, size, format.ReaderOptions{File: name, End: cut, HeadersOnly: true, WindowSize: windowFor(cut)})
		for {
			b, err := r.Next()
			if err != nil {
				break
			}
			next = b.NextOffset()
		}
	}
	c := &lossCounter{l: Loss{FromOffset: next, ToOffset: next - 1, Exact: true}, prevLast: next - 1,
		dec: format.NewRecordDecoder(format.DecoderOptions{File: name})}
	r := format.NewBatchReader(f, size, format.ReaderOptions{File: name, Start: cut, WindowSize: windowFor(size - cut)})
	for {
		b, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			var te *format.TruncatedError
			var ce *format.CorruptionError
			switch {
			case errors.As(err, &te):
				if te.Kind != format.TailZeroFilled {
					c.tornHeader(f, te.Position, te.Bytes)
				}
			case errors.As(err, &ce):
				c.l.Exact = false
				if _, ok, rerr := r.Resync(); rerr == nil && ok {
					continue
				} else if rerr != nil {
					return c.l, fmt.Errorf("kseg/verify: %w", rerr)
				}
			default:
				return c.l, fmt.Errorf("kseg/verify: %w", err)
			}
			break
		}
		compressed := b.Compression() != format.CompressionNone
		inner := int64(-1)
		if b.Magic < 2 && compressed && b.Valid {
			inner = c.innerCount(b)
		}
		c.framed(b.Magic, firstOffsetOf(b), b.LastOffset(), b.NumRecords, compressed, inner)
	}
	return c.l, nil
}

// innerCount decompresses a legacy wrapper and counts its inner messages
// (-1 if it cannot be decoded). Such wrappers are rare and small.
func (c *lossCounter) innerCount(b *format.Batch) int64 {
	if b.Raw == nil || c.dec.Reset(b) != nil {
		return -1
	}
	var n int64
	for {
		_, err := c.dec.Next()
		if err == io.EOF {
			return n
		}
		if err != nil {
			return -1
		}
		n++
	}
}

// tornHeader counts a torn last batch from its header when the header is
// all there (61 bytes for v2, DefaultRecordBatch.java's RECORD_BATCH_OVERHEAD):
// a torn write whose header says 10 records lost 10 records.
func (c *lossCounter) tornHeader(f *os.File, pos, n int64) {
	if n < format.RecordBatchOverhead {
		c.l.Exact = false
		return
	}
	var h [format.RecordBatchOverhead]byte
	if _, err := f.ReadAt(h[:], pos); err != nil {
		c.l.Exact = false
		return
	}
	if int8(h[format.MagicOffset]) != 2 {
		c.l.Exact = false
		return
	}
	base := int64(binary.BigEndian.Uint64(h[0:8]))
	delta := int32(binary.BigEndian.Uint32(h[23:27]))
	count := int32(binary.BigEndian.Uint32(h[57:61]))
	if delta < 0 {
		c.l.Exact = false
		return
	}
	c.framed(2, base, base+int64(delta), count, false, -1)
}

// segmentLoss is the loss of deleting a whole segment (LogLoader deletes
// every segment after a truncated one): everything from position 0.
func segmentLoss(sr *SegmentResult) (Loss, error) {
	return lossFrom(sr.Path, sr.BaseOffset, 0)
}
