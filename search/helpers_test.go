package search

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/index"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// expRec is a generated record as a consumer would see it: the known answer
// the search is checked against.
type expRec struct {
	topic         string
	partition     int32
	offset        int64
	timestamp     int64
	magic         int8
	key, value    []byte
	headers       []format.Header
	producerID    int64
	transactional bool
	aborted       bool
}

const genBaseTime int64 = 1704067200000

var words = []string{"alpha", "beta", "gamma", "delta", "epsilon"}

func codecsFor(magic int8) []format.Compression {
	switch magic {
	case 0:
		return []format.Compression{format.CompressionNone, format.CompressionGzip, format.CompressionSnappy}
	case 1:
		return []format.Compression{format.CompressionNone, format.CompressionGzip, format.CompressionSnappy, format.CompressionLZ4}
	}
	return []format.Compression{format.CompressionNone, format.CompressionGzip, format.CompressionSnappy, format.CompressionLZ4, format.CompressionZstd}
}

// genSpec shapes one generated partition.
type genSpec struct {
	magic           int8
	segments        int
	batchesPerSeg   int
	recordsPerBatch int
	valuePad        int  // extra value bytes per record
	codec           int  // -1: cycle through the magic's codecs; else that codec index
	noTwists        bool // monotonic CreateTime, no transactions, no LogAppendTime
	logAppendTime   bool // every v2 batch LogAppendTime
}

// genPartition writes <dir>/<topic>-<part> with .log, .index, .timeindex and
// .txnindex files, and returns the records a consumer would read (control
// records excluded). Keys are "k-<part>-<offset>" (null every 7th), values
// "v-<offset>-<word>" (null every 11th), v2 headers on every third record.
// With twists: every fourth batch's CreateTimes go 50 s back; v2 batches
// alternate producers 100..102, every fourth is transactional and every
// second transaction is aborted (marker plus .txnindex entry); every sixth
// v2 batch is LogAppendTime.
func genPartition(t testing.TB, dir, topic string, part int32, sp genSpec) []expRec {
	t.Helper()
	pdir := filepath.Join(dir, segment.PartitionDirName(topic, part))
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		t.Fatal(err)
	}
	codecs := codecsFor(sp.magic)
	var out []expRec
	offset := int64(0)
	ts := genBaseTime
	k := 0
	for s := 0; s < sp.segments; s++ {
		base := offset
		var log, txn []byte
		b := index.NewBuilder(base, 512)
		for bi := 0; bi < sp.batchesPerSeg; bi, k = bi+1, k+1 {
			codec := codecs[k%len(codecs)]
			if sp.codec >= 0 {
				codec = codecs[sp.codec%len(codecs)]
			}
			o := format.BatchOptions{Magic: sp.magic, Compression: codec, TimestampType: format.CreateTime, BaseOffset: offset}
			o.NoProducer()
			back := int64(0)
			if !sp.noTwists && k%4 == 3 {
				back = 50_000
			}
			if sp.magic == 2 && !sp.noTwists {
				o.ProducerID, o.ProducerEpoch, o.BaseSequence = int64(100+k%3), 0, 0
				o.Transactional = k%4 == 1
			}
			lat := sp.magic == 2 && (sp.logAppendTime || !sp.noTwists && k%6 == 5)
			msgs := make([]format.Message, sp.recordsPerBatch)
			for i := range msgs {
				off := offset + int64(i)
				ts += 1000
				m := format.Message{Timestamp: ts - back}
				if off%7 != 3 {
					m.Key = []byte(fmt.Sprintf("k-%d-%d", part, off))
				}
				if off%11 != 5 {
					v := fmt.Appendf(nil, "v-%d-%s", off, words[off%5])
					for len(v) < sp.valuePad {
						v = append(v, '.')
					}
					m.Value = v
				}
				if sp.magic == 2 && off%3 == 0 {
					m.Headers = []format.Header{{Key: []byte("trace"), Value: []byte(fmt.Sprintf("t%d", off%4))}}
					if off%5 == 0 {
						m.Headers = append(m.Headers, format.Header{Key: []byte("flag"), Value: nil})
					}
				}
				msgs[i] = m
			}
			if lat {
				o.TimestampType = format.LogAppendTime
				o.LogAppendTime = ts + 500
			}
			pos := int64(len(log))
			var err error
			log, err = format.AppendBatch(log, o, msgs)
			if err != nil {
				t.Fatal(err)
			}
			maxTs := int64(-1)
			for i, m := range msgs {
				r := expRec{topic: topic, partition: part, offset: offset + int64(i), magic: sp.magic, key: m.Key, value: m.Value,
					headers: m.Headers, producerID: o.ProducerID, transactional: o.Transactional, timestamp: m.Timestamp}
				switch {
				case sp.magic == 0:
					r.timestamp = -1
				case lat:
					r.timestamp = o.LogAppendTime
				}
				if sp.magic == 0 {
					r.producerID = -1
				}
				maxTs = max(maxTs, r.timestamp)
				out = append(out, r)
			}
			if sp.magic == 2 {
				b.Add(pos, offset+int64(len(msgs))-1, maxTs, int64(len(log))-pos)
			}
			first := offset
			offset += int64(len(msgs))
			if o.Transactional {
				abort := k%8 == 1
				ctl := format.ControlCommit
				if abort {
					ctl = format.ControlAbort
					for i := len(out) - len(msgs); i < len(out); i++ {
						out[i].aborted = true
					}
				}
				mo := o
				mo.BaseOffset = offset
				pos := int64(len(log))
				log, err = format.AppendEndTxnMarker(log, mo, ctl, 3, ts)
				if err != nil {
					t.Fatal(err)
				}
				b.Add(pos, offset, ts, int64(len(log))-pos)
				if abort {
					txn = state.AppendAbortedTxn(txn, state.AbortedTxn{ProducerID: o.ProducerID, FirstOffset: first, LastOffset: offset, LastStableOffset: first})
				}
				offset++
			}
		}
		if sp.magic < 2 {
			// Uncompressed legacy batches encode one entry per message.
			b = rebuildLegacy(t, base, log)
		}
		idx, tidx := b.Finish()
		if err := b.Err(); err != nil {
			t.Fatal(err)
		}
		write := func(suffix string, data []byte) {
			if err := os.WriteFile(filepath.Join(pdir, segment.FileName(base, suffix)), data, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		write(segment.LogSuffix, log)
		write(segment.IndexSuffix, idx)
		write(segment.TimeIndexSuffix, tidx)
		if txn != nil {
			write(segment.TxnIndexSuffix, txn)
		}
	}
	return out
}

// rebuildLegacy re-derives a segment's index builder from all its entries
// (uncompressed legacy batches encode one entry per message).
func rebuildLegacy(t testing.TB, base int64, log []byte) *index.Builder {
	b := index.NewBuilder(base, 512)
	for p := 0; p < len(log); {
		bt, err := format.DecodeBatch(log[p:])
		if err != nil {
			t.Fatal(err)
		}
		b.Add(int64(p), bt.LastOffset(), bt.MaxTimestamp, bt.Size())
		p += int(bt.Size())
	}
	return b
}
