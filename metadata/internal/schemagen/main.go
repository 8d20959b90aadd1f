// Command schemagen turns Kafka message-schema JSON files (the KRaft metadata
// records under metadata/src/main/resources/common/metadata/ and the KRaft
// control records under clients/src/main/resources/common/message/ of
// apache/kafka) into the Go tables metadata/ decodes with. Kafka's JSON is
// read from the paths given on the command line and is never committed; only
// the generated tables are.
//
//	go run ./internal/schemagen -o schemas_gen.go KAFKA/metadata/src/main/resources/common/metadata/*.json \
//	    KAFKA/clients/src/main/resources/common/message/{LeaderChangeMessage,SnapshotHeaderRecord,SnapshotFooterRecord,KRaftVersionRecord,VotersRecord}.json
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

type fieldSpec struct {
	Name             string      `json:"name"`
	Type             string      `json:"type"`
	Versions         string      `json:"versions"`
	NullableVersions string      `json:"nullableVersions"`
	TaggedVersions   string      `json:"taggedVersions"`
	Tag              any         `json:"tag"`
	Default          any         `json:"default"`
	Fields           []fieldSpec `json:"fields"`
}

type structSpec struct {
	Name     string      `json:"name"`
	Versions string      `json:"versions"`
	Fields   []fieldSpec `json:"fields"`
}

type messageSpec struct {
	APIKey           *int         `json:"apiKey"`
	Type             string       `json:"type"`
	Name             string       `json:"name"`
	ValidVersions    string       `json:"validVersions"`
	FlexibleVersions string       `json:"flexibleVersions"`
	Fields           []fieldSpec  `json:"fields"`
	CommonStructs    []structSpec `json:"commonStructs"`
	source           string
}

// stripComments drops Kafka's // line comments, which encoding/json refuses.
func stripComments(b []byte) []byte {
	var out bytes.Buffer
	for _, line := range bytes.Split(b, []byte("\n")) {
		if t := bytes.TrimSpace(line); bytes.HasPrefix(t, []byte("//")) {
			continue
		}
		out.Write(line)
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// versions parses "0", "0-2", "3+" or "none" into a [lo, hi] Go literal.
func versions(s string) string {
	s = strings.TrimSpace(s)
	switch {
	case s == "" || s == "none":
		return "vr{-1, -2}"
	case strings.HasSuffix(s, "+"):
		return fmt.Sprintf("vr{%s, maxVersion}", strings.TrimSuffix(s, "+"))
	case strings.Contains(s, "-"):
		p := strings.SplitN(s, "-", 2)
		return fmt.Sprintf("vr{%s, %s}", p[0], p[1])
	}
	return fmt.Sprintf("vr{%s, %s}", s, s)
}

var primitives = map[string]string{
	"bool": "tBool", "int8": "tInt8", "int16": "tInt16", "uint16": "tUint16", "int32": "tInt32",
	"uint32": "tUint32", "int64": "tInt64", "float64": "tFloat64", "string": "tString", "bytes": "tBytes",
	"uuid": "tUUID", "records": "tRecords",
}

type gen struct {
	buf     bytes.Buffer
	structs map[string]structSpec
}

func (g *gen) fields(fs []fieldSpec, indent string) {
	g.buf.WriteString("[]field{\n")
	for _, f := range fs {
		g.field(f, indent+"\t")
	}
	g.buf.WriteString(indent + "}")
}

func (g *gen) field(f fieldSpec, indent string) {
	typ, elem := f.Type, ""
	if strings.HasPrefix(typ, "[]") {
		elem = strings.TrimPrefix(typ, "[]")
		typ = "tArray"
	}
	kind := func(t string) string {
		if p, ok := primitives[t]; ok {
			return p
		}
		return "tStruct"
	}
	sub := f.Fields
	var t, e string
	if typ == "tArray" {
		t, e = "tArray", kind(elem)
		if e == "tStruct" && len(sub) == 0 {
			sub = g.structs[elem].Fields
		}
	} else {
		t, e = kind(typ), "0"
		if t == "tStruct" && len(sub) == 0 {
			sub = g.structs[typ].Fields
		}
	}
	tag := -1
	switch v := f.Tag.(type) {
	case float64:
		tag = int(v)
	case string:
		tag, _ = strconv.Atoi(v)
	}
	def := ""
	switch d := f.Default.(type) {
	case string:
		def = d
	case bool:
		def = strconv.FormatBool(d)
	case float64:
		def = strconv.FormatFloat(d, 'f', -1, 64)
	}
	name := strings.ToLower(f.Name[:1]) + f.Name[1:]
	fmt.Fprintf(&g.buf, "%s{name: %q, typ: %s, elem: %s, versions: %s, nullable: %s, tagged: %s, tag: %d, def: %q",
		indent, name, t, e, versions(f.Versions), versions(f.NullableVersions), versions(f.TaggedVersions), tag, def)
	if e == "tStruct" || t == "tStruct" {
		g.buf.WriteString(", fields: ")
		g.fields(sub, indent)
	}
	g.buf.WriteString("},\n")
}

func main() {
	out := flag.String("o", "schemas_gen.go", "output file")
	flag.Parse()
	var specs []messageSpec
	for _, p := range flag.Args() {
		b, err := os.ReadFile(p)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		var m messageSpec
		if err := json.Unmarshal(stripComments(b), &m); err != nil {
			fmt.Fprintf(os.Stderr, "%s: %v\n", p, err)
			os.Exit(1)
		}
		m.source = filepath.Base(p)
		specs = append(specs, m)
	}
	sort.Slice(specs, func(i, j int) bool {
		ki, kj := -1, -1
		if specs[i].APIKey != nil {
			ki = *specs[i].APIKey
		}
		if specs[j].APIKey != nil {
			kj = *specs[j].APIKey
		}
		if ki != kj {
			return ki < kj
		}
		return specs[i].Name < specs[j].Name
	})
	g := &gen{}
	g.buf.WriteString("// Code generated by metadata/internal/schemagen from Apache Kafka's message\n// schema JSON; DO NOT EDIT.\n\npackage metadata\n\n")
	g.buf.WriteString("var generatedSchemas = []*schema{\n")
	for _, m := range specs {
		g.structs = map[string]structSpec{}
		for _, s := range m.CommonStructs {
			g.structs[s.Name] = s
		}
		key := -1
		if m.APIKey != nil {
			key = *m.APIKey
		}
		fmt.Fprintf(&g.buf, "\t{ // %s\n\t\tapiKey: %d, name: %q, kind: %q, valid: %s, flexible: %s,\n\t\tfields: ",
			m.source, key, m.Name, m.Type, versions(m.ValidVersions), versions(m.FlexibleVersions))
		g.fields(m.Fields, "\t\t")
		g.buf.WriteString(",\n\t},\n")
	}
	g.buf.WriteString("}\n")
	src, err := format.Source(g.buf.Bytes())
	if err != nil {
		os.Stdout.Write(g.buf.Bytes())
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
