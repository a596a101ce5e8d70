package session

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"syscall"

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
	net.Conn
	rc   syscall.RawConn
	r, w rawIODir
}

// rawIODir is one direction of a rawIOConn, made once so that a read or
// write allocates nothing: the RawConn callback is a method value bound
// here and the call's buffer and result live here.
type rawIODir struct {
	mu   sync.Mutex // one call at a time uses the fields below, as net.Conn allows concurrent calls
	trap uintptr    // SYS_READ or SYS_WRITE
	op   string     // "read" or "write", for errors
	call func(fd uintptr) bool
	p    []byte
	n    int
	err  error
}

// rawIO wraps c, a direct TCP or Unix-domain connection, as a rawIOConn;
// any other connection is returned as it is.
func rawIO(c net.Conn) net.Conn {
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return c
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return c
	}
	rc2 := &rawIOConn{Conn: c, rc: rc}
	rc2.r = rawIODir{trap: unix.SYS_READ, op: "read"}
	rc2.w = rawIODir{trap: unix.SYS_WRITE, op: "write"}
	rc2.r.call, rc2.w.call = rc2.r.try, rc2.w.try
	return rc2
}

func (c *rawIOConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	d := &c.r
	d.mu.Lock()
	d.p = p
	rerr := c.rc.Read(d.call)
	n, err := d.n, d.err
	d.p, d.n, d.err = nil, 0, nil
	d.mu.Unlock()
	switch {
	case rerr != nil:
		return 0, c.opError("read", rerr)
	case err == io.EOF:
		return n, io.EOF
	case err != nil:
		return n, c.opError("read", err)
	}
	return n, nil
}

func (c *rawIOConn) Write(p []byte) (int, error) {
	d := &c.w
	d.mu.Lock()
	defer d.mu.Unlock()
	done := 0
	for done < len(p) {
		d.p = p[done:]
		werr := c.rc.Write(d.call)
		n, err := d.n, d.err
		d.p, d.n, d.err = nil, 0, nil
		done += n
		if werr != nil {
			return done, c.opError("write", werr)
		}
		if err != nil {
			return done, c.opError("write", err)
		}
	}
	return done, nil
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
			if d.n == 0 && d.trap == unix.SYS_READ {
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

// opError makes err look like the net package's own (read tcp a->b: ...),
// keeping net.ErrClosed and os.ErrDeadlineExceeded findable with errors.Is.
// The RawConn's own errors name their operation raw-read or raw-write.
func (c *rawIOConn) opError(op string, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
