// Package onep gives mailexpect's process one P (GOMAXPROCS=1) from
// early in its initialisation, and Release gives back Go's default for a
// run that works on several things at once.
//
// A run that talks to one server at a time waits for every reply in a
// ppoll of its own (session.Options.SyscallWait); a second P only adds
// an M that wakes, looks for work and sleeps again around each reply.
// Lowering GOMAXPROCS in main came too late to be free: by then the
// second P's cache held spans of most size classes, and dropping it
// pushed each back to its central list, faulting in fresh pages for
// the lists (about 140 of a start's 820 page faults). Here, imported
// only by the command and depending on nothing but the runtime, the
// package initialises among the first, before the other packages'
// initialisation allocates.
//
// GOMAXPROCS set in the environment is left as it is; other systems keep
// Go's default (SyscallWait is Linux's).
package onep

import (
	"runtime"
	"sync/atomic"
	"syscall"
)

// lowered is set while the process has the one P this package gave it.
var lowered atomic.Bool

func init() {
	if runtime.GOOS != "linux" {
		return
	}
	if _, set := syscall.Getenv("GOMAXPROCS"); set {
		return
	}
	runtime.GOMAXPROCS(1)
	lowered.Store(true)
}

// Release gives the process Go's default number of Ps again (from the
// CPUs and the cgroup's limit, updated as they change) if this package
// lowered it, for a run with several servers, rows or listeners at once.
// Calling it again, or when GOMAXPROCS came from the environment, does
// nothing.
func Release() {
	if lowered.CompareAndSwap(true, false) {
		runtime.SetDefaultGOMAXPROCS()
	}
}
