package dump

import (
	"bufio"
	"io"
	"strconv"

	"github.com/kseg/kseg/search"
)

// FindWriter renders `kseg find` matches: one line per match,
//
//	orders-3 offset: 4711 CreateTime: 1704067200000 key: order-4711 payload: … headers: [trace-id=abc]
//
// (the data parts exactly as dump --print-data-log prints them), or with
// JSON one NDJSON object per match, typed "record", whose key, payload and
// headers members are dump's. Not safe for concurrent use; call Flush at the
// end.
type FindWriter struct {
	w       *bufio.Writer
	json    bool
	kd, vd  Decoder
	buf     []byte
	scratch []byte
}

// NewFindWriter returns a FindWriter to w.
func NewFindWriter(w io.Writer, jsonOut bool, keyDecoder, valueDecoder Decoder) *FindWriter {
	return &FindWriter{w: bufio.NewWriterSize(w, 64<<10), json: jsonOut, kd: keyDecoder, vd: valueDecoder}
}

// Match writes one match.
func (f *FindWriter) Match(m *search.Match) error {
	d := f.buf[:0]
	if f.json {
		d = append(d, `{"type":"record","topic":`...)
		d = appendJSONStr(d, m.Topic)
		d = append(d, `,"partition":`...)
		d = strconv.AppendInt(d, int64(m.Partition), 10)
		if m.Topic == "" {
			d = append(d, `,"directory":`...)
			d = appendJSONStr(d, m.Name)
		}
		d = append(d, `,"offset":`...)
		d = strconv.AppendInt(d, m.Offset, 10)
		d = append(d, `,"timestampType":"`...)
		d = append(d, m.TimestampType.String()...)
		d = append(d, `","timestamp":`...)
		d = strconv.AppendInt(d, m.Timestamp, 10)
		d = appendRecordKeyPayloadJSON(d, m.Key, m.Value, f.kd, f.vd, &f.scratch)
		d = appendRecordHeadersJSON(d, m.Headers, f.vd, &f.scratch)
		d = append(d, "}\n"...)
	} else {
		d = append(d, m.Name...)
		d = append(d, " offset: "...)
		d = strconv.AppendInt(d, m.Offset, 10)
		d = append(d, ' ')
		d = append(d, m.TimestampType.String()...)
		d = append(d, ": "...)
		d = strconv.AppendInt(d, m.Timestamp, 10)
		d = appendRecordDataText(d, true, m.Key, m.Value, m.Headers, f.kd, f.vd)
		d = append(d, '\n')
	}
	f.buf = d
	_, err := f.w.Write(d)
	return err
}

// Count writes the --count result: the number of matches.
func (f *FindWriter) Count(n int64) error {
	var err error
	if f.json {
		_, err = f.w.WriteString(`{"type":"count","count":` + strconv.FormatInt(n, 10) + "}\n")
	} else {
		_, err = f.w.WriteString(strconv.FormatInt(n, 10) + "\n")
	}
	return err
}

// Stats writes the --stats summary: with JSON a last object typed "stats",
// else lines meant for stderr (callers pass the writer).
func (f *FindWriter) Stats(st *search.Stats) error {
	d := f.buf[:0]
	if f.json {
		d = append(d, `{"type":"stats"`...)
		for _, kv := range statFields(st) {
			d = append(d, ',', '"')
			d = append(d, kv.name...)
			d = append(d, '"', ':')
			d = strconv.AppendInt(d, kv.v, 10)
		}
		d = append(d, "}\n"...)
	} else {
		d = append(d, "stats:"...)
		for _, kv := range statFields(st) {
			d = append(d, ' ')
			d = append(d, kv.name...)
			d = append(d, ": "...)
			d = strconv.AppendInt(d, kv.v, 10)
		}
		d = append(d, '\n')
	}
	f.buf = d
	_, err := f.w.Write(d)
	return err
}

type statField struct {
	name string
	v    int64
}

func statFields(st *search.Stats) []statField {
	return []statField{
		{"batchesDecoded", st.BatchesDecoded}, {"batchesSkipped", st.BatchesSkipped},
		{"bytesDecoded", st.BytesDecoded}, {"bytesSkipped", st.BytesSkipped},
		{"bytesRead", st.BytesRead}, {"segments", st.Segments}, {"segmentsSkipped", st.SegmentsSkipped},
		{"records", st.Records}, {"matches", st.Matches}, {"problems", st.ProblemCount},
	}
}

// Flush writes out what is buffered.
func (f *FindWriter) Flush() error { return f.w.Flush() }
