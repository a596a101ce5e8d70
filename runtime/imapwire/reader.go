package imapwire

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// Source is where a Reader gets the server's bytes. The caller binds the
// context and timeout (see FromSession), so the Reader stays testable
// without sockets.
//
// ReadLine returns the next line without its line end. Read returns
// exactly n bytes; the Reader asks for at most LiteralChunk at a time.
// Errors should be *failure.Error (kinds eof, timeout, full); anything
// else is reported as kind eof.
type Source interface {
	ReadLine() (string, error)
	Read(n int) ([]byte, error)
}

// Reader reads whole responses, literals included, from a Source.
//
// After an error in the middle of a response (a malformed line, a literal
// cut short, an over-size literal) the Reader no longer knows where the
// next response starts: every later call returns that error again (Err).
// A timeout while waiting for the first line of a response loses nothing
// and can be retried.
type Reader struct {
	// MaxLiteral bounds a literal held in memory: a larger announcement is
	// a KindFull error before any of it is read. 0 means
	// DefaultMaxLiteral; negative means no bound. Literals given to Sink
	// are not bounded.
	MaxLiteral int64

	// Sink, when set, is asked for a writer for each literal; a non-nil
	// writer gets the bytes, in chunks, instead of memory.
	Sink LiteralSink

	src     Source
	cur     *Response // being read: names the literals for Sink
	err     error     // sticky: the reader lost its place in the stream
	sinkErr error     // a Sink writer failed during the current response

	// What the last response cost in memory: the bytes of its lines
	// (CRLF included) and of its literals held in memory. The Client
	// adds them up per command.
	lineBytes, literalHeld int64
	scanned                int // values in the last response
	// literalRoom, when >= 0, is what is left of the command's in-memory
	// literal budget (set by the Client before each read): a literal
	// announced larger is refused like one over MaxLiteral.
	literalRoom int64
}

// NewReader returns a Reader of src.
func NewReader(src Source) *Reader { return &Reader{src: src, literalRoom: -1} }

// Err returns the error that left the Reader out of step with the stream,
// or nil.
func (r *Reader) Err() error { return r.err }

// ReadResponse reads one whole response. When a Sink writer fails, the
// literal is still read to its end (into nothing), so the stream stays in
// step: the response is returned together with the error.
func (r *Reader) ReadResponse() (*Response, error) {
	if r.err != nil {
		return nil, r.err
	}
	r.sinkErr = nil
	r.lineBytes, r.literalHeld = 0, 0
	line, err := r.firstLine()
	if err != nil {
		if !failure.Is(err, failure.Timeout) {
			r.err = err
		}
		return nil, err
	}
	resp, err := r.parse(line)
	r.cur = nil
	r.lineBytes += int64(r.scanned) * nodeCost
	if err != nil {
		r.err = err
		return nil, err
	}
	return resp, r.sinkErr
}

// firstLine returns the first line of the next response. Empty lines
// between responses carry nothing and are skipped.
func (r *Reader) firstLine() (string, error) {
	for {
		line, err := r.src.ReadLine()
		if err != nil {
			return "", sourceError(err, "waiting for a response")
		}
		r.lineBytes += int64(len(line)) + 2
		if line != "" {
			return line, nil
		}
	}
}

func (r *Reader) parse(line string) (*Response, error) {
	resp := &Response{}
	r.cur = resp
	s := &scanner{line: line, literal: r.readLiteral}
	defer func() { r.scanned = s.nvalues }()
	switch {
	case line[0] == '+':
		resp.Type = Continuation
		resp.parseRespText(strings.TrimPrefix(line[1:], " "))
		return resp, nil
	case line[0] == '*':
		resp.Type = Untagged
		if len(line) < 2 || line[1] != ' ' {
			return nil, s.errorf("'*' not followed by a space")
		}
		s.pos = 2
		name := s.word()
		if isDigits(name) {
			n, err := parseNumber(name)
			if err != nil {
				return nil, s.errorf("%v", err)
			}
			resp.Number, resp.HasNumber = n, true
			s.skipSpaces()
			name = s.word()
		}
		if err := checkName(s, name); err != nil {
			return nil, err
		}
		resp.Name = strings.ToUpper(name)
		if resp.IsStatus() && !resp.HasNumber {
			resp.parseRespText(strings.TrimPrefix(line[s.pos:], " "))
			return resp, nil
		}
		fields, err := s.values(0)
		if err != nil {
			return nil, err
		}
		resp.Fields = fields
		if resp.Name == "FETCH" && resp.HasNumber {
			if len(fields) != 1 {
				return nil, failure.New(failure.Protocol, "imap: malformed response: FETCH takes one parenthesised list, got %d values: %s", len(fields), quoteNear(line, 0))
			}
			if err := checkFetch(fields[0]); err != nil {
				return nil, err
			}
		}
		return resp, nil
	}
	resp.Type = Tagged
	resp.Tag = s.word()
	if !validTag(resp.Tag) || s.atEnd() {
		s.pos = 0
		return nil, s.errorf("not an IMAP response (no '*', '+' or tag followed by a space)")
	}
	s.pos++
	name := s.word()
	resp.Name = strings.ToUpper(name)
	switch resp.Name {
	case "OK", "NO", "BAD":
	default:
		s.pos -= len(name)
		return nil, s.errorf("tagged response is not OK, NO or BAD")
	}
	resp.parseRespText(strings.TrimPrefix(line[s.pos:], " "))
	return resp, nil
}

// checkName accepts a response name: one or more atom characters.
func checkName(s *scanner, name string) error {
	if name == "" {
		return s.errorf("missing response name")
	}
	for i := 0; i < len(name); i++ {
		if !isAtomChar(name[i]) {
			s.pos -= len(name) - i
			return s.errorf("invalid byte %q in the response name", name[i])
		}
	}
	return nil
}

// validTag accepts what RFC 9051 allows in a tag (atom characters but
// '+'), leniently: any printable byte that is not a special.
func validTag(tag string) bool {
	if tag == "" || tag == "*" {
		return false
	}
	for i := 0; i < len(tag); i++ {
		if !isAtomChar(tag[i]) || tag[i] == '+' {
			return false
		}
	}
	return true
}

// isAtomChar reports whether c may appear in a response name or a tag.
func isAtomChar(c byte) bool {
	if c <= 0x20 || c >= 0x7f {
		return false
	}
	switch c {
	case '(', ')', '{', '"', '\\', '[', ']', '%', '*':
		return false
	}
	return true
}

func parseNumber(digits string) (uint64, error) {
	var n uint64
	for i := 0; i < len(digits); i++ {
		d := uint64(digits[i] - '0')
		if n > (1<<64-1-d)/10 {
			return 0, fmt.Errorf("number %s out of range", digits)
		}
		n = n*10 + d
	}
	return n, nil
}

// sourceError adds what the Reader was doing to an error from the Source,
// keeping its kind; an error that is not a *failure.Error counts as the
// end of the stream.
func sourceError(err error, format string, args ...any) error {
	doing := fmt.Sprintf(format, args...)
	var fe *failure.Error
	if errors.As(err, &fe) {
		c := *fe
		c.Message = fe.Message + " (imap: " + doing + ")"
		return &c
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &failure.Error{Kind: failure.EOF, Err: err,
			Message: "imap: connection closed by the server while " + doing}
	}
	return &failure.Error{Kind: failure.EOF, Err: err,
		Message: "imap: connection lost while " + doing + ": " + err.Error()}
}
