package session

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"sync"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/pki"
)

// serve starts a one-connection server on 127.0.0.1:0 that runs handle
// and returns its address. The test waits for handle to return.
func serve(t *testing.T, handle func(c net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c, err := ln.Accept()
		ln.Close()
		if err != nil {
			return
		}
		defer c.Close()
		handle(c)
	}()
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	return ln.Addr().String()
}

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
