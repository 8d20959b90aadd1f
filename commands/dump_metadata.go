package commands

import (
	"io"
	"path/filepath"
	"strings"

	"github.com/kseg/kseg/dump"
	"github.com/urfave/cli/v2"
)

func init() {
	extraDumpers["quorum-state"] = func(c *cli.Context, w, ew io.Writer, path string, o dump.LogOptions) (bool, error) {
		return dump.QuorumState(w, path, path, o.JSON)
	}
}

// autoClusterMetadata reports whether a .log or .checkpoint file should be
// printed with the cluster-metadata decoder although the user did not ask:
// payloads are being printed, the file is a KRaft snapshot or sits in a
// __cluster_metadata-N directory, and no other decoder was chosen.
func autoClusterMetadata(c *cli.Context, o dump.LogOptions, path string) bool {
	if !o.PrintData || o.RecordFormatter != nil || c.IsSet("key-decoder") || c.IsSet("value-decoder") {
		return false
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		abs = path
	}
	return strings.HasSuffix(abs, ".checkpoint") || strings.HasPrefix(filepath.Base(filepath.Dir(abs)), "__cluster_metadata-")
}
