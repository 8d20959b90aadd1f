package dump

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/kseg/kseg/format"
	"github.com/kseg/kseg/metadata"
)

// ClusterMetadataFormatter renders __cluster_metadata records
// (--cluster-metadata-decoder): the payload is
// {"type":"TOPIC_RECORD","version":0,"data":{...}}, as kafka-dump-log.sh
// prints it; metadata records have no key.
type ClusterMetadataFormatter struct{}

// Text implements RecordFormatter.
func (ClusterMetadataFormatter) Text(r *format.Record) (string, bool, string, bool) {
	if r.Value == nil {
		return "", false, "Error at " + strconv.FormatInt(r.Offset, 10) + ", skipping. null value", true
	}
	rec, err := metadata.DecodeRecord(r.Value)
	if err != nil && rec.Data == nil {
		// DumpLogSegments' words for a record MetadataRecordSerde refuses,
		// then what kseg could still tell about it.
		return "", false, "Error at " + strconv.FormatInt(r.Offset, 10) + ", skipping. " + err.Error() + " " + string(rec.AppendJSON(nil)), true
	}
	return "", false, string(rec.AppendJSON(nil)), true
}

// AppendJSON implements RecordFormatter.
func (ClusterMetadataFormatter) AppendJSON(dst []byte, r *format.Record) []byte {
	if r.Value == nil {
		return append(dst, `{"error":"null value"}`...)
	}
	rec, _ := metadata.DecodeRecord(r.Value)
	return rec.AppendJSON(dst)
}

// appendKRaftControlText renders a KRaft control record as DumpLogSegments
// does: " SnapshotHeader {...}", " SnapshotFooter {...}", " KRaftVersion
// {...}", " KRaftVoters {...}". LEADER_CHANGE keeps the generic
// "controlType: LEADER_CHANGE(2)" that Kafka prints for it, followed by the
// decoded message. ok is false for other control types.
func appendKRaftControlText(dst []byte, typ int16, value []byte) ([]byte, bool) {
	if !metadata.IsKRaftControl(typ) {
		return dst, false
	}
	c, _ := metadata.DecodeControl(typ, value)
	if typ == metadata.ControlLeaderChange {
		dst = append(dst, " controlType: LEADER_CHANGE(2) LeaderChange "...)
	} else {
		dst = append(dst, ' ')
		dst = append(dst, c.Label...)
		dst = append(dst, ' ')
	}
	return c.AppendJSON(dst), true
}

// appendKRaftControlJSON adds "kraft":{...} (the decoded body) for a KRaft
// control record.
func appendKRaftControlJSON(dst []byte, typ int16, value []byte) []byte {
	if !metadata.IsKRaftControl(typ) {
		return dst
	}
	c, _ := metadata.DecodeControl(typ, value)
	dst = append(dst, `,"kraft":`...)
	return c.AppendJSON(dst)
}

// QuorumState dumps a KRaft quorum-state file: text "key: value" pairs in
// the file's field order, or one NDJSON object. A malformed file is a
// finding (bad=true), not an I/O error.
func QuorumState(w io.Writer, path, displayPath string, asJSON bool) (bad bool, err error) {
	q, err := metadata.ReadQuorumState(path)
	bw := bufio.NewWriter(w)
	defer func() {
		if ferr := bw.Flush(); err == nil {
			err = ferr
		}
	}()
	if err != nil {
		if errors.Is(err, metadata.ErrMalformed) {
			if asJSON {
				b := append([]byte(`{"type":"quorum-state","file":`), appendJSONStr(nil, displayPath)...)
				b = append(b, `,"error":`...)
				b = appendJSONStr(b, err.Error())
				bw.Write(append(b, "}\n"...))
			} else {
				fmt.Fprintf(bw, "Dumping %s\n%s\n", displayPath, err)
			}
			return true, nil
		}
		return false, err
	}
	voters := make([]int32, len(q.CurrentVoters))
	for i, v := range q.CurrentVoters {
		voters[i] = v.VoterID
	}
	if asJSON {
		b := append([]byte(`{"type":"quorum-state","file":`), appendJSONStr(nil, displayPath)...)
		b = fmt.Appendf(b, `,"dataVersion":%d,"clusterId":`, q.DataVersion)
		b = appendJSONStr(b, q.ClusterID)
		b = fmt.Appendf(b, `,"leaderId":%d,"leaderEpoch":%d,"votedId":%d`, q.LeaderID, q.LeaderEpoch, q.VotedID)
		if q.VotedDirectoryID != nil {
			b = append(b, `,"votedDirectoryId":`...)
			b = appendJSONStr(b, *q.VotedDirectoryID)
		}
		b = fmt.Appendf(b, `,"appliedOffset":%d,"currentVoters":[`, q.AppliedOffset)
		for i, v := range voters {
			if i > 0 {
				b = append(b, ',')
			}
			b = strconv.AppendInt(b, int64(v), 10)
		}
		bw.Write(append(b, "]}\n"...))
		return false, nil
	}
	fmt.Fprintf(bw, "Dumping %s\n", displayPath)
	fmt.Fprintf(bw, "data_version: %d clusterId: %q leaderId: %d leaderEpoch: %d votedId: %d", q.DataVersion, q.ClusterID, q.LeaderID, q.LeaderEpoch, q.VotedID)
	if q.VotedDirectoryID != nil {
		fmt.Fprintf(bw, " votedDirectoryId: %s", *q.VotedDirectoryID)
	}
	fmt.Fprintf(bw, " appliedOffset: %d currentVoters: %v\n", q.AppliedOffset, voters)
	return false, nil
}
