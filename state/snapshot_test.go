package state

import (
	"encoding/binary"
	"errors"
	"hash/crc32"
	"math"
	"reflect"
	"testing"
)

func sampleEntries() []ProducerEntry {
	return []ProducerEntry{
		{ProducerID: 1000, ProducerEpoch: 0, LastSequence: 41, LastOffset: 41, OffsetDelta: 1,
			Timestamp: 1700000000456, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
		{ProducerID: 2000, ProducerEpoch: 3, LastSequence: 4, LastOffset: 99, OffsetDelta: 9,
			Timestamp: 1700000000999, CoordinatorEpoch: 7, CurrentTxnFirstOffset: 90},
		{ProducerID: 3000, ProducerEpoch: 1, LastSequence: -1, LastOffset: -1, OffsetDelta: 0,
			Timestamp: 1700000001000, CoordinatorEpoch: 0, CurrentTxnFirstOffset: -1},
	}
}

// Named mutators, as in etcd repair_test.go corruptFunc.
func flipBit(b []byte, pos int) []byte {
	c := append([]byte(nil), b...)
	c[pos] ^= 1
	return c
}

func truncate(b []byte, n int) []byte { return append([]byte(nil), b[:n]...) }

func withUint32(b []byte, pos int, v uint32) []byte {
	c := append([]byte(nil), b...)
	binary.BigEndian.PutUint32(c[pos:], v)
	return c
}

func withUint16(b []byte, pos int, v uint16) []byte {
	c := append([]byte(nil), b...)
	binary.BigEndian.PutUint16(c[pos:], v)
	return c
}

func fixCRC(b []byte) []byte {
	c := append([]byte(nil), b...)
	binary.BigEndian.PutUint32(c[2:], crc32.Checksum(c[6:], castagnoli))
	return c
}

func TestDecodeProducerSnapshot(t *testing.T) {
	good := AppendProducerSnapshot(nil, sampleEntries())
	tests := []struct {
		name       string
		in         []byte
		wantReason string // "" = no error
		wantN      int    // entries when a snapshot is returned
		wantSnap   bool
		wantTrail  int
	}{
		{name: "good", in: good, wantN: 3, wantSnap: true},
		{name: "empty-snapshot", in: AppendProducerSnapshot(nil, nil), wantN: 0, wantSnap: true},
		{name: "empty-file", in: nil, wantReason: ReasonTruncated},
		{name: "one-byte", in: []byte{0}, wantReason: ReasonTruncated},
		{name: "version-0", in: withUint16(good, 0, 0), wantReason: ReasonUnsupportedVersion},
		{name: "version-2", in: withUint16(good, 0, 2), wantReason: ReasonUnsupportedVersion},
		{name: "short-header", in: truncate(good, 8), wantReason: ReasonTruncated},
		{name: "bad-crc", in: flipBit(good, 20), wantReason: ReasonCRCMismatch, wantN: 3, wantSnap: true},
		{name: "stored-crc-flipped", in: flipBit(good, 3), wantReason: ReasonCRCMismatch, wantN: 3, wantSnap: true},
		{name: "truncated-entry", in: truncate(good, len(good)-1), wantReason: ReasonCountExceedsFile},
		{name: "count-larger-than-file", in: fixCRC(withUint32(good, 6, 4)), wantReason: ReasonCountExceedsFile},
		{name: "count-huge", in: fixCRC(withUint32(good, 6, math.MaxInt32)), wantReason: ReasonCountExceedsFile},
		{name: "count-negative", in: fixCRC(withUint32(good, 6, 0xFFFFFFFF)), wantReason: ReasonNegativeCount},
		{name: "trailing-bytes", in: fixCRC(append(append([]byte(nil), good...), 1, 2, 3)), wantN: 3, wantSnap: true, wantTrail: 3},
		{name: "count-smaller-than-file", in: fixCRC(withUint32(good, 6, 2)), wantN: 2, wantSnap: true, wantTrail: 46},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := DecodeProducerSnapshot(tt.in)
			checkReason(t, err, tt.wantReason, len(tt.in))
			if (s != nil) != tt.wantSnap {
				t.Fatalf("snapshot = %v, want non-nil %v", s, tt.wantSnap)
			}
			if s == nil {
				return
			}
			if len(s.Entries) != tt.wantN {
				t.Errorf("entries = %d, want %d", len(s.Entries), tt.wantN)
			}
			if s.TrailingBytes != tt.wantTrail {
				t.Errorf("trailing = %d, want %d", s.TrailingBytes, tt.wantTrail)
			}
			if s.CRCValid != (tt.wantReason == "") {
				t.Errorf("CRCValid = %v", s.CRCValid)
			}
		})
	}
}

// checkReason asserts err is nil (want "") or a *FormatError with the reason
// and a position inside the input.
func checkReason(t *testing.T, err error, want string, size int) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatalf("unexpected error: %v", err)
		}
		return
	}
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
	var fe *FormatError
	if !errors.As(err, &fe) {
		t.Fatalf("err %T is not *FormatError", err)
	}
	if fe.Reason != want {
		t.Fatalf("reason = %q, want %q (%v)", fe.Reason, want, err)
	}
	if fe.Position < 0 || fe.Position > int64(size) {
		t.Fatalf("position %d outside [0, %d]", fe.Position, size)
	}
}

func TestProducerSnapshotCRCMismatchDetail(t *testing.T) {
	good := AppendProducerSnapshot(nil, sampleEntries())
	bad := withUint32(good, 2, 12345)
	s, err := DecodeProducerSnapshot(bad)
	var fe *FormatError
	if !errors.As(err, &fe) || fe.Reason != ReasonCRCMismatch {
		t.Fatalf("err = %v", err)
	}
	if s.CRC != 12345 || s.ComputedCRC != binary.BigEndian.Uint32(good[2:]) {
		t.Fatalf("stored %d computed %d", s.CRC, s.ComputedCRC)
	}
	want := "Stored crc: 12345. Computed crc: " + itoa(int64(s.ComputedCRC))
	if fe.Detail != want {
		t.Fatalf("detail = %q, want %q", fe.Detail, want)
	}
	if !reflect.DeepEqual(s.Entries, sampleEntries()) {
		t.Fatalf("entries not kept on CRC mismatch: %+v", s.Entries)
	}
}

func TestProducerSnapshotRoundTrip(t *testing.T) {
	want := sampleEntries()
	b := AppendProducerSnapshot([]byte("prefix"), want)
	s, err := DecodeProducerSnapshot(b[len("prefix"):])
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Entries, want) {
		t.Fatalf("got %+v, want %+v", s.Entries, want)
	}
	if len(b)-len("prefix") != 10+46*len(want) {
		t.Fatalf("size %d", len(b))
	}
}

func TestFormatProducerEntry(t *testing.T) {
	tests := []struct {
		name string
		in   ProducerEntry
		want string
	}{
		{
			// reference §1.6 sample D
			name: "sample-D",
			in: ProducerEntry{ProducerID: 1000, ProducerEpoch: 0, LastSequence: 41, LastOffset: 41, OffsetDelta: 1,
				Timestamp: 1700000000456, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
			want: "producerId: 1000 producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: 1700000000456 firstSequence: 40 lastSequence: 41 lastOffset: 41 offsetDelta: 1 timestamp: 1700000000456",
		},
		{
			name: "open-transaction",
			in: ProducerEntry{ProducerID: 7, ProducerEpoch: 2, LastSequence: 9, LastOffset: 120, OffsetDelta: 9,
				Timestamp: 5, CoordinatorEpoch: 3, CurrentTxnFirstOffset: 111},
			want: "producerId: 7 producerEpoch: 2 coordinatorEpoch: 3 currentTxnFirstOffset: OptionalLong[111] lastTimestamp: 5 firstSequence: 0 lastSequence: 9 lastOffset: 120 offsetDelta: 9 timestamp: 5",
		},
		{
			name: "no-batch-metadata",
			in: ProducerEntry{ProducerID: 8, ProducerEpoch: 0, LastSequence: -1, LastOffset: -1,
				Timestamp: -1, CoordinatorEpoch: -1, CurrentTxnFirstOffset: -1},
			want: "producerId: 8 producerEpoch: 0 coordinatorEpoch: -1 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: -1",
		},
		{
			name: "sequence-wraps",
			in: ProducerEntry{ProducerID: 9, LastSequence: 2, LastOffset: 10, OffsetDelta: 4,
				Timestamp: 1, CurrentTxnFirstOffset: -1},
			want: "producerId: 9 producerEpoch: 0 coordinatorEpoch: 0 currentTxnFirstOffset: OptionalLong.empty lastTimestamp: 1 firstSequence: 2147483646 lastSequence: 2 lastOffset: 10 offsetDelta: 4 timestamp: 1",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := FormatProducerEntry(tt.in); got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}

func TestFirstSequence(t *testing.T) {
	// DefaultRecordBatch.decrementSequence, including Java int overflow.
	tests := []struct{ last, delta, want int32 }{
		{41, 1, 40},
		{0, 0, 0},
		{0, 1, math.MaxInt32},
		{2, 4, math.MaxInt32 - 1},
		{math.MaxInt32, math.MaxInt32, 0},
		{-2, math.MaxInt32, int32(math.MaxInt32 - (math.MaxInt32 + 2) + 1)},
	}
	for _, tt := range tests {
		got := ProducerEntry{LastSequence: tt.last, OffsetDelta: tt.delta}.FirstSequence()
		if got != tt.want {
			t.Errorf("FirstSequence(%d, %d) = %d, want %d", tt.last, tt.delta, got, tt.want)
		}
	}
}
