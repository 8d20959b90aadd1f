package appender

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/partitioner"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// readKeys returns the key (or "<null>") and value of every record of a
// partition, in offset order.
func readKeys(t *testing.T, dir string) []string {
	t.Helper()
	p, err := segment.OpenPartition(dir)
	if err != nil {
		t.Fatal(err)
	}
	dec := format.NewRecordDecoder(format.DecoderOptions{})
	var out []string
	for _, s := range p.Segments {
		f, err := os.Open(s.Log)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{})
		for {
			b, err := r.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatal(err)
			}
			if err := dec.Reset(b); err != nil {
				t.Fatal(err)
			}
			for {
				rec, err := dec.Next()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatal(err)
				}
				k := "<null>"
				if rec.Key != nil {
					k = string(rec.Key)
				}
				out = append(out, k+"="+string(rec.Value))
			}
		}
		f.Close()
	}
	return out
}

func TestAssignPartitions(t *testing.T) {
	var msgs []format.Message
	for i := 0; i < 7; i++ {
		msgs = append(msgs, format.Message{Value: []byte("v")})
	}
	msgs = append(msgs[:3], append([]format.Message{{Key: []byte("k"), Value: []byte("v")}}, msgs[3:]...)...)
	got := AssignPartitions(msgs, 3, EncodeOptions{BatchRecords: 2})
	want := []int32{0, 0, 1, partitioner.Partition([]byte("k"), 3), 1, 2, 2, 0}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v want %v", got, want)
	}
}

func TestAppendTopicInput(t *testing.T) {
	for _, tc := range []struct {
		name string
		eo   EncodeOptions
	}{
		{"v2", EncodeOptions{Magic: 2, BatchRecords: 5, ProducerID: -1}},
		{"v1-gzip", EncodeOptions{Magic: 1, Compression: format.CompressionGzip, BatchRecords: 5, ProducerID: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			logDir := t.TempDir()
			var in strings.Builder
			var want [4][]string
			for i := 0; i < 200; i++ {
				key := fmt.Sprintf("user-%d", i%37)
				fmt.Fprintf(&in, "%s:value %d\n", key, i)
				p := partitioner.Partition([]byte(key), 4)
				want[p] = append(want[p], fmt.Sprintf("%s=value %d", key, i))
			}
			tc.eo.Now = 1
			sums, err := AppendTopicInput(logDir, "orders", 4, strings.NewReader(in.String()),
				InputOptions{KeySeparator: ":", Timestamp: 1}, tc.eo, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if len(sums) != 4 {
				t.Fatalf("%d summaries", len(sums))
			}
			var id state.UUID
			for p := 0; p < 4; p++ {
				dir := filepath.Join(logDir, fmt.Sprintf("orders-%d", p))
				checkPartition(t, dir)
				got := readKeys(t, dir)
				if fmt.Sprint(got) != fmt.Sprint(want[p]) {
					t.Errorf("partition %d: got %d records, want %d", p, len(got), len(want[p]))
				}
				if sums[p].Partition != int32(p) || sums[p].Records != int64(len(want[p])) {
					t.Errorf("summary %d: %+v", p, sums[p])
				}
				if p == 0 {
					id, _ = state.ParseUUID(sums[p].TopicID)
				} else if sums[p].TopicID != id.String() {
					t.Errorf("partition %d topic id %s, partition 0 has %s", p, sums[p].TopicID, id)
				}
			}
			// A second run appends after the existing records and keeps the id.
			sums2, err := AppendTopicInput(logDir, "orders", 4, strings.NewReader("user-1:again\n"),
				InputOptions{KeySeparator: ":", Timestamp: 1}, tc.eo, Options{})
			if err != nil {
				t.Fatal(err)
			}
			p := partitioner.Partition([]byte("user-1"), 4)
			if sums2[p].Records != 1 || sums2[p].FirstOffset != int64(len(want[p])) || sums2[p].TopicID != id.String() {
				t.Fatalf("second run: %+v", sums2[p])
			}
		})
	}
}

func TestAppendTopicInputRefusals(t *testing.T) {
	logDir := t.TempDir()
	in := func() io.Reader { return strings.NewReader("a:1\nb:2\n") }
	ino := InputOptions{KeySeparator: ":"}
	eo := EncodeOptions{Magic: 2}
	if _, err := AppendTopicInput(logDir, "t", 0, in(), ino, eo, Options{}); err == nil {
		t.Fatal("0 partitions accepted")
	}
	if _, err := AppendTopicInput(logDir, "t", 2, in(), InputOptions{Format: InputRawBatches}, eo, Options{}); err == nil {
		t.Fatal("raw batches accepted")
	}
	// The lock is taken once for all partitions: held elsewhere, nothing happens.
	release, err := fsutil.AcquireLock(logDir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := AppendTopicInput(logDir, "t", 2, in(), ino, eo, Options{}); !errors.Is(err, fsutil.ErrLocked) {
		t.Fatalf("locked: %v", err)
	}
	release()
	if ents, _ := os.ReadDir(logDir); len(ents) > 1 {
		t.Fatalf("locked run wrote %d entries", len(ents))
	}
	// A partition that needs repair stops the run before any write.
	if _, err := AppendTopicInput(logDir, "t", 2, in(), ino, eo, Options{}); err != nil {
		t.Fatal(err)
	}
	seg := filepath.Join(logDir, "t-1", "00000000000000000000.log")
	f, err := os.OpenFile(seg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Write([]byte{0, 0, 0, 0, 0, 0, 0, 9, 0, 0, 0, 99, 1}) // torn tail
	f.Close()
	before := readKeys(t, filepath.Join(logDir, "t-0"))
	if _, err := AppendTopicInput(logDir, "t", 2, strings.NewReader("a:3\nb:4\nc:5\nd:6\n"), ino, eo, Options{}); !errors.Is(err, ErrNeedsRepair) {
		t.Fatalf("torn partition: %v", err)
	}
	if after := readKeys(t, filepath.Join(logDir, "t-0")); len(after) != len(before) {
		t.Fatalf("partition 0 changed: %v -> %v", before, after)
	}
}
