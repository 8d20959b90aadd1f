package commands

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kseg/kseg/internal/testutil"
)

func TestStatsGolden(t *testing.T) {
	cases := []struct {
		name string
		args []string
	}{
		{"stats-text", []string{"stats", sample}},
		{"stats-json", []string{"stats", "--json", sample}},
		{"stats-deep", []string{"stats", sample, "--deep"}},
		{"stats-top", []string{"stats", "--top", "1", sample + "/legacy-v0-0", sample + "/orders-0"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := testutil.HashTree(t, sample)
			out, errOut, code := run(t, tc.args...)
			testutil.RequireUnchanged(t, sample, before)
			if code != ExitOK {
				t.Fatalf("exit %d, stderr:\n%s", code, errOut)
			}
			testutil.Golden(t, filepath.Join("../testdata/golden", tc.name+".golden"), []byte(out), *update)
		})
	}
}

func TestStatsJSONShape(t *testing.T) {
	out, _, code := run(t, "stats", "--json", sample)
	if code != ExitOK {
		t.Fatalf("exit %d", code)
	}
	var types []string
	var total struct {
		Batches int64 `json:"batches"`
		Records int64 `json:"records"`
	}
	var sumBatches int64
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		var obj struct {
			Type    string `json:"type"`
			Batches int64  `json:"batches"`
		}
		if err := json.Unmarshal(sc.Bytes(), &obj); err != nil {
			t.Fatal(err)
		}
		types = append(types, obj.Type)
		if obj.Type == "partition" {
			sumBatches += obj.Batches
		} else {
			json.Unmarshal(sc.Bytes(), &total)
		}
	}
	if strings.Join(types, ",") != "partition,partition,partition,total" || total.Batches != sumBatches || total.Batches != 22 {
		t.Errorf("types %v total %+v sum %d", types, total, sumBatches)
	}
}

func TestStatsUsageErrors(t *testing.T) {
	for _, args := range [][]string{
		{"stats"},
		{"stats", "--top", "0", sample},
		{"stats", sample + "/meta.properties"},
	} {
		if _, errOut, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, errOut)
		}
	}
}

func TestStatsTornTailIsAFinding(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "orders-0")
	testutil.CopyTree(t, sample+"/orders-0", dir)
	log := filepath.Join(dir, "00000000000000000020.log")
	fi, err := os.Stat(log)
	if err != nil {
		t.Fatal(err)
	}
	testutil.MustTruncate(t, log, fi.Size()-10)
	out, _, code := run(t, "stats", dir)
	if code != ExitFindings || !strings.Contains(out, "warning: orders-0: kseg/format: 00000000000000000020.log: position") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
	if _, _, code := run(t, "txn", "--now", pinnedNow, dir); code != ExitFindings {
		t.Errorf("txn on a torn tail: exit %d", code)
	}
}
