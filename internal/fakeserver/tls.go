package fakeserver

import (
	"crypto/tls"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/internal/pki"
)

// Validity of TLSConfig's certificate, fixed so that scripts can check
// what a session reports (s.tls.peer.not_after == 2000000000).
var (
	NotBefore = time.Unix(1700000000, 0)
	NotAfter  = time.Unix(2000000000, 0)
)

// TLSConfig is a server certificate for the name mx.test, signed by a
// throwaway CA that no client trusts: a client that verifies refuses it,
// one that is insecure learns why (unknown authority). Made once.
var TLSConfig = sync.OnceValue(func() *tls.Config {
	ca, err := pki.NewCA(pki.Name{CommonName: "mailexpect fakeserver CA"}, NotBefore, NotAfter)
	if err != nil {
		panic(err)
	}
	cert, err := ca.Issue(pki.Name{CommonName: "mx.test"}, []string{"mx.test"}, NotBefore, NotAfter)
	if err != nil {
		panic(err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}
})
