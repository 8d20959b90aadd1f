package appender

import (
	"errors"
	"fmt"
)

var (
	// ErrNeedsRepair means the partition's active segment or its indexes are
	// not in a state a Writer may continue from (a torn tail, a CRC mismatch,
	// an index pointing past the log). The message names the command to run.
	ErrNeedsRepair = errors.New("kseg/appender: partition needs repair")
	// ErrInvalidBatch means a batch given to Append cannot be appended: bad
	// framing or CRC, more than one batch, or offsets that cannot be assigned.
	ErrInvalidBatch = errors.New("kseg/appender: invalid batch")
	// ErrEpochRegression means the leader epoch is below the partition's
	// latest epoch; a leader never appends with an older epoch.
	ErrEpochRegression = errors.New("kseg/appender: leader epoch below the partition's latest")
	// ErrTopicIDMismatch means Options.TopicID differs from partition.metadata.
	ErrTopicIDMismatch = errors.New("kseg/appender: topic id differs from partition.metadata")
	// ErrClosed is returned by calls on a closed Writer.
	ErrClosed = errors.New("kseg/appender: writer closed")
	// ErrBadInput classifies InputError.
	ErrBadInput = errors.New("kseg/appender: bad input")
)

// needsRepair wraps ErrNeedsRepair with what was found and what to run.
func needsRepair(file string, format string, args ...any) error {
	return fmt.Errorf("%w: %s: %s; run 'kseg verify' and 'kseg repair' on the partition before appending",
		ErrNeedsRepair, file, fmt.Sprintf(format, args...))
}

// InputError is a problem with the records to append, located by line (text
// inputs, 1-based) or by batch number and byte position (raw batches).
type InputError struct {
	Line     int   // 1-based line number, 0 if not line-oriented
	Batch    int   // 1-based batch number for raw batches, else 0
	Position int64 // byte position in the input for raw batches, else -1
	Err      error
}

func (e *InputError) Error() string {
	switch {
	case e.Line > 0:
		return fmt.Sprintf("kseg/appender: input line %d: %v", e.Line, e.Err)
	case e.Batch > 0:
		return fmt.Sprintf("kseg/appender: input batch %d at byte %d: %v", e.Batch, e.Position, e.Err)
	}
	return fmt.Sprintf("kseg/appender: input: %v", e.Err)
}

// Unwrap returns the cause.
func (e *InputError) Unwrap() error { return e.Err }

// Is reports whether target is ErrBadInput.
func (e *InputError) Is(target error) bool { return target == ErrBadInput }
