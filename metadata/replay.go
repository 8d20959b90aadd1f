package metadata

import (
	"encoding/binary"
	"math"

	"github.com/kseg/kseg/internal/kbin"
)

// Typed fast paths of the replay. Load used to decode every record into a
// generic *Struct (one allocation per field container, per array and per
// nested value) and then look fields up by name; on a large log that is six
// allocations per record, almost all of them PartitionChangeRecords. The
// functions below decode the hot record types straight into the image,
// reusing the partition's own slices, and allocate nothing per record in
// steady state.
//
// They are a strict subset of the generic path: each decodes the whole body
// first, into locals, and reports false — having changed nothing — when the
// record is anything but a well-formed body of a version this build knows
// (bad frame, unknown type or version, truncation, a bad length, a tagged
// value not exactly its size, trailing bytes). The caller then takes the
// generic path (DecodeRecord + Apply), which reproduces the record's
// display and effect exactly as before. Field layouts follow the schemas
// in schemas_gen.go (Kafka's metadata/src/main/resources/common/metadata/
// *.json): every version of these records is flexible, so strings and
// arrays carry compact (uvarint+1) lengths and each body ends with a
// tagged-field section.

// Record type ids (MetadataRecordType) of the fast paths.
const (
	typeTopic           = 2
	typePartition       = 3
	typeConfig          = 4
	typePartitionChange = 5
	typeFenceBroker     = 7
	typeUnfenceBroker   = 8
	typeFeatureLevel    = 12
	typeProducerIDs     = 15
	typeNoOp            = 20
)

// applyFast applies one metadata record value through a typed fast path
// and reports whether it did. It never applies part of a record.
func (im *Image) applyFast(value []byte) bool {
	r := kbin.Reader{}
	r.Reset(value)
	frame := r.Uvarint("frame version")
	typ := r.Uvarint("type")
	ver := r.Uvarint("version")
	if r.Err() != nil || frame != 1 || ver > 0x7fff {
		return false
	}
	switch typ {
	case typePartitionChange:
		return ver <= 2 && im.fastPartitionChange(&r, int16(ver))
	case typePartition:
		return ver <= 2 && im.fastPartition(&r, int16(ver))
	case typeTopic:
		return ver == 0 && im.fastTopic(&r)
	case typeFenceBroker, typeUnfenceBroker:
		return ver == 0 && im.fastFence(&r, typ == typeFenceBroker)
	case typeFeatureLevel:
		return ver == 0 && im.fastFeatureLevel(&r)
	case typeProducerIDs:
		return ver == 0 && im.fastProducerIDs(&r)
	case typeConfig:
		return ver == 0 && im.fastConfig(&r)
	case typeNoOp:
		// NoOpRecord changes nothing; it still has to be well formed.
		return ver == 0 && skipTagged(&r) && r.Err() == nil && r.Remaining() == 0
	}
	return false
}

// span is an array or string read but not yet copied: raw bytes, or null.
type span struct {
	b    []byte
	null bool
	set  bool // present on the wire (for tagged fields)
}

// readArray reads a compact array of fixed-size elements (int32: 4, uuid:
// 16) with ArrayLen's guard; null only when nullable.
func readArray(r *kbin.Reader, elem int, nullable bool) (span, bool) {
	n := r.ArrayLen(true, elem, "array")
	if r.Err() != nil {
		return span{}, false
	}
	if n < 0 {
		return span{null: true, set: true}, nullable
	}
	b := r.Span(n*elem, "array")
	return span{b: b, set: true}, r.Err() == nil
}

// readString reads a compact string's bytes (no copy); null only when
// nullable. Strings over 32767 bytes are refused as Kafka's readers do.
func readString(r *kbin.Reader, nullable bool) (span, bool) {
	n := r.Length(true, false, "string")
	if r.Err() != nil {
		return span{}, false
	}
	if n < 0 {
		return span{null: true, set: true}, nullable
	}
	if n > math.MaxInt16 {
		return span{}, false
	}
	b := r.Span(n, "string")
	return span{b: b, set: true}, r.Err() == nil
}

// taggedFields iterates a tagged-field section, calling fn with each
// field's tag and value bytes; fn returns false for a value it cannot
// accept (see filled). Unknown tags are skipped (they cannot change the
// image).
func taggedFields(r *kbin.Reader, fn func(tag uint32, data []byte) bool) bool {
	n := int(r.Uvarint("tagged field count"))
	if r.Err() != nil || n > r.Remaining()/2 {
		return false
	}
	for i := 0; i < n; i++ {
		tag := r.Uvarint("tag")
		size := int(r.Uvarint("tagged field size"))
		data := r.Span(size, "tagged field")
		if r.Err() != nil {
			return false
		}
		if !fn(tag, data) {
			return false
		}
	}
	return true
}

// filled reports whether a tagged value decoded without error and used
// all of its bytes.
func filled(sub *kbin.Reader, ok bool) bool { return ok && sub.Err() == nil && sub.Remaining() == 0 }

func skipTagged(r *kbin.Reader) bool {
	return taggedFields(r, func(uint32, []byte) bool { return true })
}

// done reports whether the body decoded completely with nothing after it.
func done(r *kbin.Reader) bool { return r.Err() == nil && r.Remaining() == 0 }

// ints copies a span of big-endian int32s into dst's storage, reusing it
// when large enough. The result is never nil (an empty array is an empty,
// non-nil slice, as the generic decoder returns).
func ints(dst []int32, s span) []int32 {
	n := len(s.b) / 4
	if dst == nil {
		dst = []int32{}
	}
	if cap(dst) < n {
		dst = make([]int32, n)
	}
	dst = dst[:n]
	for i := range dst {
		dst[i] = int32(binary.BigEndian.Uint32(s.b[4*i:]))
	}
	return dst
}

// uuids is ints for uuid arrays, except that an empty array is nil (the
// image's "not recorded", see nilIfEmpty).
func uuids(dst []kbin.UUID, s span) []kbin.UUID {
	n := len(s.b) / 16
	if n == 0 {
		return nil
	}
	if cap(dst) < n {
		dst = make([]kbin.UUID, n)
	}
	dst = dst[:n]
	for i := range dst {
		copy(dst[i][:], s.b[16*i:])
	}
	return dst
}

// fastPartitionChange is PARTITION_CHANGE_RECORD (v0-2): partitionId,
// topicId, then every other field tagged — isr 0, leader 1, replicas 2,
// removingReplicas 3, addingReplicas 4, leaderRecoveryState 5, ELR 6 and
// lastKnownElr 7 (v2+), directories 8 (v1+) — merged as Partition.merge.
func (im *Image) fastPartitionChange(r *kbin.Reader, v int16) bool {
	pid := r.Int32("partitionId")
	id := r.UUID("topicId")
	var isr, replicas, removing, adding, dirs, elr, lkElr span
	leader, lrs := int32(-2), int8(-1)
	ok := taggedFields(r, func(tag uint32, data []byte) bool {
		var sub kbin.Reader
		sub.Reset(data)
		var ok bool
		switch {
		case tag == 0:
			isr, ok = readArray(&sub, 4, true)
		case tag == 1:
			leader, ok = sub.Int32("leader"), true
		case tag == 2:
			replicas, ok = readArray(&sub, 4, true)
		case tag == 3:
			removing, ok = readArray(&sub, 4, true)
		case tag == 4:
			adding, ok = readArray(&sub, 4, true)
		case tag == 5:
			lrs, ok = sub.Int8("leaderRecoveryState"), true
		case tag == 6 && v >= 2:
			elr, ok = readArray(&sub, 4, true)
		case tag == 7 && v >= 2:
			lkElr, ok = readArray(&sub, 4, true)
		case tag == 8 && v >= 1:
			dirs, ok = readArray(&sub, 16, true)
		default:
			return true
		}
		return filled(&sub, ok)
	})
	if !ok || !done(r) {
		return false
	}
	t := im.topicsByID[id]
	if t == nil {
		return true
	}
	p := t.Partitions[pid]
	if p == nil {
		return true
	}
	if replicas.set && !replicas.null {
		p.Replicas = ints(p.Replicas, replicas)
	}
	if isr.set && !isr.null {
		p.ISR = ints(p.ISR, isr)
	}
	if removing.set && !removing.null {
		p.RemovingReplicas = ints(p.RemovingReplicas, removing)
	}
	if adding.set && !adding.null {
		p.AddingReplicas = ints(p.AddingReplicas, adding)
	}
	if dirs.set && !dirs.null {
		p.Directories = uuids(p.Directories, dirs)
	}
	if leader != -2 {
		p.Leader = leader
		p.LeaderEpoch++
	}
	if lrs != -1 {
		p.LeaderRecoveryState = lrs
	}
	if elr.set && !elr.null {
		p.ELR = ints(p.ELR, elr)
	}
	if lkElr.set && !lkElr.null {
		p.LastKnownELR = ints(p.LastKnownELR, lkElr)
	}
	p.PartitionEpoch++
	return true
}

// fastPartition is PARTITION_RECORD (v0-2): partitionId, topicId,
// replicas, isr, removingReplicas, addingReplicas, leader, leaderEpoch,
// partitionEpoch, directories (v1+); tagged leaderRecoveryState 0, and ELR
// 1 and lastKnownElr 2 (v2+, default null).
func (im *Image) fastPartition(r *kbin.Reader, v int16) bool {
	pid := r.Int32("partitionId")
	id := r.UUID("topicId")
	replicas, ok1 := readArray(r, 4, false)
	isr, ok2 := readArray(r, 4, false)
	removing, ok3 := readArray(r, 4, false)
	adding, ok4 := readArray(r, 4, false)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false
	}
	leader := r.Int32("leader")
	leaderEpoch := r.Int32("leaderEpoch")
	partitionEpoch := r.Int32("partitionEpoch")
	var dirs span
	if v >= 1 {
		var ok bool
		if dirs, ok = readArray(r, 16, false); !ok {
			return false
		}
	}
	var elr, lkElr span
	lrs := int8(0)
	ok := taggedFields(r, func(tag uint32, data []byte) bool {
		var sub kbin.Reader
		sub.Reset(data)
		var ok bool
		switch {
		case tag == 0:
			lrs, ok = sub.Int8("leaderRecoveryState"), true
		case tag == 1 && v >= 2:
			elr, ok = readArray(&sub, 4, true)
		case tag == 2 && v >= 2:
			lkElr, ok = readArray(&sub, 4, true)
		default:
			return true
		}
		return filled(&sub, ok)
	})
	if !ok || !done(r) {
		return false
	}
	t := im.topicsByID[id]
	if t == nil {
		return true
	}
	// One backing array for the int32 lists, each clipped to its own
	// capacity so that a later in-place update cannot reach its neighbour.
	n := (len(replicas.b) + len(isr.b) + len(removing.b) + len(adding.b) + len(elr.b) + len(lkElr.b)) / 4
	backing := make([]int32, 0, n)
	cut := func(s span) []int32 {
		start := len(backing)
		for i := 0; i+4 <= len(s.b); i += 4 {
			backing = append(backing, int32(binary.BigEndian.Uint32(s.b[i:])))
		}
		return backing[start:len(backing):len(backing)]
	}
	p := &Partition{ID: pid, Leader: leader, LeaderRecoveryState: lrs, LeaderEpoch: leaderEpoch, PartitionEpoch: partitionEpoch}
	p.Replicas, p.ISR, p.RemovingReplicas, p.AddingReplicas = cut(replicas), cut(isr), cut(removing), cut(adding)
	if elr.set && !elr.null {
		p.ELR = cut(elr)
	}
	if lkElr.set && !lkElr.null {
		p.LastKnownELR = cut(lkElr)
	}
	p.Directories = uuids(nil, dirs)
	t.Partitions[p.ID] = p
	return true
}

// fastTopic is TOPIC_RECORD v0: name, topicId. A re-created name reuses
// the image's string.
func (im *Image) fastTopic(r *kbin.Reader) bool {
	name, ok := readString(r, false)
	id := r.UUID("topicId")
	if !ok || !skipTagged(r) || !done(r) {
		return false
	}
	s := ""
	if old := im.Topics[string(name.b)]; old != nil {
		s = old.Name
	} else {
		s = string(name.b)
	}
	t := &Topic{Name: s, ID: id, Partitions: map[int32]*Partition{}}
	im.Topics[t.Name] = t
	im.topicsByID[t.ID] = t
	return true
}

// fastFence is FENCE_BROKER_RECORD / UNFENCE_BROKER_RECORD v0: id, epoch.
func (im *Image) fastFence(r *kbin.Reader, fenced bool) bool {
	id := r.Int32("id")
	r.Int64("epoch")
	if !skipTagged(r) || !done(r) {
		return false
	}
	if b := im.Brokers[id]; b != nil {
		b.Fenced = fenced
	}
	return true
}

// fastFeatureLevel is FEATURE_LEVEL_RECORD v0: name, featureLevel; level
// 0 removes the feature.
func (im *Image) fastFeatureLevel(r *kbin.Reader) bool {
	name, ok := readString(r, false)
	level := r.Int16("featureLevel")
	if !ok || !skipTagged(r) || !done(r) {
		return false
	}
	if level == 0 {
		delete(im.Features, string(name.b))
	} else {
		im.Features[string(name.b)] = level
	}
	return true
}

// fastProducerIDs is PRODUCER_IDS_RECORD v0: brokerId, brokerEpoch,
// nextProducerId.
func (im *Image) fastProducerIDs(r *kbin.Reader) bool {
	b := r.Int32("brokerId")
	e := r.Int64("brokerEpoch")
	next := r.Int64("nextProducerId")
	if !skipTagged(r) || !done(r) {
		return false
	}
	im.ProducerIDs = &ProducerIDs{BrokerID: b, BrokerEpoch: e, NextProducerID: next}
	return true
}

// fastConfig is CONFIG_RECORD v0: resourceType, resourceName, name, value
// (nullable: null deletes the key).
func (im *Image) fastConfig(r *kbin.Reader) bool {
	typ := r.Int8("resourceType")
	rn, ok1 := readString(r, false)
	key, ok2 := readString(r, false)
	val, ok3 := readString(r, true)
	if !ok1 || !ok2 || !ok3 || !skipTagged(r) || !done(r) {
		return false
	}
	res := ConfigResource{Type: typ, Name: string(rn.b)}
	m := im.Configs[res]
	if val.null {
		delete(m, string(key.b))
		if len(m) == 0 {
			delete(im.Configs, res)
		}
		return true
	}
	if m == nil {
		m = map[string]string{}
		im.Configs[res] = m
	}
	if old, ok := m[string(key.b)]; ok && old == string(val.b) {
		return true
	}
	m[string(key.b)] = string(val.b)
	return true
}
