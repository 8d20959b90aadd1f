package state

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestDecodeOffsetCheckpoint(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		want       []TopicPartitionOffset
		wantReason string
		wantLine   int
		wantDetail string
		findings   []string
	}{
		{name: "empty-file", in: "", want: []TopicPartitionOffset{}},
		{name: "version-only", in: "0\n", want: []TopicPartitionOffset{}},
		{name: "zero-entries", in: "0\n0\n", want: []TopicPartitionOffset{}},
		{name: "one", in: "0\n1\nlsx1 0 14\n", want: []TopicPartitionOffset{{"lsx1", 0, 14}}},
		{name: "no-final-newline", in: "0\n1\nlsx1 0 14", want: []TopicPartitionOffset{{"lsx1", 0, 14}}},
		{name: "crlf", in: "0\r\n1\r\nt-x 3 7\r\n", want: []TopicPartitionOffset{{"t-x", 3, 7}}},
		{name: "tabs-and-trailing-space", in: "0\n1\nt\t3  7 \n", want: []TopicPartitionOffset{{"t", 3, 7}}},
		{name: "duplicate", in: "0\n2\nt 0 1\nt 0 2\n", want: []TopicPartitionOffset{{"t", 0, 1}, {"t", 0, 2}},
			findings: []string{ReasonDuplicatePartition}},
		{name: "bad-version", in: "1\n0\n", wantReason: ReasonUnsupportedVersion, wantLine: 1,
			wantDetail: "Unrecognised version:1, expected version: 0 in checkpoint file at: cp"},
		{name: "version-not-int", in: "x\n0\n", wantReason: ReasonMalformedLine, wantLine: 1},
		{name: "count-not-int", in: "0\nx\n", wantReason: ReasonMalformedLine, wantLine: 2},
		{name: "negative-count", in: "0\n-1\n", wantReason: ReasonNegativeCount, wantLine: 2},
		{name: "two-fields", in: "0\n2\nt 0 1\nt 0\n", wantReason: ReasonMalformedLine, wantLine: 4,
			wantDetail: "Malformed line in checkpoint file [cp]: t 0"},
		{name: "four-fields", in: "0\n1\nt 0 1 2\n", wantReason: ReasonMalformedLine, wantLine: 3},
		{name: "partition-not-int", in: "0\n1\nt x 1\n", wantReason: ReasonMalformedLine, wantLine: 3},
		{name: "offset-overflow", in: "0\n1\nt 0 99999999999999999999\n", wantReason: ReasonMalformedLine, wantLine: 3},
		{name: "blank-entry-line", in: "0\n1\nt 0 1\n\n", wantReason: ReasonMalformedLine, wantLine: 4},
		{name: "count-too-big", in: "0\n3\nt 0 1\n", wantReason: ReasonCountMismatch, wantLine: 2,
			wantDetail: "Expected [3] entries in checkpoint file [cp], but found only [1]"},
		{name: "count-too-small", in: "0\n0\nt 0 1\n", wantReason: ReasonCountMismatch, wantLine: 2},
		{name: "invalid-utf8", in: "0\n1\nt\xff 0 1\n", wantReason: ReasonInvalidUTF8, wantLine: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeOffsetCheckpoint([]byte(tt.in), "cp")
			checkReason(t, err, tt.wantReason, len(tt.in))
			if tt.wantReason != "" {
				var fe *FormatError
				errors.As(err, &fe)
				if fe.Line != tt.wantLine || fe.File != "cp" {
					t.Fatalf("line %d file %q, want %d", fe.Line, fe.File, tt.wantLine)
				}
				if tt.wantDetail != "" && fe.Detail != tt.wantDetail {
					t.Fatalf("detail %q, want %q", fe.Detail, tt.wantDetail)
				}
				return
			}
			if !reflect.DeepEqual(c.Entries, tt.want) {
				t.Fatalf("got %+v want %+v", c.Entries, tt.want)
			}
			var fs []string
			for _, f := range c.Findings {
				fs = append(fs, f.Reason)
			}
			if !reflect.DeepEqual(fs, tt.findings) {
				t.Fatalf("findings %v want %v", fs, tt.findings)
			}
		})
	}
}

func TestFileTooLarge(t *testing.T) {
	big := make([]byte, MaxTextFileSize+1)
	for _, f := range []func() error{
		func() error { _, err := DecodeOffsetCheckpoint(big, "x"); return err },
		func() error { _, err := DecodeLeaderEpochCheckpoint(big, "x"); return err },
		func() error { _, err := DecodePartitionMetadata(big, "x"); return err },
		func() error { _, err := DecodeMetaProperties(big, "x"); return err },
	} {
		checkReason(t, f(), ReasonFileTooLarge, len(big))
	}
}

func TestDecodeLeaderEpochCheckpoint(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		want       []EpochEntry
		findings   []string
		wantReason string
		wantLine   int
	}{
		{name: "empty", in: "", want: []EpochEntry{}},
		{name: "biggerbrain", in: "0\n6\n0 0\n1 9\n3 10\n5 12\n6 13\n7 14\n",
			want: []EpochEntry{{0, 0}, {1, 9}, {3, 10}, {5, 12}, {6, 13}, {7, 14}}},
		{name: "epoch-regress", in: "0\n2\n5 0\n4 9\n", want: []EpochEntry{{5, 0}, {4, 9}},
			findings: []string{ReasonEpochNotIncreasing}},
		{name: "epoch-equal-offset-regress", in: "0\n2\n5 10\n5 9\n", want: []EpochEntry{{5, 10}, {5, 9}},
			findings: []string{ReasonEpochNotIncreasing, ReasonStartOffsetNotIncreasing}},
		{name: "offset-equal", in: "0\n2\n1 10\n2 10\n", want: []EpochEntry{{1, 10}, {2, 10}},
			findings: []string{ReasonStartOffsetNotIncreasing}},
		{name: "three-fields", in: "0\n1\n1 2 3\n", wantReason: ReasonMalformedLine, wantLine: 3},
		{name: "leading-space", in: "0\n1\n 1 2\n", wantReason: ReasonMalformedLine, wantLine: 3},
		{name: "epoch-overflow", in: "0\n1\n2147483648 0\n", wantReason: ReasonMalformedLine, wantLine: 3},
		{name: "count-mismatch", in: "0\n2\n1 2\n", wantReason: ReasonCountMismatch, wantLine: 2},
		{name: "bad-version", in: "3\n", wantReason: ReasonUnsupportedVersion, wantLine: 1},
		{name: "disk-full-zeros", in: "\x00\x00\x00\x00", wantReason: ReasonMalformedLine, wantLine: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := DecodeLeaderEpochCheckpoint([]byte(tt.in), "leader-epoch-checkpoint")
			checkReason(t, err, tt.wantReason, len(tt.in))
			if tt.wantReason != "" {
				var fe *FormatError
				errors.As(err, &fe)
				if fe.Line != tt.wantLine {
					t.Fatalf("line %d want %d", fe.Line, tt.wantLine)
				}
				return
			}
			if !reflect.DeepEqual(c.Entries, tt.want) {
				t.Fatalf("got %+v want %+v", c.Entries, tt.want)
			}
			var fs []string
			for _, f := range c.Findings {
				fs = append(fs, f.Reason)
			}
			if !reflect.DeepEqual(fs, tt.findings) {
				t.Fatalf("findings %v want %v", fs, tt.findings)
			}
		})
	}
}

func TestCheckpointEncodeExact(t *testing.T) {
	got := string(AppendOffsetCheckpoint(nil, []TopicPartitionOffset{{"lsx1", 0, 14}, {"a.b-c", 12, -1}}))
	if want := "0\n2\nlsx1 0 14\na.b-c 12 -1\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	got = string(AppendOffsetCheckpoint(nil, nil))
	if want := "0\n0\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
	got = string(AppendLeaderEpochCheckpoint(nil, []EpochEntry{{0, 0}, {38, 4}}))
	if want := "0\n2\n0 0\n38 4\n"; got != want {
		t.Fatalf("got %q want %q", got, want)
	}
}

func TestCheckpointRoundTrip(t *testing.T) {
	tps := []TopicPartitionOffset{{"t", 0, 0}, {"__consumer_offsets", 49, 1 << 40}, {"x", -1, -5}}
	c, err := DecodeOffsetCheckpoint(AppendOffsetCheckpoint(nil, tps), "f")
	if err != nil || !reflect.DeepEqual(c.Entries, tps) {
		t.Fatalf("%+v %v", c, err)
	}
	eps := []EpochEntry{{0, 0}, {1, 9}, {2147483647, 1 << 62}}
	l, err := DecodeLeaderEpochCheckpoint(AppendLeaderEpochCheckpoint(nil, eps), "f")
	if err != nil || !reflect.DeepEqual(l.Entries, eps) || len(l.Findings) != 0 {
		t.Fatalf("%+v %v", l, err)
	}
}

func TestFormatErrorMessage(t *testing.T) {
	_, err := DecodeOffsetCheckpoint([]byte("0\n1\nbad\n"), "replication-offset-checkpoint")
	want := "kseg/state: replication-offset-checkpoint: line 3: position 4: malformed-line: " +
		"Malformed line in checkpoint file [replication-offset-checkpoint]: bad"
	if err == nil || err.Error() != want {
		t.Fatalf("got %v\nwant %s", err, want)
	}
	if !strings.HasPrefix((&FormatError{Reason: "x"}).Error(), "kseg/state: position 0: x") {
		t.Fatal((&FormatError{Reason: "x"}).Error())
	}
}
