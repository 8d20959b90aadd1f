package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDependencyDirection keeps the library layers free of CLI and rendering
// code (STYLE.md §1): format, index and segment must never reach commands,
// dump, urfave/cli, fatih/color or tablewriter; format and index import no
// other kseg package (index not even format).
func TestDependencyDirection(t *testing.T) {
	forbidden := []string{
		"github.com/kseg/kseg/commands", "github.com/kseg/kseg/dump",
		"github.com/urfave/cli", "github.com/fatih/color", "github.com/olekukonko/tablewriter",
	}
	cases := map[string][]string{
		"./format":  {"github.com/kseg/kseg/"},
		"./index":   {"github.com/kseg/kseg/"},
		"./segment": {"github.com/kseg/kseg/verify", "github.com/kseg/kseg/server", "github.com/kseg/kseg/appender"},
		"./state":   {"github.com/kseg/kseg/segment", "github.com/kseg/kseg/format"},
		// KRaft metadata is a library: it reads segments but never reaches
		// rendering, verify or the server; kbin is primitives only.
		"./metadata":         {"github.com/kseg/kseg/verify", "github.com/kseg/kseg/server", "github.com/kseg/kseg/appender"},
		"./internal/kbin":    {"github.com/kseg/kseg/"},
		"./internal/jackson": {"github.com/kseg/kseg/"},
		"./search":           {"github.com/kseg/kseg/verify", "github.com/kseg/kseg/server", "github.com/kseg/kseg/appender"},
	}
	for pkg, extra := range cases {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			if strings.Contains(string(out), "no Go files") || strings.Contains(string(out), "cannot find") || strings.Contains(string(out), "matched no packages") {
				t.Logf("%s: not present yet", pkg)
				continue
			}
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		self := "github.com/kseg/kseg/" + strings.TrimPrefix(pkg, "./")
		for _, dep := range strings.Fields(string(out)) {
			if dep == self {
				continue
			}
			for _, bad := range append(append([]string{}, forbidden...), extra...) {
				if dep == bad || strings.HasPrefix(dep, bad+"/") || (strings.HasSuffix(bad, "/") && strings.HasPrefix(dep, bad)) {
					t.Errorf("%s depends on %s", pkg, dep)
				}
			}
		}
	}
}
