package logstore_test

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/kseg/kseg/coordinator"
	"github.com/kseg/kseg/internal/testutil"
	"github.com/kseg/kseg/server"
	"github.com/twmb/franz-go/pkg/kadm"
	"github.com/twmb/franz-go/pkg/kmsg"
)

// TestKadmCorpusGroups serves every real broker log dir of the shared
// corpus that has a __consumer_offsets and checks that kadm's ListGroups,
// DescribeGroups and FetchOffsets show, over the wire, the groups and
// committed offsets the broker's own topic held; the dir is unchanged.
func TestKadmCorpusGroups(t *testing.T) {
	root := "../../shared/corpus"
	if _, err := os.Stat(root); err != nil {
		t.Skip("corpus absent")
	}
	var dirs []string
	filepath.WalkDir(root, func(p string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() && strings.HasPrefix(d.Name(), "__consumer_offsets-") {
			dirs = append(dirs, filepath.Dir(p))
			return filepath.SkipDir
		}
		return nil
	})
	sort.Strings(dirs)
	seen := map[string]bool{}
	for _, dir := range dirs {
		if seen[dir] {
			continue
		}
		seen[dir] = true
		t.Run(strings.TrimPrefix(dir, root+"/"), func(t *testing.T) {
			before := testutil.HashTree(t, dir)
			want, err := coordinator.LoadGroups(dir)
			if err != nil {
				t.Skipf("LoadGroups: %v", err)
			}
			addr := serveCfg(t, dir, server.Config{ReadOnly: true})
			adm, _ := admin(t, addr)
			ctx := ctx10(t)
			listed, err := adm.ListGroups(ctx)
			if err != nil {
				t.Fatal(err)
			}
			n := 0
			for _, g := range want.Groups {
				if g.Deleted {
					continue
				}
				n++
				lg, ok := listed[g.GroupID]
				if !ok || lg.State != g.State || lg.ProtocolType != g.ProtocolType {
					t.Errorf("group %s: listed %+v, want state %s type %q", g.GroupID, lg, g.State, g.ProtocolType)
					continue
				}
				offs, err := adm.FetchOffsets(ctx, g.GroupID)
				if err != nil {
					t.Fatal(err)
				}
				for _, o := range g.Offsets {
					got, ok := offs.Lookup(o.Topic, o.Partition)
					if !ok || got.At != o.Offset || got.Err != nil {
						t.Errorf("%s %s-%d: fetched %+v, want %d", g.GroupID, o.Topic, o.Partition, got, o.Offset)
					}
				}
			}
			t.Logf("%d groups, %d listed", n, len(listed))
			if len(listed) != n {
				t.Errorf("listed %d groups, the log holds %d", len(listed), n)
			}
			testutil.RequireUnchanged(t, dir, before)
		})
	}
}

// TestKadmCorpusKRaftConfigs: a Kafka Connect config topic of a KRaft
// broker's log dir is described with the cleanup.policy=compact its
// ConfigRecord holds, as a DYNAMIC_TOPIC_CONFIG, and the rest as defaults.
func TestKadmCorpusKRaftConfigs(t *testing.T) {
	dir := "../../shared/corpus/patient-admissions/kafka-data"
	if _, err := os.Stat(dir); err != nil {
		t.Skip("corpus absent")
	}
	before := testutil.HashTree(t, dir)
	addr := serveCfg(t, dir, server.Config{ReadOnly: true})
	adm, _ := admin(t, addr)
	rcs, err := adm.DescribeTopicConfigs(ctx10(t), "docker-connect-configs")
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]kadm.Config{}
	for _, c := range rcs[0].Configs {
		got[c.Key] = c
	}
	if c := got["cleanup.policy"]; rcs[0].Err != nil || c.MaybeValue() != "compact" || c.Source != kmsg.ConfigSourceDynamicTopicConfig {
		t.Errorf("cleanup.policy: %+v (%v)", c, rcs[0].Err)
	}
	if c := got["retention.ms"]; c.Source != kmsg.ConfigSourceDefaultConfig {
		t.Errorf("retention.ms: %+v", c)
	}
	testutil.RequireUnchanged(t, dir, before)
}
