// Package logstore is kseg serve's view of a Kafka log directory: it
// implements server.Store over the segment, index, state and appender
// packages. Reads open files O_RDONLY and never create one; writes (only
// when Writable) go through the appender under the log dir's .lock, which the
// store holds for its whole life, as a broker does.
package logstore

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/kseg/kseg/analyze"
	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/server"
	"github.com/kseg/kseg/state"
)

// Options configures a Store.
type Options struct {
	// Writable enables Append (kseg serve --writable): the store takes the
	// log dir's .lock and appends through appender.Writer.
	Writable bool
	// Appender configures the writers (segment size, fsync, …).
	Appender appender.Options
}

// Store is a log directory. Safe for concurrent use.
type Store struct {
	dir     string
	realDir string
	opts    Options
	release func() error

	mu     sync.Mutex
	parts  map[string]*Partition
	ckptMu sync.Mutex // serialises rewrites of log-start-offset-checkpoint
}

var _ server.Store = (*Store)(nil)
var _ server.DirStore = (*Store)(nil)

// Open opens the log directory dir.
func Open(dir string, o Options) (*Store, error) {
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return nil, fmt.Errorf("kseg/logstore: %s is not a directory", dir)
	}
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		return nil, err
	}
	real, err = filepath.Abs(real)
	if err != nil {
		return nil, err
	}
	s := &Store{dir: dir, realDir: real, opts: o, parts: map[string]*Partition{}}
	if o.Writable {
		rel, err := fsutil.AcquireLock(dir)
		if err != nil {
			return nil, err
		}
		s.release = rel
		s.opts.Appender.LockHeld = true
	}
	return s, nil
}

// Dir is the log directory (server.DirStore).
func (s *Store) Dir() string { return s.dir }

// Writable reports whether Append is allowed.
func (s *Store) Writable() bool { return s.opts.Writable }

// Topics lists every <topic>-<partition> directory.
func (s *Store) Topics() ([]server.TopicInfo, error) {
	dirs, err := segment.ListLogDir(s.dir)
	if err != nil {
		return nil, err
	}
	byTopic := map[string][]int32{}
	for _, d := range dirs {
		t, p, kind, ok := segment.ParsePartitionDir(filepath.Base(d))
		if !ok || kind != segment.DirPartition {
			continue
		}
		if fi, err := os.Lstat(d); err != nil || !fi.IsDir() {
			continue // symlinks are not followed when listing
		}
		byTopic[t] = append(byTopic[t], p)
	}
	out := make([]server.TopicInfo, 0, len(byTopic))
	for t, ps := range byTopic {
		sort.Slice(ps, func(i, j int) bool { return ps[i] < ps[j] })
		out = append(out, server.TopicInfo{Name: t, Partitions: ps})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Partition resolves topic/partition to an existing partition directory
// directly inside the log dir (no path separators, no symlink escape).
func (s *Store) Partition(topic string, partition int32) (server.PartitionLog, error) {
	if !segment.ValidTopicName(topic) || partition < 0 {
		return nil, fmt.Errorf("%w: %q-%d", server.ErrUnknownTopicOrPartition, topic, partition)
	}
	name := segment.PartitionDirName(topic, partition)
	s.mu.Lock()
	defer s.mu.Unlock()
	if p := s.parts[name]; p != nil {
		return p, nil
	}
	path := filepath.Join(s.dir, name)
	fi, err := os.Lstat(path)
	if err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("%w: %s", server.ErrUnknownTopicOrPartition, name)
	}
	real, err := filepath.EvalSymlinks(path)
	if err == nil {
		real, err = filepath.Abs(real)
	}
	if err != nil || filepath.Dir(real) != s.realDir {
		return nil, fmt.Errorf("%w: %s resolves outside the log directory", server.ErrUnknownTopicOrPartition, name)
	}
	p := &Partition{store: s, dir: path}
	if err := p.load(); err != nil {
		return nil, err
	}
	s.parts[name] = p
	return p, nil
}

// Close closes the writers and releases the log dir lock.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var first error
	for _, p := range s.parts {
		if err := p.close(); err != nil && first == nil {
			first = err
		}
	}
	if s.release != nil {
		if err := s.release(); err != nil && first == nil {
			first = err
		}
		s.release = nil
	}
	return first
}

// Partition is one partition directory. Safe for concurrent use: reads share
// a read lock, Append takes the write lock.
type Partition struct {
	store *Store
	dir   string

	mu        sync.RWMutex
	part      *segment.Partition
	start     int64
	end       int64
	open      map[int64]int64 // producer id -> first offset of its open transaction
	cacheMu   sync.Mutex      // guards txnCache (readers share mu)
	txnCache  map[string][]state.AbortedTxn
	zstdCache map[string]bool           // segment .log path -> holds a zstd batch
	files     map[string]*segment.Files // opened segments, shared by readers
	writer    *appender.Writer
}

// load lists the directory and computes the log end offset and the open
// transactions (header-only pass plus the tiny control batches).
func (p *Partition) load() error {
	part, err := segment.OpenPartition(p.dir)
	if err != nil {
		return err
	}
	rep, err := analyze.AnalyzeTxnPartition(part, analyze.TxnOptions{})
	if err != nil {
		return err
	}
	p.part = part
	// The broker's log start offset (segment.LogStartOffset), not the first
	// offset present: ListOffsets earliest on a compacted partition answers
	// the first segment's base offset.
	p.start, p.end = rep.LogStartOffset, rep.LogEndOffset
	p.open = map[int64]int64{}
	for _, t := range rep.Open {
		p.open[t.ProducerID] = t.FirstOffset
	}
	p.txnCache = map[string][]state.AbortedTxn{}
	p.zstdCache = map[string]bool{}
	p.files = map[string]*segment.Files{}
	return nil
}

// LogStartOffset is the log start offset a broker would load
// (segment.LogStartOffset: the first segment's base offset, raised by the
// log dir's log-start-offset-checkpoint).
func (p *Partition) LogStartOffset() (int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.start, nil
}

// LogEndOffset is the next offset to be written.
func (p *Partition) LogEndOffset() (int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.end, nil
}

// LastStableOffset is the first offset of the oldest open transaction, else
// the log end offset.
func (p *Partition) LastStableOffset() (int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	lso := p.end
	for _, first := range p.open {
		lso = min(lso, first)
	}
	return lso, nil
}

// Read returns the whole batches from the one holding fetchOffset, within
// one segment (as Kafka's LogSegment.read), up to maxBytes but at least one
// batch.
func (p *Partition) Read(fetchOffset int64, maxBytes int32) (*server.ReadResult, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if fetchOffset < p.start || fetchOffset > p.end {
		return nil, fmt.Errorf("%w: %d not in [%d, %d]", server.ErrOffsetOutOfRange, fetchOffset, p.start, p.end)
	}
	res := &server.ReadResult{}
	if fetchOffset == p.end {
		return res, nil
	}
	segs := p.part.Segments
	for i := range segs {
		s := segs[i]
		if i+1 < len(segs) && segs[i+1].BaseOffset <= fetchOffset {
			continue
		}
		if s.BaseOffset > fetchOffset && i > 0 {
			// fetchOffset falls in a gap between segments: start here.
			fetchOffset = s.BaseOffset
		}
		slice, zstd, err := p.readSegment(s, fetchOffset, maxBytes)
		if err != nil {
			return nil, err
		}
		if slice == nil {
			continue // nothing at or after fetchOffset in this segment
		}
		res.Slices = append(res.Slices, *slice)
		res.HasZstd = zstd
		return res, nil
	}
	return res, nil
}

// readSegment opens the slice of whole batches a Fetch at offset sends from
// s (segment.FetchRange: the records are never read by the server).
func (p *Partition) readSegment(s *segment.Segment, offset int64, maxBytes int32) (*server.FileSlice, bool, error) {
	sf, err := p.segmentFiles(s)
	if err != nil {
		return nil, false, err
	}
	start, end, ok, err := sf.FetchRange(offset, maxBytes)
	if err != nil || !ok || end <= start {
		return nil, false, err
	}
	zstd, err := p.segmentHasZstd(s)
	if err != nil {
		return nil, false, err
	}
	f, err := os.Open(s.Log)
	if err != nil {
		return nil, false, err
	}
	return &server.FileSlice{File: f, Position: start, Length: end - start}, zstd, nil
}

// segmentFiles returns the segment's opened files, opening them once: an
// index reader keeps its valid-entry count, so a Fetch does not re-read the
// whole index.
func (p *Partition) segmentFiles(s *segment.Segment) (*segment.Files, error) {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	if f := p.files[s.Log]; f != nil {
		return f, nil
	}
	f, err := s.Open()
	if err != nil {
		return nil, err
	}
	p.files[s.Log] = f
	return f, nil
}

// dropFiles closes every cached segment (the caller holds p.mu for writing).
func (p *Partition) dropFiles() {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	for k, f := range p.files {
		f.Close()
		delete(p.files, k)
	}
}

// segmentHasZstd reports whether any batch of s is zstd-compressed (Fetch <
// 10 must then be refused). Computed once per segment by a header-only pass
// and cached; Append keeps it current for the active segment.
func (p *Partition) segmentHasZstd(s *segment.Segment) (bool, error) {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	if z, ok := p.zstdCache[s.Log]; ok {
		return z, nil
	}
	f, err := os.Open(s.Log)
	if err != nil {
		return false, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return false, err
	}
	r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: s.Name(), HeadersOnly: true})
	z := false
	for !z {
		b, err := r.Next()
		if err != nil {
			if err == io.EOF || errors.Is(err, format.ErrTruncated) || errors.Is(err, format.ErrCorrupt) {
				break
			}
			return false, err
		}
		z = b.Compression() == format.CompressionZstd
	}
	p.zstdCache[s.Log] = z
	return z, nil
}

// OffsetForTimestamp answers ListOffsets by timestamp (time index, then scan).
func (p *Partition) OffsetForTimestamp(ts int64) (int64, int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	r, err := p.part.LookupTimestamp(ts)
	if errors.Is(err, segment.ErrOffsetOutOfRange) {
		return -1, -1, nil
	}
	if errors.Is(err, segment.ErrUnsupportedForMessageFormat) {
		// A magic-0 partition: UNSUPPORTED_FOR_MESSAGE_FORMAT (43), as a
		// broker below 3.0 answers (Log.scala fetchOffsetByTimestamp); from
		// 3.0 the message format setting is ignored and a broker finds no
		// offset in timestamp-less data.
		return -1, -1, fmt.Errorf("%w: %w", server.ErrUnsupportedForMessageFormat, err)
	}
	if err != nil {
		return -1, -1, err
	}
	return r.Offset, r.Timestamp, nil
}

// AbortedTransactions collects .txnindex entries overlapping [fetchOffset,
// upper) from the segment holding fetchOffset onwards
// (LogSegment.collectAbortedTxns).
func (p *Partition) AbortedTransactions(fetchOffset, upper int64) ([]server.AbortedTxn, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var out []server.AbortedTxn
	segs := p.part.Segments
	for i, s := range segs {
		if i+1 < len(segs) && segs[i+1].BaseOffset <= fetchOffset {
			continue
		}
		if s.BaseOffset >= upper {
			break
		}
		if s.TxnIndex == "" {
			continue
		}
		entries, err := p.txnEntries(s.TxnIndex)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if e.LastOffset >= fetchOffset && e.FirstOffset < upper {
				out = append(out, server.AbortedTxn{ProducerID: e.ProducerID, FirstOffset: e.FirstOffset})
			}
		}
	}
	return out, nil
}

func (p *Partition) txnEntries(path string) ([]state.AbortedTxn, error) {
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	if e, ok := p.txnCache[path]; ok {
		return e, nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	e, _, err := state.DecodeTxnIndex(b)
	if err != nil && len(e) == 0 {
		return nil, err
	}
	p.txnCache[path] = e
	return e, nil
}

// Append appends v2 batches through the appender, assigning offsets, and
// updates the end offset and open transactions.
func (p *Partition) Append(batches []byte) (first int64, err error) {
	if !p.store.opts.Writable {
		return 0, server.ErrReadOnly
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.writer == nil {
		w, err := appender.Open(p.dir, p.store.opts.Appender)
		if err != nil {
			return 0, err
		}
		p.writer = w
	}
	// Whatever happens below, the cached view must follow what was written.
	rolled, markers := p.writer.SegmentsRolled(), false
	defer func() {
		if rerr := p.afterAppend(rolled, markers); err == nil {
			err = rerr
		}
	}()
	first = -1
	for len(batches) > 0 {
		if len(batches) < format.LogOverhead {
			return first, fmt.Errorf("kseg/logstore: %d trailing bytes are not a batch", len(batches))
		}
		b, derr := format.DecodeBatch(batches)
		if derr != nil {
			return first, derr
		}
		raw := batches[:b.Size()]
		base, aerr := p.writer.Append(raw)
		if aerr != nil {
			return first, aerr
		}
		if first < 0 {
			first = base
		}
		switch {
		case b.IsControl():
			delete(p.open, b.ProducerID)
			markers = true
		case b.IsTransactional():
			if _, ok := p.open[b.ProducerID]; !ok {
				p.open[b.ProducerID] = base
			}
		}
		batches = batches[b.Size():]
	}
	return first, nil
}

// afterAppend brings the cached view up to date after appends: the log end
// offset, and the cached files, zstd flag and .txnindex of the active segment
// (the only one an append changes). The directory is listed again only when
// the writer rolled a segment, the partition had none, or a transaction
// marker may have created the active segment's .txnindex (so new files and
// trimmed indexes are seen).
func (p *Partition) afterAppend(rolled int, markers bool) error {
	p.end = p.writer.NextOffset()
	p.cacheMu.Lock()
	defer p.cacheMu.Unlock()
	active := p.part.ActiveSegment()
	if rolled != p.writer.SegmentsRolled() || active == nil || active.Index == "" || (markers && active.TxnIndex == "") {
		for k, f := range p.files {
			f.Close()
			delete(p.files, k)
		}
		clear(p.zstdCache)
		clear(p.txnCache)
		part, err := segment.OpenPartition(p.dir)
		if err != nil {
			return err
		}
		p.part = part
		return nil
	}
	if f := p.files[active.Log]; f != nil {
		f.Close()
		delete(p.files, active.Log)
	}
	delete(p.zstdCache, active.Log)
	delete(p.txnCache, active.TxnIndex)
	return nil
}

func (p *Partition) close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dropFiles()
	if p.writer != nil {
		err := p.writer.Close()
		p.writer = nil
		return err
	}
	return nil
}

// name is used in errors.
func (p *Partition) String() string { return strings.TrimPrefix(p.dir, p.store.dir+"/") }
