package state

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// checkFuzzErr enforces the error contract: nil or a *FormatError inside the input.
func checkFuzzErr(t *testing.T, err error, size int) {
	t.Helper()
	if err == nil {
		return
	}
	var fe *FormatError
	if !errors.As(err, &fe) || !errors.Is(err, ErrMalformed) {
		t.Fatalf("error %T %v is not a *FormatError", err, err)
	}
	if fe.Position < 0 || fe.Position > int64(size) || fe.Reason == "" {
		t.Fatalf("bad error fields: %+v (size %d)", fe, size)
	}
}

func seedFiles(f *testing.F, glob string) {
	matches, _ := filepath.Glob(filepath.Join(corpusDir, glob))
	for _, m := range matches {
		if b, err := os.ReadFile(m); err == nil {
			f.Add(b)
		}
	}
}

func FuzzProducerSnapshot(f *testing.F) {
	f.Add(AppendProducerSnapshot(nil, sampleEntries()))
	f.Add(AppendProducerSnapshot(nil, nil))
	f.Add([]byte{0, 1})
	seedFiles(f, "KafkaCluster/kafka/data/*/*.snapshot")
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := DecodeProducerSnapshot(b)
		checkFuzzErr(t, err, len(b))
		if s == nil {
			if err == nil {
				t.Fatal("nil snapshot without error")
			}
			return
		}
		// The decoder allocates only what the file proves exists.
		if len(s.Entries)*producerEntrySize > len(b) {
			t.Fatalf("%d entries from %d bytes", len(s.Entries), len(b))
		}
		for _, e := range s.Entries {
			_ = FormatProducerEntry(e)
		}
		// decode -> encode -> decode yields equal values and a valid CRC.
		enc := AppendProducerSnapshot(nil, s.Entries)
		s2, err := DecodeProducerSnapshot(enc)
		if err != nil || !reflect.DeepEqual(s2.Entries, s.Entries) {
			t.Fatalf("re-decode: %v", err)
		}
		// A file with a valid CRC and no trailing bytes re-encodes byte-exactly.
		if s.CRCValid && s.TrailingBytes == 0 && !bytes.Equal(enc, b) {
			t.Fatal("encode is not byte-exact")
		}
	})
}

func FuzzTxnIndex(f *testing.F) {
	f.Add(appendTxns(sampleTxns()))
	f.Add(append(appendTxns(sampleTxns()), 1, 2, 3))
	f.Fuzz(func(t *testing.T, b []byte) {
		es, tail, err := DecodeTxnIndex(b)
		checkFuzzErr(t, err, len(b))
		if tail < 0 || tail >= abortedTxnSize || len(es)*abortedTxnSize+tail > len(b) {
			t.Fatalf("entries %d tail %d size %d", len(es), tail, len(b))
		}
		_ = CheckTxnIndex(es, 0)
		enc := appendTxns(es)
		if err == nil && !bytes.Equal(enc, b[:len(b)-tail]) {
			t.Fatal("encode is not byte-exact")
		}
		es2, _, err2 := DecodeTxnIndex(enc)
		if err2 != nil || len(es2) != len(es) || (len(es) > 0 && !reflect.DeepEqual(es2, es)) {
			t.Fatalf("re-decode: %v", err2)
		}
	})
}

// FuzzCheckpoint drives both checkpoint decoders, partition.metadata and
// meta.properties with the same text.
func FuzzCheckpoint(f *testing.F) {
	f.Add([]byte("0\n2\nt 0 1\nu 3 4\n"))
	f.Add([]byte("0\n6\n0 0\n1 9\n3 10\n5 12\n6 13\n7 14\n"))
	f.Add([]byte("0\r\n1\r\n5 4\r\n"))
	f.Add([]byte("version: 0\ntopic_id: nigi0dJNRASJVYh5eRn0Vg"))
	f.Add([]byte("#\nversion=1\nnode.id=1\ncluster.id=x\\\n y\n"))
	seedFiles(f, "BiggerBrain-kafka/data/*checkpoint")
	seedFiles(f, "BiggerBrain-kafka/data/*/*checkpoint")
	seedFiles(f, "patient-admissions/kafka-data/*")
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := DecodeOffsetCheckpoint(b, "f")
		checkFuzzErr(t, err, len(b))
		if err == nil {
			o2, err := DecodeOffsetCheckpoint(AppendOffsetCheckpoint(nil, o.Entries), "f")
			if err != nil || !reflect.DeepEqual(o2.Entries, o.Entries) {
				t.Fatalf("offset checkpoint re-decode: %v\n%+v\n%+v", err, o.Entries, o2)
			}
		}
		l, err := DecodeLeaderEpochCheckpoint(b, "f")
		checkFuzzErr(t, err, len(b))
		if err == nil {
			enc := AppendLeaderEpochCheckpoint(nil, l.Entries)
			l2, err := DecodeLeaderEpochCheckpoint(enc, "f")
			if err != nil || !reflect.DeepEqual(l2.Entries, l.Entries) || !reflect.DeepEqual(l2.Findings, l.Findings) {
				t.Fatalf("leader epoch re-decode: %v", err)
			}
		}
		p, err := DecodePartitionMetadata(b, "f")
		checkFuzzErr(t, err, len(b))
		if err == nil {
			p2, err := DecodePartitionMetadata(AppendPartitionMetadata(nil, *p), "f")
			if err != nil || *p2 != *p {
				t.Fatalf("partition.metadata re-decode: %v", err)
			}
		}
		m, err := DecodeMetaProperties(b, "f")
		checkFuzzErr(t, err, len(b))
		if err == nil {
			m2, err := DecodeMetaProperties(AppendMetaProperties(nil, m), "f")
			if err != nil || !reflect.DeepEqual(m2, m) {
				t.Fatalf("meta.properties re-decode: %v\n%+v\n%+v", err, m, m2)
			}
		}
	})
}
