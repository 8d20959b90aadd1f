package coordinator

import (
	"encoding/base64"
	"fmt"

	"github.com/kseg/kseg/internal/kbin"
)

// ShareGroupStateTopic is the share coordinator's internal topic (KIP-932).
const ShareGroupStateTopic = "__share_group_state"

// Share-group state record types (the key's int16; apiKey of
// share-coordinator/.../ShareSnapshotKey.json and ShareUpdateKey.json).
// Part of the format, never change.
const (
	ShareSnapshotType int16 = 0
	ShareUpdateType   int16 = 1
)

// ShareStateRecord is one decoded __share_group_state record: the state of
// one share-partition (group, topic id, partition), as a full snapshot or an
// update. It owns its memory.
type ShareStateRecord struct {
	Type      int16
	GroupID   string
	TopicID   [16]byte
	Partition int32
	RawKey    []byte // unknown types: the key bytes after the type

	Tombstone    bool
	ValueVersion int16
	Message      *Message // ShareSnapshotValue / ShareUpdateValue
	RawValue     []byte   // unknown types, or a value that did not decode
	ValueError   string
}

// TypeName is "ShareSnapshot", "ShareUpdate" or "Unknown".
func (rec *ShareStateRecord) TypeName() string {
	switch rec.Type {
	case ShareSnapshotType:
		return "ShareSnapshot"
	case ShareUpdateType:
		return "ShareUpdate"
	}
	return "Unknown"
}

// DecodeShareStateRecord decodes a __share_group_state key and value (nil =
// tombstone). Keys are classic (non-flexible): int16 type, GroupId string,
// TopicId uuid, Partition int32; values are int16 version + a flexible body.
// A value that does not match the schema is kept raw with ValueError set.
func DecodeShareStateRecord(key, value []byte) (*ShareStateRecord, error) {
	if key == nil {
		return nil, &DecodeError{Part: "key", Reason: ReasonMissingKey, Detail: "record has a null key"}
	}
	r := newReader(key, "key")
	rec := &ShareStateRecord{Type: r.int16("type")}
	if rec.Type == ShareSnapshotType || rec.Type == ShareUpdateType {
		rec.GroupID = r.string(false, "groupId")
		if p := r.take(16, "topicId"); p != nil {
			copy(rec.TopicID[:], p)
		}
		rec.Partition = r.int32("partition")
	} else if r.err() == nil {
		rec.RawKey = append([]byte{}, key[2:]...)
	}
	if r.err() != nil {
		return nil, r.err()
	}
	if value == nil {
		rec.Tombstone = true
		return rec, nil
	}
	r = newReader(value, "value")
	rec.ValueVersion = r.int16("version")
	if r.err() != nil {
		return nil, r.err()
	}
	if sc := shareStateSchemas[rec.Type]; sc != nil {
		m, err := sc.decode(value, 2, "value")
		if err == nil {
			rec.Message = m
			return rec, nil
		}
		rec.ValueError = err.Error()
	}
	rec.RawValue = append([]byte{}, value[2:]...)
	return rec, nil
}

// AppendKey appends the key encoding.
func (rec *ShareStateRecord) AppendKey(dst []byte) []byte {
	dst = kbin.AppendInt16(dst, rec.Type)
	if rec.Type != ShareSnapshotType && rec.Type != ShareUpdateType {
		return append(dst, rec.RawKey...)
	}
	dst = kbin.AppendString(dst, false, rec.GroupID)
	dst = append(dst, rec.TopicID[:]...)
	return kbin.AppendInt32(dst, rec.Partition)
}

// AppendValue appends the value encoding; a tombstone appends nothing.
func (rec *ShareStateRecord) AppendValue(dst []byte) []byte {
	if rec.Tombstone {
		return dst
	}
	dst = kbin.AppendInt16(dst, rec.ValueVersion)
	if rec.Message != nil {
		return appendMessage(dst, rec.Message)
	}
	return append(dst, rec.RawValue...)
}

func (rec *ShareStateRecord) appendKeyData(dst []byte) []byte {
	o := newObject(dst)
	if rec.Type == ShareSnapshotType || rec.Type == ShareUpdateType {
		o.str("groupId", rec.GroupID)
		o.str("topicId", base64.RawURLEncoding.EncodeToString(rec.TopicID[:]))
		o.int("partition", int64(rec.Partition))
	} else {
		o.hex("hex", rec.RawKey)
	}
	return o.end()
}

func (rec *ShareStateRecord) appendValueData(dst []byte) []byte {
	if rec.Message != nil {
		return rec.Message.appendJSON(dst)
	}
	o := newObject(dst)
	o.hex("hex", rec.RawValue)
	if rec.ValueError != "" {
		o.str("error", rec.ValueError)
	}
	return o.end()
}

// Text returns the key and value as Kafka's DumpLogSegments
// --share-group-state-decoder prints them (the coordinator-record form
// --offsets-decoder uses): {"type":"0","data":{…}} and
// {"version":"0","data":{…}}, or "<DELETE>" for a tombstone.
func (rec *ShareStateRecord) Text() (key, value string) {
	return kafkaText(int(rec.Type), rec.appendKeyData(nil), rec.Tombstone, rec.ValueVersion, func() []byte { return rec.appendValueData(nil) })
}

// MarshalJSON renders kseg's NDJSON form, as GroupRecord does.
func (rec *ShareStateRecord) MarshalJSON() ([]byte, error) {
	o := newObject(nil)
	o.int("type", int64(rec.Type))
	o.str("typeName", rec.TypeName())
	o.raw("key", rec.appendKeyData(nil))
	o.recordValue(rec.Tombstone, rec.ValueVersion, func() []byte { return rec.appendValueData(nil) })
	return o.end(), nil
}

// RemoteLogMetadataTopic is the internal topic of Kafka's default tiered
// storage metadata manager (TopicBasedRemoteLogMetadataManager).
const RemoteLogMetadataTopic = "__remote_log_metadata"

// RemoteLogMetadataFrameVersion is the only frame version Kafka reads
// (AbstractApiMessageSerde.DEFAULT_FRAME_VERSION). Part of the format.
const RemoteLogMetadataFrameVersion = 1

// RemoteLogMetadataRecord is one decoded __remote_log_metadata value:
// unsigned varint frame version, api key and version, then the flexible
// record (RemoteLogMetadataSerde over BytesApiMessageSerde). Records have no
// key. It owns its memory.
type RemoteLogMetadataRecord struct {
	FrameVersion uint32
	APIKey       uint32
	Version      uint32
	Message      *Message // nil for an unknown api key
	Raw          []byte   // unknown api key: the bytes after the frame
}

// TypeName is the record's schema name, or "Unknown".
func (rec *RemoteLogMetadataRecord) TypeName() string {
	if sc := remoteLogSchemas[rec.APIKey]; sc != nil {
		return sc.name
	}
	return "Unknown"
}

// DecodeRemoteLogMetadata decodes a __remote_log_metadata record value. Like
// Kafka's serde it refuses frame versions other than 1 and bytes left after
// the record; an unknown api key is kept raw.
func DecodeRemoteLogMetadata(value []byte) (*RemoteLogMetadataRecord, error) {
	if value == nil {
		return nil, &DecodeError{Part: "value", Reason: ReasonNullField, Detail: "remote log metadata record has a null value"}
	}
	r := newReader(value, "value")
	rec := &RemoteLogMetadataRecord{}
	rec.FrameVersion = r.uvarint("frame version")
	rec.APIKey = r.uvarint("type")
	rec.Version = r.uvarint("version")
	if r.err() != nil {
		return nil, r.err()
	}
	if rec.FrameVersion != RemoteLogMetadataFrameVersion {
		return nil, &DecodeError{Part: "value", Position: 0, Reason: ReasonBadFrame,
			Detail: fmt.Sprintf("frame version %d (only %d is supported)", rec.FrameVersion, RemoteLogMetadataFrameVersion)}
	}
	sc := remoteLogSchemas[rec.APIKey]
	if sc == nil {
		rec.Raw = append([]byte{}, value[r.pos():]...)
		return rec, nil
	}
	r.part = "value"
	m := decodeMessage(r, sc.name, sc.fields, 0)
	if r.err() != nil {
		return nil, r.err()
	}
	if r.remaining() != 0 {
		return nil, &DecodeError{Part: "value", Position: r.pos(), Reason: ReasonTrailingBytes,
			Detail: fmt.Sprintf("%d byte(s) after %s", r.remaining(), sc.name)}
	}
	rec.Message = m
	return rec, nil
}

// AppendTo appends the record's encoding.
func (rec *RemoteLogMetadataRecord) AppendTo(dst []byte) []byte {
	dst = kbin.AppendUvarint(dst, rec.FrameVersion)
	dst = kbin.AppendUvarint(dst, rec.APIKey)
	dst = kbin.AppendUvarint(dst, rec.Version)
	if rec.Message != nil {
		return appendMessage(dst, rec.Message)
	}
	return append(dst, rec.Raw...)
}

// Text renders the record as one JSON object in the form Kafka's
// --cluster-metadata-decoder uses, {"type":"<record name>","version":N,
// "data":{…}}. (Kafka's --remote-log-metadata-decoder prints the Java
// objects' toString instead, which is not JSON.)
func (rec *RemoteLogMetadataRecord) Text() string {
	b, _ := rec.MarshalJSON()
	return string(b)
}

// MarshalJSON is the same object as Text.
func (rec *RemoteLogMetadataRecord) MarshalJSON() ([]byte, error) {
	o := newObject(nil)
	o.str("type", rec.TypeName())
	o.int("version", int64(rec.Version))
	if rec.Message != nil {
		o.raw("data", rec.Message.appendJSON(nil))
	} else {
		o.raw("data", newObject(nil).hexEnd("hex", rec.Raw))
		o.int("apiKey", int64(rec.APIKey))
	}
	return o.end(), nil
}
