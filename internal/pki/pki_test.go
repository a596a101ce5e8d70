package pki

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
	"time"
)

func TestIssueVerifiesAgainstTheCA(t *testing.T) {
	now := time.Now()
	ca, err := NewCA(Name{CommonName: "test CA", Organization: "mailexpect"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Issue(Name{CommonName: "localhost"}, []string{"localhost", "mail.example.test", "127.0.0.1", "::1", "0.0.0.0", ""}, now.Add(-time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"localhost", "mail.example.test", "127.0.0.1", "::1"} {
		if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: host}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "other.test"}); err == nil {
		t.Error("a name that was not asked for verifies")
	}
	if len(c.Leaf.IPAddresses) != 2 {
		t.Errorf("IP addresses %v: the unspecified address must be left out", c.Leaf.IPAddresses)
	}
	if b, _ := pem.Decode(ca.PEM()); b == nil || b.Type != "CERTIFICATE" {
		t.Error("CA PEM does not decode")
	}
	if k, err := KeyPEM(c); err != nil || len(k) == 0 {
		t.Errorf("key PEM: %v", err)
	}
	if b, _ := pem.Decode(CertPEM(c)); b == nil {
		t.Error("leaf PEM does not decode")
	}
}

func TestIssueExpired(t *testing.T) {
	now := time.Now()
	ca, err := NewCA(Name{CommonName: "test CA"}, now.Add(-48*time.Hour), now.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	c, err := ca.Issue(Name{CommonName: "localhost"}, []string{"localhost"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), DNSName: "localhost"}); err == nil {
		t.Error("an expired certificate verifies")
	}
}
