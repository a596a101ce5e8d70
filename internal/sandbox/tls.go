package sandbox

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"time"

	"github.com/mailexpect/mailexpect/internal/pki"
)

// sandboxPKI is the CA made at start and the one server certificate it
// signs. A fresh CA per run means nothing outside the run ever trusts it.
type sandboxPKI struct {
	caCert  *x509.Certificate
	caPEM   []byte
	leaf    tls.Certificate
	caPool  *x509.CertPool
	caFile  string
	created time.Time
}

// Lifetimes look like a real deployment's (a 90-day leaf as from an ACME
// CA), so certificate-expiry checks written against the sandbox see
// ordinary numbers rather than a warning.
const (
	caLifetime   = 365 * 24 * time.Hour
	leafLifetime = 90 * 24 * time.Hour
)

// newSandboxPKI makes an ECDSA P-256 CA and a leaf for localhost,
// 127.0.0.1, ::1 and the sandbox's mail domain, plus any extra names (the
// public listen addresses under ListenPublic).
func newSandboxPKI(extraHosts []string) (*sandboxPKI, error) {
	now := time.Now()
	ca, err := pki.NewCA(pki.Name{Organization: "mailexpect sandbox", CommonName: "mailexpect sandbox CA " + now.UTC().Format("2006-01-02T15:04:05Z")},
		now.Add(-time.Hour), now.Add(caLifetime))
	if err != nil {
		return nil, fmt.Errorf("sandbox CA: %w", err)
	}
	hosts := append([]string{"localhost", sandboxDomain, "127.0.0.1", "::1"}, extraHosts...)
	leaf, err := ca.Issue(pki.Name{Organization: "mailexpect sandbox", CommonName: "localhost"}, hosts, now.Add(-time.Hour), now.Add(leafLifetime))
	if err != nil {
		return nil, fmt.Errorf("sandbox certificate: %w", err)
	}
	return &sandboxPKI{caCert: ca.Cert, caPEM: ca.PEM(), leaf: leaf, caPool: ca.Pool(), created: now}, nil
}

// writeCAFile writes the CA certificate where a client can be pointed at it
// (ca_file, MAILEXPECT_CA_FILE). os.CreateTemp makes it 0600.
func (p *sandboxPKI) writeCAFile() error {
	f, err := os.CreateTemp("", "mailexpect-sandbox-ca-*.pem")
	if err != nil {
		return fmt.Errorf("sandbox CA file: %w", err)
	}
	if _, err := f.Write(p.caPEM); err != nil {
		f.Close()
		os.Remove(f.Name())
		return fmt.Errorf("sandbox CA file %s: %w", f.Name(), err)
	}
	if err := f.Close(); err != nil {
		os.Remove(f.Name())
		return fmt.Errorf("sandbox CA file %s: %w", f.Name(), err)
	}
	p.caFile = f.Name()
	return nil
}

// serverTLSConfig is shared by the three listeners. TLS 1.2 is the floor
// that current mail servers keep.
func (p *sandboxPKI) serverTLSConfig() *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{p.leaf},
		MinVersion:   tls.VersionTLS12,
	}
}
