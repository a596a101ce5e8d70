package session

import (
	"io"
	"net"
	"os"

	"golang.org/x/sys/unix"
)

// rawIOConn is a direct TCP or Unix-domain connection (without
// Options.SyscallWait) whose reads and writes are raw system calls on its
// non-blocking socket, made inside syscall.RawConn callbacks; when the
// socket is not ready the callback says so and the goroutine waits in
// Go's network poller as any net.Conn does (deadlines and Close work
// there unchanged).
//
// Why not net.Conn's own Read and Write: those enter the kernel through
// syscall.Syscall, which tells the scheduler the thread may block, and
// the scheduler wakes its monitor thread (sysmon) out of its deep sleep
// for that. A client waiting on a server is idle between replies, so
// sysmon slept and was woken around every command, then polled every
// 20 µs until it slept again: against real Dovecot at --jobs 8 a third of
// the process's context switches were sysmon's. A read or write on a
// non-blocking socket never blocks, so it needs no such notice. (One
// session at a time still does better in its own ppoll, pollConn: there
// the network poller's idle CPU woke later for each reply on this VM.)
type rawIOConn struct {
	*callConn
}

// rawIODir is the callback of one direction of a rawIOConn.
type rawIODir struct {
	*callDir
	trap uintptr // SYS_READ or SYS_WRITE
}

// rawIO wraps c, a direct TCP or Unix-domain connection, as a rawIOConn;
// any other connection is returned as it is.
func rawIO(c net.Conn) net.Conn {
	cc := callConnOf(c)
	if cc == nil {
		return c
	}
	r := &rawIODir{callDir: &cc.r, trap: unix.SYS_READ}
	w := &rawIODir{callDir: &cc.w, trap: unix.SYS_WRITE}
	cc.r.call, cc.w.call = r.try, w.try
	return &rawIOConn{cc}
}

// try is the RawConn callback: one read into d.p or write of d.p,
// leaving the result in d.n and d.err. It returns false when the socket
// is not ready (EAGAIN), and the caller then waits in the network poller.
func (d *rawIODir) try(fd uintptr) bool {
	for {
		n, e := readWrite(d.trap, fd, d.p)
		switch e {
		case 0:
			d.n = n
			if n == 0 && d.trap == unix.SYS_READ {
				d.err = io.EOF
			}
			return true
		case unix.EINTR:
			continue
		case unix.EAGAIN:
			return false
		default:
			d.err = os.NewSyscallError(d.op, e)
			return true
		}
	}
}
