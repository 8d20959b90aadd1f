package protocol

import "encoding/binary"

// API keys, part of the protocol, never change.
const (
	KeyProduce         int16 = 0
	KeyFetch           int16 = 1
	KeyListOffsets     int16 = 2
	KeyMetadata        int16 = 3
	KeyOffsetCommit    int16 = 8
	KeyOffsetFetch     int16 = 9
	KeyFindCoordinator int16 = 10
	KeyJoinGroup       int16 = 11
	KeyHeartbeat       int16 = 12
	KeyLeaveGroup      int16 = 13
	KeySyncGroup       int16 = 14
	KeyApiVersions     int16 = 18
	KeyInitProducerID  int16 = 22
)

// MaxVersion is the highest non-flexible version of each API this package
// decodes; every version from 0 up to it is decodable. Kafka 2.4 made the next
// version of each of these flexible (compact strings, tagged fields).
var MaxVersion = map[int16]int16{
	KeyProduce:         8,
	KeyFetch:           11,
	KeyListOffsets:     5,
	KeyMetadata:        8,
	KeyOffsetCommit:    7,
	KeyOffsetFetch:     5,
	KeyFindCoordinator: 2,
	KeyJoinGroup:       5,
	KeyHeartbeat:       3,
	KeyLeaveGroup:      3,
	KeySyncGroup:       3,
	KeyApiVersions:     2,
	KeyInitProducerID:  1,
}

// Error codes used by the server (org.apache.kafka.common.protocol.Errors).
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
	ErrUnsupportedVersion         int16 = 35
	ErrInvalidRequest             int16 = 42
	ErrUnsupportedForMessageFmt   int16 = 43
	ErrInvalidTxnState            int16 = 48
	ErrTransactionalIDAuthFailed  int16 = 53
	ErrKafkaStorageError          int16 = 56
	ErrUnsupportedCompressionType int16 = 76
	ErrInvalidRecord              int16 = 87
)

// RequestHeader is request header v1 (api key, version, correlation id,
// nullable client id), used by every non-flexible request.
type RequestHeader struct {
	APIKey        int16
	APIVersion    int16
	CorrelationID int32
	ClientID      string
}

// PeekHeader returns the three fixed-position header fields without parsing
// the rest. They sit at the same offsets in request headers v0, v1 and v2, so
// even a request of a flexible version we do not parse (ApiVersions v3+) can
// be answered with the right correlation id.
func PeekHeader(b []byte) (key, version int16, correlationID int32, ok bool) {
	if len(b) < 8 {
		return 0, 0, 0, false
	}
	return int16(binary.BigEndian.Uint16(b)), int16(binary.BigEndian.Uint16(b[2:])),
		int32(binary.BigEndian.Uint32(b[4:])), true
}

// ParseHeader decodes request header v1 from the start of a request frame
// (without its size prefix) and returns the body that follows.
func ParseHeader(b []byte) (RequestHeader, []byte, error) {
	r := NewReader(b)
	var h RequestHeader
	h.APIKey = r.Int16()
	h.APIVersion = r.Int16()
	h.CorrelationID = r.Int32()
	h.ClientID, _ = r.NullableString()
	if r.err != nil {
		return h, nil, r.err
	}
	return h, r.b, nil
}

// AppendResponseHeader starts a response frame in dst: a 4-byte size
// placeholder followed by response header v0 (the correlation id). Call
// FinishFrame once the body has been appended.
func AppendResponseHeader(dst []byte, correlationID int32) []byte {
	dst = append(dst, 0, 0, 0, 0)
	return binary.BigEndian.AppendUint32(dst, uint32(correlationID))
}

// FinishFrame writes the size prefix of a frame that starts at frame[0] and
// whose total on-wire length (prefix excluded) is extra bytes longer than
// frame itself: extra covers record bytes that follow by sendfile.
func FinishFrame(frame []byte, extra int64) {
	binary.BigEndian.PutUint32(frame, uint32(int64(len(frame))-4+extra))
}
