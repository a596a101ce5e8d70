package recording

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// Replay serves the sessions of a recording in-process (--replay): the
// Nth connect to an address gets the Nth session recorded for it. Its
// Dial and Handshake are what session.Options want.
type Replay struct {
	rec     *Recording
	secrets *transcript.Secrets
	subs    substitutions

	mu     sync.Mutex
	queues map[string][]*Session
	used   int
	served []*Conn // every connection handed out, for Leftovers
	cycle  bool    // serve an address's sessions again from the first (Server)
}

// Open parses the recording at path.
func Open(path string, secrets *transcript.Secrets) (*Replay, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	rec, err := Parse(f, path)
	if err != nil {
		return nil, err
	}
	return New(rec, secrets), nil
}

// New serves rec; secrets mask what divergence errors show.
func New(rec *Recording, secrets *transcript.Secrets) *Replay {
	r := &Replay{rec: rec, secrets: secrets, queues: map[string][]*Session{}}
	for _, s := range rec.Sessions {
		r.queues[s.Key()] = append(r.queues[s.Key()], s)
	}
	return r
}

// Recording returns the parsed file.
func (r *Replay) Recording() *Recording { return r.rec }

// Unused returns how many recorded sessions no connect has taken.
func (r *Replay) Unused() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.rec.Sessions) - r.used
}

// take returns the next recorded session for key.
//
// Sessions recorded with the same label are taken first: the parallel
// rows of an --each run (labelled by their row) get their own sessions
// whatever order they connect in.
func (r *Replay) take(network, addr, label string) (*Session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := network + " " + addr
	q := r.queues[key]
	if len(q) == 0 && r.cycle {
		for _, s := range r.rec.Sessions {
			if s.Key() == key {
				q = append(q, s)
			}
		}
	}
	if len(q) == 0 {
		have := map[string]int{}
		for _, s := range r.rec.Sessions {
			have[s.Addr]++
		}
		var list []string
		for a, n := range have {
			list = append(list, fmt.Sprintf("%s (%d)", a, n))
		}
		sort.Strings(list)
		why := "is not in the recording"
		if n := have[addr]; n > 0 {
			why = fmt.Sprintf("was recorded %d times and every session has been replayed", n)
		}
		return nil, &failure.Error{Kind: failure.Connect, Stage: "connect",
			Message: fmt.Sprintf("replay: %s %s (%s has %s)", addr, why, r.rec.Name, strings.Join(list, ", "))}
	}
	i := 0
	for j, s := range q {
		if s.Label == label {
			i = j
			break
		}
	}
	s := q[i]
	r.queues[key] = append(q[:i:i], q[i+1:]...)
	r.used++
	return s, nil
}

// Leftovers says what of the recording the run did not replay: sessions
// no connect took, and sessions whose recorded client went on where the
// script stopped (its first line not sent). A script that stops early
// passes its replay otherwise, since nothing diverged.
func (r *Replay) Leftovers() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, c := range r.served {
		c.mu.Lock()
		p := c.p
		if p.failed == nil && p.ci < len(p.sess.Events) && p.sess.Events[p.ci].Kind == ClientData {
			e := p.sess.Events[p.ci]
			out = append(out, fmt.Sprintf("%s (session %d) ended before the recorded client line %s:%d %q",
				p.sess.Addr, p.sess.Seq, r.rec.Name, e.Line, r.secrets.Mask(string(bytes.TrimRight(e.Data, "\r\n")))))
		}
		c.mu.Unlock()
	}
	var unused []string
	for _, s := range r.rec.Sessions {
		for _, q := range r.queues[s.Key()] {
			if q == s {
				unused = append(unused, fmt.Sprintf("%s:%d (%s)", r.rec.Name, s.Line, s.Addr))
			}
		}
	}
	if len(unused) > 0 && !r.cycle {
		out = append(out, fmt.Sprintf("%d recorded sessions were not replayed: %s", len(unused), strings.Join(unused, ", ")))
	}
	return out
}

// Dial serves the next recorded session for t's host:port over an
// in-process connection.
func (r *Replay) Dial(ctx context.Context, t session.Target) (net.Conn, error) {
	s, err := r.take(t.Network, t.Addr, t.Label)
	if err != nil {
		return nil, err
	}
	if len(s.Events) > 0 && s.Events[0].Kind == DialFailed {
		return nil, &failure.Error{Kind: failure.Connect, Stage: "connect", Message: s.Events[0].Err}
	}
	return r.conn(s), nil
}

// Conn serves the next recorded session of another kind (a spawned
// program: network "exec", addr its command line).
func (r *Replay) Conn(network, addr, label string) (net.Conn, error) {
	s, err := r.take(network, addr, label)
	if err != nil {
		return nil, err
	}
	return r.conn(s), nil
}

func (r *Replay) conn(s *Session) *Conn {
	c := &Conn{p: newPlayer(r.rec.Name, s, &r.subs, r.secrets), changed: make(chan struct{}),
		network: s.Network, addr: s.Addr}
	if s.Network == "tcp" {
		// What -v shows after "connected to ADDR": where it really came from.
		c.addr = fmt.Sprintf("replayed from %s:%d", r.rec.Name, s.Line)
	}
	r.mu.Lock()
	r.served = append(r.served, c)
	r.mu.Unlock()
	return c
}

// Handshake is TLS on a replayed connection: nothing is encrypted, and
// the script sees the recorded TLS state (or the recorded failure).
func (r *Replay) Handshake(ctx context.Context, conn net.Conn, o session.TLSOptions) (net.Conn, *session.TLSInfo, error) {
	c, ok := conn.(*Conn)
	if !ok {
		return nil, nil, failure.New(failure.TLS, "replay: TLS on a connection that is not replayed")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	ev, err := c.p.startTLS()
	c.signal()
	if err != nil {
		return nil, nil, err
	}
	if ev.Kind == TLSFailed {
		return nil, nil, &failure.Error{Kind: failure.TLS, Stage: "tls", Message: ev.Err}
	}
	info := *ev.TLS
	return conn, &info, nil
}

// Conn is one replayed session seen from the client: writes are matched
// against the recording, reads return what the server sent. Deadlines
// work as on a socket.
type Conn struct {
	p             *player
	network, addr string

	mu      sync.Mutex
	changed chan struct{} // closed and replaced when a write, deadline or close may unblock a read
	rdl     time.Time
	closed  bool
}

func (c *Conn) signal() {
	close(c.changed)
	c.changed = make(chan struct{})
}

func (c *Conn) Read(b []byte) (int, error) {
	for {
		c.mu.Lock()
		if c.closed {
			c.mu.Unlock()
			return 0, net.ErrClosed
		}
		now := time.Now()
		if !c.rdl.IsZero() && !now.Before(c.rdl) {
			c.mu.Unlock()
			return 0, os.ErrDeadlineExceeded
		}
		n, st := c.p.output(b, now)
		switch {
		case n > 0:
			c.mu.Unlock()
			return n, nil
		case st == atEOF:
			c.mu.Unlock()
			return 0, io.EOF
		}
		wait := c.changed
		var timer <-chan time.Time
		until := c.rdl
		if st == pausing && (until.IsZero() || c.p.paused.Before(until)) {
			until = c.p.paused
		}
		c.mu.Unlock()
		if !until.IsZero() {
			t := time.NewTimer(time.Until(until))
			timer = t.C
			select {
			case <-wait:
			case <-timer:
			}
			t.Stop()
		} else {
			<-wait
		}
	}
}

func (c *Conn) Write(b []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return 0, net.ErrClosed
	}
	err := c.p.feed(b)
	c.signal()
	if err != nil {
		return 0, err
	}
	return len(b), nil
}

func (c *Conn) Close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.closed {
		c.closed = true
		c.signal()
	}
	return nil
}

func (c *Conn) SetDeadline(t time.Time) error {
	c.SetReadDeadline(t)
	return nil
}

func (c *Conn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rdl = t
	c.signal()
	return nil
}

// SetWriteDeadline does nothing: a write never blocks.
func (c *Conn) SetWriteDeadline(t time.Time) error { return nil }

type addr struct{ network, s string }

func (a addr) Network() string { return a.network }
func (a addr) String() string  { return a.s }

func (c *Conn) LocalAddr() net.Addr { return addr{c.network, "replay"} }

// RemoteAddr is the recorded program of a spawned session, and "replayed
// from FILE:LINE" for a TCP one.
func (c *Conn) RemoteAddr() net.Addr { return addr{c.network, c.addr} }
