package commands

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/segment"
)

// writeLegacyPartition writes dir/<name> holding one segment of n
// compressed magic-0/1 wrappers of per records each (offsets 0..n*per-1),
// each wrapper stored under its last inner offset as a broker writes it.
func writeLegacyPartition(t *testing.T, logDir, name string, magic int8, n, per int) string {
	t.Helper()
	dir := filepath.Join(logDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for w := 0; w < n; w++ {
		o := format.BatchOptions{Magic: magic, Compression: format.CompressionGzip, BaseOffset: int64(w * per), TimestampType: format.CreateTime}
		o.NoProducer()
		msgs := make([]format.Message, per)
		for i := range msgs {
			msgs[i] = format.Message{Key: []byte(fmt.Sprint(i)), Value: []byte("legacy value"), Timestamp: 1000 + int64(w*per+i)}
		}
		var err error
		if buf, err = format.AppendBatch(buf, o, msgs); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, segment.FileName(0, segment.LogSuffix)), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestLegacyWrapperCounts: verify (text, --json, --deep-iteration), stats
// without --deep and lookup count a magic 0/1 compressed wrapper's inner
// messages and report the inner offset range: 4,000 records 0..3999, not 40
// records 99..3999.
func TestLegacyWrapperCounts(t *testing.T) {
	for _, magic := range []int8{0, 1} {
		logDir := t.TempDir()
		dir := writeLegacyPartition(t, logDir, "legacy-0", magic, 40, 100)
		before := testutil.HashTree(t, logDir)
		for _, deep := range []bool{false, true} {
			args := []string{"verify", dir}
			if deep {
				args = []string{"verify", "--deep-iteration", dir}
			}
			out, errOut, code := runKseg(t, args...)
			if code != ExitOK {
				t.Fatalf("v%d %v: exit %d\n%s%s", magic, args, code, out, errOut)
			}
			if !strings.Contains(out, "| 4000    |") || !strings.Contains(out, "0..3999") {
				t.Errorf("v%d %v: want 4000 records 0..3999:\n%s", magic, args, out)
			}
			out, _, _ = runKseg(t, append([]string{"verify", "--json"}, args[1:]...)...)
			var part, sum map[string]any
			for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
				var m map[string]any
				if err := json.Unmarshal([]byte(line), &m); err != nil {
					t.Fatal(err)
				}
				switch m["type"] {
				case "partition":
					part = m
				case "summary":
					sum = m
				}
			}
			if part == nil || part["records"] != 4000.0 || part["firstOffset"] != 0.0 || part["lastOffset"] != 3999.0 {
				t.Errorf("v%d %v --json partition: %v", magic, args, part)
			}
			if sum == nil || sum["records"] != 4000.0 {
				t.Errorf("v%d %v --json summary: %v", magic, args, sum)
			}
		}
		out, _, code := runKseg(t, "stats", "--json", dir)
		if code != ExitOK || !strings.Contains(out, `"records":4000,`) {
			t.Errorf("v%d stats --json: exit %d\n%s", magic, code, out)
		}
		out, _, code = runKseg(t, "lookup", "--offset", "0", dir)
		if code != ExitOK || !strings.Contains(out, "baseOffset: 0 lastOffset: 99 count: 100 ") {
			t.Errorf("v%d lookup --offset 0: exit %d\n%s", magic, code, out)
		}
		testutil.RequireUnchanged(t, logDir, before)
	}
}

// TestVerifyOutputDeterministic: with parallel workers, two runs over a
// multi-partition directory with findings print byte-identical reports,
// findings sorted by partition, file and position; --json prints one object
// per partition (sorted) before the summary.
func TestVerifyOutputDeterministic(t *testing.T) {
	logDir := t.TempDir()
	var names []string
	for p := 0; p < 12; p++ {
		name := fmt.Sprintf("t-%d", p)
		names = append(names, name)
		dir := writeLegacyPartition(t, logDir, name, 1, 5+p%3, 10)
		log := filepath.Join(dir, segment.FileName(0, segment.LogSuffix))
		st, err := os.Stat(log)
		if err != nil {
			t.Fatal(err)
		}
		testutil.MustTruncate(t, log, st.Size()-7) // a torn tail: an error finding
		testutil.MustFlipBit(t, log, 30, 1)        // a CRC mismatch in the first wrapper
	}
	sort.Strings(names)
	var first [2]string
	for run := 0; run < 4; run++ {
		for i, args := range [][]string{{"verify", "--workers", "4", logDir}, {"verify", "--json", "--workers", "4", logDir}} {
			out, _, code := runKseg(t, args...)
			if code != ExitFindings {
				t.Fatalf("%v: exit %d\n%s", args, code, out)
			}
			if run == 0 {
				first[i] = out
				continue
			}
			if out != first[i] {
				t.Fatalf("%v: run %d differs from run 0:\n%s\n---\n%s", args, run, out, first[i])
			}
		}
	}
	var findingKeys, partitions []string
	lines := strings.Split(strings.TrimSpace(first[1]), "\n")
	for i, line := range lines {
		var m struct {
			Type      string `json:"type"`
			Partition string `json:"partition"`
			File      string `json:"file"`
			Position  int64  `json:"position"`
		}
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatal(err)
		}
		switch m.Type {
		case "finding":
			if len(partitions) > 0 {
				t.Fatalf("finding after the partition objects: %s", line)
			}
			findingKeys = append(findingKeys, fmt.Sprintf("%s/%s/%020d", m.Partition, m.File, m.Position))
		case "partition":
			partitions = append(partitions, m.Partition)
		case "summary":
			if i != len(lines)-1 {
				t.Fatalf("summary is not last")
			}
		}
	}
	if !sort.StringsAreSorted(findingKeys) || len(findingKeys) < 24 {
		t.Errorf("findings not sorted by partition, file, position (%d):\n%s", len(findingKeys), strings.Join(findingKeys, "\n"))
	}
	if strings.Join(partitions, ",") != strings.Join(names, ",") {
		t.Errorf("partition objects %v, want %v", partitions, names)
	}
}

// TestLookupTimestampMagic0: a timestamp lookup on a magic-0 partition is
// UNSUPPORTED_FOR_MESSAGE_FORMAT, as Kafka's ListOffsets answers
// (UnifiedLog.fetchOffsetByTimestamp), with its own exit code and message,
// in text and JSON; an offset out of range stays exit 1.
func TestLookupTimestampMagic0(t *testing.T) {
	dir := sample + "/legacy-v0-0"
	out, errOut, code := runKseg(t, "lookup", "--timestamp", "0", dir)
	if code != ExitUsage || !strings.Contains(errOut, "UNSUPPORTED_FOR_MESSAGE_FORMAT") || out != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	out, _, code = runKseg(t, "lookup", "--json", "--timestamp", "0", dir)
	var m map[string]any
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != ExitUsage || m["error"] != "UNSUPPORTED_FOR_MESSAGE_FORMAT" {
		t.Fatalf("--json: exit %d, %q (%v)", code, out, err)
	}
	out, _, code = runKseg(t, "lookup", "--json", "--offset", "1000", dir)
	if err := json.Unmarshal([]byte(out), &m); err != nil || code != ExitFindings || m["error"] != "OFFSET_OUT_OF_RANGE" {
		t.Fatalf("--json out of range: exit %d, %q (%v)", code, out, err)
	}
	// magic 1 has timestamps: the lookup works.
	if out, errOut, code := runKseg(t, "lookup", "--timestamp", "0", sample+"/legacy-v1-0"); code != ExitOK {
		t.Fatalf("v1: exit %d %s%s", code, out, errOut)
	}
}

// writeTimestamps writes dir/<name> with one v2 batch per timestamp.
func writeTimestamps(t *testing.T, logDir, name string, typ format.TimestampType, tss ...int64) string {
	t.Helper()
	dir := filepath.Join(logDir, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	for i, ts := range tss {
		o := format.BatchOptions{Magic: 2, BaseOffset: int64(i), TimestampType: typ, LogAppendTime: ts}
		o.NoProducer()
		var err error
		if buf, err = format.AppendBatch(buf, o, []format.Message{{Value: []byte("v"), Timestamp: ts}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, segment.FileName(0, segment.LogSuffix)), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestTimestampOrderSeverity: CreateTime disorder (several producers) is
// info, so --strict passes; LogAppendTime disorder stays a warning.
func TestTimestampOrderSeverity(t *testing.T) {
	logDir := t.TempDir()
	ct := writeTimestamps(t, logDir, "create-0", format.CreateTime, 2000, 1000, 3000)
	out, _, code := runKseg(t, "verify", "--strict", ct)
	if code != ExitOK || !strings.Contains(out, "info: create-0/00000000000000000000.log") || !strings.Contains(out, "timestamp-out-of-order") {
		t.Errorf("CreateTime disorder: exit %d\n%s", code, out)
	}
	at := writeTimestamps(t, logDir, "append-0", format.LogAppendTime, 2000, 1000, 3000)
	out, _, code = runKseg(t, "verify", "--strict", at)
	if code != ExitFindings || !strings.Contains(out, "warning: append-0/00000000000000000000.log") {
		t.Errorf("LogAppendTime disorder: exit %d\n%s", code, out)
	}
}

// TestIndexSanityNamesPartition: --index-sanity-check names the partition
// with the file (bare segment names repeat in every partition).
func TestIndexSanityNamesPartition(t *testing.T) {
	ix := sample + "/orders-0/00000000000000000000.index"
	out, _, code := runKseg(t, "dump", "--index-sanity-check", ix)
	if code != ExitOK || !strings.Contains(out, "orders-0/00000000000000000000.index passed sanity check.") {
		t.Errorf("exit %d\n%s", code, out)
	}
	out, _, _ = runKseg(t, "dump", "--json", "--index-sanity-check", ix)
	if !strings.Contains(out, `"partition":"orders-0"`) {
		t.Errorf("--json: %s", out)
	}
}

// TestIndexChunkEntriesHint: a broker before KAFKA-806 indexes an
// uncompressed magic 0/1 message set once per append, with the append's last
// offset: verify calls that normal, not a "pre-KAFKA-806 chunk" guess.
func TestIndexChunkEntriesHint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "v1-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	var buf []byte
	b := index.NewAppendBuilder(0, 0)
	for a := int64(0); a < 5; a++ { // five producer appends of 10 messages
		o := format.BatchOptions{Magic: 1, BaseOffset: a * 10, TimestampType: format.CreateTime}
		o.NoProducer()
		msgs := make([]format.Message, 10)
		for i := range msgs {
			msgs[i] = format.Message{Value: []byte("v"), Timestamp: 1000 + a*10 + int64(i)}
		}
		start := int64(len(buf))
		var err error
		if buf, err = format.AppendBatch(buf, o, msgs); err != nil {
			t.Fatal(err)
		}
		b.Add(start, a*10+9, 1000+a*10+9, int64(len(buf))-start) // one entry per append
	}
	oi, ti := b.Finish()
	for suf, data := range map[string][]byte{segment.LogSuffix: buf, segment.IndexSuffix: oi, segment.TimeIndexSuffix: ti} {
		if err := os.WriteFile(filepath.Join(dir, segment.FileName(0, suf)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, _, code := runKseg(t, "verify", "--strict", dir)
	if code != ExitOK || !strings.Contains(out, "index-harmless") || !strings.Contains(out, "normal for an uncompressed magic 0/1 message set") || strings.Contains(out, "?") {
		t.Errorf("exit %d\n%s", code, out)
	}
}

// TestDumpJSONBinaryValues: with the string decoder, --json keeps valid
// UTF-8 as strings and emits anything else in base64 with an explicit
// "keyEncoding"/"payloadEncoding"/header "valueEncoding", so binary data can
// be told from text holding the same escape sequences; text output is as
// before.
func TestDumpJSONBinaryValues(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bin-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o := format.BatchOptions{Magic: 2, TimestampType: format.CreateTime}
	o.NoProducer()
	bin := []byte{0xff, 0xfe, 'a'}
	buf, err := format.AppendBatch(nil, o, []format.Message{
		{Key: bin, Value: bin, Timestamp: 1, Headers: []format.Header{{Key: []byte("h"), Value: bin}}},
		{Key: []byte(`\xff\xfea`), Value: []byte(`\xff\xfea`), Timestamp: 2, Headers: []format.Header{{Key: []byte("h"), Value: []byte("text")}}},
		{Key: []byte("k"), Value: []byte("v"), Timestamp: 3, Headers: []format.Header{{Key: bin, Value: nil}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, segment.FileName(0, segment.LogSuffix)), buf, 0o644); err != nil {
		t.Fatal(err)
	}
	out, _, code := runKseg(t, "dump", "--json", "--print-data-log", dir)
	if code != ExitOK {
		t.Fatalf("exit %d\n%s", code, out)
	}
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if m["type"] == "batch" {
			for _, r := range m["records"].([]any) {
				recs = append(recs, r.(map[string]any))
			}
		}
	}
	if len(recs) != 3 {
		t.Fatalf("%d records\n%s", len(recs), out)
	}
	b64 := "//5h"
	h0 := recs[0]["headers"].([]any)[0].(map[string]any)
	if recs[0]["key"] != b64 || recs[0]["keyEncoding"] != "base64" || recs[0]["payload"] != b64 || recs[0]["payloadEncoding"] != "base64" ||
		h0["value"] != b64 || h0["valueEncoding"] != "base64" || h0["key"] != "h" || h0["keyEncoding"] != nil {
		t.Errorf("binary record: %v", recs[0])
	}
	if recs[1]["payload"] != `\xff\xfea` || recs[1]["payloadEncoding"] != nil || recs[1]["keyEncoding"] != nil {
		t.Errorf("text record: %v", recs[1])
	}
	h2 := recs[2]["headers"].([]any)[0].(map[string]any)
	if h2["key"] != b64 || h2["keyEncoding"] != "base64" || h2["value"] != nil {
		t.Errorf("binary header key: %v", recs[2])
	}
	out, _, _ = runKseg(t, "dump", "--json", "--deep-iteration", dir)
	if !strings.Contains(out, `"headerKeys":["`+b64+`"],"headerKeyEncodings":["base64"]`) {
		t.Errorf("headerKeys: %s", out)
	}
	out, _, _ = runKseg(t, "dump", "--print-data-log", dir)
	if !strings.Contains(out, `payload: \xff\xfea`) || !strings.Contains(out, `payload: \\xff\\xfea`) {
		t.Errorf("text output changed:\n%s", out)
	}
}

// TestBadRangeWrapperRecords: a bad range holding a damaged legacy wrapper
// counts its inner messages when it still decompresses, and says "at least"
// when it does not.
func TestBadRangeWrapperRecords(t *testing.T) {
	logDir := t.TempDir()
	dir := writeLegacyPartition(t, logDir, "w-0", 1, 3, 100)
	log := filepath.Join(dir, segment.FileName(0, segment.LogSuffix))
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	first, err := format.DecodeBatch(data)
	if err != nil {
		t.Fatal(err)
	}
	second := first.Size()
	testutil.MustFlipBit(t, log, second+12, 0) // the stored CRC: the body still decompresses
	out, _, _ := runKseg(t, "verify", dir)
	if !strings.Contains(out, "(1 unusable batch(es), 100 records, in the range)") {
		t.Errorf("CRC-only damage:\n%s", out)
	}
	testutil.MustFlipBit(t, log, second+12, 0)
	sz, err := format.DecodeBatch(data[second:])
	if err != nil {
		t.Fatal(err)
	}
	testutil.MustZeroRange(t, log, second+40, second+sz.Size()-4) // the compressed value
	out, _, _ = runKseg(t, "verify", dir)
	if !strings.Contains(out, "(1 unusable batch(es), at least 1 records, in the range)") {
		t.Errorf("undecodable wrapper:\n%s", out)
	}
}

// TestLookupCompactionGap: `lookup --offset 73` where segment 0 ends at 72
// and the next starts at 808 answers the batch at 808 (LocalLog.read goes on
// to the next segment), not "offset out of range".
func TestLookupCompactionGap(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "c-0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, seg := range []struct{ base, first, n int64 }{{0, 60, 13}, {808, 808, 10}} {
		o := format.BatchOptions{Magic: 2, BaseOffset: seg.first, TimestampType: format.CreateTime}
		o.NoProducer()
		msgs := make([]format.Message, seg.n)
		for i := range msgs {
			msgs[i] = format.Message{Value: []byte("v"), Timestamp: 1000}
		}
		buf, err := format.AppendBatch(nil, o, msgs)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, segment.FileName(seg.base, segment.LogSuffix)), buf, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	out, errOut, code := runKseg(t, "lookup", "--offset", "73", dir)
	if code != ExitOK || !strings.Contains(out, "00000000000000000808.log") || !strings.Contains(out, "baseOffset: 808 lastOffset: 817") {
		t.Fatalf("exit %d\n%s%s", code, out, errOut)
	}
	if out, _, code := runKseg(t, "lookup", "--offset", "5", dir); code != ExitOK || !strings.Contains(out, "baseOffset: 60 ") {
		t.Fatalf("gap inside the segment: exit %d\n%s", code, out)
	}
}
