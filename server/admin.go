package server

import (
	"sync"
	"time"

	"github.com/kseg/kseg/server/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TopicIDStore is optionally implemented by a Store that knows topic ids
// (Kafka 2.8+ writes one to every partition's partition.metadata). Without
// it, or for a topic without one, Metadata reports the zero id and clients
// keep to Fetch v12 and names, as they do with a broker that has no ids.
type TopicIDStore interface {
	// TopicID returns the topic's id, or the zero id when it has none.
	TopicID(topic string) ([16]byte, error)
}

// MaxTimestamper is optionally implemented by a PartitionLog that can
// answer ListOffsets' max-timestamp spec (-3, KIP-734): the offset and
// timestamp of the record with the largest timestamp, (-1, -1) when empty.
type MaxTimestamper interface {
	MaxTimestamp() (offset int64, timestamp int64, err error)
}

// topicIDCache maps topic names to ids and back. Ids never change while a
// topic exists; a miss on an id re-reads the store at most once a second so
// a client naming unknown ids cannot make every Fetch list the log dir.
type topicIDCache struct {
	mu      sync.Mutex
	byName  map[string][16]byte
	byID    map[[16]byte]string
	refresh time.Time
}

const topicIDRefresh = time.Second

func (s *server) topicID(name string) [16]byte {
	ts, ok := s.store.(TopicIDStore)
	if !ok {
		return [16]byte{}
	}
	c := &s.ids
	c.mu.Lock()
	defer c.mu.Unlock()
	if id, ok := c.byName[name]; ok {
		return id
	}
	id, err := ts.TopicID(name)
	if err != nil {
		s.cfg.Logf("kseg serve: topic id of %s: %v", name, err)
		return [16]byte{}
	}
	c.put(name, id)
	return id
}

func (c *topicIDCache) put(name string, id [16]byte) {
	if c.byName == nil {
		c.byName, c.byID = map[string][16]byte{}, map[[16]byte]string{}
	}
	c.byName[name] = id
	if id != ([16]byte{}) {
		c.byID[id] = name
	}
}

// topicName resolves a topic id (Fetch v13+, Metadata v12+).
func (s *server) topicName(id [16]byte) (string, bool) {
	ts, ok := s.store.(TopicIDStore)
	if !ok || id == ([16]byte{}) {
		return "", false
	}
	c := &s.ids
	c.mu.Lock()
	defer c.mu.Unlock()
	if n, ok := c.byID[id]; ok {
		return n, true
	}
	if time.Since(c.refresh) < topicIDRefresh {
		return "", false
	}
	c.refresh = time.Now()
	topics, err := s.store.Topics()
	if err != nil {
		s.cfg.Logf("kseg serve: listing topics: %v", err)
		return "", false
	}
	for _, t := range topics {
		if _, ok := c.byName[t.Name]; ok {
			continue
		}
		tid, err := ts.TopicID(t.Name)
		if err != nil {
			continue
		}
		c.put(t.Name, tid)
	}
	n, ok := c.byID[id]
	return n, ok
}

// adminVersions lists the admin APIs answered from the files.
func adminVersions(writable bool) []kmsg.ApiVersionsResponseApiKey {
	return nil
}

// autoCreate creates topic name when auto-creation is enabled and allowed by
// the request, and returns its partitions.
func (s *server) autoCreate(name string, allowed bool) ([]int32, bool) {
	return nil, false
}

// offlineOffsets returns the offsets group had committed in the log dir's
// own __consumer_offsets, as of the end of that log.
func (s *server) offlineOffsets(group string) map[tp]committed {
	return nil
}

func (s *server) dispatchAdmin(cc *conn, req *protocol.Request) (kmsg.Response, error) {
	return protocol.ErrorResponse(req.Body, protocol.ErrUnsupportedVersion), nil
}
