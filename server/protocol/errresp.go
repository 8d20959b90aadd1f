package protocol

import (
	"reflect"
	"strings"

	"github.com/twmb/franz-go/pkg/kmsg"
)

// ErrorResponse builds the response to req, at req's version, that answers
// every part of it with code: the top-level error code when the response has
// one, and the per-topic, per-partition (…) error codes in entries that
// mirror the request's own (same names and ids), the way Kafka's
// AbstractRequest.getErrorResponse does per request type. It lets the server
// answer any request kmsg can decode (an API it does not implement, a
// version it does not advertise) with UNSUPPORTED_VERSION in the layout the
// client expects, instead of dropping the connection.
func ErrorResponse(req kmsg.Request, code int16) kmsg.Response {
	resp := req.ResponseKind()
	resp.SetVersion(req.GetVersion())
	mirror(reflect.ValueOf(req).Elem(), reflect.ValueOf(resp).Elem(), code, 0)
	return resp
}

var (
	int16Type = reflect.TypeOf(int16(0))
	int32Type = reflect.TypeOf(int32(0))
)

// maxMirrorDepth bounds the recursion (kmsg messages nest at most a few
// levels).
const maxMirrorDepth = 8

// mirror fills dst (a response struct) from src (the matching request
// struct): same-named fields of the same type are copied, same-named slices
// of structs are recreated element by element, a request's []int32 of
// partitions becomes response entries with Partition set, and every
// ErrorCode gets code.
func mirror(src, dst reflect.Value, code int16, depth int) {
	if depth > maxMirrorDepth {
		return
	}
	if d, ok := dst.Addr().Interface().(interface{ Default() }); ok && depth > 0 {
		d.Default()
	}
	t := dst.Type()
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		if !f.IsExported() || f.Name == "Version" || f.Name == "UnknownTags" {
			continue
		}
		df := dst.Field(i)
		if f.Name == "ErrorCode" && f.Type == int16Type {
			df.SetInt(int64(code))
			continue
		}
		if !src.IsValid() {
			continue
		}
		sf := src.FieldByName(f.Name)
		if !sf.IsValid() || sf.Kind() == reflect.Slice && sf.Len() == 0 {
			// DeleteTopics v0–5 names its request list TopicNames and its
			// response list Topics.
			if alt := src.FieldByName(strings.TrimSuffix(f.Name, "s") + "Names"); alt.IsValid() && alt.Kind() == reflect.Slice {
				sf = alt
			}
		}
		if !sf.IsValid() {
			continue
		}
		switch {
		case f.Type.Kind() == reflect.Slice && f.Type.Elem().Kind() == reflect.Struct && sf.Kind() == reflect.Slice:
			n := sf.Len()
			out := reflect.MakeSlice(f.Type, n, n)
			for j := 0; j < n; j++ {
				se := sf.Index(j)
				switch {
				case se.Kind() == reflect.Struct:
					mirror(se, out.Index(j), code, depth+1)
				case se.Type() == int32Type:
					mirror(reflect.Value{}, out.Index(j), code, depth+1)
					if p := out.Index(j).FieldByName("Partition"); p.IsValid() && p.Type() == int32Type {
						p.SetInt(se.Int())
					}
				case se.Kind() == reflect.String:
					// A list of names (groups, topics, transactional ids)
					// answered per name: the name goes to the entry's
					// first string field.
					mirror(reflect.Value{}, out.Index(j), code, depth+1)
					setFirstString(out.Index(j), se.String())
				}
			}
			df.Set(out)
		case sf.Type() == f.Type && f.Type.Kind() != reflect.Slice && f.Type.Kind() != reflect.Struct:
			df.Set(sf)
		}
	}
}

// setFirstString stores name in v's first exported string or *string field.
func setFirstString(v reflect.Value, name string) {
	for i := 0; i < v.NumField(); i++ {
		f := v.Type().Field(i)
		if !f.IsExported() {
			continue
		}
		switch {
		case f.Type.Kind() == reflect.String:
			v.Field(i).SetString(name)
			return
		case f.Type.Kind() == reflect.Pointer && f.Type.Elem().Kind() == reflect.String:
			n := name
			v.Field(i).Set(reflect.ValueOf(&n))
			return
		}
	}
}
