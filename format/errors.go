package format

import (
	"errors"
	"fmt"
)

// ErrCorrupt is matched (errors.Is) by every *CorruptionError: the bytes are
// there but they are wrong.
var ErrCorrupt = errors.New("kseg/format: corrupt data")

// ErrTruncated is matched by every *TruncatedError: the log ends with a
// partial batch or a zero-filled region, the normal aftermath of a crash or of
// preallocation, not corruption. The decoder never returns a bare
// io.ErrUnexpectedEOF, which could be confused with a short read inside a
// payload (compare pebble record.ErrUnexpectedEOF).
var ErrTruncated = errors.New("kseg/format: truncated log (torn tail)")

// Reason is a stable classification of corruption. Its String form is part of
// kseg's JSON and exit-code contract: never rename one.
type Reason uint8

// Reasons. Append only; the names are part of the output format.
const (
	ReasonUnknown              Reason = iota
	ReasonBadLength                   // size field below the minimum overhead or impossible
	ReasonBadMagic                    // magic byte not 0, 1 or 2
	ReasonCRCMismatch                 // stored CRC != computed CRC
	ReasonBadCompression              // unknown codec id, zstd with magic < 2, nested compression
	ReasonDecompressFailed            // the codec rejected the payload
	ReasonDecompressedTooLarge        // decompressed size exceeds the configured cap
	ReasonBadRecord                   // record structure invalid (varints, lengths, headers)
	ReasonRecordCountMismatch         // declared count/size disagrees with the records present
	ReasonBadWrapper                  // invalid legacy compressed wrapper (offsets, empty, null value)
	ReasonBadControlRecord            // control record key/value malformed
	ReasonOffsetRegression            // offsets not increasing
	ReasonBadAttributes               // attribute bits that cannot be valid
	ReasonOffsetOverflow              // offset relative to the segment base does not fit int32
	ReasonZeroFilled                  // a run of zero bytes where a batch should start
	ReasonBadTimestamp                // impossible timestamp fields
)

var reasonNames = [...]string{
	ReasonUnknown:              "unknown",
	ReasonBadLength:            "bad-length",
	ReasonBadMagic:             "bad-magic",
	ReasonCRCMismatch:          "crc-mismatch",
	ReasonBadCompression:       "bad-compression",
	ReasonDecompressFailed:     "decompress-failed",
	ReasonDecompressedTooLarge: "decompressed-too-large",
	ReasonBadRecord:            "bad-record",
	ReasonRecordCountMismatch:  "record-count-mismatch",
	ReasonBadWrapper:           "bad-wrapper",
	ReasonBadControlRecord:     "bad-control-record",
	ReasonOffsetRegression:     "offset-regression",
	ReasonBadAttributes:        "bad-attributes",
	ReasonOffsetOverflow:       "offset-overflow",
	ReasonZeroFilled:           "zero-filled",
	ReasonBadTimestamp:         "bad-timestamp",
}

// String returns the stable kebab-case name of r.
func (r Reason) String() string {
	if int(r) < len(reasonNames) {
		return reasonNames[r]
	}
	return fmt.Sprintf("reason-%d", uint8(r))
}

// MarshalText makes a Reason render as its name in JSON.
func (r Reason) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// CorruptionError describes bytes that are present but wrong. File is the base
// name of the file, Position the byte position where the bad structure starts
// (relative to the start of the file), Offset the Kafka offset when known, else
// -1.
type CorruptionError struct {
	File     string
	Position int64
	Offset   int64
	Reason   Reason
	Detail   string
}

func (e *CorruptionError) Error() string {
	file := e.File
	if file == "" {
		file = "<input>"
	}
	s := fmt.Sprintf("kseg/format: %s: position %d", file, e.Position)
	if e.Offset >= 0 {
		s += fmt.Sprintf(" offset %d", e.Offset)
	}
	s += ": " + e.Reason.String()
	if e.Detail != "" {
		s += ": " + e.Detail
	}
	return s
}

// Is reports whether target is ErrCorrupt.
func (e *CorruptionError) Is(target error) bool { return target == ErrCorrupt }

// TailKind says what a torn tail looks like.
type TailKind uint8

// Kinds of torn tail.
const (
	TailPartial    TailKind = iota // a batch header or body that runs past the end of the file
	TailZeroFilled                 // only zero bytes from Position to the end
)

func (k TailKind) String() string {
	if k == TailZeroFilled {
		return "zero-filled"
	}
	return "partial-batch"
}

// MarshalText renders the kind by name.
func (k TailKind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// TruncatedError reports a torn tail: Bytes bytes from Position to the end of
// the file do not form a complete batch and no valid batch follows them.
type TruncatedError struct {
	File     string
	Position int64
	Bytes    int64
	Kind     TailKind
}

func (e *TruncatedError) Error() string {
	file := e.File
	if file == "" {
		file = "<input>"
	}
	return fmt.Sprintf("kseg/format: %s: position %d: torn tail: %d bytes (%s)", file, e.Position, e.Bytes, e.Kind)
}

// Is reports whether target is ErrTruncated.
func (e *TruncatedError) Is(target error) bool { return target == ErrTruncated }
