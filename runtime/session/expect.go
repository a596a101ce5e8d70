package session

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/runtime/expect"
)

// Guard adds cases tried on every later Expect of the session, after the
// call's own cases when matches tie (e.g. "^421 ", "^\* BYE"). A case's
// Tag comes back in Match.Tag when it wins: what to do about it.
func (s *Session) Guard(cases ...expect.Case) { s.guards = append(s.guards, cases...) }

// Guards returns the session's guard cases.
func (s *Session) Guards() []expect.Case { return s.guards }

// Expect waits until one of cases (or a guard) matches, as docs/DESIGN.md's
// matching rules say. Match.Case indexes cases, then the guards.
// Lines already buffered are replayed one at a time first. The timeout
// is a total for the call. On timeout or EOF the unmatched data stays in
// the buffer for the next call.
func (s *Session) Expect(ctx context.Context, cases []expect.Case, timeout time.Duration) (*expect.Match, error) {
	return s.expect(ctx, cases, timeout, false)
}

// Await is Expect for a caller that needs to know which case (or guard)
// matched, not what: it returns Match.Case. The buffer is consumed as by
// Expect, and errors are the same; no Match is built (s:expect("^250 ")
// as a Lua statement, once per command, allocates nothing).
func (s *Session) Await(ctx context.Context, cases []expect.Case, timeout time.Duration) (int, error) {
	m, err := s.expect(ctx, cases, timeout, true)
	if err != nil {
		return 0, err
	}
	return m.Case, nil
}

func (s *Session) expect(ctx context.Context, cases []expect.Case, timeout time.Duration, lean bool) (*expect.Match, error) {
	// The cases are copied into the session's own slice, with the
	// guards: an expect call per command allocates nothing for them, and
	// the caller's slice may live on its stack.
	s.allCases = append(append(s.allCases[:0], cases...), s.guards...)
	all := s.allCases
	d := s.callTimeout(timeout)
	deadline := time.Now().Add(d)
	if s.scanner == nil {
		s.scanner = new(expect.Scanner)
	}
	sc := s.buf.ScanInto(s.scanner, all)
	if lean {
		sc.WithoutText()
	}
	for {
		m, err := sc.Next(s.eof)
		if err != nil {
			return nil, err
		}
		if m != nil {
			return m, nil
		}
		if s.eof {
			return nil, s.eofError(describe(all), patterns(all))
		}
		if s.buf.Len() > s.buf.Max() {
			return nil, s.fullError(describe(all))
		}
		if err := s.fill(ctx, deadline, d); err != nil {
			return nil, s.waitError(err, d, describe(all), patterns(all))
		}
	}
}

// ExpectString is Expect with the session's timeout, for cases given as
// pattern strings (compiled by expect.Compile, which keeps them: a loop
// pays once). A bad pattern is an error of kind Usage.
func (s *Session) ExpectString(ctx context.Context, patterns ...string) (*expect.Match, error) {
	cases := make([]expect.Case, len(patterns))
	for i, expr := range patterns {
		p, err := expect.Compile(expr)
		if err != nil {
			return nil, err
		}
		cases[i] = expect.Case{Pattern: p}
	}
	return s.Expect(ctx, cases, 0)
}

func patterns(cases []expect.Case) []string {
	p := make([]string, len(cases))
	for i, c := range cases {
		p[i] = c.Pattern.String()
	}
	return p
}

// describe lists the awaited patterns for a one-line message.
func describe(cases []expect.Case) string {
	q := make([]string, len(cases))
	for i, c := range cases {
		q[i] = fmt.Sprintf("%q", c.Pattern.String())
	}
	return strings.Join(q, " or ")
}
