package mailstack

// The harness tests check the servers with internal/testclient's POP3 and
// IMAP clients, which share nothing with mailexpect; these are the
// few steps on top of them that only these tests need.

import (
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/testclient"
)

// dial is testclient.Dial with 20 s to live: a real Dovecot on a loaded
// machine is slower than the sandbox.
func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c := testclient.Dial(t, addr)
	c.SetDeadline(time.Now().Add(20 * time.Second))
	return c
}

func dialTLS(t *testing.T, addr string, cfg *tls.Config) net.Conn {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, cfg)
	if err != nil {
		t.Fatalf("TLS to %s: %v", addr, err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

// findSubject RETRs every message and returns the first whose Subject
// header is subject.
func findSubject(p *testclient.POP3, subject string) ([]byte, bool) {
	p.T.Helper()
	for i := 1; i <= p.Stat(); i++ {
		msg := p.Multi(fmt.Sprintf("RETR %d", i))
		if hasSubject(msg, subject) {
			return msg, true
		}
	}
	return nil, false
}

func hasSubject(msg []byte, subject string) bool {
	return regexp.MustCompile(`(?m)^Subject: ` + regexp.QuoteMeta(subject) + `\r?$`).Match(msg)
}

// searchSubject returns the UIDs of the messages with the given subject.
func searchSubject(m *testclient.IMAP, subject string) []string {
	m.T.Helper()
	for _, l := range m.OK(fmt.Sprintf(`UID SEARCH HEADER Subject %q`, subject)) {
		if strings.HasPrefix(l, "* SEARCH") {
			return strings.Fields(strings.TrimPrefix(l, "* SEARCH"))
		}
	}
	return nil
}

// fetch returns the whole message with the given UID.
func fetch(m *testclient.IMAP, uid string) string {
	m.T.Helper()
	for _, l := range m.OK("UID FETCH " + uid + " BODY.PEEK[]") {
		if strings.Contains(l, "FETCH") {
			return l
		}
	}
	m.T.Fatalf("UID FETCH %s: no FETCH response", uid)
	return ""
}

// imapLogin is LOGIN with the password quoted, and SELECT INBOX.
func imapLogin(m *testclient.IMAP, user, password string) {
	m.T.Helper()
	m.OK("LOGIN " + user + " " + imapQuote(password))
	m.OK("SELECT INBOX")
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func unb64(t *testing.T, s string) string {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		t.Fatalf("base64 %q: %v", s, err)
	}
	return string(b)
}
