package state

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
)

// UUID is a Kafka Uuid (topic id, directory id): 16 bytes, written as 22
// characters of unpadded base64url (kafka Uuid.toString).
type UUID [16]byte

// String returns the 22-character base64url form Kafka writes.
func (u UUID) String() string { return base64.RawURLEncoding.EncodeToString(u[:]) }

// IsZero reports whether u is Kafka's ZERO_UUID, which is never a valid id.
func (u UUID) IsZero() bool { return u == UUID{} }

// MarshalText renders u in Kafka's form, so JSON shows the same string as the file.
func (u UUID) MarshalText() ([]byte, error) { return []byte(u.String()), nil }

// ParseUUID parses Kafka's base64url Uuid form the way Uuid.fromString does:
// at most 24 characters, optional "=" padding, exactly 16 decoded bytes.
func ParseUUID(s string) (UUID, error) {
	var u UUID
	if len(s) > 24 {
		return u, fmt.Errorf("%q is too long to be a base64 UUID", s)
	}
	// Go's decoder skips \r and \n; Java's basic decoder rejects them.
	if strings.ContainsAny(s, "\r\n") {
		return u, fmt.Errorf("%q is not base64url", s)
	}
	enc := base64.RawURLEncoding
	if strings.HasSuffix(s, "=") {
		enc = base64.URLEncoding
	}
	b, err := enc.DecodeString(s)
	if err != nil {
		return u, fmt.Errorf("%q is not base64url: %v", s, err)
	}
	if len(b) != 16 {
		return u, fmt.Errorf("%q decoded as %d bytes, not the 16 bytes of a UUID", s, len(b))
	}
	copy(u[:], b)
	return u, nil
}

// PartitionMetadata is a decoded partition.metadata file (Kafka 2.8+).
type PartitionMetadata struct {
	Version int  `json:"version"`
	TopicID UUID `json:"topicId"`
}

// DecodePartitionMetadata decodes partition.metadata following kafka
// PartitionMetadataReadBuffer: each of the first two lines must split on
// whitespace into exactly two fields (the names are not checked), the version
// must be >= 0 and the topic id a non-zero Uuid. Later lines are ignored.
func DecodePartitionMetadata(b []byte, file string) (*PartitionMetadata, error) {
	if err := checkTextFile(b, file); err != nil {
		return nil, err
	}
	lines := splitLines(b)
	if len(lines) == 0 {
		return nil, &FormatError{File: file, Line: 1, Reason: ReasonMalformedLine, Detail: "missing version line"}
	}
	f := javaSplit(lines[0].text)
	if len(f) != 2 {
		return nil, malformedLine(file, lines[0])
	}
	v, err := strconv.ParseInt(f[1], 10, 32)
	if err != nil {
		return nil, malformedLine(file, lines[0])
	}
	if v < 0 {
		return nil, &FormatError{File: file, Line: 1, Reason: ReasonUnsupportedVersion,
			Detail: fmt.Sprintf("Unrecognized version of partition metadata file (%s): %d", file, v)}
	}
	if len(lines) < 2 {
		return nil, &FormatError{File: file, Line: 2, Position: int64(len(b)), Reason: ReasonMalformedLine,
			Detail: "missing topic_id line"}
	}
	f = javaSplit(lines[1].text)
	if len(f) != 2 {
		return nil, malformedLine(file, lines[1])
	}
	id, err := ParseUUID(f[1])
	if err != nil {
		return nil, &FormatError{File: file, Line: 2, Position: lines[1].pos, Reason: ReasonInvalidTopicID, Detail: err.Error()}
	}
	if id.IsZero() {
		return nil, &FormatError{File: file, Line: 2, Position: lines[1].pos, Reason: ReasonInvalidTopicID,
			Detail: fmt.Sprintf("Invalid topic ID in partition metadata file (%s)", file)}
	}
	return &PartitionMetadata{Version: int(v), TopicID: id}, nil
}

// AppendPartitionMetadata appends the file exactly as PartitionMetadata.encode
// writes it: "version: V\ntopic_id: ID" with no final newline.
func AppendPartitionMetadata(dst []byte, m PartitionMetadata) []byte {
	dst = append(dst, "version: "...)
	dst = strconv.AppendInt(dst, int64(m.Version), 10)
	dst = append(dst, "\ntopic_id: "...)
	return append(dst, m.TopicID.String()...)
}
