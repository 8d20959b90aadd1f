// Package dump renders kseg's data to an io.Writer it is given: the
// DumpLogSegments-compatible text format (same keys, same order, so operators
// can diff kseg against kafka-dump-log.sh) and NDJSON. It is the only package
// that imports tablewriter or fatih/color. It never decides exit codes.
package dump

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"strconv"
	"unicode/utf8"
)

// Decoder says how key, value and header bytes are printed.
type Decoder uint8

// Decoders (--key-decoder / --value-decoder).
const (
	DecodeString   Decoder = iota // UTF-8; invalid bytes and control characters escaped
	DecodeHex                     // lowercase hex
	DecodeBase64                  // standard base64
	DecodeRedacted                // length and a short sha256
)

// ParseDecoder maps a flag value to a Decoder.
func ParseDecoder(s string) (Decoder, error) {
	switch s {
	case "", "string", "utf8":
		return DecodeString, nil
	case "hex":
		return DecodeHex, nil
	case "base64":
		return DecodeBase64, nil
	case "redacted":
		return DecodeRedacted, nil
	}
	return 0, fmt.Errorf("unknown decoder %q (want string, hex, base64 or redacted)", s)
}

func (d Decoder) String() string {
	return [...]string{"string", "hex", "base64", "redacted"}[d]
}

// appendDecoded renders b with d. In the string form, a byte that is not
// valid UTF-8 becomes \xNN and control characters become \n, \t, \r or
// \u00NN, and a backslash becomes \\, so one record is always one line and the
// original bytes can be recovered. extraEscape lists ASCII bytes that must
// also be escaped (as \xNN) in this context, e.g. ",]" inside a header list.
func appendDecoded(dst []byte, b []byte, d Decoder, extraEscape string) []byte {
	switch d {
	case DecodeHex:
		return hex.AppendEncode(dst, b)
	case DecodeBase64:
		return base64.StdEncoding.AppendEncode(dst, b)
	case DecodeRedacted:
		sum := sha256.Sum256(b)
		dst = append(dst, "<redacted len="...)
		dst = strconv.AppendInt(dst, int64(len(b)), 10)
		dst = append(dst, " sha256="...)
		dst = hex.AppendEncode(dst, sum[:6])
		return append(dst, '>')
	}
	plain := plainBytes(extraEscape)
	for i := 0; i < len(b); {
		// Copy the longest run of bytes that need no escaping in one go.
		j := i
		if extraEscape == "" {
			for j+8 <= len(b) && plain8(binary.LittleEndian.Uint64(b[j:])) {
				j += 8
			}
		}
		for j < len(b) && plain[b[j]] {
			j++
		}
		if j > i {
			dst = append(dst, b[i:j]...)
			i = j
			continue
		}
		c := b[i]
		if c >= 0x20 && c < 0x7f {
			if c == '\\' {
				dst = append(dst, '\\', '\\')
			} else if extraEscape != "" && containsByte(extraEscape, c) {
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			} else {
				dst = append(dst, c)
			}
			i++
			continue
		}
		if c < 0x80 {
			switch c {
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			continue
		}
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 || r == 0x2028 || r == 0x2029 || (r >= 0x80 && r < 0xa0) {
			for k := 0; k < max(n, 1); k++ {
				c := b[i+k]
				dst = append(dst, '\\', 'x', hexDigits[c>>4], hexDigits[c&15])
			}
			i += max(n, 1)
			continue
		}
		dst = append(dst, b[i:i+n]...)
		i += n
	}
	return dst
}

const hexDigits = "0123456789abcdef"

// plainNone, plainList and plainHeader mark the bytes appendDecoded copies
// as they are with the extraEscape sets the dump uses ("", ",]", ",=]"):
// printable ASCII except the backslash and the set's bytes. A table lookup
// per byte (and plain8 per 8 bytes of keys and values) keeps the string
// decoder, the deep dump's hot loop, near memory speed.
var (
	plainNone   = newPlainTable("")
	plainList   = newPlainTable(",]")
	plainHeader = newPlainTable(",=]")
)

// plain8 reports whether all 8 bytes of x are printable ASCII other than
// the backslash: none below 0x20, none at or above 0x7f, none equal to '\\'
// (word-at-a-time tests; each is exact as a yes/no answer).
func plain8(x uint64) bool {
	const lo, hi = 0x0101010101010101, 0x8080808080808080
	if (x-lo*0x20)&^x&hi != 0 { // a byte below 0x20
		return false
	}
	if ((x+lo)|x)&hi != 0 { // a byte at or above 0x7f
		return false
	}
	y := x ^ lo*'\\'
	return (y-lo)&^y&hi == 0 // no backslash
}

func newPlainTable(extra string) *[256]bool {
	t := new([256]bool)
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '\\' && !containsByte(extra, byte(c))
	}
	return t
}

func plainBytes(extra string) *[256]bool {
	switch extra {
	case "":
		return plainNone
	case ",]":
		return plainList
	case ",=]":
		return plainHeader
	}
	return newPlainTable(extra)
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// appendJSONString appends s as a JSON string literal.
func appendJSONString(dst []byte, s []byte) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&15])
			}
			i++
			start = i
			continue
		}
		r, n := utf8.DecodeRune(s[i:])
		if r == utf8.RuneError && n == 1 || r == 0x2028 || r == 0x2029 {
			dst = append(dst, s[start:i]...)
			if n == 1 {
				dst = append(dst, `\ufffd`...)
			} else {
				dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&15])
			}
			i += n
			start = i
			continue
		}
		i += n
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}

func appendJSONStr(dst []byte, s string) []byte {
	return appendJSONString(dst, []byte(s))
}

// appendJSONDecoded appends the decoded bytes as a JSON string, or null.
func appendJSONDecoded(dst []byte, b []byte, isNull bool, d Decoder, scratch *[]byte) []byte {
	if isNull {
		return append(dst, "null"...)
	}
	if d == DecodeString && utf8.Valid(b) {
		return appendJSONString(dst, b)
	}
	*scratch = appendDecoded((*scratch)[:0], b, d, "")
	return appendJSONString(dst, *scratch)
}

// jsonBinary reports whether the string decoder must fall back to base64 for
// b in JSON: bytes that are not valid UTF-8 cannot be a JSON string without
// an escape convention a reader could confuse with text holding the same
// characters.
func jsonBinary(b []byte, isNull bool, d Decoder) bool {
	return d == DecodeString && !isNull && !utf8.Valid(b)
}

// appendJSONField appends `"name":value` for one key, payload or header
// value. With the string decoder, valid UTF-8 is a JSON string and anything
// else is base64 followed by `,"<name>Encoding":"base64"`, so binary data is
// never mistaken for text; other decoders render as appendJSONDecoded.
func appendJSONField(dst []byte, name string, b []byte, isNull bool, d Decoder, scratch *[]byte) []byte {
	dst = append(dst, '"')
	dst = append(dst, name...)
	dst = append(dst, '"', ':')
	if jsonBinary(b, isNull, d) {
		dst = append(dst, '"')
		dst = base64.StdEncoding.AppendEncode(dst, b)
		dst = append(dst, `","`...)
		dst = append(dst, name...)
		return append(dst, `Encoding":"base64"`...)
	}
	return appendJSONDecoded(dst, b, isNull, d, scratch)
}
