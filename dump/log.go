package dump

import (
	"bufio"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/metadata"
)

// SchemaVersion is the version of kseg's NDJSON output schema (README,
// "Output formats"). Bump it on any incompatible change.
const SchemaVersion = 1

// LogOptions controls how a .log segment is dumped.
type LogOptions struct {
	Deep               bool // --deep-iteration
	PrintData          bool // --print-data-log (implies Deep)
	SkipRecordMetadata bool // --skip-record-metadata
	KeyDecoder         Decoder
	ValueDecoder       Decoder
	JSON               bool
	FromOffset         int64 // skip batches whose last offset is below (-1 = none)
	ToOffset           int64 // stop after batches whose base offset is above (-1 = none)
	MaxBytes           int64 // read only the first N bytes (0 = all)
	MaxDecompressed    int   // per-batch decompression cap (0 = default)
	// RecordFormatter, when set, renders key/value of non-control records
	// instead of the decoders (--offsets-decoder, --transaction-log-decoder).
	RecordFormatter RecordFormatter
	// StartPosition, when > 0, starts reading at this byte position (an
	// index lookup for --from-offset); it must be a batch boundary.
	StartPosition int64
	// Workers > 1 decodes and formats batches of a deep iteration on that
	// many goroutines, writing in order: the output is byte-identical to the
	// serial path (without a RecordFormatter, which stays serial).
	Workers int
}

// RecordFormatter renders the key and value of a record for a special decoder.
type RecordFormatter interface {
	// Text returns the key and payload strings for the text output (ok=false
	// to print nothing for this part).
	Text(rec *format.Record) (key string, keyOK bool, payload string, payloadOK bool)
	// AppendJSON appends a JSON value describing the record's key/value.
	AppendJSON(dst []byte, rec *format.Record) []byte
}

// Problem is corruption or a torn tail found while dumping.
type Problem struct {
	Type     string // "corruption" or "truncated"
	File     string
	Position int64
	Offset   int64
	Reason   string
	Detail   string
	Bytes    int64
}

// OffsetGap is a non-consecutive offset pair (deep iteration only).
type OffsetGap struct{ Prev, Next int64 }

// maxGaps bounds how many non-consecutive pairs are kept (counts continue).
const maxGaps = 1000

// LogResult summarises a dumped segment.
type LogResult struct {
	Batches        int64
	Records        int64
	InvalidBatches int64 // CRC mismatches
	ValidBytes     int64
	Problems       []Problem
	Gaps           []OffsetGap
	GapCount       int64
}

// Failed reports whether the dump found anything wrong (exit code 1).
func (r *LogResult) Failed() bool { return len(r.Problems) > 0 || r.InvalidBatches > 0 }

// LogFile dumps the segment at path. displayPath is printed in "Dumping …"
// (the path exactly as given, like DumpLogSegments). The returned error is an
// I/O error; corruption is reported in the result.
func LogFile(w io.Writer, path, displayPath string, opts LogOptions) (*LogResult, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	name := filepath.Base(path)
	base, _, ok := parseStartOffset(name)
	snapOffset, snapEpoch, snapOK := metadata.ParseSnapshotName(name)
	bw := bufio.NewWriterSize(w, 64<<10)
	d := newLogDumper(bw, name, displayPath, opts)
	if opts.JSON {
		d.buf = append(d.buf[:0], `{"type":"file","schemaVersion":`...)
		d.buf = strconv.AppendInt(d.buf, SchemaVersion, 10)
		d.buf = append(d.buf, `,"file":`...)
		d.buf = appendJSONStr(d.buf, displayPath)
		if ok {
			d.buf = append(d.buf, `,"logStartOffset":`...)
			d.buf = strconv.AppendInt(d.buf, base, 10)
		}
		if snapOK {
			d.buf = append(d.buf, `,"snapshotEndOffset":`...)
			d.buf = strconv.AppendInt(d.buf, snapOffset, 10)
			d.buf = append(d.buf, `,"snapshotEpoch":`...)
			d.buf = strconv.AppendInt(d.buf, int64(snapEpoch), 10)
		}
		d.buf = append(d.buf, "}\n"...)
		bw.Write(d.buf)
	} else {
		fmt.Fprintf(bw, "Dumping %s\n", displayPath)
		if ok {
			fmt.Fprintf(bw, "Log starting offset: %d\n", base)
		}
		// DumpLogSegments' header lines for KRaft snapshots.
		if name == metadata.BootstrapFileName {
			fmt.Fprintf(bw, "KRaft bootstrap snapshot\n")
		} else if snapOK {
			fmt.Fprintf(bw, "Snapshot end offset: %d, epoch: %d\n", snapOffset, snapEpoch)
		}
	}
	res, err := d.run(f, st.Size())
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	return res, err
}

func parseStartOffset(name string) (int64, string, bool) {
	for i := 0; i < len(name); i++ {
		if name[i] == '.' {
			v, err := strconv.ParseInt(name[:i], 10, 64)
			return v, name[i:], err == nil
		}
	}
	return 0, "", false
}

type logDumper struct {
	w           io.Writer // the bufio.Writer, or a parallel job's buffer
	name        string
	displayPath string
	opts        LogOptions
	buf         []byte
	scratch     []byte
	res         LogResult
	lastOffset  int64
	firstOffset int64 // first record offset seen (-1 none): joins parallel jobs' gap reports
	dec         *format.RecordDecoder
}

func newLogDumper(w *bufio.Writer, name, displayPath string, opts LogOptions) *logDumper {
	if opts.PrintData || opts.RecordFormatter != nil {
		opts.Deep = true
	}
	return &logDumper{w: w, name: name, displayPath: displayPath, opts: opts, lastOffset: -1, firstOffset: -1,
		dec: format.NewRecordDecoder(format.DecoderOptions{File: name, MaxDecompressedSize: opts.MaxDecompressed})}
}

func (d *logDumper) run(r io.ReaderAt, size int64) (*LogResult, error) {
	o := d.opts
	var p *pipeline
	if o.Deep && o.Workers > 1 && o.RecordFormatter == nil {
		p = d.startPipeline(o.Workers)
		defer p.stop()
	}
	ropts := format.ReaderOptions{File: d.name, End: o.MaxBytes, Start: o.StartPosition}
	br := format.NewBatchReader(r, size, ropts)
	var position int64 = o.StartPosition // running sum, as DumpLogSegments prints
	for {
		b, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if p != nil {
				// Problems are written in order: after every batch before them.
				if err := p.drain(); err != nil {
					return &d.res, err
				}
			}
			var ce *format.CorruptionError
			var te *format.TruncatedError
			switch {
			case errors.As(err, &te):
				d.problem(Problem{Type: "truncated", File: d.name, Position: te.Position, Offset: -1, Reason: te.Kind.String(), Bytes: te.Bytes,
					Detail: fmt.Sprintf("%d bytes at the end do not form a complete batch", te.Bytes)})
				if !o.JSON {
					fmt.Fprintf(d.w, "Found %d invalid bytes at the end of %s\n", te.Bytes, d.name)
				}
			case errors.As(err, &ce):
				d.problem(Problem{Type: "corruption", File: d.name, Position: ce.Position, Offset: ce.Offset, Reason: ce.Reason.String(), Detail: ce.Detail, Bytes: size - ce.Position})
			default:
				d.res.ValidBytes = br.ValidBytes()
				return &d.res, err
			}
			break
		}
		if o.FromOffset >= 0 && b.LastOffset() < o.FromOffset {
			position += b.Size()
			continue
		}
		if o.ToOffset >= 0 && b.BaseOffset > o.ToOffset && (b.Magic >= 2 || b.LastOffset() > o.ToOffset) {
			break
		}
		d.res.Batches++
		if b.CRCChecked && !b.Valid {
			d.res.InvalidBatches++
		}
		if p != nil && b.Raw != nil && b.Size() <= parallelMaxBatch {
			p.add(b, position)
		} else {
			if p != nil {
				if err := p.drain(); err != nil {
					return &d.res, err
				}
			}
			if err := d.batch(b, position); err != nil {
				return &d.res, err
			}
		}
		position += b.Size()
	}
	if p != nil {
		if err := p.drain(); err != nil {
			return &d.res, err
		}
	}
	d.res.ValidBytes = br.ValidBytes()
	return &d.res, nil
}

func (d *logDumper) problem(p Problem) {
	d.res.Problems = append(d.res.Problems, p)
	if d.opts.JSON {
		d.buf = appendProblemJSON(d.buf[:0], p)
		d.w.Write(d.buf)
	}
}

func appendProblemJSON(dst []byte, p Problem) []byte {
	dst = append(dst, `{"type":`...)
	dst = appendJSONStr(dst, p.Type)
	dst = append(dst, `,"file":`...)
	dst = appendJSONStr(dst, p.File)
	dst = append(dst, `,"position":`...)
	dst = strconv.AppendInt(dst, p.Position, 10)
	dst = append(dst, `,"offset":`...)
	dst = strconv.AppendInt(dst, p.Offset, 10)
	dst = append(dst, `,"reason":`...)
	dst = appendJSONStr(dst, p.Reason)
	dst = append(dst, `,"detail":`...)
	dst = appendJSONStr(dst, p.Detail)
	dst = append(dst, `,"bytes":`...)
	dst = strconv.AppendInt(dst, p.Bytes, 10)
	return append(dst, "}\n"...)
}

func (d *logDumper) batch(b *format.Batch, position int64) error {
	o := d.opts
	if o.JSON {
		d.buf = d.appendBatchJSON(d.buf[:0], b, position)
	} else {
		d.buf = appendBatchText(d.buf[:0], b, position)
		d.buf = append(d.buf, '\n')
	}
	if !o.Deep {
		if o.JSON {
			d.buf = append(d.buf, "}\n"...)
		}
		_, err := d.w.Write(d.buf)
		return err
	}
	if o.JSON {
		d.buf = append(d.buf, `,"records":[`...)
	}
	var deepErr *format.CorruptionError
	if err := d.dec.Reset(b); err != nil {
		deepErr = d.asCorruption(err, b)
	} else {
		first := true
		for {
			rec, err := d.dec.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				deepErr = d.asCorruption(err, b)
				break
			}
			d.res.Records++
			if d.lastOffset < 0 {
				d.firstOffset = rec.Offset
			} else if rec.Offset != d.lastOffset+1 {
				if len(d.res.Gaps) < maxGaps {
					d.res.Gaps = append(d.res.Gaps, OffsetGap{d.lastOffset, rec.Offset})
				}
				d.res.GapCount++
			}
			d.lastOffset = rec.Offset
			if o.JSON {
				if !first {
					d.buf = append(d.buf, ',')
				}
				first = false
				d.buf = d.appendRecordJSON(d.buf, b, rec)
			} else {
				d.buf = d.appendRecordText(d.buf, b, rec)
			}
			if len(d.buf) > 32<<10 {
				if _, err := d.w.Write(d.buf); err != nil {
					return err
				}
				d.buf = d.buf[:0]
			}
		}
	}
	if o.JSON {
		d.buf = append(d.buf, "]}\n"...)
	}
	if _, err := d.w.Write(d.buf); err != nil {
		return err
	}
	if deepErr != nil {
		if deepErr.File == "" {
			deepErr.File = d.name
		}
		d.problem(Problem{Type: "corruption", File: d.name, Position: deepErr.Position, Offset: deepErr.Offset, Reason: deepErr.Reason.String(), Detail: deepErr.Detail, Bytes: b.Size()})
	}
	return nil
}

// asCorruption returns err as a *CorruptionError (wrapping any other error
// as one at the batch). Kept out of batch() so that batch's own variable
// does not escape to the heap on every call.
func (d *logDumper) asCorruption(err error, b *format.Batch) *format.CorruptionError {
	var ce *format.CorruptionError
	if errors.As(err, &ce) {
		return ce
	}
	return &format.CorruptionError{File: d.name, Position: b.Position, Offset: b.BaseOffset, Reason: format.ReasonUnknown, Detail: err.Error()}
}

// appendBatchText renders DumpLogSegments' batch line (Kafka ≥ 3.2 layout).
func appendBatchText(dst []byte, b *format.Batch, position int64) []byte {
	if b.Magic >= 2 {
		dst = append(dst, "baseOffset: "...)
		dst = strconv.AppendInt(dst, b.BaseOffset, 10)
		dst = append(dst, " lastOffset: "...)
		dst = strconv.AppendInt(dst, b.LastOffset(), 10)
		dst = append(dst, " count: "...)
		dst = strconv.AppendInt(dst, int64(b.NumRecords), 10)
		dst = append(dst, " baseSequence: "...)
		dst = strconv.AppendInt(dst, int64(b.BaseSequence), 10)
		dst = append(dst, " lastSequence: "...)
		dst = strconv.AppendInt(dst, int64(b.LastSequence()), 10)
		dst = append(dst, " producerId: "...)
		dst = strconv.AppendInt(dst, b.ProducerID, 10)
		dst = append(dst, " producerEpoch: "...)
		dst = strconv.AppendInt(dst, int64(b.ProducerEpoch), 10)
		dst = append(dst, " partitionLeaderEpoch: "...)
		dst = strconv.AppendInt(dst, int64(b.PartitionLeaderEpoch), 10)
		dst = append(dst, " isTransactional: "...)
		dst = strconv.AppendBool(dst, b.IsTransactional())
		dst = append(dst, " isControl: "...)
		dst = strconv.AppendBool(dst, b.IsControl())
		dst = append(dst, " deleteHorizonMs: "...)
		if h, ok := b.DeleteHorizonMs(); ok {
			dst = append(dst, "OptionalLong["...)
			dst = strconv.AppendInt(dst, h, 10)
			dst = append(dst, ']')
		} else {
			dst = append(dst, "OptionalLong.empty"...)
		}
		dst = append(dst, " position: "...)
	} else {
		dst = append(dst, "offset: "...)
		dst = strconv.AppendInt(dst, b.LastOffset(), 10)
		dst = append(dst, " position: "...)
	}
	dst = strconv.AppendInt(dst, position, 10)
	dst = append(dst, ' ')
	dst = append(dst, b.TimestampType().String()...)
	dst = append(dst, ": "...)
	dst = strconv.AppendInt(dst, b.MaxTimestamp, 10)
	dst = append(dst, " size: "...)
	dst = strconv.AppendInt(dst, b.Size(), 10)
	dst = append(dst, " magic: "...)
	dst = strconv.AppendInt(dst, int64(b.Magic), 10)
	dst = append(dst, " compresscodec: "...)
	dst = append(dst, b.Compression().String()...)
	dst = append(dst, " crc: "...)
	dst = strconv.AppendUint(dst, uint64(b.CRC), 10)
	dst = append(dst, " isvalid: "...)
	return strconv.AppendBool(dst, !b.CRCChecked || b.Valid)
}

// appendRecordText renders a "| offset: …" line (Java DumpLogSegments).
func (d *logDumper) appendRecordText(dst []byte, b *format.Batch, rec *format.Record) []byte {
	o := d.opts
	var ctl format.ControlRecord
	var ctlErr error
	if b.IsControl() {
		ctl, ctlErr = format.ParseControlRecord(rec.Key, rec.Value)
	}
	wrote := false
	if !o.SkipRecordMetadata {
		wrote = true
		dst = append(dst, "| offset: "...)
		dst = strconv.AppendInt(dst, rec.Offset, 10)
		dst = append(dst, ' ')
		dst = append(dst, rec.TimestampType.String()...)
		dst = append(dst, ": "...)
		dst = strconv.AppendInt(dst, rec.Timestamp, 10)
		dst = append(dst, " keySize: "...)
		dst = strconv.AppendInt(dst, int64(rec.KeySize), 10)
		dst = append(dst, " valueSize: "...)
		dst = strconv.AppendInt(dst, int64(rec.ValueSize), 10)
		if b.Magic >= 2 {
			dst = append(dst, " sequence: "...)
			dst = strconv.AppendInt(dst, int64(rec.Sequence), 10)
			dst = append(dst, " headerKeys: ["...)
			for i, h := range rec.Headers {
				if i > 0 {
					dst = append(dst, ',')
				}
				dst = appendDecoded(dst, h.Key, DecodeString, ",]")
			}
			dst = append(dst, ']')
		} else {
			dst = append(dst, " isValid: "...)
			dst = strconv.AppendBool(dst, rec.Valid)
			dst = append(dst, " crc: "...)
			dst = strconv.AppendUint(dst, uint64(rec.CRC), 10)
		}
		if b.IsControl() {
			switch {
			case ctlErr != nil:
				dst = append(dst, " controlType: INVALID("...)
				dst = appendDecoded(dst, []byte(ctlErr.Error()), DecodeString, "")
				dst = append(dst, ')')
			case ctl.IsMarker():
				dst = append(dst, " endTxnMarker: "...)
				dst = append(dst, ctl.Type.String()...)
				dst = append(dst, " coordinatorEpoch: "...)
				dst = strconv.AppendInt(dst, int64(ctl.CoordinatorEpoch), 10)
			default:
				if out, ok := appendKRaftControlText(dst, ctl.RawType, rec.Value); ok {
					dst = out
					break
				}
				dst = append(dst, " controlType: "...)
				dst = append(dst, ctl.Type.String()...)
				dst = append(dst, '(')
				dst = strconv.AppendInt(dst, int64(ctl.RawType), 10)
				dst = append(dst, ')')
			}
		}
	}
	if o.PrintData && !b.IsControl() {
		prefix := func() {
			if !wrote {
				dst = append(dst, "| "...)
				wrote = true
			} else {
				dst = append(dst, ' ')
			}
		}
		if o.RecordFormatter != nil {
			k, kok, v, vok := o.RecordFormatter.Text(rec)
			if kok {
				prefix()
				dst = append(dst, "key: "...)
				dst = append(dst, k...)
			}
			if vok {
				prefix()
				dst = append(dst, "payload: "...)
				dst = append(dst, v...)
			}
		} else {
			dst = appendRecordDataText(dst, wrote, rec.Key, rec.Value, rec.Headers, o.KeyDecoder, o.ValueDecoder)
		}
	}
	return append(dst, '\n')
}

// appendRecordDataText appends a record's "key: … payload: … headers: […]"
// parts (each only when present), separated by spaces; the first part is
// preceded by "| " when nothing was written on the line yet (wrote false),
// else by a space. dump --print-data-log and find share it.
func appendRecordDataText(dst []byte, wrote bool, key, value []byte, headers []format.Header, kd, vd Decoder) []byte {
	prefix := func() {
		if !wrote {
			dst = append(dst, "| "...)
			wrote = true
		} else {
			dst = append(dst, ' ')
		}
	}
	if key != nil {
		prefix()
		dst = append(dst, "key: "...)
		dst = appendDecoded(dst, key, kd, "")
	}
	if value != nil {
		prefix()
		dst = append(dst, "payload: "...)
		dst = appendDecoded(dst, value, vd, "")
	}
	if len(headers) > 0 {
		prefix()
		dst = append(dst, "headers: ["...)
		for i, h := range headers {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = appendDecoded(dst, h.Key, DecodeString, ",=]")
			if h.Value == nil {
				dst = append(dst, "=null"...)
			} else {
				dst = append(dst, '=')
				dst = appendDecoded(dst, h.Value, vd, ",=]")
			}
		}
		dst = append(dst, ']')
	}
	return dst
}

func (d *logDumper) appendBatchJSON(dst []byte, b *format.Batch, position int64) []byte {
	dst = append(dst, `{"type":"batch","file":`...)
	dst = appendJSONStr(dst, d.displayPath)
	if b.Magic >= 2 {
		dst = append(dst, `,"baseOffset":`...)
		dst = strconv.AppendInt(dst, b.BaseOffset, 10)
		dst = append(dst, `,"lastOffset":`...)
		dst = strconv.AppendInt(dst, b.LastOffset(), 10)
		dst = append(dst, `,"count":`...)
		dst = strconv.AppendInt(dst, int64(b.NumRecords), 10)
		dst = append(dst, `,"baseSequence":`...)
		dst = strconv.AppendInt(dst, int64(b.BaseSequence), 10)
		dst = append(dst, `,"lastSequence":`...)
		dst = strconv.AppendInt(dst, int64(b.LastSequence()), 10)
		dst = append(dst, `,"producerId":`...)
		dst = strconv.AppendInt(dst, b.ProducerID, 10)
		dst = append(dst, `,"producerEpoch":`...)
		dst = strconv.AppendInt(dst, int64(b.ProducerEpoch), 10)
		dst = append(dst, `,"partitionLeaderEpoch":`...)
		dst = strconv.AppendInt(dst, int64(b.PartitionLeaderEpoch), 10)
		dst = append(dst, `,"isTransactional":`...)
		dst = strconv.AppendBool(dst, b.IsTransactional())
		dst = append(dst, `,"isControl":`...)
		dst = strconv.AppendBool(dst, b.IsControl())
		dst = append(dst, `,"deleteHorizonMs":`...)
		if h, ok := b.DeleteHorizonMs(); ok {
			dst = strconv.AppendInt(dst, h, 10)
		} else {
			dst = append(dst, "null"...)
		}
	} else {
		dst = append(dst, `,"offset":`...)
		dst = strconv.AppendInt(dst, b.LastOffset(), 10)
	}
	dst = append(dst, `,"position":`...)
	dst = strconv.AppendInt(dst, position, 10)
	dst = append(dst, `,"timestampType":"`...)
	dst = append(dst, b.TimestampType().String()...)
	dst = append(dst, `","maxTimestamp":`...)
	dst = strconv.AppendInt(dst, b.MaxTimestamp, 10)
	dst = append(dst, `,"size":`...)
	dst = strconv.AppendInt(dst, b.Size(), 10)
	dst = append(dst, `,"magic":`...)
	dst = strconv.AppendInt(dst, int64(b.Magic), 10)
	dst = append(dst, `,"compresscodec":"`...)
	dst = append(dst, b.Compression().String()...)
	dst = append(dst, `","crc":`...)
	dst = strconv.AppendUint(dst, uint64(b.CRC), 10)
	dst = append(dst, `,"isvalid":`...)
	return strconv.AppendBool(dst, !b.CRCChecked || b.Valid)
}

func (d *logDumper) appendRecordJSON(dst []byte, b *format.Batch, rec *format.Record) []byte {
	o := d.opts
	dst = append(dst, `{"offset":`...)
	dst = strconv.AppendInt(dst, rec.Offset, 10)
	dst = append(dst, `,"timestamp":`...)
	dst = strconv.AppendInt(dst, rec.Timestamp, 10)
	dst = append(dst, `,"keySize":`...)
	dst = strconv.AppendInt(dst, int64(rec.KeySize), 10)
	dst = append(dst, `,"valueSize":`...)
	dst = strconv.AppendInt(dst, int64(rec.ValueSize), 10)
	if b.Magic >= 2 {
		dst = append(dst, `,"sequence":`...)
		dst = strconv.AppendInt(dst, int64(rec.Sequence), 10)
	} else {
		dst = append(dst, `,"isValid":`...)
		dst = strconv.AppendBool(dst, rec.Valid)
		dst = append(dst, `,"crc":`...)
		dst = strconv.AppendUint(dst, uint64(rec.CRC), 10)
	}
	if b.IsControl() {
		ctl, err := format.ParseControlRecord(rec.Key, rec.Value)
		dst = append(dst, `,"controlType":`...)
		if err != nil {
			dst = append(dst, `"INVALID","controlError":`...)
			dst = appendJSONStr(dst, err.Error())
		} else {
			dst = appendJSONStr(dst, ctl.Type.String())
			dst = append(dst, `,"controlTypeId":`...)
			dst = strconv.AppendInt(dst, int64(ctl.RawType), 10)
			if ctl.IsMarker() {
				dst = append(dst, `,"coordinatorEpoch":`...)
				dst = strconv.AppendInt(dst, int64(ctl.CoordinatorEpoch), 10)
			} else {
				dst = appendKRaftControlJSON(dst, ctl.RawType, rec.Value)
			}
		}
	}
	if o.PrintData && !b.IsControl() {
		if o.RecordFormatter != nil {
			dst = append(dst, `,"decoded":`...)
			dst = o.RecordFormatter.AppendJSON(dst, rec)
		} else {
			dst = appendRecordKeyPayloadJSON(dst, rec.Key, rec.Value, o.KeyDecoder, o.ValueDecoder, &d.scratch)
		}
		if b.Magic >= 2 {
			dst = appendRecordHeadersJSON(dst, rec.Headers, o.ValueDecoder, &d.scratch)
		}
	} else if b.Magic >= 2 {
		dst = d.appendHeaderKeys(dst, rec.Headers)
	}
	return append(dst, '}')
}

// appendHeaderKeys appends `,"headerKeys":[...]` (header keys without
// --print-data-log). Keys that are not valid UTF-8 are base64, and then a
// parallel `"headerKeyEncodings"` array names each key's encoding ("utf8" or
// "base64").
func (d *logDumper) appendHeaderKeys(dst []byte, hs []format.Header) []byte {
	dst = append(dst, `,"headerKeys":[`...)
	binary := false
	for i, h := range hs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if jsonBinary(h.Key, false, DecodeString) {
			binary = true
			dst = append(dst, '"')
			dst = base64.StdEncoding.AppendEncode(dst, h.Key)
			dst = append(dst, '"')
			continue
		}
		dst = appendJSONDecoded(dst, h.Key, false, DecodeString, &d.scratch)
	}
	dst = append(dst, ']')
	if !binary {
		return dst
	}
	dst = append(dst, `,"headerKeyEncodings":[`...)
	for i, h := range hs {
		if i > 0 {
			dst = append(dst, ',')
		}
		if jsonBinary(h.Key, false, DecodeString) {
			dst = append(dst, `"base64"`...)
		} else {
			dst = append(dst, `"utf8"`...)
		}
	}
	return append(dst, ']')
}

// appendRecordKeyPayloadJSON appends a record's `,"key":…,"payload":…`
// members (null for null). Not valid UTF-8 under the string decoder: base64
// with "keyEncoding"/"payloadEncoding":"base64" (appendJSONField). dump
// --print-data-log --json and find share it.
func appendRecordKeyPayloadJSON(dst []byte, key, value []byte, kd, vd Decoder, scratch *[]byte) []byte {
	dst = appendJSONField(append(dst, ','), "key", key, key == nil, kd, scratch)
	return appendJSONField(append(dst, ','), "payload", value, value == nil, vd, scratch)
}

// appendRecordHeadersJSON appends a record's `,"headers":[…]` member.
func appendRecordHeadersJSON(dst []byte, headers []format.Header, vd Decoder, scratch *[]byte) []byte {
	dst = append(dst, `,"headers":[`...)
	for i, h := range headers {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendJSONField(append(dst, '{'), "key", h.Key, false, DecodeString, scratch)
		dst = appendJSONField(append(dst, ','), "value", h.Value, h.Value == nil, vd, scratch)
		dst = append(dst, '}')
	}
	return append(dst, ']')
}

// WriteGaps writes DumpLogSegments' end-of-run stderr report for a log:
// the non-consecutive offsets block.
func WriteGaps(w io.Writer, absPath string, r *LogResult) {
	if len(r.Gaps) == 0 {
		return
	}
	fmt.Fprintf(w, "Non-consecutive offsets in %s\n", absPath)
	for _, g := range r.Gaps {
		fmt.Fprintf(w, "  %d is followed by %d\n", g.Prev, g.Next)
	}
	if r.GapCount > int64(len(r.Gaps)) {
		fmt.Fprintf(w, "  ... and %d more\n", r.GapCount-int64(len(r.Gaps)))
	}
}
