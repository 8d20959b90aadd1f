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
from kafka.protocol.types import Array, Boolean, Int16, Int32, Int64, Schema, String

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
	ListConsumerGroups     [][2]string `json:"list_consumer_groups"`
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
	LogDirs []struct {
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
