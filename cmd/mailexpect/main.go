// Command mailexpect runs Lua scripts that talk to mail servers: expect
// for SMTP, POP3 and IMAP. See usage.go for the command line and
// docs/DESIGN.md for the Lua API.
package main

import (
	"os"
	"runtime"
	"runtime/debug"
)

func main() {
	deferFirstGC()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// firstGCPercent is GOGC until the first collection: Go's heap minimum
// (4 MiB at GOGC=100) scales with it, so a run that allocates less than
// 8 MiB in all ends without collecting.
const firstGCPercent = 200

// deferFirstGC lets a short run end before its first garbage collection,
// then gives the rest of the run Go's default pacing (GOGC=100): most
// runs are short (a check, a probe, one message), and a first collection
// of a few MiB of heap costs a millisecond or more of CPU, as much again
// as the start-up. A long or large run collects as before once its heap
// passes 8 MiB, so its peak heap is unchanged. GOGC set in the
// environment is left as it is.
func deferFirstGC() {
	if os.Getenv("GOGC") != "" {
		return
	}
	debug.SetGCPercent(firstGCPercent)
	// A pointer makes it a heap object of its own (not a tiny allocation
	// shared with others), unreachable at once: the first collection
	// finds it and runs the cleanup.
	sentinel := &struct{ _ *byte }{}
	runtime.AddCleanup(sentinel, func(int) { debug.SetGCPercent(100) }, 0)
}
