package commands

import (
	"errors"
	"fmt"
	"net"
	"os/signal"
	"syscall"

	"github.com/kseg/kseg/appender"
	"github.com/kseg/kseg/logstore"
	"github.com/kseg/kseg/server"
	"github.com/urfave/cli/v2"
)

func init() { register(serveCommand) }

func serveCommand() *cli.Command {
	return &cli.Command{
		Name:      "serve",
		Usage:     "serve a log directory over the Kafka protocol (single broker, node 0) so real clients can consume it",
		ArgsUsage: "LOGDIR",
		Description: "Read-only by default: every file is opened O_RDONLY and nothing is created in LOGDIR.\n" +
			"Fetch sends record bytes from the segment files to the socket with sendfile.\n" +
			"--writable enables Produce (appended through the kseg append writer, under LOGDIR/.lock),\n" +
			"CreateTopics and DeleteRecords. Admin APIs (DescribeCluster, DescribeConfigs, DescribeLogDirs,\n" +
			"ListGroups/DescribeGroups/OffsetFetch from LOGDIR's own __consumer_offsets, DescribeProducers,\n" +
			"List/DescribeTransactions from __transaction_state, OffsetForLeaderEpoch) answer from the files.\n" +
			"Topic auto-creation is off unless --auto-create-topics (Kafka's default is on): a mistyped topic\n" +
			"name would otherwise create a partition directory in an incident's log dir.\n" +
			"Listens on loopback unless told otherwise; SIGINT/SIGTERM drain in-flight requests and exit.",
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "listen", Value: "127.0.0.1:9092", Usage: "address to listen on"},
			&cli.BoolFlag{Name: "read-only", Value: true, Usage: "refuse Produce (the default; --writable turns it off)"},
			&cli.BoolFlag{Name: "writable", Usage: "accept Produce and InitProducerId, appending to LOGDIR"},
			&cli.BoolFlag{Name: "auto-create-topics", Usage: "with --writable: create unknown topics (1 partition) on Produce and Metadata, as auto.create.topics.enable"},
			&cli.BoolFlag{Name: "no-zero-copy", Usage: "send Fetch data with read+write instead of sendfile (for comparison)"},
			&cli.StringFlag{Name: "offsets-file", Usage: "persist committed consumer-group offsets to FILE (outside LOGDIR)"},
			&cli.Int64Flag{Name: "max-request-bytes", Value: 100 << 20, Usage: "largest request accepted; larger ones close the connection"},
			&cli.IntFlag{Name: "max-connections", Value: 1024, Usage: "connections served at once"},
			&cli.StringFlag{Name: "fsync", Value: "segment", Usage: "with --writable: always|segment|never"},
		},
		Action: runServe,
	}
}

func runServe(c *cli.Context) error {
	if err := needArgs(c, 1); err != nil {
		return err
	}
	if c.NArg() > 1 {
		// One log directory per server: a second PATH was ignored silently.
		return usagef("serve: one LOGDIR, not %d (see 'kseg serve --help')", c.NArg())
	}
	if c.Int("max-connections") < 1 {
		// 0 or less silently meant the default of 1024.
		return usagef("--max-connections must be at least 1")
	}
	writable := c.Bool("writable")
	if writable && c.IsSet("read-only") && c.Bool("read-only") {
		return usagef("--read-only and --writable are exclusive")
	}
	if c.Bool("auto-create-topics") && !writable {
		return usagef("--auto-create-topics needs --writable")
	}
	fsync, err := appender.ParseFsyncPolicy(c.String("fsync"))
	if err != nil {
		return usageError{err}
	}
	mrb := c.Int64("max-request-bytes")
	if mrb <= 0 || mrb > 1<<31-1 {
		return usagef("--max-request-bytes must be between 1 and %d", 1<<31-1)
	}
	store, err := logstore.Open(c.Args().First(), logstore.Options{Writable: writable, Appender: appender.Options{Fsync: fsync, LeaderEpoch: appender.UseLatestLeaderEpoch}})
	if err != nil {
		return err
	}
	configs, err := store.MetadataConfigs()
	if err != nil {
		// A damaged metadata log must not keep the data from being served.
		fmt.Fprintf(c.App.ErrWriter, "kseg serve: topic configs from the KRaft metadata log unavailable (%v); DescribeConfigs answers defaults\n", err)
	}
	ctx, stop := signal.NotifyContext(c.Context, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	cfg := server.Config{Listen: c.String("listen"), ReadOnly: !writable, NoZeroCopy: c.Bool("no-zero-copy"),
		OffsetsFile: c.String("offsets-file"), MaxRequestBytes: int32(mrb), MaxConns: c.Int("max-connections"),
		ClusterID: store.ClusterID(), AutoCreateTopics: c.Bool("auto-create-topics"), Configs: configs,
		// The server's messages already start with "kseg serve:".
		Logf: func(format string, args ...any) { fmt.Fprintf(c.App.ErrWriter, format+"\n", args...) }}
	mode := "read-only"
	if writable {
		mode = "writable"
	}
	// Listen here, so a bad address fails before the banner and the banner
	// names the port actually bound (--listen HOST:0 picks a free one).
	if cfg.Listen == "" {
		cfg.Listen = server.DefaultListen
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.Listen)
	if err != nil {
		store.Close()
		return fmt.Errorf("kseg/server: listen: %w", err)
	}
	fmt.Fprintf(c.App.ErrWriter, "kseg serve: %s on %s (%s)\n", c.Args().First(), ln.Addr(), mode)
	err = server.Serve(ctx, ln, store, cfg)
	if errors.Is(err, server.ErrOffsetsFileInLogDir) {
		return usageError{err} // was exit 3, as if the disk had failed
	}
	return err
}
