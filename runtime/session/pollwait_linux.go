package session

import (
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
	*callConn
	pr, pw pollDir // the ppoll side of callConn's r and w
	closed atomic.Bool
}

// pollDir is what one direction of a pollConn adds to its callDir: its
// deadline and the ppoll arguments, made once so that a wait allocates
// nothing.
type pollDir struct {
	*callDir
	c      *pollConn
	dl     atomic.Pointer[time.Time] // nil: no deadline
	events int16                     // POLLIN or POLLOUT
	fds    [1]unix.PollFd
	ts     unix.Timespec
}

// pollSlice bounds one ppoll: how late a deadline set from another
// goroutine, or a Close, is noticed by a waiting read or write.
const pollSlice = 20 * time.Millisecond

// pollWait wraps c, a direct TCP or Unix-domain connection, as a
// pollConn; any other connection is returned as it is.
func pollWait(c net.Conn) net.Conn {
	cc := callConnOf(c)
	if cc == nil {
		return c
	}
	pc := &pollConn{callConn: cc}
	pc.pr = pollDir{callDir: &cc.r, c: pc, events: unix.POLLIN}
	pc.pw = pollDir{callDir: &cc.w, c: pc, events: unix.POLLOUT}
	cc.r.call, cc.w.call = pc.pr.wait, pc.pw.wait
	return pc
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

func (c *pollConn) Close() error {
	c.closed.Store(true)
	return c.Conn.Close()
}

func (c *pollConn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return c.SetWriteDeadline(t)
}

func (c *pollConn) SetReadDeadline(t time.Time) error {
	c.pr.dl.Store(deadlinePtr(t))
	return nil
}

func (c *pollConn) SetWriteDeadline(t time.Time) error {
	c.pw.dl.Store(deadlinePtr(t))
	return nil
}

func deadlinePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
