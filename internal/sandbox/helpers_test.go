package sandbox

import (
	"crypto/tls"
	"fmt"
	"net/smtp"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/mailexpect/mailexpect/internal/testclient"
)

// Independent clients for the tests: Go's net/smtp, go-imap's imapclient
// and internal/testclient's strict POP3 and IMAP line clients.

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

// loginPOP3 opens a POP3 session as u: STLS, then USER and PASS.
func loginPOP3(t *testing.T, srv *Server, u User) *testclient.POP3 {
	t.Helper()
	p := testclient.DialPOP3(t, srv.POP3Addr())
	p.STLS(clientTLS(srv))
	p.Login(u.Name, u.Pass)
	return p
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
func loginAfterDrop(t *testing.T, srv *Server, u User) *testclient.POP3 {
	t.Helper()
	var p *testclient.POP3
	waitFor(t, "the dropped session's maildrop lock", func() bool {
		p = testclient.DialPOP3(t, srv.POP3Addr())
		p.STLS(clientTLS(srv))
		p.OK("USER " + u.Name)
		if strings.HasPrefix(p.Cmd("PASS "+u.Pass), "+OK") {
			return true
		}
		p.Conn.Close()
		return false
	})
	return p
}
