package metadata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/kbin"
)

// FuzzMetadataRecord: DecodeRecord never panics, always returns a record
// whose JSON is valid, reports errors as *DecodeError with an in-range
// position, and a clean decode re-encodes to a value that decodes equal.
func FuzzMetadataRecord(f *testing.F) {
	for _, rt := range RecordTypes() {
		for _, v := range []int16{rt.MinVersion, rt.MaxVersion} {
			b, _ := EncodeRecord(nil, rt.ID, v, sampleStruct(recordSchemas[rt.ID].fields, v, int64(rt.ID)))
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		rec, err := DecodeRecord(in)
		if rec == nil {
			t.Fatal("nil record")
		}
		js := rec.AppendJSON(nil)
		if !json.Valid(js) {
			t.Fatalf("invalid JSON %s", js)
		}
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) || de.Position < 0 || de.Position > len(in) {
				t.Fatalf("bad error %#v", err)
			}
			return
		}
		b, err := EncodeRecord(nil, rec.Type, rec.Version, rec.Data)
		if err != nil {
			t.Fatal(err)
		}
		again, err := DecodeRecord(b)
		if err != nil {
			t.Fatalf("re-decode: %v", err)
		}
		if string(again.AppendJSON(nil)) != string(js) {
			t.Fatalf("round trip:\n%s\n%s", js, again.AppendJSON(nil))
		}
	})
}

// FuzzControlRecord covers the KRaft control record bodies.
func FuzzControlRecord(f *testing.F) {
	f.Add(int16(3), []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Add(int16(2), []byte{0, 0, 0, 0, 0, 1, 2, 0, 0, 0, 1, 0, 2, 0, 0, 0, 1, 0, 0})
	f.Fuzz(func(t *testing.T, typ int16, in []byte) {
		c, err := DecodeControl(typ, in)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("bad error %#v", err)
			}
		}
		if c != nil && !json.Valid(c.AppendJSON(nil)) {
			t.Fatal("invalid JSON")
		}
	})
}

// FuzzMetadataLog walks arbitrary bytes as a metadata segment and replays
// whatever decodes into an image: no panic, and the walk never claims more
// valid bytes than the input holds.
func FuzzMetadataLog(f *testing.F) {
	for _, v := range [][]byte{
		{1, 2, 0, 2, 't', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0},
		{1, 12, 0, 17, 'm', 'e', 't', 'a', 'd', 'a', 't', 'a', '.', 'v', 'e', 'r', 's', 'i', 'o', 'n', 0, 19, 0},
	} {
		msgs := []format.Message{{Value: v, Timestamp: 1}}
		o := format.BatchOptions{Magic: 2, PartitionLeaderEpoch: 1}
		o.NoProducer()
		b, err := format.AppendBatch(nil, o, msgs)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	// A batch of the replay's hot types: topic, partition, partition change.
	var u kbin.UUID
	u[0] = 7
	var msgs []format.Message
	for _, r := range []struct {
		typ, v int16
		s      *Struct
	}{
		{2, 0, NewStruct("name", "t", "topicId", u)},
		{3, 2, NewStruct("partitionId", 0, "topicId", u, "replicas", []int32{1, 2}, "isr", []int32{1, 2}, "removingReplicas", []int32{}, "addingReplicas", []int32{}, "leader", 1)},
		{5, 2, NewStruct("partitionId", 0, "topicId", u, "isr", []int32{2}, "leader", 2, "eligibleLeaderReplicas", []int32{1})},
	} {
		v, err := EncodeRecord(nil, r.typ, r.v, r.s)
		if err != nil {
			f.Fatal(err)
		}
		msgs = append(msgs, format.Message{Value: v, Timestamp: 1})
	}
	o := format.BatchOptions{Magic: 2, PartitionLeaderEpoch: 1}
	o.NoProducer()
	b, err := format.AppendBatch(nil, o, msgs)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	f.Fuzz(func(t *testing.T, in []byte) {
		im := NewImage()
		st, _ := Walk(bytes.NewReader(in), int64(len(in)), "fuzz.log", func(e *Entry) error {
			im.Apply(e)
			return nil
		})
		if st != nil && (st.ValidBytes < 0 || st.ValidBytes > int64(len(in))) {
			t.Fatalf("valid bytes %d of %d", st.ValidBytes, len(in))
		}
		// The replay's typed fast paths give exactly the generic replay's
		// result and error.
		seg := filepath.Join(t.TempDir(), "00000000000000000000.log")
		if err := os.WriteFile(seg, in, 0o644); err != nil {
			t.Fatal(err)
		}
		files := &Files{Dir: filepath.Dir(seg), Segments: []string{seg}}
		fast, ferr := LoadFiles(files, DefaultOptions())
		fastReplay = false
		slow, serr := LoadFiles(files, DefaultOptions())
		fastReplay = true
		if fmt.Sprint(ferr) != fmt.Sprint(serr) || !reflect.DeepEqual(fast, slow) {
			t.Fatalf("fast replay %v / %v, generic %v / %v", fast, ferr, slow, serr)
		}
	})
}
