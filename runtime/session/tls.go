package session

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// tlsConfig builds the client configuration. Verification is done in
// VerifyConnection rather than by crypto/tls itself so that an insecure
// session still learns why the chain would have failed (VerifyError):
// a certificate check wants the expiry date of a broken chain too.
func tlsConfig(host string, o TLSOptions, info *TLSInfo) (*tls.Config, error) {
	roots := o.RootCAs
	if roots == nil {
		var err error
		if roots, err = x509.SystemCertPool(); err != nil || roots == nil {
			roots = x509.NewCertPool()
		}
	}
	if o.CAFile != "" {
		pem, err := os.ReadFile(o.CAFile)
		if err != nil {
			return nil, failure.Wrap(failure.Usage, err, "ca_file")
		}
		roots = roots.Clone()
		if !roots.AppendCertsFromPEM(pem) {
			return nil, failure.New(failure.Usage, "ca_file %s: no PEM certificate found", o.CAFile)
		}
	}
	name := o.ServerName
	if name == "" {
		name = host
	}
	info.ServerName = name
	return &tls.Config{
		ServerName:         name,
		InsecureSkipVerify: true, // verified below, so the reason is kept even when insecure
		VerifyConnection: func(cs tls.ConnectionState) error {
			err := verifyChain(cs, name, roots)
			if err != nil {
				info.VerifyError = err.Error()
				if !o.Insecure {
					return err
				}
			}
			info.Verified = err == nil
			return nil
		},
	}, nil
}

func verifyChain(cs tls.ConnectionState, name string, roots *x509.CertPool) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server sent no certificate")
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := cs.PeerCertificates[0].Verify(x509.VerifyOptions{
		DNSName:       name,
		Roots:         roots,
		Intermediates: inter,
	})
	return err
}

// fillInfo completes info from an established connection.
func fillInfo(info *TLSInfo, cs tls.ConnectionState) {
	info.Version = tls.VersionName(cs.Version)
	info.Cipher = tls.CipherSuiteName(cs.CipherSuite)
	if len(cs.PeerCertificates) > 0 {
		c := cs.PeerCertificates[0]
		info.Peer = &PeerCert{
			Subject:   c.Subject.String(),
			Issuer:    c.Issuer.String(),
			NotBefore: c.NotBefore,
			NotAfter:  c.NotAfter,
			DNSNames:  c.DNSNames,
		}
	}
	for _, c := range cs.PeerCertificates {
		if info.EarliestExpiry.IsZero() || c.NotAfter.Before(info.EarliestExpiry) {
			info.EarliestExpiry = c.NotAfter
		}
	}
}

func (info *TLSInfo) summary() string {
	s := fmt.Sprintf("TLS established: %s %s, server name %q", info.Version, info.Cipher, info.ServerName)
	if info.Peer != nil {
		s += ", peer " + info.Peer.Subject
	}
	if info.Verified {
		s += ", verified"
	} else {
		s += ", NOT verified (" + info.VerifyError + ")"
	}
	return s
}

// handshakeError turns a crypto/tls failure into a tls-kind error with a hint.
func handshakeError(addr string, err error) error {
	msg := fmt.Sprintf("TLS handshake with %s failed: %v", addr, err)
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	var cie x509.CertificateInvalidError
	if errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cie) {
		msg += " (hint: ca_file adds a CA, servername sets the name to verify, insecure = true skips verification)"
	}
	return &failure.Error{Kind: failure.TLS, Message: msg, Stage: "tls", Err: err}
}
