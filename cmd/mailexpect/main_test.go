package main

import (
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"strings"
	"testing"
	"time"
)

// gcPercent reads GOGC's current value.
func gcPercent() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestDeferFirstGC: GOGC is 200 until the first collection, 100 after it;
// GOGC from the environment is left alone.
func TestDeferFirstGC(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	deferFirstGC()
	if p := gcPercent(); p != 50 {
		t.Fatalf("with GOGC=50 in the environment: GOGC %d", p)
	}

	t.Setenv("GOGC", "")
	debug.SetGCPercent(100)
	deferFirstGC()
	if p := gcPercent(); p != firstGCPercent {
		t.Fatalf("before the first collection: GOGC %d, want %d", p, firstGCPercent)
	}
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for gcPercent() != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("after a collection: GOGC %d, want 100", gcPercent())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestStartupDependencies: packages whose initialisation is heavy stay
// out of the binary, whose every run pays for every linked package's
// init. The Prometheus client (and the protobuf runtime it brings) is a
// test-only reference for internal/promtext (README, Dependencies).
func TestStartupDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list returned too little to be a real answer: %q", deps)
	}
	for _, d := range deps {
		for _, heavy := range []string{"github.com/prometheus/", "google.golang.org/protobuf/"} {
			if strings.HasPrefix(d, heavy) {
				t.Errorf("mailexpect links %s: its package init would run at every start", d)
			}
		}
	}
}
