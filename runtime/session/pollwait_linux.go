package session

import (
	"errors"
	"io"
	"net"
	"os"
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
	rc       syscall.RawConn
	rdl, wdl atomic.Pointer[time.Time] // nil: no deadline
	closed   atomic.Bool
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
	return &pollConn{Conn: c, rc: rc}
}

func (c *pollConn) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	var n int
	var err error
	if rerr := c.rc.Read(func(fd uintptr) bool {
		n, err = c.wait(int(fd), p, unix.POLLIN, &c.rdl)
		return true
	}); rerr != nil {
		return 0, c.opError("read", rerr)
	}
	if err == io.EOF {
		return n, io.EOF
	}
	if err != nil {
		return n, c.opError("read", err)
	}
	return n, nil
}

func (c *pollConn) Write(p []byte) (int, error) {
	done := 0
	for done < len(p) {
		var n int
		var err error
		if werr := c.rc.Write(func(fd uintptr) bool {
			n, err = c.wait(int(fd), p[done:], unix.POLLOUT, &c.wdl)
			return true
		}); werr != nil {
			return done, c.opError("write", werr)
		}
		done += n
		if err != nil {
			return done, c.opError("write", err)
		}
	}
	return done, nil
}

// wait reads into p (events POLLIN) or writes p (POLLOUT) once it can,
// sleeping in ppoll until the deadline dl.
func (c *pollConn) wait(fd int, p []byte, events int16, dl *atomic.Pointer[time.Time]) (int, error) {
	fds := []unix.PollFd{{Fd: int32(fd), Events: events}}
	op := "write"
	if events == unix.POLLIN {
		op = "read"
	}
	for {
		if c.closed.Load() {
			return 0, net.ErrClosed
		}
		// A deadline already passed wins over data already there, as in
		// the network poller: a cancelled call stops reading at once.
		if t := dl.Load(); t != nil && !time.Now().Before(*t) {
			return 0, os.ErrDeadlineExceeded
		}
		var n int
		var err error
		if events == unix.POLLIN {
			n, err = syscall.Read(fd, p)
			if err == nil && n == 0 {
				return 0, io.EOF
			}
		} else {
			n, err = syscall.Write(fd, p)
		}
		switch {
		case err == nil:
			return n, nil
		case err == syscall.EINTR:
			continue
		case err != syscall.EAGAIN:
			return 0, os.NewSyscallError(op, err)
		}
		sleep := pollSlice
		if t := dl.Load(); t != nil {
			sleep = max(min(sleep, time.Until(*t)), 0)
		}
		ts := unix.NsecToTimespec(int64(sleep))
		if _, err := unix.Ppoll(fds, &ts, nil); err != nil && err != unix.EINTR {
			return 0, os.NewSyscallError("ppoll", err)
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
	c.rdl.Store(deadlinePtr(t))
	return nil
}

func (c *pollConn) SetWriteDeadline(t time.Time) error {
	c.wdl.Store(deadlinePtr(t))
	return nil
}

func deadlinePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
