package metadata

import (
	"fmt"
	"strconv"
	"strings"
)

// HistoryFilter selects what --history reports: a topic (every partition),
// one partition of a topic, or a broker.
type HistoryFilter struct {
	Topic     string
	Partition int32 // -1: every partition of Topic
	Broker    int32 // -1: not a broker filter
}

// ParseHistoryFilter parses "topic=NAME", "partition=NAME-P" or "broker=ID".
func ParseHistoryFilter(s string) (*HistoryFilter, error) {
	kind, val, ok := strings.Cut(s, "=")
	if !ok || val == "" {
		return nil, fmt.Errorf("history filter %q: want topic=NAME, partition=NAME-P or broker=ID", s)
	}
	f := &HistoryFilter{Partition: -1, Broker: -1}
	switch kind {
	case "topic":
		f.Topic = val
	case "partition":
		i := strings.LastIndexByte(val, '-')
		p, err := strconv.ParseInt(val[i+1:], 10, 32)
		if i <= 0 || err != nil || p < 0 {
			return nil, fmt.Errorf("history filter %q: want partition=TOPIC-N", s)
		}
		f.Topic, f.Partition = val[:i], int32(p)
	case "broker":
		b, err := strconv.ParseInt(val, 10, 32)
		if err != nil || b < 0 {
			return nil, fmt.Errorf("history filter %q: want broker=ID", s)
		}
		f.Broker = int32(b)
	default:
		return nil, fmt.Errorf("history filter %q: want topic=, partition= or broker=", s)
	}
	return f, nil
}

// Change is one history event: the record at Offset changed Subject from
// Before to After ("" when it did not exist). Diff, for partition changes,
// lists only the fields that changed.
type Change struct {
	Offset    int64
	Timestamp int64
	Record    string // the record type, e.g. PARTITION_CHANGE_RECORD
	Subject   string // "topic orders", "partition orders-3", "broker 2", "config TOPIC orders retention.ms"
	Before    string
	After     string
	Diff      string
}

type historyRecorder struct {
	f       *HistoryFilter
	changes []Change
}

func (h *historyRecorder) add(e *Entry, subject, before, after, diff string) {
	h.changes = append(h.changes, Change{Offset: e.Offset, Timestamp: e.Timestamp, Record: e.Record.Name, Subject: subject, Before: before, After: after, Diff: diff})
}

func (h *historyRecorder) topic(e *Entry, topic string, partition int32, before, after string) {
	if h == nil || h.f.Topic != topic {
		return
	}
	if partition < 0 {
		if h.f.Partition < 0 {
			h.add(e, "topic "+topic, before, after, "")
		} else {
			h.add(e, fmt.Sprintf("partition %s-%d", topic, h.f.Partition), before, after, "")
		}
		return
	}
	if h.f.Partition >= 0 && h.f.Partition != partition {
		return
	}
	h.add(e, fmt.Sprintf("partition %s-%d", topic, partition), before, after, "")
}

func (h *historyRecorder) partitionChange(e *Entry, topic string, old, p *Partition) {
	if h == nil || h.f.Topic != topic || h.f.Partition >= 0 && h.f.Partition != p.ID {
		if h != nil && h.f.Broker >= 0 && (old.Leader == h.f.Broker || p.Leader == h.f.Broker) && old.Leader != p.Leader {
			h.add(e, fmt.Sprintf("partition %s-%d leadership", topic, p.ID), fmt.Sprintf("leader=%d", old.Leader), fmt.Sprintf("leader=%d", p.Leader), "")
		}
		return
	}
	h.add(e, fmt.Sprintf("partition %s-%d", topic, p.ID), old.Summary(), p.Summary(), p.Diff(old))
}

func (h *historyRecorder) broker(e *Entry, id int32, before, after string) {
	if h == nil || h.f.Broker != id {
		return
	}
	h.add(e, "broker "+strconv.Itoa(int(id)), before, after, "")
}

func (h *historyRecorder) config(e *Entry, r ConfigResource, key, before, after string) {
	if h == nil {
		return
	}
	match := r.Type == ResourceTopic && h.f.Topic == r.Name && h.f.Partition < 0 ||
		r.Type == ResourceBroker && h.f.Broker >= 0 && r.Name == strconv.Itoa(int(h.f.Broker))
	if !match {
		return
	}
	h.add(e, fmt.Sprintf("config %s %s %s", ConfigResourceTypeName(r.Type), r.Name, key), before, after, "")
}
