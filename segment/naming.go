// Package segment joins format and index: a Segment is a .log file with its
// index files (its base offset comes from the file name), a Partition is a
// <topic>-<partition> directory of segments. File naming follows Kafka's
// LogFileUtils.java (%020d plus suffixes) and LocalLog.parseTopicPartitionName.
package segment

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// File suffixes, part of Kafka's on-disk layout.
const (
	LogSuffix       = ".log"
	IndexSuffix     = ".index"
	TimeIndexSuffix = ".timeindex"
	TxnIndexSuffix  = ".txnindex"
	SnapshotSuffix  = ".snapshot"
	DeletedSuffix   = ".deleted"
	CleanedSuffix   = ".cleaned"
	SwapSuffix      = ".swap"
	// KsegTempSuffix marks kseg's own temporary files inside a partition.
	KsegTempSuffix = ".kseg-tmp"
)

// FileName is Kafka's filenamePrefixFromOffset(offset) + suffix.
func FileName(offset int64, suffix string) string {
	return fmt.Sprintf("%020d%s", offset, suffix)
}

// ParseFileName splits a segment file name into its base offset and suffix
// (everything from the first '.'), as Kafka's offsetFromFileName does. Non
// padded names such as "2.log" parse too.
func ParseFileName(name string) (offset int64, suffix string, ok bool) {
	i := strings.IndexByte(name, '.')
	if i <= 0 {
		return 0, "", false
	}
	v, err := strconv.ParseInt(name[:i], 10, 64)
	if err != nil || v < 0 {
		return 0, "", false
	}
	return v, name[i:], true
}

var (
	legalTopic = regexp.MustCompile(`^[a-zA-Z0-9._-]{1,249}$`)
	specialDir = regexp.MustCompile(`^(\S+)-(\S+)\.([0-9a-f]{32})-(delete|future|stray)$`)
)

// ValidTopicName applies Kafka's topic rules: [a-zA-Z0-9._-], 1..249
// characters, not "." or "..".
func ValidTopicName(t string) bool {
	return t != "." && t != ".." && legalTopic.MatchString(t)
}

// DirKind classifies a partition directory name.
type DirKind string

// Directory kinds.
const (
	DirPartition DirKind = "partition"
	DirDelete    DirKind = "delete"
	DirFuture    DirKind = "future"
	DirStray     DirKind = "stray"
)

// ParsePartitionDir parses "<topic>-<partition>" (split at the last '-') and
// the "-delete"/"-future"/"-stray" forms.
func ParsePartitionDir(name string) (topic string, partition int32, kind DirKind, ok bool) {
	if m := specialDir.FindStringSubmatch(name); m != nil {
		p, err := strconv.ParseInt(m[2], 10, 32)
		if err != nil || p < 0 {
			return "", 0, "", false
		}
		return m[1], int32(p), DirKind(m[4]), true
	}
	i := strings.LastIndexByte(name, '-')
	if i <= 0 || i == len(name)-1 {
		return "", 0, "", false
	}
	p, err := strconv.ParseInt(name[i+1:], 10, 32)
	if err != nil || p < 0 || name[i+1] == '+' {
		return "", 0, "", false
	}
	topic = name[:i]
	if !ValidTopicName(topic) {
		return "", 0, "", false
	}
	return topic, int32(p), DirPartition, true
}

// PartitionDirName is "<topic>-<partition>".
func PartitionDirName(topic string, partition int32) string {
	return fmt.Sprintf("%s-%d", topic, partition)
}
