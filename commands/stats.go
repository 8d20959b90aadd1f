package commands

import (
	"github.com/kseg/kseg/analyze"
	"github.com/kseg/kseg/dump"
	"github.com/urfave/cli/v2"
)

func init() { register(statsCommand) }

func statsCommand() *cli.Command {
	return &cli.Command{
		Name:      "stats",
		Usage:     "batch statistics from batch headers only: codecs, magics, batch sizes, producers, control and transactional share, timestamps",
		ArgsUsage: "PATH... (a log directory or a partition directory)",
		Flags: []cli.Flag{
			&cli.BoolFlag{Name: "json", Usage: "NDJSON: one object per partition, then the total"},
			&cli.BoolFlag{Name: "deep", Usage: "decompress every batch to measure compression ratios per codec"},
			&cli.IntFlag{Name: "top", Value: dump.DefaultStatsTop, Usage: "table rows: the N largest partitions by bytes (the total counts all)"},
			&cli.IntFlag{Name: "max-producers", Value: analyze.DefaultMaxProducers, Usage: "distinct producer ids counted exactly (beyond: \"≥N\")"},
		},
		Action: runStats,
	}
}

func runStats(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	if c.Int("top") < 1 || c.Int("max-producers") < 1 {
		return usagef("--top and --max-producers must be at least 1")
	}
	dirs, err := resolvePartitions(c.Args().Slice())
	if err != nil {
		return err
	}
	opts := analyze.StatsOptions{Deep: c.Bool("deep"), MaxProducers: c.Int("max-producers")}
	out := dump.NewStatsWriter(c.App.Writer, dump.StatsWriterOptions{JSON: c.Bool("json"), Top: c.Int("top"), Deep: opts.Deep})
	total := analyze.NewStats("total", opts)
	for _, d := range dirs {
		s, err := analyze.StatsPartition(d, opts)
		if err != nil {
			return err
		}
		total.Merge(s)
		if err := out.Partition(s); err != nil {
			return err
		}
	}
	if err := out.Finish(total); err != nil {
		return err
	}
	if total.ProblemCount > 0 {
		return ErrFindings
	}
	return nil
}
