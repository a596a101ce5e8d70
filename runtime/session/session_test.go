package session

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

var bg = context.Background()

func dial(t *testing.T, addr string, opts Options) *Session {
	t.Helper()
	s, err := Dial(bg, addr, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// cases is the case list of patterns known to be good, for the calls
// that need a timeout of their own (ExpectString takes the session's).
func cases(pats ...string) []expect.Case {
	var cs []expect.Case
	for _, p := range pats {
		cs = append(cs, expect.Case{Pattern: expect.MustCompile(p)})
	}
	return cs
}

// recordAll serves one connection; once the client has closed it, what
// the client sent comes on the channel.
func recordAll(t *testing.T) (string, <-chan string) {
	got := make(chan string, 1)
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		b, _ := io.ReadAll(c)
		got <- string(b)
	})
	return addr, got
}

func wantKind(t *testing.T, err error, k failure.Kind) *failure.Error {
	t.Helper()
	var fe *failure.Error
	if !failure.Is(err, k) {
		t.Fatalf("err = %v (kind %q), want kind %q", err, failure.KindOf(err), k)
	}
	fe = err.(*failure.Error)
	return fe
}

func TestParseAddress(t *testing.T) {
	tests := []struct {
		in   string
		want Address
		bad  bool
	}{
		{in: "mail.example.com:25", want: Address{Host: "mail.example.com", Port: "25"}},
		{in: "[::1]:143", want: Address{Host: "::1", Port: "143"}},
		{in: "pop3s://mail.example.com", want: Address{Scheme: "pop3s", Host: "mail.example.com", Port: "995", TLS: true}},
		{in: "SMTP://127.0.0.1:2525", want: Address{Scheme: "smtp", Host: "127.0.0.1", Port: "2525"}},
		{in: "submission://h", want: Address{Scheme: "submission", Host: "h", Port: "587"}},
		{in: "imaps://h", want: Address{Scheme: "imaps", Host: "h", Port: "993", TLS: true}},
		{in: "lmtp://h", want: Address{Scheme: "lmtp", Host: "h", Port: "24"}},
		{in: "mail.example.com", bad: true},
		{in: "http://h", bad: true},
		{in: "smtp://", bad: true},
	}
	for _, tt := range tests {
		got, err := ParseAddress(tt.in)
		if tt.bad {
			if !failure.Is(err, failure.Usage) {
				t.Errorf("ParseAddress(%q) err = %v, want usage error", tt.in, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParseAddress(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
		}
	}
}

func TestConnectRefused(t *testing.T) {
	addr := fakeserver.ClosedAddr(t)
	_, err := Dial(bg, addr, Options{Timeout: time.Second})
	e := wantKind(t, err, failure.Connect)
	if !strings.Contains(e.Message, addr) {
		t.Errorf("message %q does not name the address", e.Message)
	}
}

func TestExpectAndReply(t *testing.T) {
	sc := fakeserver.Start(t, `S: 220 mx ESMTP
C: EHLO me
S: 250-mx
S: 250-PIPELINING
S: 250 SIZE 1000
C: RCPT TO:<x@y>
S: 550-5.1.1 no such
S: 550 5.1.1 user`)
	s := dial(t, sc.Addr(), Options{Timeout: 2 * time.Second})
	m, err := s.Expect(bg, cases(`^220 (\S+)`), 0)
	if err != nil || m.Groups[1] != "mx" {
		t.Fatalf("greeting: %+v %v", m, err)
	}
	s.SendLine(bg, "EHLO me")
	r, err := s.Reply(bg, 0)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&failure.ServerReply{Code: 250, Lines: []string{"mx", "PIPELINING", "SIZE 1000"}, Text: "mx\nPIPELINING\nSIZE 1000"}, r); diff != "" {
		t.Error(diff)
	}
	s.SendLine(bg, "RCPT TO:<x@y>")
	r, err = s.Reply(bg, 0)
	if err != nil || r.Code != 550 || r.Enhanced != "5.1.1" {
		t.Fatalf("rcpt reply %+v %v", r, err)
	}
}

// A timeout is a total for the call, even against a server that drips a
// byte now and then (an idle timer would never fire).
func TestExpectTimeoutIsTotal(t *testing.T) {
	stop := make(chan struct{})
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		for {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
				if _, err := c.Write([]byte("x")); err != nil {
					return
				}
			}
		}
	})
	defer close(stop)
	s := dial(t, addr, Options{})
	start := time.Now()
	_, err := s.Expect(bg, cases(`^250 `), 300*time.Millisecond)
	el := time.Since(start)
	e := wantKind(t, err, failure.Timeout)
	if el > 2*time.Second {
		t.Errorf("timeout of 300ms returned after %v", el)
	}
	if !strings.Contains(e.Message, `"^250 "`) || !strings.Contains(e.Message, "300ms") || !strings.Contains(e.Message, "xxx") {
		t.Errorf("message lacks pattern, duration or tail: %s", e.Message)
	}
	if strings.ContainsAny(e.Message, "\r\n") {
		t.Errorf("message is not one line: %q", e.Message)
	}
	if s.Pending() != 1 {
		t.Errorf("unmatched data was not kept: pending = %d", s.Pending())
	}
	// Code written for net.Error and os.ErrDeadlineExceeded knows it.
	var ne interface{ Timeout() bool }
	if !errors.As(err, &ne) || !ne.Timeout() || !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("a timeout error does not say so: Timeout() via errors.As %v, errors.Is os.ErrDeadlineExceeded %v", errors.As(err, &ne), errors.Is(err, os.ErrDeadlineExceeded))
	}
}

// ExpectString compiles its patterns, waits with the session timeout and
// reports a bad pattern as a usage error.
func TestExpectString(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) { io.WriteString(c, "220-first\r\n220 mx ready\r\n"); io.Copy(io.Discard, c) })
	s := dial(t, addr, Options{Timeout: 300 * time.Millisecond})
	m, err := s.ExpectString(bg, `^554 `, `^220 (\S+)`)
	if err != nil || m.Case != 1 || m.Groups[1] != "mx" || m.Before != "220-first\r\n" {
		t.Fatalf("ExpectString = %+v, %v", m, err)
	}
	wantKind(t, func() error { _, err := s.ExpectString(bg, `^(`); return err }(), failure.Usage)
	start := time.Now()
	_, err = s.ExpectString(bg, `^250 `)
	wantKind(t, err, failure.Timeout)
	if el := time.Since(start); el < 250*time.Millisecond || el > 2*time.Second {
		t.Errorf("ExpectString waited %v with a session timeout of 300ms", el)
	}
}

func TestEOFWithBufferedData(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) { io.WriteString(c, "220 hello\r\n421 going away") })
	s := dial(t, addr, Options{Timeout: 2 * time.Second})
	_, err := s.ExpectString(bg, `^250 `)
	e := wantKind(t, err, failure.EOF)
	if !strings.Contains(e.Message, "421 going away") {
		t.Errorf("eof message lacks the tail: %s", e.Message)
	}
	// Nothing was lost: the incomplete last line counts as a line at EOF.
	m, err := s.Expect(bg, cases(`^421 (.*)$`), 0)
	if err != nil || m.Groups[1] != "going away" || !strings.Contains(m.Before, "220 hello") {
		t.Fatalf("after eof: %+v %v", m, err)
	}
	if _, err := s.ReadLine(bg, 0); err != io.EOF {
		t.Errorf("ReadLine at EOF = %v, want io.EOF", err)
	}
}

func TestOverflow(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		line := strings.Repeat("y", 99) + "\n"
		for i := 0; i < 3000; i++ {
			if _, err := io.WriteString(c, line); err != nil {
				return
			}
		}
	})
	s := dial(t, addr, Options{Timeout: 5 * time.Second, MatchMax: 100 << 10})
	_, err := s.ExpectString(bg, `^never$`)
	wantKind(t, err, failure.Full)
	// The data stays buffered, and the next expect says the same without
	// reading more, until the caller takes it.
	n := s.buf.Len()
	if _, err := s.ExpectString(bg, `^never$`); !failure.Is(err, failure.Full) || s.buf.Len() != n {
		t.Errorf("after a full error: Expect %v, buffer %d -> %d bytes", err, n, s.buf.Len())
	}
	data := s.Drain()
	if len(data) <= 100<<10 || len(data) != n || !bytes.HasPrefix(data, []byte("yyyy")) {
		t.Errorf("Drain after a full error gave %d bytes, want the whole buffer (%d > match_max)", len(data), n)
	}
	if s.Pending() != 0 || s.buf.Len() != 0 {
		t.Errorf("buffer not emptied by Drain")
	}
}

func TestSendLineRefusesInjection(t *testing.T) {
	addr, got := recordAll(t)
	s := dial(t, addr, Options{Timeout: time.Second})
	for _, bad := range []string{"RCPT TO:<a@b>\r\nDATA", "x\ny", "a\rb", "nul\x00"} {
		err := s.SendLine(bg, bad)
		wantKind(t, err, failure.Injection)
	}
	s.SendLine(bg, "NOOP")
	s.Close()
	if w := <-got; w != "NOOP\r\n" {
		t.Errorf("server received %q, want only NOOP", w)
	}
}

// A peer that never reads fills the socket buffers; the write deadline
// must end the send.
func TestWriteDeadline(t *testing.T) {
	hold := make(chan struct{})
	addr := fakeserver.ServeOne(t, func(c net.Conn) { <-hold })
	defer close(hold)
	s := dial(t, addr, Options{Timeout: 300 * time.Millisecond})
	big := bytes.Repeat([]byte("z"), 64<<20)
	start := time.Now()
	err := s.Send(bg, big)
	wantKind(t, err, failure.Timeout)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("write with 300ms timeout took %v", el)
	}
}

func TestContextCancelStopsRead(t *testing.T) {
	hold := make(chan struct{})
	addr := fakeserver.ServeOne(t, func(c net.Conn) { <-hold })
	defer close(hold)
	s := dial(t, addr, Options{Timeout: time.Minute})
	ctx, cancel := context.WithTimeout(bg, 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := s.Expect(ctx, cases(`^x`), 0)
	e := wantKind(t, err, failure.Timeout)
	if el := time.Since(start); el > 2*time.Second {
		t.Errorf("cancelled expect returned after %v", el)
	}
	if !strings.Contains(e.Message, "max-time") {
		t.Errorf("message does not say the run deadline stopped it: %s", e.Message)
	}
}

func TestReadDotAndRead(t *testing.T) {
	body := "+OK 3 octets\r\nline 1\r\n..dot\r\n.\r\nafter\r\nLIT"
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		// Drip the bytes one at a time: framing must not depend on it.
		for i := range body {
			c.Write([]byte{body[i]})
		}
	})
	s := dial(t, addr, Options{Timeout: 2 * time.Second})
	if l, err := s.ReadLine(bg, 0); err != nil || l != "+OK 3 octets" {
		t.Fatalf("status line %q %v", l, err)
	}
	var out bytes.Buffer
	n, err := s.ReadDot(bg, &out, 0)
	if err != nil || out.String() != "line 1\r\n.dot\r\n" || n != int64(out.Len()) {
		t.Fatalf("ReadDot = %q, %d, %v", out.String(), n, err)
	}
	if l, _ := s.ReadLine(bg, 0); l != "after" {
		t.Errorf("line after body = %q", l)
	}
	if b, err := s.Read(bg, 3, 0); err != nil || string(b) != "LIT" {
		t.Errorf("Read(3) = %q %v", b, err)
	}
}

func TestSendDot(t *testing.T) {
	addr, got := recordAll(t)
	s := dial(t, addr, Options{Timeout: time.Second})
	if err := s.SendDot(bg, []byte(".hidden\nbare\rend")); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if w := <-got; w != "..hidden\r\nbare\r\nend\r\n.\r\n" {
		t.Errorf("wire = %q", w)
	}
}

func TestImplicitTLSVerified(t *testing.T) {
	p := newPKI(t)
	addr := serveTLS(t, p, func(c net.Conn) { io.WriteString(c, "* OK ready\r\n") })
	s := dial(t, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{RootCAs: p.pool}})
	if _, err := s.ExpectString(bg, `^\* OK`); err != nil {
		t.Fatal(err)
	}
	info := s.TLS()
	if info == nil || !info.Verified || info.Peer == nil || info.Peer.Subject != "CN=localhost" || info.Version == "" {
		t.Fatalf("tls info %+v", info)
	}
	// The server sends only its leaf here, so the earliest expiry is the leaf's.
	if !info.EarliestExpiry.Equal(info.Peer.NotAfter) {
		t.Errorf("EarliestExpiry %v, leaf NotAfter %v", info.EarliestExpiry, info.Peer.NotAfter)
	}
}

func TestCertificateFailure(t *testing.T) {
	p := newPKI(t)
	addr := serveTLS(t, p, func(c net.Conn) { io.WriteString(c, "* OK\r\n") })
	// System roots do not know the test CA.
	_, err := Dial(bg, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true})
	e := wantKind(t, err, failure.TLS)
	if !strings.Contains(e.Message, "insecure") {
		t.Errorf("no hint in %q", e.Message)
	}
	// Wrong name with the right CA.
	addr = serveTLS(t, p, func(c net.Conn) { io.WriteString(c, "* OK\r\n") })
	_, err = Dial(bg, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{RootCAs: p.pool, ServerName: "mail.example.com"}})
	wantKind(t, err, failure.TLS)
	// Insecure goes on but remembers why verification failed.
	addr = serveTLS(t, p, func(c net.Conn) { io.WriteString(c, "* OK\r\n") })
	s := dial(t, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{Insecure: true}})
	if info := s.TLS(); info.Verified || info.VerifyError == "" || info.Peer.NotAfter.IsZero() {
		t.Errorf("insecure tls info %+v", info)
	}
}

func serveTLS(t *testing.T, p testPKI, handle func(c net.Conn)) string {
	return fakeserver.ServeOne(t, func(c net.Conn) {
		tc := tls.Server(c, p.serverConfig())
		if tc.Handshake() != nil {
			return
		}
		handle(tc)
	})
}

func TestStartTLS(t *testing.T) {
	p := newPKI(t)
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		io.WriteString(c, "220 ready\r\n")
		r := bufio.NewReader(c)
		r.ReadString('\n')
		io.WriteString(c, "220 go ahead\r\n")
		tc := tls.Server(c, p.serverConfig())
		if tc.Handshake() != nil {
			return
		}
		io.WriteString(tc, "250 secret hello\r\n")
	})
	s := dial(t, addr, Options{Timeout: 2 * time.Second, TLS: TLSOptions{RootCAs: p.pool}})
	s.Reply(bg, 0)
	s.SendLine(bg, "STARTTLS")
	if r, err := s.Reply(bg, 0); err != nil || r.Code != 220 {
		t.Fatal(r, err)
	}
	if err := s.StartTLS(bg, nil); err != nil {
		t.Fatal(err)
	}
	if r, err := s.Reply(bg, 0); err != nil || r.Text != "secret hello" {
		t.Fatal(r, err)
	}
}

// Bytes that arrive after the go-ahead but before the handshake were sent
// in plaintext and would pose as TLS-protected replies: refuse.
func TestStartTLSRefusesInjectedData(t *testing.T) {
	// One write: the injected line comes with the go-ahead.
	sc := fakeserver.Start(t, `S: 220 ready
C: STARTTLS
SR: "220 go ahead\r\n250-injected\r\n"`)
	s := dial(t, sc.Addr(), Options{Timeout: 2 * time.Second})
	s.Reply(bg, 0)
	s.SendLine(bg, "STARTTLS")
	if _, err := s.ExpectString(bg, `^220 go ahead`); err != nil {
		t.Fatal(err)
	}
	// Make sure the injected line has arrived.
	deadline := time.Now().Add(2 * time.Second)
	for s.Pending() == 0 && time.Now().Before(deadline) {
		s.fill(bg, time.Now().Add(50*time.Millisecond), 50*time.Millisecond)
	}
	err := s.StartTLS(bg, nil)
	e := wantKind(t, err, failure.TLS)
	if !strings.Contains(e.Message, "injected") {
		t.Errorf("message does not show the data: %s", e.Message)
	}
	if s.TLS() != nil {
		t.Error("TLS active after refusal")
	}
}

func TestGuards(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) { io.WriteString(c, "421 shutting down\r\n250 ok\r\n") })
	s := dial(t, addr, Options{Timeout: 2 * time.Second})
	s.Guard(cases(`^421 `)...)
	s.Guard(expect.Case{Pattern: expect.MustCompile(`^554 `), Tag: "refused"})
	m, err := s.ExpectString(bg, `^250 `)
	if err != nil || m.Case != 1 || m.Tag != nil {
		t.Fatalf("guard should win on the earlier line: %+v %v", m, err)
	}
	// Each guard's Tag comes back with its match, whatever came before it.
	addr = fakeserver.ServeOne(t, func(c net.Conn) { io.WriteString(c, "554 no\r\n") })
	s2 := dial(t, addr, Options{Timeout: 2 * time.Second})
	s2.Guard(s.Guards()...)
	m, err = s2.Expect(bg, []expect.Case{{Pattern: expect.MustCompile(`^250 `), Tag: "ok"}}, 0)
	if err != nil || m.Case != 2 || m.Tag != "refused" {
		t.Fatalf("tagged guard: %+v %v", m, err)
	}
}

// A peer that never answers the TLS handshake is a timeout (the bulk
// runner retries those), not a certificate problem.
func TestHandshakeTimeoutIsTimeout(t *testing.T) {
	hold := make(chan struct{})
	addr := fakeserver.ServeOne(t, func(c net.Conn) { <-hold })
	defer close(hold)
	start := time.Now()
	_, err := Dial(bg, addr, Options{Timeout: 300 * time.Millisecond, ImplicitTLS: true})
	e := wantKind(t, err, failure.Timeout)
	if e.Stage != "tls" || time.Since(start) > 3*time.Second {
		t.Errorf("stage %q after %v: %s", e.Stage, time.Since(start), e.Message)
	}
}

// Options.Acquire is asked before connecting, with the host; its release
// runs once when the connect fails or the session closes, and its error
// is Dial's.
func TestAcquire(t *testing.T) {
	var hosts []string
	released := 0
	acquire := func(ctx context.Context, host string) (func(), error) {
		hosts = append(hosts, host)
		return func() { released++ }, nil
	}
	addr := fakeserver.ServeOne(t, func(c net.Conn) { io.Copy(io.Discard, c) })
	s, err := Dial(bg, addr, Options{Timeout: time.Second, Acquire: acquire})
	if err != nil {
		t.Fatal(err)
	}
	if released != 0 {
		t.Error("released while the session is open")
	}
	s.Close()
	s.Close()
	if _, err := Dial(bg, fakeserver.ClosedAddr(t), Options{Timeout: time.Second, Acquire: acquire}); !failure.Is(err, failure.Connect) {
		t.Errorf("connect to a closed port: %v", err)
	}
	if released != 2 || len(hosts) != 2 || hosts[0] != "127.0.0.1" {
		t.Errorf("acquired for %v, released %d times; want 127.0.0.1 twice, released twice", hosts, released)
	}
	busy := failure.New(failure.Timeout, "waiting for a free connection")
	_, err = Dial(bg, addr, Options{Acquire: func(context.Context, string) (func(), error) { return nil, busy }})
	if err != busy {
		t.Errorf("Dial returned %v, want Acquire's error", err)
	}
}
