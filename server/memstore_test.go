package server

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/snappy"
	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
)

// ---- a small v2 RecordBatch encoder for tests ----

type testHeader struct{ Key, Value string }

type testRecord struct {
	Key, Value []byte // nil = null
	Headers    []testHeader
	Timestamp  int64 // absolute
}

type testBatch struct {
	BaseOffset    int64
	Codec         int // 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd
	ProducerID    int64
	ProducerEpoch int16
	BaseSequence  int32
	Transactional bool
	Control       bool
	Records       []testRecord
}

func appendVarint(b []byte, v int64) []byte { return binary.AppendVarint(b, v) }

func appendVarBytes(b []byte, v []byte) []byte {
	if v == nil {
		return appendVarint(b, -1)
	}
	b = appendVarint(b, int64(len(v)))
	return append(b, v...)
}

func compress(codec int, raw []byte) []byte {
	var buf bytes.Buffer
	switch codec {
	case 0:
		return raw
	case 1:
		w := gzip.NewWriter(&buf)
		w.Write(raw)
		w.Close()
	case 2:
		return snappy.Encode(nil, raw)
	case 3:
		w := lz4.NewWriter(&buf)
		w.Write(raw)
		w.Close()
	case 4:
		w, _ := zstd.NewWriter(&buf)
		w.Write(raw)
		w.Close()
	default:
		panic("bad codec")
	}
	return buf.Bytes()
}

// encodeBatch builds a v2 batch with a valid CRC-32C.
func encodeBatch(tb testBatch) []byte {
	var baseTs, maxTs int64 = -1, -1
	if len(tb.Records) > 0 {
		baseTs = tb.Records[0].Timestamp
	}
	var recs []byte
	for i, r := range tb.Records {
		if r.Timestamp > maxTs {
			maxTs = r.Timestamp
		}
		var body []byte
		body = append(body, 0) // attributes
		body = appendVarint(body, r.Timestamp-baseTs)
		body = appendVarint(body, int64(i))
		body = appendVarBytes(body, r.Key)
		body = appendVarBytes(body, r.Value)
		body = appendVarint(body, int64(len(r.Headers)))
		for _, h := range r.Headers {
			body = appendVarBytes(body, []byte(h.Key))
			body = appendVarBytes(body, []byte(h.Value))
		}
		recs = appendVarint(recs, int64(len(body)))
		recs = append(recs, body...)
	}
	recs = compress(tb.Codec, recs)
	attrs := uint16(tb.Codec)
	if tb.Transactional {
		attrs |= attrTransactional
	}
	if tb.Control {
		attrs |= attrControl
	}
	b := make([]byte, batchHeaderSize, batchHeaderSize+len(recs))
	binary.BigEndian.PutUint64(b[0:], uint64(tb.BaseOffset))
	binary.BigEndian.PutUint32(b[8:], uint32(batchHeaderSize-logOverhead+len(recs)))
	binary.BigEndian.PutUint32(b[12:], 0xffffffff) // partition leader epoch -1
	b[16] = 2
	binary.BigEndian.PutUint16(b[21:], attrs)
	binary.BigEndian.PutUint32(b[23:], uint32(len(tb.Records)-1))
	binary.BigEndian.PutUint64(b[27:], uint64(baseTs))
	binary.BigEndian.PutUint64(b[35:], uint64(maxTs))
	binary.BigEndian.PutUint64(b[43:], uint64(tb.ProducerID))
	binary.BigEndian.PutUint16(b[51:], uint16(tb.ProducerEpoch))
	binary.BigEndian.PutUint32(b[53:], uint32(tb.BaseSequence))
	binary.BigEndian.PutUint32(b[57:], uint32(len(tb.Records)))
	b = append(b, recs...)
	binary.BigEndian.PutUint32(b[17:], crc32.Checksum(b[21:], crc32.MakeTable(crc32.Castagnoli)))
	return b
}

// controlRecord builds the ABORT (0) / COMMIT (1) marker record.
func controlRecord(typ int16, ts int64) testRecord {
	key := binary.BigEndian.AppendUint16(nil, 0)
	key = binary.BigEndian.AppendUint16(key, uint16(typ))
	val := binary.BigEndian.AppendUint16(nil, 0)
	val = binary.BigEndian.AppendUint32(val, 0)
	return testRecord{Key: key, Value: val, Timestamp: ts}
}

// ---- test store: real files so sendfile is exercised ----

type batchMeta struct {
	base, last int64
	pos, size  int64
	maxTs      int64
	codec      int
}

type recTs struct{ offset, ts int64 }

type memPartition struct {
	mu       sync.RWMutex
	path     string
	w        *os.File
	batches  []batchMeta
	start    int64
	end      int64
	fileSize int64
	times    []recTs         // per record (test-built) or per batch (appended)
	openTxn  map[int64]int64 // producer id → first offset of open txn
	aborted  []abortRange
}

type abortRange struct{ pid, first, last int64 }

type memStore struct {
	dir      string
	writable bool
	mu       sync.Mutex
	parts    map[string]*memPartition
	asked    []string // every topic name Partition was called with
	closed   bool
}

func newMemStore(t testing.TB, writable bool) *memStore {
	return &memStore{dir: t.TempDir(), writable: writable, parts: map[string]*memPartition{}}
}

func (s *memStore) Dir() string { return s.dir }

// addPartition creates <dir>/<topic>-<p>/00000000000000000000.log.
func (s *memStore) addPartition(t testing.TB, topic string, p int32) *memPartition {
	d := filepath.Join(s.dir, fmt.Sprintf("%s-%d", topic, p))
	if err := os.MkdirAll(d, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(d, "00000000000000000000.log")
	w, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	mp := &memPartition{path: path, w: w, openTxn: map[int64]int64{}}
	s.mu.Lock()
	s.parts[fmt.Sprintf("%s-%d", topic, p)] = mp
	s.mu.Unlock()
	return mp
}

func (s *memStore) Topics() ([]TopicInfo, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m := map[string][]int32{}
	for k := range s.parts {
		i := strings.LastIndexByte(k, '-')
		p, _ := strconv.Atoi(k[i+1:])
		m[k[:i]] = append(m[k[:i]], int32(p))
	}
	var out []TopicInfo
	for n, ps := range m {
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		out = append(out, TopicInfo{Name: n, Partitions: ps})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (s *memStore) Partition(topic string, p int32) (PartitionLog, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.asked = append(s.asked, topic)
	mp := s.parts[fmt.Sprintf("%s-%d", topic, p)]
	if mp == nil {
		return nil, fmt.Errorf("%s-%d: %w", topic, p, ErrUnknownTopicOrPartition)
	}
	if !s.writable {
		return readOnlyPartition{mp}, nil
	}
	return mp, nil
}

func (s *memStore) askedNames() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.asked...)
}

func (s *memStore) Writable() bool { return s.writable }

func (s *memStore) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil // tests may serve one store from two servers
	}
	s.closed = true
	for _, p := range s.parts {
		p.w.Close()
	}
	return nil
}

type readOnlyPartition struct{ *memPartition }

func (readOnlyPartition) Append([]byte) (int64, error) { return 0, ErrReadOnly }

// add appends a test-built batch (offsets assigned here) and remembers
// record timestamps. It returns the batch's base offset.
func (p *memPartition) add(t testing.TB, tb testBatch) int64 {
	p.mu.Lock()
	tb.BaseOffset = p.end
	p.mu.Unlock()
	raw := encodeBatch(tb)
	base, err := p.appendRaw(raw, false)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	for i, r := range tb.Records {
		p.times = append(p.times, recTs{base + int64(i), r.Timestamp})
	}
	p.mu.Unlock()
	return base
}

func (p *memPartition) LogStartOffset() (int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.start, nil
}

func (p *memPartition) LogEndOffset() (int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.end, nil
}

func (p *memPartition) LastStableOffset() (int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	lso := p.end
	for _, first := range p.openTxn {
		if first < lso {
			lso = first
		}
	}
	return lso, nil
}

func (p *memPartition) Read(fetchOffset int64, maxBytes int32) (*ReadResult, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if fetchOffset < p.start || fetchOffset > p.end {
		return nil, ErrOffsetOutOfRange
	}
	i := sort.Search(len(p.batches), func(i int) bool { return p.batches[i].last >= fetchOffset })
	res := &ReadResult{}
	if i == len(p.batches) {
		return res, nil
	}
	pos := p.batches[i].pos
	var n int64
	for j := i; j < len(p.batches); j++ {
		b := p.batches[j]
		if j > i && n+b.size > int64(maxBytes) {
			break
		}
		n += b.size
		if b.codec == 4 {
			res.HasZstd = true
		}
	}
	f, err := os.Open(p.path)
	if err != nil {
		return nil, err
	}
	res.Slices = []FileSlice{{File: f, Position: pos, Length: n}}
	return res, nil
}

func (p *memPartition) OffsetForTimestamp(ts int64) (int64, int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for _, r := range p.times {
		if r.ts >= ts {
			return r.offset, r.ts, nil
		}
	}
	return -1, -1, nil
}

func (p *memPartition) AbortedTransactions(fetchOffset, upper int64) ([]AbortedTxn, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []AbortedTxn
	for _, a := range p.aborted {
		if a.last >= fetchOffset && a.first < upper {
			out = append(out, AbortedTxn{ProducerID: a.pid, FirstOffset: a.first})
		}
	}
	return out, nil
}

func (p *memPartition) Append(batches []byte) (int64, error) {
	return p.appendRaw(batches, true)
}

// appendRaw walks the batches, rewrites baseOffset (bytes 0–7) and the
// partition leader epoch (12–15), both outside the CRC, and writes them at
// the end of the file.
func (p *memPartition) appendRaw(batches []byte, fromClient bool) (int64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	buf := append([]byte(nil), batches...)
	first := p.end
	next := p.end
	pos := p.fileSize
	var metas []batchMeta
	for off := 0; off < len(buf); {
		if len(buf)-off < batchHeaderSize {
			return 0, fmt.Errorf("short batch")
		}
		b := buf[off:]
		size := int(int32(binary.BigEndian.Uint32(b[8:]))) + logOverhead
		if size < batchHeaderSize || size > len(b) {
			return 0, fmt.Errorf("bad batch length")
		}
		b = b[:size]
		lastDelta := int64(int32(binary.BigEndian.Uint32(b[23:])))
		binary.BigEndian.PutUint64(b[0:], uint64(next))
		binary.BigEndian.PutUint32(b[12:], 0)
		attrs := binary.BigEndian.Uint16(b[21:])
		pid := int64(binary.BigEndian.Uint64(b[43:]))
		m := batchMeta{base: next, last: next + lastDelta, pos: pos, size: int64(size),
			maxTs: int64(binary.BigEndian.Uint64(b[35:])), codec: int(attrs & 7)}
		metas = append(metas, m)
		if attrs&attrTransactional != 0 {
			if attrs&attrControl != 0 {
				// Marker: key type at record key bytes; our encoder puts the
				// single control record uncompressed, so find its type.
				if isAbortMarker(b) {
					if f, ok := p.openTxn[pid]; ok {
						p.aborted = append(p.aborted, abortRange{pid, f, m.last})
					}
				}
				delete(p.openTxn, pid)
			} else if _, ok := p.openTxn[pid]; !ok {
				p.openTxn[pid] = next
			}
		}
		if fromClient {
			p.times = append(p.times, recTs{next, m.maxTs})
		}
		next += lastDelta + 1
		pos += int64(size)
		off += size
	}
	if _, err := p.w.WriteAt(buf, p.fileSize); err != nil {
		return 0, err
	}
	p.batches = append(p.batches, metas...)
	p.fileSize = pos
	p.end = next
	return first, nil
}

// isAbortMarker decodes the single uncompressed control record's key type.
func isAbortMarker(b []byte) bool {
	r := b[batchHeaderSize:]
	_, n := binary.Varint(r) // length
	r = r[n:]
	r = r[1:] // attributes
	_, n = binary.Varint(r)
	r = r[n:]
	_, n = binary.Varint(r)
	r = r[n:]
	kl, n := binary.Varint(r)
	r = r[n:]
	if kl < 4 {
		return false
	}
	return binary.BigEndian.Uint16(r[2:4]) == 0
}

// ---- generated data ----

var codecNames = []string{"none", "gzip", "snappy", "lz4", "zstd"}

// genRecords returns the records of batch b of a generated partition:
// key "k<off>", value "v<off>-<topic>", header h=<off>, timestamp 1e12+off*1000.
func genRecord(topic string, offset int64) testRecord {
	return testRecord{
		Key:       []byte(fmt.Sprintf("k%d", offset)),
		Value:     []byte(fmt.Sprintf("v%d-%s", offset, topic)),
		Headers:   []testHeader{{"h", strconv.FormatInt(offset, 10)}},
		Timestamp: genTs(offset),
	}
}

func genTs(offset int64) int64 { return 1_000_000_000_000 + offset*1000 }

// fillPartition appends nBatches batches of perBatch records with codec.
func fillPartition(t testing.TB, p *memPartition, topic string, codec, nBatches, perBatch int) {
	for b := 0; b < nBatches; b++ {
		p.mu.RLock()
		base := p.end
		p.mu.RUnlock()
		tb := testBatch{Codec: codec, ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1}
		for i := 0; i < perBatch; i++ {
			tb.Records = append(tb.Records, genRecord(topic, base+int64(i)))
		}
		p.add(t, tb)
	}
}
