package session

import (
	"errors"
	"io"
	"net"
	"sync"
	"syscall"
)

// callConn is a direct TCP or Unix-domain connection whose reads and
// writes run inside syscall.RawConn callbacks: what pollConn (which waits
// in its own ppoll) and rawIOConn (raw system calls, waiting in the
// network poller) share; they differ in their callbacks.
type callConn struct {
	net.Conn
	rc   syscall.RawConn
	r, w callDir
}

// callDir is one direction of a callConn, made once so that a read or
// write allocates nothing: the callback is a method value bound when the
// connection is wrapped, and the call's buffer and result live here.
type callDir struct {
	mu   sync.Mutex            // one call at a time uses the fields below, as net.Conn allows concurrent calls
	op   string                // "read" or "write", for errors
	call func(fd uintptr) bool // does the call; false: not ready, wait in the network poller
	p    []byte                // the call's buffer
	n    int                   // its result
	err  error
}

// callConnOf returns c as a callConn without callbacks yet, or nil when
// c is not a direct TCP or Unix-domain connection.
func callConnOf(c net.Conn) *callConn {
	switch c.(type) {
	case *net.TCPConn, *net.UnixConn:
	default:
		return nil
	}
	rc, err := c.(syscall.Conn).SyscallConn()
	if err != nil {
		return nil
	}
	return &callConn{Conn: c, rc: rc, r: callDir{op: "read"}, w: callDir{op: "write"}}
}

func (c *callConn) Read(p []byte) (int, error) {
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

func (c *callConn) Write(p []byte) (int, error) {
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

// opError makes err look like the net package's own (read tcp a->b: ...),
// keeping net.ErrClosed and os.ErrDeadlineExceeded findable with errors.Is.
// The RawConn's own errors name their operation raw-read or raw-write.
func (c *callConn) opError(op string, err error) error {
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}
	return &net.OpError{Op: op, Net: c.LocalAddr().Network(), Source: c.LocalAddr(), Addr: c.RemoteAddr(), Err: err}
}
