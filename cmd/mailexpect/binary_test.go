package main

import (
	"bufio"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"syscall"
	"testing"
	"time"
)

// buildBinary builds mailexpect once for the tests that need a real
// process (signals, start-up time).
func buildBinary(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "mailexpect")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
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

// TestStartupTime measures an empty -e run of the binary, the cost every cron check
// pays before its first packet. Target: a median of 10 ms or less.
func TestStartupTime(t *testing.T) {
	bin := buildBinary(t)
	const runs = 50
	times := make([]time.Duration, 0, runs)
	for i := 0; i < runs; i++ {
		start := time.Now()
		cmd := exec.Command(bin, "-e", "")
		cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
		if err := cmd.Run(); err != nil {
			t.Fatal(err)
		}
		times = append(times, time.Since(start))
	}
	sort.Slice(times, func(i, j int) bool { return times[i] < times[j] })
	median := times[runs/2]
	t.Logf("mailexpect -e '': median %v, min %v, max %v over %d runs", median, times[0], times[runs-1], runs)
	// The target is 10 ms (about 2.5 ms measured on an idle 2-core
	// machine); fail only well past it, so a busy CI machine running other
	// packages' tests in parallel does not make this flaky.
	if median > 25*time.Millisecond {
		t.Errorf("start-up median %v is far over the 10 ms target", median)
	}
}
