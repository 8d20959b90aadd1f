package commands

import (
	"bytes"
	"context"
	"net"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kseg/kseg/internal/testutil"
)

// TestServeBannerNamesBoundPort: with --listen HOST:0 the banner used to say
// "on 127.0.0.1:0", so nobody could connect; it names the bound port now,
// and a bad address fails before any banner. The server's own messages are
// not prefixed twice, and the sample is left unchanged.
func TestServeBannerNamesBoundPort(t *testing.T) {
	before := testutil.HashTree(t, sample)
	var out, errb bytes.Buffer
	app := NewApp(strings.NewReader(""), &out, &errb)
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := app.RunContext(ctx, reorderArgs(app, []string{"kseg", "serve", "--listen", "127.0.0.1:0", sample}))
	if code := ExitCode(err, &errb); code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	m := regexp.MustCompile(`kseg serve: \S+ on (\S+) \(read-only\)`).FindStringSubmatch(errb.String())
	if m == nil {
		t.Fatalf("no banner in %q", errb.String())
	}
	if _, port, err := net.SplitHostPort(m[1]); err != nil || port == "0" {
		t.Errorf("banner address %q: want the bound port (%v)", m[1], err)
	}
	if strings.Contains(errb.String(), "kseg serve: kseg serve:") {
		t.Errorf("doubled prefix: %q", errb.String())
	}
	testutil.RequireUnchanged(t, sample, before)

	_, errOut, code := run(t, "serve", "--listen", "bogus", sample)
	if code != ExitFailure || strings.Contains(errOut, " on bogus") {
		t.Errorf("bad --listen: exit %d, stderr %q: want exit %d and no banner", code, errOut, ExitFailure)
	}
	// Regressions: a second LOGDIR and --max-connections 0 were accepted
	// silently (the second ignored, 0 meaning 1024).
	for _, args := range [][]string{
		{"serve", "--listen", "127.0.0.1:0", sample, sample},
		{"serve", "--listen", "127.0.0.1:0", "--max-connections", "0", sample},
		// --offsets-file inside LOGDIR is refused as a usage error (was exit 3).
		{"serve", "--listen", "127.0.0.1:0", "--offsets-file", filepath.Join(sample, "offsets.json"), sample},
	} {
		if _, errOut, code := run(t, args...); code != ExitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, ExitUsage, errOut)
		}
	}
}
