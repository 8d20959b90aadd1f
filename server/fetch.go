package server

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"sync"
	"time"

	"github.com/kseg/kseg/server/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// maxFetchFiles bounds the files one Fetch response holds open.
const maxFetchFiles = 1024

// fetchPart is one partition of a Fetch response being assembled: its header
// fields and the file slices whose bytes follow it.
type fetchPart struct {
	hdr protocol.FetchPartitionHeader
	res *ReadResult // nil: records sent as an empty (non-null) set
}

type fetchTopic struct {
	name  string
	id    [16]byte
	parts []fetchPart
}

func closeParts(topics []fetchTopic) {
	for _, t := range topics {
		for _, p := range t.parts {
			if p.res != nil {
				p.res.Close()
			}
		}
	}
}

// fetch answers a Fetch request. Versions 0–3 would need down-conversion to
// magic v0/v1 (Kafka's LazyDownConversionRecords), which defeats zero-copy;
// they are advertised only for old librdkafka's feature probing and answered
// with UNSUPPORTED_VERSION per partition.
func (cc *conn) fetch(corr int32, q *kmsg.FetchRequest) error {
	s := cc.s
	version := q.Version
	wait := time.Duration(q.MaxWaitMillis) * time.Millisecond
	if wait > maxFetchWait {
		wait = maxFetchWait
	}
	deadline := time.Now().Add(wait)
	for {
		// Take the wake-up channel before reading so an append between the
		// read and the wait is not missed.
		appended := s.appended.wait()
		var changed <-chan struct{}
		if n, ok := s.store.(Notifier); ok {
			changed = n.Changed()
		}
		topics, total, hasErr := s.readFetch(q, version)
		remaining := time.Until(deadline)
		if total >= int64(q.MinBytes) || hasErr || remaining <= 0 || s.ctx.Err() != nil {
			err := cc.sendFetch(corr, version, topics)
			closeParts(topics)
			return err
		}
		closeParts(topics)
		t := time.NewTimer(remaining)
		select {
		case <-appended:
		case <-changed:
		case <-t.C:
		case <-s.ctx.Done():
		}
		t.Stop()
	}
}

// readFetch resolves every requested partition to header fields and file
// slices. The response-level MaxBytes budget is shared across partitions in
// request order; only the first non-empty partition may exceed it (KIP-74).
func (s *server) readFetch(q *kmsg.FetchRequest, version int16) (topics []fetchTopic, total int64, hasErr bool) {
	budget := int64(q.MaxBytes)
	if budget <= 0 {
		budget = 0
	}
	first := true
	files := 0
	topics = make([]fetchTopic, 0, len(q.Topics))
	for _, t := range q.Topics {
		ft := fetchTopic{name: t.Topic, id: t.TopicID, parts: make([]fetchPart, 0, len(t.Partitions))}
		unknownID := false
		if version >= 13 {
			// v13+ names topics by id (partition.metadata's topic_id).
			name, ok := s.topicName(t.TopicID)
			ft.name, unknownID = name, !ok
		}
		for _, p := range t.Partitions {
			if files >= maxFetchFiles {
				// Every slice holds an open file until the response is
				// sent; a request naming the same small partition a
				// million times must not exhaust file descriptors. The
				// rest get empty records and are fetched next time.
				budget = 0
			}
			var fp fetchPart
			if unknownID {
				fp = fetchPart{hdr: protocol.FetchPartitionHeader{PartitionIndex: p.Partition, ErrorCode: protocol.ErrUnknownTopicID,
					HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1, AbortedNull: true}}
			} else {
				fp = s.readFetchPartition(q, version, ft.name, p, budget, first)
			}
			if fp.hdr.ErrorCode != protocol.ErrNone {
				hasErr = true
			}
			if fp.res != nil {
				n := fp.res.Size()
				total += n
				budget -= n
				first = false
				files += len(fp.res.Slices)
			}
			ft.parts = append(ft.parts, fp)
		}
		topics = append(topics, ft)
	}
	return topics, total, hasErr
}

func (s *server) readFetchPartition(q *kmsg.FetchRequest, version int16, topic string, p kmsg.FetchRequestTopicPartition, budget int64, first bool) fetchPart {
	fp := fetchPart{hdr: protocol.FetchPartitionHeader{
		PartitionIndex: p.Partition, HighWatermark: -1, LastStableOffset: -1, LogStartOffset: -1,
		AbortedNull: true,
	}}
	if version < 4 {
		fp.hdr.ErrorCode = protocol.ErrUnsupportedVersion
		return fp
	}
	pl, code := s.partition(topic, p.Partition)
	if code != protocol.ErrNone {
		fp.hdr.ErrorCode = code
		return fp
	}
	hw, err1 := pl.LogEndOffset()
	lso, err2 := pl.LastStableOffset()
	start, err3 := pl.LogStartOffset()
	if err := errors.Join(err1, err2, err3); err != nil {
		s.cfg.Logf("kseg serve: fetch %s-%d: %v", topic, p.Partition, err)
		fp.hdr.ErrorCode = errorCode(err)
		return fp
	}
	fp.hdr.HighWatermark, fp.hdr.LastStableOffset, fp.hdr.LogStartOffset = hw, lso, start
	readCommitted := q.IsolationLevel == 1
	if readCommitted {
		// Clients expect a non-null (possibly empty) list under
		// read_committed and null otherwise, as Kafka sends.
		fp.hdr.AbortedNull = false
	}
	if p.FetchOffset < start || p.FetchOffset > hw {
		fp.hdr.ErrorCode = protocol.ErrOffsetOutOfRange
		return fp
	}
	upper := hw
	if readCommitted && lso < upper {
		upper = lso
	}
	if p.FetchOffset >= upper {
		return fp
	}
	max := int64(p.PartitionMaxBytes)
	if budget < max {
		max = budget
	}
	if max <= 0 && !first {
		return fp
	}
	if max < 0 {
		max = 0
	}
	res, err := pl.Read(p.FetchOffset, int32(max))
	if err != nil {
		if !errors.Is(err, ErrOffsetOutOfRange) {
			s.cfg.Logf("kseg serve: fetch %s-%d at %d: %v", topic, p.Partition, p.FetchOffset, err)
		}
		fp.hdr.ErrorCode = errorCode(err)
		return fp
	}
	if upper < hw {
		if err := trimBeforeOffset(res, upper); err != nil {
			res.Close()
			s.cfg.Logf("kseg serve: fetch %s-%d: %v", topic, p.Partition, err)
			fp.hdr.ErrorCode = protocol.ErrKafkaStorageError
			return fp
		}
	}
	size := res.Size()
	if size == 0 || (size > max && !first) || size > math.MaxInt32/2 {
		// Only the first non-empty partition of a response may exceed the
		// limit (KIP-74); the client fetches the rest next time.
		res.Close()
		return fp
	}
	if res.HasZstd && version < 10 {
		res.Close()
		fp.hdr.ErrorCode = protocol.ErrUnsupportedCompressionType
		return fp
	}
	if readCommitted {
		aborted, err := pl.AbortedTransactions(p.FetchOffset, upper)
		if err != nil {
			res.Close()
			s.cfg.Logf("kseg serve: fetch %s-%d aborted txns: %v", topic, p.Partition, err)
			fp.hdr.ErrorCode = errorCode(err)
			return fp
		}
		fp.hdr.Aborted = make([]protocol.AbortedTransaction, 0, len(aborted))
		for _, a := range aborted {
			fp.hdr.Aborted = append(fp.hdr.Aborted, protocol.AbortedTransaction{ProducerID: a.ProducerID, FirstOffset: a.FirstOffset})
		}
	}
	fp.res = res
	return fp
}

// trimBeforeOffset drops batches whose base offset is >= limit (the last
// stable offset for read_committed). Transactions begin on batch boundaries,
// so the LSO never falls inside a batch. It reads only the 12-byte
// baseOffset+length prefix of each batch, with ReadAt, which leaves the
// file offset alone.
func trimBeforeOffset(res *ReadResult, limit int64) error {
	var hdr [12]byte
	for i := range res.Slices {
		sl := &res.Slices[i]
		var pos int64
		for pos < sl.Length {
			if sl.Length-pos < 12 {
				return fmt.Errorf("kseg/server: short batch header at position %d", sl.Position+pos)
			}
			if _, err := sl.File.ReadAt(hdr[:], sl.Position+pos); err != nil {
				return err
			}
			base := int64(binary.BigEndian.Uint64(hdr[0:8]))
			length := int64(int32(binary.BigEndian.Uint32(hdr[8:12])))
			if base >= limit {
				sl.Length = pos
				for _, rest := range res.Slices[i+1:] {
					rest.File.Close()
				}
				res.Slices = res.Slices[:i+1]
				return nil
			}
			if length < 0 {
				return fmt.Errorf("kseg/server: negative batch length at position %d", sl.Position+pos)
			}
			pos += 12 + length
		}
	}
	return nil
}

// sendFetch writes the response: the header bytes up to each partition's
// records length, then that partition's record bytes straight from the
// segment files, and so on. The frame size is known before anything is sent
// because every slice's length is.
func (cc *conn) sendFetch(corr int32, version int16, topics []fetchTopic) error {
	b := protocol.AppendResponseHeader(make([]byte, 0, 256), corr, protocol.ResponseHeaderFlexible(int16(kmsg.Fetch), version))
	b = protocol.AppendFetchResponseStart(b, version, protocol.ErrNone, 0, len(topics))
	type cut struct {
		end int // header bytes to send before res
		res *ReadResult
	}
	var cuts []cut
	var records int64
	for _, t := range topics {
		b = protocol.AppendFetchTopicStart(b, version, t.name, t.id, len(t.parts))
		for i := range t.parts {
			p := &t.parts[i]
			var n int64
			if p.res != nil {
				n = p.res.Size()
			}
			// An error gets an empty record set, never a null one
			// (Kafka's FetchResponse.partitionResponse uses
			// MemoryRecords.EMPTY).
			b = protocol.AppendFetchPartition(b, version, &p.hdr, int32(n))
			if n > 0 {
				cuts = append(cuts, cut{len(b), p.res})
				records += n
			}
			b = protocol.AppendFetchPartitionEnd(b, version)
		}
		b = protocol.AppendFetchTopicEnd(b, version)
	}
	b = protocol.AppendFetchResponseEnd(b, version)
	protocol.FinishFrame(b, records)
	cc.c.SetWriteDeadline(time.Now().Add(cc.s.cfg.WriteTimeout))
	out := responseWriter{cc: cc, zeroCopy: !cc.s.cfg.NoZeroCopy}
	if !out.zeroCopy {
		bp := copyBufPool.Get().(*[]byte)
		out.pending = (*bp)[:0]
		defer func() {
			if cap(out.pending) <= 4*copyBufSize {
				*bp = out.pending[:0]
			}
			copyBufPool.Put(bp)
		}()
	}
	prev := 0
	for _, ct := range cuts {
		out.pending = append(out.pending, b[prev:ct.end]...)
		prev = ct.end
		for _, sl := range ct.res.Slices {
			if err := out.records(sl); err != nil {
				return err
			}
		}
	}
	out.pending = append(out.pending, b[prev:]...)
	return out.flush()
}

// copyBufPool holds the userspace buffers of the NoZeroCopy path.
var copyBufPool = sync.Pool{New: func() any { b := make([]byte, 0, copyBufSize); return &b }}

const copyBufSize = 64 << 10

// responseWriter sends protocol bytes and file slices in order.
type responseWriter struct {
	cc       *conn
	zeroCopy bool
	pending  []byte
}

func (o *responseWriter) flush() error {
	if len(o.pending) == 0 {
		return nil
	}
	_, err := o.cc.c.Write(o.pending)
	o.pending = o.pending[:0]
	return err
}

// testHookCopy, when set by a test, observes the exact reader and writer
// handed to io.Copy on the zero-copy path.
var testHookCopy func(dst io.Writer, src io.Reader)

// records sends one file slice, by exactly its length.
//
// Zero-copy path: io.Copy(conn, &io.LimitedReader{R: f, N: n}) after f.Seek.
// We pick this over unix.Sendfile with an explicit offset because Read hands
// us a *os.File of our own for each slice, so moving its file offset races
// with nobody; and net.(*TCPConn).ReadFrom then does the sendfile loop, the
// EAGAIN parking on the netpoller, write deadlines and the fallback for
// sockets sendfile can't serve, none of which we'd want to re-implement on a
// RawConn. Go only recognises *os.File or *io.LimitedReader wrapping one
// (net/sendfile.go); a bufio or SectionReader wrapper silently copies in
// userspace. N is the exact byte count: asking sendfile for more than
// remains triggers golang/go#41513's ~200 ms stall on loopback, and a short
// count would desynchronise the stream, so any shortfall closes the
// connection.
func (o *responseWriter) records(sl FileSlice) error {
	if sl.Length <= 0 {
		return nil
	}
	if !o.zeroCopy {
		return o.copyRecords(sl)
	}
	if err := o.flush(); err != nil {
		return err
	}
	if _, err := sl.File.Seek(sl.Position, io.SeekStart); err != nil {
		return err
	}
	src := &io.LimitedReader{R: sl.File, N: sl.Length}
	if testHookCopy != nil {
		testHookCopy(o.cc.c, src)
	}
	n, err := io.Copy(o.cc.c, src)
	if err == nil && n != sl.Length {
		err = fmt.Errorf("kseg/server: sent %d of %d record bytes from %s (file shrank?)", n, sl.Length, sl.File.Name())
	}
	return err
}

// copyRecords is the NoZeroCopy path: pread into the userspace buffer that
// also carries the protocol bytes around the records, writing it out
// whenever it fills.
func (o *responseWriter) copyRecords(sl FileSlice) error {
	pos, end := sl.Position, sl.Position+sl.Length
	for pos < end {
		if len(o.pending) == cap(o.pending) {
			if err := o.flush(); err != nil {
				return err
			}
		}
		room := o.pending[len(o.pending):cap(o.pending)]
		if int64(len(room)) > end-pos {
			room = room[:end-pos]
		}
		n, err := sl.File.ReadAt(room, pos)
		o.pending = o.pending[:len(o.pending)+n]
		pos += int64(n)
		if err != nil && pos < end {
			if err == io.EOF {
				err = fmt.Errorf("kseg/server: %s shrank below %d", sl.File.Name(), end)
			}
			return err
		}
	}
	return nil
}
