//go:build linux && race

package session

import (
	"syscall"

	"golang.org/x/sys/unix"
)

// readWrite, under the race detector, goes through package syscall,
// whose Read and Write tell the detector that a write to a socket
// happens before the read of it at the other end. A raw call hides that
// edge, and a test that sets up its fake server's state before the
// client writes would be reported as a race.
func readWrite(trap, fd uintptr, p []byte) (int, syscall.Errno) {
	var n int
	var err error
	if trap == unix.SYS_READ {
		n, err = syscall.Read(int(fd), p)
	} else {
		n, err = syscall.Write(int(fd), p)
	}
	if err != nil {
		if errno, ok := err.(syscall.Errno); ok {
			return 0, errno
		}
		return 0, syscall.EIO
	}
	return n, 0
}
