package sandbox

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-smtp"
)

// Server is a running sandbox: three listeners over one Store.
type Server struct {
	store *Store
	users []User
	pki   *sandboxPKI
	addrs map[string]string
	// faults per listener, switchable while serving (SetFaults).
	faults map[string]*liveFaults

	smtp      *smtp.Server
	smtps     *smtp.Server // implicit TLS (RFC 8314)
	lmtp      *smtp.Server // LMTP (RFC 2033), no AUTH, as a local delivery agent
	imap      *imapserver.Server
	listeners []net.Listener

	// sessions counts every goroutine that may touch the store or log:
	// POP3 sessions, IMAP sessions, bye refusals, the accept loops. Close
	// waits for it, so nothing logs after Close returns (a test's t.Logf
	// would panic).
	sessions sessionCounter

	connsMu sync.Mutex
	conns   map[*faultConn]struct{}
	closing bool

	events *eventLog // the last events, for the web view

	logMu  sync.Mutex
	logOff bool
	logfn  func(string, ...any)

	closeOnce sync.Once
	closeErr  error
}

// closeTimeout bounds how long Close waits for sessions to notice that
// their connections are gone.
const closeTimeout = 5 * time.Second

// Start generates the CA and certificate, binds the three listeners and
// serves until Close. On error nothing is left running.
func Start(cfg Config) (*Server, error) {
	r, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	s := &Server{
		users:  demoUsers(r.users, cfg.ListenPublic),
		addrs:  map[string]string{},
		conns:  map[*faultConn]struct{}{},
		logfn:  cfg.Logf,
		faults: map[string]*liveFaults{},
	}
	for _, name := range listenerNames {
		s.faults[name] = newLiveFaults(r.faults[name])
	}
	s.store = newStore(s.users)
	s.events = newEventLog(s.users)

	var extraHosts []string
	if cfg.ListenPublic {
		for _, addr := range r.addrs {
			host, _, _ := net.SplitHostPort(addr)
			extraHosts = append(extraHosts, host)
		}
		if name, err := os.Hostname(); err == nil {
			extraHosts = append(extraHosts, name)
		}
	}
	if s.pki, err = newSandboxPKI(extraHosts); err != nil {
		return nil, err
	}
	if err := s.pki.writeCAFile(); err != nil {
		return nil, err
	}

	// Bind all three before serving any, so a port in use fails Start
	// cleanly.
	bound := map[string]net.Listener{}
	fl := map[string]net.Listener{} // the same, wrapped for faults
	for _, name := range listenerNames {
		ln, err := net.Listen("tcp", r.addrs[name])
		if err != nil {
			for _, l := range bound {
				l.Close()
			}
			os.Remove(s.pki.caFile)
			return nil, fmt.Errorf("sandbox %s: listening on %s: %w", name, r.addrs[name], err)
		}
		bound[name] = ln
		s.addrs[name] = ln.Addr().String()
		fl[name] = &faultListener{Listener: ln, name: name, faults: s.faults[name], server: s}
		s.listeners = append(s.listeners, fl[name])
	}
	tlsConfig := s.pki.serverTLSConfig()
	s.smtp = newSMTPServer(s.store, tlsConfig, s.faults[ListenerSMTP], cfg.AllowPlaintextAuth, s.logf)
	s.imap = newIMAPServer(s.store, tlsConfig, s.faults[ListenerIMAP], cfg.AllowPlaintextAuth, s.logf, &s.sessions)
	pop3 := &pop3Server{store: s.store, tlsConfig: tlsConfig, faults: s.faults[ListenerPOP3], allowPlaintextAuth: cfg.AllowPlaintextAuth, logf: s.logf}

	s.goRun(func() { s.smtp.Serve(fl[ListenerSMTP]) })
	s.goRun(func() { s.imap.Serve(fl[ListenerIMAP]) })
	s.goRun(func() { pop3.serve(fl[ListenerPOP3], s.goRun) })

	// The implicit-TLS and LMTP listeners: on the plain listener's host,
	// an ephemeral port each, with that listener's faults.
	extra := map[string]net.Listener{}
	for _, x := range extraListeners {
		host, _, _ := net.SplitHostPort(s.addrs[x.of])
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("sandbox %s: listening on %s: %w", x.name, host, err)
		}
		s.addrs[x.name] = ln.Addr().String()
		var l net.Listener = &faultListener{Listener: ln, name: x.of, faults: s.faults[x.of], server: s}
		s.listeners = append(s.listeners, l)
		if x.tls {
			l = tls.NewListener(l, tlsConfig)
		}
		extra[x.name] = l
	}
	s.smtps = newSMTPServer(s.store, tlsConfig, s.faults[ListenerSMTP], cfg.AllowPlaintextAuth, s.logf)
	s.lmtp = newSMTPServer(s.store, nil, s.faults[ListenerSMTP], cfg.AllowPlaintextAuth, s.logf)
	s.lmtp.LMTP = true
	s.goRun(func() { s.smtps.Serve(extra[ListenerSMTPS]) })
	s.goRun(func() { s.lmtp.Serve(extra[ListenerLMTP]) })
	s.goRun(func() { s.imap.Serve(extra[ListenerIMAPS]) })
	s.goRun(func() { pop3.serve(extra[ListenerPOP3S], s.goRun) })

	for _, name := range listenerNames {
		line := fmt.Sprintf("sandbox %s listening on %s", name, s.addrs[name])
		if specs := r.faults[name].specs; len(specs) > 0 {
			line += " with faults " + strings.Join(specs, ", ")
		}
		s.logf("%s", line)
	}
	for _, x := range extraListeners {
		s.logf("sandbox %s listening on %s", x.name, s.addrs[x.name])
	}
	return s, nil
}

// Close stops the listeners, ends every open connection (even one in the
// middle of a drip), waits for the sessions to finish and removes the CA
// file. Uncommitted POP3 deletions are discarded, as on a dropped
// connection. Calling it again returns the first result.
func (s *Server) Close() error {
	s.closeOnce.Do(func() { s.closeErr = s.close() })
	return s.closeErr
}

func (s *Server) close() error {
	var errs []error
	for _, l := range s.listeners {
		if err := l.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, err)
		}
	}
	s.connsMu.Lock()
	s.closing = true
	open := make([]*faultConn, 0, len(s.conns))
	for c := range s.conns {
		open = append(open, c)
	}
	s.connsMu.Unlock()
	for _, c := range open {
		c.Close()
	}

	// Both libraries close their own listeners (already closed: ignore)
	// and connections; Shutdown also waits for go-smtp's handlers.
	ctx, cancel := context.WithTimeout(context.Background(), closeTimeout)
	defer cancel()
	for name, srv := range map[string]*smtp.Server{"smtp": s.smtp, "smtps": s.smtps, "lmtp": s.lmtp} {
		if srv == nil {
			continue // Start failed before making it
		}
		if err := srv.Shutdown(ctx); err != nil && !errors.Is(err, net.ErrClosed) {
			errs = append(errs, fmt.Errorf("sandbox %s: %w", name, err))
		}
	}
	// Not s.imap.Close(): go-imap beta.8 calls WaitGroup.Add in Serve and
	// Wait in Close without ordering them (a data race when Close follows
	// Start at once). The listener and every connection are closed above,
	// so Serve returns by itself and sessions.closeAndWait waits for it.
	if !s.sessions.closeAndWait(closeTimeout) {
		errs = append(errs, errors.New("sandbox: sessions still running after "+closeTimeout.String()))
	}

	s.logMu.Lock()
	s.logOff = true
	s.logMu.Unlock()
	if err := os.Remove(s.pki.caFile); err != nil && !os.IsNotExist(err) {
		errs = append(errs, fmt.Errorf("sandbox CA file: %w", err))
	}
	return errors.Join(errs...)
}

// track wraps an accepted connection; it returns nil (and closes the
// connection) when the server is closing.
func (s *Server) track(raw net.Conn, listener string, faults faultSet) *faultConn {
	c := newFaultConn(raw, connLabel(listener, raw), faults, s.logf, s.untrack)
	s.connsMu.Lock()
	defer s.connsMu.Unlock()
	if s.closing {
		raw.Close()
		return nil
	}
	s.conns[c] = struct{}{}
	return c
}

func (s *Server) untrack(c *faultConn) {
	s.connsMu.Lock()
	delete(s.conns, c)
	s.connsMu.Unlock()
}

// goRun runs f on a goroutine that Close waits for.
func (s *Server) goRun(f func()) {
	if !s.sessions.begin() {
		return
	}
	go func() {
		defer s.sessions.end()
		f()
	}()
}

func (s *Server) logf(format string, args ...any) {
	s.logMu.Lock()
	defer s.logMu.Unlock()
	if s.logOff {
		return
	}
	s.events.add(format, args...)
	if s.logfn != nil {
		s.logfn(format, args...)
	}
}

// SMTPAddr, POP3Addr and IMAPAddr are the bound "host:port" addresses.
func (s *Server) SMTPAddr() string { return s.addrs[ListenerSMTP] }
func (s *Server) POP3Addr() string { return s.addrs[ListenerPOP3] }
func (s *Server) IMAPAddr() string { return s.addrs[ListenerIMAP] }

// SMTPSAddr, POP3SAddr and IMAPSAddr are the implicit-TLS listeners
// (RFC 8314), LMTPAddr the LMTP one (RFC 2033): same store, same users.
func (s *Server) SMTPSAddr() string { return s.addrs[ListenerSMTPS] }
func (s *Server) POP3SAddr() string { return s.addrs[ListenerPOP3S] }
func (s *Server) IMAPSAddr() string { return s.addrs[ListenerIMAPS] }
func (s *Server) LMTPAddr() string  { return s.addrs[ListenerLMTP] }

// CAFile is the path of the generated CA certificate (PEM, mode 0600),
// removed by Close.
func (s *Server) CAFile() string { return s.pki.caFile }

// CAPEM is the generated CA certificate in PEM form.
func (s *Server) CAPEM() []byte { return append([]byte(nil), s.pki.caPEM...) }

// CAPool is a pool holding only the generated CA, for tls.Config.RootCAs.
func (s *Server) CAPool() *x509.CertPool { return s.pki.caPool.Clone() }

// Users are the demo users, in order (demo1 first).
func (s *Server) Users() []User { return append([]User(nil), s.users...) }

// Env is the contract's MAILEXPECT_* variables for this sandbox, as
// "NAME=value" pairs ready for os.Setenv or exec.Cmd.Env: the three
// addresses, the first demo user's login and password, and the CA file.
// They are the same variables the example scripts read for a real server.
func (s *Server) Env() []string {
	first := s.users[0]
	return []string{
		"MAILEXPECT_SMTP=" + s.SMTPAddr(),
		"MAILEXPECT_POP3=" + s.POP3Addr(),
		"MAILEXPECT_IMAP=" + s.IMAPAddr(),
		"MAILEXPECT_USER=" + first.Name,
		"MAILEXPECT_PASS=" + first.Pass,
		"MAILEXPECT_CA_FILE=" + s.CAFile(),
	}
}

// Store is the mail store behind all three protocols.
func (s *Server) Store() *Store { return s.store }

// sessionCounter is a WaitGroup that stops admitting once closed, so that
// no Add can race with the final Wait.
type sessionCounter struct {
	mu     sync.Mutex
	closed bool
	wg     sync.WaitGroup
}

func (c *sessionCounter) begin() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return false
	}
	c.wg.Add(1)
	return true
}

func (c *sessionCounter) end() { c.wg.Done() }

func (c *sessionCounter) closeAndWait(timeout time.Duration) bool {
	c.mu.Lock()
	c.closed = true
	c.mu.Unlock()
	done := make(chan struct{})
	go func() {
		c.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}
