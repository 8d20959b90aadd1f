// Command kseg inspects, verifies, repairs, appends to and serves Apache
// Kafka log directories. See README.md.
package main

import (
	"os"

	"github.com/kseg/kseg/commands"
)

func main() {
	os.Exit(commands.Main(os.Args, os.Stdin, os.Stdout, os.Stderr))
}
