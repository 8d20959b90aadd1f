package commands

import (
	"io"

	"github.com/kseg/kseg/dump"
	"github.com/kseg/kseg/format"
	"github.com/urfave/cli/v2"
)

// Kafka 0.7 segments (<byte-offset>.kafka) are rendered by dump.Kafka07File.
func init() {
	extraDumpers[format.Kafka07Suffix] = func(_ *cli.Context, w, ew io.Writer, path string, o dump.LogOptions) (bool, error) {
		return dump.Kafka07File(w, ew, path, o)
	}
}
