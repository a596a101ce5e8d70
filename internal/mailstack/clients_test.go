package mailstack

// Minimal, independent POP3 and IMAP clients for the harness tests, built
// on the standard library only (net/textproto, crypto/tls), so that the
// servers are checked by code that shares nothing with mailexpect.

import (
	"bufio"
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"net/textproto"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(20 * time.Second))
	t.Cleanup(func() { c.Close() })
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

// upgrade runs the client side of a TLS handshake on c (after STLS/STARTTLS).
func upgrade(t *testing.T, c net.Conn, cfg *tls.Config) net.Conn {
	t.Helper()
	tc := tls.Client(c, cfg)
	if err := tc.Handshake(); err != nil {
		t.Fatalf("STARTTLS handshake: %v", err)
	}
	return tc
}

func cramMD5(user, password, challenge string) string {
	h := hmac.New(md5.New, []byte(password))
	h.Write([]byte(challenge))
	return user + " " + hex.EncodeToString(h.Sum(nil))
}

// --- POP3 ---

type pop3 struct {
	t        *testing.T
	conn     net.Conn
	tp       *textproto.Conn
	greeting string
}

func newPOP3(t *testing.T, c net.Conn) *pop3 {
	t.Helper()
	p := &pop3{t: t, conn: c, tp: textproto.NewConn(c)}
	line, err := p.tp.ReadLine()
	if err != nil || !strings.HasPrefix(line, "+OK") {
		t.Fatalf("POP3 greeting: %q, %v", line, err)
	}
	p.greeting = line
	return p
}

// try sends a command and returns the status line, whatever it says.
func (p *pop3) try(format string, args ...any) string {
	p.t.Helper()
	if err := p.tp.PrintfLine(format, args...); err != nil {
		p.t.Fatal(err)
	}
	line, err := p.tp.ReadLine()
	if err != nil {
		p.t.Fatalf("POP3 %q: %v", strings.Fields(format)[0], err)
	}
	return line
}

// cmd sends a command that must succeed and returns the rest of its +OK line.
func (p *pop3) cmd(format string, args ...any) string {
	p.t.Helper()
	line := p.try(format, args...)
	if !strings.HasPrefix(line, "+OK") {
		p.t.Fatalf("POP3 %s: %q", strings.Fields(format)[0], line)
	}
	return strings.TrimSpace(strings.TrimPrefix(line, "+OK"))
}

// multi sends a command with a multi-line answer and returns its body,
// dot-unstuffed, with LF line ends.
func (p *pop3) multi(format string, args ...any) []byte {
	p.t.Helper()
	p.cmd(format, args...)
	b, err := p.tp.ReadDotBytes()
	if err != nil {
		p.t.Fatal(err)
	}
	return b
}

func (p *pop3) login(user, password string) {
	p.t.Helper()
	p.cmd("USER %s", user)
	p.cmd("PASS %s", password)
}

// stat returns the number of messages.
func (p *pop3) stat() int {
	p.t.Helper()
	f := strings.Fields(p.cmd("STAT"))
	n, err := strconv.Atoi(f[0])
	if err != nil {
		p.t.Fatalf("STAT: %q", f)
	}
	return n
}

// findSubject RETRs every message and returns the first whose Subject
// header is subject.
func (p *pop3) findSubject(subject string) ([]byte, bool) {
	p.t.Helper()
	for i := 1; i <= p.stat(); i++ {
		msg := p.multi("RETR %d", i)
		if hasSubject(msg, subject) {
			return msg, true
		}
	}
	return nil, false
}

func (p *pop3) quit() {
	p.t.Helper()
	p.cmd("QUIT")
}

func hasSubject(msg []byte, subject string) bool {
	return regexp.MustCompile(`(?m)^Subject: ` + regexp.QuoteMeta(subject) + `\r?$`).Match(msg)
}

// --- IMAP ---

type imap struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
	tag  int
}

func newIMAP(t *testing.T, c net.Conn) *imap {
	t.Helper()
	m := &imap{t: t, conn: c, r: bufio.NewReader(c)}
	if line := m.line(); !strings.HasPrefix(line, "* OK") {
		t.Fatalf("IMAP greeting: %q", line)
	}
	return m
}

func (m *imap) line() string {
	m.t.Helper()
	l, err := m.r.ReadString('\n')
	if err != nil {
		m.t.Fatalf("IMAP read: %v (after %q)", err, l)
	}
	return strings.TrimRight(l, "\r\n")
}

var literalRE = regexp.MustCompile(`\{(\d+)\}$`)

// cmd sends a tagged command and returns the untagged responses (with any
// literals inline) and the tagged status line. A continuation request
// ("+ ...") is answered by cont, which gets the text after "+ ".
func (m *imap) run(cont func(string) string, format string, args ...any) (untagged []string, status string) {
	m.t.Helper()
	m.tag++
	tag := "a" + strconv.Itoa(m.tag)
	if _, err := fmt.Fprintf(m.conn, tag+" "+format+"\r\n", args...); err != nil {
		m.t.Fatal(err)
	}
	for {
		l := m.line()
		// A literal {n} ends the line; its n bytes and the rest of the
		// response follow.
		for {
			sm := literalRE.FindStringSubmatch(l)
			if sm == nil {
				break
			}
			n, _ := strconv.Atoi(sm[1])
			buf := make([]byte, n)
			if _, err := io.ReadFull(m.r, buf); err != nil {
				m.t.Fatal(err)
			}
			l += "\r\n" + string(buf) + m.line()
		}
		switch {
		case strings.HasPrefix(l, tag+" "):
			return untagged, strings.TrimPrefix(l, tag+" ")
		case strings.HasPrefix(l, "+"):
			if cont == nil {
				m.t.Fatalf("IMAP %s: unexpected continuation %q", format, l)
			}
			fmt.Fprintf(m.conn, "%s\r\n", cont(strings.TrimPrefix(strings.TrimPrefix(l, "+"), " ")))
		default:
			untagged = append(untagged, l)
		}
	}
}

// cmd runs a command that must answer OK.
func (m *imap) cmd(format string, args ...any) []string {
	m.t.Helper()
	untagged, status := m.run(nil, format, args...)
	if !strings.HasPrefix(status, "OK") {
		m.t.Fatalf("IMAP %s: %q", strings.Fields(format)[0], status)
	}
	return untagged
}

// search returns the UIDs of the messages with the given subject.
func (m *imap) searchSubject(subject string) []string {
	m.t.Helper()
	for _, l := range m.cmd(`UID SEARCH HEADER Subject %q`, subject) {
		if strings.HasPrefix(l, "* SEARCH") {
			return strings.Fields(strings.TrimPrefix(l, "* SEARCH"))
		}
	}
	return nil
}

// fetch returns the whole message with the given UID.
func (m *imap) fetch(uid string) string {
	m.t.Helper()
	for _, l := range m.cmd("UID FETCH %s BODY.PEEK[]", uid) {
		if strings.Contains(l, "FETCH") {
			return l
		}
	}
	m.t.Fatalf("UID FETCH %s: no FETCH response", uid)
	return ""
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

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }
