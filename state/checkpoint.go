package state

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// MaxTextFileSize caps the text files this package decodes. Real checkpoints
// hold one short line per partition (a broker with 100k partitions writes a
// few MiB), so anything bigger is not a checkpoint and is refused before we
// split it into lines.
const MaxTextFileSize = 64 << 20

// CheckpointVersion is the only version of the offset and leader-epoch
// checkpoint files (OffsetCheckpointFile.CURRENT_VERSION,
// LeaderEpochCheckpointFile.CURRENT_VERSION). Part of the format.
const CheckpointVersion = 0

// TopicPartitionOffset is one line of an offset checkpoint.
type TopicPartitionOffset struct {
	Topic     string `json:"topic"`
	Partition int32  `json:"partition"`
	Offset    int64  `json:"offset"`
}

// OffsetCheckpoint is a decoded recovery-point-offset-checkpoint,
// replication-offset-checkpoint, log-start-offset-checkpoint or
// cleaner-offset-checkpoint. Entries keep file order.
type OffsetCheckpoint struct {
	Version  int                    `json:"version"`
	Entries  []TopicPartitionOffset `json:"entries"`
	Findings []Finding              `json:"findings,omitempty"` // duplicate partitions (Kafka keeps the last)
}

// EpochEntry is one line of a leader-epoch-checkpoint: the first offset
// written under a leader epoch.
type EpochEntry struct {
	Epoch       int32 `json:"epoch"`
	StartOffset int64 `json:"startOffset"`
}

// LeaderEpochCheckpoint is a decoded leader-epoch-checkpoint. Findings lists
// epochs or start offsets that do not strictly increase; Kafka loads such a
// file, but its epoch cache then answers OffsetsForLeaderEpoch wrongly.
type LeaderEpochCheckpoint struct {
	Version  int          `json:"version"`
	Entries  []EpochEntry `json:"entries"`
	Findings []Finding    `json:"findings,omitempty"`
}

// textLine is one line as java.io.BufferedReader.readLine returns it.
type textLine struct {
	text string
	num  int   // 1-based
	pos  int64 // byte position of the line start
}

// splitLines splits like BufferedReader.readLine: "\n", "\r" and "\r\n" end a
// line, and a final line without a terminator still counts.
func splitLines(b []byte) []textLine {
	var lines []textLine
	start := 0
	for i := 0; i < len(b); i++ {
		if b[i] != '\n' && b[i] != '\r' {
			continue
		}
		lines = append(lines, textLine{text: string(b[start:i]), num: len(lines) + 1, pos: int64(start)})
		if b[i] == '\r' && i+1 < len(b) && b[i+1] == '\n' {
			i++
		}
		start = i + 1
	}
	if start < len(b) {
		lines = append(lines, textLine{text: string(b[start:]), num: len(lines) + 1, pos: int64(start)})
	}
	return lines
}

// isJavaSpace matches the regex class \s: [ \t\n\x0B\f\r].
func isJavaSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r':
		return true
	}
	return false
}

// javaSplit emulates line.split("\\s+"): a leading separator yields an empty
// first field and trailing empty fields are dropped. Only the field count and
// the non-empty fields matter to Kafka's parsers.
func javaSplit(s string) []string {
	fields := strings.FieldsFunc(s, isJavaSpace)
	if len(fields) > 0 && isJavaSpace(rune(s[0])) {
		fields = append([]string{""}, fields...)
	}
	return fields
}

// checkTextFile applies the checks every text decoder shares: the size cap
// and strict UTF-8 (Kafka reads with Files.newBufferedReader, whose decoder
// throws MalformedInputException).
func checkTextFile(b []byte, file string) error {
	if len(b) > MaxTextFileSize {
		return &FormatError{File: file, Reason: ReasonFileTooLarge,
			Detail: fmt.Sprintf("%d bytes exceeds the %d-byte limit for text state files", len(b), MaxTextFileSize)}
	}
	if !utf8.Valid(b) {
		pos := 0
		for pos < len(b) {
			r, n := utf8.DecodeRune(b[pos:])
			if r == utf8.RuneError && n <= 1 {
				break
			}
			pos += n
		}
		line := 1
		for i := 0; i < pos; i++ {
			if b[i] == '\n' || (b[i] == '\r' && (i+1 >= len(b) || b[i+1] != '\n')) {
				line++
			}
		}
		return &FormatError{File: file, Line: line, Position: int64(pos), Reason: ReasonInvalidUTF8,
			Detail: fmt.Sprintf("byte 0x%02x is not valid UTF-8", b[pos])}
	}
	return nil
}

func malformedLine(file string, l textLine) *FormatError {
	return &FormatError{File: file, Line: l.num, Position: l.pos, Reason: ReasonMalformedLine,
		Detail: fmt.Sprintf("Malformed line in checkpoint file [%s]: %s", file, l.text)}
}

// readCheckpoint implements CheckpointFile.CheckpointReadBuffer.read: version
// line, count line, then one entry per remaining line. parse reports whether a
// line is a well-formed entry and stores it.
func readCheckpoint(b []byte, file string, parse func(fields []string) bool) (version int, err error) {
	if err := checkTextFile(b, file); err != nil {
		return 0, err
	}
	lines := splitLines(b)
	if len(lines) == 0 {
		return CheckpointVersion, nil // empty file: zero entries
	}
	v, perr := strconv.ParseInt(lines[0].text, 10, 32)
	if perr != nil {
		return 0, malformedLine(file, lines[0])
	}
	if v != CheckpointVersion {
		return 0, &FormatError{File: file, Line: 1, Reason: ReasonUnsupportedVersion,
			Detail: fmt.Sprintf("Unrecognised version:%d, expected version: %d in checkpoint file at: %s", v, CheckpointVersion, file)}
	}
	if len(lines) == 1 {
		return CheckpointVersion, nil // only the version line: zero entries
	}
	count, perr := strconv.ParseInt(lines[1].text, 10, 32)
	if perr != nil {
		return 0, malformedLine(file, lines[1])
	}
	if count < 0 {
		// Kafka fails here with IllegalArgumentException from new ArrayList(count).
		return 0, &FormatError{File: file, Line: 2, Position: lines[1].pos, Reason: ReasonNegativeCount,
			Detail: fmt.Sprintf("entry count %d", count)}
	}
	for _, l := range lines[2:] {
		if !parse(javaSplit(l.text)) {
			return 0, malformedLine(file, l)
		}
	}
	if found := len(lines) - 2; int64(found) != count {
		return 0, &FormatError{File: file, Line: 2, Position: lines[1].pos, Reason: ReasonCountMismatch,
			Detail: fmt.Sprintf("Expected [%d] entries in checkpoint file [%s], but found only [%d]", count, file, found)}
	}
	return CheckpointVersion, nil
}

// DecodeOffsetCheckpoint decodes a "<topic> <partition> <offset>" checkpoint
// (kafka OffsetCheckpointFile). file names the file in errors and findings.
// Duplicate topic-partitions are reported as findings; Kafka keeps the last.
func DecodeOffsetCheckpoint(b []byte, file string) (*OffsetCheckpoint, error) {
	c := &OffsetCheckpoint{Entries: []TopicPartitionOffset{}}
	version, err := readCheckpoint(b, file, func(f []string) bool {
		// Like Kafka, an empty topic from a leading space is accepted.
		if len(f) != 3 {
			return false
		}
		p, err1 := strconv.ParseInt(f[1], 10, 32)
		o, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		c.Entries = append(c.Entries, TopicPartitionOffset{Topic: f[0], Partition: int32(p), Offset: o})
		return true
	})
	if err != nil {
		return nil, err
	}
	c.Version = version
	type tp struct {
		topic     string
		partition int32
	}
	seen := make(map[tp]int, len(c.Entries))
	for i, e := range c.Entries {
		k := tp{e.Topic, e.Partition}
		if j, dup := seen[k]; dup {
			c.Findings = append(c.Findings, Finding{Reason: ReasonDuplicatePartition, Entry: i, Line: i + 3,
				Detail: fmt.Sprintf("%s-%d also on line %d; Kafka keeps the last value", e.Topic, e.Partition, j+3)})
		}
		seen[k] = i
	}
	return c, nil
}

// DecodeLeaderEpochCheckpoint decodes a leader-epoch-checkpoint (kafka
// LeaderEpochCheckpointFile). Non-increasing epochs or start offsets are
// returned as Findings, not errors, because Kafka loads them.
func DecodeLeaderEpochCheckpoint(b []byte, file string) (*LeaderEpochCheckpoint, error) {
	c := &LeaderEpochCheckpoint{Entries: []EpochEntry{}}
	version, err := readCheckpoint(b, file, func(f []string) bool {
		if len(f) != 2 {
			return false
		}
		ep, err1 := strconv.ParseInt(f[0], 10, 32)
		so, err2 := strconv.ParseInt(f[1], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		c.Entries = append(c.Entries, EpochEntry{Epoch: int32(ep), StartOffset: so})
		return true
	})
	if err != nil {
		return nil, err
	}
	c.Version = version
	c.Findings = CheckEpochEntries(c.Entries)
	return c, nil
}

// CheckEpochEntries reports epochs and start offsets that do not strictly
// increase. Line numbers assume the entries came from a checkpoint file in
// this order (entry i is on line i+3).
func CheckEpochEntries(entries []EpochEntry) []Finding {
	var out []Finding
	for i := 1; i < len(entries); i++ {
		prev, e := entries[i-1], entries[i]
		if e.Epoch <= prev.Epoch {
			out = append(out, Finding{Reason: ReasonEpochNotIncreasing, Entry: i, Line: i + 3,
				Detail: fmt.Sprintf("epoch %d follows epoch %d", e.Epoch, prev.Epoch)})
		}
		if e.StartOffset <= prev.StartOffset {
			out = append(out, Finding{Reason: ReasonStartOffsetNotIncreasing, Entry: i, Line: i + 3,
				Detail: fmt.Sprintf("start offset %d of epoch %d follows start offset %d of epoch %d",
					e.StartOffset, e.Epoch, prev.StartOffset, prev.Epoch)})
		}
	}
	return out
}

// AppendOffsetCheckpoint appends a version-0 offset checkpoint byte-identical
// to Kafka's writer ("\n" line ends, as BufferedWriter.newLine on Unix).
// Topics must be non-empty and free of whitespace, as Kafka topic names are;
// the encoder does not check.
func AppendOffsetCheckpoint(dst []byte, entries []TopicPartitionOffset) []byte {
	dst = appendCheckpointHeader(dst, len(entries))
	for _, e := range entries {
		dst = append(dst, e.Topic...)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, int64(e.Partition), 10)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, e.Offset, 10)
		dst = append(dst, '\n')
	}
	return dst
}

// AppendLeaderEpochCheckpoint appends a version-0 leader-epoch-checkpoint
// byte-identical to Kafka's writer.
func AppendLeaderEpochCheckpoint(dst []byte, entries []EpochEntry) []byte {
	dst = appendCheckpointHeader(dst, len(entries))
	for _, e := range entries {
		dst = strconv.AppendInt(dst, int64(e.Epoch), 10)
		dst = append(dst, ' ')
		dst = strconv.AppendInt(dst, e.StartOffset, 10)
		dst = append(dst, '\n')
	}
	return dst
}

func appendCheckpointHeader(dst []byte, n int) []byte {
	dst = strconv.AppendInt(dst, CheckpointVersion, 10)
	dst = append(dst, '\n')
	dst = strconv.AppendInt(dst, int64(n), 10)
	return append(dst, '\n')
}
