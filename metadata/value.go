package metadata

import (
	"strconv"

	"github.com/kseg/kseg/internal/kbin"
)

// Struct is one decoded message or nested struct: its fields in schema order
// (only those present in the decoded version; tagged fields absent from the
// wire hold their default) and any tagged fields this build does not know.
//
// Field values are: bool; int64 for every integer type; float64; string;
// []byte (a copy); kbin.UUID; []int32 for int32 arrays and []any for other
// arrays; *Struct; or nil for a null string, bytes, array or struct. A Struct owns its memory and is immutable
// once returned.
type Struct struct {
	Fields  []Field
	Unknown []kbin.TaggedField
}

// Field is one named value of a Struct.
type Field struct {
	Name  string // Kafka's camelCase JSON name
	Value any
	spec  *field
}

// Get returns the value of the named field and whether it is present.
func (s *Struct) Get(name string) (any, bool) {
	if s == nil {
		return nil, false
	}
	for i := range s.Fields {
		if s.Fields[i].Name == name {
			return s.Fields[i].Value, true
		}
	}
	return nil, false
}

// Has reports whether the field exists in this record's version.
func (s *Struct) Has(name string) bool { _, ok := s.Get(name); return ok }

// Int returns an integer field, or def when absent or not an integer.
func (s *Struct) Int(name string, def int64) int64 {
	if v, ok := s.Get(name); ok {
		if n, ok := v.(int64); ok {
			return n
		}
	}
	return def
}

// Bool returns a boolean field (false when absent).
func (s *Struct) Bool(name string) bool {
	v, _ := s.Get(name)
	b, _ := v.(bool)
	return b
}

// Str returns a string field ("" when absent or null).
func (s *Struct) Str(name string) string {
	v, _ := s.Get(name)
	str, _ := v.(string)
	return str
}

// NullableStr returns a string field, nil when absent or null.
func (s *Struct) NullableStr(name string) *string {
	v, _ := s.Get(name)
	if str, ok := v.(string); ok {
		return &str
	}
	return nil
}

// UUID returns a uuid field (zero when absent).
func (s *Struct) UUID(name string) kbin.UUID {
	v, _ := s.Get(name)
	u, _ := v.(kbin.UUID)
	return u
}

// Float returns a float64 field.
func (s *Struct) Float(name string) float64 {
	v, _ := s.Get(name)
	f, _ := v.(float64)
	return f
}

// Ints returns an integer array field; nil when absent or null. The slice
// is the Struct's own: do not modify it.
func (s *Struct) Ints(name string) []int32 {
	v, _ := s.Get(name)
	if ints, ok := v.([]int32); ok {
		return ints
	}
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]int32, 0, len(a))
	for _, e := range a {
		n, _ := e.(int64)
		out = append(out, int32(n))
	}
	return out
}

// IsNull reports whether a present field is null.
func (s *Struct) IsNull(name string) bool {
	v, ok := s.Get(name)
	return ok && v == nil
}

// UUIDs returns a uuid array field; nil when absent or null.
func (s *Struct) UUIDs(name string) []kbin.UUID {
	v, _ := s.Get(name)
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]kbin.UUID, 0, len(a))
	for _, e := range a {
		u, _ := e.(kbin.UUID)
		out = append(out, u)
	}
	return out
}

// Structs returns an array-of-struct field; nil when absent or null.
func (s *Struct) Structs(name string) []*Struct {
	v, _ := s.Get(name)
	a, ok := v.([]any)
	if !ok {
		return nil
	}
	out := make([]*Struct, 0, len(a))
	for _, e := range a {
		if st, ok := e.(*Struct); ok {
			out = append(out, st)
		}
	}
	return out
}

// Sub returns a struct field, nil when absent or null.
func (s *Struct) Sub(name string) *Struct {
	v, _ := s.Get(name)
	st, _ := v.(*Struct)
	return st
}

// defaultValue is the value Kafka's generated class holds for a field never
// set: the schema's "default", else 0/false/""/zero uuid/empty array.
func defaultValue(f *field, v int16, flex bool) any {
	if f.typ == tStruct {
		if f.def == "null" {
			return nil
		}
		return defaultStruct(f.fields, v, flex)
	}
	if f.defVal != nil {
		return f.defVal
	}
	return parseDefault(f)
}

func parseDefault(f *field) any {
	nullDef := f.def == "null"
	switch f.typ {
	case tBool:
		return f.def == "true"
	case tInt8, tInt16, tUint16, tInt32, tUint32, tInt64:
		if f.def == "" {
			return int64(0)
		}
		n, err := strconv.ParseInt(f.def, 0, 64)
		if err != nil {
			return int64(0)
		}
		return n
	case tFloat64:
		x, _ := strconv.ParseFloat(f.def, 64)
		return x
	case tString:
		if nullDef {
			return nil
		}
		return f.def
	case tBytes, tRecords:
		if nullDef {
			return nil
		}
		return []byte{}
	case tUUID:
		return kbin.UUID{}
	case tArray:
		if nullDef {
			return nil
		}
		if f.elem == tInt32 {
			return []int32{}
		}
		return []any{}
	}
	return nil
}

func defaultStruct(fields []field, v int16, flex bool) *Struct {
	s := &Struct{}
	for i := range fields {
		f := &fields[i]
		if f.versions.has(v) {
			s.Fields = append(s.Fields, Field{Name: f.name, Value: defaultValue(f, v, flex), spec: f})
		}
	}
	return s
}

// isDefault is the generated non-default-value check (FieldSpec.
// generateNonDefaultValueCheck) negated: Kafka writes a tagged field, and its
// JSON converter prints one, only when it differs from the default.
func isDefault(f *field, val any, v int16, flex bool) bool {
	d := defaultValue(f, v, flex)
	switch f.typ {
	case tArray:
		if d == nil {
			return val == nil
		}
		if ints, ok := val.([]int32); ok {
			return len(ints) == 0
		}
		a, ok := val.([]any)
		return ok && len(a) == 0
	case tBytes, tRecords:
		if d == nil {
			return val == nil
		}
		b, ok := val.([]byte)
		return ok && len(b) == 0
	case tStruct:
		if d == nil {
			return val == nil
		}
		st, ok := val.(*Struct)
		if !ok {
			return false
		}
		for i := range st.Fields {
			if !isDefault(st.Fields[i].spec, st.Fields[i].Value, v, flex) {
				return false
			}
		}
		return len(st.Unknown) == 0
	}
	return val == d
}
