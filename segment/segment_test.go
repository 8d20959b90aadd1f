package segment_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kseg/kseg/segment"
)

func TestFileName(t *testing.T) {
	tests := []struct {
		offset int64
		suffix string
		want   string
	}{
		{0, segment.LogSuffix, "00000000000000000000.log"},
		{1234, segment.IndexSuffix, "00000000000000001234.index"},
		{9223372036854775807, segment.TimeIndexSuffix, "09223372036854775807.timeindex"}, // 19 digits, padded to 20
		{33, segment.SnapshotSuffix, "00000000000000000033.snapshot"},
	}
	for _, tc := range tests {
		if got := segment.FileName(tc.offset, tc.suffix); got != tc.want {
			t.Errorf("FileName(%d, %q) = %q, want %q", tc.offset, tc.suffix, got, tc.want)
		}
		off, suf, ok := segment.ParseFileName(tc.want)
		if !ok || off != tc.offset || suf != tc.suffix {
			t.Errorf("ParseFileName(%q) = %d, %q, %v", tc.want, off, suf, ok)
		}
	}
}

func TestParseFileName(t *testing.T) {
	tests := []struct {
		name   string
		offset int64
		suffix string
		ok     bool
	}{
		{"00000000000000000020.txnindex", 20, ".txnindex", true},
		{"2.log", 2, ".log", true}, // non-padded names parse, as offsetFromFileName does
		{"00000000000000000000.log.deleted", 0, ".log.deleted", true},
		{"00000000000000000000.index.swap", 0, ".index.swap", true},
		{"00000000000000000007.log.kseg-tmp", 7, ".log.kseg-tmp", true},
		{"leader-epoch-checkpoint", 0, "", false},
		{"partition.metadata", 0, "", false},
		{".log", 0, "", false},
		{"-5.log", 0, "", false},
		{"12a.log", 0, "", false},
		{"99999999999999999999.log", 0, "", false}, // overflows int64
		{"00000000000000000000", 0, "", false},     // no suffix
	}
	for _, tc := range tests {
		off, suf, ok := segment.ParseFileName(tc.name)
		if ok != tc.ok || (ok && (off != tc.offset || suf != tc.suffix)) {
			t.Errorf("ParseFileName(%q) = %d, %q, %v; want %d, %q, %v", tc.name, off, suf, ok, tc.offset, tc.suffix, tc.ok)
		}
	}
}

func TestParsePartitionDir(t *testing.T) {
	const id = "0123456789abcdef0123456789abcdef"
	tests := []struct {
		name      string
		topic     string
		partition int32
		kind      segment.DirKind
		ok        bool
	}{
		{"orders-0", "orders", 0, segment.DirPartition, true},
		{"my-topic-12", "my-topic", 12, segment.DirPartition, true}, // split at the last '-'
		{"__consumer_offsets-49", "__consumer_offsets", 49, segment.DirPartition, true},
		{"a.b_c-3", "a.b_c", 3, segment.DirPartition, true},
		{"orders-0." + id + "-delete", "orders", 0, segment.DirDelete, true},
		{"orders-7." + id + "-future", "orders", 7, segment.DirFuture, true},
		{"my-topic-1." + id + "-stray", "my-topic", 1, segment.DirStray, true},
		{"orders-0.0123-delete", "", 0, "", false}, // not a 32-hex-digit id
		{"orders", "", 0, "", false},
		{"orders-", "", 0, "", false},
		{"-0", "", 0, "", false},
		{"orders-x", "", 0, "", false},
		{"orders--1", "orders-", 1, segment.DirPartition, true}, // LocalLog splits at the last '-' too
		{"orders-+1", "", 0, "", false},
		{"orders-2147483648", "", 0, "", false}, // partition overflows int32
		{"top!c-0", "", 0, "", false},           // illegal topic character
		{".-0", "", 0, "", false},
		{"..-0", "", 0, "", false},
	}
	for _, tc := range tests {
		topic, n, kind, ok := segment.ParsePartitionDir(tc.name)
		if ok != tc.ok || (ok && (topic != tc.topic || n != tc.partition || kind != tc.kind)) {
			t.Errorf("ParsePartitionDir(%q) = %q, %d, %q, %v; want %q, %d, %q, %v", tc.name, topic, n, kind, ok, tc.topic, tc.partition, tc.kind, tc.ok)
		}
		if ok && kind == segment.DirPartition {
			if got := segment.PartitionDirName(topic, n); got != tc.name {
				t.Errorf("PartitionDirName(%q, %d) = %q", topic, n, got)
			}
		}
		if got := segment.IsPartitionDir(filepath.Join("/logs", tc.name) + "/"); got != tc.ok {
			t.Errorf("IsPartitionDir(%q) = %v", tc.name, got)
		}
	}
}

// TestOpenPartition: every file of a partition directory lands in its class.
func TestOpenPartition(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "orders-3")
	must(t, os.MkdirAll(filepath.Join(dir, "subdir"), 0o755))
	files := []string{
		"00000000000000000000.log", "00000000000000000000.index", "00000000000000000000.timeindex",
		"00000000000000000020.log", "00000000000000000020.index", "00000000000000000020.txnindex", // no .timeindex
		"7.log", // non-padded
		"00000000000000000033.snapshot", "00000000000000000020.snapshot",
		"leader-epoch-checkpoint", "partition.metadata",
		"00000000000000000010.log.deleted", "00000000000000000010.index.deleted",
		"00000000000000000000.log.cleaned", "00000000000000000000.log.swap", "00000000000000000000.timeindex.swap",
		"00000000000000000020.index.kseg-tmp",
		"00000000000000000040.index", "00000000000000000040.timeindex", // orphans: no .log
		"00000000000000000020.weird",
	}
	for _, f := range files {
		content := []byte(f)
		must(t, os.WriteFile(filepath.Join(dir, f), content, 0o644))
	}
	p, err := segment.OpenPartition(dir)
	must(t, err)
	if p.Topic != "orders" || p.Partition != 3 || p.Kind != segment.DirPartition || p.Name() != "orders-3" {
		t.Errorf("partition %q %d %q %q", p.Topic, p.Partition, p.Kind, p.Name())
	}
	if len(p.Segments) != 3 {
		t.Fatalf("segments: %+v", p.Segments)
	}
	s0, s7, s20 := p.Segments[0], p.Segments[1], p.Segments[2]
	if s0.BaseOffset != 0 || s0.Index == "" || s0.TimeIndex == "" || s0.TxnIndex != "" || s0.LogSize != int64(len("00000000000000000000.log")) {
		t.Errorf("segment 0: %+v", s0)
	}
	if s7.BaseOffset != 7 || filepath.Base(s7.Log) != "7.log" || s7.Index != "" || s7.Name() != "00000000000000000007.log" {
		t.Errorf("segment 7: %+v", s7)
	}
	if s20.BaseOffset != 20 || s20.Index == "" || s20.TimeIndex != "" || filepath.Base(s20.TxnIndex) != "00000000000000000020.txnindex" {
		t.Errorf("segment 20: %+v", s20)
	}
	if p.ActiveSegment() != s20 {
		t.Errorf("active segment %+v", p.ActiveSegment())
	}
	if p.SegmentFor(6) != s0 || p.SegmentFor(7) != s7 || p.SegmentFor(19) != s7 || p.SegmentFor(1000) != s20 {
		t.Error("SegmentFor picks the wrong segment")
	}
	wantSnapshots := []string{"00000000000000000020.snapshot", "00000000000000000033.snapshot"}
	if len(p.Snapshots) != 2 || filepath.Base(p.Snapshots[0]) != wantSnapshots[0] || filepath.Base(p.Snapshots[1]) != wantSnapshots[1] {
		t.Errorf("snapshots %v", p.Snapshots)
	}
	wantLeftovers := map[string]string{
		"00000000000000000000.log.cleaned":    "cleaned",
		"00000000000000000000.log.swap":       "swap",
		"00000000000000000000.timeindex.swap": "swap",
		"00000000000000000010.index.deleted":  "deleted",
		"00000000000000000010.log.deleted":    "deleted",
		"00000000000000000020.index.kseg-tmp": "kseg-tmp",
		"00000000000000000040.index":          "orphan-index",
		"00000000000000000040.timeindex":      "orphan-index",
	}
	if len(p.Leftovers) != len(wantLeftovers) {
		t.Errorf("leftovers %+v", p.Leftovers)
	}
	for i, l := range p.Leftovers {
		if want, ok := wantLeftovers[filepath.Base(l.Path)]; !ok || want != l.Kind {
			t.Errorf("leftover %s: kind %q, want %q", filepath.Base(l.Path), l.Kind, want)
		}
		if i > 0 && p.Leftovers[i-1].Path > l.Path {
			t.Errorf("leftovers not sorted")
		}
	}
	wantOthers := []string{"00000000000000000020.weird", "leader-epoch-checkpoint", "partition.metadata"}
	if len(p.Others) != len(wantOthers) {
		t.Fatalf("others %v", p.Others)
	}
	for i, o := range p.Others {
		if filepath.Base(o) != wantOthers[i] {
			t.Errorf("others[%d] = %s, want %s", i, filepath.Base(o), wantOthers[i])
		}
	}
}

// TestOpenPartitionOddDirs: a directory that is not named like a partition
// opens too (copied-off segments), and special dirs keep their kind.
func TestOpenPartitionOddDirs(t *testing.T) {
	root := t.TempDir()
	odd := filepath.Join(root, "copied segments")
	del := filepath.Join(root, "orders-0.0123456789abcdef0123456789abcdef-delete")
	for _, d := range []string{odd, del, filepath.Join(root, "t-1"), filepath.Join(root, "not a partition")} {
		must(t, os.MkdirAll(d, 0o755))
	}
	p, err := segment.OpenPartition(odd)
	must(t, err)
	if p.Topic != "" || p.Partition != -1 || len(p.Segments) != 0 || p.ActiveSegment() != nil {
		t.Errorf("odd dir: %+v", p)
	}
	p, err = segment.OpenPartition(del)
	must(t, err)
	if p.Topic != "orders" || p.Kind != segment.DirDelete {
		t.Errorf("delete dir: %+v", p)
	}
	must(t, os.WriteFile(filepath.Join(root, "orders-9"), nil, 0o644)) // a file, not a dir
	parts, err := segment.ListLogDir(root)
	must(t, err)
	if len(parts) != 2 || filepath.Base(parts[0]) != "orders-0.0123456789abcdef0123456789abcdef-delete" || filepath.Base(parts[1]) != "t-1" {
		t.Errorf("ListLogDir: %v", parts)
	}
	if _, err := segment.OpenPartition(filepath.Join(root, "missing")); !os.IsNotExist(unwrapAll(err)) {
		t.Errorf("missing dir: %v", err)
	}
}

func unwrapAll(err error) error {
	for {
		u, ok := err.(interface{ Unwrap() error })
		if !ok {
			return err
		}
		err = u.Unwrap()
	}
}

func TestSegmentForFile(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"00000000000000000005.log", "00000000000000000005.index", "00000000000000000005.txnindex"} {
		must(t, os.WriteFile(filepath.Join(dir, f), []byte("abc"), 0o644))
	}
	s, err := segment.SegmentForFile(filepath.Join(dir, "00000000000000000005.index"))
	must(t, err)
	if s.BaseOffset != 5 || filepath.Base(s.Log) != "00000000000000000005.log" || s.LogSize != 3 || s.Index == "" || s.TimeIndex != "" || s.TxnIndex == "" {
		t.Errorf("%+v", s)
	}
	if _, err := segment.SegmentForFile(filepath.Join(dir, "leader-epoch-checkpoint")); err == nil {
		t.Error("want an error for a non-segment name")
	}
}
