package state

import (
	"fmt"
	"testing"
)

func BenchmarkDecodeProducerSnapshot(b *testing.B) {
	for _, n := range []int{1, 1000} {
		entries := make([]ProducerEntry, n)
		for i := range entries {
			entries[i] = ProducerEntry{ProducerID: int64(i), LastSequence: 9, LastOffset: int64(i * 10), OffsetDelta: 9,
				Timestamp: 1700000000000, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1}
		}
		in := AppendProducerSnapshot(nil, entries)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeProducerSnapshot(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecodeOffsetCheckpoint(b *testing.B) {
	for _, n := range []int{10, 10000} {
		tps := make([]TopicPartitionOffset, n)
		for i := range tps {
			tps[i] = TopicPartitionOffset{Topic: fmt.Sprintf("topic-%d", i/50), Partition: int32(i % 50), Offset: int64(i) * 1000}
		}
		in := AppendOffsetCheckpoint(nil, tps)
		b.Run(fmt.Sprintf("entries=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(in)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := DecodeOffsetCheckpoint(in, "f"); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
