package scripts_test

import (
	"bufio"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// testCA signs short-lived server certificates for the expiry tests: the
// real stack's certificate is good for ten years.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // PEM, for --ca-file
}

var serial struct {
	sync.Mutex
	n int64
}

func nextSerial() *big.Int {
	serial.Lock()
	defer serial.Unlock()
	serial.n++
	return big.NewInt(serial.n)
}

func newCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          nextSerial(),
		Subject:               pkix.Name{CommonName: name},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(365 * 24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, file: file}
}

// leaf returns a certificate for localhost and 127.0.0.1 that expires at
// notAfter (valid since a day before it, or before now when that is
// earlier, so an expired one was once valid).
func (ca *testCA) leaf(t *testing.T, notAfter time.Time) (tls.Certificate, *x509.Certificate) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	notBefore := time.Now().Add(-24 * time.Hour)
	if nb := notAfter.Add(-24 * time.Hour); nb.Before(notBefore) {
		notBefore = nb
	}
	tmpl := &x509.Certificate{
		SerialNumber: nextSerial(),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    notBefore,
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	return tls.Certificate{Certificate: [][]byte{der, ca.cert.Raw}, PrivateKey: key}, cert
}

// startTLSServer serves proto ("smtp", "pop3" or "imap") on 127.0.0.1
// with cert, up to and beyond the TLS upgrade: implicit TLS, or STARTTLS
// / STLS after the protocol's go-ahead. It speaks just enough of each
// protocol for check-tls.lua: greeting, EHLO/CAPA/CAPABILITY, the
// upgrade, QUIT/LOGOUT. It runs until the test ends.
func startTLSServer(t *testing.T, proto string, implicit bool, cert tls.Certificate) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				conn.SetDeadline(time.Now().Add(10 * time.Second))
				if implicit {
					tc := tls.Server(conn, cfg)
					if tc.Handshake() != nil {
						return
					}
					conn = tc
				}
				serveMail(conn, proto, implicit, cfg)
			}()
		}
	}()
	return ln.Addr().String()
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
