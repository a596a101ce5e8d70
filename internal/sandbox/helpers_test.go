package sandbox

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"fmt"
	"net"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
)

// Independent clients for the tests: Go's net/smtp, go-imap's imapclient
// and a raw POP3 client written against RFC 1939 here (textproto's dot
// reader would turn CRLF into LF and hide byte-exactness).

func startSandbox(t *testing.T, cfg Config) *Server {
	t.Helper()
	if cfg.Logf == nil {
		cfg.Logf = t.Logf
	}
	srv, err := Start(cfg)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return srv
}

func clientTLS(srv *Server) *tls.Config {
	return &tls.Config{RootCAs: srv.CAPool(), ServerName: "localhost"}
}

// testMessage has what breaks naive servers: lines starting with dots, a
// line that is a lone dot, 8-bit text and no trailing blank line.
func testMessage(subject string) []byte {
	return []byte("From: demo2@sandbox.test\r\n" +
		"To: demo1@sandbox.test\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + strings.ReplaceAll(subject, " ", ".") + "@sandbox.test>\r\n" +
		"Content-Type: text/plain; charset=utf-8\r\n" +
		"\r\n" +
		"first line\r\n" +
		".leading dot\r\n" +
		"..two dots\r\n" +
		".\r\n" +
		"caf\xc3\xa9 and A004 OK\r\n" +
		"last line\r\n")
}

// sendMail submits over STARTTLS with AUTH PLAIN, as a mail client would.
func sendMail(t *testing.T, srv *Server, from string, to []string, msg []byte) {
	t.Helper()
	if err := trySendMail(srv, from, to, msg); err != nil {
		t.Fatalf("sending mail: %v", err)
	}
}

func trySendMail(srv *Server, from string, to []string, msg []byte) error {
	c, err := smtp.Dial(srv.SMTPAddr())
	if err != nil {
		return err
	}
	defer c.Close()
	if err := c.Hello("client.test"); err != nil {
		return err
	}
	if err := c.StartTLS(clientTLS(srv)); err != nil {
		return fmt.Errorf("STARTTLS: %w", err)
	}
	u := srv.Users()[1]
	if err := c.Auth(smtp.PlainAuth("", u.Name, u.Pass, "127.0.0.1")); err != nil {
		return fmt.Errorf("AUTH: %w", err)
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("MAIL: %w", err)
	}
	for _, rcpt := range to {
		if err := c.Rcpt(rcpt); err != nil {
			return fmt.Errorf("RCPT %s: %w", rcpt, err)
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("DATA: %w", err)
	}
	if _, err := w.Write(msg); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("end of DATA: %w", err)
	}
	return c.Quit()
}

// pop3Client is a minimal, strict POP3 client.
type pop3Client struct {
	t        *testing.T
	conn     net.Conn
	r        *bufio.Reader
	greeting string
}

func dialPOP3(t *testing.T, addr string) *pop3Client {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial POP3: %v", err)
	}
	t.Cleanup(func() { conn.Close() })
	c := &pop3Client{t: t, conn: conn, r: bufio.NewReader(conn)}
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	c.greeting = c.line()
	if !strings.HasPrefix(c.greeting, "+OK ") {
		t.Fatalf("POP3 greeting %q", c.greeting)
	}
	return c
}

func (c *pop3Client) line() string {
	c.t.Helper()
	l, err := c.r.ReadString('\n')
	if err != nil {
		c.t.Fatalf("POP3 read: %v (after %q)", err, l)
	}
	if !strings.HasSuffix(l, "\r\n") {
		c.t.Fatalf("POP3 line %q does not end in CRLF", l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

func (c *pop3Client) send(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatalf("POP3 write %q: %v", line, err)
	}
}

// cmd sends a command and returns its status line.
func (c *pop3Client) cmd(line string) string {
	c.t.Helper()
	c.send(line)
	return c.line()
}

// ok sends a command that must succeed.
func (c *pop3Client) ok(line string) string {
	c.t.Helper()
	reply := c.cmd(line)
	if !strings.HasPrefix(reply, "+OK") {
		c.t.Fatalf("POP3 %q: %q", line, reply)
	}
	return reply
}

// body reads a multi-line body up to the lone dot, unstuffed, CRLFs kept.
func (c *pop3Client) body() []byte {
	c.t.Helper()
	var out bytes.Buffer
	for {
		l, err := c.r.ReadString('\n')
		if err != nil {
			c.t.Fatalf("POP3 body: %v", err)
		}
		if l == ".\r\n" {
			return out.Bytes()
		}
		out.WriteString(strings.TrimPrefix(l, "."))
	}
}

func (c *pop3Client) multi(line string) []byte {
	c.t.Helper()
	c.ok(line)
	return c.body()
}

func (c *pop3Client) stls(cfg *tls.Config) {
	c.t.Helper()
	c.ok("STLS")
	tc := tls.Client(c.conn, cfg)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("POP3 TLS handshake: %v", err)
	}
	c.conn = tc
	c.r = bufio.NewReader(tc)
}

// login is STLS + USER/PASS.
func (c *pop3Client) login(srv *Server, u User) {
	c.t.Helper()
	c.stls(clientTLS(srv))
	c.ok("USER " + u.Name)
	c.ok("PASS " + u.Pass)
}

func dialIMAP(t *testing.T, srv *Server, u User) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialStartTLS(srv.IMAPAddr(), &imapclient.Options{TLSConfig: clientTLS(srv)})
	if err != nil {
		t.Fatalf("IMAP dial: %v", err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.Login(u.Name, u.Pass).Wait(); err != nil {
		t.Fatalf("IMAP LOGIN: %v", err)
	}
	return c
}

// dialIMAPInbox is dialIMAP with INBOX selected.
func dialIMAPInbox(t *testing.T, srv *Server, u User) *imapclient.Client {
	t.Helper()
	c := dialIMAP(t, srv, u)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	return c
}

// waitFor polls cond for up to two seconds: for effects that land on the
// server after the client has its answer (a POP3 lock released after QUIT).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dialSMTP connects a net/smtp client to the sandbox's SMTP listener,
// closed when the test ends.
func dialSMTP(t *testing.T, srv *Server) *smtp.Client {
	t.Helper()
	c, err := smtp.Dial(srv.SMTPAddr())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// loginAfterDrop logs u in over POP3 once a dropped session has released
// the maildrop lock: PASS is refused until then.
func loginAfterDrop(t *testing.T, srv *Server, u User) *pop3Client {
	t.Helper()
	var p *pop3Client
	waitFor(t, "the dropped session's maildrop lock", func() bool {
		p = dialPOP3(t, srv.POP3Addr())
		p.stls(clientTLS(srv))
		p.ok("USER " + u.Name)
		if strings.HasPrefix(p.cmd("PASS "+u.Pass), "+OK") {
			return true
		}
		p.conn.Close()
		return false
	})
	return p
}
