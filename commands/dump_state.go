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
		if c.Bool("offsets-decoder") && c.Bool("transaction-log-decoder") {
			return nil, usagef("--offsets-decoder and --transaction-log-decoder are exclusive")
		}
		if c.Bool("offsets-decoder") {
			return groupFormatter{}, nil
		}
		return txnFormatter{}, nil
	}
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
