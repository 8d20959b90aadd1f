package appender

import (
	"errors"
	"fmt"
	"io"

	"github.com/kseg/kseg/format"
)

// Transaction says whether EncodeBatches wraps its records in a transaction.
type Transaction uint8

// Transaction outcomes.
const (
	TxnNone   Transaction = iota
	TxnCommit             // transactional batches, then a COMMIT marker
	TxnAbort              // transactional batches, then an ABORT marker
)

// ParseTransaction maps "", "commit" or "abort" to a Transaction.
func ParseTransaction(s string) (Transaction, error) {
	switch s {
	case "", "none":
		return TxnNone, nil
	case "commit":
		return TxnCommit, nil
	case "abort":
		return TxnAbort, nil
	}
	return 0, fmt.Errorf("kseg/appender: unknown transaction outcome %q (want commit or abort)", s)
}

// Encoding defaults.
const (
	DefaultBatchRecords = 100
	DefaultBatchBytes   = 1 << 20 // below the broker's default max.message.bytes (1048588)
)

// EncodeOptions says how EncodeBatches groups and encodes records.
type EncodeOptions struct {
	Magic         int8 // 0, 1 or 2
	Compression   format.Compression
	TimestampType format.TimestampType // CreateTime or LogAppendTime
	// BatchRecords and BatchBytes close a batch once it holds that many
	// records, or before a record would take its uncompressed size past
	// BatchBytes (a single larger record gets a batch of its own).
	BatchRecords int
	BatchBytes   int
	// Idempotent/transactional producer fields (v2 only). ProducerID < 0
	// means none; BaseSequence is the first batch's, and later batches
	// continue from it (wrapping past MaxInt32 to 0, as Kafka does).
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	// Transaction wraps all batches in one transaction ended by a marker
	// with CoordinatorEpoch. It needs ProducerID and ProducerEpoch >= 0.
	Transaction      Transaction
	CoordinatorEpoch int32
	// Now (ms) stamps LogAppendTime batches and the transaction marker.
	Now int64
}

// Validate checks combinations Kafka would refuse.
func (o *EncodeOptions) Validate() error {
	switch {
	case o.Magic < 0 || o.Magic > 2:
		return fmt.Errorf("kseg/appender: magic %d (want 0, 1 or 2)", o.Magic)
	case o.Compression < format.CompressionNone || o.Compression > format.CompressionZstd:
		return fmt.Errorf("kseg/appender: unknown compression %d", o.Compression)
	case o.Compression == format.CompressionZstd && o.Magic < 2:
		return fmt.Errorf("kseg/appender: zstd needs magic 2 (Kafka: \"ZStandard compression is not supported for magic %d\")", o.Magic)
	case o.Magic < 2 && o.ProducerID >= 0:
		return fmt.Errorf("kseg/appender: producer id needs magic 2")
	case o.Transaction != TxnNone && (o.Magic < 2 || o.ProducerID < 0 || o.ProducerEpoch < 0):
		return errors.New("kseg/appender: a transaction needs magic 2, a producer id and a producer epoch")
	case o.ProducerID >= 0 && o.BaseSequence < 0 && o.Transaction != TxnNone:
		return errors.New("kseg/appender: transactional batches need a base sequence >= 0")
	case o.Magic == 0 && o.TimestampType == format.LogAppendTime:
		return errors.New("kseg/appender: magic 0 has no timestamps")
	}
	return nil
}

func (o *EncodeOptions) setDefaults() {
	if o.BatchRecords <= 0 {
		o.BatchRecords = DefaultBatchRecords
	}
	if o.BatchBytes <= 0 {
		o.BatchBytes = DefaultBatchBytes
	}
	if o.ProducerID < 0 {
		o.ProducerID, o.ProducerEpoch, o.BaseSequence = -1, -1, -1
	}
}

// recordSizeEstimate is an upper bound of a record's uncompressed encoded
// size (DefaultRecord.MAX_RECORD_OVERHEAD plus payloads).
func recordSizeEstimate(m *format.Message) int {
	n := format.MaxRecordOverhead + len(m.Key) + len(m.Value)
	for _, h := range m.Headers {
		n += 10 + len(h.Key) + len(h.Value)
	}
	return n
}

// EncodeBatches groups msgs into batches and encodes them, the first at
// baseOffset (only magic 0 compressed wrappers depend on it; Append assigns
// the others). With a transaction, the marker batch comes last. The whole
// input is encoded before anything is written, so an encoding error leaves
// the partition untouched.
func EncodeBatches(msgs []format.Message, o EncodeOptions, baseOffset int64) ([][]byte, error) {
	if err := o.Validate(); err != nil {
		return nil, err
	}
	o.setDefaults()
	var out [][]byte
	seq := o.BaseSequence
	offset := baseOffset
	for start := 0; start < len(msgs); {
		end, size := start, 0
		for end < len(msgs) && end-start < o.BatchRecords {
			s := recordSizeEstimate(&msgs[end])
			if end > start && size+s > o.BatchBytes {
				break
			}
			size += s
			end++
		}
		bo := format.BatchOptions{
			Magic: o.Magic, Compression: o.Compression, TimestampType: o.TimestampType, LogAppendTime: o.Now,
			BaseOffset: offset, PartitionLeaderEpoch: -1,
			ProducerID: o.ProducerID, ProducerEpoch: o.ProducerEpoch, BaseSequence: -1,
			Transactional: o.Transaction != TxnNone,
		}
		if o.ProducerID >= 0 && seq >= 0 {
			bo.BaseSequence = seq
			seq = format.IncrementSequence(seq, int32(end-start))
		}
		b, err := format.AppendBatch(nil, bo, msgs[start:end])
		if err != nil {
			return nil, fmt.Errorf("kseg/appender: encode records %d..%d: %w", start+1, end, err)
		}
		if o.Magic < 2 && o.Compression == format.CompressionNone {
			// An uncompressed legacy message set is one entry per record;
			// Append takes them one at a time.
			for len(b) > 0 {
				bt, err := format.DecodeBatch(b)
				if err != nil {
					return nil, fmt.Errorf("kseg/appender: split message set: %w", err)
				}
				out = append(out, b[:bt.Size():bt.Size()])
				b = b[bt.Size():]
			}
		} else {
			out = append(out, b)
		}
		offset += int64(end - start)
		start = end
	}
	if o.Transaction != TxnNone && len(out) > 0 {
		t := format.ControlCommit
		if o.Transaction == TxnAbort {
			t = format.ControlAbort
		}
		bo := format.BatchOptions{Magic: 2, BaseOffset: offset, PartitionLeaderEpoch: -1,
			ProducerID: o.ProducerID, ProducerEpoch: o.ProducerEpoch}
		b, err := format.AppendEndTxnMarker(nil, bo, t, o.CoordinatorEpoch, o.Now)
		if err != nil {
			return nil, fmt.Errorf("kseg/appender: encode transaction marker: %w", err)
		}
		out = append(out, b)
	}
	return out, nil
}

// Summary describes what an append wrote.
type Summary struct {
	Dir            string `json:"dir"`
	Topic          string `json:"topic"`
	Partition      int32  `json:"partition"`
	TopicID        string `json:"topicId,omitempty"`
	Created        bool   `json:"created"`
	LeaderEpoch    int32  `json:"leaderEpoch"`
	FirstOffset    int64  `json:"firstOffset"` // -1 when nothing was written
	LastOffset     int64  `json:"lastOffset"`  // -1 when nothing was written
	NextOffset     int64  `json:"nextOffset"`
	Batches        int    `json:"batches"`
	Records        int64  `json:"records"` // data records, control records excluded
	Bytes          int64  `json:"bytes"`
	SegmentsRolled int    `json:"segmentsRolled"`
}

// AppendAll appends batches in order with Append. It stops at the first
// error; the batches before it stay appended (each is complete and valid)
// and are counted in the returned Summary.
func (w *Writer) AppendAll(batches [][]byte) (Summary, error) {
	s := Summary{Dir: w.dir, Topic: w.topic, Partition: w.partition, Created: w.created,
		LeaderEpoch: w.epoch, FirstOffset: -1, LastOffset: -1}
	if !w.topicID.IsZero() {
		s.TopicID = w.topicID.String()
	}
	rolled := w.SegmentsRolled()
	var err error
	for _, b := range batches {
		var bt *format.Batch
		if bt, err = format.DecodeBatch(b); err != nil {
			err = fmt.Errorf("%w: %v", ErrInvalidBatch, err)
			break
		}
		records, control := int64(bt.NumRecords), bt.IsControl()
		var base int64
		if base, err = w.Append(b); err != nil {
			break
		}
		if s.FirstOffset < 0 {
			s.FirstOffset = base
		}
		next := w.NextOffset()
		s.LastOffset = next - 1
		if bt.Magic < 2 {
			records = next - base
		}
		if !control {
			s.Records += records
		}
		s.Batches++
		s.Bytes += int64(len(b))
	}
	s.NextOffset = w.NextOffset()
	s.SegmentsRolled = w.SegmentsRolled() - rolled
	return s, err
}

// AppendInput is `kseg append`: it reads and validates the whole input
// before touching the partition, opens (or creates) the partition dir,
// encodes every batch, and only then writes. So bad input or an encoding
// error leaves the partition untouched; an I/O error while writing leaves the
// batches appended before it (see AppendAll). Memory is proportional to the
// input.
func AppendInput(dir string, in io.Reader, ino InputOptions, eo EncodeOptions, wo Options) (Summary, error) {
	var msgs []format.Message
	var raw [][]byte
	var err error
	if ino.Format == InputRawBatches {
		if eo.Transaction != TxnNone {
			return Summary{}, errors.New("kseg/appender: --transaction does not apply to raw batches")
		}
		raw, err = ReadRawBatches(in)
	} else {
		if err = eo.Validate(); err != nil {
			return Summary{}, err
		}
		ino.NoHeaders = eo.Magic < 2
		msgs, err = ReadMessages(in, ino)
	}
	if err != nil {
		return Summary{}, err
	}
	w, err := Open(dir, wo)
	if err != nil {
		return Summary{}, err
	}
	if raw == nil {
		raw, err = EncodeBatches(msgs, eo, w.NextOffset())
		if err != nil {
			return Summary{}, errors.Join(err, w.Close())
		}
	}
	s, err := w.AppendAll(raw)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return s, err
}
