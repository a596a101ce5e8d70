package scripts_test

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/pki"
)

// testCA signs short-lived server certificates for the expiry tests: the
// real stack's certificate is good for ten years.
type testCA struct {
	*pki.CA
	file string // PEM, for --ca-file
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	now := time.Now()
	ca, err := pki.NewCA(pki.Name{CommonName: name}, now.Add(-time.Hour), now.Add(365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, ca.PEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testCA{CA: ca, file: file}
}

// leaf returns a certificate for localhost and 127.0.0.1 that expires at
// notAfter (valid since a day before it, or before now when that is
// earlier, so an expired one was once valid), sent with the CA above it.
func (ca *testCA) leaf(t *testing.T, notAfter time.Time) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	notBefore := time.Now().Add(-24 * time.Hour)
	if nb := notAfter.Add(-24 * time.Hour); nb.Before(notBefore) {
		notBefore = nb
	}
	c, err := ca.Issue(pki.Name{CommonName: "localhost"}, []string{"localhost", "127.0.0.1"}, notBefore, notAfter)
	if err != nil {
		t.Fatal(err)
	}
	c.Certificate = append(c.Certificate, ca.Cert.Raw)
	return c, c.Leaf
}

// startTLSServer serves proto ("smtp", "pop3" or "imap") on 127.0.0.1
// with cert, up to and beyond the TLS upgrade: implicit TLS, or STARTTLS
// / STLS after the protocol's go-ahead. It speaks just enough of each
// protocol for check-tls.lua: greeting, EHLO/CAPA/CAPABILITY, the
// upgrade, QUIT/LOGOUT. It runs until the test ends.
func startTLSServer(t *testing.T, proto string, implicit bool, cert tls.Certificate) string {
	t.Helper()
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	return fakeserver.Serve(t, func(conn net.Conn) {
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		if implicit {
			tc := tls.Server(conn, cfg)
			if tc.Handshake() != nil {
				return
			}
			defer tc.Close()
			conn = tc
		}
		serveMail(conn, proto, implicit, cfg)
	})
}

// fakeDialogue is what a fake server of one protocol says: its greeting,
// its capabilities (with and without STARTTLS, answering capa), the
// go-ahead for starttls, its goodbye (answering quit) and its refusal of
// anything else. In IMAP, TAG stands for the command's tag; an SMTP
// EHLO carries the client's name after the verb.
type fakeDialogue struct {
	greeting            string
	capa, caps, capsTLS string
	starttls, goAhead   string
	quit, bye, notHere  string
}

var fakeDialogues = map[string]fakeDialogue{
	"smtp": {greeting: "220 fake.test ESMTP\n",
		capa: "EHLO", caps: "250-fake.test\n250-STARTTLS\n250 8BITMIME\n", capsTLS: "250-fake.test\n250 8BITMIME\n",
		starttls: "STARTTLS", goAhead: "220 2.0.0 go ahead\n",
		quit: "QUIT", bye: "221 2.0.0 bye\n", notHere: "502 5.5.1 not here\n"},
	"pop3": {greeting: "+OK fake POP3 ready\n",
		capa: "CAPA", caps: "+OK\nUSER\nSTLS\n.\n", capsTLS: "+OK\nUSER\n.\n",
		starttls: "STLS", goAhead: "+OK begin TLS\n",
		quit: "QUIT", bye: "+OK bye\n", notHere: "-ERR not here\n"},
	"imap": {greeting: "* OK [CAPABILITY IMAP4rev1 STARTTLS] fake IMAP ready\n",
		capa: "CAPABILITY", caps: "* CAPABILITY IMAP4rev1 STARTTLS\nTAG OK done\n", capsTLS: "* CAPABILITY IMAP4rev1 STARTTLS\nTAG OK done\n",
		starttls: "STARTTLS", goAhead: "TAG OK begin TLS\n",
		quit: "LOGOUT", bye: "* BYE fake logging out\nTAG OK done\n", notHere: "TAG BAD not here\n"},
}

// serveMail plays one connection. After STARTTLS it goes on over TLS
// with a fresh reader: nothing buffered before the upgrade is used.
func serveMail(conn net.Conn, proto string, secure bool, cfg *tls.Config) {
	d := fakeDialogues[proto]
	w := func(s string) { conn.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n"))) }
	w(d.greeting)
	br := bufio.NewReader(conn)
	for {
		line, err := br.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb := strings.ToUpper(line)
		tag := ""
		if proto == "imap" {
			tag, verb, _ = strings.Cut(verb, " ")
			tag = line[:len(tag)]
		}
		say := func(s string) { w(strings.ReplaceAll(s, "TAG", tag)) }
		upgrade := false
		switch {
		case verb == d.capa || strings.HasPrefix(verb, d.capa+" "):
			if secure {
				say(d.capsTLS)
			} else {
				say(d.caps)
			}
		case verb == d.starttls && !secure:
			say(d.goAhead)
			upgrade = true
		case verb == d.quit:
			say(d.bye)
			return
		default:
			say(d.notHere)
		}
		if upgrade {
			if br.Buffered() > 0 {
				return // data before the handshake: refuse, as a server should
			}
			tc := tls.Server(conn, cfg)
			if tc.Handshake() != nil {
				return
			}
			conn, secure = tc, true
			br = bufio.NewReader(conn)
		}
	}
}
