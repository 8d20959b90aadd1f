package coordinator

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// PartitionLoad describes how one coordinator partition (__consumer_offsets-N
// or __transaction_state-N) was replayed.
type PartitionLoad struct {
	Partition string `json:"partition"` // directory name
	Segments  int    `json:"segments"`
	// StartOffset and EndOffset bound the replayed records: the first
	// batch's base offset and the offset after the last batch (the log end
	// offset when Problem is empty). Both are -1 for an empty log.
	StartOffset int64 `json:"startOffset"`
	EndOffset   int64 `json:"endOffset"`
	Batches     int64 `json:"batches"`
	Records     int64 `json:"records"`
	// Undecodable counts records whose key or value this package could not
	// decode; they were skipped (Kafka's loader fails the partition instead).
	Undecodable int64 `json:"undecodable"`
	// Problem says why the replay stopped before the end of the log
	// (corruption, a torn tail, a batch with a bad CRC), or holds the first
	// undecodable record. Empty when the whole log replayed cleanly.
	Problem string `json:"problem,omitempty"`
}

func (p *PartitionLoad) problem(format string, args ...any) {
	if p.Problem == "" {
		p.Problem = fmt.Sprintf(format, args...)
	}
}

// replayHandler receives a coordinator partition's records in log order.
type replayHandler interface {
	// record gets each data record; producerID is the batch's producer id
	// for transactional batches and -1 otherwise (the new group
	// coordinator's CoordinatorLoaderImpl passes NO_PRODUCER_ID then).
	record(offset, producerID int64, key, value []byte) error
	// marker gets each COMMIT/ABORT control record.
	marker(producerID int64, commit bool)
}

// coordinatorPartitions lists logDir's partition directories of topic, in
// partition order.
func coordinatorPartitions(logDir, topic string) ([]string, error) {
	ents, err := os.ReadDir(logDir)
	if err != nil {
		return nil, fmt.Errorf("kseg/coordinator: %w", err)
	}
	type dir struct {
		path string
		n    int32
	}
	var dirs []dir
	for _, e := range ents {
		if !e.IsDir() {
			continue
		}
		t, n, kind, ok := segment.ParsePartitionDir(e.Name())
		if !ok || t != topic || kind != segment.DirPartition {
			continue
		}
		dirs = append(dirs, dir{filepath.Join(logDir, e.Name()), n})
	}
	sort.Slice(dirs, func(i, j int) bool { return dirs[i].n < dirs[j].n })
	out := make([]string, len(dirs))
	for i, d := range dirs {
		out[i] = d.path
	}
	return out, nil
}

// replayPartition walks dir's segments in offset order, as Kafka's
// coordinator loaders do (CoordinatorLoaderImpl, and before 4.0
// GroupMetadataManager.doLoadGroupsAndOffsets and
// TransactionStateManager.loadTransactionMetadata): every record of every
// data batch, and the COMMIT/ABORT markers of control batches. It stops a
// partition at the first corrupt or torn batch, which Kafka's log recovery
// would have truncated, and reports that in the PartitionLoad. Only I/O
// errors are returned. Memory: one batch at a time.
func replayPartition(dir string, h replayHandler) (PartitionLoad, error) {
	load := PartitionLoad{Partition: filepath.Base(dir), StartOffset: -1, EndOffset: -1}
	p, err := segment.OpenPartition(dir)
	if err != nil {
		return load, err
	}
	load.Segments = len(p.Segments)
	dec := format.NewRecordDecoder(format.DecoderOptions{})
	for _, s := range p.Segments {
		stop, err := replaySegment(s, dec, h, &load)
		if err != nil {
			return load, err
		}
		if stop {
			break
		}
	}
	return load, nil
}

func replaySegment(s *segment.Segment, dec *format.RecordDecoder, h replayHandler, load *PartitionLoad) (stop bool, err error) {
	f, err := s.Open()
	if err != nil {
		return false, err
	}
	defer f.Close()
	name := s.Name()
	r := f.Batches(name, 0, false)
	for {
		b, err := r.Next()
		if err == io.EOF {
			return false, nil
		}
		if err != nil {
			var ce *format.CorruptionError
			if errors.As(err, &ce) || errors.Is(err, format.ErrTruncated) {
				load.problem("%s: replay stopped: %v", name, err)
				return true, nil
			}
			return false, err
		}
		if !b.Valid {
			load.problem("%s: replay stopped at position %d: batch CRC mismatch", name, b.Position)
			return true, nil
		}
		if load.StartOffset < 0 {
			load.StartOffset = b.BaseOffset
		}
		load.Batches++
		if err := dec.Reset(b); err != nil {
			load.problem("%s: replay stopped at position %d: %v", name, b.Position, err)
			return true, nil
		}
		producerID := int64(-1)
		if b.IsTransactional() {
			producerID = b.ProducerID
		}
		for {
			rec, err := dec.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				load.problem("%s: replay stopped: %v", name, err)
				return true, nil
			}
			if b.IsControl() {
				c, err := format.ParseControlRecord(rec.Key, rec.Value)
				if err == nil && c.IsMarker() {
					h.marker(b.ProducerID, c.Type == format.ControlCommit)
				}
				continue
			}
			load.Records++
			if err := h.record(rec.Offset, producerID, rec.Key, rec.Value); err != nil {
				load.Undecodable++
				load.problem("%s: offset %d: %v", name, rec.Offset, err)
			}
		}
		load.EndOffset = b.NextOffset()
	}
}
