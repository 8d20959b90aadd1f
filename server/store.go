package server

import (
	"errors"
	"os"
)

// Errors a Store or PartitionLog returns; the server maps them to Kafka error
// codes (UNKNOWN_TOPIC_OR_PARTITION, OFFSET_OUT_OF_RANGE,
// UNSUPPORTED_FOR_MESSAGE_FORMAT for a timestamp lookup in a magic 0 log, and
// TOPIC_AUTHORIZATION_FAILED for writes to a read-only store).
var (
	ErrUnknownTopicOrPartition = errors.New("kseg/server: unknown topic or partition")
	ErrOffsetOutOfRange        = errors.New("kseg/server: offset out of range")
	ErrReadOnly                = errors.New("kseg/server: store is read-only")
	// ErrUnsupportedForMessageFormat: ListOffsets by timestamp on a log whose
	// newest batch is magic 0, which has no timestamps (Kafka's
	// UnifiedLog.fetchOffsetByTimestamp answers UNSUPPORTED_FOR_MESSAGE_FORMAT).
	ErrUnsupportedForMessageFormat = errors.New("kseg/server: unsupported for message format")
)

// TopicInfo names one topic and its partitions, sorted ascending.
type TopicInfo struct {
	Name       string
	Partitions []int32
}

// Store is the log directory as the server sees it. Every `<topic>-<partition>`
// directory is a partition. Implementations must be safe for concurrent use;
// the server calls Close exactly once, after the last request has finished.
//
// The server validates topic names (Kafka's legal characters, length ≤ 249,
// not "." or "..") before calling Partition, but a Store must still resolve a
// name only to an existing partition directory inside its log directory.
type Store interface {
	// Topics lists every topic, sorted by name, with its partitions sorted.
	Topics() ([]TopicInfo, error)
	// Partition returns the log of one partition, or an error wrapping
	// ErrUnknownTopicOrPartition when it does not exist. The returned value
	// may be cached by the Store and shared between callers.
	Partition(topic string, partition int32) (PartitionLog, error)
	// Writable reports whether Append is allowed.
	Writable() bool
	// Close releases the Store's resources.
	Close() error
}

// PartitionLog is one <topic>-<partition> directory. Safe for concurrent use.
type PartitionLog interface {
	// LogStartOffset is the first offset still present.
	LogStartOffset() (int64, error)
	// LogEndOffset is the offset the next appended record gets; the server
	// reports it as the high watermark.
	LogEndOffset() (int64, error)
	// LastStableOffset is the first offset of the oldest open transaction,
	// or LogEndOffset when there is none.
	LastStableOffset() (int64, error)
	// Read returns the file slices holding whole batches, starting with the
	// batch that contains fetchOffset, totalling at most maxBytes except
	// that the first batch is always included whole (KIP-74). Each
	// FileSlice's File is opened by Read for the caller, who closes it and
	// may move its file offset (sendfile does). It returns an error wrapping
	// ErrOffsetOutOfRange when fetchOffset is below LogStartOffset or above
	// LogEndOffset; at LogEndOffset it returns an empty result.
	Read(fetchOffset int64, maxBytes int32) (*ReadResult, error)
	// OffsetForTimestamp returns the first offset whose timestamp is >= ts,
	// and that timestamp; (-1, -1, nil) when there is none.
	OffsetForTimestamp(ts int64) (offset int64, timestamp int64, err error)
	// AbortedTransactions lists aborted transactions that overlap
	// [fetchOffset, upperBoundOffset), as Kafka's LogSegment.collectAbortedTxns.
	AbortedTransactions(fetchOffset, upperBoundOffset int64) ([]AbortedTxn, error)
	// Append appends v2 batches whose CRCs the server has already checked.
	// The store assigns offsets (it may patch baseOffset, bytes 0–7, and
	// partitionLeaderEpoch, bytes 12–15, which the CRC does not cover) and
	// returns the base offset of the first batch. ErrReadOnly when the store
	// is not writable.
	Append(batches []byte) (baseOffset int64, err error)
}

// ReadResult is what PartitionLog.Read returns. The caller owns every
// FileSlice.File and must close it.
type ReadResult struct {
	Slices []FileSlice
	// HasZstd is set when any batch in Slices is zstd-compressed; Fetch
	// versions below 10 must then get UNSUPPORTED_COMPRESSION_TYPE.
	HasZstd bool
}

// Size is the total length of all slices.
func (r *ReadResult) Size() int64 {
	var n int64
	for _, s := range r.Slices {
		n += s.Length
	}
	return n
}

// Close closes every slice's file.
func (r *ReadResult) Close() {
	for _, s := range r.Slices {
		if s.File != nil {
			s.File.Close()
		}
	}
}

// FileSlice is Length bytes of whole batches at Position in File.
type FileSlice struct {
	File     *os.File
	Position int64
	Length   int64
}

// AbortedTxn is one aborted transaction (Kafka's AbortedTxn / the Fetch
// response's AbortedTransaction).
type AbortedTxn struct {
	ProducerID  int64
	FirstOffset int64
}

// DirStore is optionally implemented by a Store backed by a directory. The
// server uses it to refuse an offsets file inside the log directory.
type DirStore interface {
	Dir() string
}

// Notifier is optionally implemented by a Store that can tell the server the
// log grew by some means other than the server's own Produce (for example a
// store that tails a live directory). Fetch requests waiting for MinBytes are
// woken by the returned channel closing; a fresh channel is taken per wait.
type Notifier interface {
	Changed() <-chan struct{}
}
