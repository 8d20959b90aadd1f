package state

import (
	"errors"
	"fmt"
	"strings"
)

// ErrMalformed classifies every decode failure of this package; test for it
// with errors.Is. The concrete error is always a *FormatError.
var ErrMalformed = errors.New("kseg/state: malformed file")

// Reasons reported in FormatError.Reason and Finding.Reason. They are part of
// the JSON output, so they never change once released.
const (
	ReasonTruncated          = "truncated"           // fewer bytes than the fixed header needs
	ReasonUnsupportedVersion = "unsupported-version" // version field not one Kafka reads
	ReasonNegativeCount      = "negative-count"      // entry count below zero
	ReasonCountExceedsFile   = "count-exceeds-file"  // declared entries do not fit in the file
	ReasonCRCMismatch        = "crc-mismatch"        // stored CRC != computed CRC
	ReasonMalformedLine      = "malformed-line"      // a text line Kafka's parser rejects
	ReasonCountMismatch      = "count-mismatch"      // checkpoint count line != entry lines
	ReasonFileTooLarge       = "file-too-large"      // text file above MaxTextFileSize
	ReasonInvalidUTF8        = "invalid-utf8"        // Kafka reads text files as strict UTF-8
	ReasonInvalidTopicID     = "invalid-topic-id"    // not a 16-byte base64url Uuid, or the zero Uuid
	ReasonMissingProperty    = "missing-property"    // meta.properties lacks a required key
	ReasonBadProperty        = "bad-property"        // meta.properties value does not parse

	// Findings (the file decodes; Kafka would accept or only log it).
	ReasonEpochNotIncreasing       = "epoch-not-increasing"
	ReasonStartOffsetNotIncreasing = "start-offset-not-increasing"
	ReasonDuplicatePartition       = "duplicate-partition"
	ReasonLastOffsetBelowBase      = "last-offset-below-segment-base"
	ReasonLastOffsetNotIncreasing  = "last-offset-not-increasing"
	ReasonFirstOffsetAfterLast     = "first-offset-after-last-offset"
	ReasonMissingBrokerID          = "missing-broker-id"
)

// FormatError reports a file whose bytes Kafka would refuse to load.
//
// File is the name passed to the decoder; decoders of binary files take no
// name and leave it empty, and callers may fill it in after errors.As.
type FormatError struct {
	File     string // base name or path as given, may be empty
	Line     int    // 1-based line for text files, 0 for binary files
	Position int64  // byte position where the bad structure starts
	Reason   string // stable kebab-case reason, one of the Reason* constants
	Detail   string // human-readable specifics, e.g. "stored crc 1 != computed crc 2"
}

func (e *FormatError) Error() string {
	var sb strings.Builder
	sb.WriteString("kseg/state: ")
	if e.File != "" {
		sb.WriteString(e.File)
		sb.WriteString(": ")
	}
	if e.Line > 0 {
		fmt.Fprintf(&sb, "line %d: ", e.Line)
	}
	fmt.Fprintf(&sb, "position %d: %s", e.Position, e.Reason)
	if e.Detail != "" {
		sb.WriteString(": ")
		sb.WriteString(e.Detail)
	}
	return sb.String()
}

// Is makes errors.Is(err, ErrMalformed) true for every FormatError.
func (e *FormatError) Is(target error) bool { return target == ErrMalformed }

// Finding is a problem in a file that still decodes: Kafka would load it, but
// an operator should know (for example a leader epoch that goes backwards).
type Finding struct {
	Reason string `json:"reason"` // stable kebab-case, one of the Reason* constants
	Entry  int    `json:"entry"`  // 0-based index of the offending entry
	Line   int    `json:"line"`   // 1-based line for text files, 0 for binary files
	Detail string `json:"detail"`
}

// String renders the finding for logs: the line for text files, else the entry.
func (f Finding) String() string {
	if f.Line > 0 {
		return fmt.Sprintf("line %d: %s: %s", f.Line, f.Reason, f.Detail)
	}
	return fmt.Sprintf("entry %d: %s: %s", f.Entry, f.Reason, f.Detail)
}
