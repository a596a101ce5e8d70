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

// TestBulk: a bulk run collects at BulkPercent while its heap in use is
// small, at 100 once it passes BulkLiveLimit, and at BulkPercent again
// when it is small again, each looked at after a collection.
func TestBulk(t *testing.T) {
	defer debug.SetGCPercent(gogc())
	defer set.Store(0)
	defer bulk.Store(false)
	t.Setenv("GOGC", "")

	waitFor := func(want int, what string) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for gogc() != want || Percent() != want {
			if time.Now().After(deadline) {
				t.Fatalf("%s: GOGC %d, Percent %d, want %d", what, gogc(), Percent(), want)
			}
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}
	Bulk()
	waitFor(BulkPercent, "small heap")
	big := make([]byte, 2*BulkLiveLimit)
	for i := range big {
		big[i] = byte(i)
	}
	waitFor(100, "heap past the limit")
	runtime.KeepAlive(big)
	big = nil
	waitFor(BulkPercent, "heap small again")

	bulk.Store(false)
	set.Store(0)
	debug.SetGCPercent(100)
	t.Setenv("GOGC", "50")
	Bulk()
	if bulk.Load() || Percent() != 50 {
		t.Fatalf("with GOGC=50 in the environment: bulk %v, Percent %d", bulk.Load(), Percent())
	}
}
