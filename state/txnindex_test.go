package state

import (
	"reflect"
	"strconv"
	"testing"
)

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

func sampleTxns() []AbortedTxn {
	return []AbortedTxn{
		{ProducerID: 2000, FirstOffset: 10, LastOffset: 15, LastStableOffset: 10},
		{ProducerID: 2001, FirstOffset: 12, LastOffset: 20, LastStableOffset: 12},
	}
}

func appendTxns(es []AbortedTxn) []byte {
	var b []byte
	for _, e := range es {
		b = AppendAbortedTxn(b, e)
	}
	return b
}

func TestDecodeTxnIndex(t *testing.T) {
	good := appendTxns(sampleTxns())
	tests := []struct {
		name       string
		in         []byte
		wantN      int
		wantTail   int
		wantReason string
	}{
		{name: "empty", in: nil},
		{name: "two", in: good, wantN: 2},
		{name: "partial-tail", in: truncate(good, len(good)-5), wantN: 1, wantTail: 29},
		{name: "only-partial", in: truncate(good, 33), wantTail: 33},
		{name: "version-1-second-entry", in: withUint16(good, 34, 1), wantN: 1, wantReason: ReasonUnsupportedVersion},
		{name: "version-256-first-entry", in: withUint16(good, 0, 256), wantReason: ReasonUnsupportedVersion},
		{name: "version-negative", in: withUint16(good, 0, 0xFFFF), wantReason: ReasonUnsupportedVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			es, tail, err := DecodeTxnIndex(tt.in)
			checkReason(t, err, tt.wantReason, len(tt.in))
			if len(es) != tt.wantN || tail != tt.wantTail {
				t.Fatalf("entries %d tail %d, want %d %d", len(es), tail, tt.wantN, tt.wantTail)
			}
		})
	}
}

func TestTxnIndexRoundTrip(t *testing.T) {
	es, tail, err := DecodeTxnIndex(appendTxns(sampleTxns()))
	if err != nil || tail != 0 || !reflect.DeepEqual(es, sampleTxns()) {
		t.Fatalf("got %+v %d %v", es, tail, err)
	}
}

func TestFormatAbortedTxn(t *testing.T) {
	// reference §1.6 sample D
	got := FormatAbortedTxn(AbortedTxn{ProducerID: 2000, FirstOffset: 10, LastOffset: 15, LastStableOffset: 10})
	want := "version: 0 producerId: 2000 firstOffset: 10 lastOffset: 15 lastStableOffset: 10"
	if got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestCheckTxnIndex(t *testing.T) {
	tests := []struct {
		name string
		in   []AbortedTxn
		base int64
		want []string // reasons in order
	}{
		{name: "clean", in: sampleTxns(), base: 0},
		{name: "below-base", in: sampleTxns(), base: 16, want: []string{ReasonLastOffsetBelowBase}},
		{name: "not-increasing", in: []AbortedTxn{{FirstOffset: 1, LastOffset: 5}, {FirstOffset: 2, LastOffset: 5}},
			want: []string{ReasonLastOffsetNotIncreasing}},
		{name: "first-after-last", in: []AbortedTxn{{FirstOffset: 9, LastOffset: 5}},
			want: []string{ReasonFirstOffsetAfterLast}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, f := range CheckTxnIndex(tt.in, tt.base) {
				got = append(got, f.Reason)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v want %v", got, tt.want)
			}
		})
	}
}

// TestCheckAbortEntry pins the shared rule for an ABORT marker's .txnindex
// entry (one per aborted transaction with data, naming its first offset).
func TestCheckAbortEntry(t *testing.T) {
	e := &AbortedTxn{ProducerID: 7, FirstOffset: 10, LastOffset: 20}
	for _, tc := range []struct {
		name                   string
		entry                  *AbortedTxn
		pid, first, deletedBel int64
		want                   AbortVerdict
	}{
		{"matching entry", e, 7, 10, 0, AbortEntryOK},
		{"data but no entry", nil, 7, 10, 0, AbortEntryMissing},
		{"empty transaction, no entry", nil, 7, -1, 0, AbortEntryNoData},
		{"entry, data deleted", e, 7, -1, 0, AbortEntryOK},
		{"another producer", e, 8, 10, 0, AbortEntryWrongProducer},
		{"wrong first offset", e, 7, 12, 0, AbortEntryWrongFirstOffset},
		{"first offset in deleted data", e, 7, 12, 11, AbortEntryOK},
	} {
		if got := CheckAbortEntry(tc.entry, tc.pid, tc.first, tc.deletedBel); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}
