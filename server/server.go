// Package server implements "kseg serve": the Kafka wire protocol as a
// single-broker cluster over a log directory. Node 0 is this process and
// leads every partition; record bytes go from segment files to the socket
// with sendfile, the way Kafka's FileRecords.writeTo → transferTo does.
//
// Requests are decoded and responses encoded by franz-go's kmsg, flexible
// versions included (server/protocol frames them); the Fetch response is
// framed by hand around the record bytes so that they still go by sendfile.
// See /work/shared/peers-and-protocol.md §3 for the version ranges and the
// client traps they avoid.
package server

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"sync"
	"time"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// Defaults for Config's zero values.
const (
	DefaultListen           = "127.0.0.1:9092"
	DefaultMaxRequestBytes  = 100 << 20 // Kafka socket.request.max.bytes
	DefaultMaxConns         = 1024
	DefaultMaxInFlightBytes = 256 << 20
	DefaultIdleTimeout      = 10 * time.Minute // Kafka connections.max.idle.ms
	DefaultWriteTimeout     = 2 * time.Minute
	DefaultShutdownTimeout  = 10 * time.Second
	// requestReadTimeout bounds how long a peer may take to send the rest of
	// a request once its size prefix arrived, so a truncated request can't
	// hold a connection slot and its in-flight bytes forever.
	requestReadTimeout = 30 * time.Second
	// maxFetchWait caps a Fetch's MaxWaitMs; clients use 500 ms (librdkafka)
	// to 5 s (franz-go).
	maxFetchWait = 30 * time.Second
)

// Config configures Serve. The zero value serves read-only with the defaults
// above.
type Config struct {
	// Listen is the address for ListenAndServe (default 127.0.0.1:9092).
	Listen string
	// ReadOnly refuses Produce even when the Store is writable. Produce is
	// enabled only when !ReadOnly and Store.Writable().
	ReadOnly bool
	// NoZeroCopy sends record bytes with pread+write through a userspace
	// buffer instead of sendfile, for comparison and for transports sendfile
	// can't reach.
	NoZeroCopy bool
	// MaxRequestBytes is the largest request frame accepted; a larger size
	// prefix closes the connection (default 100 MiB).
	MaxRequestBytes int32
	// MaxConns bounds concurrent connections; extra ones are closed at once
	// (default 1024).
	MaxConns int
	// MaxInFlightBytes bounds the request bytes held in memory across all
	// connections; readers wait for room (default 256 MiB, at least
	// MaxRequestBytes).
	MaxInFlightBytes int64
	// OffsetsFile, if set, persists committed group offsets as JSON. It must
	// not be inside the Store's directory (checked when the Store implements
	// DirStore).
	OffsetsFile string
	// IdleTimeout closes connections that send nothing for this long
	// (default 10 min).
	IdleTimeout time.Duration
	// WriteTimeout bounds writing one response (default 2 min).
	WriteTimeout time.Duration
	// ShutdownTimeout bounds draining in-flight requests after the context
	// is cancelled; then remaining connections are closed (default 10 s).
	ShutdownTimeout time.Duration
	// ClusterID is reported in Metadata and DescribeCluster (default
	// "kseg"; kseg serve passes meta.properties' cluster.id).
	ClusterID string
	// Configs supplies topic configs for DescribeConfigs; nil answers
	// Kafka's defaults, marked DEFAULT_CONFIG.
	Configs ConfigSource
	// AutoCreateTopics creates a topic (one partition) on Metadata with
	// allow_auto_topic_creation and on Produce to an unknown topic, as
	// Kafka's auto.create.topics.enable; only when writable.
	AutoCreateTopics bool
	// Logf receives diagnostics; nil discards them.
	Logf func(format string, args ...any)
}

func (c *Config) setDefaults() {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.MaxRequestBytes <= 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.MaxConns <= 0 {
		c.MaxConns = DefaultMaxConns
	}
	if c.MaxInFlightBytes <= 0 {
		c.MaxInFlightBytes = DefaultMaxInFlightBytes
	}
	if c.MaxInFlightBytes < int64(c.MaxRequestBytes) {
		c.MaxInFlightBytes = int64(c.MaxRequestBytes)
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = DefaultShutdownTimeout
	}
	if c.ClusterID == "" {
		c.ClusterID = "kseg"
	}
	if c.Logf == nil {
		c.Logf = func(string, ...any) {}
	}
}

// ListenAndServe listens on cfg.Listen (default 127.0.0.1:9092) and calls
// Serve.
func ListenAndServe(ctx context.Context, store Store, cfg Config) error {
	cfg.setDefaults()
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		store.Close()
		return fmt.Errorf("kseg/server: listen: %w", err)
	}
	return Serve(ctx, ln, store, cfg)
}

// Serve answers Kafka requests on ln until ctx is cancelled or ln fails. On
// cancellation it stops accepting, lets each connection finish the request
// it is handling (waiting Fetches return at once), waits up to
// cfg.ShutdownTimeout, closes what remains, saves committed offsets and
// closes the store. Serve owns ln and store and closes both; it returns nil
// after a cancellation-triggered shutdown.
func Serve(ctx context.Context, ln net.Listener, store Store, cfg Config) error {
	cfg.setDefaults()
	s, err := newServer(ctx, store, cfg)
	if err != nil {
		ln.Close()
		store.Close()
		return err
	}
	return s.serve(ln)
}

type server struct {
	ctx      context.Context
	cancel   context.CancelFunc
	store    Store
	cfg      Config
	writable bool
	versions []kmsg.ApiVersionsResponseApiKey
	ids      topicIDCache
	off      offline
	createMu sync.Mutex // serialises topic auto-creation
	inflight *byteSem
	groups   *coordinator
	appended *notifier
	pids     producerIDs

	mu      sync.Mutex
	conns   map[net.Conn]struct{}
	closing bool
	wg      sync.WaitGroup
}

func newServer(ctx context.Context, store Store, cfg Config) (*server, error) {
	s := &server{
		store:    store,
		cfg:      cfg,
		writable: !cfg.ReadOnly && store.Writable(),
		inflight: newByteSem(cfg.MaxInFlightBytes),
		appended: newNotifier(),
		conns:    make(map[net.Conn]struct{}),
	}
	s.ctx, s.cancel = context.WithCancel(ctx)
	s.versions = advertisedVersions(s.writable)
	g, err := newCoordinator(s, cfg.OffsetsFile)
	if err != nil {
		s.cancel()
		return nil, err
	}
	s.groups = g
	return s, nil
}

// advertisedVersions is the ApiVersions table: for each API, the highest
// version both kmsg and our handler implement. Every API advertises min 0
// because librdkafka before 2.11.1 enables features by probing single
// versions (Produce 0 for gzip/snappy/lz4, FindCoordinator 0 for LZ4, see
// KAFKA-18659); versions below the implemented floor are answered with
// UNSUPPORTED_VERSION and clients never pick them, since all clients use
// min(client max, broker max).
//
// Produce is advertised even when read-only (writes then get
// TOPIC_AUTHORIZATION_FAILED): librdkafka 2.0.2 (kcat 1.7.1) enables MSGVER2
// only when the Produce range includes v3, and without it `kcat -C` never
// consumed a record from this server in testing (every kcat test timed out).
func advertisedVersions(writable bool) []kmsg.ApiVersionsResponseApiKey {
	v := []kmsg.ApiVersionsResponseApiKey{
		{ApiKey: int16(kmsg.Produce), MaxVersion: 9},
		{ApiKey: int16(kmsg.Fetch), MaxVersion: 16}, // v13+: topic ids
		{ApiKey: int16(kmsg.ListOffsets), MaxVersion: 8},
		{ApiKey: int16(kmsg.Metadata), MaxVersion: 12},
		{ApiKey: int16(kmsg.OffsetCommit), MaxVersion: 8},
		{ApiKey: int16(kmsg.OffsetFetch), MaxVersion: 8},
		{ApiKey: int16(kmsg.FindCoordinator), MaxVersion: 4},
		{ApiKey: int16(kmsg.JoinGroup), MaxVersion: 9},
		{ApiKey: int16(kmsg.Heartbeat), MaxVersion: 4},
		{ApiKey: int16(kmsg.LeaveGroup), MaxVersion: 5},
		{ApiKey: int16(kmsg.SyncGroup), MaxVersion: 5},
		{ApiKey: int16(kmsg.ApiVersions), MaxVersion: 3},
	}
	v = append(v, adminVersions(writable)...)
	if writable {
		v = append(v, kmsg.ApiVersionsResponseApiKey{ApiKey: int16(kmsg.InitProducerID), MaxVersion: 4})
	}
	sort.Slice(v, func(i, j int) bool { return v[i].ApiKey < v[j].ApiKey })
	return v
}

func (s *server) maxVersion(key int16) (int16, bool) {
	for _, v := range s.versions {
		if v.ApiKey == key {
			return v.MaxVersion, true
		}
	}
	return 0, false
}

func (s *server) serve(ln net.Listener) error {
	stop := context.AfterFunc(s.ctx, func() { ln.Close() })
	defer stop()
	var acceptErr error
	var tempDelay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.ctx.Err() != nil {
				break
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			// EMFILE and friends: back off like net/http instead of
			// spinning or giving up.
			if isTemporaryAccept(err) {
				if tempDelay == 0 {
					tempDelay = 5 * time.Millisecond
				} else if tempDelay *= 2; tempDelay > time.Second {
					tempDelay = time.Second
				}
				s.cfg.Logf("kseg serve: accept: %v; retrying in %v", err, tempDelay)
				select {
				case <-time.After(tempDelay):
				case <-s.ctx.Done():
				}
				continue
			}
			acceptErr = err
			break
		}
		tempDelay = 0
		if !s.track(c) {
			c.Close()
			continue
		}
		go s.serveConn(c)
	}
	ln.Close()
	s.shutdown()
	if acceptErr != nil {
		return fmt.Errorf("kseg/server: accept: %w", acceptErr)
	}
	return nil
}

func isTemporaryAccept(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}

// track registers a connection unless the server is closing or full.
func (s *server) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	if len(s.conns) >= s.cfg.MaxConns {
		s.cfg.Logf("kseg serve: connection limit %d reached; closing %v", s.cfg.MaxConns, c.RemoteAddr())
		return false
	}
	s.conns[c] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *server) untrack(c net.Conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	c.Close()
	s.wg.Done()
}

// setReadDeadline arms the deadline for the next read unless the server is
// closing. It is done under s.mu so shutdown's "deadline = now" can't be
// overwritten by a connection that is just starting its next read.
func (s *server) setReadDeadline(c net.Conn, d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	c.SetReadDeadline(time.Now().Add(d))
	return true
}

func (s *server) shutdown() {
	s.mu.Lock()
	s.closing = true
	for c := range s.conns {
		// Wake connections blocked reading their next request; one that is
		// handling a request finishes it, then sees closing.
		c.SetReadDeadline(time.Now())
	}
	s.mu.Unlock()
	// Cancel waiting Fetches and group joins so they answer now.
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(s.cfg.ShutdownTimeout):
		s.cfg.Logf("kseg serve: shutdown timeout; closing remaining connections")
		s.mu.Lock()
		for c := range s.conns {
			c.Close()
		}
		s.mu.Unlock()
		<-done
	}
	s.groups.close()
	if err := s.store.Close(); err != nil {
		s.cfg.Logf("kseg serve: closing store: %v", err)
	}
}

// errCloseConn makes serveConn close the connection without logging an
// error: the peer sent something we refuse to parse.
var errCloseConn = errors.New("kseg/server: closing connection")

func (s *server) serveConn(c net.Conn) {
	defer s.untrack(c)
	cc := &conn{s: s, c: c}
	var sizeBuf [4]byte
	for {
		if !s.setReadDeadline(c, s.cfg.IdleTimeout) {
			return
		}
		if _, err := io.ReadFull(c, sizeBuf[:]); err != nil {
			return
		}
		size := int32(binary.BigEndian.Uint32(sizeBuf[:]))
		// 8 bytes is the fixed part of every request header (key, version,
		// correlation id).
		if size < 8 || size > s.cfg.MaxRequestBytes {
			s.cfg.Logf("kseg serve: %v: request size %d outside [8, %d]; closing", c.RemoteAddr(), size, s.cfg.MaxRequestBytes)
			return
		}
		if !s.inflight.acquire(s.ctx, int64(size)) {
			return
		}
		err := func() error {
			defer s.inflight.release(int64(size))
			if !s.setReadDeadline(c, requestReadTimeout) {
				return errCloseConn
			}
			buf := make([]byte, size)
			if _, err := io.ReadFull(c, buf); err != nil {
				return errCloseConn
			}
			return cc.handle(buf)
		}()
		if err != nil {
			if err != errCloseConn {
				s.cfg.Logf("kseg serve: %v: %v", c.RemoteAddr(), err)
			}
			return
		}
	}
}

// conn is one client connection; requests on it are handled one at a time,
// in order, as a Kafka broker does (it mutes the channel while a request is
// in progress), so responses are never reordered.
type conn struct {
	s *server
	c net.Conn
}

func (cc *conn) write(b []byte) error {
	cc.c.SetWriteDeadline(time.Now().Add(cc.s.cfg.WriteTimeout))
	_, err := cc.c.Write(b)
	return err
}

// byteSem is a counting semaphore over bytes, bounding the request bytes
// held in memory across connections.
type byteSem struct {
	mu   sync.Mutex
	max  int64
	used int64
	wake chan struct{}
}

func newByteSem(max int64) *byteSem { return &byteSem{max: max, wake: make(chan struct{})} }

func (b *byteSem) acquire(ctx context.Context, n int64) bool {
	for {
		b.mu.Lock()
		if b.used+n <= b.max {
			b.used += n
			b.mu.Unlock()
			return true
		}
		wake := b.wake
		b.mu.Unlock()
		select {
		case <-wake:
		case <-ctx.Done():
			return false
		}
	}
}

func (b *byteSem) release(n int64) {
	b.mu.Lock()
	b.used -= n
	close(b.wake)
	b.wake = make(chan struct{})
	b.mu.Unlock()
}

// notifier broadcasts "the log grew" to Fetches waiting for MinBytes.
type notifier struct {
	mu sync.Mutex
	ch chan struct{}
}

func newNotifier() *notifier { return &notifier{ch: make(chan struct{})} }

func (n *notifier) wait() <-chan struct{} {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.ch
}

func (n *notifier) notify() {
	n.mu.Lock()
	close(n.ch)
	n.ch = make(chan struct{})
	n.mu.Unlock()
}
