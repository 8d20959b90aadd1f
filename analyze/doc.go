// Package analyze answers questions about whole partitions that no single
// batch can: which transactions are still open and where the last stable
// offset sits (Txns), how producers batch and compress (Stats), and which
// producers a partition holds as DescribeProducers reports them (Producers:
// the newest .snapshot plus the log after it).
//
// Both walk a partition's segments in offset order with a header-only
// format.BatchReader (STYLE.md §3: read the 61-byte header, then skip), so
// memory stays bounded by the number of concurrently open transactions and by
// fixed-size histograms, never by the log size. Transaction markers are the
// one exception: a control batch's single record must be read to tell COMMIT
// from ABORT, and those batches are tiny and uncompressed.
//
// Like verify, analyze returns values and never prints; dump renders them.
// Everything here opens files O_RDONLY.
package analyze
