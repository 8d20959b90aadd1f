package partitioner

import (
	"math/rand"
	"strconv"
	"testing"

	"github.com/twmb/franz-go/pkg/kgo"
)

// TestMurmur2Vectors uses the vectors of Kafka's own UtilsTest.testMurmur2
// (apache/kafka clients/src/test/java/org/apache/kafka/common/utils/
// UtilsTest.java, checked at commit 1eb7644349cb).
func TestMurmur2Vectors(t *testing.T) {
	cases := []struct {
		in   []byte
		want int32
	}{
		{[]byte("21"), -973932308},
		{[]byte("foobar"), -790332482},
		{[]byte("a-little-bit-long-string"), -985981536},
		{[]byte("a-little-bit-longer-string"), -1486304829},
		{[]byte("lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8"), -58897971},
		{[]byte{'a', 'b', 'c'}, 479470107},
	}
	for _, tc := range cases {
		t.Run(string(tc.in), func(t *testing.T) {
			if got := Murmur2(tc.in); got != tc.want {
				t.Fatalf("Murmur2(%q) = %d, want %d", tc.in, got, tc.want)
			}
		})
	}
}

func TestToPositive(t *testing.T) {
	for _, tc := range []struct{ in, want int32 }{
		{0, 0}, {1, 1}, {-1, 0x7fffffff}, {-2147483648, 0}, {2147483647, 2147483647}, {-973932308, -973932308 & 0x7fffffff},
	} {
		if got := ToPositive(tc.in); got != tc.want {
			t.Errorf("ToPositive(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

// TestAgreesWithFranzGo compares Partition with franz-go's Kafka-compatible
// key partitioner (kgo.StickyKeyPartitioner(nil): murmur2, & 0x7fffffff,
// % n), an independent implementation, over random keys and counts.
func TestAgreesWithFranzGo(t *testing.T) {
	tp := kgo.StickyKeyPartitioner(nil).ForTopic("t")
	rng := rand.New(rand.NewSource(7))
	for i := 0; i < 20000; i++ {
		key := make([]byte, rng.Intn(40))
		rng.Read(key)
		if i%5 == 0 {
			key = []byte("key-" + strconv.Itoa(i))
		}
		n := int32(1 + rng.Intn(1000))
		want := tp.Partition(&kgo.Record{Key: key}, int(n))
		if got := Partition(key, n); int(got) != want {
			t.Fatalf("key %x n %d: got %d, franz-go %d", key, n, got, want)
		}
	}
}

func TestPartitionPanicsOnZero(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic")
		}
	}()
	Partition([]byte("k"), 0)
}

func BenchmarkMurmur2(b *testing.B) {
	for _, n := range []int{8, 64, 1024} {
		key := make([]byte, n)
		b.Run("size="+strconv.Itoa(n), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			for b.Loop() {
				Murmur2(key)
			}
		})
	}
}
