// Package protocol frames Kafka requests and responses around franz-go's
// kmsg, which decodes every request and encodes every response at every
// version (flexible ones included). What kmsg does not do is here: the
// request and response headers (v0–v2, Kafka's
// clients/src/main/resources/common/message/RequestHeader.json and
// ResponseHeader.json), the size prefix, an error response in any request's
// layout, and the Fetch response framed by hand around record bytes that the
// server sends from segment files by sendfile.
package protocol

import (
	"encoding/binary"
	"errors"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Error codes used by the server (org.apache.kafka.common.protocol.Errors),
// part of the protocol, never change.
const (
	ErrNone                       int16 = 0
	ErrUnknownServerError         int16 = -1
	ErrOffsetOutOfRange           int16 = 1
	ErrCorruptMessage             int16 = 2
	ErrUnknownTopicOrPartition    int16 = 3
	ErrMessageTooLarge            int16 = 10
	ErrCoordinatorNotAvailable    int16 = 15
	ErrNotCoordinator             int16 = 16
	ErrInvalidTopic               int16 = 17
	ErrRecordListTooLarge         int16 = 18
	ErrInvalidRequiredAcks        int16 = 21
	ErrIllegalGeneration          int16 = 22
	ErrInconsistentGroupProtocol  int16 = 23
	ErrInvalidGroupID             int16 = 24
	ErrUnknownMemberID            int16 = 25
	ErrInvalidSessionTimeout      int16 = 26
	ErrRebalanceInProgress        int16 = 27
	ErrTopicAuthorizationFailed   int16 = 29
	ErrClusterAuthorizationFailed int16 = 31
	ErrUnsupportedVersion         int16 = 35
	ErrTopicAlreadyExists         int16 = 36
	ErrInvalidPartitions          int16 = 37
	ErrInvalidReplicationFactor   int16 = 38
	ErrInvalidRequest             int16 = 42
	ErrUnsupportedForMessageFmt   int16 = 43
	ErrInvalidTxnState            int16 = 48
	ErrTransactionalIDAuthFailed  int16 = 53
	ErrKafkaStorageError          int16 = 56
	ErrLogDirNotFound             int16 = 57
	ErrGroupIDNotFound            int16 = 69
	ErrUnsupportedCompressionType int16 = 76
	ErrInvalidRecord              int16 = 87
	ErrUnknownTopicID             int16 = 100
	ErrInvalidConfig              int16 = 40
	ErrPolicyViolation            int16 = 44
	ErrOffsetNotAvailable         int16 = 78
	ErrTransactionalIDNotFound    int16 = 105
	ErrUnknownLeaderEpoch         int16 = 75
	ErrNotLeaderOrFollower        int16 = 6
	ErrInvalidTimestamp           int16 = 32
)

// ErrMalformed is returned for a request whose header or body is cut short
// or otherwise undecodable.
var ErrMalformed = errors.New("kseg/server/protocol: malformed request")

// ErrUnknownAPI is returned for an API key kmsg does not know or a version
// above the highest kmsg knows: its layout is unknown, so Kafka's answer
// (close the connection, SocketServer's InvalidRequestException) is ours.
var ErrUnknownAPI = errors.New("kseg/server/protocol: unknown api key or version")

// PeekHeader returns the three fixed-position header fields without parsing
// the rest. They sit at the same offsets in request headers v0, v1 and v2, so
// even a request we do not parse (ApiVersions v4+) can be answered with the
// right correlation id.
func PeekHeader(b []byte) (key, version int16, correlationID int32, ok bool) {
	if len(b) < 8 {
		return 0, 0, 0, false
	}
	return int16(binary.BigEndian.Uint16(b)), int16(binary.BigEndian.Uint16(b[2:])),
		int32(binary.BigEndian.Uint32(b[4:])), true
}

// Request is one decoded request.
type Request struct {
	Key           int16
	Version       int16
	CorrelationID int32
	ClientID      *string
	// Body is the decoded body, with its version set.
	Body kmsg.Request
}

// ParseRequest decodes a request frame (without its size prefix): the
// request header (v1, or v2 with tagged fields for flexible versions) and the
// body, by kmsg. Trailing bytes after the body are ignored, as Kafka's
// RequestContext.parseRequest ignores them.
func ParseRequest(frame []byte) (*Request, error) {
	key, version, corr, ok := PeekHeader(frame)
	if !ok {
		return nil, ErrMalformed
	}
	body := kmsg.RequestForKey(key)
	if body == nil || version < 0 || version > body.MaxVersion() {
		return nil, ErrUnknownAPI
	}
	body.SetVersion(version)
	r := &Request{Key: key, Version: version, CorrelationID: corr, Body: body}
	b := frame[8:]
	// client_id: a (non-compact) nullable string in header v1 and v2.
	if len(b) < 2 {
		return nil, ErrMalformed
	}
	n := int(int16(binary.BigEndian.Uint16(b)))
	b = b[2:]
	if n >= 0 {
		if n > len(b) {
			return nil, ErrMalformed
		}
		s := string(b[:n])
		r.ClientID = &s
		b = b[n:]
	} else if n != -1 {
		return nil, ErrMalformed
	}
	if body.IsFlexible() {
		var err error
		if b, err = skipTags(b); err != nil {
			return nil, err
		}
	}
	if err := body.ReadFrom(b); err != nil {
		return nil, ErrMalformed
	}
	return r, nil
}

// skipTags skips a tagged-field section: uvarint count, then per field a
// uvarint tag, a uvarint size and that many bytes.
func skipTags(b []byte) ([]byte, error) {
	count, n := binary.Uvarint(b)
	if n <= 0 || count > uint64(len(b)) {
		return nil, ErrMalformed
	}
	b = b[n:]
	for i := uint64(0); i < count; i++ {
		if _, n = binary.Uvarint(b); n <= 0 {
			return nil, ErrMalformed
		}
		b = b[n:]
		size, n := binary.Uvarint(b)
		if n <= 0 || size > uint64(len(b)-n) {
			return nil, ErrMalformed
		}
		b = b[n+int(size):]
	}
	return b, nil
}

// ResponseHeaderFlexible reports whether the response to key at version uses
// response header v1 (correlation id plus tagged fields). ApiVersions always
// answers with header v0, whatever its version (KIP-511: a client must be
// able to read the answer before it knows which versions the broker speaks).
func ResponseHeaderFlexible(key, version int16) bool {
	if key == int16(kmsg.ApiVersions) {
		return false
	}
	r := kmsg.ResponseForKey(key)
	if r == nil {
		return false
	}
	r.SetVersion(version)
	return r.IsFlexible()
}

// AppendResponseHeader starts a response frame in dst: a 4-byte size
// placeholder, the correlation id and, when flexible, an empty tagged-field
// section. Call FinishFrame once the body has been appended.
func AppendResponseHeader(dst []byte, correlationID int32, flexible bool) []byte {
	dst = append(dst, 0, 0, 0, 0)
	dst = binary.BigEndian.AppendUint32(dst, uint32(correlationID))
	if flexible {
		dst = append(dst, 0)
	}
	return dst
}

// AppendResponse appends a whole response frame for resp, whose version must
// be set to the request's.
func AppendResponse(dst []byte, correlationID int32, resp kmsg.Response) []byte {
	start := len(dst)
	dst = AppendResponseHeader(dst, correlationID, ResponseHeaderFlexible(resp.Key(), resp.GetVersion()))
	dst = resp.AppendTo(dst)
	FinishFrame(dst[start:], 0)
	return dst
}

// FinishFrame writes the size prefix of a frame that starts at frame[0] and
// whose total on-wire length (prefix excluded) is extra bytes longer than
// frame itself: extra covers record bytes that follow by sendfile.
func FinishFrame(frame []byte, extra int64) {
	binary.BigEndian.PutUint32(frame, uint32(int64(len(frame))-4+extra))
}
