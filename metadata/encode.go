package metadata

import (
	"fmt"

	"github.com/kseg/kseg/internal/kbin"
)

// EncodeRecord appends a metadata record value — frame version 1, type,
// version, body — as MetadataRecordSerde writes it. s's fields are looked up
// by name; missing fields are written with their defaults, tagged fields
// only when not default (Kafka's writers skip default tagged fields).
func EncodeRecord(dst []byte, typ, version int16, s *Struct) ([]byte, error) {
	sc := recordSchemas[typ]
	if sc == nil || !sc.valid.has(version) {
		return dst, fmt.Errorf("kseg/metadata: no schema for type %d version %d", typ, version)
	}
	dst = kbin.AppendUvarint(dst, 1)
	dst = kbin.AppendUvarint(dst, uint32(typ))
	dst = kbin.AppendUvarint(dst, uint32(version))
	e := encoder{v: version, flex: sc.flexible.has(version)}
	return e.structFields(dst, sc.fields, s), nil
}

// EncodeControl appends a KRaft control record value (read back at
// version 0, as ControlRecordUtils does).
func EncodeControl(dst []byte, typ int16, s *Struct) ([]byte, error) {
	n, ok := controlNames[typ]
	if !ok {
		return dst, fmt.Errorf("kseg/metadata: control type %d is not a KRaft control record", typ)
	}
	e := encoder{v: 0, flex: true}
	return e.structFields(dst, controlSchemas[n.schema].fields, s), nil
}

type encoder struct {
	v    int16
	flex bool
}

func (e *encoder) structFields(dst []byte, fields []field, s *Struct) []byte {
	var tagged []kbin.TaggedField
	for i := range fields {
		f := &fields[i]
		if !f.versions.has(e.v) {
			continue
		}
		val, ok := s.Get(f.name)
		if !ok {
			val = defaultValue(f, e.v, e.flex)
		}
		if e.flex && f.tagged.has(e.v) {
			if !isDefault(f, val, e.v, e.flex) {
				tagged = append(tagged, kbin.TaggedField{Tag: uint32(f.tag), Data: e.value(nil, f, f.typ, val)})
			}
			continue
		}
		dst = e.value(dst, f, f.typ, val)
	}
	if e.flex {
		// Tags ascending, as Kafka writes them; unknown ones are kept.
		if s != nil {
			tagged = append(tagged, s.Unknown...)
		}
		sortTags(tagged)
		dst = kbin.AppendTaggedFields(dst, tagged)
	}
	return dst
}

func sortTags(t []kbin.TaggedField) {
	for i := 1; i < len(t); i++ {
		for j := i; j > 0 && t[j].Tag < t[j-1].Tag; j-- {
			t[j], t[j-1] = t[j-1], t[j]
		}
	}
}

func (e *encoder) value(dst []byte, f *field, t ftype, val any) []byte {
	n, _ := val.(int64)
	switch t {
	case tBool:
		b, _ := val.(bool)
		return kbin.AppendBool(dst, b)
	case tInt8:
		return append(dst, byte(n))
	case tInt16, tUint16:
		return kbin.AppendInt16(dst, int16(n))
	case tInt32, tUint32:
		return kbin.AppendInt32(dst, int32(n))
	case tInt64:
		return kbin.AppendInt64(dst, n)
	case tFloat64:
		x, _ := val.(float64)
		return kbin.AppendFloat64(dst, x)
	case tUUID:
		u, _ := val.(kbin.UUID)
		return append(dst, u[:]...)
	case tString:
		if s, ok := val.(string); ok {
			return kbin.AppendString(dst, e.flex, s)
		}
		return kbin.AppendNullableString(dst, e.flex, nil)
	case tBytes, tRecords:
		b, _ := val.([]byte)
		return kbin.AppendBytes(dst, e.flex, b)
	case tStruct:
		st, _ := val.(*Struct)
		if f.nullable.has(e.v) {
			if st == nil {
				return append(dst, 0xff)
			}
			dst = append(dst, 1)
		}
		return e.structFields(dst, f.fields, st)
	case tArray:
		if ints, ok := val.([]int32); ok {
			dst = kbin.AppendLength(dst, e.flex, true, len(ints))
			for _, x := range ints {
				dst = e.value(dst, f, f.elem, int64(x))
			}
			return dst
		}
		a, ok := val.([]any)
		if !ok {
			return kbin.AppendLength(dst, e.flex, true, -1)
		}
		dst = kbin.AppendLength(dst, e.flex, true, len(a))
		for _, x := range a {
			dst = e.value(dst, f, f.elem, x)
		}
		return dst
	}
	return dst
}
