package metadata

import (
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/kseg/kseg/internal/kbin"
)

// ErrMalformed is matched (errors.Is) by every *DecodeError.
var ErrMalformed = errors.New("kseg/metadata: malformed record")

// Reasons of a DecodeError; stable strings, part of the JSON output.
const (
	ReasonFrameVersion   = "bad-frame-version" // MetadataRecordSerde accepts frame version 1 only
	ReasonUnknownType    = "unknown-type"      // a record type this build has no schema for
	ReasonUnknownVersion = "unknown-version"   // a version outside the type's validVersions
	ReasonTrailingBytes  = "trailing-bytes"    // bytes left after the body ("byte(s) of garbage")
	ReasonBody           = "body"              // the body does not decode; Cause says why
)

// DecodeError reports a record Kafka's MetadataRecordSerde (or
// ControlRecordUtils) would refuse, or one this build cannot interpret.
type DecodeError struct {
	Reason   string
	Position int // byte position in the record value
	Detail   string
	Cause    error // the *kbin.Error for ReasonBody
}

func (e *DecodeError) Error() string {
	return fmt.Sprintf("kseg/metadata: position %d: %s: %s", e.Position, e.Reason, e.Detail)
}

// Is makes errors.Is(err, ErrMalformed) true.
func (e *DecodeError) Is(target error) bool { return target == ErrMalformed }

// Unwrap exposes the kbin cause.
func (e *DecodeError) Unwrap() error { return e.Cause }

// Record is one decoded metadata record: the value of a record in
// __cluster_metadata (or a .checkpoint snapshot), framed as
// AbstractApiMessageSerde writes it — uvarint frame version (1), uvarint
// type, uvarint version, then the flexible-encoded body
// (server-common/src/main/java/org/apache/kafka/server/common/serialization/
// AbstractApiMessageSerde.java).
type Record struct {
	FrameVersion int
	Type         int16
	Version      int16
	// Name is Kafka's MetadataRecordType name ("TOPIC_RECORD"), or
	// "UNKNOWN" for a type this build does not know.
	Name string
	// Data is the decoded body; nil when the type or version is unknown or
	// the body did not decode.
	Data *Struct
	// Raw is a copy of the body bytes when Data is nil.
	Raw []byte
	// Err is the reason Data is missing or incomplete (a *DecodeError); a
	// record with Err set is still shown, never fatal.
	Err error
}

// DecodeRecord decodes a metadata record value. It never panics; problems
// are reported in Record.Err (also returned) and the record is still
// returned for display.
func DecodeRecord(value []byte) (*Record, error) {
	rec := &Record{}
	return rec, decodeRecordInto(rec, value)
}

// decodeRecordInto is DecodeRecord into a caller-allocated Record.
func decodeRecordInto(rec *Record, value []byte) error {
	st := statePool.Get().(*decodeState)
	defer st.release()
	r := &st.main
	r.Reset(value)
	*rec = Record{Name: "UNKNOWN"}
	rec.FrameVersion = int(r.Uvarint("frame version"))
	// MetadataRecordSerde checks the frame version before reading further.
	if r.Err() == nil && rec.FrameVersion != 1 {
		rec.Raw = slices.Clone(value)
		rec.Err = &DecodeError{Reason: ReasonFrameVersion, Detail: fmt.Sprintf("frame version %d (only 1 is supported)", rec.FrameVersion)}
		return rec.Err
	}
	typ := r.Uvarint("type")
	ver := r.Uvarint("version")
	if err := r.Err(); err != nil {
		rec.Raw = slices.Clone(value)
		rec.Err = &DecodeError{Reason: ReasonBody, Position: err.(*kbin.Error).Position, Detail: err.Error(), Cause: err}
		return rec.Err
	}
	if typ > 0x7fff || ver > 0x7fff {
		rec.Raw = slices.Clone(value)
		rec.Err = &DecodeError{Reason: ReasonUnknownType, Detail: fmt.Sprintf("type %d version %d too large", typ, ver)}
		return rec.Err
	}
	rec.Type, rec.Version = int16(typ), int16(ver)
	body := r.Pos()
	s := recordSchemas[rec.Type]
	if s == nil {
		rec.Raw = slices.Clone(value[body:])
		rec.Err = &DecodeError{Reason: ReasonUnknownType, Position: body, Detail: fmt.Sprintf("unknown metadata record type %d", rec.Type)}
		return rec.Err
	}
	rec.Name = s.typeName
	if !s.valid.has(rec.Version) {
		rec.Raw = slices.Clone(value[body:])
		rec.Err = &DecodeError{Reason: ReasonUnknownVersion, Position: body,
			Detail: fmt.Sprintf("%s version %d (this build knows %d-%d)", rec.Name, rec.Version, s.valid.lo, s.valid.hi)}
		return rec.Err
	}
	rec.Data, rec.Err = decodeBody(r, s, rec.Version, st)
	if rec.Data == nil {
		rec.Raw = slices.Clone(value[body:])
	}
	return rec.Err
}

func decodeBody(r *kbin.Reader, s *schema, v int16, st *decodeState) (*Struct, error) {
	if st == nil {
		st = &decodeState{}
	}
	d := decoder{r: r, flex: s.flexible.has(v), v: v, st: st}
	out := d.structFields(s.fields)
	if err := r.Err(); err != nil {
		ke := err.(*kbin.Error)
		return nil, &DecodeError{Reason: ReasonBody, Position: ke.Position, Detail: err.Error(), Cause: err}
	}
	if n := r.Remaining(); n > 0 {
		return out, &DecodeError{Reason: ReasonTrailingBytes, Position: r.Pos(), Detail: fmt.Sprintf("found %d byte(s) of garbage after %s", n, s.name)}
	}
	return out, nil
}

// decodeState holds one record's readers, so that decoding the tagged
// fields of a record allocates nothing: each nesting level of tagged fields
// gets its own sub-reader and decoder.
type decodeState struct {
	main kbin.Reader
	subR [2]kbin.Reader
	subD [2]decoder
}

// statePool recycles decodeStates: nothing a decoded Record holds points
// into one (strings and bytes are copied out of the input).
var statePool = sync.Pool{New: func() any { return new(decodeState) }}

func (st *decodeState) release() {
	*st = decodeState{}
	statePool.Put(st)
}

type decoder struct {
	r        *kbin.Reader
	st       *decodeState
	tagDepth int
	flex     bool
	v        int16
	// depth bounds nested structs; the schemas nest at most 3 deep, so a
	// limit protects only against a bug, never against input.
	depth int
}

func (d *decoder) structFields(fields []field) *Struct {
	s := &Struct{Fields: make([]Field, 0, len(fields))}
	hasTagged := false
	for i := range fields {
		f := &fields[i]
		if !f.versions.has(d.v) {
			continue
		}
		if d.flex && f.tagged.has(d.v) {
			hasTagged = true
			s.Fields = append(s.Fields, Field{Name: f.name, Value: defaultValue(f, d.v, d.flex), spec: f})
			continue
		}
		s.Fields = append(s.Fields, Field{Name: f.name, Value: d.value(f, f.typ), spec: f})
		if d.r.Err() != nil {
			return s
		}
	}
	if !d.flex {
		return s
	}
	d.r.TaggedFields(func(tag uint32, data []byte) {
		if hasTagged {
			for i := range s.Fields {
				f := s.Fields[i].spec
				if f.tagged.has(d.v) && uint32(f.tag) == tag {
					var sub *decoder
					if d.st != nil && d.tagDepth < len(d.st.subR) {
						sr := &d.st.subR[d.tagDepth]
						sr.Reset(data)
						sub = &d.st.subD[d.tagDepth]
						*sub = decoder{r: sr, st: d.st, tagDepth: d.tagDepth + 1, flex: d.flex, v: d.v, depth: d.depth}
					} else {
						sub = &decoder{r: kbin.NewReader(data), flex: d.flex, v: d.v, depth: d.depth}
					}
					val := sub.value(f, f.typ)
					if err := sub.r.Err(); err != nil {
						ke := err.(*kbin.Error)
						d.r.Fail(d.r.Pos()-len(data)+ke.Position, ke.Reason, f.name, "tagged field %d: %s", tag, ke.Detail)
						return
					}
					if sub.r.Remaining() != 0 {
						d.r.Fail(d.r.Pos()-sub.r.Remaining(), kbin.ReasonBadTaggedData, f.name,
							"tagged field %d has %d byte(s) after its value", tag, sub.r.Remaining())
						return
					}
					s.Fields[i].Value = val
					return
				}
			}
		}
		s.Unknown = append(s.Unknown, kbin.TaggedField{Tag: tag, Data: slices.Clone(data)})
	})
	return s
}

func minSize(t ftype, flex bool) int {
	switch t {
	case tInt16, tUint16:
		return 2
	case tInt32, tUint32:
		return 4
	case tInt64, tFloat64:
		return 8
	case tUUID:
		return 16
	case tString:
		if flex {
			return 1
		}
		return 2
	case tBytes, tRecords, tArray:
		if flex {
			return 1
		}
		return 4
	}
	return 1
}

func (d *decoder) value(f *field, t ftype) any {
	return d.valueN(f, t, f.nullable.has(d.v))
}

// valueN reads one value of type t for field f; nullable is false for
// array elements, which are never null.
func (d *decoder) valueN(f *field, t ftype, nullable bool) any {
	r := d.r
	switch t {
	case tBool:
		return r.Bool(f.name)
	case tInt8:
		return boxInt(int64(r.Int8(f.name)))
	case tInt16:
		return boxInt(int64(r.Int16(f.name)))
	case tUint16:
		return boxInt(int64(r.Uint16(f.name)))
	case tInt32:
		return boxInt(int64(r.Int32(f.name)))
	case tUint32:
		return boxInt(int64(r.Uint32(f.name)))
	case tInt64:
		return boxInt(r.Int64(f.name))
	case tFloat64:
		return r.Float64(f.name)
	case tUUID:
		return r.UUID(f.name)
	case tString:
		if nullable {
			s, ok := r.NullableString(d.flex, f.name)
			if !ok {
				return nil
			}
			return s
		}
		return r.String(d.flex, f.name)
	case tBytes, tRecords:
		var b []byte
		if nullable {
			b = r.NullableBytes(d.flex, f.name)
		} else {
			b = r.Bytes(d.flex, f.name)
		}
		if b == nil {
			return nil
		}
		return slices.Clone(b)
	case tStruct:
		if nullable {
			// A nullable struct carries a presence byte (MessageDataGenerator:
			// "if (_readable.readByte() < 0) null").
			if r.Int8(f.name) < 0 {
				return nil
			}
		}
		if d.depth > 16 {
			r.Fail(r.Pos(), kbin.ReasonBadLength, f.name, "structs nested too deep")
			return nil
		}
		d.depth++
		s := d.structFields(f.fields)
		d.depth--
		return s
	case tArray:
		start := r.Pos()
		n := r.ArrayLen(d.flex, minSize(f.elem, d.flex), f.name)
		if r.Err() != nil {
			return nil
		}
		if n < 0 {
			if !nullable {
				r.Fail(start, kbin.ReasonNullField, f.name, "non-nullable array serialized as null")
			}
			return nil
		}
		if f.elem == tInt32 {
			// The common case (replicas, ISR, ELR): one slice, no boxing.
			ints := make([]int32, n)
			for i := range ints {
				ints[i] = r.Int32(f.name)
			}
			if r.Err() != nil {
				return nil
			}
			return ints
		}
		out := make([]any, 0, n)
		for i := 0; i < n && r.Err() == nil; i++ {
			out = append(out, d.valueN(f, f.elem, false))
		}
		return out
	}
	r.Fail(r.Pos(), kbin.ReasonBadLength, f.name, "unsupported field type")
	return nil
}

// boxes holds int64 values -16..4095 already converted to interfaces:
// replicas, leaders, epochs and partition ids are small, and boxing an
// int64 outside 0..255 otherwise allocates once per field per record.
var boxes = func() []any {
	b := make([]any, 4096+16)
	for i := range b {
		b[i] = int64(i - 16)
	}
	return b
}()

func boxInt(n int64) any {
	if n >= -16 && n < 4096 {
		return boxes[n+16]
	}
	return n
}
