package verify

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/kseg/kseg/internal/kbin"
	"github.com/kseg/kseg/metadata"
	"github.com/kseg/kseg/segment"
	"github.com/kseg/kseg/state"
)

// Reasons of the KRaft checks (log dirs holding __cluster_metadata-0).
const (
	ReasonKRaftSnapshot        Reason = "kraft-snapshot-invalid"       // a .checkpoint that does not decode to its end with header and footer
	ReasonKRaftSnapshotOffset  Reason = "kraft-snapshot-offset"        // a snapshot's end offset or epoch disagrees with the log
	ReasonKRaftLogStart        Reason = "kraft-log-start"              // the log starts after 0 with no snapshot covering the gap
	ReasonKRaftRecord          Reason = "kraft-record-undecodable"     // a metadata record Kafka's MetadataRecordSerde would refuse
	ReasonTopicIDMismatch      Reason = "topic-id-mismatch"            // partition.metadata topic ID differs from the metadata image
	ReasonTopicNotInMetadata   Reason = "topic-not-in-metadata"        // a partition whose topic the image does not hold (a stray log)
	ReasonMetaPropertiesKRaft  Reason = "meta-properties-inconsistent" // node.id/directory.id/cluster.id disagree with the metadata
	ReasonQuorumState          Reason = "quorum-state-inconsistent"    // quorum-state behind the log's epochs, or unreadable
	ReasonPartitionDirectoryID Reason = "partition-directory-mismatch" // the image assigns this replica to another log directory
)

const metadataPartition = "__cluster_metadata-0"

// checkKRaft runs the KRaft checks for every log dir of the run that holds
// a metadata partition: snapshots, snapshot end offsets vs the log, topic
// IDs of the checked partitions, meta.properties and quorum-state.
func checkKRaft(targets []Target, opts Options, sum *Summary) error {
	byDir := map[string][]Target{}
	for _, t := range targets {
		d := filepath.Clean(t.LogDir)
		if t.LogDir == "" {
			d = filepath.Dir(filepath.Clean(t.Dir))
		}
		byDir[d] = append(byDir[d], t)
	}
	dirs := make([]string, 0, len(byDir))
	for d := range byDir {
		dirs = append(dirs, d)
	}
	sort.Strings(dirs)
	for _, d := range dirs {
		mdir := filepath.Join(d, metadataPartition)
		if fi, err := os.Stat(mdir); err != nil || !fi.IsDir() {
			continue
		}
		if err := checkKRaftDir(d, mdir, byDir[d], opts, sum); err != nil {
			return err
		}
	}
	return nil
}

type kraftReporter struct {
	opts Options
	sum  *Summary
	reps map[string]*dirReporter
}

func (k *kraftReporter) add(partition, path string, f Finding) {
	r := k.reps[path]
	if r == nil {
		r = &dirReporter{path: path, emit: k.opts.OnFinding, sum: k.sum, max: k.opts.MaxFindingsPerFile}
		k.reps[path] = r
	}
	f.Partition = partition
	r.add(f)
}

func (k *kraftReporter) finish() {
	paths := make([]string, 0, len(k.reps))
	for p := range k.reps {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		k.reps[p].finish()
	}
}

// logEpochs records, per leader epoch, the first offset of the metadata log
// and its end, from one walk of the segments.
type logEpochs struct {
	start, end int64 // first offset, next offset (-1, -1 when empty)
	firstOf    []epochStart
	lastEpoch  int32
}

type epochStart struct {
	epoch int32
	start int64
}

// epochAt is the leader epoch of the batch holding offset, or -1 when the
// log does not hold it.
func (l *logEpochs) epochAt(offset int64) int32 {
	if offset < l.start || offset >= l.end {
		return -1
	}
	e := int32(-1)
	for _, s := range l.firstOf {
		if s.start > offset {
			break
		}
		e = s.epoch
	}
	return e
}

func checkKRaftDir(logDir, mdir string, targets []Target, opts Options, sum *Summary) error {
	rep := &kraftReporter{opts: opts, sum: sum, reps: map[string]*dirReporter{}}
	defer rep.finish()
	// The metadata partition's own checks run when it is part of the run (a
	// log dir, or the partition named); a run over some data partitions
	// only gets their topic-ID checks against the image.
	whole := false
	for _, t := range targets {
		whole = whole || filepath.Clean(t.Dir) == filepath.Clean(mdir) && t.Bases == nil
	}
	files, err := metadata.FindFiles(mdir)
	if err != nil {
		if errors.Is(err, metadata.ErrNoMetadata) {
			return nil
		}
		return err
	}
	// One walk of the log: undecodable records and the epoch boundaries.
	le := &logEpochs{start: -1, end: -1, lastEpoch: -1}
	for _, seg := range files.Segments {
		st, err := metadata.WalkFile(seg, func(e *metadata.Entry) error {
			if le.start < 0 {
				le.start = e.Offset
			}
			le.end = e.Offset + 1
			if len(le.firstOf) == 0 || le.firstOf[len(le.firstOf)-1].epoch != e.LeaderEpoch {
				le.firstOf = append(le.firstOf, epochStart{e.LeaderEpoch, e.Offset})
			}
			le.lastEpoch = e.LeaderEpoch
			if whole && e.Record != nil && e.Record.Err != nil {
				rep.add(metadataPartition, seg, newFinding(ReasonKRaftRecord, SeverityError, -1, -1, e.Offset,
					fmt.Sprintf("%s: the controller and brokers fail replaying it (MetadataParseException)", e.Record.Err)))
			}
			return nil
		})
		if err != nil && st == nil {
			return err // I/O
		}
		// Structural corruption of the .log is reported by the partition
		// check; the KRaft checks use what decoded.
	}
	// Snapshots: header first, footer last, every record decodes, no bytes
	// after the last batch (raft/.../snapshot/RecordsSnapshotReader.java
	// requires the header and footer).
	if whole {
		checkKRaftFiles(rep, logDir, mdir, files, le)
	}
	// The image at the end of the log, for the cross-checks.
	res, err := metadata.LoadFiles(files, metadata.DefaultOptions())
	if err != nil && le.start == 0 {
		// A broken snapshot is reported above; the log alone still gives
		// the image when it starts at offset 0.
		o := metadata.DefaultOptions()
		o.NoSnapshot = true
		res, err = metadata.LoadFiles(files, o)
	}
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			return err
		}
		return nil // corruption: reported by the partition and snapshot checks
	}
	im := res.Image
	var mp *state.MetaProperties
	if whole {
		mp = checkMetaPropertiesKRaft(rep, logDir, im)
		checkQuorumState(rep, mdir, le, mp)
	} else {
		mp = readMetaProperties(logDir)
	}
	for _, t := range targets {
		checkTopicID(rep, t, im, mp)
	}
	return nil
}

func readMetaProperties(logDir string) *state.MetaProperties {
	b, err := os.ReadFile(filepath.Join(logDir, "meta.properties"))
	if err != nil {
		return nil
	}
	mp, _ := state.DecodeMetaProperties(b, "meta.properties")
	return mp
}

// checkKRaftFiles checks the snapshots and their agreement with the log.
func checkKRaftFiles(rep *kraftReporter, logDir, mdir string, files *metadata.Files, le *logEpochs) {
	snaps := append([]string{}, files.Snapshots...)
	if bs := filepath.Join(logDir, metadata.BootstrapFileName); fileExists(bs) {
		snaps = append(snaps, bs)
	}
	for _, s := range snaps {
		checkSnapshotFile(rep, s)
	}
	// Snapshot end offsets against the log (ReplicatedLog.validateOffsetAndEpoch):
	// a snapshot at end offset E with epoch P needs offset E-1 of the log, if
	// still held, to be in epoch P; and no snapshot may end beyond the log
	// unless the log was truncated to it.
	latestSnap := int64(-1)
	for _, s := range files.Snapshots {
		end, epoch, ok := metadata.ParseSnapshotName(filepath.Base(s))
		if !ok {
			continue
		}
		latestSnap = max(latestSnap, end)
		if le.end >= 0 && end > le.end {
			rep.add(metadataPartition, s, newFinding(ReasonKRaftSnapshotOffset, SeverityWarning, -1, -1, end,
				fmt.Sprintf("snapshot end offset %d is beyond the log end offset %d: at startup KafkaRaftClient truncates the log to the latest snapshot", end, le.end)))
			continue
		}
		if got := le.epochAt(end - 1); got >= 0 && got != epoch {
			rep.add(metadataPartition, s, newFinding(ReasonKRaftSnapshotOffset, SeverityError, -1, -1, end-1,
				fmt.Sprintf("snapshot epoch %d but the log's record at offset %d is in epoch %d: the snapshot does not belong to this log", epoch, end-1, got)))
		}
	}
	if le.start > 0 && latestSnap < le.start {
		rep.add(metadataPartition, filepath.Join(mdir, filepath.Base(files.Segments[0])), newFinding(ReasonKRaftLogStart, SeverityError, -1, -1, le.start,
			fmt.Sprintf("the log starts at offset %d but no snapshot ends at or after it (latest %d): offsets below %d are lost and the image cannot be rebuilt", le.start, latestSnap, le.start)))
	}
}

func fileExists(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

func checkSnapshotFile(rep *kraftReporter, path string) {
	var first, last *metadata.Entry
	undecoded := 0
	st, err := metadata.WalkFile(path, func(e *metadata.Entry) error {
		if first == nil {
			first = e
		}
		last = e
		if e.Record != nil && e.Record.Err != nil || e.Control != nil && e.Control.Err != nil {
			undecoded++
			if undecoded <= 3 {
				var derr error
				if e.Record != nil {
					derr = e.Record.Err
				} else {
					derr = e.Control.Err
				}
				rep.add(metadataPartition, path, newFinding(ReasonKRaftSnapshot, SeverityError, -1, -1, e.Offset,
					fmt.Sprintf("record does not decode: %v", derr)))
			}
		}
		return nil
	})
	if err != nil {
		pos := int64(-1)
		if st != nil {
			pos = st.ValidBytes
		}
		rep.add(metadataPartition, path, newFinding(ReasonKRaftSnapshot, SeverityError, pos, -1, -1,
			fmt.Sprintf("snapshot does not decode to its end: %v (Kafka refuses to load it)", err)))
		return
	}
	if first == nil || first.Control == nil || first.Control.Type != metadata.ControlSnapshotHeader {
		rep.add(metadataPartition, path, newFinding(ReasonKRaftSnapshot, SeverityError, 0, -1, -1,
			"the first record is not a SnapshotHeader control record"))
	}
	if last == nil || last.Control == nil || last.Control.Type != metadata.ControlSnapshotFooter {
		rep.add(metadataPartition, path, newFinding(ReasonKRaftSnapshot, SeverityError, -1, -1, -1,
			"the last record is not a SnapshotFooter control record: the snapshot is incomplete"))
	}
}

// checkMetaPropertiesKRaft compares meta.properties with the image: node.id
// must be a registered broker, controller or voter, and a broker's
// directory.id one of its registered log dirs (KIP-858).
func checkMetaPropertiesKRaft(rep *kraftReporter, logDir string, im *metadata.Image) *state.MetaProperties {
	path := filepath.Join(logDir, "meta.properties")
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	mp, err := state.DecodeMetaProperties(b, "meta.properties")
	if err != nil || mp.NodeID == nil {
		return mp
	}
	id := *mp.NodeID
	br := im.Brokers[id]
	_, isController := im.Controllers[id]
	isVoter := false
	for _, v := range im.Voters {
		isVoter = isVoter || v.ID == id
	}
	if br == nil && !isController && !isVoter && len(im.Brokers)+len(im.Controllers) > 0 {
		rep.add("", path, newFinding(ReasonMetaPropertiesKRaft, SeverityWarning, -1, -1, -1,
			fmt.Sprintf("node.id %d is neither a registered broker nor a controller or voter in the metadata log (brokers %v): this log dir may come from another node", id, brokerIDs(im))))
	}
	if br != nil && mp.DirectoryID != "" && len(br.LogDirs) > 0 {
		found := false
		for _, d := range br.LogDirs {
			found = found || d.String() == mp.DirectoryID
		}
		if !found {
			rep.add("", path, newFinding(ReasonMetaPropertiesKRaft, SeverityWarning, -1, -1, -1,
				fmt.Sprintf("directory.id %s is not among broker %d's registered log dirs %v", mp.DirectoryID, id, uuidStrings(br.LogDirs))))
		}
	}
	return mp
}

func brokerIDs(im *metadata.Image) []int32 {
	var out []int32
	for id := range im.Brokers {
		out = append(out, id)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func uuidStrings(u []kbin.UUID) []string {
	out := make([]string, len(u))
	for i, x := range u {
		out[i] = x.String()
	}
	return out
}

// checkQuorumState: the quorum's epoch never goes backwards, so quorum-state
// (written on every epoch change) must be at or above the log's last epoch,
// and a known leader must be a voter.
func checkQuorumState(rep *kraftReporter, mdir string, le *logEpochs, mp *state.MetaProperties) {
	path := filepath.Join(mdir, "quorum-state")
	if !fileExists(path) {
		return
	}
	q, err := metadata.ReadQuorumState(path)
	if err != nil {
		rep.add(metadataPartition, path, newFinding(ReasonQuorumState, SeverityError, -1, -1, -1,
			fmt.Sprintf("%v: the node fails to start (FileQuorumStateStore)", err)))
		return
	}
	if le.lastEpoch >= 0 && q.LeaderEpoch < le.lastEpoch {
		rep.add(metadataPartition, path, newFinding(ReasonQuorumState, SeverityError, -1, -1, -1,
			fmt.Sprintf("quorum-state leaderEpoch %d is below the log's last epoch %d: quorum-state is stale or from another node", q.LeaderEpoch, le.lastEpoch)))
	}
	// data_version 0 carries the cluster id (Kafka writes it once known;
	// often ""): it must be meta.properties' cluster.id.
	if q.ClusterID != "" && mp != nil && mp.ClusterID != "" && q.ClusterID != mp.ClusterID {
		rep.add(metadataPartition, path, newFinding(ReasonQuorumState, SeverityError, -1, -1, -1,
			fmt.Sprintf("quorum-state clusterId %s but meta.properties cluster.id %s: the metadata log belongs to another cluster", q.ClusterID, mp.ClusterID)))
	}
	if q.LeaderID >= 0 && len(q.CurrentVoters) > 0 {
		ok := false
		for _, v := range q.CurrentVoters {
			ok = ok || v.VoterID == q.LeaderID
		}
		if !ok {
			rep.add(metadataPartition, path, newFinding(ReasonQuorumState, SeverityWarning, -1, -1, -1,
				fmt.Sprintf("leaderId %d is not among currentVoters", q.LeaderID)))
		}
	}
}

// checkTopicID compares a data partition's partition.metadata topic ID with
// the image (Kafka: UnifiedLog.assignTopicId → InconsistentTopicIdException,
// the log dir goes offline).
func checkTopicID(rep *kraftReporter, t Target, im *metadata.Image, mp *state.MetaProperties) {
	name := filepath.Base(filepath.Clean(t.Dir))
	topic, part, kind, ok := segment.ParsePartitionDir(name)
	if !ok || kind != segment.DirPartition || topic == "__cluster_metadata" {
		return
	}
	tp := im.Topics[topic]
	if tp == nil {
		if len(im.Topics) > 0 {
			rep.add(name, filepath.Join(t.Dir, "partition.metadata"), newFinding(ReasonTopicNotInMetadata, SeverityWarning, -1, -1, -1,
				fmt.Sprintf("topic %s is not in the metadata image at offset %d: a stray log (deleted topic or another cluster); the broker deletes stray logs at startup", topic, im.Offset)))
		}
		return
	}
	path := filepath.Join(t.Dir, "partition.metadata")
	if b, err := os.ReadFile(path); err == nil {
		pm, err := state.DecodePartitionMetadata(b, "partition.metadata")
		if err == nil && pm.TopicID.String() != tp.ID.String() {
			rep.add(name, path, newFinding(ReasonTopicIDMismatch, SeverityError, -1, -1, -1,
				fmt.Sprintf("partition.metadata topic ID %s but the metadata image has %s for topic %s: the broker fails this log (InconsistentTopicIdException)",
					pm.TopicID, tp.ID, topic)))
		}
	}
	p := tp.Partitions[part]
	if p == nil {
		rep.add(name, path, newFinding(ReasonTopicNotInMetadata, SeverityWarning, -1, -1, -1,
			fmt.Sprintf("topic %s has no partition %d in the metadata image", topic, part)))
		return
	}
	if mp == nil || mp.NodeID == nil || mp.DirectoryID == "" || len(p.Directories) != len(p.Replicas) {
		return
	}
	for i, r := range p.Replicas {
		if r != *mp.NodeID {
			continue
		}
		d := p.Directories[i].String()
		// DirectoryId.UNASSIGNED/MIGRATING/LOST are reserved low values.
		if reserved(p.Directories[i]) || d == mp.DirectoryID {
			return
		}
		rep.add(name, path, newFinding(ReasonPartitionDirectoryID, SeverityWarning, -1, -1, -1,
			fmt.Sprintf("the metadata image assigns broker %d's replica to directory %s, but this log dir is %s", r, d, mp.DirectoryID)))
	}
}

// reserved reports DirectoryId's reserved ids (UNASSIGNED, LOST, MIGRATING:
// the first 100 values of the high word zero), server-common/.../DirectoryId.java.
func reserved(u kbin.UUID) bool {
	for _, b := range u[:15] {
		if b != 0 {
			return false
		}
	}
	return u[15] < 100
}
