package verify

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/testutil"
)

const corpus07Dir = "../../shared/corpus/apache-kafka-0.7/core/src/test/resources/test-kafka-logs/MagicByte0-0"

// write07Partition writes events-0 with two abutting .kafka segments.
func write07Partition(t *testing.T) (dir string, segs []string) {
	t.Helper()
	dir = filepath.Join(t.TempDir(), "events-0")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	base := int64(0)
	for s := 0; s < 2; s++ {
		var seg, inner []byte
		var err error
		for i := 0; i < 4; i++ {
			if seg, err = format.AppendKafka07Message(seg, 1, format.CompressionNone, []byte(fmt.Sprintf("m%d-%d", s, i))); err != nil {
				t.Fatal(err)
			}
			if inner, err = format.AppendKafka07Message(inner, 1, format.CompressionNone, []byte("inner")); err != nil {
				t.Fatal(err)
			}
		}
		if seg, err = format.AppendKafka07Wrapper(seg, format.CompressionGzip, inner); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, fmt.Sprintf("%020d.kafka", base))
		if err := os.WriteFile(p, seg, 0o644); err != nil {
			t.Fatal(err)
		}
		segs = append(segs, p)
		base += int64(len(seg))
	}
	return dir, segs
}

func TestVerifyKafka07(t *testing.T) {
	cases := []struct {
		name    string
		mutate  func(t *testing.T, segs []string)
		reasons []Reason
	}{
		{"clean", func(*testing.T, []string) {}, nil},
		{"crc", func(t *testing.T, s []string) { testutil.MustFlipBit(t, s[0], 4+6+1, 0) }, []Reason{ReasonCRCMismatch}},
		{"torn-tail", func(t *testing.T, s []string) {
			fi, _ := os.Stat(s[1])
			testutil.MustTruncate(t, s[1], fi.Size()-3)
		}, []Reason{ReasonTornTail}},
		{"bad-magic", func(t *testing.T, s []string) { testutil.MustWriteAt(t, s[0], 4, []byte{9}) }, []Reason{"bad-magic"}},
		{"gap", func(t *testing.T, s []string) {
			if err := os.Rename(s[1], filepath.Join(filepath.Dir(s[1]), "00000000000000099999.kafka")); err != nil {
				t.Fatal(err)
			}
		}, []Reason{ReasonKafka07Gap}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir, segs := write07Partition(t)
			tc.mutate(t, segs)
			before := testutil.HashTree(t, dir)
			var got []Reason
			sum, err := Verify(context.Background(), []string{dir}, Options{Deep: true, OnFinding: func(f Finding) { got = append(got, f.Reason) }})
			if err != nil {
				t.Fatal(err)
			}
			testutil.RequireUnchanged(t, dir, before)
			if fmt.Sprint(got) != fmt.Sprint(tc.reasons) {
				t.Fatalf("findings %v, want %v", got, tc.reasons)
			}
			if len(tc.reasons) == 0 && (sum.Segments != 2 || sum.Batches != 10 || sum.Records != 16 || sum.Errors != 0) {
				t.Fatalf("summary %+v", sum)
			}
		})
	}
	// A single file is accepted too.
	_, segs := write07Partition(t)
	if sum, err := Verify(context.Background(), []string{segs[1]}, Options{}); err != nil || sum.Segments != 1 {
		t.Fatalf("file: %+v %v", sum, err)
	}
}

func TestVerifyKafka07Corpus(t *testing.T) {
	if _, err := os.Stat(corpus07Dir); err != nil {
		t.Skip("corpus absent")
	}
	sum, err := Verify(context.Background(), []string{corpus07Dir}, Options{Deep: true})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Batches != 100 || sum.Errors != 0 || sum.Bytes != 10900 {
		t.Fatalf("%+v", sum)
	}
	if _, err := Verify(context.Background(), []string{"/nonexistent/x.kafka"}, Options{}); err == nil || errors.Is(err, ErrNoTargets) {
		t.Fatalf("missing file: %v", err)
	}
}
