//go:build linux && !race

package session

import (
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// readWrite makes one read(2) or write(2) (trap) of p as a raw system
// call: p is the caller's and stays reachable for the call, and the
// socket is non-blocking, so the call returns at once.
func readWrite(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	r, _, e := unix.RawSyscall(trap, fd, uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(r), e
}
