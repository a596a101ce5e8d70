package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

// buildBinary builds mailexpect once for the tests that need a real
// process (signals, start-up time).
func buildBinary(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	return filepath.Join(testutil.GoBuild(t, "."), "mailexpect")
}

// TestSignals checks that SIGINT and SIGTERM stop a blocked run with 130
// and 143.
func TestSignals(t *testing.T) {
	bin := buildBinary(t)
	for _, tt := range []struct {
		sig  syscall.Signal
		want int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		t.Run(tt.sig.String(), func(t *testing.T) {
			cmd := exec.Command(bin, "-e", "print('ready') sleep(30)")
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			line, err := bufio.NewReader(out).ReadString('\n')
			if err != nil || line != "ready\n" {
				t.Fatalf("read %q, %v", line, err)
			}
			start := time.Now()
			cmd.Process.Signal(tt.sig)
			err = cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.want {
				t.Fatalf("exit: %v, want code %d", err, tt.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Errorf("took %v to stop", d)
			}
		})
	}
}

// BenchmarkStartup prices a whole process that runs no Lua
// (`mailexpect -e ""`): the target is under 10 ms (about 2.5 ms on an idle
// 2-core machine). A benchmark, not a timed test: a busy machine must not
// fail the suite.
func BenchmarkStartup(b *testing.B) {
	bin := buildBinary(b)
	for b.Loop() {
		cmd := exec.Command(bin, "-e", "")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			b.Fatal(err)
		}
	}
}
