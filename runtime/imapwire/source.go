package imapwire

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"strconv"
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
// literal (at most LiteralChunk bytes). A large literal that keeps
// arriving is therefore never cut off by a per-command timeout; Ctx
// carries the run's total deadline.
type SessionTransport struct {
	Session *session.Session
	Ctx     context.Context // nil: context.Background()
	Timeout time.Duration   // 0: the session's default
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

// ReadLine returns the next line; the end of the stream is a KindEOF
// error rather than a bare io.EOF.
func (t *SessionTransport) ReadLine() (string, error) {
	line, err := t.Session.ReadLine(t.ctx(), t.Timeout)
	if err == io.EOF {
		return "", &failure.Error{Kind: failure.EOF, Err: err,
			Message: t.Session.Label() + ": connection closed by the server"}
	}
	return line, err
}

// Read returns exactly n bytes.
func (t *SessionTransport) Read(n int) ([]byte, error) {
	return t.Session.Read(t.ctx(), n, t.Timeout)
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
