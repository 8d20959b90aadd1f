// Package metadata decodes Kafka's KRaft metadata log — the
// __cluster_metadata-0 partition, its <endOffset>-<epoch>.checkpoint
// snapshots, bootstrap.checkpoint and quorum-state — and replays it into the
// cluster image at any offset or time.
//
// A metadata record is the value of an ordinary v2 record (no key) in an
// ordinary record batch; the batch's partitionLeaderEpoch is the Raft epoch.
// The value is framed by AbstractApiMessageSerde
// (server-common/.../serialization/AbstractApiMessageSerde.java):
//
//	+-----------------------+------------------+---------------------+------------------------+
//	| frame version uvarint | type uvarint     | version uvarint     | body (flexible)        |
//	| always 1              | MetadataRecord-  | the type's schema   | compact strings/arrays,|
//	|                       | Type id (0..28)  | version             | tagged-field sections  |
//	+-----------------------+------------------+---------------------+------------------------+
//
// KRaft control records (control batches) have the usual control key
// (int16 version, int16 type: 2 LeaderChange, 3 SnapshotHeader, 4
// SnapshotFooter, 5 KRaftVersion, 6 Voters; ControlRecordType.java) and a
// value that is the flexible body alone, read at version 0
// (ControlRecordUtils.java).
//
// Layouts come from Kafka's message schemas
// (metadata/src/main/resources/common/metadata/*.json and
// clients/src/main/resources/common/message/*.json), turned into Go tables by
// internal/schemagen; the decoder interprets the tables (decode.go), the
// JSON writer prints what Kafka's generated JsonConverters print (json.go),
// and the encoder writes what MetadataRecordSerde writes (encode.go).
//
// Decoding never panics and never allocates from an unchecked length
// (internal/kbin bounds every read); problems are *DecodeError values
// (errors.Is(err, ErrMalformed)) carried in the returned record so that an
// unknown type, version or tagged field is shown, never fatal.
//
// Load replays the newest snapshot at or before the target and the log
// after it into an Image (image.go), following MetadataDelta.replay and
// PartitionRegistration.merge; History reports every change to a topic,
// partition or broker. Memory is bounded by the image, not the log: files
// are streamed batch by batch.
package metadata
