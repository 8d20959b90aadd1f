package metadata

import (
	"encoding/json"
	"errors"
	"testing"
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
