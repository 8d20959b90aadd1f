// Package fsutil is kseg's one implementation of safe file mutation
// (STYLE.md §5). Every byte kseg changes on disk goes through this package:
//
//   - [WriteFileAtomic]: temp file in the same directory (suffix [TempSuffix])
//     → fsync file → rename over the target → fsync directory, so a crash at
//     any point leaves the target wholly old or wholly new.
//   - [TruncateFile]: truncate then fsync. The caller must first copy the
//     doomed bytes into a [Quarantine] (STYLE.md §5.3, §5.4).
//   - [Quarantine]: a fresh, timestamped directory outside every Kafka
//     log.dir holding verified, fsynced copies of every byte kseg removes or
//     replaces, with a manifest.json that is rewritten after every save.
//   - [LockHeld] and [AcquireLock]: the broker's <log.dir>/.lock, probed and
//     taken with fcntl record locks, the same kind of lock Java's
//     FileChannel.tryLock takes on Linux.
//
// All mutating operations go through the small [FS] interface so that tests
// can inject a failure at every operation with [FaultFS] and assert the
// wholly-old-or-wholly-new invariant at each crash point.
//
// # Restoring from a quarantine
//
// Each manifest entry records the source's size at save time (SourceSize)
// and the byte range [Start, End) that was copied. A repair step either cuts
// the file at Start (End == SourceSize) or replaces the whole file (Start ==
// 0, End == SourceSize). To undo one step, truncate (or extend) the current
// file to SourceSize and write the stored bytes back at Start, e.g.
//
//	dd if=<quarantine>/<Stored> of=<Source> bs=1M oflag=seek_bytes seek=<Start> conv=notrunc
//	truncate -s <SourceSize> <Source>
//
// Undo entries for the same source newest first. [Reassemble] does exactly
// this in memory and is what the round-trip tests use.
package fsutil
