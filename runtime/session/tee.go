package session

import (
	"bytes"
	"context"
	"time"

	"github.com/mailexpect/mailexpect/runtime/expect"
)

// SetTee makes every chunk received from now on also go to fn as it
// arrives, before any matching (nil stops it): interact shows the
// server's output to a person while the same bytes are matched. fn must
// not keep the slice.
func (s *Session) SetTee(fn func(p []byte)) { s.tee = fn }

// Forget discards buffered complete lines, keeping the last keep of them
// and an incomplete last line: what a person has seen and no pattern can
// still match (interact) does not pile up in the buffer.
func (s *Session) Forget(keep int) {
	complete := bytes.Count(s.buf.Bytes(), []byte{'\n'})
	for ; complete > keep; complete-- {
		s.buf.NextLine(false)
	}
}

// Poll waits at most d for one of cases and returns the match, or nil
// when d passes: interact's wait, which does other work (the person's
// lines) between polls. Unlike Expect it tries no guards (the person is
// in charge, not the script's handlers), a timeout is not an error, and
// data past match_max is dropped rather than raised (it has been shown).
// At EOF it returns the eof error.
func (s *Session) Poll(ctx context.Context, cases []expect.Case, d time.Duration) (*expect.Match, error) {
	deadline := time.Now().Add(d)
	sc := s.buf.Scan(cases)
	for {
		m, err := sc.Next(s.eof)
		if err != nil || m != nil {
			return m, err
		}
		if s.eof {
			return nil, s.eofError(describe(cases), patterns(cases))
		}
		if s.buf.Len() > s.buf.Max() {
			s.buf.Drain()
			sc = s.buf.Scan(cases)
		}
		if err := s.fill(ctx, deadline, d); err != nil {
			if err == errDeadline {
				return nil, nil
			}
			return nil, s.waitError(err, d, describe(cases), patterns(cases))
		}
	}
}
