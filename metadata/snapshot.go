package metadata

import (
	"strconv"
	"strings"
)

// BootstrapFileName is the binary bootstrap snapshot in a log directory
// (metadata/src/main/java/org/apache/kafka/metadata/bootstrap/
// BootstrapDirectory.java BINARY_BOOTSTRAP_FILENAME).
const BootstrapFileName = "bootstrap.checkpoint"

// ParseSnapshotName parses a KRaft snapshot file name,
// "%020d-%010d.checkpoint" (end offset, epoch), as
// raft/src/main/java/org/apache/kafka/snapshot/Snapshots.java does. The end
// offset is exclusive: the snapshot holds the state of offsets below it.
func ParseSnapshotName(name string) (endOffset int64, epoch int32, ok bool) {
	stem, found := strings.CutSuffix(name, ".checkpoint")
	if !found || len(stem) != 31 || stem[20] != '-' {
		return 0, 0, false
	}
	o, err1 := strconv.ParseInt(stem[:20], 10, 64)
	e, err2 := strconv.ParseInt(stem[21:], 10, 32)
	if err1 != nil || err2 != nil || o < 0 || e < 0 {
		return 0, 0, false
	}
	return o, int32(e), true
}
