// Package failure defines the one error type every mailexpect primitive
// returns: an Error with a Kind that scripts and the bulk runner branch on.
//
// The split follows net/textproto: KindReply means the server said no (the
// reply is attached), KindProtocol means the server spoke garbage.
package failure

import (
	"errors"
	"fmt"
	"os"
)

// Kind classifies an Error. The string values are the ones Lua sees in err.kind.
type Kind string

const (
	Connect   Kind = "connect"   // DNS, TCP or dial failure
	TLS       Kind = "tls"       // handshake or verification failure
	Timeout   Kind = "timeout"   // a per-call or run deadline passed
	EOF       Kind = "eof"       // the peer closed before what was awaited arrived
	Full      Kind = "full"      // the receive buffer reached match_max
	Reply     Kind = "reply"     // the server answered with a refusal
	Protocol  Kind = "protocol"  // the server's bytes break the protocol
	Injection Kind = "injection" // data would smuggle CR, LF or NUL into a command
	Usage     Kind = "usage"     // the caller passed bad arguments
)

// ServerReply is a server's whole reply: what session.Session.Reply reads (an
// SMTP-style "250-..."/"250 ..." reply), and what an error of kind Reply
// carries (then also a POP3 or IMAP status), shaped like the modules'
// cmd result.
type ServerReply struct {
	Code     int      // SMTP code, or 0 for POP3/IMAP
	Status   string   // "+OK"/"-ERR" for POP3, "OK"/"NO"/"BAD"/"BYE" for IMAP; "" for SMTP
	Enhanced string   // RFC 3463 code of the last line ("5.7.1"), or ""
	Lines    []string // text of each line after the code
	Text     string   // Lines joined by "\n"
}

// Error is the error returned by every runtime primitive.
type Error struct {
	Kind    Kind
	Message string       // one line, secrets already masked by the producer
	Stage   string       // protocol step, e.g. "greeting", "RCPT", "STARTTLS"
	Awaited []string     // patterns awaited, for timeout and eof
	Tail    string       // the tail of unconsumed data, Go %q-quoted
	Reply   *ServerReply // for kind Reply
	Err     error        // underlying cause, if any
}

func (e *Error) Error() string { return e.Message }

// Timeout reports whether the error is of kind Timeout, as net.Error's
// Timeout does: code written for network errors recognises it.
func (e *Error) Timeout() bool { return e.Kind == Timeout }

// Is makes errors.Is(err, os.ErrDeadlineExceeded) true for an error of
// kind Timeout, as it is for a net.Conn whose deadline passed; the
// underlying cause (Unwrap) answers for everything else.
func (e *Error) Is(target error) bool {
	return target == os.ErrDeadlineExceeded && e.Kind == Timeout
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// New returns an Error of the given kind with a formatted message.
func New(kind Kind, format string, args ...any) *Error {
	return &Error{Kind: kind, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an Error of the given kind whose message is prefix: cause.
func Wrap(kind Kind, cause error, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	if cause != nil {
		msg += ": " + cause.Error()
	}
	return &Error{Kind: kind, Message: msg, Err: cause}
}

// KindOf returns the Kind of err, or "" when err is not an *Error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return ""
}

// Is reports whether err is an *Error of kind k.
func Is(err error, k Kind) bool { return KindOf(err) == k }
