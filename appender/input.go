package appender

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/kseg/kseg/format"
)

// InputFormat is how records to append are spelled.
type InputFormat uint8

// Input formats.
const (
	// InputLines: one value per line ("\n" or "\r\n"); with a key separator,
	// the text before its first occurrence is the key (kafka-console-producer
	// parse.key / key.separator).
	InputLines InputFormat = iota
	// InputJSONL: one JSON object per line:
	// {"key":…, "value":…, "headers":[{"key":…,"value":…}], "timestamp":…}.
	InputJSONL
	// InputRawBatches: encoded log entries back to back, as found in a .log.
	InputRawBatches
)

// ParseInputFormat maps "lines", "jsonl" or "raw-batches" to a format.
func ParseInputFormat(s string) (InputFormat, error) {
	switch s {
	case "lines":
		return InputLines, nil
	case "jsonl":
		return InputJSONL, nil
	case "raw-batches":
		return InputRawBatches, nil
	}
	return 0, fmt.Errorf("kseg/appender: unknown input format %q (want lines, jsonl or raw-batches)", s)
}

// Encoding is how a key or value is spelled in JSONL input.
type Encoding uint8

// Encodings.
const (
	EncodingString Encoding = iota // the JSON string's UTF-8 bytes
	EncodingBase64                 // standard base64 (padding optional)
	EncodingHex
)

// ParseEncoding maps "string", "base64" or "hex" to an Encoding.
func ParseEncoding(s string) (Encoding, error) {
	switch s {
	case "string":
		return EncodingString, nil
	case "base64":
		return EncodingBase64, nil
	case "hex":
		return EncodingHex, nil
	}
	return 0, fmt.Errorf("kseg/appender: unknown encoding %q (want string, base64 or hex)", s)
}

func (e Encoding) decode(s string) ([]byte, error) {
	switch e {
	case EncodingBase64:
		if b, err := base64.StdEncoding.DecodeString(s); err == nil {
			return b, nil
		}
		return base64.RawStdEncoding.DecodeString(s)
	case EncodingHex:
		return hex.DecodeString(s)
	}
	return []byte(s), nil
}

// InputOptions says how to read records.
type InputOptions struct {
	Format        InputFormat
	KeySeparator  string   // InputLines: split each line at its first occurrence; "" = value only
	KeyEncoding   Encoding // InputJSONL
	ValueEncoding Encoding // InputJSONL; also used for header values
	Timestamp     int64    // timestamp of records that carry none
	// NoHeaders refuses records with headers (magic 0 and 1 cannot hold
	// them; Kafka: "Magic v1 does not support record headers").
	NoHeaders bool
}

// ReadMessages reads all records from r (InputLines or InputJSONL). A bad
// line returns an *InputError with its 1-based line number.
func ReadMessages(r io.Reader, o InputOptions) ([]format.Message, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	var msgs []format.Message
	for line := 1; ; line++ {
		text, err := br.ReadBytes('\n')
		if len(text) == 0 && err == io.EOF {
			return msgs, nil
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("kseg/appender: read input: %w", err)
		}
		text = bytes.TrimSuffix(bytes.TrimSuffix(text, []byte("\n")), []byte("\r"))
		var m format.Message
		var perr error
		if o.Format == InputJSONL {
			if len(bytes.TrimSpace(text)) == 0 {
				continue // blank lines are allowed between objects
			}
			m, perr = parseJSONLine(text, o)
		} else {
			m, perr = parseLine(text, o)
		}
		if perr != nil {
			return nil, &InputError{Line: line, Position: -1, Err: perr}
		}
		msgs = append(msgs, m)
		if err == io.EOF {
			return msgs, nil
		}
	}
}

func parseLine(text []byte, o InputOptions) (format.Message, error) {
	m := format.Message{Value: append([]byte{}, text...), Timestamp: o.Timestamp}
	if o.KeySeparator != "" {
		k, v, ok := bytes.Cut(m.Value, []byte(o.KeySeparator))
		if !ok {
			return m, fmt.Errorf("no key separator %q found", o.KeySeparator)
		}
		m.Key, m.Value = k, v
	}
	return m, nil
}

type jsonRecord struct {
	Key       *string      `json:"key"`
	Value     *string      `json:"value"`
	Headers   []jsonHeader `json:"headers"`
	Timestamp *int64       `json:"timestamp"`
}

type jsonHeader struct {
	Key   *string `json:"key"`
	Value *string `json:"value"`
}

func parseJSONLine(text []byte, o InputOptions) (format.Message, error) {
	var jr jsonRecord
	d := json.NewDecoder(bytes.NewReader(text))
	d.DisallowUnknownFields()
	if err := d.Decode(&jr); err != nil {
		return format.Message{}, fmt.Errorf("bad JSON record: %v", err)
	}
	if d.More() {
		return format.Message{}, errors.New("more than one JSON value on the line")
	}
	m := format.Message{Timestamp: o.Timestamp}
	var err error
	if jr.Key != nil {
		if m.Key, err = o.KeyEncoding.decode(*jr.Key); err != nil {
			return m, fmt.Errorf("key: %v", err)
		}
	}
	if jr.Value != nil {
		if m.Value, err = o.ValueEncoding.decode(*jr.Value); err != nil {
			return m, fmt.Errorf("value: %v", err)
		}
	}
	if jr.Timestamp != nil {
		if *jr.Timestamp < 0 {
			return m, fmt.Errorf("negative timestamp %d", *jr.Timestamp)
		}
		m.Timestamp = *jr.Timestamp
	}
	if o.NoHeaders && len(jr.Headers) > 0 {
		return m, errors.New("record headers need magic 2")
	}
	for i, h := range jr.Headers {
		if h.Key == nil {
			return m, fmt.Errorf("header %d: missing key (header keys cannot be null)", i)
		}
		fh := format.Header{Key: []byte(*h.Key)}
		if h.Value != nil {
			if fh.Value, err = o.ValueEncoding.decode(*h.Value); err != nil {
				return m, fmt.Errorf("header %d value: %v", i, err)
			}
		}
		m.Headers = append(m.Headers, fh)
	}
	return m, nil
}

// maxRawBatch bounds one input entry, like a broker's message.max.bytes does
// for produce requests, but generously: entries copied from a log may be up
// to the topic's max.message.bytes, which operators raise.
const maxRawBatch = 256 << 20

// ReadRawBatches reads encoded log entries back to back (InputRawBatches)
// and checks each one's framing and CRC. Entries are returned as separate
// slices, each holding exactly one entry.
func ReadRawBatches(r io.Reader) ([][]byte, error) {
	var out [][]byte
	var pos int64
	var hdr [format.LogOverhead]byte
	for n := 1; ; n++ {
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			if err == io.EOF {
				return out, nil
			}
			if err == io.ErrUnexpectedEOF {
				return nil, &InputError{Batch: n, Position: pos, Err: errors.New("input ends inside a batch header")}
			}
			return nil, fmt.Errorf("kseg/appender: read input: %w", err)
		}
		length := int64(int32(binary.BigEndian.Uint32(hdr[8:])))
		if length < format.RecordOverheadV0 || length > maxRawBatch || length > math.MaxInt32-format.LogOverhead {
			return nil, &InputError{Batch: n, Position: pos, Err: fmt.Errorf("implausible batch length %d", length)}
		}
		b := make([]byte, format.LogOverhead+length)
		copy(b, hdr[:])
		if _, err := io.ReadFull(r, b[format.LogOverhead:]); err != nil {
			if err == io.EOF || err == io.ErrUnexpectedEOF {
				return nil, &InputError{Batch: n, Position: pos, Err: fmt.Errorf("input ends inside a %d-byte batch", len(b))}
			}
			return nil, fmt.Errorf("kseg/appender: read input: %w", err)
		}
		bt, err := format.DecodeBatch(b)
		if err != nil {
			return nil, &InputError{Batch: n, Position: pos, Err: err}
		}
		if !bt.Valid {
			return nil, &InputError{Batch: n, Position: pos, Err: fmt.Errorf("CRC mismatch: stored %#08x, computed %#08x", bt.CRC, bt.ComputedCRC)}
		}
		out = append(out, b)
		pos += int64(len(b))
	}
}
