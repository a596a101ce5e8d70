package mailstack

import (
	"crypto/x509"
	"os"
	"path/filepath"
	"time"

	"github.com/mailexpect/mailexpect/internal/pki"
)

// ffdhe2048 is the 2048-bit finite-field Diffie-Hellman group of RFC 7919,
// appendix A.1, as PKCS#3 "DH PARAMETERS". It is a fixed public parameter:
// Dovecot 2.3 refuses to start without ssl_dh, and generating fresh
// parameters (openssl dhparam 2048) takes seconds to minutes. This is what
// `openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe2048` prints.
const ffdhe2048 = `-----BEGIN DH PARAMETERS-----
MIIBCAKCAQEA//////////+t+FRYortKmq/cViAnPTzx2LnFg84tNpWp4TZBFGQz
+8yTnc4kmz75fS/jY2MMddj2gbICrsRhetPfHtXV/WVhJDP1H18GbtCFY2VVPe0a
87VXE15/V8k1mE8McODmi3fipona8+/och3xWKE2rec1MKzKT0g6eXq8CrGCsyT7
YdEIqUuyyOP7uWrat2DX9GgdT0Kj3jlN9K5W7edjcrsZCwenyO4KbXCeAvzhzffi
7MA0BM0oNC9hkXL+nOmFg/+OTxIy7vKBg8P+OxtMb61zO7X8vC7CIAXFjvGDfRaD
ssbzSibBsu/6iGtCOGEoXJf//////////wIBAg==
-----END DH PARAMETERS-----
`

// tlsFiles are the paths of the PEM files written by writeTLS.
type tlsFiles struct {
	CA   string // the CA certificate: what clients verify against
	Cert string // the server certificate, signed by the CA
	Key  string // the server's private key (root-only)
	DH   string // ffdhe2048, for Dovecot's ssl_dh
}

// writeTLS creates a fresh CA and a server certificate it signs, valid for
// localhost, mail.<domain> and 127.0.0.1, and writes them into dir (see
// internal/pki: a real CA above the leaf, ECDSA P-256).
func writeTLS(dir, domain string) (tlsFiles, *x509.Certificate, error) {
	f := tlsFiles{
		CA:   filepath.Join(dir, "ca.pem"),
		Cert: filepath.Join(dir, "cert.pem"),
		Key:  filepath.Join(dir, "key.pem"),
		DH:   filepath.Join(dir, "dh.pem"),
	}
	now := time.Now()
	from, until := now.Add(-time.Hour), now.Add(10*365*24*time.Hour) // an hour of clock skew tolerated
	ca, err := pki.NewCA(pki.Name{CommonName: "mailstack test CA", Organization: "mailstack"}, from, until)
	if err != nil {
		return f, nil, err
	}
	leaf, err := ca.Issue(pki.Name{CommonName: "localhost", Organization: "mailstack"},
		[]string{"localhost", "mail." + domain, "127.0.0.1"}, from, until)
	if err != nil {
		return f, nil, err
	}
	keyPEM, err := pki.KeyPEM(leaf)
	if err != nil {
		return f, nil, err
	}
	files := []struct {
		path string
		data []byte
		mode os.FileMode
	}{
		{f.CA, ca.PEM(), 0o644},
		{f.Cert, pki.CertPEM(leaf), 0o644},
		// Both servers read the key as root before they drop privileges.
		{f.Key, keyPEM, 0o600},
		{f.DH, []byte(ffdhe2048), 0o644},
	}
	for _, file := range files {
		if err := os.WriteFile(file.path, file.data, file.mode); err != nil {
			return f, nil, err
		}
	}
	return f, ca.Cert, nil
}
