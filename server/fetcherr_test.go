package server

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kgo"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// newCompactedData adds "compacted": log start offset 0 (the first segment's
// base), but compaction removed offsets 0–9, so the first batch present
// starts at 10.
func newCompactedData(t testing.TB) *memStore {
	s := newTestData(t, false)
	p := s.addPartition(t, "compacted", 0)
	p.mu.Lock()
	p.end = 10
	p.mu.Unlock()
	for i := 0; i < 3; i++ {
		rs := make([]testRecord, 0, 4)
		for j := 0; j < 4; j++ {
			o := int64(10 + i*4 + j)
			rs = append(rs, genRecord("compacted", o))
		}
		p.add(t, testBatch{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, Records: rs})
	}
	return s
}

// kcatStderr runs kcat and returns stdout and stderr.
func kcatStderr(t testing.TB, args ...string) (string, string) {
	t.Helper()
	bin := needKcat(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("kcat %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errb.String())
	}
	return out.String(), errb.String()
}

// TestFetchErrorEmptyRecordSet: a Fetch error carries an empty record set
// (size 0), as Kafka's does, never a null one (size -1), in every version.
func TestFetchErrorEmptyRecordSet(t *testing.T) {
	s := newCompactedData(t)
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	for _, v := range []int16{4, 7, 11, 12, 16} {
		for _, c := range []struct {
			topic  string
			offset int64
			code   int16
		}{{"t-none", 1000, 1}, {"nope", 0, 3}} {
			req := kmsg.NewPtrFetchRequest()
			req.Version, req.MaxBytes = v, 1<<20
			req.Topics = []kmsg.FetchRequestTopic{{Topic: c.topic, Partitions: []kmsg.FetchRequestTopicPartition{{FetchOffset: c.offset, PartitionMaxBytes: 1 << 20}}}}
			if v >= 13 {
				if c.topic != "nope" {
					continue // memStore has no topic ids
				}
				req.Topics[0].TopicID = [16]byte{1}
				c.code = 100 // UNKNOWN_TOPIC_ID
			}
			resp := kmsg.NewPtrFetchResponse()
			rc.do(req, resp)
			p := resp.Topics[0].Partitions[0]
			if p.ErrorCode != c.code || p.RecordBatches == nil || len(p.RecordBatches) != 0 {
				t.Errorf("v%d %s@%d: error %d, records nil=%v len %d; want error %d and an empty set",
					v, c.topic, c.offset, p.ErrorCode, p.RecordBatches == nil, len(p.RecordBatches), c.code)
			}
		}
	}
}

// TestConsumeBelowFirstPresentAndPastEnd: on a compacted partition an offset
// between the log start offset and the first batch present is served from
// that batch, as the broker does; an offset past the end is
// OFFSET_OUT_OF_RANGE, which clients handle by their reset policy.
func TestConsumeBelowFirstPresentAndPastEnd(t *testing.T) {
	s := newCompactedData(t)
	addr := startServer(t, s, Config{})
	t.Run("franz-go", func(t *testing.T) {
		cl, err := kgo.NewClient(kgo.SeedBrokers(addr),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"compacted": {0: kgo.NewOffset().At(3)}}))
		if err != nil {
			t.Fatal(err)
		}
		defer cl.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		var got []int64
		for len(got) < 12 && ctx.Err() == nil {
			fs := cl.PollFetches(ctx)
			for _, e := range fs.Errors() {
				if e.Err != context.DeadlineExceeded {
					t.Fatalf("fetch error: %v", e.Err)
				}
			}
			fs.EachRecord(func(r *kgo.Record) { got = append(got, r.Offset) })
		}
		if len(got) != 12 || got[0] != 10 || got[11] != 21 {
			t.Fatalf("offsets %v, want 10..21", got)
		}
		// Past the end: OFFSET_OUT_OF_RANGE, then franz-go resets to the
		// end (ConsumeResetOffset) and sees the records produced later —
		// here none, so the poll just times out without an error.
		cl2, err := kgo.NewClient(kgo.SeedBrokers(addr), kgo.ConsumeResetOffset(kgo.NewOffset().AtEnd()),
			kgo.ConsumePartitions(map[string]map[int32]kgo.Offset{"compacted": {0: kgo.NewOffset().At(1000)}}))
		if err != nil {
			t.Fatal(err)
		}
		defer cl2.Close()
		ctx2, cancel2 := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel2()
		fs := cl2.PollFetches(ctx2)
		for _, e := range fs.Errors() {
			if e.Err != context.DeadlineExceeded {
				t.Errorf("past end: %v", e.Err)
			}
		}
		if n := fs.NumRecords(); n != 0 {
			t.Errorf("past end: %d records", n)
		}
	})
	t.Run("kcat", func(t *testing.T) {
		out, _ := kcatStderr(t, "-C", "-b", addr, "-t", "compacted", "-p", "0", "-o", "3", "-e", "-q", "-f", "%o\n")
		if want := "10\n11\n12\n13\n14\n15\n16\n17\n18\n19\n20\n21\n"; out != want {
			t.Errorf("kcat -o 3: %q, want %q", out, want)
		}
		// Past the end: librdkafka gets OFFSET_OUT_OF_RANGE with an empty
		// record set, resets to the end (auto.offset.reset=end) and -e
		// exits there. A null set made it log "invalid MessageSetSize -1".
		out, stderr := kcatStderr(t, "-C", "-b", addr, "-t", "compacted", "-p", "0", "-o", "1000", "-e", "-X", "auto.offset.reset=end", "-f", "%o\n")
		if out != "" || strings.Contains(stderr, "MessageSetSize") || !strings.Contains(stderr, "Reached end") {
			t.Errorf("kcat -o 1000: stdout %q stderr:\n%s", out, stderr)
		}
	})
}
