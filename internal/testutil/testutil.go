// Package testutil holds the small helpers that tests of several packages
// need: a buffer that goroutines write while the test reads it, a gauge of
// how many callers are inside something at once, go build, and a serving
// child process with its banner read (StartServer).
// It imports only the standard library, so any package's tests may use it.
package testutil

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// SyncBuffer is a bytes.Buffer safe for concurrent Write and String: the
// output of a pool's workers, a server's log, a child process's stderr
// copied by exec while the test polls it.
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// String returns everything written so far.
func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Gauge measures the most holders of something at once: call Enter on the
// way in and Leave on the way out, then read Peak.
type Gauge struct{ now, peak atomic.Int32 }

// Enter counts one more holder and raises the peak if this is a new high.
func (g *Gauge) Enter() {
	n := g.now.Add(1)
	for {
		p := g.peak.Load()
		if n <= p || g.peak.CompareAndSwap(p, n) {
			return
		}
	}
}

// Leave counts one holder fewer.
func (g *Gauge) Leave() { g.now.Add(-1) }

// Peak is the most holders there were at once.
func (g *Gauge) Peak() int32 { return g.peak.Load() }

// GoBuild builds the main packages pkgs (import paths, or directories
// relative to the test's) into a new temporary directory and returns it:
// each binary is there under its package's name. A failed build fails tb
// with the compiler's output.
func GoBuild(tb testing.TB, pkgs ...string) string {
	tb.Helper()
	dir := tb.TempDir()
	build := exec.Command("go", append([]string{"build", "-o", dir + string(filepath.Separator)}, pkgs...)...)
	if out, err := build.CombinedOutput(); err != nil {
		tb.Fatalf("go build %v: %v\n%s", pkgs, err, out)
	}
	return dir
}
