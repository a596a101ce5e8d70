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

// serveMail plays one connection. After STARTTLS it goes on over TLS
// with a fresh reader: nothing buffered before the upgrade is used.
func serveMail(conn net.Conn, proto string, secure bool, cfg *tls.Config) {
	w := func(s string) { conn.Write([]byte(strings.ReplaceAll(s, "\n", "\r\n"))) }
	switch proto {
	case "smtp":
		w("220 fake.test ESMTP\n")
	case "pop3":
		w("+OK fake POP3 ready\n")
	case "imap":
		w("* OK [CAPABILITY IMAP4rev1 STARTTLS] fake IMAP ready\n")
	}
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
		upgrade := false
		switch {
		case proto == "smtp" && strings.HasPrefix(verb, "EHLO "):
			if secure {
				w("250-fake.test\n250 8BITMIME\n")
			} else {
				w("250-fake.test\n250-STARTTLS\n250 8BITMIME\n")
			}
		case proto == "smtp" && verb == "STARTTLS" && !secure:
			w("220 2.0.0 go ahead\n")
			upgrade = true
		case proto == "smtp" && verb == "QUIT":
			w("221 2.0.0 bye\n")
			return
		case proto == "smtp":
			w("502 5.5.1 not here\n")
		case proto == "pop3" && verb == "CAPA":
			if secure {
				w("+OK\nUSER\n.\n")
			} else {
				w("+OK\nUSER\nSTLS\n.\n")
			}
		case proto == "pop3" && verb == "STLS" && !secure:
			w("+OK begin TLS\n")
			upgrade = true
		case proto == "pop3" && verb == "QUIT":
			w("+OK bye\n")
			return
		case proto == "pop3":
			w("-ERR not here\n")
		case verb == "CAPABILITY":
			w("* CAPABILITY IMAP4rev1 STARTTLS\n" + tag + " OK done\n")
		case verb == "STARTTLS" && !secure:
			w(tag + " OK begin TLS\n")
			upgrade = true
		case verb == "LOGOUT":
			w("* BYE fake logging out\n" + tag + " OK done\n")
			return
		default:
			w(tag + " BAD not here\n")
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
