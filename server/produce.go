package server

import (
	"encoding/binary"
	"hash/crc32"
	"sync/atomic"
	"time"

	"github.com/kseg/kseg/server/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// v2 RecordBatch header layout (DefaultRecordBatch.java), part of the format,
// never change.
const (
	batchLengthPos      = 8
	batchMagicPos       = 16
	batchCRCPos         = 17
	batchAttributesPos  = 21
	batchLastDeltaPos   = 23
	batchRecordCountPos = 57
	batchHeaderSize     = 61 // RECORD_BATCH_OVERHEAD
	logOverhead         = 12 // baseOffset + length
)

// Batch attribute bits.
const (
	attrCompressionMask = 0x07
	attrTransactional   = 0x10
	attrControl         = 0x20
	compressionZstd     = 4
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// validateProduceBatch checks what Kafka's ProduceRequest.validateRecords and
// LogValidator check at the batch level for Produce v3+: exactly one magic-v2
// batch whose length matches the bytes sent, a valid CRC-32C over
// attributes..end, a known codec, not a control batch, and a record count
// consistent with lastOffsetDelta. Records inside are not decoded: the CRC is
// the producer's promise and consumers decode them anyway.
func validateProduceBatch(b []byte, version int16) int16 {
	if len(b) < batchHeaderSize {
		return protocol.ErrInvalidRecord
	}
	length := int64(int32(binary.BigEndian.Uint32(b[batchLengthPos:])))
	if length+logOverhead != int64(len(b)) {
		return protocol.ErrInvalidRecord
	}
	if b[batchMagicPos] != 2 {
		return protocol.ErrInvalidRecord
	}
	if binary.BigEndian.Uint32(b[batchCRCPos:]) != crc32.Checksum(b[batchAttributesPos:], castagnoli) {
		return protocol.ErrCorruptMessage
	}
	attrs := binary.BigEndian.Uint16(b[batchAttributesPos:])
	codec := attrs & attrCompressionMask
	if codec > compressionZstd || attrs&attrControl != 0 {
		return protocol.ErrInvalidRecord
	}
	if codec == compressionZstd && version < 7 {
		return protocol.ErrUnsupportedCompressionType
	}
	if attrs&attrTransactional != 0 {
		// No transaction coordinator: nothing could ever commit or abort.
		return protocol.ErrInvalidTxnState
	}
	count := int32(binary.BigEndian.Uint32(b[batchRecordCountPos:]))
	lastDelta := int32(binary.BigEndian.Uint32(b[batchLastDeltaPos:]))
	if count <= 0 || lastDelta != count-1 {
		return protocol.ErrInvalidRecord
	}
	return protocol.ErrNone
}

func (s *server) produce(q *kmsg.ProduceRequest) *kmsg.ProduceResponse {
	version := q.Version
	topLevel := protocol.ErrNone
	switch {
	case version < 3:
		// Advertised (with 0–2) only so librdkafka < 2.11.1 keeps
		// compressing (KAFKA-18659); clients always pick a higher version.
		topLevel = protocol.ErrUnsupportedVersion
	case !s.writable:
		topLevel = protocol.ErrTopicAuthorizationFailed
	case q.TransactionID != nil:
		topLevel = protocol.ErrTransactionalIDAuthFailed
	case q.Acks != 0 && q.Acks != 1 && q.Acks != -1:
		topLevel = protocol.ErrInvalidRequiredAcks
	}
	resp := q.ResponseKind().(*kmsg.ProduceResponse)
	resp.Topics = make([]kmsg.ProduceResponseTopic, 0, len(q.Topics))
	appended := false
	for _, t := range q.Topics {
		tr := kmsg.NewProduceResponseTopic()
		tr.Topic = t.Topic
		tr.Partitions = make([]kmsg.ProduceResponseTopicPartition, 0, len(t.Partitions))
		created := false
		for _, p := range t.Partitions {
			pr := kmsg.NewProduceResponseTopicPartition()
			pr.Partition, pr.BaseOffset, pr.LogAppendTime, pr.LogStartOffset = p.Partition, -1, -1, -1
			pr.ErrorCode = topLevel
			if pr.ErrorCode == protocol.ErrNone {
				pr.ErrorCode = validateProduceBatch(p.Records, version)
			}
			var pl PartitionLog
			if pr.ErrorCode == protocol.ErrNone {
				pl, pr.ErrorCode = s.partition(t.Topic, p.Partition)
				if pr.ErrorCode == protocol.ErrUnknownTopicOrPartition && !created {
					// Auto-creation on Produce (Kafka's auto.create.topics.enable).
					created = true
					if _, ok := s.autoCreate(t.Topic, true); ok {
						pl, pr.ErrorCode = s.partition(t.Topic, p.Partition)
					}
				}
			}
			if pr.ErrorCode == protocol.ErrNone {
				base, err := pl.Append(p.Records)
				if err != nil {
					s.cfg.Logf("kseg serve: produce %s-%d: %v", t.Topic, p.Partition, err)
					pr.ErrorCode = errorCode(err)
				} else {
					appended = true
					pr.BaseOffset = base
					if start, err := pl.LogStartOffset(); err == nil {
						pr.LogStartOffset = start
					}
				}
			}
			tr.Partitions = append(tr.Partitions, pr)
		}
		resp.Topics = append(resp.Topics, tr)
	}
	if appended {
		s.appended.notify()
	}
	return resp
}

// producerIDs hands out producer ids for idempotent producers. There is no
// producer state: sequence numbers are stored but not checked, which is
// enough for clients that enable idempotence by default (franz-go, Java).
type producerIDs struct {
	next atomic.Int64
}

func (p *producerIDs) get() int64 {
	// Start from the clock so ids from an earlier run of the server (which
	// may be in the log) are unlikely to be reused.
	p.next.CompareAndSwap(0, time.Now().UnixMilli()<<8)
	return p.next.Add(1)
}

func (s *server) initProducerID(q *kmsg.InitProducerIDRequest) *kmsg.InitProducerIDResponse {
	resp := q.ResponseKind().(*kmsg.InitProducerIDResponse)
	if q.TransactionalID != nil {
		resp.ErrorCode, resp.ProducerID, resp.ProducerEpoch = protocol.ErrTransactionalIDAuthFailed, -1, -1
		return resp
	}
	resp.ProducerID, resp.ProducerEpoch = s.pids.get(), 0
	return resp
}
