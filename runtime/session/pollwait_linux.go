package session

import (
	"errors"
	"io"
	"net"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sys/unix"
)

// pollConn is a TCP or Unix-domain connection whose reads and writes
// wait in a ppoll(2) of the calling goroutine (Options.SyscallWait)
// instead of parking it in Go's network poller. A round trip then costs
// one blocking system call and one thread wake-up, not a goroutine park,
// a scheduler pass and a poller hand-off.
//
// Deadlines are kept here, not in the connection's poller: a wait sleeps
// until the deadline, in slices of at most pollSlice, so that a deadline
// moved by another goroutine (a cancelled context sets one in the past)
// or a Close is seen within a slice. The file descriptor is used inside
// syscall.RawConn callbacks, which hold it open: a Close waits for the
// callback to return, and the descriptor is never reused under it.
type pollConn struct {
	net.Conn
	rc     syscall.RawConn
	r, w   pollDir
	closed atomic.Bool
}

// pollDir is one direction of a pollConn: its deadline, and what a wait
// needs, made once, so that a read or write allocates nothing (the
// RawConn callback is a method value bound here, the ppoll arguments
// live here).
type pollDir struct {
	mu     sync.Mutex // one call at a time uses the fields below, as net.Conn allows concurrent calls
	c      *pollConn
	dl     atomic.Pointer[time.Time] // nil: no deadline
	events int16                     // POLLIN or POLLOUT
	op     string                    // "read" or "write", for errors
	call   func(fd uintptr) bool     // d.wait as a method value
	p      []byte                    // the call's buffer
	n      int                       // its result
	err    error
	fds    [1]unix.PollFd
	ts     unix.Timespec
}

// pollSlice bounds one ppoll: how late a deadline set from another
// goroutine, or a Close, is noticed by a waiting read or write.
const pollSlice = 20 * time.Millisecond

// pollWait wraps c, a direct TCP or Unix-domain connection, as a
// pollConn; any other connection is returned as it is.
func pollWait(c net.Conn) net.Conn {
	sc, ok := c.(syscall.Conn)
	if !ok {
		return c
	}
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return c
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return c
	}
	pc := &pollConn{Conn: c, rc: rc}
	pc.r = pollDir{c: pc, events: unix.POLLIN, op: "read"}
	pc.w = pollDir{c: pc, events: unix.POLLOUT, op: "write"}
	pc.r.call, pc.w.call = pc.r.wait, pc.w.wait
	return pc
}

func (c *pollConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	d := &c.r
	d.mu.Lock()
	d.p = p
	rerr := c.rc.Read(d.call)
	n, err := d.n, d.err
	d.p, d.err = nil, nil
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

func (c *pollConn) Write(p []byte) (int, error) {
	d := &c.w
	d.mu.Lock()
	defer d.mu.Unlock()
	done := 0
	for done < len(p) {
		d.p = p[done:]
		werr := c.rc.Write(d.call)
		n, err := d.n, d.err
		d.p, d.err = nil, nil
		if werr != nil {
			return done, c.opError("write", werr)
		}
		done += n
		if err != nil {
			return done, c.opError("write", err)
		}
	}
	return done, nil
}

// wait is the RawConn callback: it reads into d.p (POLLIN) or writes d.p
// (POLLOUT) once it can, sleeping in ppoll until the deadline, and leaves
// the result in d.n and d.err.
func (d *pollDir) wait(fd uintptr) bool {
	d.n, d.err = 0, nil
	d.fds[0] = unix.PollFd{Fd: int32(fd), Events: d.events}
	for {
		if d.c.closed.Load() {
			d.err = net.ErrClosed
			return true
		}
		// A deadline already passed wins over data already there, as in
		// the network poller: a cancelled call stops reading at once.
		dl := d.dl.Load()
		if dl != nil && !time.Now().Before(*dl) {
			d.err = os.ErrDeadlineExceeded
			return true
		}
		var n int
		var err error
		if d.events == unix.POLLIN {
			n, err = syscall.Read(int(fd), d.p)
			if err == nil && n == 0 {
				d.err = io.EOF
				return true
			}
		} else {
			n, err = syscall.Write(int(fd), d.p)
		}
		switch {
		case err == nil:
			d.n = n
			return true
		case err == syscall.EINTR:
			continue
		case err != syscall.EAGAIN:
			d.err = os.NewSyscallError(d.op, err)
			return true
		}
		sleep := pollSlice
		if dl != nil {
			sleep = max(min(sleep, time.Until(*dl)), 0)
		}
		d.ts = unix.NsecToTimespec(int64(sleep))
		if _, err := unix.Ppoll(d.fds[:], &d.ts, nil); err != nil && err != unix.EINTR {
			d.err = os.NewSyscallError("ppoll", err)
			return true
		}
	}
}

// opError makes err look like the net package's own (read tcp a->b: ...),
// keeping net.ErrClosed and os.ErrDeadlineExceeded findable with errors.Is.
func (c *pollConn) opError(op string, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		return err
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}

func (c *pollConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func (c *pollConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *pollConn) SetReadDeadline(t time.Time) error {
	c.r.dl.Store(deadlinePtr(t))
	return nil
}

func (c *pollConn) SetWriteDeadline(t time.Time) error {
	c.w.dl.Store(deadlinePtr(t))
	return nil
}

func deadlinePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
