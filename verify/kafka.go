package verify

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// KafkaVersion is the broker release whose log loading is simulated. The
// differences modelled are listed in the README ("Which Kafka"), each with
// the Kafka source file it comes from.
type KafkaVersion struct{ Major, Minor int }

// DefaultKafkaVersion is the newest behaviour modelled (LogLoader.java,
// LogSegment.java as of the 4.0 line).
var DefaultKafkaVersion = KafkaVersion{4, 0}

// Oldest and newest releases whose behaviour is modelled: 1.1 through 2.2
// share Log.scala's eager index creation and startup sanity checks; 2.3
// (KAFKA-7283) through 4.x share the lazy indexes.
var (
	oldestKafkaVersion = KafkaVersion{1, 1}
	newestKafkaVersion = KafkaVersion{4, 99}
)

// ErrKafkaVersion means --kafka-version named a release kseg does not model.
var ErrKafkaVersion = errors.New("kseg/verify: unsupported Kafka version")

// ParseKafkaVersion parses "2.2", "2.2.1" or "4.0.0" (the patch level does
// not change log loading).
func ParseKafkaVersion(s string) (KafkaVersion, error) {
	parts := strings.Split(s, ".")
	if len(parts) < 2 || len(parts) > 3 {
		return KafkaVersion{}, fmt.Errorf("%w: %q (want MAJOR.MINOR, e.g. 2.2 or 4.0)", ErrKafkaVersion, s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 {
			return KafkaVersion{}, fmt.Errorf("%w: %q (want MAJOR.MINOR, e.g. 2.2 or 4.0)", ErrKafkaVersion, s)
		}
		n[i] = v
	}
	v := KafkaVersion{n[0], n[1]}
	if v.Less(oldestKafkaVersion) || newestKafkaVersion.Less(v) {
		return KafkaVersion{}, fmt.Errorf("%w: %s (modelled: %s to 4.x)", ErrKafkaVersion, v, oldestKafkaVersion)
	}
	return v, nil
}

func (v KafkaVersion) String() string { return fmt.Sprintf("%d.%d", v.Major, v.Minor) }

// Less reports whether v is an older release than w.
func (v KafkaVersion) Less(w KafkaVersion) bool {
	return v.Major < w.Major || (v.Major == w.Major && v.Minor < w.Minor)
}

// MarshalText renders the version as "MAJOR.MINOR".
func (v KafkaVersion) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// UnmarshalText parses what MarshalText wrote.
func (v *KafkaVersion) UnmarshalText(b []byte) error {
	w, err := ParseKafkaVersion(string(b))
	if err != nil {
		return err
	}
	*v = w
	return nil
}

// eagerIndexes: up to 2.2 a segment's OffsetIndex was mmapped when the
// segment was opened, and AbstractIndex's constructor creates a missing file
// (file.createNewFile, core/src/main/scala/kafka/log/AbstractIndex.scala of
// 2.2), so LogSegment.sanityCheck never saw a missing offset index and
// Log.loadSegmentFiles never rebuilt one; it also ran OffsetIndex and
// TimeIndex sanityCheck on every segment (LogSegment.scala of 2.2). 2.3
// made the indexes lazy (KAFKA-7283): a missing offset index throws
// NoSuchFileException and the segment is recovered, and the offset/time
// sanity checks are skipped (LogSegment.java sanityCheck).
func (v KafkaVersion) eagerIndexes() bool { return v.Less(KafkaVersion{2, 3}) }

// loader names the class that loads a log in release v, for citations:
// core/src/main/scala/kafka/log/Log.scala until 2.8, LogLoader from 3.0
// (LogLoader.scala, later storage's LogLoader.java).
func (v KafkaVersion) loader() string {
	if v.Less(KafkaVersion{3, 0}) {
		return "Log"
	}
	return "LogLoader"
}

// KafkaAction is one thing the broker's own log loading would do to a
// partition directory at its next start after an unclean shutdown
// (kafka-reference.md §3.7: LogLoader.load, LogSegment.recover).
type KafkaAction struct {
	// Action is one of: delete-file, rename, rebuild-index,
	// create-empty-index, create-empty-timeindex, recover-segment, truncate,
	// delete-segment, split-segment, keep-damaged (damage left in place
	// because nothing recovers the segment; Position is where it starts),
	// keep-harmful-index (a harmful index nothing rebuilds).
	Action string `json:"action"`
	File   string `json:"file"`
	// To is the new name of a rename.
	To string `json:"to,omitempty"`
	// Position is the truncation point of a truncate (-1 otherwise).
	Position  int64 `json:"position"`
	BytesLost int64 `json:"bytesLost"`
	// RecordsLost counts the records removed, the damaged batch included
	// (a lower bound unless Lost.Exact).
	RecordsLost int64 `json:"recordsLost"`
	// Lost is the offset range removed by a truncate or delete-segment.
	Lost   *Loss  `json:"lost,omitempty"`
	Detail string `json:"detail,omitempty"`
}

// KafkaRecovery is the simulated outcome for one partition.
type KafkaRecovery struct {
	Partition string `json:"partition"`
	// KafkaVersion is the broker release simulated.
	KafkaVersion KafkaVersion `json:"kafkaVersion"`
	// RecoveryPoint is the partition's recovery-point-offset-checkpoint
	// value (0 when unknown): only segments from the one holding it are
	// recovered.
	RecoveryPoint int64 `json:"recoveryPoint"`
	// CleanShutdownMarker reports <logdir>/.kafka_cleanshutdown: with it the
	// broker skips recoverLog entirely; only segments whose index is missing
	// or fails the load-time sanity checks are recovered.
	CleanShutdownMarker bool          `json:"cleanShutdownMarker"`
	Actions             []KafkaAction `json:"actions"`
	BytesLost           int64         `json:"bytesLost"`
	// RecordsLost is the total (a lower bound unless Lost.Exact).
	RecordsLost int64 `json:"recordsLost"`
	// Lost is the offset range the log loses at its end: from the new log
	// end offset to the old last offset (nil when the end is not cut).
	Lost *Loss `json:"lost,omitempty"`
	// LostInside are offset ranges cut out of the middle of the log: a
	// segment recovered at load (missing or corrupt index) is truncated but
	// the later segments stay (LogLoader.loadSegmentFiles). BytesLost and
	// RecordsLost include them.
	LostInside []Loss `json:"lostInside,omitempty"`
}

func kafkaRecovery(t Target, p *segment.Partition, res *PartitionResult, v KafkaVersion) (*KafkaRecovery, error) {
	kr := &KafkaRecovery{Partition: res.Name, KafkaVersion: v, Actions: []KafkaAction{}}
	if t.LogDir != "" {
		if rp := readRecoveryPoints(t.LogDir); rp != nil {
			kr.RecoveryPoint = rp[res.Name]
		}
		if _, err := os.Stat(filepath.Join(t.LogDir, ".kafka_cleanshutdown")); err == nil {
			kr.CleanShutdownMarker = true
		}
	}
	add := func(a KafkaAction) {
		if a.Position == 0 && a.Action != "truncate" && a.Action != "keep-damaged" {
			a.Position = -1
		}
		kr.Actions = append(kr.Actions, a)
		kr.BytesLost += a.BytesLost
		kr.RecordsLost += a.RecordsLost
	}

	// Step 1: removeTempFilesAndCollectSwapFiles.
	minCleaned := int64(-1)
	var swaps []segment.Leftover
	for _, l := range p.Leftovers {
		if l.Kind == "cleaned" {
			if base, _, ok := segment.ParseFileName(filepath.Base(l.Path)); ok && (minCleaned < 0 || base < minCleaned) {
				minCleaned = base
			}
		}
	}
	for _, l := range p.Leftovers {
		name := filepath.Base(l.Path)
		switch l.Kind {
		case "deleted":
			if strings.HasSuffix(name, ".checkpoint.deleted") {
				continue
			}
			add(KafkaAction{Action: "delete-file", File: name, Detail: ".deleted file"})
		case "cleaned":
			add(KafkaAction{Action: "delete-file", File: name, Detail: ".cleaned file (interrupted compaction)"})
		case "swap":
			base, _, _ := segment.ParseFileName(name)
			if minCleaned >= 0 && base >= minCleaned {
				add(KafkaAction{Action: "delete-file", File: name, Detail: fmt.Sprintf(".swap at or above the smallest .cleaned base offset %d (incomplete split)", minCleaned)})
				continue
			}
			swaps = append(swaps, l)
		}
	}
	// Steps 2-4: replace the segments the .log.swap files cover.
	if len(swaps) > 0 {
		minSwap, maxSwap := int64(-1), int64(-1)
		for _, l := range swaps {
			if !strings.HasSuffix(l.Path, segment.LogSuffix+segment.SwapSuffix) {
				continue
			}
			base, _, _ := segment.ParseFileName(filepath.Base(l.Path))
			next := readNextOffset(l.Path, base)
			if minSwap < 0 || base < minSwap {
				minSwap = base
			}
			if next > maxSwap {
				maxSwap = next
			}
		}
		if minSwap >= 0 {
			for _, s := range p.Segments {
				if s.BaseOffset >= minSwap && s.BaseOffset < maxSwap {
					for _, path := range []string{s.Log, s.Index, s.TimeIndex, s.TxnIndex} {
						if path != "" {
							add(KafkaAction{Action: "delete-file", File: filepath.Base(path),
								Detail: fmt.Sprintf("replaced by the .swap segments covering offsets [%d, %d)", minSwap, maxSwap)})
						}
					}
				}
			}
		}
		for _, l := range swaps {
			name := filepath.Base(l.Path)
			add(KafkaAction{Action: "rename", File: name, To: strings.TrimSuffix(name, segment.SwapSuffix), Detail: "finish the interrupted replacement"})
		}
	}
	// Step 5: loadSegmentFiles.
	for _, l := range p.Leftovers {
		if l.Kind == "orphan-index" {
			add(KafkaAction{Action: "delete-file", File: filepath.Base(l.Path), Detail: "orphaned index file (no .log)"})
		}
	}
	// Step 6's range: segments from the one holding the recovery point
	// (LogLoader.recoverLog: segments.values(recoveryPointCheckpoint, MAX),
	// LogSegments.values starts at the floor segment). With the clean
	// shutdown marker recoverLog recovers nothing (LogManager.loadLogs reads
	// <logdir>/.kafka_cleanshutdown as hadCleanShutdown; Log.scala
	// hasCleanShutdownFile before 2.8).
	start := len(res.Segments)
	if !kr.CleanShutdownMarker {
		start = 0
		for i, s := range res.Segments {
			if s.BaseOffset <= kr.RecoveryPoint {
				start = i
			}
		}
	}
	// Step 5's recoveries: LogLoader.loadSegmentFiles (Log.scala before 2.8)
	// recovers a segment whose sanityCheck throws NoSuchFileException or
	// CorruptIndexException, whatever the recovery point and the marker.
	// LogSegment.recover then truncates a damaged segment there too, but
	// loadSegmentFiles ignores the bytes truncated: the later segments stay,
	// so the log keeps a gap (the log end offset changes only when the
	// segment is the last one).
	loadTruncated := map[int]KafkaAction{}
	recoveredAtLoad := map[int]bool{}
	var inside []Loss
	for i, s := range res.Segments {
		recovered := i >= start
		atLoad := ""
		switch {
		case s.Index == IndexMissing && v.eagerIndexes() && recovered:
			add(KafkaAction{Action: "create-empty-index", File: s.Name, Detail: fmt.Sprintf(
				"offset index missing: Kafka %s creates it empty when it opens the segment (AbstractIndex.scala), then recovery rebuilds it", v)})
		case s.Index == IndexMissing && v.eagerIndexes():
			add(KafkaAction{Action: "create-empty-index", File: s.Name, Detail: fmt.Sprintf(
				"offset index missing: Kafka %s creates it empty (AbstractIndex.scala createNewFile) and never rebuilds it: every lookup in this segment scans from position 0", v)})
		case s.Index == IndexMissing:
			atLoad = fmt.Sprintf("offset index missing: NoSuchFileException → recoverSegment, even after a clean shutdown (%s.loadSegmentFiles)", v.loader())
		case s.TimeIndex == IndexMissing:
			d := "time index missing: created empty (timeIndex.resize(0)), not rebuilt unless the segment is recovered"
			if !recovered && i < len(res.Segments)-1 && s.MaxTimestamp >= 0 {
				d += "; this segment is not recovered and holds timestamps: " + emptyTimeIndexHarm
			}
			add(KafkaAction{Action: "create-empty-timeindex", File: s.Name, Detail: d})
		}
		if atLoad == "" && v.eagerIndexes() && s.Index != IndexMissing {
			if why := sanityCheck22(s.Path, s.BaseOffset, s.TimeIndex == IndexMissing); why != "" {
				atLoad = fmt.Sprintf("Kafka %s runs the index sanity checks at load (LogSegment.scala sanityCheck): %s → CorruptIndexException → recoverSegment", v, why)
			}
		}
		if atLoad == "" && (s.Index != IndexMissing || v.eagerIndexes()) {
			if why := txnIndexSanity(s.Path, s.BaseOffset); why != "" {
				atLoad = "transaction index sanity check at load (TransactionIndex.sanityCheck): " + why + " → CorruptIndexException → recoverSegment"
			}
		}
		if atLoad == "" {
			continue
		}
		recoveredAtLoad[i] = true
		add(KafkaAction{Action: "rebuild-index", File: s.Name, Detail: atLoad + "; LogSegment.recover re-reads every batch and rebuilds .index, .timeindex and .txnindex"})
		if s.ValidBytes >= s.Size {
			continue
		}
		l, err := lossFrom(s.Path, s.BaseOffset, s.ValidBytes)
		if err != nil {
			return nil, err
		}
		a := KafkaAction{Action: "truncate", File: s.Name, Position: s.ValidBytes, BytesLost: s.Size - s.ValidBytes,
			RecordsLost: l.Records, Lost: &l}
		if i == len(res.Segments)-1 {
			a.Detail = fmt.Sprintf("LogSegment.recover at load stops at the first invalid batch and truncates at position %d; the log end offset becomes %d", s.ValidBytes, l.FromOffset)
			kr.Lost = &l
		} else {
			a.Detail = fmt.Sprintf("LogSegment.recover at load stops at the first invalid batch and truncates at position %d; loadSegmentFiles ignores the truncation and keeps the later segments: the log has a gap from offset %d to %d", s.ValidBytes, l.FromOffset, res.Segments[i+1].BaseOffset)
			inside = append(inside, l)
		}
		loadTruncated[i] = a
		add(a)
	}
	// Step 6: recoverLog from the segment holding the recovery point. Each
	// recovered segment's indexes are reset and rebuilt (LogSegment.recover).
	for i := start; i < len(res.Segments); i++ {
		s := res.Segments[i]
		add(KafkaAction{Action: "recover-segment", File: s.Name, Detail: fmt.Sprintf(
			"from the segment holding the recovery point %d on (no clean shutdown marker): LogSegment.recover re-reads every batch and rebuilds .index, .timeindex and .txnindex", kr.RecoveryPoint)})
		if s.OverflowPosition >= 0 && (s.ValidBytes > s.OverflowPosition || s.ValidBytes == s.Size) {
			add(KafkaAction{Action: "split-segment", File: s.Name, Position: s.OverflowPosition,
				Detail: "LogSegmentOffsetOverflowException: the segment is split at the overflowing batch (KAFKA-6264)"})
		}
		cut, detail, indexFail := s.ValidBytes, "", false
		// A segment already recovered at load would have failed there
		// (loadSegmentFiles does not catch InvalidOffsetException): not
		// modelled.
		if !recoveredAtLoad[i] && hasOffsetRegression(s) {
			pos, why, err := recoverIndexFailure(s.Path, s.BaseOffset, s.ValidBytes, defaultIndexIntervalBytes)
			if err != nil {
				return nil, err
			}
			if pos >= 0 {
				cut, indexFail = 0, true
				detail = fmt.Sprintf("LogSegment.recover fails at the batch at position %d (%s, with index.interval.bytes %d, the default: a topic override changes which batches are indexed): InvalidOffsetException → %s.recoverLog truncates the whole segment to its base offset; the log end offset becomes %d",
					pos, why, defaultIndexIntervalBytes, v.loader(), s.BaseOffset)
			}
		}
		if _, ok := loadTruncated[i]; ok || s.ValidBytes >= s.Size && !indexFail {
			// Valid, or already truncated at load (a second recover
			// truncates nothing).
			continue
		}
		l, err := lossFrom(s.Path, s.BaseOffset, cut)
		if err != nil {
			return nil, err
		}
		total := l
		if detail == "" {
			detail = fmt.Sprintf("LogSegment.recover stops at the first invalid batch and truncates at position %d; the log end offset becomes %d", s.ValidBytes, l.FromOffset)
		}
		add(KafkaAction{Action: "truncate", File: s.Name, Position: cut, BytesLost: s.Size - cut,
			RecordsLost: l.Records, Lost: &l, Detail: detail})
		for j, later := range res.Segments[i+1:] {
			ll, err := segmentLoss(later)
			if err != nil {
				return nil, err
			}
			if a, ok := loadTruncated[i+1+j]; ok {
				// Truncated at load, now deleted whole: count its bytes once.
				kr.BytesLost -= a.BytesLost
				kr.RecordsLost -= a.RecordsLost
				inside = removeLoss(inside, *a.Lost)
			}
			total.add(ll)
			add(KafkaAction{Action: "delete-segment", File: later.Name, BytesLost: later.Size, RecordsLost: ll.Records, Lost: &ll,
				// LogLoader.recoverLog → removeAndDeleteSegmentsAsync →
				// LocalLog.deleteSegmentFiles (renamed .deleted, removed later).
				Detail: fmt.Sprintf("all segments after a truncated one are deleted (%s.recoverLog: \"Corruption found in segment\", then the later segments are removed)", v.loader())})
		}
		kr.Lost = &total
		break
	}
	kr.LostInside = inside
	if t.Bases == nil {
		if err := logStartAboveEnd(p, res, kr, add); err != nil {
			return nil, err
		}
	}
	// Damage nobody recovers: below the recovery point, or every segment
	// after a clean shutdown. The broker keeps the bytes and serves them.
	touched := map[string]bool{}
	for _, a := range kr.Actions {
		if a.Action == "truncate" || a.Action == "delete-segment" || a.Action == "recover-segment" {
			touched[a.File] = true
		}
	}
	for i, s := range res.Segments {
		if i < start && !recoveredAtLoad[i] {
			// Indexes nobody rebuilds: the broker looks up with them.
			var bad []string
			if s.Index == IndexHarmful || s.Index == IndexZeroTail {
				bad = append(bad, "offset index "+s.Index.String())
			}
			if s.TimeIndex == IndexHarmful || s.TimeIndex == IndexZeroTail {
				bad = append(bad, "time index "+s.TimeIndex.String())
			}
			if len(bad) > 0 && !(s.Index == IndexMissing && v.eagerIndexes()) {
				checks := fmt.Sprintf("Kafka %s runs no offset/time index sanity check at load", v)
				if v.eagerIndexes() {
					checks = fmt.Sprintf("it passes Kafka %s's load-time sanity checks, which read only the first and last entries", v)
				}
				add(KafkaAction{Action: "keep-harmful-index", File: s.Name, Detail: fmt.Sprintf(
					"%s, not rebuilt (%s; %s): the broker looks up offsets and timestamps in this segment with it, so a fetch or ListOffsets landing here can start at a wrong position (skip records, return nothing, or fail); `kseg index rebuild` or `kseg repair` rebuilds it",
					strings.Join(bad, ", "), notRecoveredWhy(kr), checks)})
			}
		}
		if s.ValidBytes >= s.Size || touched[s.Name] {
			continue
		}
		add(KafkaAction{Action: "keep-damaged", File: s.Name, Position: s.ValidBytes, Detail: fmt.Sprintf(
			"not recovered (%s): the broker does not truncate; it keeps the %d bytes from position %d and serves them as they are (a consumer fetching them fails their CRC check or cannot parse them)",
			notRecoveredWhy(kr), s.Size-s.ValidBytes, s.ValidBytes)})
	}
	return kr, nil
}

// sanityCheck22 is what OffsetIndex.sanityCheck and TimeIndex.sanityCheck
// of Kafka 1.1-2.2 (core/src/main/scala/kafka/log/OffsetIndex.scala,
// TimeIndex.scala) reject in the segment's index files, "" if nothing. A
// missing time index is created empty first and passes.
func sanityCheck22(logPath string, base int64, timeIndexMissing bool) string {
	ixPath, tiPath := indexPaths(logPath)
	if size, last, _, ok := indexEnds(ixPath, 8); ok {
		if size%8 != 0 {
			return fmt.Sprintf("offset index of %d bytes, not a multiple of 8", size)
		}
		if last != nil {
			if rel := int32(binary.BigEndian.Uint32(last)); rel < 0 {
				return fmt.Sprintf("the last offset %d is less than the base offset %d", base+int64(rel), base)
			}
		}
	}
	if timeIndexMissing {
		return ""
	}
	if size, last, first, ok := indexEnds(tiPath, 12); ok {
		if size%12 != 0 {
			return fmt.Sprintf("time index of %d bytes, not a multiple of 12", size)
		}
		if last != nil {
			firstTS := int64(binary.BigEndian.Uint64(first))
			lastTS := int64(binary.BigEndian.Uint64(last))
			if lastTS < firstTS {
				return fmt.Sprintf("the last time index timestamp %d is less than the first %d (a zero-filled tail fails this)", lastTS, firstTS)
			}
			if rel := int32(binary.BigEndian.Uint32(last[8:])); rel < 0 {
				return fmt.Sprintf("the last time index offset %d is less than the base offset %d", base+int64(rel), base)
			}
		}
	}
	return ""
}

// indexEnds reads an index file's size and its first and last whole
// entries (nil when it has none) without reading the rest: Kafka 2.2 counts
// every whole slot of an existing file as an entry. ok is false when the
// file cannot be read.
func indexEnds(path string, entrySize int64) (size int64, last, first []byte, ok bool) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return 0, nil, nil, false
	}
	size = st.Size()
	n := size / entrySize
	if n == 0 {
		return size, nil, nil, true
	}
	first, last = make([]byte, entrySize), make([]byte, entrySize)
	if _, err := f.ReadAt(first, 0); err != nil {
		return 0, nil, nil, false
	}
	if _, err := f.ReadAt(last, (n-1)*entrySize); err != nil {
		return 0, nil, nil, false
	}
	return size, last, first, true
}

// readNextOffset is Kafka's LogSegment.readNextOffset for a .log(.swap):
// one past the last offset of its last valid batch, or base if empty.
func readNextOffset(path string, base int64) int64 {
	f, err := os.Open(path)
	if err != nil {
		return base
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return base
	}
	r := format.NewBatchReader(f, st.Size(), format.ReaderOptions{File: filepath.Base(path), HeadersOnly: true, WindowSize: windowFor(st.Size())})
	next := base
	for {
		b, err := r.Next()
		if err != nil {
			return next
		}
		next = b.NextOffset()
	}
}

func removeLoss(ls []Loss, l Loss) []Loss {
	for i, m := range ls {
		if m == l {
			return append(ls[:i:i], ls[i+1:]...)
		}
	}
	return ls
}

// abortedTxnSize is a .txnindex entry (AbortedTxn.java TOTAL_SIZE):
// version, producer id, first, last and last stable offsets.
const abortedTxnSize = 34

// txnIndexSanity is what TransactionIndex.sanityCheck (every Kafka
// version: TransactionIndex.scala, TransactionIndex.java) rejects at load:
// an entry whose last offset is below the segment's base offset, e.g. a
// zero-filled entry in a segment not based at 0. "" if nothing (or an entry
// of an unknown version first, which fails the load otherwise).
func txnIndexSanity(logPath string, base int64) string {
	path := filepath.Join(filepath.Dir(logPath), segment.FileName(base, segment.TxnIndexSuffix))
	f, err := os.Open(path)
	if err != nil {
		return ""
	}
	defer f.Close()
	var e [abortedTxnSize]byte
	for pos := int64(0); ; pos += abortedTxnSize {
		if _, err := f.ReadAt(e[:], pos); err != nil {
			return ""
		}
		if int8(e[0]) > 0 { // AbortedTxn.version() reads the first byte
			return ""
		}
		if last := int64(binary.BigEndian.Uint64(e[18:26])); last < base {
			return fmt.Sprintf("the aborted transaction at position %d ends at offset %d, below the base offset %d", pos, last, base)
		}
	}
}

// notRecoveredWhy says why recoverLog leaves a segment alone.
func notRecoveredWhy(kr *KafkaRecovery) string {
	if kr.CleanShutdownMarker {
		return fmt.Sprintf("the clean shutdown marker skips recovery (%s.recoverLog)", kr.KafkaVersion.loader())
	}
	return fmt.Sprintf("below the recovery point %d", kr.RecoveryPoint)
}

// defaultIndexIntervalBytes is index.interval.bytes' default (LogConfig):
// the byte interval LogSegment.recover indexes at.
const defaultIndexIntervalBytes = 4096

func hasOffsetRegression(s *SegmentResult) bool {
	if s.BadRangesDropped > 0 {
		return true
	}
	for _, br := range s.BadRanges {
		if br.Reason == ReasonOffsetRegression {
			return true
		}
	}
	return false
}

// recoverIndexFailure replays the index appends of LogSegment.recover
// (LogSegment.java; LogSegment.scala before 3.x) over the batches before
// validBytes: every interval bytes the batch's last offset goes into the
// offset index and the max timestamp so far into the time index.
// OffsetIndex.append rejects an offset not above the last one and
// TimeIndex.maybeAppend an offset below its last entry's, with
// InvalidOffsetException, on which LogLoader.recoverLog truncates the whole
// segment. It returns the position of the batch that fails and why, or -1.
func recoverIndexFailure(path string, base, validBytes, interval int64) (int64, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return -1, "", fmt.Errorf("kseg/verify: %w", err)
	}
	defer f.Close()
	r := format.NewBatchReader(f, validBytes, format.ReaderOptions{File: filepath.Base(path), End: validBytes, HeadersOnly: true, WindowSize: windowFor(validBytes)})
	var valid, lastIndexEntry int64
	ixEntries, tiEntries := 0, 0
	var ixLast int64
	tiLastTS, tiLastOff := int64(-1), base // TimeIndex.lastEntry of an empty index
	maxTS, offMax := int64(-1), base
	for {
		b, err := r.Next()
		if err != nil {
			return -1, "", nil
		}
		if b.MaxTimestamp > maxTS {
			maxTS, offMax = b.MaxTimestamp, b.LastOffset()
		}
		if valid-lastIndexEntry > interval {
			if ixEntries > 0 && b.LastOffset() <= ixLast {
				return b.Position, fmt.Sprintf("its last offset %d is not above the offset index's last entry %d", b.LastOffset(), ixLast), nil
			}
			ixEntries++
			ixLast = b.LastOffset()
			if tiEntries > 0 && offMax < tiLastOff {
				return b.Position, fmt.Sprintf("the time index entry's offset %d is below the last entry's %d", offMax, tiLastOff), nil
			}
			if maxTS > tiLastTS {
				tiEntries++
				tiLastTS, tiLastOff = maxTS, offMax
			}
			lastIndexEntry = valid
		}
		valid += b.Size()
	}
}

// logStartAboveEnd is LogLoader.recoverLog's
// deleteSegmentsIfLogStartGreaterThanLogEnd (Log.scala recoverLog before
// 2.8), run after recovery whatever the shutdown: when the log end offset
// is below the log-start-offset-checkpoint entry, every segment is deleted
// and the log starts empty at that offset. Their records were all below the
// log start offset, which consumers cannot read, so no readable record is
// lost; their bytes are.
func logStartAboveEnd(p *segment.Partition, res *PartitionResult, kr *KafkaRecovery, add func(KafkaAction)) error {
	if len(res.Segments) == 0 {
		return nil
	}
	ls, err := segment.CheckpointEntry(p, segment.LogStartOffsetCheckpointFile)
	if err != nil || ls < 0 {
		return nil // unreadable: Kafka uses 0, which no log end offset is below
	}
	last := res.Segments[len(res.Segments)-1]
	leo := max(res.LastOffset+1, last.BaseOffset)
	if kr.Lost != nil {
		leo = kr.Lost.FromOffset
	}
	if leo >= ls {
		return nil
	}
	deleted := map[string]bool{}
	for _, a := range kr.Actions {
		if a.Action == "delete-segment" {
			deleted[a.File] = true
		}
	}
	for _, s := range res.Segments {
		if deleted[s.Name] {
			continue
		}
		size := s.Size
		for _, a := range kr.Actions {
			if a.Action == "truncate" && a.File == s.Name {
				size = a.Position // the rest is already counted
			}
		}
		add(KafkaAction{Action: "delete-segment", File: s.Name, BytesLost: size, Detail: fmt.Sprintf(
			"the log end offset %d is below the log start offset %d (log-start-offset-checkpoint): %s deletes every segment (\"Deleting all segments because logEndOffset ... is smaller than logStartOffset\") and the log starts empty at offset %d; the records deleted were all below the log start offset, already unreadable",
			leo, ls, kr.KafkaVersion.loader(), ls)})
	}
	return nil
}
