// Package testclient holds minimal, strict POP3 and IMAP clients for
// tests that check a server (the sandbox, the Postfix + Dovecot harness)
// by code that shares nothing with mailexpect. They read the wire as it
// is: every line must end in CRLF, message bodies keep their CRLFs
// (a textproto dot reader would turn them into LF and hide
// byte-exactness), and any I/O error or refusal fails the test at once.
//
// It imports only the standard library.
package testclient

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"encoding/hex"
	"io"
	"net"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// LineConn is a line-oriented connection that fails its test on any error.
type LineConn struct {
	T        testing.TB
	Conn     net.Conn
	R        *bufio.Reader
	Greeting string // the server's first line
	proto    string // for messages: "POP3", "IMAP"
}

// greet wraps c and reads the server's greeting, which must start with
// prefix.
func greet(t testing.TB, c net.Conn, proto, prefix string) *LineConn {
	t.Helper()
	lc := &LineConn{T: t, Conn: c, R: bufio.NewReader(c), proto: proto}
	lc.Greeting = lc.Line()
	if !strings.HasPrefix(lc.Greeting, prefix) {
		t.Fatalf("%s greeting %q", proto, lc.Greeting)
	}
	return lc
}

// Dial connects to addr within 5 s, gives the connection 10 s to live
// (a silent server fails the test instead of hanging it) and closes it
// when the test ends.
func Dial(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatalf("dial %s: %v", addr, err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	return c
}

// Line reads one line, which must end in CRLF, and returns it without.
func (c *LineConn) Line() string {
	c.T.Helper()
	l, err := c.R.ReadString('\n')
	if err != nil {
		c.T.Fatalf("%s read: %v (after %q)", c.proto, err, l)
	}
	if !strings.HasSuffix(l, "\r\n") {
		c.T.Fatalf("%s line %q does not end in CRLF", c.proto, l)
	}
	return strings.TrimSuffix(l, "\r\n")
}

// Send writes line and CRLF.
func (c *LineConn) Send(line string) {
	c.T.Helper()
	if _, err := c.Conn.Write([]byte(line + "\r\n")); err != nil {
		c.T.Fatalf("%s write %q: %v", c.proto, line, err)
	}
}

// StartTLS runs the client side of the TLS handshake after STLS or
// STARTTLS was accepted; the connection speaks TLS from then on.
func (c *LineConn) StartTLS(cfg *tls.Config) *tls.Conn {
	c.T.Helper()
	tc := tls.Client(c.Conn, cfg)
	if err := tc.Handshake(); err != nil {
		c.T.Fatalf("%s TLS handshake: %v", c.proto, err)
	}
	c.Conn, c.R = tc, bufio.NewReader(tc)
	return tc
}

// POP3 is an RFC 1939 client.
type POP3 struct{ *LineConn }

// NewPOP3 reads the greeting on c, which must be "+OK ...".
func NewPOP3(t testing.TB, c net.Conn) *POP3 {
	t.Helper()
	return &POP3{greet(t, c, "POP3", "+OK ")}
}

// DialPOP3 is Dial and NewPOP3.
func DialPOP3(t testing.TB, addr string) *POP3 {
	t.Helper()
	return NewPOP3(t, Dial(t, addr))
}

// Cmd sends a command and returns its status line, whatever it says.
func (p *POP3) Cmd(line string) string {
	p.T.Helper()
	p.Send(line)
	return p.Line()
}

// OK sends a command that must succeed and returns its status line.
func (p *POP3) OK(line string) string {
	p.T.Helper()
	reply := p.Cmd(line)
	if !strings.HasPrefix(reply, "+OK") {
		p.T.Fatalf("POP3 %q: %q", line, reply)
	}
	return reply
}

// Body reads a multi-line body up to the lone dot, unstuffed, CRLFs kept;
// a line that does not end in CRLF fails the test (RFC 1939 sends every
// line of a body so, whatever the stored message holds).
func (p *POP3) Body() []byte {
	p.T.Helper()
	var out bytes.Buffer
	for {
		l, err := p.R.ReadString('\n')
		if err != nil {
			p.T.Fatalf("POP3 body: %v (after %q)", err, l)
		}
		if !strings.HasSuffix(l, "\r\n") {
			p.T.Fatalf("POP3 body line %q does not end in CRLF", l)
		}
		if l == ".\r\n" {
			return out.Bytes()
		}
		out.WriteString(strings.TrimPrefix(l, "."))
	}
}

// Multi sends a command that must succeed and returns its multi-line body.
func (p *POP3) Multi(line string) []byte {
	p.T.Helper()
	p.OK(line)
	return p.Body()
}

// STLS upgrades the session to TLS.
func (p *POP3) STLS(cfg *tls.Config) *tls.Conn {
	p.T.Helper()
	p.OK("STLS")
	return p.StartTLS(cfg)
}

// Login is USER and PASS, both of which must succeed.
func (p *POP3) Login(user, password string) {
	p.T.Helper()
	p.OK("USER " + user)
	p.OK("PASS " + password)
}

// Stat returns the number of messages.
func (p *POP3) Stat() int {
	p.T.Helper()
	f := strings.Fields(p.OK("STAT"))
	if len(f) < 2 {
		p.T.Fatalf("STAT: %q", f)
	}
	n, err := strconv.Atoi(f[1])
	if err != nil {
		p.T.Fatalf("STAT: %q", f)
	}
	return n
}

// IMAP is an RFC 9051 client: tagged commands, untagged responses with
// their literals inline, continuation requests.
type IMAP struct {
	*LineConn
	tag int
}

// NewIMAP reads the greeting on c, which must be "* OK ...".
func NewIMAP(t testing.TB, c net.Conn) *IMAP {
	t.Helper()
	return &IMAP{LineConn: greet(t, c, "IMAP", "* OK")}
}

// DialIMAP is Dial and NewIMAP.
func DialIMAP(t testing.TB, addr string) *IMAP {
	t.Helper()
	return NewIMAP(t, Dial(t, addr))
}

var literalRE = regexp.MustCompile(`\{(\d+)\}$`)

// Run sends command with the next tag (a1, a2, ...) and returns the
// untagged responses (literals inline) and the tagged status line without
// its tag. A continuation request ("+ ...") is answered by cont, which
// gets the text after "+ "; with cont nil it fails the test.
func (m *IMAP) Run(cont func(string) string, command string) (untagged []string, status string) {
	m.T.Helper()
	m.tag++
	tag := "a" + strconv.Itoa(m.tag)
	m.Send(tag + " " + command)
	for {
		l := m.Line()
		// A literal {n} ends the line; its n bytes and the rest of the
		// response follow.
		for {
			sm := literalRE.FindStringSubmatch(l)
			if sm == nil {
				break
			}
			n, _ := strconv.Atoi(sm[1])
			buf := make([]byte, n)
			if _, err := io.ReadFull(m.R, buf); err != nil {
				m.T.Fatalf("IMAP literal: %v", err)
			}
			l += "\r\n" + string(buf) + m.Line()
		}
		switch {
		case strings.HasPrefix(l, tag+" "):
			return untagged, strings.TrimPrefix(l, tag+" ")
		case strings.HasPrefix(l, "+"):
			if cont == nil {
				m.T.Fatalf("IMAP %s: unexpected continuation %q", command, l)
			}
			m.Send(cont(strings.TrimPrefix(strings.TrimPrefix(l, "+"), " ")))
		default:
			untagged = append(untagged, l)
		}
	}
}

// OK runs a command that must answer OK and returns its untagged responses.
func (m *IMAP) OK(command string) []string {
	m.T.Helper()
	untagged, status := m.Run(nil, command)
	if !strings.HasPrefix(status, "OK") {
		m.T.Fatalf("IMAP %s: %q", strings.Fields(command)[0], status)
	}
	return untagged
}

// CRAMMD5 is the client's answer to a CRAM-MD5 challenge (RFC 2195),
// before base64.
func CRAMMD5(user, password, challenge string) string {
	h := hmac.New(md5.New, []byte(password))
	h.Write([]byte(challenge))
	return user + " " + hex.EncodeToString(h.Sum(nil))
}
