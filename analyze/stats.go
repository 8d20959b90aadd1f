package analyze

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// DefaultMaxProducers bounds the distinct-producer set kept per Stats: the
// count is exact up to it and reported as "at least" beyond.
const DefaultMaxProducers = 100_000

// maxLeaderEpochs bounds the distinct leader epochs listed per Stats; epochs
// only grow, so a partition with more has seen many elections and the list
// is cut (LeaderEpochsTruncated).
const maxLeaderEpochs = 32

// maxProblems bounds the read problems kept per Stats.
const maxProblems = 10

// numCodecs is none, gzip, snappy, lz4, zstd and one slot for ids 5–7,
// which Kafka rejects but a header-only pass can still see.
const numCodecs = 6

// StatsOptions configures Stats.
type StatsOptions struct {
	// Deep loads and decompresses every batch to measure compression ratios
	// (DecompressedBytes). Without it only batch headers are read, except
	// legacy (magic 0/1) compressed wrappers, which are decompressed to
	// count their inner messages.
	Deep bool
	// MaxProducers caps the distinct producer ids remembered (default
	// DefaultMaxProducers).
	MaxProducers int
	// WindowSize is the header-only read-ahead (default
	// format.DefaultWindowSize). A window of format.RecordBatchOverhead reads
	// exactly one header per batch, at one ReadAt per batch.
	WindowSize int
	// MaxDecompressedSize caps one batch in Deep mode (0 = format default).
	MaxDecompressedSize int
}

// GroupStats counts the batches of one codec or one magic.
type GroupStats struct {
	Batches int64 `json:"batches"`
	Records int64 `json:"records"`
	Bytes   int64 `json:"bytes"` // whole batches as stored, headers included
	// Deep only: the record bytes as stored (batch body, after the v2 header;
	// the whole entry for legacy) and after decompression. Their ratio is
	// the compression ratio.
	StoredBytes       int64 `json:"storedBytes,omitempty"`
	DecompressedBytes int64 `json:"decompressedBytes,omitempty"`
}

func (g *GroupStats) add(o *GroupStats) {
	g.Batches += o.Batches
	g.Records += o.Records
	g.Bytes += o.Bytes
	g.StoredBytes += o.StoredBytes
	g.DecompressedBytes += o.DecompressedBytes
}

// Ratio is DecompressedBytes / StoredBytes, or 0 without deep data.
func (g *GroupStats) Ratio() float64 {
	if g.StoredBytes == 0 {
		return 0
	}
	return float64(g.DecompressedBytes) / float64(g.StoredBytes)
}

// Stats summarises the batches of a partition, or of many (Merge). Its size
// is fixed (two histograms, bounded producer and epoch sets) whatever the log
// size. Not safe for concurrent use.
type Stats struct {
	Name     string
	Segments int
	Batches  int64
	Records  int64 // records; a legacy compressed wrapper counts its inner messages
	// UndecodedWrappers counts legacy wrappers that could not be
	// decompressed; each counts as one record, so Records is then a lower
	// bound.
	UndecodedWrappers int64
	// WrappersDecompressed counts the legacy wrappers decompressed without
	// Deep (to count their inner messages).
	WrappersDecompressed int64
	Bytes                int64

	Codecs [numCodecs]GroupStats // by format.Compression id; [5] = ids 5–7
	Magics [3]GroupStats
	// Kafka07 counts Kafka 0.7 .kafka messages (kept apart from magic v0/v1
	// message sets, a different format); their codecs count in Codecs too.
	Kafka07 GroupStats

	RecordsPerBatch Histogram
	BatchBytes      Histogram

	ControlBatches       int64
	TransactionalBatches int64 // transactional data batches (markers are counted as control)
	IdempotentBatches    int64 // batches with a producer id (transactional ones included)

	// Timestamps: MinTimestamp is the smallest batch base timestamp (max
	// timestamp for LogAppendTime and delete-horizon batches, whose base is
	// not a record time), MaxTimestamp the largest batch max timestamp; -1
	// when no batch carried one (v0). OutOfOrderBatches counts batches whose
	// max timestamp is below the previous batch's.
	MinTimestamp      int64
	MaxTimestamp      int64
	OutOfOrderBatches int64

	LeaderEpochs          []int32 // distinct partition leader epochs, sorted
	LeaderEpochsTruncated bool

	// Problems are the first read errors (corruption, torn tails); the scan
	// of that segment stopped there. ProblemCount counts them all.
	Problems     []string
	ProblemCount int

	opts          StatsOptions
	producers     map[int64]struct{}
	producersFull bool
	lastMaxTS     int64
	haveLast      bool
	dec           *format.RecordDecoder
	wdec          *format.RecordDecoder // legacy wrappers without Deep
}

// NewStats returns empty statistics named name.
func NewStats(name string, opts StatsOptions) *Stats {
	if opts.MaxProducers <= 0 {
		opts.MaxProducers = DefaultMaxProducers
	}
	return &Stats{Name: name, MinTimestamp: -1, MaxTimestamp: -1, opts: opts, producers: map[int64]struct{}{}}
}

// Producers is the number of distinct producer ids seen and whether it is
// exact; when not, the true number is at least the one returned.
func (s *Stats) Producers() (n int, exact bool) { return len(s.producers), !s.producersFull }

// StatsPartition reads every segment of the partition directory dir.
func StatsPartition(dir string, opts StatsOptions) (*Stats, error) {
	p, err := segment.OpenPartition(dir)
	if err != nil {
		return nil, err
	}
	s := NewStats(p.Name(), opts)
	if err := s.ScanPartition(p); err != nil {
		return nil, err
	}
	return s, nil
}

// ScanPartition adds p's segments in offset order.
func (s *Stats) ScanPartition(p *segment.Partition) error {
	for _, seg := range p.Segments {
		f, err := os.Open(seg.Log)
		if err != nil {
			return fmt.Errorf("kseg/analyze: %w", err)
		}
		st, err := f.Stat()
		if err == nil {
			err = s.ScanSegment(f, st.Size(), seg.Name())
		} else {
			err = fmt.Errorf("kseg/analyze: %w", err)
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	for _, o := range p.Kafka07 {
		f, err := os.Open(o)
		if err != nil {
			return fmt.Errorf("kseg/analyze: %w", err)
		}
		st, err := f.Stat()
		if err == nil {
			err = s.ScanKafka07(f, st.Size(), filepath.Base(o))
		}
		f.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// ScanKafka07 adds the messages of a Kafka 0.7 .kafka file: each top-level
// message counts as a batch of one record (with Deep, a compressed wrapper
// counts its inner messages).
func (s *Stats) ScanKafka07(r io.ReaderAt, size int64, file string) error {
	s.Segments++
	base, _, _ := segment.ParseFileName(file)
	mr := format.NewKafka07Reader(r, size, format.Kafka07Options{File: file, BaseOffset: base, WindowSize: s.opts.WindowSize})
	var dec *format.Kafka07Decoder
	if s.opts.Deep {
		dec = format.NewKafka07Decoder(file, s.opts.MaxDecompressedSize)
	}
	for {
		m, err := mr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, format.ErrCorrupt) || errors.Is(err, format.ErrTruncated) {
				s.problem(err.Error())
				return nil
			}
			return err
		}
		g := GroupStats{Batches: 1, Records: 1, Bytes: m.EntrySize()}
		if dec != nil && m.Compression() != format.CompressionNone {
			if err := dec.Reset(m); err != nil {
				s.problem(file + ": " + err.Error())
			} else {
				n := int64(0)
				for {
					if _, err := dec.Next(); err != nil {
						break
					}
					n++
				}
				g.Records = n
				g.StoredBytes, g.DecompressedBytes = int64(m.PayloadSize()), int64(dec.DecompressedSize())
			}
		}
		s.Batches++
		s.Records += g.Records
		s.Bytes += g.Bytes
		c := min(max(int(m.Compression()), 0), numCodecs-1)
		s.Codecs[c].add(&g)
		s.Kafka07.add(&g)
		s.RecordsPerBatch.Add(g.Records)
		s.BatchBytes.Add(g.Bytes)
	}
}

// ScanSegment adds the batches of one .log (size bytes of r; file is its
// base name for messages). Without Deep it reads batch headers only.
// Corruption and torn tails end the segment and are kept in Problems; only
// I/O errors are returned.
func (s *Stats) ScanSegment(r io.ReaderAt, size int64, file string) error {
	s.Segments++
	br := format.NewBatchReader(r, size, format.ReaderOptions{File: file, HeadersOnly: !s.opts.Deep, WindowSize: s.opts.WindowSize})
	if s.opts.Deep && s.dec == nil {
		s.dec = format.NewRecordDecoder(format.DecoderOptions{MaxDecompressedSize: s.opts.MaxDecompressedSize})
	}
	for {
		b, err := br.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, format.ErrCorrupt) || errors.Is(err, format.ErrTruncated) {
				s.problem(err.Error()) // names the file and position
				return nil
			}
			return err
		}
		s.add(r, b, file)
	}
}

func (s *Stats) problem(msg string) {
	s.ProblemCount++
	if len(s.Problems) < maxProblems {
		s.Problems = append(s.Problems, msg)
	}
}

func (s *Stats) add(r io.ReaderAt, b *format.Batch, file string) {
	g := GroupStats{Batches: 1, Records: int64(b.NumRecords), Bytes: b.Size()}
	if !s.opts.Deep && b.IsLegacyWrapper() {
		if s.wdec == nil {
			s.wdec = format.NewRecordDecoder(format.DecoderOptions{MaxDecompressedSize: s.opts.MaxDecompressedSize})
		}
		s.WrappersDecompressed++
		e, err := s.wdec.ReadExtent(r, b)
		if err != nil {
			s.problem(file + ": " + err.Error())
		}
		if !e.Exact {
			s.UndecodedWrappers++
		}
		g.Records = e.Records
	}
	if s.opts.Deep {
		if err := s.dec.Reset(b); err != nil {
			s.problem(file + ": " + err.Error())
			if b.IsLegacyWrapper() {
				s.UndecodedWrappers++
			}
		} else {
			g.Records = int64(s.dec.InnerCount())
			g.DecompressedBytes = int64(s.dec.DecompressedSize())
			g.StoredBytes = b.Size()
			if b.Magic >= 2 {
				g.StoredBytes -= format.RecordBatchOverhead
			}
		}
	}
	s.Batches++
	s.Records += g.Records
	s.Bytes += g.Bytes
	c := int(b.Compression())
	if c < 0 || c >= numCodecs {
		c = numCodecs - 1
	}
	s.Codecs[c].add(&g)
	if b.Magic >= 0 && int(b.Magic) < len(s.Magics) {
		s.Magics[b.Magic].add(&g)
	}
	s.RecordsPerBatch.Add(g.Records)
	s.BatchBytes.Add(g.Bytes)
	if b.IsControl() {
		s.ControlBatches++
	} else if b.IsTransactional() {
		s.TransactionalBatches++
	}
	if b.ProducerID >= 0 {
		s.IdempotentBatches++
		s.addProducer(b.ProducerID)
	}
	if b.Magic >= 2 {
		s.addEpoch(b.PartitionLeaderEpoch)
	}
	minTS := b.BaseTimestamp
	if b.TimestampType() == format.LogAppendTime || b.HasDeleteHorizon() {
		minTS = b.MaxTimestamp
	}
	if minTS >= 0 && (s.MinTimestamp < 0 || minTS < s.MinTimestamp) {
		s.MinTimestamp = minTS
	}
	if b.MaxTimestamp >= 0 {
		if b.MaxTimestamp > s.MaxTimestamp {
			s.MaxTimestamp = b.MaxTimestamp
		}
		if s.haveLast && b.MaxTimestamp < s.lastMaxTS {
			s.OutOfOrderBatches++
		}
		s.lastMaxTS, s.haveLast = b.MaxTimestamp, true
	}
}

func (s *Stats) addProducer(id int64) {
	if _, ok := s.producers[id]; ok {
		return
	}
	if len(s.producers) >= s.opts.MaxProducers {
		s.producersFull = true
		return
	}
	s.producers[id] = struct{}{}
}

func (s *Stats) addEpoch(e int32) {
	i := sort.Search(len(s.LeaderEpochs), func(i int) bool { return s.LeaderEpochs[i] >= e })
	if i < len(s.LeaderEpochs) && s.LeaderEpochs[i] == e {
		return
	}
	if len(s.LeaderEpochs) >= maxLeaderEpochs {
		s.LeaderEpochsTruncated = true
		return
	}
	s.LeaderEpochs = append(s.LeaderEpochs, 0)
	copy(s.LeaderEpochs[i+1:], s.LeaderEpochs[i:])
	s.LeaderEpochs[i] = e
}

// Merge adds o (another partition) to s, for totals. Out-of-order counts add
// up; ordering between partitions means nothing.
func (s *Stats) Merge(o *Stats) {
	s.Segments += o.Segments
	s.Batches += o.Batches
	s.Records += o.Records
	s.UndecodedWrappers += o.UndecodedWrappers
	s.WrappersDecompressed += o.WrappersDecompressed
	s.Bytes += o.Bytes
	for i := range s.Codecs {
		s.Codecs[i].add(&o.Codecs[i])
	}
	for i := range s.Magics {
		s.Magics[i].add(&o.Magics[i])
	}
	s.Kafka07.add(&o.Kafka07)
	s.RecordsPerBatch.Merge(&o.RecordsPerBatch)
	s.BatchBytes.Merge(&o.BatchBytes)
	s.ControlBatches += o.ControlBatches
	s.TransactionalBatches += o.TransactionalBatches
	s.IdempotentBatches += o.IdempotentBatches
	if o.MinTimestamp >= 0 && (s.MinTimestamp < 0 || o.MinTimestamp < s.MinTimestamp) {
		s.MinTimestamp = o.MinTimestamp
	}
	if o.MaxTimestamp > s.MaxTimestamp {
		s.MaxTimestamp = o.MaxTimestamp
	}
	s.OutOfOrderBatches += o.OutOfOrderBatches
	for _, e := range o.LeaderEpochs {
		s.addEpoch(e)
	}
	s.LeaderEpochsTruncated = s.LeaderEpochsTruncated || o.LeaderEpochsTruncated
	for id := range o.producers {
		s.addProducer(id)
	}
	s.producersFull = s.producersFull || o.producersFull
	for _, p := range o.Problems {
		if len(s.Problems) < maxProblems {
			s.Problems = append(s.Problems, o.Name+": "+p)
		}
	}
	s.ProblemCount += o.ProblemCount
}

// CodecName is the name of Codecs slot i.
func CodecName(i int) string {
	if i == numCodecs-1 {
		return "unknown"
	}
	return format.Compression(i).String()
}

// SkewMs is MaxTimestamp − MinTimestamp, or -1 without timestamps.
func (s *Stats) SkewMs() int64 {
	if s.MinTimestamp < 0 || s.MaxTimestamp < 0 {
		return -1
	}
	return s.MaxTimestamp - s.MinTimestamp
}

type namedGroup struct {
	Codec string `json:"codec,omitempty"`
	Magic *int   `json:"magic,omitempty"`
	GroupStats
	Ratio float64 `json:"compressionRatio,omitempty"`
}

// MarshalJSON renders the statistics with codecs and magics as arrays of
// the non-empty groups, in id order.
func (s *Stats) MarshalJSON() ([]byte, error) {
	var codecs, magics []namedGroup
	for i := range s.Codecs {
		if g := s.Codecs[i]; g.Batches > 0 {
			codecs = append(codecs, namedGroup{Codec: CodecName(i), GroupStats: g, Ratio: round3(g.Ratio())})
		}
	}
	for i := range s.Magics {
		if g := s.Magics[i]; g.Batches > 0 {
			m := i
			magics = append(magics, namedGroup{Magic: &m, GroupStats: g, Ratio: round3(g.Ratio())})
		}
	}
	var k07 *GroupStats
	if s.Kafka07.Batches > 0 {
		k07 = &s.Kafka07
	}
	producers, exact := s.Producers()
	epochs := s.LeaderEpochs
	if epochs == nil {
		epochs = []int32{}
	}
	return json.Marshal(struct {
		Partition             string       `json:"partition"`
		Segments              int          `json:"segments"`
		Batches               int64        `json:"batches"`
		Records               int64        `json:"records"`
		UndecodedWrappers     int64        `json:"undecodedWrappers,omitempty"` // Records is then a lower bound
		Bytes                 int64        `json:"bytes"`
		Codecs                []namedGroup `json:"codecs"`
		Magics                []namedGroup `json:"magics"`
		Kafka07               *GroupStats  `json:"kafka07,omitempty"`
		RecordsPerBatch       *Histogram   `json:"recordsPerBatch"`
		BatchBytes            *Histogram   `json:"batchBytes"`
		Producers             int          `json:"producers"`
		ProducersExact        bool         `json:"producersExact"`
		IdempotentBatches     int64        `json:"idempotentBatches"`
		ControlBatches        int64        `json:"controlBatches"`
		TransactionalBatches  int64        `json:"transactionalBatches"`
		MinTimestamp          int64        `json:"minTimestamp"`
		MaxTimestamp          int64        `json:"maxTimestamp"`
		SkewMs                int64        `json:"timestampSkewMs"`
		OutOfOrderBatches     int64        `json:"outOfOrderBatches"`
		LeaderEpochs          []int32      `json:"leaderEpochs"`
		LeaderEpochsTruncated bool         `json:"leaderEpochsTruncated,omitempty"`
		Problems              []string     `json:"problems,omitempty"`
		ProblemCount          int          `json:"problemCount,omitempty"`
	}{s.Name, s.Segments, s.Batches, s.Records, s.UndecodedWrappers, s.Bytes, codecs, magics, k07, &s.RecordsPerBatch, &s.BatchBytes,
		producers, exact, s.IdempotentBatches, s.ControlBatches, s.TransactionalBatches,
		s.MinTimestamp, s.MaxTimestamp, s.SkewMs(), s.OutOfOrderBatches, epochs, s.LeaderEpochsTruncated,
		s.Problems, s.ProblemCount})
}

func round3(f float64) float64 { return float64(int64(f*1000+0.5)) / 1000 }
