package dump

import (
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kseg/kseg/internal/kbin"
	"github.com/kseg/kseg/metadata"
)

func int32List(v []int32) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.Itoa(int(x))
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func uuidList(v []kbin.UUID) string {
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = x.String()
	}
	return "[" + strings.Join(parts, ",") + "]"
}

func msTime(ms int64) string {
	if ms < 0 {
		return "-"
	}
	return time.UnixMilli(ms).UTC().Format("2006-01-02T15:04:05.000Z")
}

// WriteImageText renders a metadata image as tables: a summary, brokers,
// controllers/voters, features, topics (one row per partition), configs.
func WriteImageText(w io.Writer, res *metadata.Result) error {
	im := res.Image
	snap := "none"
	if im.Snapshot != "" {
		snap = im.Snapshot
	}
	fmt.Fprintf(w, "KRaft metadata image of %s at offset %d (%s), epoch %d; snapshot %s; %d records replayed\n",
		res.Dir, im.Offset, msTime(im.Timestamp), im.Epoch, snap, im.Records)
	leader := "unknown (no LeaderChange replayed)"
	if im.LeaderID >= 0 {
		leader = fmt.Sprintf("%d (epoch %d)", im.LeaderID, im.LeaderEpoch)
	}
	fmt.Fprintf(w, "leader: %s  kraft.version: %d  ACLs: %d  client-quota entities: %d  SCRAM credentials: %d  delegation tokens: %d\n",
		leader, im.KRaftVersion, im.ACLCount(), im.QuotaEntityCount(), im.ScramCredentialCount(), im.DelegationTokenCount())
	if p := im.ProducerIDs; p != nil {
		fmt.Fprintf(w, "producer-id block: next %d (broker %d, epoch %d)\n", p.NextProducerID, p.BrokerID, p.BrokerEpoch)
	}
	var rows [][]string
	for _, f := range sortedKeys(im.Features) {
		rows = append(rows, []string{f, strconv.Itoa(int(im.Features[f]))})
	}
	fmt.Fprintln(w, "\nFeatures")
	if err := WriteTable(w, []string{"feature", "level"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, id := range sortedIDs(im.Brokers) {
		b := im.Brokers[id]
		rack := ""
		if b.Rack != nil {
			rack = *b.Rack
		}
		rows = append(rows, []string{strconv.Itoa(int(id)), strconv.FormatInt(b.Epoch, 10), strconv.FormatBool(b.Fenced),
			strconv.FormatBool(b.InControlledShutdown), rack, endpointList(b.Endpoints), uuidList(b.LogDirs)})
	}
	fmt.Fprintln(w, "\nBrokers")
	if err := WriteTable(w, []string{"id", "epoch", "fenced", "controlled shutdown", "rack", "endpoints", "log dirs"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, id := range sortedIDs(im.Controllers) {
		c := im.Controllers[id]
		rows = append(rows, []string{"controller", strconv.Itoa(int(id)), endpointList(c.Endpoints)})
	}
	for _, v := range im.Voters {
		rows = append(rows, []string{"voter", strconv.Itoa(int(v.ID)), endpointList(v.Endpoints)})
	}
	fmt.Fprintln(w, "\nControllers and voters")
	if err := WriteTable(w, []string{"role", "id", "endpoints"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, name := range im.TopicNames() {
		t := im.Topics[name]
		for _, pid := range t.PartitionIDs() {
			p := t.Partitions[pid]
			elr := ""
			if p.ELR != nil || p.LastKnownELR != nil {
				elr = int32List(p.ELR) + " / " + int32List(p.LastKnownELR)
			}
			rows = append(rows, []string{name, t.ID.String(), strconv.Itoa(int(pid)), int32List(p.Replicas), int32List(p.ISR),
				strconv.Itoa(int(p.Leader)), strconv.Itoa(int(p.LeaderEpoch)), strconv.Itoa(int(p.PartitionEpoch)), uuidList(p.Directories), elr})
		}
		if len(t.Partitions) == 0 {
			rows = append(rows, []string{name, t.ID.String(), "-", "", "", "", "", "", "", ""})
		}
	}
	fmt.Fprintln(w, "\nTopics")
	if err := WriteTable(w, []string{"topic", "id", "partition", "replicas", "isr", "leader", "leader epoch", "partition epoch", "directories", "elr / last known elr"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, r := range sortedResources(im.Configs) {
		for _, k := range sortedKeys(im.Configs[r]) {
			name := r.Name
			if name == "" {
				name = "<default>" // the cluster-wide default (ConfigResource with an empty name)
			}
			rows = append(rows, []string{metadata.ConfigResourceTypeName(r.Type), name, k, im.Configs[r][k]})
		}
	}
	fmt.Fprintln(w, "\nConfigs")
	return WriteTable(w, []string{"resource type", "resource", "key", "value"}, rows)
}

func endpointList(eps []metadata.Endpoint) string {
	parts := make([]string, len(eps))
	for i, e := range eps {
		parts[i] = fmt.Sprintf("%s://%s:%d", e.Name, e.Host, e.Port)
	}
	return strings.Join(parts, ",")
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedIDs[V any](m map[int32]V) []int32 {
	out := make([]int32, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sortedResources(m map[metadata.ConfigResource]map[string]string) []metadata.ConfigResource {
	out := make([]metadata.ConfigResource, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Type != out[j].Type {
			return out[i].Type < out[j].Type
		}
		return out[i].Name < out[j].Name
	})
	return out
}

type jsonEndpoint struct {
	Name             string `json:"name"`
	Host             string `json:"host"`
	Port             int32  `json:"port"`
	SecurityProtocol int16  `json:"securityProtocol"`
}

func jsonEndpoints(eps []metadata.Endpoint) []jsonEndpoint {
	out := make([]jsonEndpoint, len(eps))
	for i, e := range eps {
		out[i] = jsonEndpoint{e.Name, e.Host, e.Port, e.SecurityProtocol}
	}
	return out
}

func uuidStrs(v []kbin.UUID) []string {
	if v == nil {
		return nil
	}
	out := make([]string, len(v))
	for i, x := range v {
		out[i] = x.String()
	}
	return out
}

// WriteImageJSON writes the image as one JSON object (keys sorted by
// encoding/json for maps; arrays in id order).
func WriteImageJSON(w io.Writer, res *metadata.Result) error {
	im := res.Image
	type partition struct {
		Partition           int32    `json:"partition"`
		Replicas            []int32  `json:"replicas"`
		ISR                 []int32  `json:"isr"`
		RemovingReplicas    []int32  `json:"removingReplicas"`
		AddingReplicas      []int32  `json:"addingReplicas"`
		Leader              int32    `json:"leader"`
		LeaderRecoveryState int8     `json:"leaderRecoveryState"`
		LeaderEpoch         int32    `json:"leaderEpoch"`
		PartitionEpoch      int32    `json:"partitionEpoch"`
		Directories         []string `json:"directories,omitempty"`
		ELR                 []int32  `json:"eligibleLeaderReplicas,omitempty"`
		LastKnownELR        []int32  `json:"lastKnownElr,omitempty"`
	}
	type topic struct {
		Name       string      `json:"name"`
		ID         string      `json:"topicId"`
		Partitions []partition `json:"partitions"`
	}
	type broker struct {
		ID                   int32          `json:"brokerId"`
		Epoch                int64          `json:"brokerEpoch"`
		IncarnationID        string         `json:"incarnationId"`
		Fenced               bool           `json:"fenced"`
		InControlledShutdown bool           `json:"inControlledShutdown"`
		Rack                 *string        `json:"rack"`
		Endpoints            []jsonEndpoint `json:"endPoints"`
		LogDirs              []string       `json:"logDirs,omitempty"`
	}
	type node struct {
		ID          int32          `json:"id"`
		DirectoryID string         `json:"directoryId,omitempty"`
		Endpoints   []jsonEndpoint `json:"endPoints"`
	}
	type config struct {
		ResourceType string            `json:"resourceType"`
		ResourceName string            `json:"resourceName"`
		Configs      map[string]string `json:"configs"`
	}
	out := struct {
		Type         string                `json:"type"`
		Dir          string                `json:"dir"`
		Offset       int64                 `json:"offset"`
		Timestamp    int64                 `json:"timestamp"`
		Epoch        int32                 `json:"epoch"`
		Snapshot     string                `json:"snapshot"`
		Records      int64                 `json:"records"`
		LeaderID     int32                 `json:"leaderId"`
		LeaderEpoch  int32                 `json:"leaderEpoch"`
		KRaftVersion int16                 `json:"kraftVersion"`
		Features     map[string]int16      `json:"features"`
		Brokers      []broker              `json:"brokers"`
		Controllers  []node                `json:"controllers"`
		Voters       []node                `json:"voters"`
		Topics       []topic               `json:"topics"`
		Configs      []config              `json:"configs"`
		ProducerIDs  *metadata.ProducerIDs `json:"producerIds"`
		ACLs         int                   `json:"acls"`
		Quotas       int                   `json:"clientQuotaEntities"`
		Scram        int                   `json:"scramCredentials"`
		Tokens       int                   `json:"delegationTokens"`
	}{Type: "metadata-image", Dir: res.Dir, Offset: im.Offset, Timestamp: im.Timestamp, Epoch: im.Epoch, Snapshot: im.Snapshot,
		Records: im.Records, LeaderID: im.LeaderID, LeaderEpoch: im.LeaderEpoch, KRaftVersion: im.KRaftVersion, Features: im.Features,
		ProducerIDs: im.ProducerIDs, ACLs: im.ACLCount(), Quotas: im.QuotaEntityCount(), Scram: im.ScramCredentialCount(), Tokens: im.DelegationTokenCount(),
		Brokers: []broker{}, Controllers: []node{}, Voters: []node{}, Topics: []topic{}, Configs: []config{}}
	for _, id := range sortedIDs(im.Brokers) {
		b := im.Brokers[id]
		out.Brokers = append(out.Brokers, broker{id, b.Epoch, b.IncarnationID.String(), b.Fenced, b.InControlledShutdown, b.Rack, jsonEndpoints(b.Endpoints), uuidStrs(b.LogDirs)})
	}
	for _, id := range sortedIDs(im.Controllers) {
		out.Controllers = append(out.Controllers, node{ID: id, Endpoints: jsonEndpoints(im.Controllers[id].Endpoints)})
	}
	for _, v := range im.Voters {
		n := node{ID: v.ID, Endpoints: jsonEndpoints(v.Endpoints)}
		if !v.DirectoryID.IsZero() {
			n.DirectoryID = v.DirectoryID.String()
		}
		out.Voters = append(out.Voters, n)
	}
	for _, name := range im.TopicNames() {
		t := im.Topics[name]
		jt := topic{Name: name, ID: t.ID.String(), Partitions: []partition{}}
		for _, pid := range t.PartitionIDs() {
			p := t.Partitions[pid]
			jt.Partitions = append(jt.Partitions, partition{pid, nz(p.Replicas), nz(p.ISR), nz(p.RemovingReplicas), nz(p.AddingReplicas), p.Leader,
				p.LeaderRecoveryState, p.LeaderEpoch, p.PartitionEpoch, uuidStrs(p.Directories), p.ELR, p.LastKnownELR})
		}
		out.Topics = append(out.Topics, jt)
	}
	for _, r := range sortedResources(im.Configs) {
		out.Configs = append(out.Configs, config{metadata.ConfigResourceTypeName(r.Type), r.Name, im.Configs[r]})
	}
	b, err := json.Marshal(out)
	if err != nil {
		return err
	}
	_, err = w.Write(append(b, '\n'))
	return err
}

func nz(v []int32) []int32 {
	if v == nil {
		return []int32{}
	}
	return v
}

// WriteHistory writes history changes: text, one line per change, or NDJSON.
func WriteHistory(w io.Writer, changes []metadata.Change, asJSON bool) error {
	for _, c := range changes {
		if asJSON {
			b, err := json.Marshal(struct {
				Type      string `json:"type"`
				Offset    int64  `json:"offset"`
				Timestamp int64  `json:"timestamp"`
				Record    string `json:"record"`
				Subject   string `json:"subject"`
				Before    string `json:"before"`
				After     string `json:"after"`
				Diff      string `json:"diff,omitempty"`
			}{"change", c.Offset, c.Timestamp, c.Record, c.Subject, c.Before, c.After, c.Diff})
			if err != nil {
				return err
			}
			if _, err := w.Write(append(b, '\n')); err != nil {
				return err
			}
			continue
		}
		before := c.Before
		if before == "" {
			before = "(none)"
		}
		line := fmt.Sprintf("offset: %d time: %s %s %s: %s -> %s", c.Offset, msTime(c.Timestamp), c.Record, c.Subject, before, c.After)
		if c.Diff != "" {
			line = fmt.Sprintf("offset: %d time: %s %s %s: %s", c.Offset, msTime(c.Timestamp), c.Record, c.Subject, c.Diff)
		}
		if _, err := fmt.Fprintln(w, line); err != nil {
			return err
		}
	}
	return nil
}
