package main

import (
	"os"
	"runtime"
	"testing"
)

// TestOneP: a run in its own process on Linux gets one P unless
// GOMAXPROCS says otherwise; a run called from a test keeps the test's.
func TestOneP(t *testing.T) {
	prev := runtime.GOMAXPROCS(0)
	defer runtime.GOMAXPROCS(prev)
	defer func(was bool) { ownProcess = was }(ownProcess)
	if prev == 1 {
		runtime.GOMAXPROCS(2)
	}
	want := runtime.GOMAXPROCS(0)

	ownProcess = false
	oneP()
	if got := runtime.GOMAXPROCS(0); got != want {
		t.Errorf("called from a test: GOMAXPROCS %d, want %d kept", got, want)
	}
	ownProcess = true
	t.Setenv("GOMAXPROCS", "2")
	oneP()
	if got := runtime.GOMAXPROCS(0); got != want {
		t.Errorf("GOMAXPROCS set in the environment: %d, want %d kept", got, want)
	}
	os.Unsetenv("GOMAXPROCS")
	oneP()
	if got, one := runtime.GOMAXPROCS(0), runtime.GOOS == "linux"; (got == 1) != one {
		t.Errorf("own process on %s: GOMAXPROCS %d", runtime.GOOS, got)
	}
}
