// Command gen regenerates kseg's bundled sample log directory
// (testdata/sample) from internal/fixtures. Run it with `go generate` from
// the repository root; the golden tests fail if the committed sample differs
// from what the generator writes.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/kseg/kseg/internal/fixtures"
)

func main() {
	out := flag.String("out", "testdata/sample", "log directory to (re)write")
	flag.Parse()
	if err := os.RemoveAll(*out); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := fixtures.WriteLogDir(*out, fixtures.SamplePartitions()); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
