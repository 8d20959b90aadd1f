// Package metadatatest writes KRaft metadata logs and snapshots for tests
// and benchmarks: a batch writer over format.AppendBatch and a scenario that
// exercises every metadata record type (registrations, fencing, controlled
// shutdown, topics, leader and ISR changes, reassignment, ELR, configs,
// quotas, ACLs, SCRAM, delegation tokens, producer ids, a committed and an
// aborted metadata transaction, topic deletion).
package metadatatest

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/kbin"
	"github.com/kseg/kseg/metadata"
)

// Writer appends record batches to one file. Not safe for concurrent use.
type Writer struct {
	f      *os.File
	w      *bufio.Writer
	buf    []byte
	Next   int64 // next offset
	Epoch  int32
	Time   int64 // timestamp of the next batch (ms); advanced 1 s per batch
	Bytes  int64
	Record int64
}

// Create starts a file at path whose first offset is base.
func Create(path string, base int64) (*Writer, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &Writer{f: f, w: bufio.NewWriterSize(f, 1<<20), Next: base, Epoch: 1, Time: 1735689600000}, nil
}

// Batch appends one batch holding the given metadata record values.
func (w *Writer) Batch(values ...[]byte) error { return w.batch(false, nil, values) }

// Control appends a control batch with one KRaft control record.
func (w *Writer) Control(typ int16, value []byte) error {
	key := binary.BigEndian.AppendUint16(binary.BigEndian.AppendUint16(nil, 0), uint16(typ))
	return w.batch(true, key, [][]byte{value})
}

func (w *Writer) batch(control bool, key []byte, values [][]byte) error {
	msgs := make([]format.Message, len(values))
	for i, v := range values {
		msgs[i] = format.Message{Key: key, Value: v, Timestamp: w.Time}
	}
	o := format.BatchOptions{Magic: 2, BaseOffset: w.Next, PartitionLeaderEpoch: w.Epoch, Control: control}
	o.NoProducer()
	var err error
	w.buf, err = format.AppendBatch(w.buf[:0], o, msgs)
	if err != nil {
		return err
	}
	if _, err := w.w.Write(w.buf); err != nil {
		return err
	}
	w.Next += int64(len(values))
	w.Record += int64(len(values))
	w.Bytes += int64(len(w.buf))
	w.Time += 1000
	return nil
}

// Close flushes and closes the file.
func (w *Writer) Close() error {
	if err := w.w.Flush(); err != nil {
		w.f.Close()
		return err
	}
	return w.f.Close()
}

// Rec encodes a metadata record; it panics on a programming error (unknown
// type or version), which only a broken test can cause.
func Rec(typ, version int16, kv ...any) []byte {
	b, err := metadata.EncodeRecord(nil, typ, version, metadata.NewStruct(kv...))
	if err != nil {
		panic(err)
	}
	return b
}

// Ctl encodes a KRaft control record value.
func Ctl(typ int16, kv ...any) []byte {
	b, err := metadata.EncodeControl(nil, typ, metadata.NewStruct(kv...))
	if err != nil {
		panic(err)
	}
	return b
}

// ID returns a deterministic uuid.
func ID(n int) kbin.UUID {
	var u kbin.UUID
	binary.BigEndian.PutUint64(u[8:], uint64(n)+1)
	u[0] = byte(n>>8) | 0x40
	return u
}

func endpoint(name, host string, port int) *metadata.Struct {
	return metadata.NewStruct("name", name, "host", host, "port", port, "securityProtocol", 0)
}

// Scenario writes a cluster's history: 3 brokers and 1 controller, the
// given number of topics with 3 partitions each, then rounds of
// leader/ISR changes until the file holds at least minBytes (0: one round).
// It returns the offsets at which interesting things happen, for tests.
func Scenario(w *Writer, topics int, minBytes int64) error {
	rack := "rack-a"
	steps := [][]byte{
		Rec(23, 0, "name", "Bootstrap records"),
		Rec(12, 0, "name", "metadata.version", "featureLevel", 25),
		Rec(12, 0, "name", "kraft.version", "featureLevel", 1),
		Rec(24, 0),
	}
	if err := w.Control(metadata.ControlLeaderChange, Ctl(metadata.ControlLeaderChange, "version", 0, "leaderId", 100,
		"voters", []*metadata.Struct{metadata.NewStruct("voterId", 100)}, "grantingVoters", []*metadata.Struct{metadata.NewStruct("voterId", 100)})); err != nil {
		return err
	}
	if err := w.Control(metadata.ControlKRaftVersion, Ctl(metadata.ControlKRaftVersion, "version", 0, "kRaftVersion", 1)); err != nil {
		return err
	}
	if err := w.Control(metadata.ControlKRaftVoters, Ctl(metadata.ControlKRaftVoters, "version", 0, "voters", []*metadata.Struct{
		metadata.NewStruct("voterId", 100, "voterDirectoryId", ID(900), "endpoints", []*metadata.Struct{endpoint("CONTROLLER", "c100", 9093)},
			"kRaftVersionFeature", metadata.NewStruct("minSupportedVersion", 0, "maxSupportedVersion", 1))})); err != nil {
		return err
	}
	if err := w.Batch(steps...); err != nil {
		return err
	}
	if err := w.Batch(Rec(27, 0, "controllerId", 100, "incarnationId", ID(800), "zkMigrationReady", false,
		"endPoints", []*metadata.Struct{endpoint("CONTROLLER", "c100", 9093)}, "features", []*metadata.Struct{})); err != nil {
		return err
	}
	for b := 1; b <= 3; b++ {
		v := int16(3)
		if b == 3 {
			v = 0 // an old broker registration version
		}
		if err := w.Batch(Rec(0, v, "brokerId", b, "incarnationId", ID(700+b), "brokerEpoch", int64(10+b),
			"endPoints", []*metadata.Struct{endpoint("PLAINTEXT", fmt.Sprintf("b%d", b), 9092)},
			"features", []*metadata.Struct{metadata.NewStruct("name", "metadata.version", "minSupportedVersion", 1, "maxSupportedVersion", 25)},
			"rack", &rack, "fenced", true, "inControlledShutdown", false, "logDirs", []kbin.UUID{ID(600 + b)})); err != nil {
			return err
		}
		if err := w.Batch(Rec(17, 2, "brokerId", b, "brokerEpoch", int64(10+b), "fenced", -1, "inControlledShutdown", 0)); err != nil {
			return err
		}
	}
	for t := 0; t < topics; t++ {
		name := fmt.Sprintf("topic-%d", t)
		recs := [][]byte{Rec(2, 0, "name", name, "topicId", ID(t))}
		for p := 0; p < 3; p++ {
			reps := []int32{int32(1 + p%3), int32(1 + (p+1)%3), int32(1 + (p+2)%3)}
			v := int16(2)
			if t%2 == 1 {
				v = 0
			}
			recs = append(recs, Rec(3, v, "partitionId", p, "topicId", ID(t), "replicas", reps, "isr", reps,
				"removingReplicas", []int32{}, "addingReplicas", []int32{}, "leader", reps[0], "leaderEpoch", 0, "partitionEpoch", 0,
				"directories", []kbin.UUID{ID(600 + int(reps[0])), ID(600 + int(reps[1])), ID(600 + int(reps[2]))}))
		}
		recs = append(recs, Rec(4, 0, "resourceType", 2, "resourceName", name, "name", "retention.ms", "value", "86400000"))
		if err := w.Batch(recs...); err != nil {
			return err
		}
	}
	one := func(values ...[]byte) error { return w.Batch(values...) }
	misc := [][]byte{
		Rec(4, 0, "resourceType", 4, "resourceName", "", "name", "log.retention.ms", "value", "604800000"),
		Rec(4, 0, "resourceType", 4, "resourceName", "2", "name", "log.cleaner.threads", "value", "2"),
		Rec(14, 0, "entity", []*metadata.Struct{metadata.NewStruct("entityType", "user", "entityName", "alice")}, "key", "producer_byte_rate", "value", 1048576.0, "remove", false),
		Rec(14, 0, "entity", []*metadata.Struct{metadata.NewStruct("entityType", "client-id", "entityName", nil)}, "key", "consumer_byte_rate", "value", 2e7, "remove", false),
		Rec(18, 0, "id", ID(500), "resourceType", 2, "resourceName", "topic-0", "patternType", 3, "principal", "User:alice", "host", "*", "operation", 3, "permissionType", 3),
		Rec(18, 0, "id", ID(501), "resourceType", 2, "resourceName", "*", "patternType", 3, "principal", "User:bob", "host", "*", "operation", 2, "permissionType", 3),
		Rec(11, 0, "name", "alice", "mechanism", 1, "salt", []byte{1, 2}, "storedKey", []byte{3}, "serverKey", []byte{4}, "iterations", 4096),
		Rec(10, 0, "owner", "User:alice", "requester", "User:alice", "renewers", []string{}, "issueTimestamp", int64(1), "maxTimestamp", int64(2), "expirationTimestamp", int64(3), "tokenId", "tok-1"),
		Rec(15, 0, "brokerId", 1, "brokerEpoch", int64(11), "nextProducerId", int64(1000)),
		Rec(20, 0),
	}
	if err := one(misc...); err != nil {
		return err
	}
	// An aborted metadata transaction: its topic must never appear.
	if err := one(Rec(23, 0, "name", "aborted"), Rec(2, 0, "name", "ghost", "topicId", ID(9999)), Rec(25, 0, "reason", "test")); err != nil {
		return err
	}
	round := 0
	for {
		if err := changes(w, topics, round); err != nil {
			return err
		}
		round++
		if w.Bytes >= minBytes {
			break
		}
	}
	// Fence broker 3, controlled shutdown of broker 2, unregister 3, delete
	// the last topic, remove a quota, an ACL and SCRAM, clear ELR, more ids.
	return one(
		Rec(7, 0, "id", 3, "epoch", int64(13)),
		Rec(17, 1, "brokerId", 2, "brokerEpoch", int64(12), "fenced", 0, "inControlledShutdown", 1),
		Rec(1, 0, "brokerId", 3, "brokerEpoch", int64(13)),
		Rec(9, 0, "topicId", ID(topics-1)),
		Rec(14, 0, "entity", []*metadata.Struct{metadata.NewStruct("entityType", "user", "entityName", "alice")}, "key", "producer_byte_rate", "value", 0.0, "remove", true),
		Rec(19, 0, "id", ID(501)),
		Rec(22, 0, "name", "alice", "mechanism", 1),
		Rec(26, 0, "tokenId", "tok-1"),
		Rec(28, 0, "topicName", ""),
		Rec(15, 0, "brokerId", 2, "brokerEpoch", int64(12), "nextProducerId", int64(2000)),
		Rec(4, 0, "resourceType", 4, "resourceName", "2", "name", "log.cleaner.threads", "value", nil),
		Rec(8, 0, "id", 1, "epoch", int64(11)),
		Rec(21, 0, "zkMigrationState", 0),
		Rec(27, 0, "controllerId", 101, "incarnationId", ID(801), "zkMigrationReady", false,
			"endPoints", []*metadata.Struct{endpoint("CONTROLLER", "c101", 9093)}, "features", []*metadata.Struct{}),
		Rec(29, 0, "controllerId", 101),
	)
}

// changes writes one round of partition changes: leader moves, ISR
// shrink/expand, a reassignment step and an ELR update on topic-0.
func changes(w *Writer, topics, round int) error {
	var recs [][]byte
	for t := 0; t < topics; t++ {
		for p := 0; p < 3; p++ {
			leader := int32(1 + (p+round+1)%3)
			isr := []int32{leader, int32(1 + (p+round+2)%3)}
			recs = append(recs, Rec(5, 0, "partitionId", p, "topicId", ID(t), "isr", isr, "leader", leader))
		}
		if len(recs) >= 50 {
			if err := w.Batch(recs...); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	recs = append(recs,
		Rec(5, 0, "partitionId", 0, "topicId", ID(0), "replicas", []int32{1, 2, 3, 4}, "addingReplicas", []int32{4}, "leader", -2, "isr", nil),
		Rec(5, 1, "partitionId", 0, "topicId", ID(0), "replicas", []int32{1, 2, 4}, "addingReplicas", []int32{}, "removingReplicas", []int32{},
			"directories", []kbin.UUID{ID(601), ID(602), ID(604)}, "leader", -2, "isr", []int32{1, 2, 4}),
		Rec(5, 2, "partitionId", 1, "topicId", ID(0), "leader", -1, "isr", []int32{}, "eligibleLeaderReplicas", []int32{2, 3}, "lastKnownElr", []int32{1}, "leaderRecoveryState", 0),
		Rec(5, 2, "partitionId", 1, "topicId", ID(0), "leader", 2, "isr", []int32{2}, "eligibleLeaderReplicas", []int32{}, "lastKnownElr", []int32{}),
	)
	return w.Batch(recs...)
}

// WriteSnapshot writes im as a KRaft snapshot file
// <dir>/<endOffset>-<epoch>.checkpoint (endOffset = im.Offset+1):
// SnapshotHeader, the image's records, SnapshotFooter.
func WriteSnapshot(dir string, im *metadata.Image, epoch int32, lastTimestamp int64) (string, error) {
	path := filepath.Join(dir, fmt.Sprintf("%020d-%010d.checkpoint", im.Offset+1, epoch))
	w, err := Create(path, 0)
	if err != nil {
		return "", err
	}
	w.Epoch = epoch
	if err := w.Control(metadata.ControlSnapshotHeader, Ctl(metadata.ControlSnapshotHeader, "version", 0, "lastContainedLogTimestamp", lastTimestamp)); err != nil {
		return "", err
	}
	// With kraft.version 1 a snapshot carries the KRaftVersion and Voters
	// control records right after its header (KIP-853).
	if im.KRaftVersion > 0 {
		if err := w.Control(metadata.ControlKRaftVersion, Ctl(metadata.ControlKRaftVersion, "version", 0, "kRaftVersion", im.KRaftVersion)); err != nil {
			return "", err
		}
		var voters []*metadata.Struct
		for _, v := range im.Voters {
			var eps []*metadata.Struct
			for _, e := range v.Endpoints {
				eps = append(eps, endpoint(e.Name, e.Host, int(e.Port)))
			}
			voters = append(voters, metadata.NewStruct("voterId", v.ID, "voterDirectoryId", v.DirectoryID, "endpoints", eps,
				"kRaftVersionFeature", metadata.NewStruct("minSupportedVersion", 0, "maxSupportedVersion", 1)))
		}
		if err := w.Control(metadata.ControlKRaftVoters, Ctl(metadata.ControlKRaftVoters, "version", 0, "voters", voters)); err != nil {
			return "", err
		}
	}
	var batch [][]byte
	err = im.SnapshotRecords(func(v []byte) error {
		batch = append(batch, v)
		if len(batch) == 100 {
			err := w.Batch(batch...)
			batch = batch[:0]
			return err
		}
		return nil
	})
	if err == nil && len(batch) > 0 {
		err = w.Batch(batch...)
	}
	if err == nil {
		err = w.Control(metadata.ControlSnapshotFooter, Ctl(metadata.ControlSnapshotFooter, "version", 0))
	}
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	return path, err
}
