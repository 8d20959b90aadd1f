package coordinator

import (
	"fmt"
	"testing"
)

func BenchmarkDecodeGroupRecord(b *testing.B) {
	oc := &GroupRecord{Type: TypeOffsetCommit, Key: GroupKey{Group: "group", Topic: "topic", Partition: 3}, ValueVersion: 3,
		OffsetCommit: &OffsetCommitValue{Offset: 42, LeaderEpoch: 1, CommitTimestamp: 1700000000000, ExpireTimestamp: -1}}
	sub := (&ConsumerSubscription{Version: 3, Topics: []string{"foo"}, GenerationID: 1}).AppendTo(nil)
	assign := (&ConsumerAssignment{Version: 3, AssignedPartitions: []TopicPartitions{{"foo", []int32{0, 1, 2}}}}).AppendTo(nil)
	for _, c := range []struct {
		name string
		rec  *GroupRecord
	}{{"offset-commit", oc}, {"group-metadata", kafkaGoldenGroup(sub, assign)}} {
		key, value := c.rec.AppendKey(nil), c.rec.AppendValue(nil)
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(key) + len(value)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeGroupRecord(key, value); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadGroups replays a generated __consumer_offsets partition of
// offset commits (100 per batch, 1000 groups x 20 partitions).
func BenchmarkLoadGroups(b *testing.B) {
	const records = 200_000
	logDir := b.TempDir()
	lb := newLogBuilder(b, logDir, "__consumer_offsets-0")
	batch := make([]kv, 0, 100)
	for i := 0; i < records; i++ {
		batch = append(batch, offsetKV(fmt.Sprintf("group-%d", i%1000), "orders", int32(i/1000%20), int64(i), 3))
		if len(batch) == cap(batch) {
			lb.data(batch...)
			batch = batch[:0]
		}
	}
	lb.close()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		gs, err := LoadGroups(logDir)
		if err != nil || len(gs.Groups) != 1000 {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(records)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}
