package main

import (
	"os"
	"runtime"
)

// ownProcess is set by main: a run in a process of its own may change
// the process's scheduling (oneP); a test that calls run keeps its own.
var ownProcess bool

// oneP gives a run that talks to one server at a time one P
// (GOMAXPROCS=1), unless GOMAXPROCS is set. Its one goroutine with work
// waits for every reply in a ppoll of its own (session SyscallWait); a
// second P only adds an M that wakes, looks for work and sleeps again
// around each reply. W3 through the pop3 module against the load server,
// 3000 mailboxes, 4 alternating runs: CPU 1.91 -> 1.34 s, wall 3.56 ->
// 2.79 s; --each --jobs 1: 1.66 -> 1.28 cpu-s, 2.83 -> 2.38 s. Not with
// --sandbox, whose servers run in the process, nor where SyscallWait
// does not apply (other systems, bulk runs with jobs).
func oneP() {
	if ownProcess && runtime.GOOS == "linux" && os.Getenv("GOMAXPROCS") == "" {
		runtime.GOMAXPROCS(1)
	}
}
