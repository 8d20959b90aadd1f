package metadata

import (
	"encoding/json"
	"fmt"
	"os"
)

// QuorumState is the KRaft quorum-state file: JSON written by
// raft/src/main/java/org/apache/kafka/raft/FileQuorumStateStore.java from
// the QuorumStateData schema (raft/src/main/resources/common/message/
// QuorumStateData.json). data_version 0 (Kafka 3.x) carries clusterId,
// appliedOffset and currentVoters; version 1 (KIP-853, Kafka 3.9+) drops them
// and adds votedDirectoryId. Absent fields keep Kafka's defaults.
type QuorumState struct {
	ClusterID        string  `json:"clusterId"`
	LeaderID         int32   `json:"leaderId"`
	LeaderEpoch      int32   `json:"leaderEpoch"`
	VotedID          int32   `json:"votedId"`
	VotedDirectoryID *string `json:"votedDirectoryId,omitempty"`
	AppliedOffset    int64   `json:"appliedOffset"`
	CurrentVoters    []struct {
		VoterID int32 `json:"voterId"`
	} `json:"currentVoters"`
	DataVersion int16 `json:"data_version"`
}

// ReadQuorumState parses a quorum-state file. A file that is not valid JSON
// is reported as an error wrapping ErrMalformed.
func ReadQuorumState(path string) (*QuorumState, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return ParseQuorumState(b)
}

// ParseQuorumState parses quorum-state JSON.
func ParseQuorumState(b []byte) (*QuorumState, error) {
	q := &QuorumState{LeaderID: -1, LeaderEpoch: 0, VotedID: -1, AppliedOffset: 0}
	if err := json.Unmarshal(b, q); err != nil {
		return nil, fmt.Errorf("%w: quorum-state: %v", ErrMalformed, err)
	}
	return q, nil
}
