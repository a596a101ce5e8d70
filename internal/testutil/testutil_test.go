package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestSyncBufferConcurrentWrites(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 100 {
				b.Write([]byte("x"))
				_ = b.String()
			}
		}()
	}
	wg.Wait()
	if got := b.String(); got != strings.Repeat("x", 800) {
		t.Errorf("got %d bytes, want 800", len(got))
	}
}

func TestGaugePeak(t *testing.T) {
	var g Gauge
	// +1 is Enter, -1 Leave; want is the peak after each step.
	steps := []struct{ delta, want int32 }{
		{+1, 1}, {+1, 2}, {-1, 2}, {+1, 2}, {+1, 3},
		{-1, 3}, {-1, 3}, {-1, 3}, {+1, 3}, // leaving never lowers it
	}
	for i, s := range steps {
		if s.delta > 0 {
			g.Enter()
		} else {
			g.Leave()
		}
		if p := g.Peak(); p != s.want {
			t.Errorf("step %d: peak %d, want %d", i, p, s.want)
		}
	}
}

func TestGoBuild(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go build")
	}
	dir := GoBuild(t, "./testdata/hello")
	out, err := exec.Command(filepath.Join(dir, "hello")).Output()
	if err != nil || string(out) != "hello from a built binary\n" {
		t.Errorf("the built binary said %q, %v", out, err)
	}
}

func TestStartServer(t *testing.T) {
	srv := StartServer(t, exec.Command("sh", "-c", `echo started >&2; printf 'serving\n\n  export A=1 \\\n         B='"'it'\\\\''s here'"' \\\n         C=/tmp/x.pem\n  next line\n\nmore\n'; exec sleep 30`))
	if want := []string{"A=1", "B=it's here", "C=/tmp/x.pem"}; strings.Join(srv.Env, "|") != strings.Join(want, "|") {
		t.Errorf("env %q, want %q", srv.Env, want)
	}
	if !strings.HasSuffix(srv.Banner, "  next line\n\n") || strings.Contains(srv.Banner, "more") {
		t.Errorf("banner:\n%s", srv.Banner)
	}
	start := time.Now()
	srv.Cmd.Process.Signal(os.Interrupt)
	srv.Cmd.Wait()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("took %v to stop", d)
	}
	if !strings.Contains(srv.Stderr.String(), "started") {
		t.Errorf("stderr %q", srv.Stderr.String())
	}
}
