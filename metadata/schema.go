package metadata

// The decoder is driven by tables (schemas_gen.go) generated from Kafka's own
// message-schema JSON by internal/schemagen: one schema per record type, each
// field with the versions it exists in, the versions it is nullable or tagged
// in, its tag and its default. Interpreting the tables, rather than
// hand-writing 30 record decoders, keeps every version of every record type
// in step with Kafka's generator (generator/src/main/java/org/apache/kafka/
// message/MessageDataGenerator.java): a field is read only in its versions,
// tagged fields come from the tagged section of flexible versions, and
// untagged fields are read in declaration order.

// To regenerate, put Kafka's schema JSON in one directory — every file of
// metadata/src/main/resources/common/metadata/ plus LeaderChangeMessage,
// SnapshotHeaderRecord, SnapshotFooterRecord, KRaftVersionRecord and
// VotersRecord from clients/src/main/resources/common/message/ — and run
// KAFKA_SCHEMAS=that/dir go generate ./metadata. The tables committed here
// come from apache/kafka trunk of October 2024 (on its way to 4.0) plus two
// types added to trunk later: ClearElrRecord (28, KIP-966) and
// UnregisterControllerRecord (29). A version newer than these tables (e.g.
// a RegisterBrokerRecord v4 of a later release) is shown as an unknown
// version with its raw body, never fatal.
//
//go:generate sh -c "test -n \"$KAFKA_SCHEMAS\" || { echo set KAFKA_SCHEMAS >&2; exit 1; }; go run ./internal/schemagen -o schemas_gen.go $KAFKA_SCHEMAS/*.json"

const maxVersion = 0x7fff

// vr is an inclusive version range; an empty range has lo > hi.
type vr struct{ lo, hi int16 }

func (r vr) has(v int16) bool { return v >= r.lo && v <= r.hi }

type ftype uint8

const (
	tBool ftype = iota + 1
	tInt8
	tInt16
	tUint16
	tInt32
	tUint32
	tInt64
	tFloat64
	tString
	tBytes
	tUUID
	tRecords
	tStruct
	tArray
)

// field is one schema field. name is Kafka's camelCase JSON name.
type field struct {
	name     string
	typ      ftype
	elem     ftype // element type of a tArray
	versions vr
	nullable vr
	tagged   vr
	tag      int32
	def      string
	fields   []field // a tStruct's fields, or a tArray of tStruct's element fields
	// defVal caches the default of a scalar or array field (parsed once
	// at init; values are immutable, so it may be shared). nil for structs
	// and null defaults.
	defVal any
}

// schema is one message type: a metadata record (kind "metadata") or a
// KRaft control record body (kind "data").
type schema struct {
	apiKey   int16
	name     string
	kind     string
	valid    vr
	flexible vr
	fields   []field
	typeName string // MetadataRecordType's enum name, e.g. TOPIC_RECORD
}

// taggedOnlyVersions extends types whose newer versions (Kafka 4.3, per its
// MetadataVersion.registerBrokerRecordVersion and the 4.3 record reference)
// add only a tagged field (CordonedLogDirs) this build has no schema for:
// such records decode fully, and the new field is shown under
// "_unknownTaggedFields" rather than the whole record being undecodable.
var taggedOnlyVersions = map[string]int16{
	"RegisterBrokerRecord":           4,
	"BrokerRegistrationChangeRecord": 3,
}

var (
	recordSchemas  = map[int16]*schema{}
	controlSchemas = map[string]*schema{}
)

func init() {
	for _, s := range generatedSchemas {
		cacheDefaults(s.fields)
		if v, ok := taggedOnlyVersions[s.name]; ok && s.valid.hi < v {
			s.valid.hi = v
		}
		s.typeName = snakeUpper(s.name)
		if s.kind == "metadata" {
			recordSchemas[s.apiKey] = s
		} else {
			controlSchemas[s.name] = s
		}
	}
}

// snakeUpper is MessageGenerator.toSnakeCase(name).toUpperCase(): an
// underscore before each capital that follows a lower-case letter, so
// "ZkMigrationStateRecord" is ZK_MIGRATION_STATE_RECORD.
func snakeUpper(s string) string {
	out := make([]byte, 0, len(s)+8)
	prevCap := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			if !prevCap {
				out = append(out, '_')
			}
			out = append(out, c)
			prevCap = true
			continue
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		out = append(out, c)
		prevCap = false
	}
	return string(out)
}

// RecordType describes one metadata record type this build knows.
type RecordType struct {
	ID         int16  // the frame's type (apiKey)
	Name       string // MetadataRecordType name, e.g. "TOPIC_RECORD"
	MinVersion int16
	MaxVersion int16
}

// RecordTypes lists the known metadata record types in ID order.
func RecordTypes() []RecordType {
	var out []RecordType
	for _, s := range generatedSchemas {
		if s.kind == "metadata" {
			out = append(out, RecordType{ID: s.apiKey, Name: s.typeName, MinVersion: s.valid.lo, MaxVersion: s.valid.hi})
		}
	}
	return out
}

func cacheDefaults(fields []field) {
	for i := range fields {
		f := &fields[i]
		if f.typ != tStruct {
			f.defVal = parseDefault(f)
		}
		cacheDefaults(f.fields)
	}
}
