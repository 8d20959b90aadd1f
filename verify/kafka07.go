package verify

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// ReasonKafka07Gap: a Kafka 0.7 segment does not start at the byte offset
// where the previous one ends (0.7 names each file after the partition byte
// offset of its first byte, so consecutive files must abut).
const ReasonKafka07Gap Reason = "kafka07-segment-gap"

// checkKafka07Files checks the Kafka 0.7 segments (<byte-offset>.kafka) of a
// partition: framing and the CRC-32 of every payload (format.Kafka07Reader),
// torn or zero-filled tails, files that do not abut, and with Deep every
// compressed wrapper's inner messages. 0.7 offsets are byte positions, so
// FirstOffset/LastOffset of the result are byte offsets too.
func (c *checker) checkKafka07Files(ctx context.Context, t Target, p *segment.Partition, res *PartitionResult) error {
	files := p.Kafka07
	prevEnd, prevName := int64(-1), ""
	var dec *format.Kafka07Decoder
	if c.opts.Deep {
		dec = format.NewKafka07Decoder("", 0)
	}
	for i, path := range files {
		if err := ctx.Err(); err != nil {
			return err
		}
		name := filepath.Base(path)
		base, _, _ := segment.ParseFileName(name)
		if t.Bases != nil && !t.Bases[base] {
			continue
		}
		sr := &SegmentResult{Path: path, Name: name, BaseOffset: base, Active: i == len(files)-1,
			FirstOffset: -1, LastOffset: -1, MaxTimestamp: -1, OverflowPosition: -1}
		rep := c.reporter(res, sr, path)
		if prevEnd >= 0 && base != prevEnd {
			rep.add(newFinding(ReasonKafka07Gap, SeverityError, -1, -1, base,
				fmt.Sprintf("starts at byte offset %d but %s ends at %d", base, prevName, prevEnd)))
		}
		if err := c.scanKafka07(path, base, sr, rep, dec); err != nil {
			return err
		}
		rep.finish()
		prevEnd, prevName = base+sr.Size, name
		res.Segments = append(res.Segments, sr)
		res.NumSegments++
		res.Batches += sr.Batches
		res.Records += sr.Records
		res.Bytes += sr.Size
		if sr.FirstOffset >= 0 && res.FirstOffset < 0 {
			res.FirstOffset = sr.FirstOffset
		}
		if sr.LastOffset >= 0 {
			res.LastOffset = sr.LastOffset
		}
	}
	return nil
}

func (c *checker) scanKafka07(path string, base int64, sr *SegmentResult, rep *fileReporter, dec *format.Kafka07Decoder) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("kseg/verify: %w", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Errorf("kseg/verify: %w", err)
	}
	sr.Size = st.Size()
	r := format.NewKafka07Reader(f, sr.Size, format.Kafka07Options{File: sr.Name, BaseOffset: base, WindowSize: windowFor(sr.Size)})
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		var te *format.TruncatedError
		var ce *format.CorruptionError
		switch {
		case errors.As(err, &te):
			reason := ReasonTornTail
			if te.Kind == format.TailZeroFilled {
				reason = ReasonZeroTail
			}
			rep.add(newFinding(reason, SeverityError, te.Position, sr.Size, base+te.Position, te.Error()))
			sr.BadRanges = append(sr.BadRanges, BadRange{Start: te.Position, End: sr.Size, Reason: reason, Tail: true, Offset: -1, NextOffset: -1})
		case errors.As(err, &ce):
			fd := newFinding(Reason(ce.Reason.String()), SeverityError, ce.Position, -1, ce.Offset, ce.Detail)
			next, ok, rerr := r.Resync()
			if rerr != nil {
				return fmt.Errorf("kseg/verify: %w", rerr)
			}
			fd.End = sr.Size
			if ok {
				fd.End, fd.NextValidPosition, fd.NextValidOffset = next, next, base+next
			}
			rep.add(fd)
			sr.BadRanges = append(sr.BadRanges, BadRange{Start: ce.Position, End: fd.End, Reason: fd.Reason, Offset: -1, NextOffset: fd.NextValidOffset})
			if ok {
				continue
			}
		case err != nil:
			return fmt.Errorf("kseg/verify: %w", err)
		}
		if err != nil {
			break
		}
		if !m.Valid {
			rep.add(newFinding(ReasonCRCMismatch, SeverityError, m.Position, m.Position+m.EntrySize(), m.Offset,
				fmt.Sprintf("stored crc 0x%08x != computed 0x%08x (CRC-32 of the payload)", m.CRC, m.ComputedCRC)))
			continue
		}
		sr.Batches++
		sr.Records++
		if sr.FirstOffset < 0 {
			sr.FirstOffset = m.Offset
		}
		sr.LastOffset = m.Offset
		if dec != nil && m.Compression() != format.CompressionNone {
			sr.Records--
			err := dec.Reset(m)
			for err == nil {
				var im *format.Message07
				if im, err = dec.Next(); err == nil {
					sr.Records++
					if !im.Valid {
						rep.add(newFinding(ReasonCRCMismatch, SeverityError, m.Position, m.Position+m.EntrySize(), m.Offset,
							fmt.Sprintf("inner message at position %d of the decompressed set: stored crc 0x%08x != computed 0x%08x", im.Position, im.CRC, im.ComputedCRC)))
					}
				}
			}
			if ce := (*format.CorruptionError)(nil); errors.As(err, &ce) {
				rep.add(newFinding(ReasonBadRecord, SeverityError, m.Position, m.Position+m.EntrySize(), m.Offset, ce.Reason.String()+": "+ce.Detail))
			}
		}
	}
	sr.ValidBytes = r.ValidBytes()
	return nil
}
