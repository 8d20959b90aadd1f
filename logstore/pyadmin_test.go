package logstore_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/kseg/kseg/server"
)

// The tests in this file run two admin clients that share no code with kseg
// or franz-go against serve: Debian's python3-kafka (kafka-python 2.0.2, its
// own pure-Python protocol codec) and python3-confluent-kafka (1.7.0 over
// librdkafka 2.0.2). The Python binding 1.7.0 exposes fewer admin calls than
// the librdkafka it loads, so the rest of librdkafka's admin API
// (ListConsumerGroups, DescribeConsumerGroups, ListConsumerGroupOffsets,
// DeleteRecords) is called through ctypes. Each script prints one JSON
// object; every call's exception is recorded in place of its result so one
// failure does not hide the others.

const pyPython = "/usr/bin/python3"

// needPy skips (or, under CI=true, fails) when the Python modules or
// librdkafka symbols a script needs are missing.
func needPy(t *testing.T, check string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if out, err := exec.CommandContext(ctx, pyPython, "-c", check).CombinedOutput(); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s: %v\n%s(scripts/deps.sh installs python3-kafka and python3-confluent-kafka)", check, err, out)
		}
		t.Skipf("%s: %v", check, err)
	}
}

// runPy runs script with args and decodes the JSON object it prints.
func runPy(t *testing.T, script string, out any, args ...string) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "client.py")
	if err := os.WriteFile(f, []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, pyPython, append([]string{f}, args...)...)
	cmd.Stderr = &stderr
	b, err := cmd.Output()
	if err != nil {
		t.Fatalf("python %v: %v\n%s%s", args, err, b, stderr.Bytes())
	}
	var steps map[string]any
	if err := json.Unmarshal(b, &steps); err != nil {
		t.Fatalf("python %v printed %q: %v\n%s", args, b, err, stderr.Bytes())
	}
	for name, v := range steps {
		if m, ok := v.(map[string]any); ok && m["exception"] != nil {
			t.Errorf("python %v: %s: %v", args, name, m["exception"])
		}
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("python %v printed %q: %v\n%s", args, b, err, stderr.Bytes())
	}
	t.Logf("python %v: %s", args, bytes.TrimSpace(b))
}

// fileClusterID is cluster.id from the log dir's meta.properties.
func fileClusterID(t *testing.T, dir string) string {
	f, err := os.Open(filepath.Join(dir, "meta.properties"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "cluster.id="); ok {
			return v
		}
	}
	t.Fatal("meta.properties has no cluster.id")
	return ""
}

// filePartitions is topic → partition numbers of the log dir's partition
// directories (the KRaft metadata log is no topic to clients).
func filePartitions(t *testing.T, dir string) map[string][]int {
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]int{}
	for _, e := range ents {
		i := strings.LastIndexByte(e.Name(), '-')
		if !e.IsDir() || i < 0 || e.Name() == "__cluster_metadata-0" {
			continue
		}
		p, err := strconv.Atoi(e.Name()[i+1:])
		if err != nil {
			continue
		}
		out[e.Name()[:i]] = append(out[e.Name()[:i]], p)
	}
	for _, ps := range out {
		sort.Ints(ps)
	}
	return out
}

// fileLogBytes is the summed size of a partition directory's .log files
// (what DescribeLogDirs reports as its size: UnifiedLog.size).
func fileLogBytes(t *testing.T, dir, part string) int64 {
	ents, err := os.ReadDir(filepath.Join(dir, part))
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, e := range ents {
		if strings.HasSuffix(e.Name(), ".log") {
			fi, err := e.Info()
			if err != nil {
				t.Fatal(err)
			}
			n += fi.Size()
		}
	}
	return n
}

// pyExpectedGroups is what javaLogDir's __consumer_offsets holds:
// committed offsets per group, and the log end offsets (from the sample:
// orders-0 ends at 33, legacy-v1-0 at 12) the lag is measured against.
var (
	pyCommitted = map[string]map[string]int64{
		"g1":    {"orders-0": 10},
		"g2":    {"legacy-v1-0": 5},
		"cg848": {"orders-0": 20},
		"nope":  {},
	}
	pyLogEnd = map[string]int64{"orders-0": 33, "legacy-v1-0": 12}
)

const kafkaPythonScript = `
import json, sys
from kafka import KafkaAdminClient, KafkaConsumer
from kafka.admin import ConfigResource, ConfigResourceType, NewTopic
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Bytes, Int16, Int32, Int64, Schema, String

addr, mode = sys.argv[1], sys.argv[2]
out = {}
def step(name, f):
    try:
        out[name] = f()
    except Exception as e:
        out[name] = {"exception": "%s: %s" % (type(e).__name__, e)}

adm = KafkaAdminClient(bootstrap_servers=addr, client_id="kseg-kafka-python", request_timeout_ms=10000)
out["api_version"] = ".".join(map(str, adm.config["api_version"]))
if mode == "read":
    step("describe_cluster", adm.describe_cluster)
    step("list_topics", lambda: sorted(adm.list_topics()))
    def topics():
        r = {}
        for t in adm.describe_topics(["orders", "payments", "__consumer_offsets", "nope"]):
            r[t["topic"]] = {"error": t["error_code"], "internal": t["is_internal"],
                "partitions": sorted([p["partition"], p["leader"], p["replicas"], p["isr"]] for p in t["partitions"])}
        return r
    step("describe_topics", topics)
    def configs():
        r = {}
        res = [ConfigResource(ConfigResourceType.TOPIC, n) for n in ("orders", "payments", "__consumer_offsets", "nope")]
        for resp in adm.describe_configs(res):
            for err, msg, rtype, rname, entries in resp.resources:
                r[rname] = {"error": err, "configs": {e[0]: {"value": e[1], "read_only": e[2], "source": e[3]} for e in entries}}
        return r
    step("describe_configs", configs)
    def synonyms():
        r = {}
        res = [ConfigResource(ConfigResourceType.TOPIC, "payments", configs={"retention.ms": None, "segment.bytes": None, "segment.ms": None})]
        for resp in adm.describe_configs(res, include_synonyms=True):
            for err, msg, rtype, rname, entries in resp.resources:
                r.update({e[0]: [list(s) for s in e[5]] for e in entries})
        return r
    step("config_synonyms", synonyms)
    step("list_consumer_groups", lambda: sorted(list(g) for g in adm.list_consumer_groups()))
    def groups():
        r = {}
        for g in adm.describe_consumer_groups(["g1", "g2", "cg848", "nope"]):
            r[g.group] = {"error": g.error_code, "state": g.state, "protocol_type": g.protocol_type, "protocol": g.protocol,
                "members": sorted([m.member_id, m.client_id, m.client_host,
                    sorted("%s-%d" % (t, p) for t, ps in (m.member_assignment.assignment if m.member_assignment else []) for p in ps)]
                    for m in g.members)}
        return r
    step("describe_consumer_groups", groups)
    def offsets():
        # kafka-consumer-groups.sh --describe's lag: committed offset
        # against the partition's end offset (ListOffsets latest).
        cons = KafkaConsumer(bootstrap_servers=addr, enable_auto_commit=False, request_timeout_ms=11000)
        r = {}
        for g in ("g1", "g2", "cg848", "nope"):
            offs = adm.list_consumer_group_offsets(g)
            ends = cons.end_offsets(list(offs.keys())) if offs else {}
            r[g] = {"%s-%d" % (tp.topic, tp.partition): {"offset": om.offset, "lag": ends[tp] - om.offset} for tp, om in offs.items()}
        cons.close()
        return r
    step("list_consumer_group_offsets", offsets)

    # kafka-python 2.0.2 has no DescribeLogDirs: v1 of
    # clients/src/main/resources/common/message/DescribeLogDirs*.json,
    # spelled in kafka-python's own codec types and sent by its client.
    class DescribeLogDirsResponse_v1(Response):
        API_KEY = 35
        API_VERSION = 1
        SCHEMA = Schema(("throttle_time_ms", Int32), ("results", Array(("error_code", Int16), ("log_dir", String("utf-8")),
            ("topics", Array(("name", String("utf-8")), ("partitions", Array(("partition_index", Int32),
                ("partition_size", Int64), ("offset_lag", Int64), ("is_future_key", Boolean))))))))
    class DescribeLogDirsRequest_v1(Request):
        API_KEY = 35
        API_VERSION = 1
        RESPONSE_TYPE = DescribeLogDirsResponse_v1
        SCHEMA = Schema(("topics", Array(("topic", String("utf-8")), ("partitions", Array(Int32)))))
    def logdirs():
        f = adm._send_request_to_node(0, DescribeLogDirsRequest_v1(None))
        adm._wait_for_futures([f])
        return [{"error": d[0], "dir": d[1], "partitions": {"%s-%d" % (t[0], p[0]): [p[1], p[2], int(p[3])] for t in d[2] for p in t[1]}}
                for d in f.value.results]
    step("describe_log_dirs", logdirs)

    # describe_consumer_groups(include_authorized_operations=True) sends
    # DescribeGroups v3 but kafka-python 2.0.2 decodes the answer with the v2
    # schema (its DescribeGroupsRequest_v3.RESPONSE_TYPE), dropping the
    # operations, and its v3 response schema puts them outside the group:
    # ask again, decoding with DescribeGroupsResponse.json's v3 layout.
    from kafka.protocol.admin import DescribeGroupsRequest_v3
    class DescribeGroupsResponseV3(Response):
        API_KEY = 15
        API_VERSION = 3
        SCHEMA = Schema(("throttle_time_ms", Int32), ("groups", Array(("error_code", Int16), ("group", String("utf-8")),
            ("state", String("utf-8")), ("protocol_type", String("utf-8")), ("protocol", String("utf-8")),
            ("members", Array(("member_id", String("utf-8")), ("client_id", String("utf-8")), ("client_host", String("utf-8")),
                ("member_metadata", Bytes), ("member_assignment", Bytes))),
            ("authorized_operations", Int32))))
    class DescribeGroupsRequestV3(DescribeGroupsRequest_v3):
        RESPONSE_TYPE = DescribeGroupsResponseV3
    def authorized():
        r = {}
        for ask in (False, True):
            f = adm._send_request_to_node(0, DescribeGroupsRequestV3(groups=["g1", "cg848"], include_authorized_operations=ask))
            adm._wait_for_futures([f])
            r[str(ask).lower()] = {g[1]: g[6] for g in f.value.groups}
        return r
    step("group_authorized_operations", authorized)
else:
    def create(t):
        try:
            return {tt[0]: tt[1] for tt in adm.create_topics([t]).topic_errors}
        except Exception as e:
            return {t.name: getattr(e, "errno", type(e).__name__)}
    step("create_topics", lambda: dict(create(NewTopic("py-fresh", 2, 1)), **create(NewTopic("py-rf3", 1, 3))))
    step("create_again", lambda: create(NewTopic("py-fresh", 2, 1)))
    def after():
        other = KafkaAdminClient(bootstrap_servers=addr, client_id="kseg-kafka-python-2", request_timeout_ms=10000)
        r = {"listed": "py-fresh" in other.list_topics(),
             "partitions": sorted(p["partition"] for t in other.describe_topics(["py-fresh"]) for p in t["partitions"])}
        other.close()
        return r
    step("after_create", after)
adm.close()
print(json.dumps(out, sort_keys=True))
`

type pyKafkaPythonRead struct {
	APIVersion      string `json:"api_version"`
	DescribeCluster struct {
		Brokers []struct {
			NodeID int    `json:"node_id"`
			Host   string `json:"host"`
			Port   int    `json:"port"`
		} `json:"brokers"`
		ClusterID    string `json:"cluster_id"`
		ControllerID int    `json:"controller_id"`
	} `json:"describe_cluster"`
	ListTopics     []string `json:"list_topics"`
	DescribeTopics map[string]struct {
		Error      int     `json:"error"`
		Internal   bool    `json:"internal"`
		Partitions [][]any `json:"partitions"`
	} `json:"describe_topics"`
	DescribeConfigs map[string]struct {
		Error   int `json:"error"`
		Configs map[string]struct {
			Value    *string `json:"value"`
			ReadOnly bool    `json:"read_only"`
			Source   int     `json:"source"`
		} `json:"configs"`
	} `json:"describe_configs"`
	ConfigSynonyms         map[string][][]any `json:"config_synonyms"`
	ListConsumerGroups     [][2]string        `json:"list_consumer_groups"`
	DescribeConsumerGroups map[string]struct {
		Error        int     `json:"error"`
		State        string  `json:"state"`
		ProtocolType string  `json:"protocol_type"`
		Protocol     string  `json:"protocol"`
		Members      [][]any `json:"members"`
	} `json:"describe_consumer_groups"`
	Offsets map[string]map[string]struct {
		Offset int64 `json:"offset"`
		Lag    int64 `json:"lag"`
	} `json:"list_consumer_group_offsets"`
	GroupAuthorizedOperations map[string]map[string]int64 `json:"group_authorized_operations"`
	LogDirs                   []struct {
		Error      int                 `json:"error"`
		Dir        string              `json:"dir"`
		Partitions map[string][3]int64 `json:"partitions"`
	} `json:"describe_log_dirs"`
}

// portOf is addr's port.
func portOf(t *testing.T, addr string) int {
	p, err := strconv.Atoi(addr[strings.LastIndexByte(addr, ':')+1:])
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// TestKafkaPythonAdmin runs kafka-python's KafkaAdminClient (and its
// KafkaConsumer for end offsets) against a read-only serve of javaLogDir
// and checks every answer against the files.
func TestKafkaPythonAdmin(t *testing.T) {
	needPy(t, "import kafka.admin")
	dir, addr := javaServe(t)
	var got pyKafkaPythonRead
	runPy(t, kafkaPythonScript, &got, addr, "read")

	// kafka-python infers the broker's version from the ApiVersions it
	// gets; anything below 2.4 would mean an API it looks for is missing.
	if got.APIVersion != "2.4.0" && got.APIVersion != "2.5.0" && got.APIVersion != "2.6.0" {
		t.Errorf("kafka-python took the broker for Kafka %s", got.APIVersion)
	}
	dc := got.DescribeCluster
	if dc.ClusterID != fileClusterID(t, dir) || dc.ControllerID != 0 || len(dc.Brokers) != 1 ||
		dc.Brokers[0].NodeID != 0 || dc.Brokers[0].Host != "127.0.0.1" || dc.Brokers[0].Port != portOf(t, addr) {
		t.Errorf("describe_cluster: %+v", dc)
	}
	parts := filePartitions(t, dir)
	var topics []string
	for tp := range parts {
		topics = append(topics, tp)
	}
	sort.Strings(topics)
	if !reflect.DeepEqual(got.ListTopics, topics) {
		t.Errorf("list_topics %q, want the log dir's %q", got.ListTopics, topics)
	}
	for _, name := range []string{"orders", "payments", "__consumer_offsets"} {
		d := got.DescribeTopics[name]
		var want [][]any
		for _, p := range parts[name] {
			want = append(want, []any{float64(p), 0.0, []any{0.0}, []any{0.0}})
		}
		if d.Error != 0 || d.Internal != (name == "__consumer_offsets") || !reflect.DeepEqual(d.Partitions, want) {
			t.Errorf("describe_topics %s: %+v, want partitions %v led by node 0", name, d, want)
		}
	}
	if d := got.DescribeTopics["nope"]; d.Error != 3 { // UNKNOWN_TOPIC_OR_PARTITION
		t.Errorf("describe_topics nope: %+v", d)
	}

	// Configs: payments' retention.ms is the metadata log's ConfigRecord
	// (DYNAMIC_TOPIC_CONFIG = 1), the rest the defaults (DEFAULT_CONFIG = 5);
	// __consumer_offsets has the broker's own overrides.
	for _, c := range []struct {
		topic, key, value string
		source            int
	}{
		{"payments", "retention.ms", "3600000", 1},
		{"payments", "cleanup.policy", "delete", 5},
		{"orders", "retention.ms", "604800000", 5},
		{"orders", "segment.bytes", "1073741824", 5},
		{"__consumer_offsets", "cleanup.policy", "compact", 1},
	} {
		r := got.DescribeConfigs[c.topic]
		e, ok := r.Configs[c.key]
		if r.Error != 0 || !ok || e.Value == nil || *e.Value != c.value || e.Source != c.source || e.ReadOnly {
			t.Errorf("describe_configs %s %s: error %d, %+v; want %s from source %d", c.topic, c.key, r.Error, e, c.value, c.source)
		}
	}
	// Synonyms (ConfigHelper.createTopicConfigEntry): the topic's own
	// setting, then the broker config it defaults to, at that config's
	// default (ServerTopicConfigSynonyms); retention.ms and segment.ms
	// default to broker configs without a default value
	// (log.retention.ms, log.roll.ms), which configSynonyms drops.
	if want := map[string][][]any{
		"retention.ms":  {{"retention.ms", "3600000", 1.0}},
		"segment.bytes": {{"log.segment.bytes", "1073741824", 5.0}},
		"segment.ms":    {},
	}; !reflect.DeepEqual(got.ConfigSynonyms, want) {
		t.Errorf("describe_configs synonyms %v, want %v", got.ConfigSynonyms, want)
	}
	if r := got.DescribeConfigs["nope"]; r.Error != 3 {
		t.Errorf("describe_configs nope: %+v", r)
	}

	// Groups. ListGroups names the protocol type: "consumer" for the
	// classic group with members and for the KIP-848 group, "" for the
	// offsets-only group (a ClassicGroup created by an offset commit has
	// none).
	if want := [][2]string{{"cg848", "consumer"}, {"g1", "consumer"}, {"g2", ""}}; !reflect.DeepEqual(got.ListConsumerGroups, want) {
		t.Errorf("list_consumer_groups %q, want %q", got.ListConsumerGroups, want)
	}
	g1 := got.DescribeConsumerGroups["g1"]
	if g1.Error != 0 || g1.State != "Stable" || g1.ProtocolType != "consumer" || g1.Protocol != "range" ||
		!reflect.DeepEqual(g1.Members, [][]any{{"m-1", "client-1", "/10.0.0.1", []any{"orders-0"}}}) {
		t.Errorf("describe_consumer_groups g1: %+v", g1)
	}
	if g2 := got.DescribeConsumerGroups["g2"]; g2.Error != 0 || g2.State != "Empty" || len(g2.Members) != 0 {
		t.Errorf("describe_consumer_groups g2: %+v", g2)
	}
	// DescribeGroups describes only classic groups: a KIP-848 group, as an
	// unknown one, is Dead without an error
	// (GroupMetadataManager.describeGroups catches GroupIdNotFoundException);
	// kafka-python 2.0.2 has no ConsumerGroupDescribe.
	for _, id := range []string{"cg848", "nope"} {
		if g := got.DescribeConsumerGroups[id]; g.Error != 0 || g.State != "Dead" || len(g.Members) != 0 {
			t.Errorf("describe_consumer_groups %s: %+v", id, g)
		}
	}
	for g, offs := range pyCommitted {
		gotG := got.Offsets[g]
		if len(gotG) != len(offs) {
			t.Errorf("list_consumer_group_offsets %s: %+v, want %v", g, gotG, offs)
		}
		for p, o := range offs {
			if e := gotG[p]; e.Offset != o || e.Lag != pyLogEnd[p]-o {
				t.Errorf("%s %s: offset %d lag %d, want %d and %d", g, p, e.Offset, e.Lag, o, pyLogEnd[p]-o)
			}
		}
	}

	// Authorized operations (KIP-430): not asked, Int.MinValue; asked, what
	// a broker without an authorizer answers, all a group supports: READ,
	// DELETE, DESCRIBE (AclEntry.supportedOperations, Kafka 2.3–3.9), Dead
	// groups too (KafkaApis.handleDescribeGroupsRequest: every group without
	// an error).
	const groupOps = 1<<3 | 1<<6 | 1<<8
	if want := map[string]map[string]int64{"false": {"g1": -2147483648, "cg848": -2147483648}, "true": {"g1": groupOps, "cg848": groupOps}}; !reflect.DeepEqual(got.GroupAuthorizedOperations, want) {
		t.Errorf("DescribeGroups v3 authorized operations %v, want %v", got.GroupAuthorizedOperations, want)
	}

	abs, _ := filepath.Abs(dir)
	if len(got.LogDirs) != 1 || got.LogDirs[0].Error != 0 || got.LogDirs[0].Dir != abs {
		t.Fatalf("describe_log_dirs: %+v", got.LogDirs)
	}
	seen := 0
	for topic, ps := range parts {
		for _, p := range ps {
			part := topic + "-" + strconv.Itoa(p)
			seen++
			if d, ok := got.LogDirs[0].Partitions[part]; !ok || d != [3]int64{fileLogBytes(t, dir, part), 0, 0} {
				t.Errorf("describe_log_dirs %s: %v, want size %d, lag 0, not future", part, d, fileLogBytes(t, dir, part))
			}
		}
	}
	if len(got.LogDirs[0].Partitions) != seen {
		t.Errorf("describe_log_dirs: %d partitions, the log dir has %d", len(got.LogDirs[0].Partitions), seen)
	}
}

// TestKafkaPythonCreateTopics creates topics with kafka-python against a
// writable serve and lists them with a second client.
func TestKafkaPythonCreateTopics(t *testing.T) {
	needPy(t, "import kafka.admin")
	dir := javaLogDir(t)
	addr := serveCfg(t, dir, server.Config{})
	var got struct {
		Create      map[string]int `json:"create_topics"`
		Again       map[string]int `json:"create_again"`
		AfterCreate struct {
			Listed     bool  `json:"listed"`
			Partitions []int `json:"partitions"`
		} `json:"after_create"`
	}
	runPy(t, kafkaPythonScript, &got, addr, "write")
	// INVALID_REPLICATION_FACTOR (38): one broker; TOPIC_ALREADY_EXISTS (36).
	if !reflect.DeepEqual(got.Create, map[string]int{"py-fresh": 0, "py-rf3": 38}) || !reflect.DeepEqual(got.Again, map[string]int{"py-fresh": 36}) {
		t.Errorf("create_topics %v, again %v", got.Create, got.Again)
	}
	if !got.AfterCreate.Listed || !reflect.DeepEqual(got.AfterCreate.Partitions, []int{0, 1}) {
		t.Errorf("after create: %+v", got.AfterCreate)
	}
	if ps := filePartitions(t, dir)["py-fresh"]; !reflect.DeepEqual(ps, []int{0, 1}) {
		t.Errorf("py-fresh partition directories %v", ps)
	}
	if _, err := os.Stat(filepath.Join(dir, "py-rf3-0")); err == nil {
		t.Errorf("py-rf3 created despite its error")
	}
	if id := topicID(t, dir, "py-fresh-0"); id == ([16]byte{}) || id != topicID(t, dir, "py-fresh-1") {
		t.Errorf("py-fresh partition.metadata ids differ or are zero")
	}
}

const confluentScript = `import json, sys
from confluent_kafka import Consumer, TopicPartition, KafkaException
from confluent_kafka.admin import AdminClient, ConfigResource, NewTopic
addr, mode = sys.argv[1], sys.argv[2]
out = {}
def step(name, f):
    try:
        out[name] = f()
    except Exception as e:
        out[name] = {"exception": "%s: %s" % (type(e).__name__, e)}
conf = {"bootstrap.servers": addr, "client.id": "kseg-confluent-kafka"}
adm = AdminClient(conf)
if mode == "read":
    def topics():
        md = adm.list_topics(timeout=10)
        return {"cluster_id": md.cluster_id, "controller_id": md.controller_id, "orig_broker_id": md.orig_broker_id,
            "brokers": sorted([b.id, b.host, b.port] for b in md.brokers.values()),
            "topics": {n: {"error": str(t.error) if t.error else None, "partitions": sorted([p.id, p.leader, p.replicas, p.isrs] for p in t.partitions.values())} for n, t in md.topics.items()}}
    step("list_topics", topics)
    def configs():
        r = {}
        fs = adm.describe_configs([ConfigResource("topic", n) for n in ("orders", "payments", "nope")], request_timeout=10)
        for res, f in fs.items():
            try:
                r[res.name] = {"error": None, "configs": {k: {"value": c.value, "source": c.source, "read_only": c.is_read_only, "default": c.is_default,
                    "synonyms": [[sy.name, sy.value, sy.source] for sy in c.synonyms.values()]}
                    for k, c in f.result(timeout=10).items()}}
            except KafkaException as e:
                r[res.name] = {"error": e.args[0].name(), "configs": {}}
        return r
    step("describe_configs", configs)
    def groups():
        r = {}
        for g in adm.list_groups(timeout=10):
            r[g.id] = {"error": str(g.error) if g.error else None, "state": g.state, "protocol_type": g.protocol_type, "protocol": g.protocol,
                "broker": g.broker.id, "members": sorted([m.id, m.client_id, m.client_host] for m in g.members)}
        return r
    step("list_groups", groups)
    def committed():
        r = {}
        for g, parts in (("g1", [("orders", 0)]), ("g2", [("legacy-v1", 0)]), ("cg848", [("orders", 0)]), ("nope", [("orders", 0)])):
            c = Consumer(dict(conf, **{"group.id": g, "enable.auto.commit": False}))
            tps = c.committed([TopicPartition(t, p) for t, p in parts], timeout=10)
            r[g] = {}
            for tp in tps:
                lo, hi = c.get_watermark_offsets(tp, timeout=10)
                r[g]["%s-%d" % (tp.topic, tp.partition)] = {"offset": tp.offset, "error": str(tp.error) if tp.error else None, "low": lo, "high": hi}
            c.close()
        return r
    step("committed", committed)
    def times():
        c = Consumer(dict(conf, **{"group.id": "kseg-times"}))
        r = [[tp.offset, str(tp.error) if tp.error else None] for tp in c.offsets_for_times([TopicPartition("orders", 0, 1704067211500)], timeout=10)]
        c.close()
        return r
    step("offsets_for_times", times)
else:
    def create(*topics):
        fs = adm.create_topics(list(topics), request_timeout=10)
        r = {}
        for n, f in fs.items():
            try:
                f.result(timeout=10); r[n] = None
            except KafkaException as e:
                r[n] = e.args[0].name()
        return r
    step("create_topics", lambda: create(NewTopic("ck-fresh", 3, 1), NewTopic("ck-rf3", 1, 3)))
    step("create_again", lambda: create(NewTopic("ck-fresh", 3, 1)))
    def after():
        md = AdminClient(conf).list_topics(topic="ck-fresh", timeout=10)
        t = md.topics["ck-fresh"]
        return {"error": str(t.error) if t.error else None, "partitions": sorted(t.partitions)}
    step("after_create", after)
    def watermarks():
        c = Consumer(dict(conf, **{"group.id": "kseg-watermarks"}))
        lo, hi = c.get_watermark_offsets(TopicPartition("orders", 0), timeout=10)
        c.close()
        return [lo, hi]
    step("orders_watermarks", watermarks)
print(json.dumps(out, sort_keys=True))
`

// librdkafkaScript calls librdkafka's admin API directly (ctypes): the
// calls librdkafka 2.0 has that confluent-kafka-python 1.7 does not wrap.
// Struct layouts and signatures are those of librdkafka's rdkafka.h.
const librdkafkaScript = `import ctypes as C, json, sys
addr, mode = sys.argv[1], sys.argv[2]
lib = C.CDLL("librdkafka.so.1")
P, S, I, Z = C.c_void_p, C.c_char_p, C.c_int, C.c_size_t
class TP(C.Structure):
    _fields_ = [("topic", S), ("partition", C.c_int32), ("offset", C.c_int64), ("metadata", P), ("metadata_size", Z),
                ("opaque", P), ("err", I), ("_private", P)]
class TPList(C.Structure):
    _fields_ = [("cnt", I), ("size", I), ("elems", C.POINTER(TP))]
def sig(name, res, *args):
    f = getattr(lib, name); f.restype = res; f.argtypes = list(args); return f
version_str = sig("rd_kafka_version_str", S)
conf_new = sig("rd_kafka_conf_new", P)
conf_set = sig("rd_kafka_conf_set", I, P, S, S, S, Z)
rk_new = sig("rd_kafka_new", P, I, P, S, Z)
rk_destroy = sig("rd_kafka_destroy", None, P)
queue_new = sig("rd_kafka_queue_new", P, P)
queue_destroy = sig("rd_kafka_queue_destroy", None, P)
queue_poll = sig("rd_kafka_queue_poll", P, P, I)
ev_error = sig("rd_kafka_event_error", I, P)
ev_error_string = sig("rd_kafka_event_error_string", S, P)
ev_destroy = sig("rd_kafka_event_destroy", None, P)
err2name = sig("rd_kafka_err2name", S, I)
error_code = sig("rd_kafka_error_code", I, P)
tpl_new = sig("rd_kafka_topic_partition_list_new", C.POINTER(TPList), I)
tpl_add = sig("rd_kafka_topic_partition_list_add", C.POINTER(TP), C.POINTER(TPList), S, C.c_int32)
def tpl(lst):
    r = {}
    if lst:
        l = lst.contents
        for i in range(l.cnt):
            e = l.elems[i]
            r["%s-%d" % (e.topic.decode(), e.partition)] = {"offset": e.offset, "error": err2name(e.err).decode()}
    return r
def errname(e):
    return err2name(error_code(e)).decode() if e else None
conf = conf_new()
buf = C.create_string_buffer(512)
for k, v in (("bootstrap.servers", addr), ("client.id", "kseg-librdkafka-ctypes")):
    if conf_set(conf, k.encode(), v.encode(), buf, 512) != 0:
        raise SystemExit(buf.value)
rk = rk_new(0, conf, buf, 512)
if not rk:
    raise SystemExit(buf.value)
q = queue_new(rk)
out = {"librdkafka": version_str().decode()}
def call(name, start, accessor):
    start()
    ev = queue_poll(q, 15000)
    if not ev:
        out[name] = {"exception": "timeout"}; return None, None
    if ev_error(ev):
        out[name] = {"exception": err2name(ev_error(ev)).decode() + ": " + ev_error_string(ev).decode()}
        ev_destroy(ev); return None, None
    return ev, sig(accessor, P, P)(ev)
if mode == "read":
    ev, res = call("list_consumer_groups", lambda: sig("rd_kafka_ListConsumerGroups", None, P, P, P)(rk, None, q), "rd_kafka_event_ListConsumerGroups_result")
    if res:
        n = Z()
        arr = sig("rd_kafka_ListConsumerGroups_result_valid", C.POINTER(P), P, C.POINTER(Z))(res, C.byref(n))
        gid = sig("rd_kafka_ConsumerGroupListing_group_id", S, P)
        simple = sig("rd_kafka_ConsumerGroupListing_is_simple_consumer_group", I, P)
        state = sig("rd_kafka_ConsumerGroupListing_state", I, P)
        sname = sig("rd_kafka_consumer_group_state_name", S, I)
        out["list_consumer_groups"] = sorted([gid(arr[i]).decode(), bool(simple(arr[i])), sname(state(arr[i])).decode()] for i in range(n.value))
        ne = Z()
        sig("rd_kafka_ListConsumerGroups_result_errors", C.POINTER(P), P, C.POINTER(Z))(res, C.byref(ne))
        out["list_consumer_groups_errors"] = ne.value
        ev_destroy(ev)
    groups = ["g1", "g2", "cg848", "nope"]
    garr = (S * len(groups))(*[g.encode() for g in groups])
    ev, res = call("describe_consumer_groups", lambda: sig("rd_kafka_DescribeConsumerGroups", None, P, P, Z, P, P)(rk, C.cast(garr, P), len(groups), None, q),
                   "rd_kafka_event_DescribeConsumerGroups_result")
    if res:
        n = Z()
        arr = sig("rd_kafka_DescribeConsumerGroups_result_groups", C.POINTER(P), P, C.POINTER(Z))(res, C.byref(n))
        d = {}
        for i in range(n.value):
            g = arr[i]
            f = lambda nm, rt=S: sig("rd_kafka_ConsumerGroupDescription_" + nm, rt, P)(g)
            members = []
            for m in range(sig("rd_kafka_ConsumerGroupDescription_member_count", Z, P)(g)):
                md = sig("rd_kafka_ConsumerGroupDescription_member", P, P, Z)(g, m)
                mf = lambda nm: (sig("rd_kafka_MemberDescription_" + nm, S, P)(md) or b"").decode()
                asg = sig("rd_kafka_MemberDescription_assignment", P, P)(md)
                parts = sig("rd_kafka_MemberAssignment_partitions", C.POINTER(TPList), P)(asg)
                members.append([mf("consumer_id"), mf("client_id"), mf("host"), mf("group_instance_id"), sorted(tpl(parts))])
            node = f("coordinator", P)
            d[f("group_id").decode()] = {"error": errname(f("error", P)), "simple": bool(f("is_simple_consumer_group", I)),
                "assignor": (f("partition_assignor") or b"").decode(),
                "state": sig("rd_kafka_consumer_group_state_name", S, I)(f("state", I)).decode(),
                "coordinator": sig("rd_kafka_Node_id", I, P)(node) if node else None, "members": sorted(members)}
        out["describe_consumer_groups"] = d
        ev_destroy(ev)
    offs = {}
    for g in ("g1", "g2", "cg848", "nope"):
        req = sig("rd_kafka_ListConsumerGroupOffsets_new", P, S, P)(g.encode(), None)
        reqs = (P * 1)(req)
        ev, res = call("list_consumer_group_offsets", lambda: sig("rd_kafka_ListConsumerGroupOffsets", None, P, P, Z, P, P)(rk, C.cast(reqs, P), 1, None, q),
                       "rd_kafka_event_ListConsumerGroupOffsets_result")
        sig("rd_kafka_ListConsumerGroupOffsets_destroy", None, P)(req)
        if not res:
            break
        n = Z()
        arr = sig("rd_kafka_ListConsumerGroupOffsets_result_groups", C.POINTER(P), P, C.POINTER(Z))(res, C.byref(n))
        for i in range(n.value):
            name = sig("rd_kafka_group_result_name", S, P)(arr[i]).decode()
            offs[name] = {"error": errname(sig("rd_kafka_group_result_error", P, P)(arr[i])),
                          "partitions": tpl(sig("rd_kafka_group_result_partitions", C.POINTER(TPList), P)(arr[i]))}
        ev_destroy(ev)
    else:
        out["list_consumer_group_offsets"] = offs
else:
    def delete(topic, part, before):
        l = tpl_new(1)
        tpl_add(l, topic.encode(), part).contents.offset = before
        dr = sig("rd_kafka_DeleteRecords_new", P, C.POINTER(TPList))(l)
        drs = (P * 1)(dr)
        ev, res = call("delete_records", lambda: sig("rd_kafka_DeleteRecords", None, P, P, Z, P, P)(rk, C.cast(drs, P), 1, None, q),
                       "rd_kafka_event_DeleteRecords_result")
        sig("rd_kafka_DeleteRecords_destroy", None, P)(dr)
        sig("rd_kafka_topic_partition_list_destroy", None, C.POINTER(TPList))(l)
        if not res:
            return out.pop("delete_records")
        r = tpl(sig("rd_kafka_DeleteRecords_result_offsets", C.POINTER(TPList), P)(res))
        ev_destroy(ev)
        return r
    out["delete_records"] = {"orders@25": delete("orders", 0, 25), "orders@3": delete("orders", 0, 3),
        "orders@1000": delete("orders", 0, 1000), "__consumer_offsets@1": delete("__consumer_offsets", 0, 1)}
queue_destroy(q)
rk_destroy(rk)
print(json.dumps(out, sort_keys=True))
`

type pyConfluentRead struct {
	ListTopics struct {
		ClusterID    string                     `json:"cluster_id"`
		ControllerID int                        `json:"controller_id"`
		OrigBrokerID int                        `json:"orig_broker_id"`
		Brokers      [][]any                    `json:"brokers"`
		Topics       map[string]json.RawMessage `json:"topics"`
	} `json:"list_topics"`
	DescribeConfigs map[string]struct {
		Error   *string `json:"error"`
		Configs map[string]struct {
			Value    *string `json:"value"`
			Source   int     `json:"source"`
			ReadOnly bool    `json:"read_only"`
			Default  bool    `json:"default"`
			Synonyms [][]any `json:"synonyms"`
		} `json:"configs"`
	} `json:"describe_configs"`
	ListGroups map[string]struct {
		Error        *string `json:"error"`
		State        string  `json:"state"`
		ProtocolType string  `json:"protocol_type"`
		Protocol     string  `json:"protocol"`
		Broker       int     `json:"broker"`
		Members      [][]any `json:"members"`
	} `json:"list_groups"`
	Committed map[string]map[string]struct {
		Offset int64   `json:"offset"`
		Error  *string `json:"error"`
		Low    int64   `json:"low"`
		High   int64   `json:"high"`
	} `json:"committed"`
	OffsetsForTimes [][]any `json:"offsets_for_times"`
}

type pyLibrdkafkaRead struct {
	Version                string  `json:"librdkafka"`
	ListConsumerGroups     [][]any `json:"list_consumer_groups"`
	ListConsumerGroupsErrs int     `json:"list_consumer_groups_errors"`
	DescribeConsumerGroups map[string]struct {
		Error       *string `json:"error"`
		Simple      bool    `json:"simple"`
		Assignor    string  `json:"assignor"`
		State       string  `json:"state"`
		Coordinator *int    `json:"coordinator"`
		Members     [][]any `json:"members"`
	} `json:"describe_consumer_groups"`
	Offsets map[string]struct {
		Error      *string `json:"error"`
		Partitions map[string]struct {
			Offset int64  `json:"offset"`
			Error  string `json:"error"`
		} `json:"partitions"`
	} `json:"list_consumer_group_offsets"`
}

const (
	needConfluent = "import confluent_kafka.admin"
	// librdkafka 2.0.0 added ListConsumerGroups, DescribeConsumerGroups
	// and ListConsumerGroupOffsets (KIP-518, KIP-222).
	needLibrdkafkaAdmin = "import ctypes; l = ctypes.CDLL('librdkafka.so.1'); l.rd_kafka_DescribeConsumerGroups; l.rd_kafka_ListConsumerGroupOffsets; l.rd_kafka_DeleteRecords"
)

// TestConfluentKafkaAdmin runs confluent-kafka-python's AdminClient and
// Consumer, and librdkafka's admin API through ctypes, against a read-only
// serve of javaLogDir and checks every answer against the files.
func TestConfluentKafkaAdmin(t *testing.T) {
	needPy(t, needConfluent)
	needPy(t, needLibrdkafkaAdmin)
	dir, addr := javaServe(t)
	var got pyConfluentRead
	runPy(t, confluentScript, &got, addr, "read")

	lt := got.ListTopics
	if lt.ClusterID != fileClusterID(t, dir) || lt.ControllerID != 0 || lt.OrigBrokerID != 0 ||
		!reflect.DeepEqual(lt.Brokers, [][]any{{0.0, "127.0.0.1", float64(portOf(t, addr))}}) {
		t.Errorf("list_topics cluster: %+v", lt)
	}
	parts := filePartitions(t, dir)
	if len(lt.Topics) != len(parts) {
		t.Errorf("list_topics: %d topics, the log dir has %d", len(lt.Topics), len(parts))
	}
	for topic, ps := range parts {
		var want []any
		for _, p := range ps {
			want = append(want, []any{float64(p), 0.0, []any{0.0}, []any{0.0}})
		}
		var d struct {
			Error      *string `json:"error"`
			Partitions []any   `json:"partitions"`
		}
		if err := json.Unmarshal(lt.Topics[topic], &d); err != nil || d.Error != nil || !reflect.DeepEqual(d.Partitions, want) {
			t.Errorf("list_topics %s: %s, want partitions %v led by node 0", topic, lt.Topics[topic], want)
		}
	}

	// librdkafka asks for synonyms (DescribeConfigs v1+ IncludeSynonyms).
	for _, c := range []struct {
		topic, key, value string
		source            int
		synonyms          [][]any
	}{
		{"payments", "retention.ms", "3600000", 1, [][]any{{"retention.ms", "3600000", 1.0}}},
		{"payments", "cleanup.policy", "delete", 5, [][]any{{"log.cleanup.policy", "delete", 5.0}}},
		{"orders", "retention.ms", "604800000", 5, [][]any{}},
		{"orders", "max.message.bytes", "1048588", 5, [][]any{{"message.max.bytes", "1048588", 5.0}}},
	} {
		r := got.DescribeConfigs[c.topic]
		e, ok := r.Configs[c.key]
		if r.Error != nil || !ok || e.Value == nil || *e.Value != c.value || e.Source != c.source || e.ReadOnly || e.Default != (c.source == 5) ||
			!reflect.DeepEqual(e.Synonyms, c.synonyms) {
			t.Errorf("describe_configs %s %s: %+v, want %s from source %d, synonyms %v", c.topic, c.key, e, c.value, c.source, c.synonyms)
		}
	}
	if r := got.DescribeConfigs["nope"]; r.Error == nil || *r.Error != "UNKNOWN_TOPIC_OR_PART" {
		t.Errorf("describe_configs nope: %+v", got.DescribeConfigs["nope"])
	}

	// list_groups: librdkafka's rd_kafka_list_groups (ListGroups, then
	// DescribeGroups of each).
	if len(got.ListGroups) != 3 {
		t.Errorf("list_groups: %+v", got.ListGroups)
	}
	if g := got.ListGroups["g1"]; g.Error != nil || g.State != "Stable" || g.ProtocolType != "consumer" || g.Protocol != "range" || g.Broker != 0 ||
		!reflect.DeepEqual(g.Members, [][]any{{"m-1", "client-1", "/10.0.0.1"}}) {
		t.Errorf("list_groups g1: %+v", g)
	}
	if g := got.ListGroups["g2"]; g.Error != nil || g.State != "Empty" || len(g.Members) != 0 {
		t.Errorf("list_groups g2: %+v", g)
	}
	// DescribeGroups: a KIP-848 group is Dead to it, as on a real broker
	// (GroupMetadataManager.describeGroups).
	if g := got.ListGroups["cg848"]; g.Error != nil || g.State != "Dead" {
		t.Errorf("list_groups cg848: %+v", g)
	}
	for g, offs := range pyCommitted {
		c := got.Committed[g]
		for p, o := range offs {
			if e := c[p]; e.Error != nil || e.Offset != o || e.Low != 0 || e.High != pyLogEnd[p] {
				t.Errorf("committed %s %s: %+v, want offset %d, watermarks 0–%d", g, p, e, o, pyLogEnd[p])
			}
		}
		if len(offs) == 0 && c["orders-0"].Offset != -1001 { // OFFSET_INVALID: nothing committed
			t.Errorf("committed %s: %+v", g, c)
		}
	}
	// orders-0's first record at or after 1704067211500 is offset 12 (as
	// TestKcatReadsSample).
	if !reflect.DeepEqual(got.OffsetsForTimes, [][]any{{12.0, nil}}) {
		t.Errorf("offsets_for_times: %v", got.OffsetsForTimes)
	}

	var rd pyLibrdkafkaRead
	runPy(t, librdkafkaScript, &rd, addr, "read")
	// ListGroups v4 with states: the KIP-848 group is listed Stable (not
	// simple: it has a protocol type), the offsets-only group is a simple
	// (protocol type "") Empty group.
	if want := [][]any{{"cg848", false, "Stable"}, {"g1", false, "Stable"}, {"g2", true, "Empty"}}; !reflect.DeepEqual(rd.ListConsumerGroups, want) ||
		rd.ListConsumerGroupsErrs != 0 {
		t.Errorf("ListConsumerGroups %v (%d errors), want %v", rd.ListConsumerGroups, rd.ListConsumerGroupsErrs, want)
	}
	dg := rd.DescribeConsumerGroups
	if g := dg["g1"]; g.Error != nil || g.State != "Stable" || g.Assignor != "range" || g.Simple || g.Coordinator == nil || *g.Coordinator != 0 ||
		!reflect.DeepEqual(g.Members, [][]any{{"m-1", "client-1", "/10.0.0.1", "", []any{"orders-0"}}}) {
		t.Errorf("DescribeConsumerGroups g1: %+v", g)
	}
	if g := dg["g2"]; g.Error != nil || g.State != "Empty" || len(g.Members) != 0 {
		t.Errorf("DescribeConsumerGroups g2: %+v", g)
	}
	// librdkafka 2.0.2 describes groups with DescribeGroups only
	// (no ConsumerGroupDescribe): the KIP-848 group is Dead, as on a real
	// broker.
	for _, id := range []string{"cg848", "nope"} {
		if g := dg[id]; g.Error != nil || g.State != "Dead" || len(g.Members) != 0 {
			t.Errorf("DescribeConsumerGroups %s: %+v", id, g)
		}
	}
	for g, offs := range pyCommitted {
		e := rd.Offsets[g]
		if e.Error != nil || len(e.Partitions) != len(offs) {
			t.Errorf("ListConsumerGroupOffsets %s: %+v, want %v", g, e, offs)
		}
		for p, o := range offs {
			if pe := e.Partitions[p]; pe.Error != "NO_ERROR" || pe.Offset != o {
				t.Errorf("ListConsumerGroupOffsets %s %s: %+v, want %d", g, p, pe, o)
			}
		}
	}
}

// TestConfluentKafkaWritable creates topics with confluent-kafka-python and
// deletes records with librdkafka's DeleteRecords against a writable serve.
func TestConfluentKafkaWritable(t *testing.T) {
	needPy(t, needConfluent)
	needPy(t, needLibrdkafkaAdmin)
	dir := javaLogDir(t)
	addr := serveCfg(t, dir, server.Config{})

	type result struct {
		Offset int64  `json:"offset"`
		Error  string `json:"error"`
	}
	var rd struct {
		DeleteRecords map[string]map[string]result `json:"delete_records"`
	}
	runPy(t, librdkafkaScript, &rd, addr, "write")
	for _, c := range []struct {
		call, part string
		want       result
	}{
		{"orders@25", "orders-0", result{25, "NO_ERROR"}},
		{"orders@3", "orders-0", result{25, "NO_ERROR"}}, // below the start: no change
		{"orders@1000", "orders-0", result{-1, "OFFSET_OUT_OF_RANGE"}},
		{"__consumer_offsets@1", "__consumer_offsets-0", result{-1, "POLICY_VIOLATION"}}, // compacted
	} {
		if got := rd.DeleteRecords[c.call][c.part]; got != c.want {
			t.Errorf("DeleteRecords %s: %+v, want %+v", c.call, got, c.want)
		}
	}
	if b, err := os.ReadFile(filepath.Join(dir, "log-start-offset-checkpoint")); err != nil || string(b) != "0\n1\norders 0 25\n" {
		t.Errorf("log-start-offset-checkpoint %q %v", b, err)
	}

	var got struct {
		Create      map[string]*string `json:"create_topics"`
		Again       map[string]*string `json:"create_again"`
		AfterCreate struct {
			Error      *string `json:"error"`
			Partitions []int   `json:"partitions"`
		} `json:"after_create"`
		Watermarks []int64 `json:"orders_watermarks"`
	}
	runPy(t, confluentScript, &got, addr, "write")
	if got.Create["ck-fresh"] != nil || got.Create["ck-rf3"] == nil || *got.Create["ck-rf3"] != "INVALID_REPLICATION_FACTOR" ||
		got.Again["ck-fresh"] == nil || *got.Again["ck-fresh"] != "TOPIC_ALREADY_EXISTS" {
		t.Errorf("create_topics %v, again %v", got.Create, got.Again)
	}
	if got.AfterCreate.Error != nil || !reflect.DeepEqual(got.AfterCreate.Partitions, []int{0, 1, 2}) {
		t.Errorf("after create: %+v", got.AfterCreate)
	}
	if ps := filePartitions(t, dir)["ck-fresh"]; !reflect.DeepEqual(ps, []int{0, 1, 2}) {
		t.Errorf("ck-fresh partition directories %v", ps)
	}
	// The low watermark moved by DeleteRecords (ListOffsets earliest).
	if !reflect.DeepEqual(got.Watermarks, []int64{25, pyLogEnd["orders-0"]}) {
		t.Errorf("orders-0 watermarks after DeleteRecords: %v", got.Watermarks)
	}
}
