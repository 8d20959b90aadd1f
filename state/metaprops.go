package state

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// meta.properties keys (kafka MetaProperties.*_PROP). Part of the format.
const (
	metaVersionProp     = "version"
	metaBrokerIDProp    = "broker.id"
	metaNodeIDProp      = "node.id"
	metaClusterIDProp   = "cluster.id"
	metaDirectoryIDProp = "directory.id"
)

// MetaProperties is a decoded meta.properties (log-dir root). Version 0 is
// the ZooKeeper-era file keyed by broker.id, version 1 the KRaft file keyed by
// node.id. Keys this type does not model (including node.id in a version-0
// file and broker.id in a version-1 file, which Kafka ignores) land in Other.
type MetaProperties struct {
	Version     int               `json:"version"`
	BrokerID    *int32            `json:"brokerId,omitempty"` // version 0 only
	NodeID      *int32            `json:"nodeId,omitempty"`   // version 1 only
	ClusterID   string            `json:"clusterId,omitempty"`
	DirectoryID string            `json:"directoryId,omitempty"` // base64url Uuid, 3.7+ (KIP-858)
	Other       map[string]string `json:"other,omitempty"`
	Findings    []Finding         `json:"findings,omitempty"`
}

type property struct {
	key, value string
	line       int
	pos        int64
}

// parseProperties reads the java.util.Properties.load syntax: "#" or "!"
// comments, key and value separated by "=", ":" or whitespace, backslash
// escapes (\t \n \r \f \uXXXX) and backslash line continuations. A repeated
// key keeps its last value, as Properties does.
func parseProperties(b []byte, file string) ([]property, error) {
	var props []property
	lines := splitLines(b)
	for i := 0; i < len(lines); i++ {
		first := lines[i]
		s := strings.TrimLeft(first.text, " \t\f")
		if s == "" || s[0] == '#' || s[0] == '!' {
			continue
		}
		// Join continuation lines: an odd number of trailing backslashes.
		for endsWithOddBackslashes(s) && i+1 < len(lines) {
			i++
			s = s[:len(s)-1] + strings.TrimLeft(lines[i].text, " \t\f")
		}
		if endsWithOddBackslashes(s) {
			s = s[:len(s)-1] // a continuation at end of file is dropped
		}
		// The key ends at the first unescaped '=', ':' or whitespace.
		keyEnd, sepEnd := len(s), len(s)
		for j := 0; j < len(s); j++ {
			c := s[j]
			if c == '\\' {
				j++
				continue
			}
			if c == '=' || c == ':' || c == ' ' || c == '\t' || c == '\f' {
				keyEnd = j
				k := j
				for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\f') {
					k++
				}
				if k < len(s) && (s[k] == '=' || s[k] == ':') && (c == ' ' || c == '\t' || c == '\f') {
					k++
				} else if c == '=' || c == ':' {
					k = j + 1
				}
				for k < len(s) && (s[k] == ' ' || s[k] == '\t' || s[k] == '\f') {
					k++
				}
				sepEnd = k
				break
			}
		}
		key, err := unescapeProperty(s[:keyEnd])
		if err != nil {
			return nil, &FormatError{File: file, Line: first.num, Position: first.pos, Reason: ReasonMalformedLine, Detail: err.Error()}
		}
		value, err := unescapeProperty(s[sepEnd:])
		if err != nil {
			return nil, &FormatError{File: file, Line: first.num, Position: first.pos, Reason: ReasonMalformedLine, Detail: err.Error()}
		}
		props = append(props, property{key: key, value: value, line: first.num, pos: first.pos})
	}
	return props, nil
}

func endsWithOddBackslashes(s string) bool {
	n := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		n++
	}
	return n%2 == 1
}

func unescapeProperty(s string) (string, error) {
	if !strings.Contains(s, `\`) {
		return s, nil
	}
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' || i+1 >= len(s) {
			sb.WriteByte(c)
			continue
		}
		i++
		switch c = s[i]; c {
		case 't':
			sb.WriteByte('\t')
		case 'n':
			sb.WriteByte('\n')
		case 'r':
			sb.WriteByte('\r')
		case 'f':
			sb.WriteByte('\f')
		case 'u':
			if i+5 > len(s) {
				return "", fmt.Errorf("malformed \\uxxxx encoding")
			}
			v, err := strconv.ParseUint(s[i+1:i+5], 16, 16)
			if err != nil {
				return "", fmt.Errorf("malformed \\uxxxx encoding")
			}
			sb.WriteRune(rune(v))
			i += 4
		default:
			sb.WriteByte(c)
		}
	}
	return sb.String(), nil
}

// DecodeMetaProperties decodes and validates meta.properties as kafka
// MetaProperties.Builder does: version defaults to 0 and must be 0 or 1;
// version 1 requires an integer node.id and a cluster.id; broker.id and
// node.id must be base-10 int32s; directory.id must be a Uuid. A version-0
// file without broker.id is a Finding: Kafka 3.7+ loads it, but a ZooKeeper
// broker that expects its id there will not.
func DecodeMetaProperties(b []byte, file string) (*MetaProperties, error) {
	if len(b) > MaxTextFileSize {
		return nil, &FormatError{File: file, Reason: ReasonFileTooLarge,
			Detail: fmt.Sprintf("%d bytes exceeds the %d-byte limit for text state files", len(b), MaxTextFileSize)}
	}
	list, err := parseProperties(b, file)
	if err != nil {
		return nil, err
	}
	props := make(map[string]property, len(list))
	for _, p := range list {
		props[p.key] = p
	}
	bad := func(p property, detail string) error {
		return &FormatError{File: file, Line: p.line, Position: p.pos, Reason: ReasonBadProperty, Detail: detail}
	}
	intProp := func(p property) (*int32, error) {
		v, err := strconv.ParseInt(p.value, 10, 32)
		if err != nil {
			return nil, bad(p, fmt.Sprintf("Unable to read %s as a base-10 number: %q", p.key, p.value))
		}
		n := int32(v)
		return &n, nil
	}
	m := &MetaProperties{}
	if p, ok := props[metaVersionProp]; ok {
		v, err := strconv.ParseInt(p.value, 10, 32)
		if err != nil || (v != 0 && v != 1) {
			return nil, &FormatError{File: file, Line: p.line, Position: p.pos, Reason: ReasonUnsupportedVersion,
				Detail: fmt.Sprintf("Unknown meta.properties version number %q", p.value)}
		}
		m.Version = int(v)
	}
	used := map[string]bool{metaVersionProp: true, metaClusterIDProp: true, metaDirectoryIDProp: true}
	if m.Version == 0 {
		used[metaBrokerIDProp] = true
		if p, ok := props[metaBrokerIDProp]; ok {
			if m.BrokerID, err = intProp(p); err != nil {
				return nil, err
			}
		} else {
			m.Findings = append(m.Findings, Finding{Reason: ReasonMissingBrokerID,
				Detail: "version 0 meta.properties has no broker.id"})
		}
	} else {
		used[metaNodeIDProp] = true
		p, ok := props[metaNodeIDProp]
		if !ok {
			return nil, &FormatError{File: file, Reason: ReasonMissingProperty, Detail: "node.id was not found."}
		}
		if m.NodeID, err = intProp(p); err != nil {
			return nil, err
		}
		if _, ok := props[metaClusterIDProp]; !ok {
			return nil, &FormatError{File: file, Reason: ReasonMissingProperty, Detail: "cluster.id was not found."}
		}
	}
	if p, ok := props[metaClusterIDProp]; ok {
		m.ClusterID = p.value
	}
	if p, ok := props[metaDirectoryIDProp]; ok {
		if _, err := ParseUUID(p.value); err != nil {
			return nil, bad(p, "Unable to read directory.id as a Uuid: "+err.Error())
		}
		m.DirectoryID = p.value
	}
	for k, p := range props {
		if !used[k] {
			if m.Other == nil {
				m.Other = make(map[string]string)
			}
			m.Other[k] = p.value
		}
	}
	return m, nil
}

// AppendMetaProperties appends m in java.util.Properties.store form as Kafka
// writes it (PropertiesUtils.writePropertiesFile with an empty comment), but
// without the timestamp comment line, so the output is deterministic: "#\n"
// then version, broker.id or node.id, cluster.id, directory.id and the Other
// keys in sorted order. Findings are not written.
func AppendMetaProperties(dst []byte, m *MetaProperties) []byte {
	dst = append(dst, "#\n"...)
	line := func(k, v string) {
		dst = appendPropertyEscaped(dst, k, true)
		dst = append(dst, '=')
		dst = appendPropertyEscaped(dst, v, false)
		dst = append(dst, '\n')
	}
	line(metaVersionProp, strconv.Itoa(m.Version))
	if m.Version == 0 && m.BrokerID != nil {
		line(metaBrokerIDProp, strconv.FormatInt(int64(*m.BrokerID), 10))
	}
	if m.Version != 0 && m.NodeID != nil {
		line(metaNodeIDProp, strconv.FormatInt(int64(*m.NodeID), 10))
	}
	if m.ClusterID != "" || m.Version != 0 { // version 1 requires the key, even if empty
		line(metaClusterIDProp, m.ClusterID)
	}
	if m.DirectoryID != "" {
		line(metaDirectoryIDProp, m.DirectoryID)
	}
	keys := make([]string, 0, len(m.Other))
	for k := range m.Other {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		line(k, m.Other[k])
	}
	return dst
}

// appendPropertyEscaped mirrors Properties.saveConvert without unicode
// escapes (store(Writer) as Kafka calls it).
func appendPropertyEscaped(dst []byte, s string, isKey bool) []byte {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch c {
		case ' ':
			if i == 0 || isKey {
				dst = append(dst, '\\')
			}
			dst = append(dst, ' ')
		case '\t':
			dst = append(dst, `\t`...)
		case '\n':
			dst = append(dst, `\n`...)
		case '\r':
			dst = append(dst, `\r`...)
		case '\f':
			dst = append(dst, `\f`...)
		case '=', ':', '#', '!', '\\':
			dst = append(dst, '\\', c)
		default:
			dst = append(dst, c)
		}
	}
	return dst
}
