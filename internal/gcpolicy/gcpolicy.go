// Package gcpolicy is mailexpect's setting of the garbage collector, kept
// in one place so that /metrics can report it: Go has no way to read
// GOGC back except runtime/metrics, whose package initialisation (a
// tenth of a millisecond) every run would pay for one gauge of
// `mailexpect serve`. Nothing else in mailexpect calls
// debug.SetGCPercent.
package gcpolicy

import (
	"os"
	"runtime"
	"runtime/debug"
	"strconv"
	"sync/atomic"
)

// FirstPercent is GOGC until the first collection: Go's heap minimum
// (4 MiB at GOGC=100) scales with it, so a run that allocates less than
// 8 MiB in all ends without collecting.
const FirstPercent = 200

// set is GOGC as last set here; 0: never set (the environment's).
var set atomic.Int64

// DeferFirstGC lets a short run end before its first garbage collection,
// then gives the rest of the run Go's default pacing (GOGC=100): most
// runs are short (a check, a probe, one message), and a first collection
// of a few MiB of heap costs a millisecond or more of CPU, as much again
// as the start-up. A long or large run collects as before once its heap
// passes 8 MiB, so its peak heap is unchanged. GOGC set in the
// environment is left as it is.
func DeferFirstGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	setPercent(FirstPercent)
	afterNextGC(func() {
		// A bulk run paces itself from Bulk on (one chain of looks
		// per collection, not two).
		if !bulk.Load() {
			setPercent(100)
		}
	})
}

// afterNextGC runs fn (on the runtime's cleanup goroutine) after the next
// collection. A pointer makes the sentinel a heap object of its own (not
// a tiny allocation shared with others), unreachable at once: the next
// collection finds it and runs the cleanup.
func afterNextGC(fn func()) {
	sentinel := &struct{ _ *byte }{}
	runtime.AddCleanup(sentinel, func(int) { fn() }, 0)
}

// BulkPercent is GOGC in a bulk run (--each) while its live heap is
// under BulkLiveLimit. A bulk run's live data is small (a Lua state per
// worker, a few hundred KB) and it allocates for every row: at GOGC=100
// it collects every few MiB of allocation, and the collector took a
// fifth of the run's CPU against real Dovecot (bench/RESULTS.md, session
// 5: 1.62 -> 1.34 cpu-s for 1000 mailboxes at GOGC=400). Past the limit
// (rows that hold large messages) a larger heap would cost memory that
// matters, so Go's default pacing comes back.
const (
	BulkPercent   = 400
	BulkLiveLimit = 32 << 20
)

// bulk says Bulk was called.
var bulk atomic.Bool

// Bulk paces the collector of a bulk run by its live heap, looked at
// after every collection: GOGC is BulkPercent while the heap in use is
// under BulkLiveLimit (so the heap stays under about 160 MiB), 100 above
// it. GOGC set in the environment is left as it is.
func Bulk() {
	if os.Getenv("GOGC") != "" || bulk.Swap(true) {
		return
	}
	paceBulk()
}

// paceBulk sets GOGC from the heap in use (right after a collection, the
// live heap and what was allocated since), and looks again after the next
// collection. ReadMemStats stops the world for microseconds, once per
// collection.
func paceBulk() {
	if !bulk.Load() {
		return
	}
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	p := 100
	if ms.HeapAlloc < BulkLiveLimit {
		p = BulkPercent
	}
	if int64(p) != set.Load() {
		setPercent(p)
	}
	afterNextGC(paceBulk)
}

func setPercent(p int) {
	set.Store(int64(p))
	debug.SetGCPercent(p)
}

// Percent is the current GOGC: as DeferFirstGC set it, else as the
// runtime read it from the environment ("off" is -1, as
// debug.SetGCPercent reports it).
func Percent() int {
	if p := set.Load(); p != 0 {
		return int(p)
	}
	return envPercent(os.Getenv("GOGC"))
}

// envPercent parses GOGC as the runtime does: "off", an integer (any
// negative one is off, -1), or anything else meaning the default, 100.
func envPercent(s string) int {
	if s == "off" {
		return -1
	}
	if n, err := strconv.ParseInt(s, 10, 32); err == nil {
		return max(int(n), -1)
	}
	return 100
}
