package index

import (
	"bytes"
	"encoding/binary"
	"slices"
	"strings"
	"testing"
)

// Named mutators for corrupt inputs (STYLE §6): each returns a modified copy.
func truncateBy(n int) func([]byte) []byte {
	return func(b []byte) []byte { return bytes.Clone(b[:len(b)-n]) }
}

func swapSlots(i, j, size int) func([]byte) []byte {
	return func(b []byte) []byte {
		b = bytes.Clone(b)
		a := bytes.Clone(b[i*size : (i+1)*size])
		copy(b[i*size:], b[j*size:(j+1)*size])
		copy(b[j*size:], a)
		return b
	}
}

func setByte(pos int, v byte) func([]byte) []byte {
	return func(b []byte) []byte { b = bytes.Clone(b); b[pos] = v; return b }
}

func putInt32(pos int, v int32) func([]byte) []byte {
	return func(b []byte) []byte {
		b = bytes.Clone(b)
		binary.BigEndian.PutUint32(b[pos:], uint32(v))
		return b
	}
}

func putInt64(pos int, v int64) func([]byte) []byte {
	return func(b []byte) []byte {
		b = bytes.Clone(b)
		binary.BigEndian.PutUint64(b[pos:], uint64(v))
		return b
	}
}

func pad(size int) func([]byte) []byte {
	return func(b []byte) []byte { return padTo(bytes.Clone(b), size) }
}

type wantFinding struct {
	kind FindingKind
	slot int
}

func kindsOf(fs []Finding) []wantFinding {
	var out []wantFinding
	for _, f := range fs {
		out = append(out, wantFinding{f.Kind, f.Slot})
	}
	return out
}

func TestOffsetIndexSanityCheck(t *testing.T) {
	const base = 1000
	clean := encodeOffsetIndex(base, []OffsetPosition{{1010, 4100}, {1020, 8200}, {1030, 12300}, {1040, 16400}})
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   []wantFinding
	}{
		{"clean", func(b []byte) []byte { return b }, nil},
		{"clean preallocated", pad(DefaultMaxIndexSize), nil},
		{"unsorted", swapSlots(1, 2, 8), []wantFinding{{OffsetNotIncreasing, 2}, {PositionDecreasing, 2}}},
		{"truncated entry", truncateBy(3), []wantFinding{{SizeNotMultiple, -1}}},
		{"not a multiple of 8 with zero tail", pad(100), []wantFinding{{SizeNotMultiple, -1}}},
		{"garbage after zero tail", func(b []byte) []byte { return setByte(4_000_000, 7)(pad(DefaultMaxIndexSize)(b)) },
			[]wantFinding{{NonzeroAfterZeroTail, 500_000}}},
		{"last offset below base", putInt32(24, -5),
			[]wantFinding{{LastOffsetBelowBase, 3}, {OffsetBelowBase, 3}, {OffsetNotIncreasing, 3}}},
		{"negative position", putInt32(4, -1), []wantFinding{{PositionNegative, 0}}},
		{"position decreasing", putInt32(12, 10), []wantFinding{{PositionDecreasing, 1}}},
		{"duplicate offset", putInt32(8, 10), []wantFinding{{OffsetNotIncreasing, 1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := newOffsetIndexBytes(tc.mutate(clean), base).SanityCheck()
			if err != nil {
				t.Fatal(err)
			}
			if got := kindsOf(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %v\nwant kinds %v", fs, tc.want)
			}
		})
	}

	t.Run("Kafka's messages", func(t *testing.T) {
		fs, _ := newOffsetIndexBytes(putInt32(24, -5)(clean), base).SanityCheck()
		want := "Corrupt index found, index file <file> has non-zero size but the last offset is 995 which is less than the base offset 1000"
		if fs[0].KafkaMessage != want || fs[0].Offset != 995 || fs[0].Position != 24 {
			t.Errorf("got %+v", fs[0])
		}
		fs, _ = newOffsetIndexBytes(truncateBy(3)(clean), base).SanityCheck()
		want = "Index file <file> is corrupt, found 29 bytes which is neither positive nor a multiple of 8"
		if fs[0].KafkaMessage != want || fs[0].Position != 24 {
			t.Errorf("got %+v", fs[0])
		}
		fs, _ = newOffsetIndexBytes(swapSlots(1, 2, 8)(clean), base).SanityCheck()
		if fs[0].KafkaMessage != "" {
			t.Errorf("our own rule carries a Kafka message: %+v", fs[0])
		}
	})

	t.Run("findings are capped", func(t *testing.T) {
		var es []OffsetPosition
		for i := range 5000 {
			es = append(es, OffsetPosition{Offset: base + 10000 - int64(i), Position: int32(100000 - i)})
		}
		fs, err := newOffsetIndexBytes(encodeOffsetIndex(base, es), base).SanityCheck()
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != MaxFindings+1 {
			t.Fatalf("%d findings, want %d", len(fs), MaxFindings+1)
		}
		last := fs[len(fs)-1]
		if last.Kind != TooManyFindings || !strings.HasPrefix(last.Detail, "9898 more") {
			t.Fatalf("last finding = %+v", last)
		}
	})
}

func TestTimeIndexSanityCheck(t *testing.T) {
	const base = 1000
	clean := encodeTimeIndex(base, []TimestampOffset{{5000, 1010}, {6000, 1020}, {7000, 1020}, {8000, 1040}})
	tests := []struct {
		name   string
		mutate func([]byte) []byte
		want   []wantFinding
	}{
		{"clean", func(b []byte) []byte { return b }, nil},
		{"clean preallocated 10485756", pad(10485756), nil},
		{"preallocated 10485760", pad(DefaultMaxIndexSize), []wantFinding{{SizeNotMultiple, -1}}},
		{"last timestamp below first", putInt64(36, 4000),
			[]wantFinding{{LastTimestampBelowFirst, 3}, {TimestampNotIncreasing, 3}}},
		{"equal timestamps", putInt64(12, 5000), []wantFinding{{TimestampNotIncreasing, 1}}},
		{"offset decreasing", putInt32(32, 5), []wantFinding{{OffsetDecreasing, 2}}},
		{"last offset below base", putInt32(44, -1),
			[]wantFinding{{LastOffsetBelowBase, 3}, {OffsetBelowBase, 3}, {OffsetDecreasing, 3}}},
		{"truncated entry", truncateBy(1), []wantFinding{{SizeNotMultiple, -1}}},
		{"garbage after zero tail", func(b []byte) []byte { return setByte(1200, 1)(pad(2400)(b)) },
			[]wantFinding{{NonzeroAfterZeroTail, 100}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fs, err := newTimeIndexBytes(tc.mutate(clean), base).SanityCheck()
			if err != nil {
				t.Fatal(err)
			}
			if got := kindsOf(fs); !slices.Equal(got, tc.want) {
				t.Fatalf("findings = %v\nwant kinds %v", fs, tc.want)
			}
		})
	}
	t.Run("Kafka's messages", func(t *testing.T) {
		fs, _ := newTimeIndexBytes(putInt64(36, 4000)(clean), base).SanityCheck()
		want := "Corrupt time index found, time index file (<file>) has non-zero size but the last timestamp is 4000 which is less than the first timestamp 5000"
		if fs[0].KafkaMessage != want {
			t.Errorf("got %q", fs[0].KafkaMessage)
		}
		fs, _ = newTimeIndexBytes(pad(DefaultMaxIndexSize)(clean), base).SanityCheck()
		want = "Time index file <file> is corrupt, found 10485760 bytes which is neither positive nor a multiple of 12"
		if fs[0].KafkaMessage != want {
			t.Errorf("got %q", fs[0].KafkaMessage)
		}
	})
}

func TestCheckPositionsWithin(t *testing.T) {
	b := encodeOffsetIndex(0, []OffsetPosition{{10, 4100}, {20, 8200}, {30, 12300}})
	x := newOffsetIndexBytes(padTo(b, 800), 0)
	for _, tc := range []struct {
		logSize int64
		want    []wantFinding
	}{
		{12301, nil},
		{12300, []wantFinding{{PositionPastEndOfLog, 2}}},
		{5000, []wantFinding{{PositionPastEndOfLog, 1}, {PositionPastEndOfLog, 2}}},
	} {
		fs, err := x.CheckPositionsWithin(tc.logSize)
		if err != nil {
			t.Fatal(err)
		}
		if got := kindsOf(fs); !slices.Equal(got, tc.want) {
			t.Errorf("logSize %d: findings = %v, want %v", tc.logSize, fs, tc.want)
		}
	}
}

func TestFindingKindNames(t *testing.T) {
	seen := map[string]bool{}
	for k := SizeNotMultiple; k <= TooManyFindings; k++ {
		s := k.String()
		if s == "" || strings.HasPrefix(s, "finding-kind-") || strings.ToLower(s) != s || seen[s] {
			t.Errorf("kind %d has bad or duplicate name %q", k, s)
		}
		seen[s] = true
	}
	if got := FindingKind(0).String(); got != "finding-kind-0" {
		t.Errorf("zero kind = %q", got)
	}
	if got, _ := PositionPastEndOfLog.MarshalText(); string(got) != "position-past-end-of-log" {
		t.Errorf("MarshalText = %q", got)
	}
}
