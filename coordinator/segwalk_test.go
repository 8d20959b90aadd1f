package coordinator

import (
	"encoding/binary"
	"fmt"
)

// A test-only walker over uncompressed .log segments, so the corpus tests do
// not depend on the format package (written concurrently). It understands
// magic v0/v1 message sets (reference §2.2) and v2 record batches (§2.4–2.6),
// skips control batches, refuses compressed data, and checks no CRCs.

type logRecord struct {
	offset     int64
	key, value []byte // nil = null
}

func walkSegment(b []byte) ([]logRecord, error) {
	var out []logRecord
	pos := 0
	for len(b)-pos >= 17 {
		base := int64(binary.BigEndian.Uint64(b[pos:]))
		size := int(int32(binary.BigEndian.Uint32(b[pos+8:])))
		if size < 14 || pos+12+size > len(b) {
			return nil, fmt.Errorf("position %d: bad entry size %d", pos, size)
		}
		entry := b[pos : pos+12+size]
		switch magic := entry[16]; magic {
		case 0, 1:
			rec, err := legacyMessage(entry, magic)
			if err != nil {
				return nil, fmt.Errorf("position %d: %w", pos, err)
			}
			rec.offset = base
			out = append(out, rec)
		case 2:
			recs, err := v2Batch(entry)
			if err != nil {
				return nil, fmt.Errorf("position %d: %w", pos, err)
			}
			out = append(out, recs...)
		default:
			return nil, fmt.Errorf("position %d: magic %d", pos, magic)
		}
		pos += len(entry)
	}
	if pos != len(b) {
		return nil, fmt.Errorf("%d trailing bytes", len(b)-pos)
	}
	return out, nil
}

func legacyMessage(e []byte, magic byte) (logRecord, error) {
	attr := e[17]
	if attr&7 != 0 {
		return logRecord{}, fmt.Errorf("compressed legacy message (codec %d)", attr&7)
	}
	p := 18
	if magic == 1 {
		p += 8
	}
	var rec logRecord
	var err error
	if rec.key, p, err = legacyBytes(e, p); err != nil {
		return rec, err
	}
	rec.value, p, err = legacyBytes(e, p)
	if err == nil && p != len(e) {
		err = fmt.Errorf("%d bytes after the value", len(e)-p)
	}
	return rec, err
}

func legacyBytes(e []byte, p int) ([]byte, int, error) {
	if p+4 > len(e) {
		return nil, p, fmt.Errorf("short length at %d", p)
	}
	n := int(int32(binary.BigEndian.Uint32(e[p:])))
	p += 4
	if n < 0 {
		return nil, p, nil
	}
	if p+n > len(e) {
		return nil, p, fmt.Errorf("length %d overruns", n)
	}
	return e[p : p+n], p + n, nil
}

func v2Batch(e []byte) ([]logRecord, error) {
	if len(e) < 61 {
		return nil, fmt.Errorf("short v2 batch")
	}
	base := int64(binary.BigEndian.Uint64(e))
	attr := binary.BigEndian.Uint16(e[21:])
	if attr&7 != 0 {
		return nil, fmt.Errorf("compressed batch (codec %d)", attr&7)
	}
	if attr&0x20 != 0 {
		return nil, nil // control batch: markers, not coordinator records
	}
	count := int(int32(binary.BigEndian.Uint32(e[57:])))
	p := 61
	var out []logRecord
	for i := 0; i < count; i++ {
		length, n := binary.Varint(e[p:])
		if n <= 0 || length < 0 || p+n+int(length) > len(e) {
			return nil, fmt.Errorf("record %d: bad length", i)
		}
		p += n
		r := e[p : p+int(length)]
		p += int(length)
		q := 1                      // attributes
		_, n = binary.Varint(r[q:]) // timestamp delta
		if n <= 0 {
			return nil, fmt.Errorf("record %d: bad timestamp delta", i)
		}
		q += n
		od, n := binary.Varint(r[q:])
		if n <= 0 {
			return nil, fmt.Errorf("record %d: bad offset delta", i)
		}
		q += n
		rec := logRecord{offset: base + od}
		var err error
		if rec.key, q, err = varintBytes(r, q); err != nil {
			return nil, fmt.Errorf("record %d key: %w", i, err)
		}
		if rec.value, _, err = varintBytes(r, q); err != nil {
			return nil, fmt.Errorf("record %d value: %w", i, err)
		}
		out = append(out, rec)
	}
	if p != len(e) {
		return nil, fmt.Errorf("%d bytes after %d records", len(e)-p, count)
	}
	return out, nil
}

func varintBytes(r []byte, q int) ([]byte, int, error) {
	if q >= len(r) {
		return nil, q, fmt.Errorf("short")
	}
	n, w := binary.Varint(r[q:])
	if w <= 0 {
		return nil, q, fmt.Errorf("bad varint")
	}
	q += w
	if n < 0 {
		return nil, q, nil
	}
	if q+int(n) > len(r) {
		return nil, q, fmt.Errorf("length %d overruns", n)
	}
	return r[q : q+int(n)], q + int(n), nil
}
