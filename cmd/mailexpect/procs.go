package main

import "github.com/mailexpect/mailexpect/internal/onep"

// releaseProcs gives a run that works on several things at once Go's
// default GOMAXPROCS; the process started with one P (internal/onep,
// imported by main.go), which a run that talks to one server at a time
// keeps: its one goroutine with work waits for every reply in a ppoll of
// its own (session SyscallWait), and a second P only adds an M that
// wakes, looks for work and sleeps again around each reply. W3 through
// the pop3 module against the load server, 3000 mailboxes, 4 alternating
// runs: CPU 1.91 -> 1.34 s, wall 3.56 -> 2.79 s; --each --jobs 1: 1.66
// -> 1.28 cpu-s, 2.83 -> 2.38 s.
func releaseProcs(o *options) {
	if !oneServerAtATime(o) {
		onep.Release()
	}
}

// oneServerAtATime reports whether the run is a script or an --each run
// with one job, without --sandbox (whose servers run in the process).
// The prober, the sandbox and replay servers, test runs, connect and
// send keep Go's default as before.
func oneServerAtATime(o *options) bool {
	switch {
	case o.serve, o.replayd, o.testCmd, o.probe, o.connect, o.send, o.sandbox:
		return false
	case o.each.file != "":
		return o.each.jobs == 1
	}
	return true
}
