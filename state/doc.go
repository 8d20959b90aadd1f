// Package state decodes and encodes the small files that live beside a Kafka
// log: producer state snapshots, aborted-transaction indexes, the text
// checkpoints, partition.metadata and meta.properties.
//
// Every decoder is a pure function over a byte slice (the files are small and
// read whole, as Kafka itself does) and never panics. Malformed input is
// reported as a *FormatError, which matches ErrMalformed with errors.Is.
// Problems that do not stop Kafka from reading a file, such as leader epochs
// that do not increase, are returned as Findings next to the decoded value.
//
// All functions are safe for concurrent use. Decoded values own their memory:
// nothing aliases the input slice, which the caller may reuse.
//
// Binary layouts (all integers big-endian):
//
//	<20-digit offset>.snapshot  (kafka ProducerStateManager.readSnapshot, ProducerSnapshot.json)
//	+---------+------------+-------------+-----------------------------+
//	| int16   | uint32     | int32       | count x 46-byte entry       |
//	| version | crc        | count       |                             |
//	| (=1)    | CRC-32C of bytes [6:end) |                             |
//	+---------+------------+-------------+-----------------------------+
//	entry: int64 ProducerId | int16 Epoch | int32 LastSequence | int64 LastOffset |
//	       int32 OffsetDelta | int64 Timestamp | int32 CoordinatorEpoch |
//	       int64 CurrentTxnFirstOffset (-1 = none)
//
//	<20-digit offset>.txnindex  (kafka TransactionIndex, AbortedTxn)
//	34-byte entries, no header: int16 version (=0) | int64 producerId |
//	int64 firstOffset | int64 lastOffset | int64 lastStableOffset
//
// Text files (kafka CheckpointFile, PartitionMetadataFile, MetaProperties):
//
//	*-offset-checkpoint      "0\n" N "\n" then N lines "<topic> <partition> <offset>\n"
//	leader-epoch-checkpoint  "0\n" N "\n" then N lines "<epoch> <startOffset>\n"
//	partition.metadata       "version: 0\ntopic_id: <22-char base64url uuid>" (no final newline)
//	meta.properties          java.util.Properties: "#" comments, key=value lines
package state
