package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// rawConn speaks the wire protocol by hand (kmsg builds bodies, test-only).
type rawConn struct {
	t    testing.TB
	c    net.Conn
	corr int32
}

func dialRaw(t testing.TB, addr string) *rawConn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &rawConn{t: t, c: c}
}

func (r *rawConn) send(key, version int16, body []byte) {
	r.t.Helper()
	r.corr++
	b := binary.BigEndian.AppendUint32(nil, 0)
	b = binary.BigEndian.AppendUint16(b, uint16(key))
	b = binary.BigEndian.AppendUint16(b, uint16(version))
	b = binary.BigEndian.AppendUint32(b, uint32(r.corr))
	b = binary.BigEndian.AppendUint16(b, 4)
	b = append(b, "test"...)
	b = append(b, body...)
	binary.BigEndian.PutUint32(b, uint32(len(b)-4))
	if _, err := r.c.Write(b); err != nil {
		r.t.Fatal(err)
	}
}

// recv returns the response body after the correlation id.
func (r *rawConn) recv() ([]byte, error) {
	r.c.SetReadDeadline(time.Now().Add(10 * time.Second))
	var hdr [8]byte
	if _, err := io.ReadFull(r.c, hdr[:]); err != nil {
		return nil, err
	}
	if got := int32(binary.BigEndian.Uint32(hdr[4:])); got != r.corr {
		return nil, fmt.Errorf("correlation id %d, want %d", got, r.corr)
	}
	body := make([]byte, binary.BigEndian.Uint32(hdr[:4])-4)
	_, err := io.ReadFull(r.c, body)
	return body, err
}

func (r *rawConn) do(req kmsg.Request, resp kmsg.Response) {
	r.t.Helper()
	if req.IsFlexible() {
		r.doFlexible(req, resp)
		return
	}
	r.send(req.Key(), req.GetVersion(), req.AppendTo(nil))
	body, err := r.recv()
	if err != nil {
		r.t.Fatal(err)
	}
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		r.t.Fatalf("decoding %T: %v", resp, err)
	}
}

// doFlexible sends with request header v2 (an empty tagged-field section
// after the client id) and reads response header v1 (correlation id and
// tagged fields) unless the API is ApiVersions, whose response header is
// always v0.
func (r *rawConn) doFlexible(req kmsg.Request, resp kmsg.Response) {
	r.t.Helper()
	r.send(req.Key(), req.GetVersion(), req.AppendTo([]byte{0}))
	body, err := r.recv()
	if err != nil {
		r.t.Fatal(err)
	}
	if req.Key() != 18 {
		if len(body) == 0 || body[0] != 0 {
			r.t.Fatalf("response header v1: tagged fields %x", body[:min(len(body), 1)])
		}
		body = body[1:]
	}
	resp.SetVersion(req.GetVersion())
	if err := resp.ReadFrom(body); err != nil {
		r.t.Fatalf("decoding %T v%d: %v", resp, req.GetVersion(), err)
	}
}

// expectClosed asserts the server closes the connection promptly.
func (r *rawConn) expectClosed() {
	r.t.Helper()
	r.c.SetReadDeadline(time.Now().Add(5 * time.Second))
	var b [1]byte
	_, err := r.c.Read(b[:])
	if !errors.Is(err, io.EOF) && !errors.Is(err, net.ErrClosed) && !strings.Contains(fmt.Sprint(err), "reset") {
		r.t.Fatalf("connection not closed: %v", err)
	}
}

// healthy checks that a normal client is still served.
func healthy(t testing.TB, addr string) {
	t.Helper()
	rc := dialRaw(t, addr)
	req := kmsg.NewPtrMetadataRequest()
	req.Version = 8
	req.Topics = nil
	resp := kmsg.NewPtrMetadataResponse()
	rc.do(req, resp)
	if len(resp.Topics) == 0 {
		t.Fatal("metadata lists no topics")
	}
	recs := consumeAll(t, addr, "t-none", []int32{0}, genBatches*genPerBatch)
	checkGenRecords(t, "t-none", recs)
}

func TestApiVersions(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	// A version above ours (v4+) is answered in the v0 layout (KIP-511).
	rc.send(18, 4, []byte{0, 5, 'k', 'c', 'a', 't', 2, '1', 0, 0})
	body, err := rc.recv()
	if err != nil {
		t.Fatal(err)
	}
	if want := []byte{0, 35, 0, 0, 0, 1, 0, 18, 0, 0, 0, 3}; string(body) != string(want) {
		t.Fatalf("v4 reply %x, want %x", body, want)
	}
	want := map[int16]int16{0: 9, 1: 16, 2: 8, 3: 12, 8: 8, 9: 8, 10: 4, 11: 9, 12: 4, 13: 5, 14: 5, 18: 3}
	for v := int16(0); v <= 3; v++ {
		req := kmsg.NewPtrApiVersionsRequest()
		req.Version = v
		req.ClientSoftwareName, req.ClientSoftwareVersion = "kseg-test", "1"
		resp := kmsg.NewPtrApiVersionsResponse()
		if v >= 3 {
			rc.doFlexible(req, resp)
		} else {
			rc.do(req, resp)
		}
		if resp.ErrorCode != 0 {
			t.Fatalf("v%d: error %d", v, resp.ErrorCode)
		}
		got := map[int16][2]int16{}
		for _, k := range resp.ApiKeys {
			got[k.ApiKey] = [2]int16{k.MinVersion, k.MaxVersion}
		}
		for key, max := range want {
			if got[key] != [2]int16{0, max} {
				t.Errorf("v%d: api %d advertised %v, want 0–%d", v, key, got[key], max)
			}
		}
		if _, ok := got[22]; ok {
			t.Errorf("InitProducerId advertised by a read-only server")
		}
		// Never more than kmsg (our codec) implements.
		for key, r := range got {
			if req := kmsg.RequestForKey(key); req == nil || r[1] > req.MaxVersion() {
				t.Errorf("api %d advertised up to %d, beyond kmsg", key, r[1])
			}
		}
	}
}

func TestLegacyVersionsRefused(t *testing.T) {
	s := newTestData(t, true)
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	for v := int16(0); v <= 2; v++ {
		req := kmsg.NewPtrProduceRequest()
		req.Version, req.Acks = v, 1
		req.Topics = []kmsg.ProduceRequestTopic{{Topic: "t-none", Partitions: []kmsg.ProduceRequestTopicPartition{{Records: encodeBatch(testBatch{Records: []testRecord{{Value: []byte("x")}}})}}}}
		resp := kmsg.NewPtrProduceResponse()
		rc.do(req, resp)
		if c := resp.Topics[0].Partitions[0].ErrorCode; c != 35 {
			t.Errorf("produce v%d: error %d", v, c)
		}
	}
	for v := int16(0); v <= 3; v++ {
		req := kmsg.NewPtrFetchRequest()
		req.Version, req.MaxBytes = v, 1<<20
		req.Topics = []kmsg.FetchRequestTopic{{Topic: "t-none", Partitions: []kmsg.FetchRequestTopicPartition{{PartitionMaxBytes: 1 << 20}}}}
		resp := kmsg.NewPtrFetchResponse()
		rc.do(req, resp)
		if c := resp.Topics[0].Partitions[0].ErrorCode; c != 35 {
			t.Errorf("fetch v%d: error %d", v, c)
		}
	}
	// zstd needs Fetch v10+.
	for _, v := range []int16{9, 10} {
		req := kmsg.NewPtrFetchRequest()
		req.Version, req.MaxBytes = v, 1<<20
		req.Topics = []kmsg.FetchRequestTopic{{Topic: "t-zstd", Partitions: []kmsg.FetchRequestTopicPartition{{PartitionMaxBytes: 1 << 20}}}}
		resp := kmsg.NewPtrFetchResponse()
		rc.do(req, resp)
		p := resp.Topics[0].Partitions[0]
		want := int16(76)
		if v >= 10 {
			want = 0
		}
		if p.ErrorCode != want || (v >= 10) != (len(p.RecordBatches) > 0) {
			t.Errorf("zstd fetch v%d: error %d, %d record bytes", v, p.ErrorCode, len(p.RecordBatches))
		}
	}
	// Out of range.
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxBytes = 11, 1<<20
	req.Topics = []kmsg.FetchRequestTopic{{Topic: "t-none", Partitions: []kmsg.FetchRequestTopicPartition{{FetchOffset: 1000, PartitionMaxBytes: 1 << 20}}}}
	resp := kmsg.NewPtrFetchResponse()
	rc.do(req, resp)
	if c := resp.Topics[0].Partitions[0].ErrorCode; c != 1 {
		t.Errorf("fetch past end: error %d", c)
	}
}

func TestFetchBatchBoundariesAndKIP74(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	b0, b1 := s.parts["t-none-0"].batches[0].size, s.parts["t-none-0"].batches[1].size
	g0 := s.parts["t-gzip-0"].batches[0].size
	for _, c := range []struct {
		maxBytes  int32
		wantBytes int64
	}{{1, b0}, {int32(b0), b0}, {int32(b0 + b1 - 1), b0}, {int32(b0 + b1), b0 + b1}} {
		req := kmsg.NewPtrFetchRequest()
		req.Version, req.MaxBytes = 11, c.maxBytes
		req.Topics = []kmsg.FetchRequestTopic{{Topic: "t-none", Partitions: []kmsg.FetchRequestTopicPartition{{FetchOffset: 3, PartitionMaxBytes: 1 << 20}}},
			{Topic: "t-gzip", Partitions: []kmsg.FetchRequestTopicPartition{{PartitionMaxBytes: 1 << 20}}}}
		resp := kmsg.NewPtrFetchResponse()
		rc.do(req, resp)
		if got := int64(len(resp.Topics[0].Partitions[0].RecordBatches)); got != c.wantBytes {
			t.Errorf("max %d: got %d bytes, want %d", c.maxBytes, got, c.wantBytes)
		}
		// The second partition only gets whole batches that fit what is left
		// of the response budget (KIP-74's exception is for the first).
		var want2 int64
		if left := int64(c.maxBytes) - c.wantBytes; left >= g0 {
			want2 = g0
		}
		if got := int64(len(resp.Topics[1].Partitions[0].RecordBatches)); got != want2 {
			t.Errorf("max %d: second partition got %d bytes, want %d", c.maxBytes, got, want2)
		}
	}
}

func TestHostileInputs(t *testing.T) {
	s := newTestData(t, true)
	// A partition directory outside LOGDIR that traversal would reach.
	outside := filepath.Join(filepath.Dir(s.dir), "x-0")
	os.MkdirAll(outside, 0o755)
	t.Cleanup(func() { os.RemoveAll(outside) })
	addr := startServer(t, s, Config{MaxRequestBytes: 1 << 20})

	cases := map[string][]byte{
		"garbage":         []byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
		"oversized":       {0x7f, 0xff, 0xff, 0xff, 0, 1},
		"negative":        {0xff, 0xff, 0xff, 0xf0},
		"tiny":            {0, 0, 0, 2, 0, 1},
		"unknown api":     {0, 0, 0, 10, 0x7f, 0, 0, 0, 0, 0, 0, 1, 0, 0},
		"flexible fetch":  {0, 0, 0, 10, 0, 1, 0, 12, 0, 0, 0, 1, 0, 0},
		"bad array count": append([]byte{0, 0, 0, 26, 0, 3, 0, 8, 0, 0, 0, 1, 0, 0}, []byte{0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}...),
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			rc := dialRaw(t, addr)
			rc.c.Write(b)
			rc.expectClosed()
		})
	}
	t.Run("truncated then close", func(t *testing.T) {
		rc := dialRaw(t, addr)
		rc.c.Write([]byte{0, 0, 1, 0, 0, 3, 0, 8, 0, 0})
		rc.c.Close()
	})
	t.Run("traversal names", func(t *testing.T) {
		rc := dialRaw(t, addr)
		bad := []string{"../x", "/etc", "a/b", "..", ".", "", "x\x00", strings.Repeat("a", 250), "../" + filepath.Base(s.dir) + "/t-none"}
		var mt []kmsg.MetadataRequestTopic
		for _, n := range bad {
			mt = append(mt, kmsg.MetadataRequestTopic{Topic: &n})
		}
		mreq := kmsg.NewPtrMetadataRequest()
		mreq.Version, mreq.Topics = 8, mt
		mresp := kmsg.NewPtrMetadataResponse()
		rc.do(mreq, mresp)
		for _, tp := range mresp.Topics {
			if tp.ErrorCode != 17 || len(tp.Partitions) != 0 {
				t.Errorf("metadata %q: error %d, %d partitions", *tp.Topic, tp.ErrorCode, len(tp.Partitions))
			}
		}
		for _, n := range bad {
			freq := kmsg.NewPtrFetchRequest()
			freq.Version, freq.MaxBytes = 11, 1<<20
			freq.Topics = []kmsg.FetchRequestTopic{{Topic: n, Partitions: []kmsg.FetchRequestTopicPartition{{PartitionMaxBytes: 1 << 20}}}}
			fresp := kmsg.NewPtrFetchResponse()
			rc.do(freq, fresp)
			if p := fresp.Topics[0].Partitions[0]; p.ErrorCode != 3 || len(p.RecordBatches) != 0 {
				t.Errorf("fetch %q: error %d", n, p.ErrorCode)
			}
			preq := kmsg.NewPtrProduceRequest()
			preq.Version, preq.Acks = 8, -1
			preq.Topics = []kmsg.ProduceRequestTopic{{Topic: n, Partitions: []kmsg.ProduceRequestTopicPartition{{Records: encodeBatch(testBatch{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, Records: []testRecord{{Value: []byte("x")}}})}}}}
			presp := kmsg.NewPtrProduceResponse()
			rc.do(preq, presp)
			if c := presp.Topics[0].Partitions[0].ErrorCode; c != 3 {
				t.Errorf("produce %q: error %d", n, c)
			}
		}
		for _, n := range s.askedNames() {
			if !ValidTopicName(n) {
				t.Errorf("store was asked for %q", n)
			}
		}
		if ents, _ := os.ReadDir(outside); len(ents) != 0 {
			t.Errorf("something was written outside LOGDIR: %v", ents)
		}
	})
	t.Run("bad batches", func(t *testing.T) {
		rc := dialRaw(t, addr)
		good := encodeBatch(testBatch{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, Records: []testRecord{{Value: []byte("x")}}})
		flip := append([]byte(nil), good...)
		flip[len(flip)-1] ^= 1
		short := good[:len(good)-1]
		two := append(append([]byte(nil), good...), good...)
		for name, c := range map[string]struct {
			b    []byte
			code int16
		}{"crc": {flip, 2}, "short": {short, 87}, "two batches": {two, 87}, "empty": {[]byte{}, 87}, "null": {nil, 87}} {
			preq := kmsg.NewPtrProduceRequest()
			preq.Version, preq.Acks = 8, -1
			preq.Topics = []kmsg.ProduceRequestTopic{{Topic: "t-none", Partitions: []kmsg.ProduceRequestTopicPartition{{Records: c.b}}}}
			presp := kmsg.NewPtrProduceResponse()
			rc.do(preq, presp)
			if got := presp.Topics[0].Partitions[0].ErrorCode; got != c.code {
				t.Errorf("%s: error %d want %d", name, got, c.code)
			}
		}
		if end, _ := s.parts["t-none-0"].LogEndOffset(); end != genBatches*genPerBatch {
			t.Errorf("bad batches were appended: end %d", end)
		}
	})
	healthy(t, addr)
}

func TestManyConnections(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	var conns []net.Conn
	for i := 0; i < 1000; i++ {
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("dial %d: %v", i, err)
		}
		conns = append(conns, c)
		// Half of them leave a request hanging half-sent.
		if i%2 == 0 {
			c.Write([]byte{0, 0, 0, 100, 0, 3})
		}
	}
	defer func() {
		for _, c := range conns {
			c.Close()
		}
	}()
	healthy(t, addr)
}

func TestConnectionLimit(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{MaxConns: 2})
	a, b := dialRaw(t, addr), dialRaw(t, addr)
	for _, rc := range []*rawConn{a, b} {
		rc.do(kmsg.NewPtrApiVersionsRequest(), kmsg.NewPtrApiVersionsResponse())
	}
	c := dialRaw(t, addr)
	c.expectClosed()
	a.c.Close()
	// The slot frees once the server notices the close.
	deadline := time.Now().Add(5 * time.Second)
	for {
		d := dialRaw(t, addr)
		d.send(18, 0, nil)
		if _, err := d.recv(); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("slot never freed")
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A Fetch waiting for MinBytes is answered at once on shutdown, Serve
// returns and the store is closed.
func TestGracefulShutdown(t *testing.T) {
	s := newTestData(t, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, s, Config{}) }()
	rc := dialRaw(t, ln.Addr().String())
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxBytes, req.MinBytes, req.MaxWaitMillis = 11, 1<<20, 1, 25000
	req.Topics = []kmsg.FetchRequestTopic{{Topic: "t-none", Partitions: []kmsg.FetchRequestTopicPartition{{FetchOffset: genBatches * genPerBatch, PartitionMaxBytes: 1 << 20}}}}
	rc.send(req.Key(), req.Version, req.AppendTo(nil))
	time.Sleep(200 * time.Millisecond)
	start := time.Now()
	cancel()
	body, err := rc.recv()
	if err != nil {
		t.Fatalf("in-flight fetch not answered: %v", err)
	}
	resp := kmsg.NewPtrFetchResponse()
	resp.Version = 11
	if err := resp.ReadFrom(body); err != nil || resp.Topics[0].Partitions[0].ErrorCode != 0 {
		t.Fatalf("fetch response %v %+v", err, resp)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return")
	}
	if time.Since(start) > 5*time.Second {
		t.Errorf("shutdown took %v", time.Since(start))
	}
	if !s.closed {
		t.Error("store not closed")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("still accepting")
	}
}

// Produce wakes a Fetch that waits for data.
func TestFetchWaitsForProduce(t *testing.T) {
	s := newWritableStore(t, "w")
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxBytes, req.MinBytes, req.MaxWaitMillis = 11, 1<<20, 1, 20000
	req.Topics = []kmsg.FetchRequestTopic{{Topic: "w", Partitions: []kmsg.FetchRequestTopicPartition{{PartitionMaxBytes: 1 << 20}}}}
	rc.send(req.Key(), req.Version, req.AppendTo(nil))
	time.Sleep(100 * time.Millisecond)
	start := time.Now()
	pc := dialRaw(t, addr)
	preq := kmsg.NewPtrProduceRequest()
	preq.Version, preq.Acks = 8, 1
	preq.Topics = []kmsg.ProduceRequestTopic{{Topic: "w", Partitions: []kmsg.ProduceRequestTopicPartition{{Records: encodeBatch(testBatch{ProducerID: -1, ProducerEpoch: -1, BaseSequence: -1, Records: []testRecord{{Value: []byte("x")}}})}}}}
	presp := kmsg.NewPtrProduceResponse()
	pc.do(preq, presp)
	body, err := rc.recv()
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 2*time.Second {
		t.Errorf("fetch woke after %v", time.Since(start))
	}
	resp := kmsg.NewPtrFetchResponse()
	resp.Version = 11
	if err := resp.ReadFrom(body); err != nil || len(resp.Topics[0].Partitions[0].RecordBatches) == 0 {
		t.Fatalf("%v %+v", err, resp)
	}
}

func TestOffsetsFileInsideLogDirRefused(t *testing.T) {
	s := newTestData(t, false)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	err = Serve(context.Background(), ln, s, Config{OffsetsFile: filepath.Join(s.dir, "offsets.json")})
	if err == nil || !strings.Contains(err.Error(), "inside the log directory") {
		t.Fatalf("Serve: %v", err)
	}
}

// One Fetch naming a partition thousands of times holds at most
// maxFetchFiles files open.
func TestFetchManyPartitionsBounded(t *testing.T) {
	s := newTestData(t, false)
	addr := startServer(t, s, Config{})
	rc := dialRaw(t, addr)
	req := kmsg.NewPtrFetchRequest()
	req.Version, req.MaxBytes = 11, 1<<30
	var parts []kmsg.FetchRequestTopicPartition
	for i := 0; i < 5000; i++ {
		parts = append(parts, kmsg.FetchRequestTopicPartition{PartitionMaxBytes: 1 << 20})
	}
	req.Topics = []kmsg.FetchRequestTopic{{Topic: "t-none", Partitions: parts}}
	resp := kmsg.NewPtrFetchResponse()
	rc.do(req, resp)
	withData := 0
	for _, p := range resp.Topics[0].Partitions {
		if len(p.RecordBatches) > 0 {
			withData++
		}
	}
	if withData != maxFetchFiles {
		t.Fatalf("%d partitions carried data, want %d", withData, maxFetchFiles)
	}
	healthy(t, addr)
}
