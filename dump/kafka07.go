package dump

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// Kafka07File prints a .kafka file in a DumpLogSegments-like shape: one
// "offset: … position: … size: … magic: … compresscodec: … crc: … isvalid:"
// line per message (offset = the 0.7 byte offset: base + position), "| "
// lines for the messages inside (--deep-iteration; payloads with
// --print-data-log), and 0.7's own closing "tail of the log is at offset".
func Kafka07File(w, ew io.Writer, path string, o LogOptions) (bool, error) {
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	name := filepath.Base(path)
	base, _, _ := segment.ParseFileName(name)
	if o.PrintData {
		o.Deep = true
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	d := &dump07{w: bw, ew: ew, o: o, path: path, name: name, dec: format.NewKafka07Decoder(name, o.MaxDecompressed)}
	if o.JSON {
		d.json(struct {
			Type           string `json:"type"`
			SchemaVersion  int    `json:"schemaVersion"`
			File           string `json:"file"`
			Format         string `json:"format"`
			LogStartOffset int64  `json:"logStartOffset"`
		}{"file", SchemaVersion, path, "kafka-0.7", base})
	} else {
		fmt.Fprintf(bw, "Dumping %s\nLog starting offset: %d\n", path, base)
	}
	r := format.NewKafka07Reader(f, st.Size(), format.Kafka07Options{File: name, BaseOffset: base, End: o.MaxBytes})
	tail := base
	findings := false
	for {
		m, err := r.Next()
		if err == io.EOF {
			break
		}
		var ce *format.CorruptionError
		var te *format.TruncatedError
		switch {
		case errors.As(err, &te):
			findings = true
			d.problem("truncated", te.Position, -1, te.Kind.String(), fmt.Sprintf("%d bytes at the end do not form a complete message", te.Bytes), te.Bytes)
			if !o.JSON {
				fmt.Fprintf(bw, "Found %d invalid bytes at the end of %s\n", te.Bytes, name)
			}
		case errors.As(err, &ce):
			findings = true
			d.problem("corruption", ce.Position, ce.Offset, ce.Reason.String(), ce.Detail, st.Size()-ce.Position)
		case err != nil:
			bw.Flush()
			return findings, err
		}
		if err != nil {
			break
		}
		tail = m.NextOffset
		if o.FromOffset >= 0 && m.Offset < o.FromOffset {
			continue
		}
		if o.ToOffset >= 0 && m.Offset > o.ToOffset {
			break
		}
		if !m.Valid {
			findings = true
			if !o.JSON {
				fmt.Fprintf(ew, "kseg: %s: position %d: corruption: crc-mismatch: stored %d != computed %d\n", path, m.Position, m.CRC, m.ComputedCRC)
			}
		}
		if d.message(m) {
			findings = true
		}
	}
	if o.JSON {
		d.json(struct {
			Type       string `json:"type"`
			File       string `json:"file"`
			NextOffset int64  `json:"nextOffset"`
			ValidBytes int64  `json:"validBytes"`
		}{"tail", path, tail, r.ValidBytes()})
	} else {
		fmt.Fprintf(bw, "tail of the log is at offset: %d\n", tail)
	}
	return findings, bw.Flush()
}

type dump07 struct {
	w    *bufio.Writer
	ew   io.Writer
	o    LogOptions
	path string
	name string
	dec  *format.Kafka07Decoder
	buf  []byte
}

func (d *dump07) json(v any) {
	b, _ := json.Marshal(v) // structs of strings and numbers cannot fail
	d.w.Write(append(b, '\n'))
}

func (d *dump07) problem(typ string, pos, offset int64, reason, detail string, n int64) {
	if d.o.JSON {
		d.json(struct {
			Type     string `json:"type"`
			File     string `json:"file"`
			Position int64  `json:"position"`
			Offset   int64  `json:"offset"`
			Reason   string `json:"reason"`
			Detail   string `json:"detail"`
			Bytes    int64  `json:"bytes"`
		}{typ, d.name, pos, offset, reason, detail, n})
		return
	}
	fmt.Fprintf(d.ew, "kseg: %s: position %d: %s: %s: %s\n", d.path, pos, typ, reason, detail)
}

type message07JSON struct {
	Offset      int64   `json:"offset"`
	Position    *int64  `json:"position,omitempty"`
	NextOffset  int64   `json:"nextOffset"`
	Size        int64   `json:"size"`
	Magic       int8    `json:"magic"`
	Attributes  int8    `json:"attributes"`
	Codec       string  `json:"compresscodec"`
	PayloadSize int32   `json:"payloadsize"`
	CRC         uint32  `json:"crc"`
	Valid       bool    `json:"isvalid"`
	Payload     *string `json:"payload,omitempty"`
	// PayloadEncoding is "base64" when the string decoder met bytes that
	// are not valid UTF-8 and Payload holds them in base64.
	PayloadEncoding string `json:"payloadEncoding,omitempty"`
}

func (d *dump07) toJSON(m *format.Message07, top bool) message07JSON {
	j := message07JSON{Offset: m.Offset, NextOffset: m.NextOffset, Size: m.EntrySize(), Magic: m.Magic, Attributes: m.Attributes,
		Codec: m.Compression().String(), PayloadSize: m.PayloadSize(), CRC: m.CRC, Valid: !m.CRCChecked || m.Valid}
	if top {
		p := m.Position
		j.Position = &p
	}
	if !top && d.o.PrintData && m.Payload != nil {
		if jsonBinary(m.Payload, false, d.o.ValueDecoder) {
			s := base64.StdEncoding.EncodeToString(m.Payload)
			j.Payload, j.PayloadEncoding = &s, "base64"
		} else {
			s := string(appendDecoded(nil, m.Payload, d.o.ValueDecoder, ""))
			j.Payload = &s
		}
	}
	return j
}

// message renders one message (and its inner messages when deep); it
// reports whether deep iteration found corruption.
func (d *dump07) message(m *format.Message07) bool {
	var inner []format.Message07
	var payloads [][]byte
	var deepErr *format.CorruptionError
	if d.o.Deep {
		err := d.dec.Reset(m)
		for err == nil {
			var im *format.Message07
			if im, err = d.dec.Next(); err == nil {
				c := *im
				inner = append(inner, c)
				payloads = append(payloads, im.Payload)
			}
		}
		if err != io.EOF && !errors.As(err, &deepErr) {
			deepErr = &format.CorruptionError{File: d.name, Position: m.Position, Offset: m.Offset, Detail: err.Error()}
		}
	}
	if d.o.JSON {
		type top struct {
			Type string `json:"type"`
			File string `json:"file"`
			message07JSON
			Messages []message07JSON `json:"messages,omitempty"`
		}
		t := top{Type: "message", File: d.path, message07JSON: d.toJSON(m, true)}
		for i := range inner {
			t.Messages = append(t.Messages, d.toJSON(&inner[i], false))
		}
		b, _ := json.Marshal(t)
		d.w.Write(append(b, '\n'))
	} else {
		b := d.buf[:0]
		b = append(b, "offset: "...)
		b = strconv.AppendInt(b, m.Offset, 10)
		b = append(b, " position: "...)
		b = strconv.AppendInt(b, m.Position, 10)
		b = d.appendFields(b, m)
		b = append(b, '\n')
		for i := range inner {
			im := &inner[i]
			b = append(b, "| offset: "...)
			b = strconv.AppendInt(b, im.Offset, 10)
			b = append(b, " nextOffset: "...)
			b = strconv.AppendInt(b, im.NextOffset, 10)
			b = d.appendFields(b, im)
			if d.o.PrintData && payloads[i] != nil {
				b = append(b, " payload: "...)
				b = appendDecoded(b, payloads[i], d.o.ValueDecoder, "")
			}
			b = append(b, '\n')
		}
		d.w.Write(b)
		d.buf = b
	}
	if deepErr != nil {
		d.problem("corruption", deepErr.Position, deepErr.Offset, deepErr.Reason.String(), deepErr.Detail, m.EntrySize())
		return true
	}
	for i := range inner {
		if !inner[i].Valid {
			return true
		}
	}
	return false
}

func (d *dump07) appendFields(b []byte, m *format.Message07) []byte {
	b = append(b, " size: "...)
	b = strconv.AppendInt(b, m.EntrySize(), 10)
	b = append(b, " magic: "...)
	b = strconv.AppendInt(b, int64(m.Magic), 10)
	b = append(b, " compresscodec: "...)
	b = append(b, m.Compression().String()...)
	b = append(b, " payloadsize: "...)
	b = strconv.AppendInt(b, int64(m.PayloadSize()), 10)
	b = append(b, " crc: "...)
	b = strconv.AppendUint(b, uint64(m.CRC), 10)
	b = append(b, " isvalid: "...)
	return strconv.AppendBool(b, !m.CRCChecked || m.Valid)
}
