package coordinator

import "testing"

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
