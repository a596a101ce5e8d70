// Package session is a conversation with one mail server over TCP or TLS:
// dialing (host:port or a URL whose scheme gives the port and TLS mode),
// sending, the expect loop over the bounded receive buffer, framing
// primitives (whole SMTP-style replies, exact byte counts, dot bodies),
// STARTTLS in place, deadlines and the transcript.
//
// Every blocking read takes a context and a timeout, a total for the call
// (0 means the session's Options.Timeout; ExpectString always uses it). A
// cancelled context stops a blocked read or write at once. Errors are
// *failure.Error values whose Kind says what happened (connect, tls,
// timeout, eof, full, protocol, injection, usage); a timeout answers
// Timeout() and errors.Is(err, os.ErrDeadlineExceeded) as net.Error does.
package session

import (
	"context"
	"crypto/x509"
	"io"
	"net"
	"time"

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

	// UnixSocket, when set, is the path of a Unix-domain socket dialed
	// instead of the address's host and port (curl's --unix-socket); the
	// address still names the server (transcript, TLS server name).
	UnixSocket string
	// Proxy tunnels the TCP connection: "socks5://host:port" (names
	// resolved locally), "socks5h://host:port" (by the proxy),
	// "http://host:port" (HTTP CONNECT), user:password@ allowed in each;
	// "env" reads ALL_PROXY / all_proxy and NO_PROXY when dialing. "" is
	// direct: the environment is never read unless asked.
	Proxy string
	// Resolver looks up names and MX records (nil: the system's, as
	// net.DefaultResolver; ResolverFor asks a given DNS server).
	Resolver *net.Resolver

	// SyscallWait makes a direct TCP or Unix-domain connection (not one
	// through a proxy, a replay or a spawned program) wait for data, and
	// for room to write, in a ppoll(2) of the goroutine that reads instead
	// of Go's network poller (Linux; elsewhere it has no effect). A run
	// that talks to one server at a time spends about a quarter less CPU
	// per round trip: no goroutine park and scheduler hand-off per reply.
	// Many sessions waiting at once (a bulk run with --jobs > 1) do better
	// in the network poller, where a waiting session holds no thread;
	// without SyscallWait a direct connection reads and writes there with
	// raw system calls, which do not wake the scheduler's monitor thread.
	SyscallWait bool

	MatchMax   int             // receive buffer bound (0: expect.DefaultMatchMax)
	Label      string          // transcript label (default: the address)
	Transcript *transcript.Log // nil: no transcript (but see Debug)

	// Debug, when set and Transcript is nil, gets a text transcript of the
	// session (the -v format: >>> sent, <<< received, secrets sent with
	// SendSecret shown as ***).
	Debug io.Writer

	// Acquire, when set, is called by Dial before connecting, with the
	// host dialed (without the port); Dial connects only once it returns,
	// and calls release if the connect fails, else when the session
	// closes. A bulk run's per-host limit (bulk.Attempt.AcquireHost) is
	// one; its error is returned from Dial as it is. The connect timeout
	// starts after it.
	Acquire func(ctx context.Context, host string) (release func(), err error)

	// Dial, when set, makes the connection to t (network "tcp", t.Addr
	// host:port, t.Label the session's label) instead of a TCP dial (the
	// connect timeout still applies through ctx): --replay serves every
	// session in-process from a recording (runtime/recording).
	Dial func(ctx context.Context, t Target) (net.Conn, error)

	// Handshake, when set, does TLS (implicit or StartTLS) instead of
	// crypto/tls: it returns the connection to go on with and the TLS
	// state the script sees. A replayed session skips the real handshake
	// and shows the recorded state. Its error is returned as it is.
	Handshake func(ctx context.Context, conn net.Conn, o TLSOptions) (net.Conn, *TLSInfo, error)

	// Record, when set, is called once when the session is connected
	// (Dial, New), with what it is connected to, and gets its traffic as
	// the script sees it, above TLS: --record (runtime/recording). A
	// connect that fails (refused, no answer) is recorded too.
	Record func(target Target) Recorder
}

// Target names what a session is connected to, for a recording: a TCP
// address ("tcp", "127.0.0.1:25") or another kind of connection, such
// as a spawned program ("spawn", its name).
type Target struct {
	Network string // "tcp", or the connection's RemoteAddr().Network()
	Addr    string // host:port, or the connection's RemoteAddr().String()
	Label   string // the transcript label
}

// Recorder gets one session's traffic (Options.Record). Its methods are
// called from the goroutine using the session, except Close, which
// follows Session.Close.
type Recorder interface {
	Sent(p []byte, secret bool) // what the script sent; secret: SendSecret
	Received(p []byte)          // what arrived, in the chunks it arrived in
	TLS(info *TLSInfo, err error)
	EOF()   // the peer closed the connection
	Close() // the session was closed
	// DialFailed is the only call for a connect that failed (kind
	// connect, err its message): a replay fails the same way.
	DialFailed(err error)
}

// TLSOptions configure implicit TLS and StartTLS.
type TLSOptions struct {
	ServerName string         // SNI and name to verify (default: the host dialed)
	Insecure   bool           // skip certificate verification
	CAFile     string         // PEM file added to the roots (the system's, or RootCAs)
	RootCAs    *x509.CertPool // used instead of the system roots (tests, the sandbox CA)

	// CertFile and KeyFile are a PEM client certificate and its key, sent
	// when the server asks for one (both or neither).
	CertFile, KeyFile string
	// MinVersion is the lowest TLS version accepted (tls.VersionTLS12,
	// tls.VersionTLS13); 0 is crypto/tls's default (TLS 1.2).
	MinVersion uint16
	// Pins, when set, are the public keys the server's leaf certificate
	// must have, in curl's --pinnedpubkey form "sha256/<base64 SHA-256 of
	// the SubjectPublicKeyInfo>". A pin is checked even when Insecure is
	// set (curl's -k with --pinnedpubkey): pinning is trust of its own.
	Pins []string
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
	// EarliestExpiry is the earliest NotAfter among the certificates the
	// server sent (leaf and intermediates): the date a prober alerts on,
	// as blackbox_exporter's probe_ssl_earliest_cert_expiry.
	EarliestExpiry time.Time
}

// PeerCert is the part of the leaf certificate scripts look at.
type PeerCert struct {
	Subject   string
	Issuer    string
	NotBefore time.Time
	NotAfter  time.Time
	DNSNames  []string
	// Fingerprint is the SHA-256 of the DER certificate as openssl x509
	// -fingerprint -sha256 prints it: upper-case hex pairs joined by ":".
	Fingerprint string
	// SPKI is the pin of the certificate's public key, "sha256/<base64>"
	// (TLSOptions.Pins, curl's --pinnedpubkey).
	SPKI string
	// Chain is every certificate the server sent, leaf first (the leaf
	// again, so a script can walk one list); nil inside Chain.
	Chain []*PeerCert
}

// Address is a parsed connect target.
type Address struct {
	Scheme string // "" for host:port
	Host   string
	Port   string
	TLS    bool   // implicit TLS from the scheme
	Socket string // "unix:/path": the Unix-domain socket to dial (Host and Port empty)
	MX     bool   // "mx:domain[:port]": Host is a mail domain; Dial tries its MX hosts in order
}
