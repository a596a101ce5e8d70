package session

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"

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
	if err := o.check(); err != nil {
		return nil, err
	}
	var certs []tls.Certificate
	if o.CertFile != "" {
		c, err := tls.LoadX509KeyPair(o.CertFile, o.KeyFile)
		if err != nil {
			// The error names the files, never their contents.
			return nil, failure.New(failure.Usage, "cert_file %s / key_file %s: %v", o.CertFile, o.KeyFile, err)
		}
		certs = []tls.Certificate{c}
	}
	return &tls.Config{
		ServerName:         name,
		Certificates:       certs,
		MinVersion:         o.MinVersion,
		InsecureSkipVerify: true, // verified below, so the reason is kept even when insecure
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(o.Pins) > 0 {
				if err := checkPins(cs, o.Pins); err != nil {
					info.VerifyError = err.Error()
					return err
				}
			}
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

// SPKIPin returns the pin of c's public key in curl's --pinnedpubkey
// form: "sha256/" and the base64 SHA-256 of the SubjectPublicKeyInfo.
func SPKIPin(c *x509.Certificate) string {
	h := sha256.Sum256(c.RawSubjectPublicKeyInfo)
	return "sha256/" + base64.StdEncoding.EncodeToString(h[:])
}

// Fingerprint returns the SHA-256 of c's DER form as openssl prints it
// (AB:CD:...).
func Fingerprint(c *x509.Certificate) string {
	h := sha256.Sum256(c.Raw)
	var b strings.Builder
	for i, x := range h {
		if i > 0 {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%02X", x)
	}
	return b.String()
}

// check finds what is wrong with o without the network: Dial calls it
// before connecting, so a bad pin is a usage error even for a session that
// would start TLS only later (STARTTLS), or never.
func (o TLSOptions) check() error {
	for _, p := range o.Pins {
		if err := checkPinSyntax(p); err != nil {
			return err
		}
	}
	if (o.CertFile == "") != (o.KeyFile == "") {
		return failure.New(failure.Usage, "cert_file and key_file go together (a PEM client certificate and its key); got only one")
	}
	switch o.MinVersion {
	case 0, tls.VersionTLS10, tls.VersionTLS11, tls.VersionTLS12, tls.VersionTLS13:
	default:
		return failure.New(failure.Usage, "min_version: unknown TLS version 0x%04x", o.MinVersion)
	}
	return nil
}

// checkPinSyntax accepts only curl's form: a wrong-looking pin must be a
// usage error, not a mismatch against every server.
func checkPinSyntax(p string) error {
	b64, ok := strings.CutPrefix(p, "sha256/")
	raw, err := base64.StdEncoding.DecodeString(b64)
	if !ok || err != nil || len(raw) != sha256.Size {
		return failure.New(failure.Usage, "pin %q: want sha256/<base64 of the SHA-256 of the public key> (curl's --pinnedpubkey form, 44 base64 characters)", p)
	}
	return nil
}

// checkPins passes when the leaf's key is one of pins; the error names
// the key the server has and the pins expected.
func checkPins(cs tls.ConnectionState, pins []string) error {
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server sent no certificate to check the pin against")
	}
	got := SPKIPin(cs.PeerCertificates[0])
	for _, p := range pins {
		if p == got {
			return nil
		}
	}
	return &PinError{Got: got, Want: pins}
}

// PinError is a pinned-key mismatch: the server's key is not a pinned one.
type PinError struct {
	Got  string   // the server's key, sha256/...
	Want []string // the pins given
}

func (e *PinError) Error() string {
	return fmt.Sprintf("public key pin mismatch: the server's key is %s, expected %s", e.Got, strings.Join(e.Want, " or "))
}

func peerCert(c *x509.Certificate) *PeerCert {
	return &PeerCert{
		Subject:     c.Subject.String(),
		Issuer:      c.Issuer.String(),
		NotBefore:   c.NotBefore,
		NotAfter:    c.NotAfter,
		DNSNames:    c.DNSNames,
		Fingerprint: Fingerprint(c),
		SPKI:        SPKIPin(c),
	}
}

// fillInfo completes info from an established connection.
func fillInfo(info *TLSInfo, cs tls.ConnectionState) {
	info.Version = tls.VersionName(cs.Version)
	info.Cipher = tls.CipherSuiteName(cs.CipherSuite)
	if len(cs.PeerCertificates) > 0 {
		info.Peer = peerCert(cs.PeerCertificates[0])
		for _, c := range cs.PeerCertificates {
			info.Peer.Chain = append(info.Peer.Chain, peerCert(c))
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
	var pe *PinError
	if errors.As(err, &pe) {
		msg = fmt.Sprintf("TLS handshake with %s failed: %v", addr, pe)
	} else if errors.As(err, &uae) || errors.As(err, &hne) || errors.As(err, &cie) {
		msg += " (hint: ca_file adds a CA, servername sets the name to verify, insecure = true skips verification)"
	}
	return &failure.Error{Kind: failure.TLS, Message: msg, Stage: "tls", Err: err}
}
