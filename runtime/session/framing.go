package session

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/frame"
)

// Reply reads one whole SMTP-style reply ("250-..." lines up to "250 ...").
// A line that is not a reply line is an error of kind Protocol.
func (s *Session) Reply(ctx context.Context, timeout time.Duration) (*failure.ServerReply, error) {
	d := s.callTimeout(timeout)
	deadline := time.Now().Add(d)
	b := frame.ReplyBuilder{Max: s.buf.Max()}
	for {
		line, ok := s.buf.NextLine(s.eof)
		if ok {
			done, err := b.Add(string(line)) // the one copy of the line
			if err != nil {
				e := err.(*failure.Error)
				e.Message = s.opts.Label + ": " + e.Message
				return nil, e
			}
			if done {
				return b.Reply(), nil
			}
			continue
		}
		if s.eof {
			return nil, s.eofError("a reply", nil)
		}
		if s.buf.Len() > s.buf.Max() {
			return nil, s.fullError("a line end")
		}
		if err := s.fill(ctx, deadline, d); err != nil {
			return nil, s.waitError(err, d, "a reply", nil)
		}
	}
}

// ReadDot reads a dot-terminated body (after POP3 "+OK" or similar),
// unstuffs it and streams it to w with CRLF line ends. The lines never
// reach the matcher, so a body line such as "+OK" or "250 x" can never be
// taken for a reply. It returns the bytes written to w. The body may be
// at most match_max bytes (see ReadDotLimit).
//
// Lines are taken from the receive buffer without a copy, and a w that is
// not in memory (a file) gets a 64 KiB write buffer, flushed before
// ReadDot returns: a body of a million lines costs a thousand writes, not
// two million.
func (s *Session) ReadDot(ctx context.Context, w io.Writer, timeout time.Duration) (int64, error) {
	return s.ReadDotLimit(ctx, w, int64(s.buf.Max()), timeout)
}

// ReadDotLimit is ReadDot for a body of at most limit bytes (as written
// to w; limit <= 0: no bound). A server that never sends the final "."
// would otherwise fill memory or disk until the timeout; a longer body is
// a KindFull error, and the session is then out of step with the server.
func (s *Session) ReadDotLimit(ctx context.Context, w io.Writer, limit int64, timeout time.Duration) (int64, error) {
	d := s.callTimeout(timeout)
	deadline := time.Now().Add(d)
	var bw *bufio.Writer
	switch w.(type) {
	case *strings.Builder, *bytes.Buffer, *bufio.Writer, *BodyBuffer:
	default:
		bw = bufio.NewWriterSize(w, 64<<10)
		w = bw
	}
	var n int64
	fail := func(err error) (int64, error) {
		if bw != nil {
			bw.Flush() // what was unstuffed so far reaches w
		}
		return n, err
	}
	for {
		line, ok := s.buf.NextLine(false)
		if ok {
			data, end := frame.Unstuff(line)
			if end {
				if bw != nil {
					if err := bw.Flush(); err != nil {
						return n, failure.Wrap(failure.Usage, err, "%s: writing the body", s.opts.Label)
					}
				}
				return n, nil
			}
			// Checked before writing: a buffer sized for the limit must
			// not grow (and copy itself) for the line that breaks it.
			if limit > 0 && n+int64(len(data))+2 > limit {
				return fail(&failure.Error{Kind: failure.Full, Tail: s.buf.Tail(tailBytes),
					Message: fmt.Sprintf("%s: dot-terminated body still not finished after %d bytes, more than its limit of %d (match_max, or twice the announced size); last line %s",
						s.opts.Label, n+int64(len(data))+2, limit, quoteLine(data))})
			}
			k, err := w.Write(data)
			n += int64(k)
			if err == nil {
				k, err = io.WriteString(w, "\r\n")
				n += int64(k)
			}
			if err != nil {
				return fail(failure.Wrap(failure.Usage, err, "%s: writing the body", s.opts.Label))
			}
			continue
		}
		if s.eof {
			return fail(s.eofError("the end of a dot-terminated body (a line with a single '.')", nil))
		}
		if s.buf.Len() > s.buf.Max() {
			return fail(s.fullError("a line end in the body"))
		}
		if err := s.fill(ctx, deadline, d); err != nil {
			return fail(s.waitError(err, d, "the end of a dot-terminated body", nil))
		}
	}
}

// quoteLine quotes a line of server bytes for an error message, cut to a
// readable length.
func quoteLine(line []byte) string {
	if len(line) > 80 {
		return strconv.Quote(string(line[:80])) + "..."
	}
	return strconv.Quote(string(line))
}
