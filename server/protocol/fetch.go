package protocol

import "encoding/binary"

// The Fetch response is framed here rather than by kmsg so that each
// partition's record bytes can follow its header straight from the segment
// files (sendfile): the records are a partition's last field before its
// tagged fields, so a response is header bytes, records, header bytes,
// records, … Layouts follow Kafka's FetchResponse.json (v4–v16); v12+ is
// flexible: compact arrays, strings and bytes (uvarint length+1) and a
// tagged-field section closing every structure, and v13+ names topics by id.

// AbortedTransaction is one entry of a Fetch partition's aborted list.
type AbortedTransaction struct {
	ProducerID  int64
	FirstOffset int64
}

// FetchPartitionHeader is everything of a Fetch partition response except
// the records.
type FetchPartitionHeader struct {
	PartitionIndex   int32
	ErrorCode        int16
	HighWatermark    int64
	LastStableOffset int64
	LogStartOffset   int64
	// Aborted is sent as null when AbortedNull (read_uncommitted).
	Aborted     []AbortedTransaction
	AbortedNull bool
}

func fetchFlexible(v int16) bool { return v >= 12 }

func appendArrayLen(dst []byte, flexible bool, n int) []byte {
	if flexible {
		return binary.AppendUvarint(dst, uint64(n)+1)
	}
	return binary.BigEndian.AppendUint32(dst, uint32(int32(n)))
}

// AppendFetchResponseStart appends the fields before the topic array, and
// the topic array's length.
func AppendFetchResponseStart(dst []byte, v int16, errorCode int16, sessionID int32, numTopics int) []byte {
	if v >= 1 {
		dst = binary.BigEndian.AppendUint32(dst, 0) // throttle_time_ms
	}
	if v >= 7 {
		dst = binary.BigEndian.AppendUint16(dst, uint16(errorCode))
		dst = binary.BigEndian.AppendUint32(dst, uint32(sessionID))
	}
	return appendArrayLen(dst, fetchFlexible(v), numTopics)
}

// AppendFetchTopicStart appends a topic's name (v0–12) or id (v13+) and its
// partition count.
func AppendFetchTopicStart(dst []byte, v int16, topic string, topicID [16]byte, numPartitions int) []byte {
	switch {
	case v >= 13:
		dst = append(dst, topicID[:]...)
	case fetchFlexible(v):
		dst = binary.AppendUvarint(dst, uint64(len(topic))+1)
		dst = append(dst, topic...)
	default:
		dst = binary.BigEndian.AppendUint16(dst, uint16(len(topic)))
		dst = append(dst, topic...)
	}
	return appendArrayLen(dst, fetchFlexible(v), numPartitions)
}

// AppendFetchPartition appends one partition's fields up to and including
// the records' length prefix. The caller then sends exactly recordsLen
// record bytes and calls AppendFetchPartitionEnd. The record set is never
// null: Kafka answers an error with an empty set (MemoryRecords.EMPTY), and
// librdkafka ("invalid MessageSetSize -1") and Java 2.2's consumer
// (SchemaException) reject a null one.
func AppendFetchPartition(dst []byte, v int16, h *FetchPartitionHeader, recordsLen int32) []byte {
	flex := fetchFlexible(v)
	dst = binary.BigEndian.AppendUint32(dst, uint32(h.PartitionIndex))
	dst = binary.BigEndian.AppendUint16(dst, uint16(h.ErrorCode))
	dst = binary.BigEndian.AppendUint64(dst, uint64(h.HighWatermark))
	if v >= 4 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(h.LastStableOffset))
	}
	if v >= 5 {
		dst = binary.BigEndian.AppendUint64(dst, uint64(h.LogStartOffset))
	}
	if v >= 4 {
		switch {
		case h.AbortedNull && flex:
			dst = append(dst, 0)
		case h.AbortedNull:
			dst = binary.BigEndian.AppendUint32(dst, 0xffffffff)
		default:
			dst = appendArrayLen(dst, flex, len(h.Aborted))
			for _, a := range h.Aborted {
				dst = binary.BigEndian.AppendUint64(dst, uint64(a.ProducerID))
				dst = binary.BigEndian.AppendUint64(dst, uint64(a.FirstOffset))
				if flex {
					dst = append(dst, 0)
				}
			}
		}
	}
	if v >= 11 {
		dst = binary.BigEndian.AppendUint32(dst, 0xffffffff) // preferred_read_replica -1
	}
	if recordsLen < 0 {
		recordsLen = 0
	}
	if flex {
		return binary.AppendUvarint(dst, uint64(recordsLen)+1)
	}
	return binary.BigEndian.AppendUint32(dst, uint32(recordsLen))
}

// AppendFetchPartitionEnd closes a partition after its records (v12+: an
// empty tagged-field section).
func AppendFetchPartitionEnd(dst []byte, v int16) []byte { return appendTags(dst, v) }

// AppendFetchTopicEnd closes a topic after its partitions.
func AppendFetchTopicEnd(dst []byte, v int16) []byte { return appendTags(dst, v) }

// AppendFetchResponseEnd closes the response after its topics.
func AppendFetchResponseEnd(dst []byte, v int16) []byte { return appendTags(dst, v) }

func appendTags(dst []byte, v int16) []byte {
	if fetchFlexible(v) {
		return append(dst, 0)
	}
	return dst
}
