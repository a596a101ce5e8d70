package recording

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"sort"
	"strings"
	"sync"
	"time"
)

// Server serves a recording over TCP for a program in another process
// (mailexpect replay): one listener per recorded address, on 127.0.0.1,
// with real TLS where the recording has TLS.
type Server struct {
	rp   *Replay
	tls  *tls.Config
	idle time.Duration
	logf func(format string, args ...any)

	listeners []Listener
	wg        sync.WaitGroup
	mu        sync.Mutex
	conns     map[net.Conn]bool
	closed    bool
}

// Listener is one served address.
type Listener struct {
	Recorded string // host:port in the recording
	Addr     string // where it is served
	Protocol string // "smtp", "pop3", "imap" or "" (guessed from the first server line)
	Sessions int
	ln       net.Listener
}

// ServerConfig configures Serve.
type ServerConfig struct {
	TLS  *tls.Config                      // the certificate STARTTLS and implicit TLS present
	Idle time.Duration                    // how long a client may stay silent (0: one minute)
	Logf func(format string, args ...any) // one line per session served or diverged; nil: none
	Host string                           // the address to listen on (default 127.0.0.1)
}

// Serve listens for every TCP address of rp's recording, on the recorded
// port when it is free, else on an ephemeral one. Sessions to an address
// are served in recorded order; after the last, from the first again.
func Serve(rp *Replay, cfg ServerConfig) (*Server, error) {
	s := &Server{rp: rp, tls: cfg.TLS, idle: cfg.Idle, logf: cfg.Logf, conns: map[net.Conn]bool{}}
	if s.idle <= 0 {
		s.idle = time.Minute
	}
	if s.logf == nil {
		s.logf = func(string, ...any) {}
	}
	host := cfg.Host
	if host == "" {
		host = "127.0.0.1"
	}
	rp.cycle = true
	counts := map[string]int{}
	proto := map[string]string{}
	var order []string
	for _, sess := range rp.rec.Sessions {
		if sess.Network != "tcp" || len(sess.Events) > 0 && sess.Events[0].Kind == DialFailed {
			continue // a recorded refusal: nothing listens there
		}
		if counts[sess.Addr] == 0 {
			order = append(order, sess.Addr)
			proto[sess.Addr] = guessProtocol(sess)
		}
		counts[sess.Addr]++
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("%s has no TCP session to serve", rp.rec.Name)
	}
	for _, rec := range order {
		_, port, err := net.SplitHostPort(rec)
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("%s: bad recorded address %q", rp.rec.Name, rec)
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(host, port))
		if err != nil {
			if ln, err = net.Listen("tcp", net.JoinHostPort(host, "0")); err != nil {
				s.Close()
				return nil, err
			}
		}
		l := Listener{Recorded: rec, Addr: ln.Addr().String(), Protocol: proto[rec], Sessions: counts[rec], ln: ln}
		s.listeners = append(s.listeners, l)
		s.wg.Add(1)
		go s.accept(l)
	}
	return s, nil
}

// Listeners returns the served addresses, in the recording's order.
func (s *Server) Listeners() []Listener { return s.listeners }

// Close stops listening, ends the sessions being served and waits for them.
func (s *Server) Close() error {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	for _, l := range s.listeners {
		l.ln.Close()
	}
	s.wg.Wait()
	return nil
}

func (s *Server) accept(l Listener) {
	defer s.wg.Done()
	for {
		c, err := l.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = true
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			s.serve(l, c)
			s.mu.Lock()
			delete(s.conns, c)
			s.mu.Unlock()
		}()
	}
}

// serve plays one recorded session to a client.
func (s *Server) serve(l Listener, c net.Conn) {
	defer func() { c.Close() }()
	sess, err := s.rp.take("tcp", l.Recorded, "")
	if err != nil {
		s.logf("%s: %v", l.Addr, err)
		return
	}
	if len(sess.Events) > 0 && sess.Events[0].Kind == DialFailed {
		s.logf("%s: session %d was a failed connect (%s); closing", l.Addr, sess.Seq, sess.Events[0].Err)
		return
	}
	p := newPlayer(s.rp.rec.Name, sess, &s.rp.subs, s.rp.secrets)
	who := fmt.Sprintf("%s session %d (%s line %d)", l.Addr, sess.Seq, s.rp.rec.Name, sess.Line)
	out := make([]byte, 32<<10)
	in := make([]byte, 32<<10)
	for {
		n, st := p.output(out, time.Now())
		if n > 0 {
			c.SetWriteDeadline(time.Now().Add(s.idle))
			if _, err := c.Write(out[:n]); err != nil {
				s.logf("%s: the client went away: %v", who, err)
				return
			}
			continue
		}
		switch st {
		case atEOF:
			s.logf("%s: served to the recorded close", who)
			return
		case pausing:
			time.Sleep(time.Until(p.paused))
			continue
		case atTLS:
			ev, err := p.startTLS()
			if err != nil {
				s.logf("%s: %v", who, err)
				return
			}
			if ev.Kind == TLSFailed || s.tls == nil {
				s.logf("%s: the recorded TLS handshake failed; closing", who)
				return
			}
			tc := tls.Server(c, s.tls)
			tc.SetDeadline(time.Now().Add(s.idle))
			if err := tc.Handshake(); err != nil {
				s.logf("%s: TLS handshake: %v", who, err)
				return
			}
			tc.SetDeadline(time.Time{})
			c = tc
			continue
		}
		c.SetReadDeadline(time.Now().Add(s.idle))
		m, err := c.Read(in)
		if m > 0 {
			if ferr := p.feed(in[:m]); ferr != nil {
				s.logf("%s: %v", who, ferr)
				return
			}
		}
		if err != nil {
			var ne net.Error
			switch {
			case errors.Is(err, io.EOF), errors.Is(err, net.ErrClosed):
				if p.ci < len(sess.Events) && sess.Events[p.ci].Kind == ClientData {
					s.logf("%s: the client closed before %s:%d", who, s.rp.rec.Name, sess.Events[p.ci].Line)
				} else {
					s.logf("%s: served", who)
				}
			case errors.As(err, &ne) && ne.Timeout():
				s.logf("%s: the client said nothing for %v; closing", who, s.idle)
			default:
				s.logf("%s: %v", who, err)
			}
			return
		}
	}
}

// guessProtocol names a session's protocol from the server's first line.
func guessProtocol(s *Session) string {
	for _, e := range s.Events {
		if e.Kind != ServerData {
			continue
		}
		line := string(e.Data)
		switch {
		case strings.HasPrefix(line, "220"):
			return "smtp"
		case strings.HasPrefix(line, "+OK"):
			return "pop3"
		case strings.HasPrefix(line, "* OK"), strings.HasPrefix(line, "* PREAUTH"):
			return "imap"
		}
		return ""
	}
	return ""
}

// ServerNames returns the names the recorded servers were reached by
// (TLS server names and certificate DNS names), for the served
// certificate.
func (r *Recording) ServerNames() []string {
	seen := map[string]bool{}
	for _, s := range r.Sessions {
		for _, e := range s.Events {
			if e.Kind != TLS || e.TLS == nil {
				continue
			}
			seen[e.TLS.ServerName] = true
			if e.TLS.Peer != nil {
				for _, n := range e.TLS.Peer.DNSNames {
					seen[n] = true
				}
			}
		}
	}
	var out []string
	for n := range seen {
		if n != "" {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}
