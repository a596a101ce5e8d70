// Package bench holds the benchmark of issue 10 (see README.md). This test
// runs its quick mode, so the clients, the load server and the checks
// cannot rot: tiny sizes, one repetition, and only the clients that need
// nothing installed (the Go client and the mailexpect variants).
package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/bench/runner"
	"github.com/mailexpect/mailexpect/internal/testutil"
)

func TestQuick(t *testing.T) {
	if testing.Short() {
		t.Skip("builds mailexpect and runs the benchmark's quick mode")
	}
	bin := testutil.GoBuild(t, "../cmd/mailexpect", "./goclient")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	start := time.Now()
	var log strings.Builder
	rep, err := runner.Run(ctx, runner.Options{
		Quick:       true,
		BinDir:      bin,
		Clients:     []string{"go", "go-mem", "mx-raw", "mx-mod", "mx-modfile", "mx-idiom", "mx-each"},
		Cap:         20 * time.Second,
		StartupReps: 1,
		Log:         &log,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	for _, f := range rep.Failures() {
		t.Error(f)
	}
	ran := 0
	for _, c := range rep.Cells {
		switch {
		case c.Skip != "" && c.Client != "mx-each":
			t.Errorf("%s %s did not run: %s", c.W, c.Client, c.Skip)
		case c.Skip == "":
			ran++
		}
	}
	if ran < 15 {
		t.Errorf("only %d cells ran", ran)
	}
	md := rep.Markdown()
	for _, want := range []string{"## W1:", "## W5 growth", "## Targets", "| go |", "| go-mem |", "W1 mx-idiom wall <= 1.3x go-mem"} {
		if !strings.Contains(md, want) {
			t.Errorf("the table lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("progress:\n%s\ntable:\n%s", log.String(), md)
	}
	t.Logf("quick bench: %d cells in %v (after the build)", ran, time.Since(start).Round(time.Millisecond))
}
