// Package partitioner reproduces how Kafka's Java producer picks a partition
// for a keyed record, so kseg can spread records over a topic's partitions
// exactly where a real producer would have put them.
//
// It mirrors apache/kafka clients/src/main/java/org/apache/kafka/common/
// utils/Utils.java (murmur2, toPositive) and clients/.../producer/internals/
// BuiltInPartitioner.java (partitionForKey: toPositive(murmur2(key)) %
// numPartitions), which the DefaultPartitioner used before it. The package
// has no state and its functions are safe for concurrent use.
package partitioner

// Murmur2 constants: part of the partitioning contract, never change.
const (
	murmur2Seed uint32 = 0x9747b28c
	murmur2M    uint32 = 0x5bd1e995
	murmur2R           = 24
)

// Murmur2 is Kafka's Utils.murmur2: 32-bit MurmurHash2 of b with seed
// 0x9747b28c, returned as Java's signed int.
func Murmur2(b []byte) int32 {
	h := murmur2Seed ^ uint32(len(b))
	for len(b) >= 4 {
		k := uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
		k *= murmur2M
		k ^= k >> murmur2R
		k *= murmur2M
		h *= murmur2M
		h ^= k
		b = b[4:]
	}
	// Java's switch falls through from case 3 to case 1.
	switch len(b) {
	case 3:
		h ^= uint32(b[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(b[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(b[0])
		h *= murmur2M
	}
	h ^= h >> 13
	h *= murmur2M
	h ^= h >> 15
	return int32(h)
}

// ToPositive is Kafka's Utils.toPositive: it clears the sign bit (not
// Math.abs, which stays negative for MinInt32).
func ToPositive(n int32) int32 { return n & 0x7fffffff }

// Partition is BuiltInPartitioner.partitionForKey: the partition of a
// non-null key among n partitions. It panics if n <= 0 (a programmer error:
// a topic has at least one partition). Null keys are not hashed by Kafka;
// callers choose a partition for them (see appender.AppendTopicInput).
func Partition(key []byte, n int32) int32 {
	if n <= 0 {
		panic("partitioner: partition count must be positive")
	}
	return ToPositive(Murmur2(key)) % n
}
