package logstore

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/internal/fsutil"
	"github.com/kseg/kseg/metadata"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/server"
	"github.com/kseg/kseg/state"
)

var (
	_ server.TopicIDStore   = (*Store)(nil)
	_ server.TopicCreator   = (*Store)(nil)
	_ server.RecordDeleter  = (*Partition)(nil)
	_ server.MaxTimestamper = (*Partition)(nil)
)

// Kafka's per-log-dir checkpoint of log start offsets
// (LogManager.LogStartOffsetCheckpointFile).
const logStartOffsetCheckpoint = "log-start-offset-checkpoint"

// TopicID reads the topic id from the partition.metadata of the topic's
// lowest-numbered partition (Kafka writes the same id to every partition);
// the zero id when the topic has none (written before Kafka 2.8).
func (s *Store) TopicID(topic string) ([16]byte, error) {
	topics, err := s.Topics()
	if err != nil {
		return [16]byte{}, err
	}
	for _, t := range topics {
		if t.Name != topic || len(t.Partitions) == 0 {
			continue
		}
		path := filepath.Join(s.dir, segment.PartitionDirName(topic, t.Partitions[0]), appender.PartitionMetadataFile)
		b, err := os.ReadFile(path)
		if errors.Is(err, os.ErrNotExist) {
			return [16]byte{}, nil
		}
		if err != nil {
			return [16]byte{}, err
		}
		m, err := state.DecodePartitionMetadata(b, appender.PartitionMetadataFile)
		if err != nil {
			return [16]byte{}, err
		}
		return m.TopicID, nil
	}
	return [16]byte{}, fmt.Errorf("%w: %s", server.ErrUnknownTopicOrPartition, topic)
}

// CreateTopic creates partitions 0..n-1 of a new topic through the
// appender (partition.metadata with a fresh topic id, then an empty first
// segment), as a broker's LogManager.getOrCreateLog does.
func (s *Store) CreateTopic(name string, n int32) ([16]byte, error) {
	if !s.opts.Writable {
		return [16]byte{}, server.ErrReadOnly
	}
	if !segment.ValidTopicName(name) || n <= 0 {
		return [16]byte{}, fmt.Errorf("kseg/logstore: cannot create %q with %d partitions", name, n)
	}
	id, err := randomTopicID()
	if err != nil {
		return [16]byte{}, err
	}
	o := s.opts.Appender
	o.TopicID = id
	for p := int32(0); p < n; p++ {
		dir := filepath.Join(s.dir, segment.PartitionDirName(name, p))
		if _, err := os.Lstat(dir); err == nil {
			return [16]byte{}, fmt.Errorf("kseg/logstore: %s already exists", dir)
		}
		w, err := appender.Open(dir, o)
		if err != nil {
			return [16]byte{}, err
		}
		if err := w.Close(); err != nil {
			return [16]byte{}, err
		}
	}
	return id, nil
}

// DeleteRecords moves the log start offset forward to offset (the caller
// checked offset ≤ the high watermark) and writes it to the log dir's
// log-start-offset-checkpoint, as UnifiedLog.deleteRecords →
// maybeIncrementLogStartOffset and LogManager.checkpointLogStartOffsets do.
// No segment is deleted: the broker removes segments wholly below the log
// start offset later, from its retention thread, and until then reads
// simply start at the new log start offset. A lower offset changes nothing.
func (p *Partition) DeleteRecords(offset int64) (int64, error) {
	if !p.store.opts.Writable {
		return -1, server.ErrReadOnly
	}
	p.store.ckptMu.Lock()
	defer p.store.ckptMu.Unlock()
	p.mu.Lock()
	defer p.mu.Unlock()
	if offset <= p.start {
		return p.start, nil
	}
	if offset > p.end {
		return -1, fmt.Errorf("%w: %d above the log end offset %d", server.ErrOffsetOutOfRange, offset, p.end)
	}
	topic, partition, _, ok := segment.ParsePartitionDir(filepath.Base(p.dir))
	if !ok {
		return -1, fmt.Errorf("kseg/logstore: %s is not a partition directory", p.dir)
	}
	path := filepath.Join(p.store.dir, logStartOffsetCheckpoint)
	var entries []state.TopicPartitionOffset
	b, err := os.ReadFile(path)
	switch {
	case err == nil:
		cp, derr := state.DecodeOffsetCheckpoint(b, logStartOffsetCheckpoint)
		if derr != nil {
			return -1, derr
		}
		entries = cp.Entries
	case !errors.Is(err, os.ErrNotExist):
		return -1, err
	}
	found := false
	for i := range entries {
		if entries[i].Topic == topic && entries[i].Partition == partition {
			entries[i].Offset, found = offset, true
		}
	}
	if !found {
		entries = append(entries, state.TopicPartitionOffset{Topic: topic, Partition: partition, Offset: offset})
	}
	if err := fsutil.WriteFileAtomic(fsutil.OSFS{}, path, state.AppendOffsetCheckpoint(nil, entries), 0o644); err != nil {
		return -1, err
	}
	p.start = offset
	if err := truncateEpochsFromStart(filepath.Join(p.dir, leaderEpochCheckpoint), offset); err != nil {
		return offset, err
	}
	return offset, nil
}

// Kafka's LeaderEpochCheckpointFile name.
const leaderEpochCheckpoint = "leader-epoch-checkpoint"

// truncateEpochsFromStart rewrites a partition's leader-epoch-checkpoint as
// LeaderEpochFileCache.truncateFromStart does when the log start offset
// moves: the leading entries starting at or before start are removed and
// the last of them comes back starting at start. A missing file stays
// missing.
func truncateEpochsFromStart(path string, start int64) error {
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	cp, err := state.DecodeLeaderEpochCheckpoint(b, leaderEpochCheckpoint)
	if err != nil {
		return err
	}
	n := 0
	for n < len(cp.Entries) && cp.Entries[n].StartOffset <= start {
		n++
	}
	if n == 0 {
		return nil
	}
	entries := append([]state.EpochEntry{{Epoch: cp.Entries[n-1].Epoch, StartOffset: start}}, cp.Entries[n:]...)
	return fsutil.WriteFileAtomic(fsutil.OSFS{}, path, state.AppendLeaderEpochCheckpoint(nil, entries), 0o644)
}

// MaxTimestamp answers ListOffsets' max-timestamp spec (-3) as
// UnifiedLog.fetchOffsetByTimestamp does: the first batch holding the
// largest max timestamp of the log (control batches included, as in a
// segment's maxTimestampSoFar), and in it the first record with that
// timestamp (RecordBatch.offsetOfMaxTimestamp); (-1, -1) when the log is
// empty or that batch is magic 0 (no timestamps).
func (p *Partition) MaxTimestamp() (int64, int64, error) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	var best struct {
		log string
		pos int64
		ts  int64
	}
	best.ts = -1
	found := false
	for _, s := range p.part.Segments {
		err := func() error {
			f, err := os.Open(s.Log)
			if err != nil {
				return err
			}
			defer f.Close()
			st, err := f.Stat()
			if err != nil {
				return err
			}
			r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: s.Name(), HeadersOnly: true})
			for {
				b, err := r.Next()
				if err != nil {
					if err == io.EOF || errors.Is(err, format.ErrTruncated) {
						return nil
					}
					return err
				}
				if !found || b.MaxTimestamp > best.ts {
					best.log, best.pos, best.ts, found = s.Log, b.Position, b.MaxTimestamp, true
				}
			}
		}()
		if err != nil {
			return -1, -1, err
		}
	}
	if !found || best.ts < 0 {
		return -1, -1, nil
	}
	f, err := os.Open(best.log)
	if err != nil {
		return -1, -1, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return -1, -1, err
	}
	r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: filepath.Base(best.log), Start: best.pos})
	b, err := r.Next()
	if err != nil {
		return -1, -1, err
	}
	if b.Magic == 0 {
		return -1, -1, nil
	}
	d := format.NewRecordDecoder(format.DecoderOptions{File: filepath.Base(best.log)})
	if err := d.Reset(b); err != nil {
		return -1, -1, err
	}
	for {
		rec, err := d.Next()
		if err == io.EOF {
			return -1, -1, nil
		}
		if err != nil {
			return -1, -1, err
		}
		if rec.Timestamp == b.MaxTimestamp {
			return rec.Offset, b.MaxTimestamp, nil
		}
	}
}

// ClusterID is the cluster.id of the log dir's meta.properties, "" when it
// has none (Kafka before 0.10.1 wrote no cluster id) or it does not decode.
func (s *Store) ClusterID() string {
	b, err := os.ReadFile(filepath.Join(s.dir, "meta.properties"))
	if err != nil {
		return ""
	}
	m, err := state.DecodeMetaProperties(b, "meta.properties")
	if err != nil {
		return ""
	}
	return m.ClusterID
}

// randomTopicID draws a topic id as Kafka's Uuid.randomUuid does: a
// version-4 random UUID (java.util.UUID.randomUUID), drawn again while it is
// reserved (zero, or the metadata topic's 1) or its base64 form starts with
// '-' (which would read as a command-line option).
func randomTopicID() (state.UUID, error) {
	for {
		var id state.UUID
		if _, err := rand.Read(id[:]); err != nil {
			return id, err
		}
		id[6] = id[6]&0x0f | 0x40 // version 4
		id[8] = id[8]&0x3f | 0x80 // IETF variant
		one := state.UUID{15: 1}
		if id.IsZero() || id == one || strings.HasPrefix(id.String(), "-") {
			continue
		}
		return id, nil
	}
}

// MetadataConfigs returns the topic configs of the log dir's KRaft metadata
// log (__cluster_metadata-0: the newest snapshot, then the log), as of its
// end: each ConfigRecord of a topic resource is a DYNAMIC_TOPIC_CONFIG
// entry. It returns nil, nil when the log dir has no metadata log (a
// ZooKeeper-era broker keeps topic configs in ZooKeeper, not on disk).
func (s *Store) MetadataConfigs() (server.ConfigSource, error) {
	res, err := metadata.Load(s.dir, metadata.DefaultOptions())
	if errors.Is(err, metadata.ErrNoMetadata) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return imageConfigs{res.Image}, nil
}

type imageConfigs struct{ im *metadata.Image }

func (c imageConfigs) TopicConfigs(topic string) ([]server.ConfigEntry, error) {
	m := c.im.TopicConfigs(topic)
	out := make([]server.ConfigEntry, 0, len(m))
	for k, v := range m {
		v := v
		out = append(out, server.ConfigEntry{Name: k, Value: &v, Source: server.ConfigSourceTopic})
	}
	return out, nil
}
