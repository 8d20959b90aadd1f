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
	r := cursor{b: value}
	frame := r.uvarint()
	typ := r.uvarint()
	ver := r.uvarint()
	if !r.ok() || frame != 1 || ver > 0x7fff {
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
		return ver == 0 && skipTagged(&r) && r.ok() && r.remaining() == 0
	}
	return false
}

// cursor is a minimal kbin.Reader for the fast paths: the same reads with
// the same limits (a varint of at most 5 bytes, compact lengths, ArrayLen's
// count guard), a failure flag instead of a descriptive error (a failed
// fast path is re-decoded by the generic path, which describes it), and
// small enough to inline.
type cursor struct {
	b   []byte
	p   int
	bad bool
}

func (c *cursor) reset(b []byte) { *c = cursor{b: b} }
func (c *cursor) ok() bool       { return !c.bad }
func (c *cursor) remaining() int { return len(c.b) - c.p }

func (c *cursor) uvarint() uint32 {
	if p := c.p; p < len(c.b) && c.b[p] < 0x80 {
		c.p++
		return uint32(c.b[p])
	}
	return c.uvarintSlow()
}

// uvarintSlow is ByteUtils.readUnsignedVarint: at most 5 bytes.
func (c *cursor) uvarintSlow() uint32 {
	var v uint32
	for i := 0; i < 5; i++ {
		if c.p >= len(c.b) {
			c.bad = true
			return 0
		}
		b := c.b[c.p]
		c.p++
		v |= uint32(b&0x7f) << (7 * i)
		if b < 0x80 {
			return v
		}
	}
	c.bad = true
	return 0
}

// span returns the next n bytes (aliasing the input).
func (c *cursor) span(n int) []byte {
	if n < 0 || n > len(c.b)-c.p {
		c.bad = true
		c.p = len(c.b)
		return nil
	}
	b := c.b[c.p : c.p+n : c.p+n]
	c.p += n
	return b
}

func (c *cursor) int8() int8 {
	if c.p < len(c.b) {
		c.p++
		return int8(c.b[c.p-1])
	}
	c.bad = true
	return 0
}

func (c *cursor) int16() int16 {
	if b := c.span(2); b != nil {
		return int16(binary.BigEndian.Uint16(b))
	}
	return 0
}

func (c *cursor) int32() int32 {
	if b := c.span(4); b != nil {
		return int32(binary.BigEndian.Uint32(b))
	}
	return 0
}

func (c *cursor) int64() int64 {
	if b := c.span(8); b != nil {
		return int64(binary.BigEndian.Uint64(b))
	}
	return 0
}

func (c *cursor) uuid() (u kbin.UUID) {
	if b := c.span(16); b != nil {
		copy(u[:], b)
	}
	return u
}

// length reads a compact length: -1 is null.
func (c *cursor) length() int { return int(c.uvarint()) - 1 }

// arrayLen is a compact array count whose elements, each at least elem
// bytes, must fit in what remains (kbin.Reader.ArrayLen).
func (c *cursor) arrayLen(elem int) int {
	n := c.length()
	if n > c.remaining()/elem {
		c.bad = true
		return 0
	}
	return n
}

// span is an array or string read but not yet copied: raw bytes, or null.
type span struct {
	b    []byte
	null bool
	set  bool // present on the wire (for tagged fields)
}

// readArray reads a compact array of fixed-size elements (int32: 4, uuid:
// 16) with ArrayLen's guard; null only when nullable.
func readArray(r *cursor, elem int, nullable bool) (span, bool) {
	n := r.arrayLen(elem)
	if !r.ok() {
		return span{}, false
	}
	if n < 0 {
		return span{null: true, set: true}, nullable
	}
	b := r.span(n * elem)
	return span{b: b, set: true}, r.ok()
}

// readString reads a compact string's bytes (no copy); null only when
// nullable. Strings over 32767 bytes are refused as Kafka's readers do.
func readString(r *cursor, nullable bool) (span, bool) {
	n := r.length()
	if !r.ok() {
		return span{}, false
	}
	if n < 0 {
		return span{null: true, set: true}, nullable
	}
	if n > math.MaxInt16 {
		return span{}, false
	}
	b := r.span(n)
	return span{b: b, set: true}, r.ok()
}

// taggedFields iterates a tagged-field section, calling fn with each
// field's tag and value bytes; fn returns false for a value it cannot
// accept (see filled). Unknown tags are skipped (they cannot change the
// image).
func taggedFields(r *cursor, fn func(tag uint32, data []byte) bool) bool {
	n := int(r.uvarint())
	if !r.ok() || n > r.remaining()/2 {
		return false
	}
	for i := 0; i < n; i++ {
		tag := r.uvarint()
		size := int(r.uvarint())
		data := r.span(size)
		if !r.ok() {
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
func filled(sub *cursor, ok bool) bool { return ok && sub.ok() && sub.remaining() == 0 }

func skipTagged(r *cursor) bool {
	return taggedFields(r, func(uint32, []byte) bool { return true })
}

// done reports whether the body decoded completely with nothing after it.
func done(r *cursor) bool { return r.ok() && r.remaining() == 0 }

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
func (im *Image) fastPartitionChange(r *cursor, v int16) bool {
	pid := r.int32()
	id := r.uuid()
	var isr, replicas, removing, adding, dirs, elr, lkElr span
	leader, lrs := int32(-2), int8(-1)
	ok := taggedFields(r, func(tag uint32, data []byte) bool {
		var sub cursor
		sub.reset(data)
		var ok bool
		switch {
		case tag == 0:
			isr, ok = readArray(&sub, 4, true)
		case tag == 1:
			leader, ok = sub.int32(), true
		case tag == 2:
			replicas, ok = readArray(&sub, 4, true)
		case tag == 3:
			removing, ok = readArray(&sub, 4, true)
		case tag == 4:
			adding, ok = readArray(&sub, 4, true)
		case tag == 5:
			lrs, ok = sub.int8(), true
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
func (im *Image) fastPartition(r *cursor, v int16) bool {
	pid := r.int32()
	id := r.uuid()
	replicas, ok1 := readArray(r, 4, false)
	isr, ok2 := readArray(r, 4, false)
	removing, ok3 := readArray(r, 4, false)
	adding, ok4 := readArray(r, 4, false)
	if !ok1 || !ok2 || !ok3 || !ok4 {
		return false
	}
	leader := r.int32()
	leaderEpoch := r.int32()
	partitionEpoch := r.int32()
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
		var sub cursor
		sub.reset(data)
		var ok bool
		switch {
		case tag == 0:
			lrs, ok = sub.int8(), true
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
func (im *Image) fastTopic(r *cursor) bool {
	name, ok := readString(r, false)
	id := r.uuid()
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
func (im *Image) fastFence(r *cursor, fenced bool) bool {
	id := r.int32()
	r.int64()
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
func (im *Image) fastFeatureLevel(r *cursor) bool {
	name, ok := readString(r, false)
	level := r.int16()
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
func (im *Image) fastProducerIDs(r *cursor) bool {
	b := r.int32()
	e := r.int64()
	next := r.int64()
	if !skipTagged(r) || !done(r) {
		return false
	}
	im.ProducerIDs = &ProducerIDs{BrokerID: b, BrokerEpoch: e, NextProducerID: next}
	return true
}

// fastConfig is CONFIG_RECORD v0: resourceType, resourceName, name, value
// (nullable: null deletes the key).
func (im *Image) fastConfig(r *cursor) bool {
	typ := r.int8()
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
