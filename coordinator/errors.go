package coordinator

import (
	"errors"
	"fmt"

	"github.com/kseg/kseg/internal/kbin"
)

// ErrMalformed classifies every decode failure of this package; test for it
// with errors.Is. The concrete error is always a *DecodeError.
var ErrMalformed = errors.New("kseg/coordinator: malformed record")

// Reasons reported in DecodeError.Reason. Part of the JSON output; never change.
// Those the shared primitives report are kbin's, spelled the same.
const (
	ReasonMissingKey     = "missing-key"                    // null key: Kafka's decoders refuse the record
	ReasonTruncated      = string(kbin.ReasonTruncated)     // a field runs past the end of the key or value
	ReasonNullField      = string(kbin.ReasonNullField)     // a non-nullable string, bytes or array is null
	ReasonBadLength      = string(kbin.ReasonBadLength)     // a string longer than Kafka's 32767-byte limit
	ReasonCountTooLarge  = string(kbin.ReasonCountTooLarge) // an array count exceeds the bytes that remain
	ReasonBadVarint      = string(kbin.ReasonBadVarint)     // an unsigned varint longer than 5 bytes
	ReasonBadTaggedField = "bad-tagged-field"               // a known tagged field of the wrong size
	ReasonBadFrame       = "bad-frame"                      // a metadata-style frame version Kafka does not read
	ReasonTrailingBytes  = "trailing-bytes"                 // bytes left after a record whose reader refuses them
)

// DecodeError reports a key or value that Kafka's generated reader would
// reject.
type DecodeError struct {
	Part     string // "key" or "value"
	Position int    // byte position within that key or value
	Reason   string // stable kebab-case, one of the Reason* constants
	Detail   string
}

func (e *DecodeError) Error() string {
	if e.Part == "" {
		return fmt.Sprintf("kseg/coordinator: %s: %s", e.Reason, e.Detail)
	}
	return fmt.Sprintf("kseg/coordinator: %s position %d: %s: %s", e.Part, e.Position, e.Reason, e.Detail)
}

// Is makes errors.Is(err, ErrMalformed) true for every DecodeError.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }
