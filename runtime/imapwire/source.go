package imapwire

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// Transport is a Source that can also send: what a Client talks over.
// secret asks the transport to mask the bytes in its transcript.
type Transport interface {
	Source
	Send(p []byte, secret bool) error
}

// SessionTransport reads and sends over a runtime/session with a bound
// context and timeout. The fields may be changed between calls (a longer
// timeout for a big FETCH).
//
// Timeout applies to each call: one response line, or one chunk of a
// literal (at most LiteralChunk bytes). Deadline, when set, is the end of
// the whole exchange: set it to now + the command's timeout before
// waiting for a command, so that a server dripping untagged lines cannot
// keep the command alive past its timeout (each line would otherwise
// start a fresh Timeout). Ctx carries the run's total deadline.
type SessionTransport struct {
	Session  *session.Session
	Ctx      context.Context // nil: context.Background()
	Timeout  time.Duration   // 0: the session's default
	Deadline time.Time       // zero: none
}

// FromSession returns a Transport over s.
func FromSession(s *session.Session, ctx context.Context, timeout time.Duration) *SessionTransport {
	return &SessionTransport{Session: s, Ctx: ctx, Timeout: timeout}
}

func (t *SessionTransport) ctx() context.Context {
	if t.Ctx == nil {
		return context.Background()
	}
	return t.Ctx
}

// timeout returns the timeout of the next call: Timeout, cut to what is
// left before Deadline. ok is false when the deadline has passed.
func (t *SessionTransport) timeout() (d time.Duration, ok bool) {
	d = t.Timeout
	if d <= 0 {
		d = t.Session.Timeout()
	}
	if t.Deadline.IsZero() {
		return d, true
	}
	left := time.Until(t.Deadline)
	if left <= 0 {
		return 0, false
	}
	return min(d, left), true
}

// timeoutError is the error of a call that reached Deadline; err, when
// set, is the session's timeout error for the rest of the wait, whose
// message names the time left rather than the command's timeout.
func (t *SessionTransport) timeoutError(err error, left time.Duration, what string) error {
	total := t.Timeout
	if total <= 0 {
		total = t.Session.Timeout()
	}
	var fe *failure.Error
	if err == nil || !errors.As(err, &fe) || fe.Kind != failure.Timeout || t.ctx().Err() != nil {
		if err != nil {
			return err
		}
		return &failure.Error{Kind: failure.Timeout, Err: os.ErrDeadlineExceeded,
			Message: fmt.Sprintf("%s: timeout after %v waiting for %s", t.Session.Label(), total, what)}
	}
	c := *fe
	c.Message = strings.Replace(fe.Message, "timeout after "+left.String(), "timeout after "+total.String(), 1)
	return &c
}

// ReadLine returns the next line; the end of the stream is a KindEOF
// error rather than a bare io.EOF.
func (t *SessionTransport) ReadLine() (string, error) {
	d, ok := t.timeout()
	if !ok {
		return "", t.timeoutError(nil, 0, "a line")
	}
	line, err := t.Session.ReadLine(t.ctx(), d)
	if err == io.EOF {
		return "", &failure.Error{Kind: failure.EOF, Err: err,
			Message: t.Session.Label() + ": connection closed by the server"}
	}
	if err != nil && !t.Deadline.IsZero() {
		return "", t.timeoutError(err, d, "a line")
	}
	return line, err
}

// Read returns exactly n bytes.
func (t *SessionTransport) Read(n int) ([]byte, error) {
	d, ok := t.timeout()
	if !ok {
		return nil, t.timeoutError(nil, 0, fmt.Sprintf("%d bytes of a literal", n))
	}
	p, err := t.Session.Read(t.ctx(), n, d)
	if err != nil && !t.Deadline.IsZero() {
		return nil, t.timeoutError(err, d, "")
	}
	return p, err
}

// Send writes p; a secret p shows as *** in the transcript.
func (t *SessionTransport) Send(p []byte, secret bool) error {
	if secret {
		return t.Session.SendSecret(t.ctx(), p)
	}
	return t.Session.Send(t.ctx(), p)
}

// Label is the session's label, for messages.
func (t *SessionTransport) Label() string { return t.Session.Label() }

// MaxLine bounds a line read by FromReader, like the session's match_max.
const MaxLine = 8 << 20

// FromReader returns a Source over r (tests, files, a conn without a
// session). Lines end at LF; a CR before it is dropped. At the end of
// the stream an incomplete last line is returned as a line, as the
// session does.
func FromReader(r io.Reader) Source {
	return &readerSource{br: bufio.NewReader(r)}
}

// FromReadWriter returns a Transport that reads rw with FromReader and
// sends by writing to rw.
func FromReadWriter(rw io.ReadWriter) Transport {
	return &readWriterTransport{readerSource{br: bufio.NewReader(rw)}, rw}
}

type readerSource struct{ br *bufio.Reader }

func (s *readerSource) ReadLine() (string, error) {
	var line []byte
	for {
		chunk, err := s.br.ReadSlice('\n')
		line = append(line, chunk...)
		if len(line) > MaxLine {
			return "", failure.New(failure.Full, "imap: line longer than %d bytes", MaxLine)
		}
		switch {
		case err == nil:
			return string(trimEOL(line)), nil
		case err == bufio.ErrBufferFull:
			continue
		case err == io.EOF && len(line) > 0:
			return string(trimEOL(line)), nil
		case err == io.EOF:
			return "", &failure.Error{Kind: failure.EOF, Err: err, Message: "imap: end of the stream"}
		default:
			return "", &failure.Error{Kind: failure.EOF, Err: err, Message: "imap: reading: " + err.Error()}
		}
	}
}

func trimEOL(line []byte) []byte {
	line = bytes.TrimSuffix(line, []byte("\n"))
	return bytes.TrimSuffix(line, []byte("\r"))
}

// Read grows its result as bytes arrive (io.CopyN), so a large n costs
// only what the stream really holds.
func (s *readerSource) Read(n int) ([]byte, error) {
	var b bytes.Buffer
	got, err := io.CopyN(&b, s.br, int64(n))
	if err != nil {
		return nil, &failure.Error{Kind: failure.EOF, Err: err,
			Message: "imap: end of the stream after " + strconv.FormatInt(got, 10) + " of " + strconv.Itoa(n) + " bytes"}
	}
	return b.Bytes(), nil
}

type readWriterTransport struct {
	readerSource
	w io.Writer
}

func (t *readWriterTransport) Send(p []byte, secret bool) error {
	if _, err := t.w.Write(p); err != nil {
		return &failure.Error{Kind: failure.EOF, Err: err, Message: "imap: sending: " + err.Error()}
	}
	return nil
}
