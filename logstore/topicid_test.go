package logstore

import (
	"strings"
	"testing"

	"github.com/kseg/kseg/state"
)

// TestRandomTopicID: ids are version-4 UUIDs as Java's UUID.randomUUID
// draws them, never reserved, never printed with a leading '-', and do not
// repeat.
func TestRandomTopicID(t *testing.T) {
	seen := map[state.UUID]bool{}
	for i := 0; i < 5000; i++ {
		id, err := randomTopicID()
		if err != nil {
			t.Fatal(err)
		}
		if id[6]>>4 != 4 || id[8]>>6 != 2 || strings.HasPrefix(id.String(), "-") || id.IsZero() || seen[id] {
			t.Fatalf("bad id %x (%s)", id, id)
		}
		seen[id] = true
	}
}
