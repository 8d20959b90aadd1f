package metadata

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
)

// Entry is one record of a metadata log segment or snapshot, decoded.
// Exactly one of Record and Control is set. Entries passed to a WalkFunc
// are freshly allocated and may be retained.
type Entry struct {
	Offset      int64
	Timestamp   int64
	LeaderEpoch int32 // the batch's partitionLeaderEpoch (the Raft epoch)
	BatchBase   int64
	Record      *Record  // a metadata record (non-control batch)
	Control     *Control // a KRaft control record (nil for other control types)
	ControlType int16    // the control type when the batch is a control batch, else -1
}

// WalkFunc receives each entry in file order; a non-nil error stops the walk
// and is returned.
type WalkFunc func(e *Entry) error

// WalkStats summarises one walked file.
type WalkStats struct {
	Batches       int64
	Records       int64
	Undecoded     int64 // records whose Record.Err or Control.Err is set
	ValidBytes    int64
	Size          int64
	FirstOffset   int64 // -1 when the file holds no records
	NextOffset    int64 // offset after the last record
	LastEpoch     int32
	LastTimestamp int64
}

// WalkFile decodes every record of a __cluster_metadata .log segment or a
// .checkpoint snapshot (both are plain record-batch files: kafka
// raft/src/main/java/org/apache/kafka/snapshot/Snapshots.java). Structural
// corruption of the batch stream stops the walk and is returned
// (*format.CorruptionError or *format.TruncatedError); undecodable record
// bodies are not errors, they are reported in the entry.
func WalkFile(path string, fn WalkFunc) (*WalkStats, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return walk(f, fi.Size(), filepath.Base(path), -1, fn)
}

// Walk is WalkFile over an io.ReaderAt of size bytes; name is used in errors.
func Walk(r io.ReaderAt, size int64, name string, fn WalkFunc) (*WalkStats, error) {
	return walk(r, size, name, -1, fn)
}

func walk(r io.ReaderAt, size int64, name string, from int64, fn WalkFunc) (*WalkStats, error) {
	return walkRecords(r, size, name, from, nil, func(b *format.Batch, rec *format.Record, st *WalkStats) error {
		return fn(decodeEntry(b, rec, st))
	})
}

// decodeEntry builds the freshly allocated Entry of one record of b,
// counting an undecodable body in st.Undecoded.
func decodeEntry(b *format.Batch, rec *format.Record, st *WalkStats) *Entry {
	var e *Entry
	control := b.IsControl()
	if control {
		e = &Entry{}
	} else {
		// One allocation for the entry and its record.
		pair := &entryRecord{}
		e, pair.e.Record = &pair.e, &pair.r
	}
	e.Offset, e.Timestamp, e.LeaderEpoch, e.BatchBase, e.ControlType = rec.Offset, rec.Timestamp, b.PartitionLeaderEpoch, b.BaseOffset, -1
	if !control {
		if decodeRecordInto(e.Record, rec.Value) != nil {
			st.Undecoded++
		}
		return e
	}
	ctl, cerr := format.ParseControlRecord(rec.Key, rec.Value)
	if cerr != nil {
		st.Undecoded++
		e.ControlType = -2
		return e
	}
	e.ControlType = ctl.RawType
	if IsKRaftControl(ctl.RawType) {
		e.Control, _ = DecodeControl(ctl.RawType, rec.Value)
		if e.Control.Err != nil {
			st.Undecoded++
		}
	}
	return e
}

// walkRecords is the structural walk shared by Walk and the replay: it
// checks every batch (CRC, magic), skips without decoding the batches that
// end before offset from (when from >= 0), and calls fn with each record,
// after updating the stats. buf, when non-nil, is the reader's window (a
// replay over several files reuses one). fn's batch and record are valid
// only during the call.
func walkRecords(r io.ReaderAt, size int64, name string, from int64, buf []byte,
	fn func(b *format.Batch, rec *format.Record, st *WalkStats) error) (*WalkStats, error) {
	st := &WalkStats{Size: size, FirstOffset: -1}
	br := format.NewBatchReader(r, size, format.ReaderOptions{File: name, Buffer: buf})
	dec := format.NewRecordDecoder(format.DecoderOptions{File: name})
	for {
		b, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			st.ValidBytes = br.ValidBytes()
			return st, err
		}
		st.Batches++
		if !b.Valid {
			st.ValidBytes = br.ValidBytes()
			return st, &format.CorruptionError{File: name, Position: b.Position, Offset: b.BaseOffset, Reason: format.ReasonCRCMismatch,
				Detail: fmt.Sprintf("stored 0x%08x != computed 0x%08x", b.CRC, b.ComputedCRC)}
		}
		if from >= 0 && b.LastOffset() < from {
			if st.FirstOffset < 0 {
				st.FirstOffset = b.BaseOffset
			}
			st.NextOffset = b.LastOffset() + 1
			st.LastEpoch = b.PartitionLeaderEpoch
			continue
		}
		if b.Magic < 2 {
			return st, &format.CorruptionError{File: name, Position: b.Position, Offset: b.BaseOffset, Reason: format.ReasonBadMagic,
				Detail: fmt.Sprintf("magic %d in a KRaft metadata file (only v2 is written)", b.Magic)}
		}
		if err := dec.Reset(b); err != nil {
			return st, err
		}
		for {
			rec, err := dec.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return st, err
			}
			st.Records++
			if st.FirstOffset < 0 {
				st.FirstOffset = rec.Offset
			}
			st.NextOffset = rec.Offset + 1
			st.LastEpoch = b.PartitionLeaderEpoch
			st.LastTimestamp = rec.Timestamp
			if err := fn(b, rec, st); err != nil {
				return st, err
			}
		}
	}
	st.ValidBytes = br.ValidBytes()
	return st, nil
}

// ErrStop may be returned by a WalkFunc to end a walk early without error.
var ErrStop = errors.New("kseg/metadata: stop")

type entryRecord struct {
	e Entry
	r Record
}
