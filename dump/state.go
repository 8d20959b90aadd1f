package dump

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kseg/kseg/state"
)

// StateFile dumps a producer snapshot, .txnindex, checkpoint,
// partition.metadata or meta.properties file. Text follows DumpLogSegments
// where it has a format (snapshots, txnindex); JSON is one object per entry
// plus one per finding. Malformed content is a finding (reported on ew in
// text mode, as a {"type":"finding"} object in JSON mode), never a crash.
func StateFile(w, ew io.Writer, path, displayPath string, asJSON bool) (findings bool, err error) {
	kind := state.DetectKind(path)
	if kind == state.KindUnknown || kind == state.KindQuorumState {
		fmt.Fprintf(ew, "Ignoring unknown file %s\n", displayPath)
		return false, nil
	}
	fi, err := os.Stat(path)
	if err != nil {
		return false, err
	}
	if fi.Size() > state.MaxTextFileSize {
		return false, fmt.Errorf("%d bytes is more than a %s file can hold (%d)", fi.Size(), kind, state.MaxTextFileSize)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	name := filepath.Base(path)
	sw := &stateWriter{w: w, ew: ew, json: asJSON, file: displayPath}
	if !asJSON {
		fmt.Fprintf(w, "Dumping %s\n", displayPath)
	}
	var decErr error
	switch kind {
	case state.KindProducerSnapshot:
		snap, err := state.DecodeProducerSnapshot(data)
		decErr = err
		if snap != nil {
			if asJSON {
				sw.obj(map[string]any{"type": "producerSnapshot", "file": displayPath, "version": snap.Version,
					"crc": snap.CRC, "computedCrc": snap.ComputedCRC, "crcValid": snap.CRCValid, "entries": len(snap.Entries)})
			}
			for _, e := range snap.Entries {
				if asJSON {
					sw.obj(struct {
						Type string `json:"type"`
						state.ProducerEntry
					}{"producer", e})
				} else {
					fmt.Fprintln(w, state.FormatProducerEntry(e))
				}
			}
			if snap.TrailingBytes > 0 {
				sw.finding(name, "trailing-bytes", 0, fmt.Sprintf("%d bytes after the last entry", snap.TrailingBytes))
			}
		}
	case state.KindTxnIndex:
		entries, tail, err := state.DecodeTxnIndex(data)
		decErr = err
		for _, e := range entries {
			if asJSON {
				sw.obj(struct {
					Type string `json:"type"`
					state.AbortedTxn
				}{"abortedTxn", e})
			} else {
				fmt.Fprintln(w, state.FormatAbortedTxn(e))
			}
		}
		if base, _, ok := parseStartOffset(name); ok {
			for _, f := range state.CheckTxnIndex(entries, base) {
				sw.finding(name, f.Reason, f.Line, f.Detail)
			}
		}
		if tail > 0 {
			sw.finding(name, "partial-entry", 0, fmt.Sprintf("%d trailing bytes do not form a 34-byte entry", tail))
		}
	case state.KindOffsetCheckpoint:
		cp, err := state.DecodeOffsetCheckpoint(data, name)
		decErr = err
		if cp != nil {
			for _, e := range cp.Entries {
				if asJSON {
					sw.obj(struct {
						Type string `json:"type"`
						state.TopicPartitionOffset
					}{"checkpointEntry", e})
				} else {
					fmt.Fprintf(w, "topic: %s partition: %d offset: %d\n", e.Topic, e.Partition, e.Offset)
				}
			}
			for _, f := range cp.Findings {
				sw.finding(name, f.Reason, f.Line, f.Detail)
			}
		}
	case state.KindLeaderEpochCheckpoint:
		cp, err := state.DecodeLeaderEpochCheckpoint(data, name)
		decErr = err
		if cp != nil {
			for _, e := range cp.Entries {
				if asJSON {
					sw.obj(struct {
						Type string `json:"type"`
						state.EpochEntry
					}{"epochEntry", e})
				} else {
					fmt.Fprintf(w, "epoch: %d startOffset: %d\n", e.Epoch, e.StartOffset)
				}
			}
			for _, f := range cp.Findings {
				sw.finding(name, f.Reason, f.Line, f.Detail)
			}
		}
	case state.KindPartitionMetadata:
		pm, err := state.DecodePartitionMetadata(data, name)
		decErr = err
		if pm != nil {
			if asJSON {
				sw.obj(map[string]any{"type": "partitionMetadata", "file": displayPath, "version": pm.Version, "topicId": pm.TopicID.String()})
			} else {
				fmt.Fprintf(w, "version: %d topicId: %s\n", pm.Version, pm.TopicID)
			}
		}
	case state.KindMetaProperties:
		mp, err := state.DecodeMetaProperties(data, name)
		decErr = err
		if mp != nil {
			if asJSON {
				sw.obj(struct {
					Type string `json:"type"`
					*state.MetaProperties
				}{"metaProperties", mp})
			} else {
				fmt.Fprintf(w, "version: %d\n", mp.Version)
				if mp.BrokerID != nil {
					fmt.Fprintf(w, "broker.id: %d\n", *mp.BrokerID)
				}
				if mp.NodeID != nil {
					fmt.Fprintf(w, "node.id: %d\n", *mp.NodeID)
				}
				if mp.ClusterID != "" {
					fmt.Fprintf(w, "cluster.id: %s\n", mp.ClusterID)
				}
				if mp.DirectoryID != "" {
					fmt.Fprintf(w, "directory.id: %s\n", mp.DirectoryID)
				}
				keys := make([]string, 0, len(mp.Other))
				for k := range mp.Other {
					keys = append(keys, k)
				}
				sort.Strings(keys)
				for _, k := range keys {
					fmt.Fprintf(w, "%s: %s\n", k, mp.Other[k])
				}
			}
			for _, f := range mp.Findings {
				sw.finding(name, f.Reason, f.Line, f.Detail)
			}
		}
	}
	if decErr != nil {
		var fe *state.FormatError
		if !errors.As(decErr, &fe) {
			return sw.found, decErr
		}
		line := fe.Line
		detail := fe.Detail
		if fe.Position > 0 || line == 0 {
			detail = fmt.Sprintf("byte position %d: %s", fe.Position, detail)
		}
		sw.finding(name, fe.Reason, line, detail)
	}
	return sw.found, sw.err
}

type stateWriter struct {
	w, ew io.Writer
	json  bool
	file  string
	found bool
	err   error
}

func (s *stateWriter) obj(v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.err = err
		return
	}
	s.w.Write(append(b, '\n'))
}

// finding reports a problem: JSON object on stdout, or a line on stderr.
func (s *stateWriter) finding(name, reason string, line int, detail string) {
	s.found = true
	if s.json {
		s.obj(map[string]any{"type": "finding", "file": s.file, "line": line, "reason": reason, "detail": detail})
		return
	}
	where := name
	if line > 0 {
		where = fmt.Sprintf("%s:%d", name, line)
	}
	fmt.Fprintf(s.ew, "kseg: %s: %s: %s\n", where, reason, strings.TrimSpace(detail))
}
