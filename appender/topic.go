package appender

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/partitioner"
	"github.com/kseg/kseg/segment"
)

// AssignPartitions returns, for each record, the partition a Kafka Java
// producer with the default partitioner would send it to among n:
// partitioner.Partition (murmur2 of the key bytes, sign bit cleared, modulo
// n) for keyed records.
//
// Null keys are not hashed by Kafka. Since Kafka 2.4 (KIP-480, refined by
// KIP-794 in 3.3) the producer is sticky for them: it fills one batch for a
// partition, then switches. We do the same, deterministically: null-keyed
// records go to one partition until that partition has received a batch's
// worth of them (eo.BatchRecords records, or eo.BatchBytes estimated bytes,
// the limits EncodeBatches closes batches at), then to the next partition,
// round-robin from partition 0. Keyed records in between do not move the
// sticky partition. Real producers pick the next sticky partition at random
// (or by broker load), so only keyed placement is reproducible across tools.
func AssignPartitions(msgs []format.Message, n int32, eo EncodeOptions) []int32 {
	eo.setDefaults()
	out := make([]int32, len(msgs))
	var sticky int32
	count, size := 0, 0
	for i := range msgs {
		m := &msgs[i]
		if m.Key != nil {
			out[i] = partitioner.Partition(m.Key, n)
			continue
		}
		s := recordSizeEstimate(m)
		if count > 0 && (count >= eo.BatchRecords || size+s > eo.BatchBytes) {
			sticky = (sticky + 1) % n
			count, size = 0, 0
		}
		out[i] = sticky
		count++
		size += s
	}
	return out
}

// AppendTopicInput is `kseg append --topic T --partitions N LOGDIR`: it
// reads and validates the whole input, assigns each record a partition with
// AssignPartitions, takes logDir's lock once, opens (or creates) all of
// <logDir>/<topic>-0 … <topic>-(n-1) — so a partition that needs repair
// stops the run before anything is written — then encodes and appends each
// partition's records in input order. New partitions get the topic id of the
// existing ones (or one fresh random id shared by all), since every
// partition of a topic carries the same id in partition.metadata.
//
// It returns one Summary per partition, in partition order. Raw batches
// cannot be spread (they are already encoded for one partition). An I/O
// error while writing leaves the batches appended before it.
func AppendTopicInput(logDir, topic string, n int32, in io.Reader, ino InputOptions, eo EncodeOptions, wo Options) ([]Summary, error) {
	if !segment.ValidTopicName(topic) {
		return nil, fmt.Errorf("kseg/appender: illegal topic name %q (Kafka allows [a-zA-Z0-9._-], 1 to 249 characters)", topic)
	}
	if n <= 0 {
		return nil, fmt.Errorf("kseg/appender: partition count %d must be positive", n)
	}
	if ino.Format == InputRawBatches {
		return nil, errors.New("kseg/appender: raw batches cannot be spread over partitions; append them to one partition")
	}
	if err := eo.Validate(); err != nil {
		return nil, err
	}
	ino.NoHeaders = eo.Magic < 2
	msgs, err := ReadMessages(in, ino)
	if err != nil {
		return nil, err
	}
	parts := AssignPartitions(msgs, n, eo)

	release, err := fsutil.AcquireLock(logDir)
	if err != nil {
		return nil, err
	}
	writers := make([]*Writer, n)
	closeAll := func() error {
		var errs []error
		for _, w := range writers {
			if w != nil {
				errs = append(errs, w.Close())
			}
		}
		return errors.Join(append(errs, release())...)
	}
	if err := openTopicWriters(logDir, topic, writers, wo); err != nil {
		return nil, errors.Join(err, closeAll())
	}
	byPart := make([][]format.Message, n)
	for i, p := range parts {
		byPart[p] = append(byPart[p], msgs[i])
	}
	encoded := make([][][]byte, n)
	for p, w := range writers {
		if encoded[p], err = EncodeBatches(byPart[p], eo, w.NextOffset()); err != nil {
			return nil, errors.Join(fmt.Errorf("partition %d: %w", p, err), closeAll())
		}
	}
	sums := make([]Summary, 0, n)
	for p, w := range writers {
		s, err := w.AppendAll(encoded[p])
		sums = append(sums, s)
		if err != nil {
			return sums, errors.Join(err, closeAll())
		}
	}
	return sums, closeAll()
}

// openTopicWriters opens existing partitions first, to learn the topic id,
// then creates the missing ones with it. The caller holds the lock.
func openTopicWriters(logDir, topic string, writers []*Writer, wo Options) error {
	wo.LockHeld = true
	var missing []int32
	for p := range writers {
		dir := filepath.Join(logDir, segment.PartitionDirName(topic, int32(p)))
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			missing = append(missing, int32(p))
			continue
		}
		w, err := OpenTopicPartition(logDir, topic, int32(p), wo)
		if err != nil {
			return err
		}
		writers[p] = w
		if id := w.TopicID(); !id.IsZero() {
			if wo.TopicID.IsZero() {
				wo.TopicID = id
			} else if id != wo.TopicID {
				return fmt.Errorf("%w: %s holds %s, other partitions %s", ErrTopicIDMismatch, w.Dir(), id, wo.TopicID)
			}
		}
	}
	if wo.TopicID.IsZero() {
		wo.TopicID = randomTopicID()
	}
	for _, p := range missing {
		w, err := OpenTopicPartition(logDir, topic, p, wo)
		if err != nil {
			return err
		}
		writers[p] = w
	}
	return nil
}
