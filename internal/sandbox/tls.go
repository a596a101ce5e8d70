package sandbox

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"time"
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
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sandbox CA: generating the key: %w", err)
	}
	caTemplate := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{Organization: []string{"mailexpect sandbox"}, CommonName: "mailexpect sandbox CA " + now.UTC().Format("2006-01-02T15:04:05Z")},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(caLifetime),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTemplate, caTemplate, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("sandbox CA: signing the certificate: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("sandbox CA: %w", err)
	}

	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("sandbox certificate: generating the key: %w", err)
	}
	leafTemplate := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{Organization: []string{"mailexpect sandbox"}, CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(leafLifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost", sandboxDomain},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	for _, h := range extraHosts {
		if ip := net.ParseIP(h); ip != nil {
			if !ip.IsUnspecified() {
				leafTemplate.IPAddresses = append(leafTemplate.IPAddresses, ip)
			}
		} else if h != "" {
			leafTemplate.DNSNames = append(leafTemplate.DNSNames, h)
		}
	}
	leafDER, err := x509.CreateCertificate(rand.Reader, leafTemplate, caCert, &leafKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("sandbox certificate: signing: %w", err)
	}
	leafCert, err := x509.ParseCertificate(leafDER)
	if err != nil {
		return nil, fmt.Errorf("sandbox certificate: %w", err)
	}

	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	return &sandboxPKI{
		caCert: caCert,
		caPEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		leaf: tls.Certificate{
			Certificate: [][]byte{leafDER},
			PrivateKey:  leafKey,
			Leaf:        leafCert,
		},
		caPool:  pool,
		created: now,
	}, nil
}

func randomSerial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return n
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
