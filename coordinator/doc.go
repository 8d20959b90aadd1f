// Package coordinator decodes and encodes the record keys and values of
// Kafka's internal coordinator topics: __consumer_offsets (group coordinator)
// and __transaction_state (transaction coordinator).
//
// Both topics use the Kafka message-schema encoding (kafka generator,
// group-coordinator/src/main/resources/common/message/*.json and
// transaction-coordinator/src/main/resources/common/message/*.json):
//
//	key   = int16 record type | key fields at the type's key schema
//	value = int16 version     | value fields at that version   (absent = tombstone)
//
// Classic ("non-flexible") versions write strings as int16 length + bytes
// (-1 = null; Kafka's readers take any negative length as null), bytes and
// arrays with an int32 length. Flexible versions write
// unsigned-varint lengths plus one ("compact"), and end every struct with a
// tagged-field section: uvarint count, then (uvarint tag, uvarint size, bytes).
// Like Kafka's generated readers, fields are gated by version comparisons
// only, so a version newer than the schema is read with the newest layout
// (KIP-915 allows only tagged fields to be added after the first flexible
// version) and trailing bytes are ignored.
//
// The primitives are read and written with internal/kbin, the same code the
// KRaft metadata decoder uses.
//
// Decoders never panic and check every length and count against the bytes
// that remain before allocating; malformed input is a *DecodeError, which
// matches ErrMalformed with errors.Is. Record types this package does not know
// are not errors: their bytes are kept and rendered as hex.
//
// All functions are safe for concurrent use. Decoded records own their memory:
// nothing aliases the key or value slices, which the caller may reuse.
//
// Offline state: LoadGroups and ReplayTransactions (LoadTransactions)
// replay a log directory's own __consumer_offsets-N and __transaction_state-N
// partitions to the end of their logs, as a coordinator loads them when it
// becomes leader, and return the groups, members, committed offsets and
// transactions it would then hold. They open files read-only and keep only
// the live state in memory.
//
// Output: Text returns the strings Kafka's DumpLogSegments prints with
// --offsets-decoder (Kafka >= 3.8, KAFKA-16470) or --transaction-log-decoder
// (the Java tool's JSON); MarshalJSON returns kseg's NDJSON object. Both have
// a fixed key order.
package coordinator
