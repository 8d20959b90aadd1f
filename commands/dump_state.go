package commands

import (
	"encoding/json"
	"io"
	"strconv"

	"github.com/kseg/kseg/coordinator"
	"github.com/kseg/kseg/dump"
	"github.com/kseg/kseg/format"
	"github.com/urfave/cli/v2"
)

func init() {
	stateDumper := func(c *cli.Context, w, ew io.Writer, path string, o dump.LogOptions) (bool, error) {
		return dump.StateFile(w, ew, path, path, o.JSON)
	}
	for _, k := range []string{".snapshot", ".txnindex", "leader-epoch-checkpoint", "recovery-point-offset-checkpoint",
		"replication-offset-checkpoint", "log-start-offset-checkpoint", "cleaner-offset-checkpoint", "partition.metadata", "meta.properties"} {
		extraDumpers[k] = stateDumper
	}
	specialRecordFormatter = func(c *cli.Context) (dump.RecordFormatter, error) {
		var chosen []dump.RecordFormatter
		for _, d := range []struct {
			flag string
			f    dump.RecordFormatter
		}{
			{"offsets-decoder", groupFormatter{}}, {"transaction-log-decoder", txnFormatter{}},
			{"share-group-state-decoder", shareStateFormatter{}}, {"remote-log-metadata-decoder", remoteLogFormatter{}},
		} {
			if c.Bool(d.flag) {
				chosen = append(chosen, d.f)
			}
		}
		if len(chosen) != 1 {
			return nil, usagef("--offsets-decoder, --transaction-log-decoder, --share-group-state-decoder and --remote-log-metadata-decoder are exclusive")
		}
		return chosen[0], nil
	}
}

// shareStateFormatter renders __share_group_state records (--share-group-state-decoder).
type shareStateFormatter struct{}

func (shareStateFormatter) Text(r *format.Record) (string, bool, string, bool) {
	rec, err := coordinator.DecodeShareStateRecord(r.Key, r.Value)
	if err != nil {
		return "Error at offset " + strconv.FormatInt(r.Offset, 10) + ", skipping. " + err.Error(), true, "", false
	}
	k, v := rec.Text()
	return k, true, v, true
}

func (shareStateFormatter) AppendJSON(dst []byte, r *format.Record) []byte {
	rec, err := coordinator.DecodeShareStateRecord(r.Key, r.Value)
	return appendDecodedJSON(dst, rec, err)
}

// remoteLogFormatter renders __remote_log_metadata records
// (--remote-log-metadata-decoder); like Kafka's, it prints no key.
type remoteLogFormatter struct{}

func (remoteLogFormatter) Text(r *format.Record) (string, bool, string, bool) {
	rec, err := coordinator.DecodeRemoteLogMetadata(r.Value)
	if err != nil {
		return "", false, "Error at offset " + strconv.FormatInt(r.Offset, 10) + ", skipping. " + err.Error(), true
	}
	return "", false, rec.Text(), true
}

func (remoteLogFormatter) AppendJSON(dst []byte, r *format.Record) []byte {
	rec, err := coordinator.DecodeRemoteLogMetadata(r.Value)
	return appendDecodedJSON(dst, rec, err)
}

// groupFormatter renders __consumer_offsets records (--offsets-decoder).
type groupFormatter struct{}

func (groupFormatter) Text(r *format.Record) (string, bool, string, bool) {
	rec, err := coordinator.DecodeGroupRecord(r.Key, r.Value)
	if err != nil {
		return "Error at offset " + strconv.FormatInt(r.Offset, 10) + ", skipping. " + err.Error(), true, "", false
	}
	k, v := rec.Text()
	return k, true, v, true
}

func (groupFormatter) AppendJSON(dst []byte, r *format.Record) []byte {
	rec, err := coordinator.DecodeGroupRecord(r.Key, r.Value)
	return appendDecodedJSON(dst, rec, err)
}

// txnFormatter renders __transaction_state records (--transaction-log-decoder).
type txnFormatter struct{}

func (txnFormatter) Text(r *format.Record) (string, bool, string, bool) {
	rec, err := coordinator.DecodeTxnRecord(r.Key, r.Value)
	if err != nil {
		return "Error at offset " + strconv.FormatInt(r.Offset, 10) + ", skipping. " + err.Error(), true, "", false
	}
	k, v := rec.Text()
	return k, true, v, true
}

func (txnFormatter) AppendJSON(dst []byte, r *format.Record) []byte {
	rec, err := coordinator.DecodeTxnRecord(r.Key, r.Value)
	return appendDecodedJSON(dst, rec, err)
}

func appendDecodedJSON(dst []byte, v json.Marshaler, err error) []byte {
	if err == nil {
		b, merr := v.MarshalJSON()
		if merr == nil {
			return append(dst, b...)
		}
		err = merr
	}
	b, _ := json.Marshal(map[string]string{"error": err.Error()})
	return append(dst, b...)
}
