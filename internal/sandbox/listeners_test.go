package sandbox

import (
	"bufio"
	"crypto/tls"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

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
