// Package session is a conversation with one mail server over TCP or TLS:
// dialing (host:port or a URL whose scheme gives the port and TLS mode),
// sending, the expect loop over the bounded receive buffer, framing
// primitives (whole SMTP-style replies, exact byte counts, dot bodies),
// STARTTLS in place, deadlines and the transcript.
//
// Every blocking method takes a context and a timeout; the timeout is a
// total for the call (0 means the session default). A cancelled context
// stops a blocked read or write at once.
package session

import (
	"context"
	"crypto/x509"
	"time"

	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// DefaultTimeout is used when neither the call nor the session sets one.
const DefaultTimeout = 10 * time.Second

// Options configure Dial and New.
type Options struct {
	Timeout        time.Duration // default per-call timeout (0: DefaultTimeout)
	ConnectTimeout time.Duration // DNS + TCP + TLS handshake (0: Timeout)
	ImplicitTLS    bool          // TLS from the first byte (also set by smtps/pop3s/imaps URLs)
	TLS            TLSOptions
	MatchMax       int              // receive buffer bound (0: expect.DefaultMatchMax)
	Label          string           // transcript label (default: the address)
	Transcript     *transcript.Log  // nil: no transcript
	Warn           func(msg string) // warnings (e.g. a command sent with unread lines buffered); nil: ignored

	// Acquire, when set, is called by Dial before connecting, with the
	// host dialed (without the port); Dial connects only once it returns,
	// and calls release if the connect fails, else when the session
	// closes. A bulk run's per-host limit (bulk.Attempt.AcquireHost) is
	// one; its error is returned from Dial as it is. The connect timeout
	// starts after it.
	Acquire func(ctx context.Context, host string) (release func(), err error)
}

// TLSOptions configure implicit TLS and StartTLS.
type TLSOptions struct {
	ServerName string         // SNI and name to verify (default: the host dialed)
	Insecure   bool           // skip certificate verification
	CAFile     string         // PEM file added to the roots (the system's, or RootCAs)
	RootCAs    *x509.CertPool // used instead of the system roots (tests, the sandbox CA)
}

// TLSInfo describes an established TLS connection.
type TLSInfo struct {
	Version    string // "TLS 1.3"
	Cipher     string
	ServerName string
	Peer       *PeerCert // leaf certificate; nil if none
	Verified   bool      // chain and name verified
	// VerifyError says why verification failed; set even when Insecure let
	// the handshake go on, so a certificate check can still report expiry.
	VerifyError string
}

// PeerCert is the part of the leaf certificate scripts look at.
type PeerCert struct {
	Subject   string
	Issuer    string
	NotBefore time.Time
	NotAfter  time.Time
	DNSNames  []string
}

// Address is a parsed connect target.
type Address struct {
	Scheme string // "" for host:port
	Host   string
	Port   string
	TLS    bool // implicit TLS from the scheme
}

var _ = expect.DefaultMatchMax

// The Session method set (implemented in session.go and friends):
//
//	ParseAddress(s string) (Address, error)          "host:port", "[v6]:port", "pop3s://host[:port]"
//	Dial(ctx, addr string, opts Options) (*Session, error)   kinds connect, tls, timeout
//	New(conn net.Conn, opts Options) *Session        wrap an established conn (tests)
//	(s) Send(ctx, p []byte, secret bool) error       raw bytes; secret: *** in the transcript
//	(s) SendPipelined(ctx, p []byte, secret bool) error  Send without the unread-lines warning (IMAP)
//	(s) SendLine(ctx, line string, secret bool) error line+CRLF; CR, LF or NUL inside: kind injection
//	(s) ReadLine(ctx, timeout) (string, error)       next line without CRLF; io.EOF at EOF
//	(s) Reply(ctx, timeout) (*frame.Reply, error)    one whole ddd-/ddd reply; kind protocol on garbage
//	(s) Read(ctx, n int, timeout) ([]byte, error)    exactly n bytes, no matching
//	(s) ReadDot(ctx, w io.Writer, timeout) (int64, error)  dot body, unstuffed, streamed to w
//	(s) SendDot(ctx, data []byte) error              CRLF-normalised, dot-stuffed, terminated
//	(s) Pending() int / Drain() []byte               unread buffered lines: count / discard
//	(s) Expect(ctx, cases []expect.Case, timeout) (*expect.Match, error)
//	                                                 guards are tried after cases; Match.Case
//	                                                 indexes cases, then guards. Errors: kinds
//	                                                 timeout, eof, full (Data = the buffer,
//	                                                 which is then empty), usage.
//	(s) Guard(cases ...expect.Case) / Guards() []expect.Case
//	(s) StartTLS(ctx, opts *TLSOptions) error        refuses (kind tls) when bytes are buffered
//	(s) TLS() *TLSInfo                               nil before TLS
//	(s) Close() error
//	(s) Label() string, Timeout() time.Duration
