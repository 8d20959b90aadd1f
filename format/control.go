package format

import (
	"encoding/binary"
	"fmt"
)

// ControlType is the type of a control record (ControlRecordType.java).
type ControlType int16

// Control record types.
const (
	ControlAbort          ControlType = 0
	ControlCommit         ControlType = 1
	ControlLeaderChange   ControlType = 2
	ControlSnapshotHeader ControlType = 3
	ControlSnapshotFooter ControlType = 4
	ControlKRaftVersion   ControlType = 5
	ControlKRaftVoters    ControlType = 6
)

// String is Kafka's enum name; unknown types are "UNKNOWN".
func (t ControlType) String() string {
	switch t {
	case ControlAbort:
		return "ABORT"
	case ControlCommit:
		return "COMMIT"
	case ControlLeaderChange:
		return "LEADER_CHANGE"
	case ControlSnapshotHeader:
		return "SNAPSHOT_HEADER"
	case ControlSnapshotFooter:
		return "SNAPSHOT_FOOTER"
	case ControlKRaftVersion:
		return "KRAFT_VERSION"
	case ControlKRaftVoters:
		return "KRAFT_VOTERS"
	}
	return "UNKNOWN"
}

// ControlRecord is a parsed control record key (and, for transaction
// markers, its value).
type ControlRecord struct {
	Version int16
	Type    ControlType
	// RawType is the type as stored, kept for unknown types.
	RawType int16
	// Marker fields (ABORT/COMMIT), from EndTransactionMarker.
	MarkerVersion    int16
	CoordinatorEpoch int32
}

// IsMarker reports an ABORT or COMMIT marker.
func (c *ControlRecord) IsMarker() bool { return c.Type == ControlAbort || c.Type == ControlCommit }

// ParseControlRecord decodes a control record key (int16 version, int16 type)
// and, for COMMIT/ABORT, the EndTransactionMarker value (int16 version, int32
// coordinator epoch). Unknown types are returned, not rejected.
func ParseControlRecord(key, value []byte) (ControlRecord, error) {
	var c ControlRecord
	if len(key) < 4 {
		return c, fmt.Errorf("control record key of %d bytes is shorter than 4", len(key))
	}
	c.Version = int16(binary.BigEndian.Uint16(key))
	if c.Version < 0 {
		return c, fmt.Errorf("invalid negative control record key version %d", c.Version)
	}
	c.RawType = int16(binary.BigEndian.Uint16(key[2:]))
	c.Type = ControlType(c.RawType)
	if c.IsMarker() {
		if len(value) < 6 {
			return c, fmt.Errorf("end transaction marker value of %d bytes is shorter than 6", len(value))
		}
		c.MarkerVersion = int16(binary.BigEndian.Uint16(value))
		c.CoordinatorEpoch = int32(binary.BigEndian.Uint32(value[2:]))
	}
	return c, nil
}

// ControlKey encodes a control record key.
func ControlKey(t ControlType) []byte {
	return binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, 0), uint16(t))
}

// EndTxnMarkerValue encodes an EndTransactionMarker value (version 0).
func EndTxnMarkerValue(coordinatorEpoch int32) []byte {
	return binary.BigEndian.AppendUint32(binary.BigEndian.AppendUint16(nil, 0), uint32(coordinatorEpoch))
}

// AppendEndTxnMarker appends a transactional control batch holding one
// COMMIT or ABORT marker, as a transaction coordinator writes it.
func AppendEndTxnMarker(dst []byte, o BatchOptions, t ControlType, coordinatorEpoch int32, timestamp int64) ([]byte, error) {
	o.Magic = 2
	o.Control = true
	o.Transactional = true
	o.Compression = CompressionNone
	o.BaseSequence = -1
	return appendV2(dst, o, []Message{{Key: ControlKey(t), Value: EndTxnMarkerValue(coordinatorEpoch), Timestamp: timestamp}})
}
