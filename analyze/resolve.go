package analyze

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/kseg/kseg/segment"
)

// ErrNotLogDir is returned (wrapped with the path) for a PATH argument that
// is neither a log directory nor a partition directory.
var ErrNotLogDir = errors.New("kseg/analyze: not a log directory or partition directory")

// ResolvePartitions turns PATH arguments into partition directories, sorted
// and without duplicates. A directory named like a partition
// (<topic>-<n>, also .delete/-future/-stray forms) or holding a .log file is a
// partition; any other directory is a log dir whose partition subdirectories
// are listed. An I/O error is returned wrapped; a file or a directory that is
// neither gives ErrNotLogDir.
func ResolvePartitions(paths []string) ([]string, error) {
	seen := map[string]bool{}
	var out []string
	add := func(p string) {
		p = filepath.Clean(p)
		if !seen[p] {
			seen[p] = true
			out = append(out, p)
		}
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("kseg/analyze: %w", err)
		}
		if !fi.IsDir() {
			return nil, fmt.Errorf("%w: %s is a file", ErrNotLogDir, p)
		}
		isPart, err := looksLikePartition(p)
		if err != nil {
			return nil, err
		}
		if isPart {
			add(p)
			continue
		}
		parts, err := segment.ListLogDir(p)
		if err != nil {
			return nil, err
		}
		if len(parts) == 0 {
			return nil, fmt.Errorf("%w: %s holds no partition directories and no .log files", ErrNotLogDir, p)
		}
		for _, d := range parts {
			add(d)
		}
	}
	sort.Strings(out)
	return out, nil
}

func looksLikePartition(dir string) (bool, error) {
	if segment.IsPartitionDir(dir) {
		return true, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false, fmt.Errorf("kseg/analyze: %w", err)
	}
	for _, e := range ents {
		if !e.IsDir() && strings.HasSuffix(e.Name(), segment.LogSuffix) {
			return true, nil
		}
	}
	return false, nil
}
