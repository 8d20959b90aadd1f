// Package jackson writes JSON text the way Jackson's ObjectNode.toString does,
// which is what Kafka's tools print (DumpLogSegments and the generated
// JsonConverters): no spaces, and strings escaped as
// com.fasterxml.jackson.core.io.CharTypes does for its default output.
// It is shared by the coordinator and metadata decoders so that both print
// strings byte-for-byte alike. It imports only the standard library.
package jackson

import (
	"strconv"
	"unicode/utf8"
)

const upperHex = "0123456789ABCDEF"

// AppendString appends s as a JSON string literal escaped like Jackson: \"
// \\ \b \t \n \f \r, \u00XX (upper-case hex) for the other control
// characters, everything else as UTF-8. Invalid UTF-8 bytes become U+FFFD,
// as Java's String(bytes, UTF_8) decoding turns them before Jackson sees
// them.
func AppendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\t':
				dst = append(dst, '\\', 't')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\r':
				dst = append(dst, '\\', 'r')
			default:
				if c < 0x20 {
					dst = append(dst, '\\', 'u', '0', '0', upperHex[c>>4], upperHex[c&0xf])
				} else {
					dst = append(dst, c)
				}
			}
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		} else {
			dst = append(dst, s[i:i+n]...)
		}
		i += n
	}
	return append(dst, '"')
}

// AppendInt32s appends v as a JSON array of numbers.
func AppendInt32s(dst []byte, v []int32) []byte {
	dst = append(dst, '[')
	for i, x := range v {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = strconv.AppendInt(dst, int64(x), 10)
	}
	return append(dst, ']')
}
