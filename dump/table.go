package dump

import (
	"fmt"
	"io"
	"strings"

	"github.com/fatih/color"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// WriteTable renders a bounded summary (one row per partition or segment,
// never per record: a table buffers its rows to size the columns) with ASCII
// borders, so the output is the same on every terminal and in golden files.
// Header cells are printed as given: tablewriter v1 upper-cases and rewrites
// them unless auto-formatting is turned off.
func WriteTable(w io.Writer, header []string, rows [][]string) error {
	t := tablewriter.NewTable(w,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{Symbols: tw.NewSymbols(tw.StyleASCII)})),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
	)
	hdr := make([]any, len(header))
	for i, h := range header {
		hdr[i] = h
	}
	t.Header(hdr...)
	for _, r := range rows {
		cells := make([]any, len(r))
		for i, c := range r {
			cells[i] = c
		}
		if err := t.Append(cells...); err != nil {
			return fmt.Errorf("kseg/dump: table: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("kseg/dump: table: %w", err)
	}
	return nil
}

// Paint colours s by severity ("error" red, "warning" yellow, "info" faint)
// when enabled. fatih/color's NoColor is a process-wide global computed from
// os.Stdout alone, so commands decide and pass enabled; each *color.Color is
// forced on or off here.
func Paint(s, severity string, enabled bool) string {
	if !enabled {
		return s
	}
	var c *color.Color
	switch severity {
	case "error":
		c = color.New(color.FgRed, color.Bold)
	case "warning":
		c = color.New(color.FgYellow)
	case "info":
		c = color.New(color.Faint)
	default:
		return s
	}
	c.EnableColor()
	return c.Sprint(s)
}

// Progress draws a one-line progress bar on a terminal (stderr). The caller
// throttles Update and calls Done before printing anything else to the same
// terminal. Not safe for concurrent use.
type Progress struct {
	w     io.Writer
	width int
	drawn bool
}

// NewProgress returns a progress bar writing to w.
func NewProgress(w io.Writer) *Progress { return &Progress{w: w, width: 30} }

// Update redraws the bar: done of total units, plus a free-form note.
func (p *Progress) Update(done, total int, note string) {
	if total <= 0 {
		return
	}
	fill := done * p.width / total
	bar := strings.Repeat("=", fill) + strings.Repeat(" ", p.width-fill)
	fmt.Fprintf(p.w, "\r[%s] %d/%d %s\x1b[K", bar, done, total, note)
	p.drawn = true
}

// Done erases the bar.
func (p *Progress) Done() {
	if p.drawn {
		fmt.Fprint(p.w, "\r\x1b[K")
		p.drawn = false
	}
}
