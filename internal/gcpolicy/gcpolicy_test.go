package gcpolicy

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"testing"
	"time"
)

// gogc reads GOGC from the runtime itself.
func gogc() int {
	s := []metrics.Sample{{Name: "/gc/gogc:percent"}}
	metrics.Read(s)
	return int(s[0].Value.Uint64())
}

// TestDeferFirstGC: GOGC is FirstPercent until the first collection, 100
// after it, and Percent says so; GOGC from the environment is left alone.
func TestDeferFirstGC(t *testing.T) {
	defer debug.SetGCPercent(gogc())
	defer set.Store(0)

	t.Setenv("GOGC", "50")
	debug.SetGCPercent(50)
	DeferFirstGC()
	if p := gogc(); p != 50 || Percent() != 50 {
		t.Fatalf("with GOGC=50 in the environment: GOGC %d, Percent %d", p, Percent())
	}

	t.Setenv("GOGC", "")
	debug.SetGCPercent(100)
	DeferFirstGC()
	if p := gogc(); p != FirstPercent || Percent() != FirstPercent {
		t.Fatalf("before the first collection: GOGC %d, Percent %d, want %d", p, Percent(), FirstPercent)
	}
	runtime.GC()
	deadline := time.Now().Add(5 * time.Second)
	for gogc() != 100 || Percent() != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("after a collection: GOGC %d, Percent %d, want 100", gogc(), Percent())
		}
		time.Sleep(time.Millisecond)
	}
}

// TestEnvPercent: GOGC parsed as the runtime parses it.
func TestEnvPercent(t *testing.T) {
	for s, want := range map[string]int{"": 100, "off": -1, "50": 50, "400": 400, "x": 100, "0": 0, "-5": -1} {
		if got := envPercent(s); got != want {
			t.Errorf("GOGC=%q: %d, want %d", s, got, want)
		}
	}
}
