package session

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/pki"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// serveTLSConfig is serveTLS with the server's own configuration (client
// certificates required, a version range).
func serveTLSConfig(t *testing.T, cfg *tls.Config, handle func(c net.Conn)) string {
	return fakeserver.ServeOne(t, func(c net.Conn) {
		tc := tls.Server(c, cfg)
		if tc.Handshake() != nil {
			return
		}
		handle(tc)
	})
}

func greet(c net.Conn) { io.WriteString(c, "* OK ready\r\n") }

func TestClientCertificate(t *testing.T) {
	p := newPKI(t)
	ca, err := pki.NewCA(pki.Name{CommonName: "client CA"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	client, err := ca.IssueClient(pki.Name{CommonName: "ops"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	key, _ := pki.KeyPEM(client)
	os.WriteFile(certFile, pki.CertPEM(client), 0o600)
	os.WriteFile(keyFile, key, 0o600)
	cfg := p.serverConfig()
	cfg.ClientAuth, cfg.ClientCAs = tls.RequireAndVerifyClientCert, ca.Pool()
	who := make(chan string, 1)
	addr := serveTLSConfig(t, cfg, func(c net.Conn) {
		who <- c.(*tls.Conn).ConnectionState().PeerCertificates[0].Subject.CommonName
		greet(c)
	})
	s := dial(t, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true,
		TLS: TLSOptions{RootCAs: p.pool, CertFile: certFile, KeyFile: keyFile}})
	if _, err := s.ExpectString(bg, `^\* OK`); err != nil {
		t.Fatal(err)
	}
	if got := <-who; got != "ops" {
		t.Errorf("server saw client %q", got)
	}

	// Without the certificate the server refuses: kind tls. (TLS 1.3
	// reports the refusal on the first read, so read.)
	addr = serveTLSConfig(t, cfg, greet)
	s2, err := Dial(bg, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{RootCAs: p.pool}})
	if err == nil {
		_, err = s2.ExpectString(bg, `^\* OK`)
		s2.Close()
	}
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("no client cert: err = %v, want the server's certificate refusal", err)
	}

	// Half a pair, or files that are not one, is a usage error naming them.
	for _, o := range []TLSOptions{{CertFile: certFile}, {CertFile: certFile, KeyFile: certFile}} {
		o.RootCAs = p.pool
		_, err := Dial(bg, serveTLSConfig(t, cfg, greet), Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: o})
		e := wantKind(t, err, failure.Usage)
		if !strings.Contains(e.Message, "cert_file") {
			t.Errorf("message %q does not name cert_file", e.Message)
		}
	}
}

func TestMinVersion(t *testing.T) {
	p := newPKI(t)
	cfg := p.serverConfig()
	cfg.MaxVersion = tls.VersionTLS12 // a TLS-1.2-only server
	addr := serveTLSConfig(t, cfg, greet)
	s := dial(t, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{RootCAs: p.pool, MinVersion: tls.VersionTLS12}})
	if v := s.TLS().Version; v != "TLS 1.2" {
		t.Errorf("version %q, want TLS 1.2", v)
	}
	addr = serveTLSConfig(t, cfg, greet)
	_, err := Dial(bg, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{RootCAs: p.pool, MinVersion: tls.VersionTLS13}})
	e := wantKind(t, err, failure.TLS)
	if !strings.Contains(e.Message, "version") {
		t.Errorf("message %q does not say version", e.Message)
	}
}

func TestPinAndPeerDetails(t *testing.T) {
	p := newPKI(t)
	leaf := p.cert.Leaf
	want := SPKIPin(leaf)
	addr := serveTLSConfig(t, p.serverConfig(), greet)
	// A pin holds even with insecure: it is trust of its own.
	s := dial(t, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{Insecure: true, Pins: []string{want}}})
	peer := s.TLS().Peer
	if peer.SPKI != want || len(peer.Chain) != 1 || peer.Chain[0].SPKI != want {
		t.Errorf("peer %+v, want SPKI %s and a chain of one", peer, want)
	}
	if fp := peer.Fingerprint; len(fp) != 32*3-1 || strings.ToUpper(fp) != fp || strings.Count(fp, ":") != 31 {
		t.Errorf("fingerprint %q is not openssl's AB:CD:... form", fp)
	}

	other := "sha256/" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	addr = serveTLSConfig(t, p.serverConfig(), greet)
	_, err := Dial(bg, addr, Options{Timeout: 2 * time.Second, ImplicitTLS: true, TLS: TLSOptions{Insecure: true, Pins: []string{other}}})
	e := wantKind(t, err, failure.TLS)
	if !strings.Contains(e.Message, want) || !strings.Contains(e.Message, other) {
		t.Errorf("pin mismatch %q does not name both keys", e.Message)
	}

	for _, bad := range []string{"sha256/short", "sha1/" + want[7:], want[7:]} {
		_, err := Dial(bg, fakeserver.ClosedAddr(t), Options{ImplicitTLS: true, TLS: TLSOptions{Pins: []string{bad}}})
		if !failure.Is(err, failure.Usage) && !failure.Is(err, failure.Connect) {
			t.Errorf("pin %q: err %v", bad, err)
		}
		if err := checkPinSyntax(bad); !failure.Is(err, failure.Usage) {
			t.Errorf("pin %q accepted: %v", bad, err)
		}
	}
}

func TestUnixSocket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lmtp.sock")
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			io.WriteString(c, "220 lmtp ready\r\n")
			c.Close()
		}
	}()
	for _, tc := range []struct {
		addr string
		opts Options
	}{
		{"unix:" + path, Options{}},
		{"lmtp://mail.example.com", Options{UnixSocket: path}},
	} {
		tc.opts.Timeout = 2 * time.Second
		s := dial(t, tc.addr, tc.opts)
		if _, err := s.ExpectString(bg, `^220 lmtp`); err != nil {
			t.Errorf("%s: %v", tc.addr, err)
		}
	}
	if a, _ := ParseAddress("unix:" + path); a.String() != "unix:"+path || a.Socket != path {
		t.Errorf("ParseAddress = %+v", a)
	}
	_, err = Dial(bg, "unix:"+path+".missing", Options{Timeout: time.Second})
	e := wantKind(t, err, failure.Connect)
	if !strings.Contains(e.Message, path+".missing") {
		t.Errorf("message %q does not name the socket", e.Message)
	}
}

// connectProxy is a small HTTP CONNECT proxy: what it was asked for goes
// to asked, then bytes are copied both ways.
func connectProxy(t *testing.T, asked chan<- *http.Request) string {
	return fakeserver.Serve(t, func(c net.Conn) {
		br := bufio.NewReader(c)
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		asked <- req
		if req.Method != "CONNECT" {
			io.WriteString(c, "HTTP/1.1 405 Method Not Allowed\r\n\r\n")
			return
		}
		up, err := net.Dial("tcp", req.Host)
		if err != nil {
			io.WriteString(c, "HTTP/1.1 502 Bad Gateway\r\n\r\n")
			return
		}
		defer up.Close()
		io.WriteString(c, "HTTP/1.1 200 Connection established\r\n\r\n")
		go io.Copy(up, br)
		io.Copy(c, up)
	})
}

func TestHTTPConnectProxy(t *testing.T) {
	server := fakeserver.Serve(t, func(c net.Conn) { io.WriteString(c, "220 behind the proxy\r\n") })
	asked := make(chan *http.Request, 4)
	px := connectProxy(t, asked)
	s := dial(t, server, Options{Timeout: 2 * time.Second, Proxy: "http://ops:hunter2@" + px})
	if _, err := s.ExpectString(bg, `^220 behind`); err != nil {
		t.Fatal(err)
	}
	req := <-asked
	if req.Method != "CONNECT" || req.Host != server {
		t.Errorf("proxy asked %s %s, want CONNECT %s", req.Method, req.Host, server)
	}
	if u, pw, ok := req.BasicAuth(); ok || req.Header.Get("Proxy-Authorization") == "" {
		t.Errorf("proxy authorization not sent (%q %q %v)", u, pw, ok)
	}

	// A refused tunnel is a connect error naming the proxy without its password.
	_, err := Dial(bg, fakeserver.ClosedAddr(t), Options{Timeout: 2 * time.Second, Proxy: "http://ops:hunter2@" + px})
	e := wantKind(t, err, failure.Connect)
	if !strings.Contains(e.Message, "502") || strings.Contains(e.Message, "hunter2") || !strings.Contains(e.Message, px) {
		t.Errorf("refused tunnel: %q", e.Message)
	}
}

func TestProxyFromEnvironmentOnlyWhenAsked(t *testing.T) {
	server := fakeserver.Serve(t, func(c net.Conn) { io.WriteString(c, "220 hi\r\n") })
	asked := make(chan *http.Request, 4)
	t.Setenv("ALL_PROXY", "http://"+connectProxy(t, asked))
	t.Setenv("NO_PROXY", "")
	dial(t, server, Options{Timeout: 2 * time.Second}).ExpectString(bg, `^220`)
	select {
	case r := <-asked:
		t.Fatalf("ALL_PROXY used without proxy = env: %v", r.Host)
	default:
	}
	s := dial(t, server, Options{Timeout: 2 * time.Second, Proxy: "env"})
	if _, err := s.ExpectString(bg, `^220`); err != nil {
		t.Fatal(err)
	}
	if r := <-asked; r.Host != server {
		t.Errorf("proxy asked for %s", r.Host)
	}
	t.Setenv("NO_PROXY", "localhost,127.0.0.0/8")
	dial(t, server, Options{Timeout: 2 * time.Second, Proxy: "env"}).ExpectString(bg, `^220`)
	select {
	case r := <-asked:
		t.Errorf("NO_PROXY ignored: proxy asked for %s", r.Host)
	default:
	}
}

func TestNoProxy(t *testing.T) {
	for _, tc := range []struct {
		list, host string
		want       bool
	}{
		{"*", "a.example", true},
		{"example.com", "mail.example.com", true},
		{".example.com", "example.com", true},
		{"example.com", "badexample.com", false},
		{"10.0.0.0/8", "10.1.2.3", true},
		{"10.0.0.0/8", "11.1.2.3", false},
		{"", "x", false},
	} {
		if got := noProxy(tc.list, tc.host); got != tc.want {
			t.Errorf("noProxy(%q, %q) = %v", tc.list, tc.host, got)
		}
	}
}

func TestParseProxy(t *testing.T) {
	for _, bad := range []string{"socks4://h:1", "h:1080", "socks5://h", "http://u:pw@h:1/path"} {
		_, err := ParseProxy(bad)
		if !failure.Is(err, failure.Usage) {
			t.Errorf("ParseProxy(%q) = %v, want a usage error", bad, err)
		} else if strings.Contains(err.Error(), ":pw@") {
			t.Errorf("password shown: %v", err)
		}
	}
}

// BenchmarkDial prices a session's connect and close on loopback, under
// a cancellable context as a script's run has: what a bulk row pays
// before its first command.
func BenchmarkDial(b *testing.B) {
	addr := fakeserver.Serve(b, func(c net.Conn) { io.Copy(io.Discard, c) })
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	b.ReportAllocs()
	for b.Loop() {
		s, err := Dial(ctx, addr, Options{Timeout: time.Minute})
		if err != nil {
			b.Fatal(err)
		}
		s.Close()
	}
}

// fullBacklog returns the address of a TCP listener that never accepts
// and whose accept queue is full: a connect to it gets no answer (Linux
// drops the SYN), as a firewalled host gives none.
func fullBacklog(t *testing.T) string {
	t.Helper()
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { syscall.Close(fd) })
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Listen(fd, 0); err != nil {
		t.Fatal(err)
	}
	sa, err := syscall.Getsockname(fd)
	if err != nil {
		t.Fatal(err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(sa.(*syscall.SockaddrInet4).Port))
	// Fill the queue: these connects complete in the kernel, unaccepted.
	for range 4 {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err != nil {
			break // full already
		}
		t.Cleanup(func() { c.Close() })
	}
	return addr
}

// TestConnectTimeoutIsExact: a connect that gets no answer fails after
// the connect timeout, not before and not much after, as kind connect
// saying so (the socket's deadline may end it a moment before the
// context's timer: the message must not depend on which); and a
// cancelled context stops it at once. To an address and to a name.
func TestConnectTimeoutIsExact(t *testing.T) {
	addr := fullBacklog(t)
	_, port, _ := net.SplitHostPort(addr)
	for _, target := range []string{addr, net.JoinHostPort("localhost", port)} {
		const ct = 300 * time.Millisecond
		start := time.Now()
		s, err := Dial(bg, target, Options{ConnectTimeout: ct, Timeout: time.Minute})
		el := time.Since(start)
		if err == nil {
			s.Close()
			t.Skipf("%s: the kernel answered a connect to a full accept queue", target)
		}
		wantKind(t, err, failure.Connect)
		if !strings.Contains(err.Error(), "no answer within 300ms") {
			t.Errorf("%s: error %q does not say the connect timed out", target, err)
		}
		if el < ct || el > ct+time.Second {
			t.Errorf("%s: failed after %v, want %v", target, el, ct)
		}

		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start = time.Now()
		_, err = Dial(ctx, target, Options{ConnectTimeout: time.Minute})
		if el := time.Since(start); err == nil || el > 5*time.Second {
			t.Errorf("%s: a cancelled connect returned %v after %v", target, err, el)
		}
		wantKind(t, err, failure.Timeout)
	}
}

// TestConnectStoppedByRunDeadline: a connect ended by the run's deadline
// (a bulk row's timeout, --max-time), which is earlier than the connect
// timeout, is a stop with its cause, not "no answer within" the connect
// timeout, also when the socket's deadline (net's, from that same
// deadline) ends it a moment before the context's timer.
func TestConnectStoppedByRunDeadline(t *testing.T) {
	ctx, cancel := context.WithTimeoutCause(bg, 200*time.Millisecond, errors.New("the row's timeout (200ms) reached"))
	defer cancel()
	early := func(ctx context.Context, _ Target) (net.Conn, error) {
		d, _ := ctx.Deadline()
		time.Sleep(time.Until(d) - 20*time.Millisecond) // the poller, a moment early
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: os.ErrDeadlineExceeded}
	}
	_, err := Dial(ctx, "127.0.0.1:1", Options{ConnectTimeout: time.Minute, Timeout: time.Minute, Dial: early})
	wantKind(t, err, failure.Timeout)
	if err == nil || !strings.Contains(err.Error(), "the row's timeout (200ms) reached") {
		t.Errorf("error %v does not say the row's timeout stopped the connect", err)
	}
}
