package jackson

import (
	"encoding/json"
	"testing"
)

func TestAppendString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{"q\"b\\s/", `"q\"b\\s/"`}, // Jackson leaves '/' alone
		{"\b\t\n\f\r", `"\b\t\n\f\r"`},
		{"\x00\x01\x1f\x7f", `"\u0000\u0001\u001F` + "\x7f" + `"`}, // upper-case hex; DEL is not escaped
		{"<&>", `"<&>"`},           // no HTML escaping, unlike encoding/json
		{"é\u2028", "\"é\u2028\""}, // non-ASCII stays UTF-8
		{"a\xffb", "\"a\uFFFDb\""}, // invalid UTF-8 → U+FFFD
	}
	for _, tt := range tests {
		got := string(AppendString([]byte("x"), tt.in))
		if got != "x"+tt.want {
			t.Errorf("AppendString(%q) = %s, want %s", tt.in, got[1:], tt.want)
		}
		// Whatever Jackson's choices, the output is JSON that decodes back
		// to the (UTF-8-repaired) input.
		var back string
		if err := json.Unmarshal([]byte(got[1:]), &back); err != nil {
			t.Errorf("%q: %v", got[1:], err)
		}
	}
}

func TestAppendInt32s(t *testing.T) {
	for _, tt := range []struct {
		in   []int32
		want string
	}{{nil, "[]"}, {[]int32{7}, "[7]"}, {[]int32{-2147483648, 0, 2147483647}, "[-2147483648,0,2147483647]"}} {
		if got := string(AppendInt32s(nil, tt.in)); got != tt.want {
			t.Errorf("AppendInt32s(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}
