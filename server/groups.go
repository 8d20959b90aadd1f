package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/kseg/kseg/server/protocol"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// A simple single-node group coordinator, enough for `kcat -G`, franz-go and
// sarama consumer groups: one generation per join round, the first member to
// join is the leader, the round completes when every known member has
// rejoined or the largest rebalance timeout expires (stragglers are evicted),
// and members silent for their session timeout are removed. Committed
// offsets live in memory and, if configured, in a JSON side file which is
// never inside the log directory: commits never touch LOGDIR, so groups work
// in read-only mode too.

const (
	groupEmpty = iota
	groupPreparing
	groupCompleting // waiting for the leader's SyncGroup
	groupStable
)

const (
	maxGroups             = 10000
	maxOffsetMetadata     = 4096 // Kafka offset.metadata.max.bytes
	errOffsetMetadataTooL = 12   // OFFSET_METADATA_TOO_LARGE
	reapInterval          = 250 * time.Millisecond
	saveInterval          = 200 * time.Millisecond
)

type member struct {
	id               string
	instanceID       string
	hasInstanceID    bool
	sessionTimeout   time.Duration
	rebalanceTimeout time.Duration
	protocols        []kmsg.JoinGroupRequestProtocol
	clientID         string
	clientHost       string
	lastSeen         time.Time
	joinCh           chan *kmsg.JoinGroupResponse // set while waiting in JoinGroup
	syncCh           chan *kmsg.SyncGroupResponse // set while waiting in SyncGroup
}

type group struct {
	name         string
	state        int
	generation   int32
	protocolType string
	protocol     string
	leader       string
	members      map[string]*member
	order        []string // join order; order[0] leads
	assignments  map[string][]byte
	timer        *time.Timer
}

type tp struct {
	Topic     string
	Partition int32
}

type committed struct {
	Offset      int64  `json:"offset"`
	LeaderEpoch int32  `json:"leaderEpoch"`
	Metadata    string `json:"metadata"`
}

type coordinator struct {
	s       *server
	file    string
	mu      sync.Mutex
	groups  map[string]*group
	offsets map[string]map[tp]committed
	nextID  uint64
	dirty   bool
	quit    chan struct{}
	done    sync.WaitGroup
}

func newCoordinator(s *server, file string) (*coordinator, error) {
	c := &coordinator{
		s: s, file: file,
		groups:  make(map[string]*group),
		offsets: make(map[string]map[tp]committed),
		quit:    make(chan struct{}),
	}
	if file != "" {
		if err := checkOffsetsFile(s.store, file); err != nil {
			return nil, err
		}
		if err := c.load(); err != nil {
			return nil, err
		}
	}
	c.done.Add(1)
	go c.loop()
	return c, nil
}

// ErrOffsetsFileInLogDir is checkOffsetsFile's refusal: a command-line
// mistake (--offsets-file inside LOGDIR), not an I/O failure.
var ErrOffsetsFileInLogDir = errors.New("it must be outside the log directory")

// checkOffsetsFile refuses a side file inside the log directory: Kafka (and
// our own Store) treat every entry of a log.dir as a topic partition, and a
// read-only serve must not write there at all.
func checkOffsetsFile(store Store, file string) error {
	ds, ok := store.(DirStore)
	if !ok {
		return nil
	}
	dir, err := filepath.Abs(ds.Dir())
	if err != nil {
		return err
	}
	if d, err := filepath.EvalSymlinks(dir); err == nil {
		dir = d
	}
	f, err := filepath.Abs(file)
	if err != nil {
		return err
	}
	parent := filepath.Dir(f)
	if p, err := filepath.EvalSymlinks(parent); err == nil {
		parent = p
	}
	rel, err := filepath.Rel(dir, filepath.Join(parent, filepath.Base(f)))
	if err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return fmt.Errorf("kseg/server: offsets file %s is inside the log directory %s: %w", file, dir, ErrOffsetsFileInLogDir)
	}
	return nil
}

type offsetsFile struct {
	Version int                             `json:"version"`
	Groups  map[string][]offsetsFilePartion `json:"groups"`
}

type offsetsFilePartion struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	committed
}

func (c *coordinator) load() error {
	b, err := os.ReadFile(c.file)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("kseg/server: reading offsets file: %w", err)
	}
	var f offsetsFile
	if err := json.Unmarshal(b, &f); err != nil {
		return fmt.Errorf("kseg/server: parsing offsets file %s: %w", c.file, err)
	}
	for g, parts := range f.Groups {
		m := make(map[tp]committed, len(parts))
		for _, p := range parts {
			m[tp{p.Topic, p.Partition}] = p.committed
		}
		c.offsets[g] = m
	}
	return nil
}

// save writes the offsets file atomically: temp file, fsync, rename, fsync
// the directory.
func (c *coordinator) save() error {
	c.mu.Lock()
	if !c.dirty || c.file == "" {
		c.mu.Unlock()
		return nil
	}
	f := offsetsFile{Version: 1, Groups: make(map[string][]offsetsFilePartion, len(c.offsets))}
	for g, m := range c.offsets {
		parts := make([]offsetsFilePartion, 0, len(m))
		for k, v := range m {
			parts = append(parts, offsetsFilePartion{Topic: k.Topic, Partition: k.Partition, committed: v})
		}
		sort.Slice(parts, func(i, j int) bool {
			if parts[i].Topic != parts[j].Topic {
				return parts[i].Topic < parts[j].Topic
			}
			return parts[i].Partition < parts[j].Partition
		})
		f.Groups[g] = parts
	}
	c.dirty = false
	c.mu.Unlock()
	b, err := json.MarshalIndent(&f, "", " ")
	if err != nil {
		return err
	}
	tmp := c.file + ".tmp"
	fh, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	_, err = fh.Write(b)
	if err == nil {
		err = fh.Sync()
	}
	if cerr := fh.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, c.file)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(filepath.Dir(c.file)); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

func (c *coordinator) loop() {
	defer c.done.Done()
	reap := time.NewTicker(reapInterval)
	defer reap.Stop()
	var lastSave time.Time
	for {
		select {
		case <-c.quit:
			return
		case now := <-reap.C:
			c.reap(now)
			if now.Sub(lastSave) >= saveInterval {
				if err := c.save(); err != nil {
					c.s.cfg.Logf("kseg serve: saving offsets: %v", err)
				}
				lastSave = now
			}
		}
	}
}

func (c *coordinator) close() {
	close(c.quit)
	c.done.Wait()
	c.mu.Lock()
	for _, g := range c.groups {
		if g.timer != nil {
			g.timer.Stop()
		}
	}
	c.mu.Unlock()
	if err := c.save(); err != nil {
		c.s.cfg.Logf("kseg serve: saving offsets: %v", err)
	}
}

// reap removes members whose session expired. A member blocked in JoinGroup
// or SyncGroup is alive by definition.
func (c *coordinator) reap(now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, g := range c.groups {
		var gone []string
		for id, m := range g.members {
			if m.joinCh == nil && m.syncCh == nil && now.Sub(m.lastSeen) > m.sessionTimeout {
				gone = append(gone, id)
			}
		}
		for _, id := range gone {
			c.s.cfg.Logf("kseg serve: group %s: member %s session expired", g.name, id)
			c.removeMember(g, id)
		}
	}
}

func (c *coordinator) newMemberID() string {
	var b [8]byte
	rand.Read(b[:])
	c.nextID++
	return fmt.Sprintf("kseg-%d-%s", c.nextID, hex.EncodeToString(b[:]))
}

func (c *coordinator) group(name string, create bool) *group {
	g := c.groups[name]
	if g == nil && create && len(c.groups) < maxGroups {
		g = &group{name: name, members: make(map[string]*member)}
		c.groups[name] = g
	}
	return g
}

func (c *coordinator) join(q *kmsg.JoinGroupRequest, clientID, clientHost string) *kmsg.JoinGroupResponse {
	fail := func(code int16) *kmsg.JoinGroupResponse {
		return joinResponse(q.Version, &kmsg.JoinGroupResponse{ErrorCode: code, Generation: -1, MemberID: q.MemberID})
	}
	if q.Group == "" {
		return fail(protocol.ErrInvalidGroupID)
	}
	if q.SessionTimeoutMillis <= 0 || q.SessionTimeoutMillis > 30*60*1000 {
		return fail(protocol.ErrInvalidSessionTimeout)
	}
	if len(q.Protocols) == 0 || q.ProtocolType == "" {
		return fail(protocol.ErrInconsistentGroupProtocol)
	}
	c.mu.Lock()
	g := c.group(q.Group, true)
	if g == nil {
		c.mu.Unlock()
		return fail(protocol.ErrCoordinatorNotAvailable)
	}
	if len(g.members) > 0 && (q.ProtocolType != g.protocolType || !sharesProtocol(g, q.Protocols)) {
		c.mu.Unlock()
		return fail(protocol.ErrInconsistentGroupProtocol)
	}
	m := g.members[q.MemberID]
	if q.MemberID != "" && m == nil {
		c.mu.Unlock()
		return fail(protocol.ErrUnknownMemberID)
	}
	if m == nil {
		m = &member{id: c.newMemberID()}
		g.members[m.id] = m
		g.order = append(g.order, m.id)
	}
	g.protocolType = q.ProtocolType
	if q.InstanceID != nil {
		m.instanceID, m.hasInstanceID = *q.InstanceID, true
	} else {
		m.instanceID, m.hasInstanceID = "", false
	}
	m.clientID, m.clientHost = clientID, clientHost
	m.sessionTimeout = time.Duration(q.SessionTimeoutMillis) * time.Millisecond
	m.rebalanceTimeout = time.Duration(q.RebalanceTimeoutMillis) * time.Millisecond
	if m.rebalanceTimeout <= 0 {
		m.rebalanceTimeout = m.sessionTimeout
	}
	m.protocols = q.Protocols
	m.lastSeen = time.Now()
	if m.joinCh != nil {
		// The same member joined again (a retry on another connection):
		// the newer request waits, the older one is told to retry.
		m.joinCh <- &kmsg.JoinGroupResponse{ErrorCode: protocol.ErrRebalanceInProgress, Generation: -1, MemberID: m.id}
	}
	m.joinCh = make(chan *kmsg.JoinGroupResponse, 1)
	ch := m.joinCh
	if g.state != groupPreparing {
		c.startRebalance(g)
	}
	c.maybeCompleteJoin(g)
	c.mu.Unlock()

	select {
	case resp := <-ch:
		return joinResponse(q.Version, resp)
	case <-c.s.ctx.Done():
		return fail(protocol.ErrNotCoordinator)
	}
}

// joinResponse sets the version and the fields the coordinator does not
// track per member.
func joinResponse(version int16, r *kmsg.JoinGroupResponse) *kmsg.JoinGroupResponse {
	r.Version = version
	if r.Protocol == nil && version < 7 {
		r.Protocol = strp("") // nullable only from v7 on
	}
	return r
}

func sharesProtocol(g *group, ps []kmsg.JoinGroupRequestProtocol) bool {
	for _, p := range ps {
		ok := true
		for _, m := range g.members {
			if !hasProtocol(m.protocols, p.Name) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

func hasProtocol(ps []kmsg.JoinGroupRequestProtocol, name string) bool {
	for _, p := range ps {
		if p.Name == name {
			return true
		}
	}
	return false
}

// startRebalance moves the group to PreparingRebalance: pending SyncGroups
// are told REBALANCE_IN_PROGRESS, heartbeats start saying so too, and the
// round is forced to complete after the largest rebalance timeout.
func (c *coordinator) startRebalance(g *group) {
	g.state = groupPreparing
	g.assignments = nil
	var timeout time.Duration
	for _, m := range g.members {
		if m.syncCh != nil {
			m.syncCh <- &kmsg.SyncGroupResponse{ErrorCode: protocol.ErrRebalanceInProgress}
			m.syncCh = nil
		}
		if m.rebalanceTimeout > timeout {
			timeout = m.rebalanceTimeout
		}
	}
	if g.timer != nil {
		g.timer.Stop()
	}
	g.timer = time.AfterFunc(timeout, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if g.state == groupPreparing && c.groups[g.name] == g {
			c.completeJoin(g)
		}
	})
}

func (c *coordinator) maybeCompleteJoin(g *group) {
	if g.state != groupPreparing {
		return
	}
	for _, m := range g.members {
		if m.joinCh == nil {
			return
		}
	}
	c.completeJoin(g)
}

// completeJoin ends a join round: members that did not rejoin are evicted,
// the generation advances, and every waiting member gets its answer (the
// leader also gets everyone's metadata).
func (c *coordinator) completeJoin(g *group) {
	if g.timer != nil {
		g.timer.Stop()
		g.timer = nil
	}
	for _, id := range append([]string(nil), g.order...) {
		if g.members[id].joinCh == nil {
			c.s.cfg.Logf("kseg serve: group %s: member %s did not rejoin in time", g.name, id)
			c.dropMember(g, id)
		}
	}
	g.generation++
	if len(g.members) == 0 {
		g.state = groupEmpty
		g.leader, g.protocol = "", ""
		return
	}
	g.leader = g.order[0]
	g.protocol = ""
	for _, p := range g.members[g.leader].protocols {
		all := true
		for _, m := range g.members {
			all = all && hasProtocol(m.protocols, p.Name)
		}
		if all {
			g.protocol = p.Name
			break
		}
	}
	g.state = groupCompleting
	for _, id := range g.order {
		m := g.members[id]
		resp := &kmsg.JoinGroupResponse{
			Generation: g.generation, Protocol: strp(g.protocol), ProtocolType: strp(g.protocolType), LeaderID: g.leader, MemberID: id,
		}
		if g.protocol == "" {
			resp.ErrorCode = protocol.ErrInconsistentGroupProtocol
		}
		if id == g.leader {
			for _, oid := range g.order {
				om := g.members[oid]
				var md []byte
				for _, p := range om.protocols {
					if p.Name == g.protocol {
						md = p.Metadata
					}
				}
				jm := kmsg.JoinGroupResponseMember{MemberID: oid, ProtocolMetadata: md}
				if om.hasInstanceID {
					jm.InstanceID = strp(om.instanceID)
				}
				resp.Members = append(resp.Members, jm)
			}
		}
		m.joinCh <- resp
		m.joinCh = nil
		m.lastSeen = time.Now()
	}
}

// dropMember forgets a member without starting a rebalance.
func (c *coordinator) dropMember(g *group, id string) {
	m := g.members[id]
	if m == nil {
		return
	}
	if m.joinCh != nil {
		m.joinCh <- &kmsg.JoinGroupResponse{ErrorCode: protocol.ErrUnknownMemberID, Generation: -1, MemberID: id}
	}
	if m.syncCh != nil {
		m.syncCh <- &kmsg.SyncGroupResponse{ErrorCode: protocol.ErrUnknownMemberID}
	}
	delete(g.members, id)
	for i, o := range g.order {
		if o == id {
			g.order = append(g.order[:i], g.order[i+1:]...)
			break
		}
	}
}

// removeMember handles a leave or an expiry: the rest of the group
// rebalances.
func (c *coordinator) removeMember(g *group, id string) {
	c.dropMember(g, id)
	if len(g.members) == 0 {
		if g.timer != nil {
			g.timer.Stop()
			g.timer = nil
		}
		g.state = groupEmpty
		g.generation++
		g.leader, g.protocol, g.assignments = "", "", nil
		return
	}
	if g.state != groupPreparing {
		c.startRebalance(g)
	}
	c.maybeCompleteJoin(g)
}

func (c *coordinator) sync(q *kmsg.SyncGroupRequest) *kmsg.SyncGroupResponse {
	resp := c.syncWait(q)
	resp.Version = q.Version
	return resp
}

func (c *coordinator) syncWait(q *kmsg.SyncGroupRequest) *kmsg.SyncGroupResponse {
	c.mu.Lock()
	g := c.group(q.Group, false)
	var m *member
	if g != nil {
		m = g.members[q.MemberID]
	}
	ok := func(a []byte) *kmsg.SyncGroupResponse {
		return &kmsg.SyncGroupResponse{MemberAssignment: a, ProtocolType: strp(g.protocolType), Protocol: strp(g.protocol)}
	}
	switch {
	case m == nil:
		c.mu.Unlock()
		return &kmsg.SyncGroupResponse{ErrorCode: protocol.ErrUnknownMemberID}
	case q.Generation != g.generation:
		c.mu.Unlock()
		return &kmsg.SyncGroupResponse{ErrorCode: protocol.ErrIllegalGeneration}
	case g.state == groupPreparing:
		c.mu.Unlock()
		return &kmsg.SyncGroupResponse{ErrorCode: protocol.ErrRebalanceInProgress}
	case g.state == groupStable:
		a := g.assignments[m.id]
		m.lastSeen = time.Now()
		r := ok(a)
		c.mu.Unlock()
		return r
	}
	m.lastSeen = time.Now()
	if m.id == g.leader {
		g.assignments = make(map[string][]byte, len(q.GroupAssignment))
		for _, a := range q.GroupAssignment {
			if _, ok := g.members[a.MemberID]; ok {
				g.assignments[a.MemberID] = append([]byte(nil), a.MemberAssignment...)
			}
		}
		g.state = groupStable
		for id, om := range g.members {
			if om.syncCh != nil {
				om.syncCh <- ok(g.assignments[id])
				om.syncCh = nil
			}
		}
		r := ok(g.assignments[m.id])
		c.mu.Unlock()
		return r
	}
	if m.syncCh == nil {
		m.syncCh = make(chan *kmsg.SyncGroupResponse, 1)
	}
	ch := m.syncCh
	timeout := m.sessionTimeout
	c.mu.Unlock()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case resp := <-ch:
		return resp
	case <-t.C:
		// The leader never synced: start over.
		c.mu.Lock()
		defer c.mu.Unlock()
		select {
		case resp := <-ch:
			return resp
		default:
		}
		if m.syncCh == ch {
			m.syncCh = nil
		}
		if g.state == groupCompleting && c.groups[g.name] == g {
			c.startRebalance(g)
		}
		return &kmsg.SyncGroupResponse{ErrorCode: protocol.ErrRebalanceInProgress}
	case <-c.s.ctx.Done():
		return &kmsg.SyncGroupResponse{ErrorCode: protocol.ErrNotCoordinator}
	}
}

func (c *coordinator) heartbeat(q *kmsg.HeartbeatRequest) *kmsg.HeartbeatResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	resp := q.ResponseKind().(*kmsg.HeartbeatResponse)
	g := c.group(q.Group, false)
	if g == nil || g.members[q.MemberID] == nil {
		resp.ErrorCode = protocol.ErrUnknownMemberID
		return resp
	}
	g.members[q.MemberID].lastSeen = time.Now()
	switch {
	case g.state == groupPreparing:
		resp.ErrorCode = protocol.ErrRebalanceInProgress
	case q.Generation != g.generation:
		resp.ErrorCode = protocol.ErrIllegalGeneration
	}
	return resp
}

func (c *coordinator) leave(q *kmsg.LeaveGroupRequest) *kmsg.LeaveGroupResponse {
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(q.Group, false)
	resp := q.ResponseKind().(*kmsg.LeaveGroupResponse)
	members := q.Members
	if q.Version < 3 {
		members = []kmsg.LeaveGroupRequestMember{{MemberID: q.MemberID}}
	}
	for _, lm := range members {
		r := kmsg.LeaveGroupResponseMember{MemberID: lm.MemberID, InstanceID: lm.InstanceID}
		if g == nil || g.members[lm.MemberID] == nil {
			r.ErrorCode = protocol.ErrUnknownMemberID
		} else {
			c.removeMember(g, lm.MemberID)
		}
		resp.Members = append(resp.Members, r)
	}
	if q.Version < 3 && len(resp.Members) == 1 {
		resp.ErrorCode = resp.Members[0].ErrorCode
	}
	return resp
}

func (c *coordinator) commit(q *kmsg.OffsetCommitRequest) *kmsg.OffsetCommitResponse {
	code := protocol.ErrNone
	c.mu.Lock()
	defer c.mu.Unlock()
	g := c.group(q.Group, false)
	generation := q.Generation
	if q.Version == 0 {
		generation = -1 // v0 commits outside any generation
	}
	switch {
	case q.Group == "":
		code = protocol.ErrInvalidGroupID
	case generation < 0:
		// A "simple" commit outside any generation (kcat without -G,
		// manual assignment): accepted as Kafka does for an empty group.
	case g == nil || g.members[q.MemberID] == nil:
		code = protocol.ErrUnknownMemberID
	case g.state == groupPreparing:
		code = protocol.ErrRebalanceInProgress
	case generation != g.generation:
		code = protocol.ErrIllegalGeneration
	}
	if code == protocol.ErrNone {
		if _, ok := c.offsets[q.Group]; !ok && len(c.offsets) >= maxGroups {
			code = protocol.ErrCoordinatorNotAvailable
		}
	}
	if g != nil && g.members[q.MemberID] != nil {
		g.members[q.MemberID].lastSeen = time.Now()
	}
	resp := q.ResponseKind().(*kmsg.OffsetCommitResponse)
	for _, t := range q.Topics {
		tr := kmsg.OffsetCommitResponseTopic{Topic: t.Topic}
		for _, p := range t.Partitions {
			pc := code
			md := ""
			if p.Metadata != nil {
				md = *p.Metadata
			}
			if pc == protocol.ErrNone && len(md) > maxOffsetMetadata {
				pc = errOffsetMetadataTooL
			}
			if pc == protocol.ErrNone {
				// Commits are only kept for partitions that exist, which
				// also bounds memory.
				_, pc = c.s.partition(t.Topic, p.Partition)
			}
			if pc == protocol.ErrNone {
				m := c.offsets[q.Group]
				if m == nil {
					m = make(map[tp]committed)
					c.offsets[q.Group] = m
				}
				epoch := p.LeaderEpoch
				if q.Version < 6 {
					epoch = -1
				}
				m[tp{t.Topic, p.Partition}] = committed{Offset: p.Offset, LeaderEpoch: epoch, Metadata: md}
				c.dirty = true
			}
			tr.Partitions = append(tr.Partitions, kmsg.OffsetCommitResponseTopicPartition{Partition: p.Partition, ErrorCode: pc})
		}
		resp.Topics = append(resp.Topics, tr)
	}
	return resp
}

// offsetFetchPart is one committed offset as OffsetFetch reports it.
type offsetFetchPart struct {
	Partition   int32
	Offset      int64
	LeaderEpoch int32
	Metadata    string
	found       bool
}

// fetchOffsets answers OffsetFetch: v0–7 name one group, v8+ a list.
func (c *coordinator) fetchOffsets(q *kmsg.OffsetFetchRequest) *kmsg.OffsetFetchResponse {
	resp := q.ResponseKind().(*kmsg.OffsetFetchResponse)
	if q.Version < 8 {
		var topics map[string][]int32
		var order []string
		if q.Topics != nil {
			topics = map[string][]int32{}
			for _, t := range q.Topics {
				if _, ok := topics[t.Topic]; !ok {
					order = append(order, t.Topic)
				}
				topics[t.Topic] = append(topics[t.Topic], t.Partitions...)
			}
		}
		for _, t := range c.groupOffsets(q.Group, topics, order) {
			rt := kmsg.OffsetFetchResponseTopic{Topic: t.name}
			for _, p := range t.parts {
				rp := kmsg.NewOffsetFetchResponseTopicPartition()
				rp.Partition, rp.Offset, rp.LeaderEpoch, rp.Metadata = p.Partition, p.Offset, p.LeaderEpoch, strp(p.Metadata)
				rt.Partitions = append(rt.Partitions, rp)
			}
			resp.Topics = append(resp.Topics, rt)
		}
		return resp
	}
	for _, g := range q.Groups {
		var topics map[string][]int32
		var order []string
		if g.Topics != nil {
			topics = map[string][]int32{}
			for _, t := range g.Topics {
				if _, ok := topics[t.Topic]; !ok {
					order = append(order, t.Topic)
				}
				topics[t.Topic] = append(topics[t.Topic], t.Partitions...)
			}
		}
		rg := kmsg.OffsetFetchResponseGroup{Group: g.Group}
		for _, t := range c.groupOffsets(g.Group, topics, order) {
			rt := kmsg.OffsetFetchResponseGroupTopic{Topic: t.name}
			for _, p := range t.parts {
				rp := kmsg.NewOffsetFetchResponseGroupTopicPartition()
				rp.Partition, rp.Offset, rp.LeaderEpoch, rp.Metadata = p.Partition, p.Offset, p.LeaderEpoch, strp(p.Metadata)
				rt.Partitions = append(rt.Partitions, rp)
			}
			rg.Topics = append(rg.Topics, rt)
		}
		resp.Groups = append(resp.Groups, rg)
	}
	return resp
}

type offsetFetchTopic struct {
	name  string
	parts []offsetFetchPart
}

// groupOffsets returns the committed offsets of group: for the named topics
// and partitions (-1 where none), or all of them when topics is nil.
// Offsets committed against this server win over those the log dir's own
// __consumer_offsets held (see offlineOffsets).
func (c *coordinator) groupOffsets(group string, topics map[string][]int32, order []string) []offsetFetchTopic {
	c.mu.Lock()
	m := c.offsets[group]
	all := map[tp]committed{}
	for k, v := range c.s.offlineOffsets(group) {
		all[k] = v
	}
	for k, v := range m {
		all[k] = v
	}
	c.mu.Unlock()
	var out []offsetFetchTopic
	if topics == nil {
		byTopic := map[string][]offsetFetchPart{}
		var names []string
		for k, v := range all {
			if _, ok := byTopic[k.Topic]; !ok {
				names = append(names, k.Topic)
			}
			byTopic[k.Topic] = append(byTopic[k.Topic], offsetFetchPart{Partition: k.Partition, Offset: v.Offset, LeaderEpoch: v.LeaderEpoch, Metadata: v.Metadata, found: true})
		}
		sort.Strings(names)
		for _, n := range names {
			ps := byTopic[n]
			sort.Slice(ps, func(i, j int) bool { return ps[i].Partition < ps[j].Partition })
			out = append(out, offsetFetchTopic{n, ps})
		}
		return out
	}
	for _, name := range order {
		t := offsetFetchTopic{name: name}
		for _, p := range topics[name] {
			fp := offsetFetchPart{Partition: p, Offset: -1, LeaderEpoch: -1}
			if v, ok := all[tp{name, p}]; ok {
				fp.Offset, fp.LeaderEpoch, fp.Metadata, fp.found = v.Offset, v.LeaderEpoch, v.Metadata, true
			}
			t.parts = append(t.parts, fp)
		}
		out = append(out, t)
	}
	return out
}

// groupStateNames are Kafka's ClassicGroupState names.
var groupStateNames = map[int]string{
	groupEmpty:      "Empty",
	groupPreparing:  "PreparingRebalance",
	groupCompleting: "CompletingRebalance",
	groupStable:     "Stable",
}

// summaries describes the groups created against this server (classic
// groups) for ListGroups and DescribeGroups, and the groups that only
// committed offsets here (Kafka lists those as Empty groups with no
// protocol type).
func (c *coordinator) summaries() map[string]groupSummary {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]groupSummary, len(c.groups)+len(c.offsets))
	for id := range c.offsets {
		out[id] = groupSummary{id: id, state: "Empty", typ: "classic"}
	}
	for id, g := range c.groups {
		sum := groupSummary{id: id, protocolType: g.protocolType, state: groupStateNames[g.state], typ: "classic"}
		if g.state == groupStable {
			sum.protocol = g.protocol
		}
		for _, mid := range g.order {
			m := g.members[mid]
			dm := kmsg.NewDescribeGroupsResponseGroupMember()
			dm.MemberID, dm.ClientID, dm.ClientHost = mid, m.clientID, m.clientHost
			if m.hasInstanceID {
				dm.InstanceID = strp(m.instanceID)
			}
			for _, p := range m.protocols {
				if p.Name == g.protocol {
					dm.ProtocolMetadata = p.Metadata
				}
			}
			if g.state == groupStable {
				dm.MemberAssignment = g.assignments[mid]
			}
			sum.members = append(sum.members, dm)
		}
		out[id] = sum
	}
	return out
}
