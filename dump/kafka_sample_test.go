package dump

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/format"
)

// TestKafkaSampleA reproduces the published DumpLogSegments run of
// kafka-reference.md §1.12 A: ten 12-byte values with null keys in one
// uncompressed batch of 251 bytes whose CRC Kafka computed as 997822510. Our
// encoder must produce the same CRC and our renderer the same lines.
func TestKafkaSampleA(t *testing.T) {
	const ts = 1716780091840
	msgs := make([]format.Message, 10)
	for i := range msgs {
		msgs[i] = format.Message{Timestamp: ts, Value: []byte(fmt.Sprintf("hello kafka%d", i))}
	}
	o := format.BatchOptions{Magic: 2, TimestampType: format.CreateTime}
	o.NoProducer()
	data, err := format.AppendBatch(nil, o, msgs)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "00000000000000000000.log")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res, err := LogFile(&out, path, "00000000000000000000.log", LogOptions{PrintData: true, FromOffset: -1, ToOffset: -1})
	if err != nil || res.Failed() {
		t.Fatalf("err=%v res=%+v", err, res)
	}
	want := []string{
		"Dumping 00000000000000000000.log",
		"Log starting offset: 0",
		"baseOffset: 0 lastOffset: 9 count: 10 baseSequence: -1 lastSequence: -1 producerId: -1 producerEpoch: -1 partitionLeaderEpoch: 0 isTransactional: false isControl: false deleteHorizonMs: OptionalLong.empty position: 0 CreateTime: 1716780091840 size: 251 magic: 2 compresscodec: none crc: 997822510 isvalid: true",
	}
	for i := 0; i < 10; i++ {
		want = append(want, fmt.Sprintf("| offset: %d CreateTime: 1716780091840 keySize: -1 valueSize: 12 sequence: -1 headerKeys: [] payload: hello kafka%d", i, i))
	}
	got := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("got:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
