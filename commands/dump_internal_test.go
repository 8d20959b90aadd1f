package commands

import (
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// writeOneRecordLog writes a partition directory holding one record.
func writeOneRecordLog(t *testing.T, dir string, key, value []byte) string {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	o := format.BatchOptions{Magic: 2}
	o.NoProducer()
	b, err := format.AppendBatch(nil, o, []format.Message{{Key: key, Value: value, Timestamp: 1700000000000}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, segment.FileName(0, segment.LogSuffix))
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestDumpInternalTopicDecoders runs the share-group state and remote log
// metadata decoders on hand-assembled records.
func TestDumpInternalTopicDecoders(t *testing.T) {
	dir := t.TempDir()
	u := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}
	be := func(n int, v uint64) []byte {
		b := make([]byte, 8)
		binary.BigEndian.PutUint64(b, v)
		return b[8-n:]
	}
	key := append(append(append(be(2, 1), be(2, 1)...), 'g'), append(u, be(4, 7)...)...) // ShareUpdateKey
	value := append(append(append(be(2, 0), be(2, 3)...), be(4, 2)...), append(be(8, 10), 1, 0)...)
	share := writeOneRecordLog(t, filepath.Join(dir, "__share_group_state-0"), key, value)
	out, errOut, code := run(t, "dump", "--share-group-state-decoder", share)
	want := `key: {"type":"1","data":{"groupId":"g","topicId":"AQIDBAUGBwgJCgsMDQ4PEA","partition":7}} ` +
		`payload: {"version":"0","data":{"snapshotEpoch":3,"leaderEpoch":2,"startOffset":10,"stateBatches":[]}}`
	if code != 0 || !strings.Contains(out, want) {
		t.Fatalf("exit %d\n%s\n%s\nwant %s", code, out, errOut, want)
	}
	rl := append([]byte{1, 2, 0, 2, 't'}, append(u, append(be(4, 3), 0)...)...)
	rl = append(append(append(rl, be(4, 1)...), be(8, 1700000000000)...), 1, 0)
	remote := writeOneRecordLog(t, filepath.Join(dir, "__remote_log_metadata-0"), nil, rl)
	out, errOut, code = run(t, "dump", "--remote-log-metadata-decoder", remote)
	want = `headerKeys: [] payload: {"type":"RemotePartitionDeleteMetadataRecord","version":0,"data":{"topicIdPartition":` +
		`{"name":"t","id":"AQIDBAUGBwgJCgsMDQ4PEA","partition":3},"brokerId":1,"eventTimestampMs":1700000000000,"remotePartitionDeleteState":1}}`
	if code != 0 || !strings.Contains(out, want) || strings.Contains(out, "key:") {
		t.Fatalf("exit %d\n%s\n%s\nwant %s", code, out, errOut, want)
	}
	out, _, code = run(t, "dump", "--json", "--remote-log-metadata-decoder", remote)
	if code != 0 || !strings.Contains(out, `"decoded":{"type":"RemotePartitionDeleteMetadataRecord"`) {
		t.Fatalf("json exit %d\n%s", code, out)
	}
	if _, _, code := run(t, "dump", "--share-group-state-decoder", "--offsets-decoder", share); code != ExitUsage {
		t.Fatalf("exclusive decoders: exit %d", code)
	}
}
