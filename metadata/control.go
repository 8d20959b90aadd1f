package metadata

import (
	"fmt"

	"github.com/kseg/kseg/internal/jackson"
)

// Control record types of KRaft (clients/src/main/java/org/apache/kafka/
// common/record/ControlRecordType.java); part of the format, never change.
const (
	ControlLeaderChange   int16 = 2
	ControlSnapshotHeader int16 = 3
	ControlSnapshotFooter int16 = 4
	ControlKRaftVersion   int16 = 5
	ControlKRaftVoters    int16 = 6
)

// controlNames maps a KRaft control type to its schema and to the label
// DumpLogSegments prints before its JSON ("SnapshotHeader {...}").
var controlNames = map[int16]struct{ schema, label string }{
	ControlLeaderChange:   {"LeaderChangeMessage", "LeaderChange"},
	ControlSnapshotHeader: {"SnapshotHeaderRecord", "SnapshotHeader"},
	ControlSnapshotFooter: {"SnapshotFooterRecord", "SnapshotFooter"},
	ControlKRaftVersion:   {"KRaftVersionRecord", "KRaftVersion"},
	ControlKRaftVoters:    {"VotersRecord", "KRaftVoters"},
}

// Control is a decoded KRaft control record value.
type Control struct {
	Type  int16
	Label string // "SnapshotHeader", "KRaftVoters", ...
	Data  *Struct
	Err   error
}

// IsKRaftControl reports whether typ is a control type this package decodes.
func IsKRaftControl(typ int16) bool { _, ok := controlNames[typ]; return ok }

// DecodeControl decodes the value of a KRaft control record of type typ. As
// ControlRecordUtils does, the body is read at version 0 (every
// *_CURRENT_VERSION there is 0); its own "version" field is data.
func DecodeControl(typ int16, value []byte) (*Control, error) {
	n, ok := controlNames[typ]
	if !ok {
		return nil, &DecodeError{Reason: ReasonUnknownType, Detail: fmt.Sprintf("control record type %d is not a KRaft control record", typ)}
	}
	c := &Control{Type: typ, Label: n.label}
	s := controlSchemas[n.schema]
	st := statePool.Get().(*decodeState)
	defer st.release()
	st.main.Reset(value)
	c.Data, c.Err = decodeBody(&st.main, s, 0, st)
	return c, c.Err
}

// AppendJSON appends the control record's body as Kafka's JsonConverter
// writes it (what DumpLogSegments prints after the label).
func (c *Control) AppendJSON(dst []byte) []byte {
	if c.Data == nil {
		dst = append(dst, `{"error":`...)
		dst = jackson.AppendString(dst, c.Err.Error())
		return append(dst, '}')
	}
	return appendStructJSON(dst, c.Data, 0)
}
