// Package commands wires kseg's CLI (urfave/cli v2): parse flags, build an
// Options struct, call a library, render, and turn the error into an exit
// code. No logic lives here.
package commands

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/urfave/cli/v2"
)

// Exit codes, part of kseg's public contract (README "Exit codes").
const (
	ExitOK       = 0 // clean (repair dry run: nothing to do)
	ExitFindings = 1 // corruption, inconsistency, or repair needed
	ExitUsage    = 2 // usage error
	ExitFailure  = 3 // I/O, permission, broker lock held
)

// ErrFindings is returned by an action that completed but found problems.
var ErrFindings = errors.New("kseg: findings reported")

// usageError marks a command-line mistake.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Version is set at build time (-ldflags "-X …commands.Version=…").
var Version = "dev"

// NewApp returns a fresh command tree writing to the given streams. Tests run
// it in-process with RunContext.
func NewApp(stdin io.Reader, stdout, stderr io.Writer) *cli.App {
	app := &cli.App{
		Name:      "kseg",
		Usage:     "inspect, verify, repair, append to and serve Apache Kafka log directories",
		Version:   Version,
		Reader:    stdin,
		Writer:    stdout,
		ErrWriter: stderr,
		// Without this, urfave/cli calls os.Exit from Run (HandleExitCoder),
		// which would kill tests; Main maps errors to exit codes instead.
		ExitErrHandler:         func(*cli.Context, error) {},
		OnUsageError:           onUsageError,
		HideHelpCommand:        true,
		UseShortOptionHandling: false,
		Commands:               commandList(),
	}
	for _, c := range app.Commands {
		setUsageHandler(c)
	}
	return app
}

func setUsageHandler(c *cli.Command) {
	c.OnUsageError = onUsageError
	for _, s := range c.Subcommands {
		setUsageHandler(s)
	}
}

func onUsageError(_ *cli.Context, err error, _ bool) error { return usageError{err} }

// commands is filled by each command file's init.
var registered []func() *cli.Command

func register(f func() *cli.Command) { registered = append(registered, f) }

func commandList() []*cli.Command {
	var cs []*cli.Command
	for _, f := range registered {
		cs = append(cs, f())
	}
	return cs
}

// Main runs the app and maps its error to an exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	app := NewApp(stdin, stdout, stderr)
	err := app.RunContext(context.Background(), reorderArgs(app, args))
	return ExitCode(err, stderr)
}

// ExitCode maps an action error to kseg's exit codes, printing it last.
func ExitCode(err error, stderr io.Writer) int {
	if err == nil {
		return ExitOK
	}
	var ue usageError
	switch {
	case errors.Is(err, ErrFindings):
		return ExitFindings
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "kseg: %v\n", err)
		return ExitUsage
	}
	var ec cli.ExitCoder
	if errors.As(err, &ec) {
		if msg := err.Error(); msg != "" {
			fmt.Fprintln(stderr, msg)
		}
		return ec.ExitCode()
	}
	fmt.Fprintf(stderr, "kseg: %v\n", err)
	return ExitFailure
}

// needArgs checks the positional argument count.
func needArgs(c *cli.Context, min int) error {
	if c.NArg() < min {
		return usagef("%s: missing PATH argument (see 'kseg %s --help')", c.Command.Name, c.Command.FullName())
	}
	return nil
}
