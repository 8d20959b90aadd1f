// Package appender writes Kafka partition directories the way a broker does:
// segments (<base>.log), their offset and time indexes, the aborted
// transaction index, leader-epoch-checkpoint and partition.metadata.
//
// It mirrors these Kafka classes (apache/kafka,
// storage/src/main/java/org/apache/kafka/storage/internals/log/):
//
//   - LogSegment.java: append (when index entries are written), roll and close
//     (the final time-index entry), shouldRoll (segment.bytes, full indexes,
//     relative-offset overflow)
//   - UnifiedLog.java / LocalLog.java: offset assignment, segment rolling,
//     the leader-epoch cache (LeaderEpochFileCache.assign)
//   - ProducerStateManager.java: the last stable offset recorded with an
//     aborted transaction (lastStableOffset(CompletedTxn)), and the producer
//     state snapshots (<offset>.snapshot, ProducerSnapshot.json version 1)
//     taken on every roll at the new segment's base offset and on Close at
//     the log end offset, with one entry per idempotent or transactional
//     producer (empty when none wrote), as takeSnapshot writes them
//
// # Index layout: appended, not preallocated
//
// A broker preallocates the active segment's .index to segment.index.bytes
// (10485760) and its .timeindex to 10485756 bytes, zero-filled, and trims both
// to their entries when the segment is rolled or closed. A Writer instead
// appends entries to files that are exactly entries × entry size long at every
// moment. Both layouts are valid Kafka indexes: a broker opening ours counts
// entries = length/entry size, which is exact, and grows the active segment's
// indexes again at startup (LogLoader resizeIndexes). We do it this way so a
// crash can leave at worst a lagging index or a partial trailing entry (which
// `kseg repair` rebuilds), never a preallocated tail whose end Kafka cannot
// tell.
//
// # Crash safety
//
// Every batch is written to the .log before any index entry that points into
// it. Index entries are buffered (at most about 4 KiB of them) and written
// after the batches they describe, at the latest on Sync, roll and Close; an
// index that lags the log is valid (lookups scan forward from the entry they
// find). If a write to the .log fails halfway, the Writer truncates the
// partial batch away and refuses further appends. A crash at any point leaves
// a partition that `kseg verify` accepts, or a torn tail in the last segment
// that `kseg repair` cuts, plus at worst a partial trailing index entry that
// `kseg repair` rebuilds. Checkpoint files (leader-epoch-checkpoint,
// partition.metadata) are replaced atomically (internal/fsutil), and the
// leader-epoch-checkpoint is written before the first batch of a new epoch, as
// UnifiedLog assigns the epoch before appending; Kafka drops entries past the
// log end at load (LeaderEpochFileCache.truncateFromEnd), so a crash in
// between is harmless.
//
// # Not modelled
//
// Producer ids are not expired (producer.id.expiration.ms: the broker drops
// expired entries when it loads a snapshot). Sequence numbers and producer
// epochs are not validated against producer state, and transactions are tracked only from the batches a Writer reads in
// the active segment at open and appends itself: a transaction whose first
// batch lies in an older segment is recorded in the .txnindex with the marker's
// offset as its first offset. segment.ms rolling is not modelled either.
package appender
