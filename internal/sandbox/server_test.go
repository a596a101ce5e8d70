package sandbox

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/testclient"
)

func TestStartDefaults(t *testing.T) {
	srv := startSandbox(t, Config{})
	for name, addr := range map[string]string{"smtp": srv.SMTPAddr(), "pop3": srv.POP3Addr(), "imap": srv.IMAPAddr()} {
		host, port, err := net.SplitHostPort(addr)
		if err != nil || host != "127.0.0.1" || port == "0" {
			t.Errorf("%s address %q: want 127.0.0.1 and a real port", name, addr)
		}
	}
	want := []User{
		{Name: "demo1", Pass: "demo1-pass", Address: "demo1@sandbox.test"},
		{Name: "demo2", Pass: "demo2-pass", Address: "demo2@sandbox.test"},
		{Name: "demo3", Pass: "demo3-pass", Address: "demo3@sandbox.test"},
	}
	got := srv.Users()
	if len(got) != len(want) {
		t.Fatalf("Users() = %+v, want %+v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("user %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	got[0].Pass = "changed"
	if srv.Users()[0].Pass != "demo1-pass" {
		t.Error("Users() hands out the server's own slice")
	}
}

func TestStartUsers(t *testing.T) {
	tests := []struct {
		users   int
		want    int
		wantErr string
	}{
		{0, 3, ""},
		{1, 1, ""},
		{50, 50, ""},
		{-1, 0, "out of range"},
		{maxUsers + 1, 0, "out of range"},
	}
	for _, tt := range tests {
		srv, err := Start(Config{Users: tt.users})
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Users: %d: %v, want an error mentioning %q", tt.users, err, tt.wantErr)
			}
			if srv != nil {
				srv.Close()
			}
			continue
		}
		if err != nil {
			t.Fatalf("Users: %d: %v", tt.users, err)
		}
		if n := len(srv.Users()); n != tt.want {
			t.Errorf("Users: %d gave %d users, want %d", tt.users, n, tt.want)
		}
		last := srv.Users()[tt.want-1]
		if _, err := srv.Store().Messages(last.Name, "INBOX"); err != nil {
			t.Errorf("the last user %s has no INBOX: %v", last.Name, err)
		}
		srv.Close()
	}
}

func TestStartRefusesNonLoopback(t *testing.T) {
	tests := []struct {
		cfg     Config
		wantErr string
	}{
		{Config{SMTPAddr: "0.0.0.0:0"}, `smtp address "0.0.0.0:0" is not a loopback address`},
		{Config{POP3Addr: ":1110"}, `pop3 address ":1110" is not a loopback address`},
		{Config{IMAPAddr: "192.0.2.1:143"}, "--listen-public"},
		{Config{IMAPAddr: "mail.example.com:143"}, "not a loopback address"},
		{Config{SMTPAddr: "127.0.0.1"}, "missing port"},
	}
	for _, tt := range tests {
		srv, err := Start(tt.cfg)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			t.Errorf("Start(%+v): %v, want an error mentioning %q", tt.cfg, err, tt.wantErr)
		}
		if srv != nil {
			srv.Close()
		}
	}
}

func TestStartLoopbackNames(t *testing.T) {
	srv := startSandbox(t, Config{SMTPAddr: "localhost:0", POP3Addr: "127.0.0.2:0"})
	if !strings.HasPrefix(srv.POP3Addr(), "127.0.0.2:") {
		t.Errorf("POP3Addr() = %q, want 127.0.0.2:port", srv.POP3Addr())
	}
}

// With ListenPublic the passwords are not the well-known ones. (The test
// still binds loopback: it must not open a port to the network.)
func TestListenPublicMakesRandomPasswords(t *testing.T) {
	srv := startSandbox(t, Config{ListenPublic: true})
	seen := map[string]bool{}
	for _, u := range srv.Users() {
		if u.Pass == u.Name+"-pass" || len(u.Pass) < 12 || seen[u.Pass] {
			t.Errorf("user %s has password %q under ListenPublic, want a random one", u.Name, u.Pass)
		}
		seen[u.Pass] = true
	}
	loginPOP3(t, srv, srv.Users()[0]) // the random password logs in
}

func TestStartFailsCleanlyOnBusyPort(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	srv, err := Start(Config{IMAPAddr: busy.Addr().String()})
	if err == nil {
		srv.Close()
		t.Fatal("Start on a busy port succeeded")
	}
	if !strings.Contains(err.Error(), "sandbox imap: listening on "+busy.Addr().String()) {
		t.Errorf("error %q does not name the listener and address", err)
	}
}

func TestCAFileAndPool(t *testing.T) {
	srv, err := Start(Config{})
	if err != nil {
		t.Fatal(err)
	}
	path := srv.CAFile()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("CA file: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("CA file mode %v, want 0600", info.Mode().Perm())
	}
	pemBytes, _ := os.ReadFile(path)
	if !bytes.Equal(pemBytes, srv.CAPEM()) {
		t.Error("CA file differs from CAPEM()")
	}
	block, _ := pem.Decode(pemBytes)
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !ca.IsCA {
		t.Fatalf("CA file holds no CA certificate: %v", err)
	}

	// The served certificate chains to the CA for every loopback name,
	// through the pool and through a pool built from the file.
	fromFile := x509.NewCertPool()
	fromFile.AppendCertsFromPEM(pemBytes)
	for _, pool := range []*x509.CertPool{srv.CAPool(), fromFile} {
		for _, name := range []string{"localhost", "127.0.0.1", "::1", "sandbox.test"} {
			p := testclient.DialPOP3(t, srv.POP3Addr())
			p.STLS(&tls.Config{RootCAs: pool, ServerName: name})
			state := p.Conn.(*tls.Conn).ConnectionState()
			leaf := state.PeerCertificates[0]
			if leaf.NotAfter.Sub(leaf.NotBefore) < 80*24*time.Hour || leaf.PublicKeyAlgorithm != x509.ECDSA {
				t.Errorf("leaf: %v..%v, %v; want ECDSA valid for about 90 days", leaf.NotBefore, leaf.NotAfter, leaf.PublicKeyAlgorithm)
			}
		}
	}

	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("CA file still there after Close: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Each start makes its own CA: one sandbox's pool does not trust another.
func TestEachStartHasItsOwnCA(t *testing.T) {
	a, b := startSandbox(t, Config{}), startSandbox(t, Config{})
	p := testclient.DialPOP3(t, b.POP3Addr())
	p.OK("STLS")
	err := tls.Client(p.Conn, &tls.Config{RootCAs: a.CAPool(), ServerName: "localhost"}).Handshake()
	if err == nil || !strings.Contains(err.Error(), "unknown authority") {
		t.Fatalf("handshake with another sandbox's CA: %v, want unknown authority", err)
	}
}

// Close ends idle sessions, sessions mid-drip and refusals in progress at
// once, and nothing is committed for a POP3 session that did not QUIT.
func TestCloseIsPrompt(t *testing.T) {
	srv, err := Start(Config{Faults: map[string][]Fault{
		ListenerSMTP: {{Kind: FaultDrip, Delay: time.Second}},
		ListenerIMAP: {{Kind: FaultBye}, {Kind: FaultSlow, Delay: time.Minute}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	srv.Store().Deliver("demo1@sandbox.test", testMessage("kept"))
	p := loginPOP3(t, srv, srv.Users()[0])
	p.OK("DELE 1")
	conns := []net.Conn{p.Conn}
	for _, addr := range []string{srv.SMTPAddr(), srv.IMAPAddr()} {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		conns = append(conns, c)
	}
	time.Sleep(50 * time.Millisecond) // let the server be mid-pause

	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("Close took %v", elapsed)
	}
	for i, c := range conns {
		c.SetReadDeadline(time.Now().Add(time.Second))
		if _, err := io.ReadAll(c); err != nil && !errors.Is(err, net.ErrClosed) && !strings.Contains(err.Error(), "reset") {
			t.Errorf("connection %d after Close: %v, want EOF", i, err)
		}
	}
	if n := srv.Store().Count("demo1", "INBOX"); n != 1 {
		t.Errorf("POP3 DELE without QUIT was committed by Close: %d messages left", n)
	}
	if _, err := net.DialTimeout("tcp", srv.SMTPAddr(), time.Second); err == nil {
		t.Error("SMTP still accepts connections after Close")
	}
}

func TestLogfIsSilentAfterClose(t *testing.T) {
	var lines []string
	srv, err := Start(Config{Logf: func(format string, args ...any) { lines = append(lines, format) }})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	n := len(lines)
	srv.logf("late")
	if len(lines) != n || n == 0 {
		t.Errorf("log lines: %d before, %d after a log call past Close", n, len(lines))
	}
}

// TestImplicitTLSAndLMTPListeners: smtps, pop3s and imaps speak TLS from
// the first byte (no STARTTLS offered, logins allowed at once); lmtp
// delivers into the same store with LHLO and one reply per recipient.
func TestImplicitTLSAndLMTPListeners(t *testing.T) {
	srv := startSandbox(t, Config{})
	u := srv.Users()[0]
	dialTLS := func(addr string) (*tls.Conn, *bufio.Reader) {
		c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, clientTLS(srv))
		if err != nil {
			t.Fatalf("%s: %v", addr, err)
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(5 * time.Second))
		return c, bufio.NewReader(c)
	}
	line := func(r *bufio.Reader) string {
		l, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("read: %v (got %q)", err, l)
		}
		return strings.TrimRight(l, "\r\n")
	}
	reply := func(r *bufio.Reader) string { // a whole ddd-/ddd reply
		var all []string
		for {
			l := line(r)
			all = append(all, l)
			if len(l) < 4 || l[3] != '-' {
				return strings.Join(all, "\n")
			}
		}
	}

	c, r := dialTLS(srv.SMTPSAddr())
	if g := line(r); !strings.HasPrefix(g, "220 ") {
		t.Fatalf("smtps greeting %q", g)
	}
	io.WriteString(c, "EHLO t\r\n")
	if e := reply(r); strings.Contains(e, "STARTTLS") || !strings.Contains(e, "AUTH") {
		t.Errorf("smtps EHLO: want AUTH and no STARTTLS:\n%s", e)
	}

	c, r = dialTLS(srv.POP3SAddr())
	if g := line(r); !strings.HasPrefix(g, "+OK") {
		t.Fatalf("pop3s greeting %q", g)
	}
	io.WriteString(c, "USER "+u.Name+"\r\n")
	if l := line(r); !strings.HasPrefix(l, "+OK") {
		t.Errorf("pop3s USER before any STLS: %q (the connection is TLS already)", l)
	}

	_, r = dialTLS(srv.IMAPSAddr())
	if g := line(r); !strings.HasPrefix(g, "* OK") || strings.Contains(g, "LOGINDISABLED") {
		t.Errorf("imaps greeting %q", g)
	}

	lc, err := net.DialTimeout("tcp", srv.LMTPAddr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer lc.Close()
	lc.SetDeadline(time.Now().Add(5 * time.Second))
	lr := bufio.NewReader(lc)
	before := srv.Store().Count(u.Name, "INBOX")
	steps := []struct{ send, want string }{
		{"", "220 "},
		{"LHLO t\r\n", "250"},
		{"MAIL FROM:<a@example.test>\r\n", "250"},
		{"RCPT TO:<" + u.Address + ">\r\n", "250"},
		{"DATA\r\n", "354"},
		{"Subject: lmtp\r\n\r\nhello\r\n.\r\n", "250"}, // one per recipient
	}
	for _, st := range steps {
		io.WriteString(lc, st.send)
		if got := reply(lr); !strings.HasPrefix(got, st.want) {
			t.Fatalf("LMTP after %q: %q, want %s", st.send, got, st.want)
		}
	}
	if n := srv.Store().Count(u.Name, "INBOX"); n != before+1 {
		t.Errorf("LMTP delivered %d messages, want 1", n-before)
	}
}
