package verify

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/segment"
)

// KafkaAction is one thing the broker's own log loading would do to a
// partition directory at its next start after an unclean shutdown
// (kafka-reference.md §3.7: LogLoader.load, LogSegment.recover).
type KafkaAction struct {
	// Action is one of: delete-file, rename, rebuild-index,
	// create-empty-timeindex, truncate, delete-segment, split-segment.
	Action string `json:"action"`
	File   string `json:"file"`
	// To is the new name of a rename.
	To string `json:"to,omitempty"`
	// Position is the truncation point of a truncate (-1 otherwise).
	Position    int64  `json:"position"`
	BytesLost   int64  `json:"bytesLost"`
	RecordsLost int64  `json:"recordsLost"`
	Detail      string `json:"detail,omitempty"`
}

// KafkaRecovery is the simulated outcome for one partition.
type KafkaRecovery struct {
	Partition string `json:"partition"`
	// RecoveryPoint is the partition's recovery-point-offset-checkpoint
	// value (0 when unknown): only segments from the one holding it are
	// recovered.
	RecoveryPoint int64 `json:"recoveryPoint"`
	// CleanShutdownMarker reports <logdir>/.kafka_cleanshutdown: with it the
	// broker skips recovery entirely (only missing indexes are rebuilt).
	CleanShutdownMarker bool          `json:"cleanShutdownMarker"`
	Actions             []KafkaAction `json:"actions"`
	BytesLost           int64         `json:"bytesLost"`
	RecordsLost         int64         `json:"recordsLost"`
}

func kafkaRecovery(t Target, p *segment.Partition, res *PartitionResult) *KafkaRecovery {
	kr := &KafkaRecovery{Partition: res.Name, Actions: []KafkaAction{}}
	if t.LogDir != "" {
		if rp := readRecoveryPoints(t.LogDir); rp != nil {
			kr.RecoveryPoint = rp[res.Name]
		}
		if _, err := os.Stat(filepath.Join(t.LogDir, ".kafka_cleanshutdown")); err == nil {
			kr.CleanShutdownMarker = true
		}
	}
	add := func(a KafkaAction) {
		if a.Position == 0 && a.Action != "truncate" {
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
	for _, s := range res.Segments {
		if s.Index == IndexMissing {
			add(KafkaAction{Action: "rebuild-index", File: s.Name, Detail: "offset index missing: NoSuchFileException → recoverSegment, even after a clean shutdown"})
		} else if s.TimeIndex == IndexMissing {
			add(KafkaAction{Action: "create-empty-timeindex", File: s.Name, Detail: "time index missing: created empty, not rebuilt"})
		}
	}
	// Step 6: recoverLog from the segment holding the recovery point.
	start := 0
	for i, s := range res.Segments {
		if s.BaseOffset <= kr.RecoveryPoint {
			start = i
		}
	}
	for i := start; i < len(res.Segments); i++ {
		s := res.Segments[i]
		if s.OverflowPosition >= 0 && (s.ValidBytes > s.OverflowPosition || s.ValidBytes == s.Size) {
			add(KafkaAction{Action: "split-segment", File: s.Name, Position: s.OverflowPosition,
				Detail: "LogSegmentOffsetOverflowException: the segment is split at the overflowing batch (KAFKA-6264)"})
		}
		if s.ValidBytes >= s.Size {
			continue
		}
		add(KafkaAction{Action: "truncate", File: s.Name, Position: s.ValidBytes, BytesLost: s.Size - s.ValidBytes,
			RecordsLost: s.RecordsAfterValid,
			Detail:      fmt.Sprintf("LogSegment.recover stops at the first invalid batch and truncates at position %d", s.ValidBytes)})
		for _, later := range res.Segments[i+1:] {
			add(KafkaAction{Action: "delete-segment", File: later.Name, BytesLost: later.Size, RecordsLost: later.Records,
				Detail: "all segments after a truncated one are deleted (LogLoader: \"Corruption found in segment\")"})
		}
		break
	}
	return kr
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
