package session

import (
	"crypto/tls"
	"crypto/x509"
	"sync"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/pki"
)

// testPKI is a CA and a leaf for "localhost" and 127.0.0.1 signed by it.
type testPKI struct {
	pool *x509.CertPool
	cert tls.Certificate
}

var (
	pkiOnce sync.Once
	testCA  testPKI
)

func newPKI(t *testing.T) testPKI {
	pkiOnce.Do(func() {
		now := time.Now()
		ca, err := pki.NewCA(pki.Name{CommonName: "mailexpect test CA"}, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			panic(err)
		}
		cert, err := ca.Issue(pki.Name{CommonName: "localhost"}, []string{"localhost", "127.0.0.1"}, now.Add(-time.Hour), now.Add(time.Hour))
		if err != nil {
			panic(err)
		}
		testCA = testPKI{pool: ca.Pool(), cert: cert}
	})
	return testCA
}

func (p testPKI) serverConfig() *tls.Config {
	return &tls.Config{Certificates: []tls.Certificate{p.cert}}
}
