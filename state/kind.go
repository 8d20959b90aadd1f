package state

import (
	"path/filepath"
	"strings"
)

// Kind names the type of a state file, so a dump can dispatch on a file name.
type Kind uint8

// Kinds. Append only; String values are part of the JSON output.
const (
	KindUnknown               Kind = iota
	KindProducerSnapshot           // <offset>.snapshot
	KindTxnIndex                   // <offset>.txnindex
	KindLeaderEpochCheckpoint      // leader-epoch-checkpoint
	KindOffsetCheckpoint           // recovery-point-, replication-, log-start-, cleaner-offset-checkpoint
	KindPartitionMetadata          // partition.metadata
	KindMetaProperties             // meta.properties
	KindQuorumState                // quorum-state (KRaft, JSON; decoded by metadata.ReadQuorumState)
)

var kindNames = [...]string{
	KindUnknown:               "unknown",
	KindProducerSnapshot:      "producer-snapshot",
	KindTxnIndex:              "txn-index",
	KindLeaderEpochCheckpoint: "leader-epoch-checkpoint",
	KindOffsetCheckpoint:      "offset-checkpoint",
	KindPartitionMetadata:     "partition-metadata",
	KindMetaProperties:        "meta-properties",
	KindQuorumState:           "quorum-state",
}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "unknown"
}

// DetectKind maps a file name (a path is fine; only the base name counts) to
// its Kind. Suffixes are taken from the last dot, like DumpLogSegments, so
// temporary and marked files (".snapshot.deleted", "leader-epoch-checkpoint.tmp")
// are KindUnknown: Kafka does not read them as state.
func DetectKind(fileName string) Kind {
	base := filepath.Base(fileName)
	switch base {
	case "leader-epoch-checkpoint":
		return KindLeaderEpochCheckpoint
	case "partition.metadata":
		return KindPartitionMetadata
	case "meta.properties":
		return KindMetaProperties
	case "quorum-state":
		return KindQuorumState
	}
	if strings.HasSuffix(base, "-offset-checkpoint") {
		return KindOffsetCheckpoint
	}
	switch filepath.Ext(base) {
	case ".snapshot":
		return KindProducerSnapshot
	case ".txnindex":
		return KindTxnIndex
	}
	return KindUnknown
}
