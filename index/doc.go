// Package index reads, checks and writes Kafka's per-segment offset index
// (<base>.index) and time index (<base>.timeindex).
//
// It mirrors these Kafka classes (apache/kafka,
// storage/src/main/java/org/apache/kafka/storage/internals/log/):
//
//   - OffsetIndex.java:   entry layout, lookup, sanityCheck
//   - TimeIndex.java:     entry layout, lookup, maybeAppend, sanityCheck
//   - AbstractIndex.java: slot count of an existing file, the "warm section" binary search
//   - LogSegment.java:    when entries are written (append, recover)
//
// # Byte layout
//
// Neither file has a header, a version or a checksum; an index is an array of
// fixed-size big-endian entries (OffsetIndex.java: "No attempt is made to
// checksum the contents of this file, in the event of a crash it is rebuilt").
// Offsets are stored relative to the segment's base offset, which is not in the
// file: it comes from the file name (%020d.index) and the caller passes it in.
//
// .index, 8 bytes per entry (OffsetIndexEntrySize):
//
//	+----------------------+----------------------+
//	| relativeOffset int32 | position int32       |
//	| bytes 0..3           | bytes 4..7           |
//	+----------------------+----------------------+
//	offset   = baseOffset + relativeOffset   (last offset of the batch at position)
//	position = byte position of a batch start in <base>.log
//
// .timeindex, 12 bytes per entry (TimeIndexEntrySize):
//
//	+---------------------------------------------+----------------------+
//	| timestamp int64                             | relativeOffset int32 |
//	| bytes 0..7                                  | bytes 8..11          |
//	+---------------------------------------------+----------------------+
//	timestamp = largest batch max timestamp seen in the segment so far
//	offset    = baseOffset + relativeOffset   (last offset of the batch that first carried it)
//
// # Valid entries and the zeroed tail
//
// The active segment's indexes are preallocated (10485760 bytes for .index,
// 10485756 for .timeindex) and zero-filled past the last written entry. After
// a crash Kafka reopens such a file with every slot counted as an entry, so
// the file alone does not say where the entries end. Like DumpLogSegments we
// end the valid entries at the first slot after slot 0 whose relative offset
// is 0 (.index) or whose timestamp and relative offset are both 0
// (.timeindex). Everything after that point should be zero; that benign state
// is [ZeroedTail]. Non-zero bytes there are reported as a finding, never
// silently used. One departure from DumpLogSegments, which always prints slot 0:
// a wholly zero file has no entries, rather than one entry (baseOffset, 0).
//
// # Reading
//
// [OffsetIndex] and [TimeIndex] read through an [io.ReaderAt] and never load
// the file. Whole-file passes (finding the end of the valid entries, sanity
// checks, iteration) read 64 KiB chunks. The first pass also keeps one key per
// 4 KiB block of entries; a lookup on a sorted index binary-searches those keys
// in memory and then reads the one block that holds the answer, because a pread
// costs far more than searching 4 KiB. On an unsorted (corrupt) index a lookup
// instead replays Kafka's own warm-section binary search, O(log n) single-entry
// reads, so that it returns the entry the broker would. Kafka mmaps its indexes; we do not, because
// touching a mapping of a file that was truncated underneath us is a fatal
// SIGBUS in Go.
//
// # Writing
//
// [AppendOffsetEntry] and [AppendTimeEntry] encode single entries. [Builder]
// produces whole index files with Kafka's rebuild rule (LogSegment.recover)
// or append rule (LogSegment.append).
package index
