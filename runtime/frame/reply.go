// Package frame holds the framing rules of the mail protocols that sit
// below the matcher: SMTP-style replies (ddd-text / ddd text), RFC 3463
// enhanced status codes, and dot-terminated bodies (POP3 multi-line
// responses, SMTP DATA) with their byte stuffing in both directions.
package frame

import (
	"strconv"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// ReplyLine parses one line (without CRLF) of an SMTP-style reply. last
// reports whether it is the final line (code followed by a space or by
// nothing at all, as some servers send a bare "334").
func ReplyLine(line string) (code int, last bool, text string, err error) {
	if len(line) < 3 || !isDigits(line[:3]) || line[0] < '1' || line[0] > '5' {
		return 0, false, "", failure.New(failure.Protocol, "invalid reply line %q: no 3-digit code", clip(line))
	}
	code, _ = strconv.Atoi(line[:3])
	switch {
	case len(line) == 3:
		return code, true, "", nil
	case line[3] == ' ':
		return code, true, line[4:], nil
	case line[3] == '-':
		return code, false, line[4:], nil
	}
	return 0, false, "", failure.New(failure.Protocol, "invalid reply line %q: code not followed by space or '-'", clip(line))
}

// ReplyBuilder accumulates the lines of one multi-line reply.
type ReplyBuilder struct {
	// Max bounds the size of the whole reply: its lines with their CRLF
	// (0: no bound). A server that sends "250-" lines without end would
	// otherwise grow the reply until the timeout; the session sets its
	// match_max.
	Max int

	code  int
	size  int // bytes of the lines so far, CRLF included
	lines []string
}

// Add parses the next line; done reports that the reply is complete.
// A continuation line whose code differs from the first line's is a
// protocol error (RFC 5321 4.2.1); a reply growing past Max is a
// KindFull error.
func (b *ReplyBuilder) Add(line string) (done bool, err error) {
	code, last, text, err := ReplyLine(line)
	if err != nil {
		return false, err
	}
	if len(b.lines) > 0 && code != b.code {
		return false, failure.New(failure.Protocol, "reply line %q has code %d, expected %d like the lines before", clip(line), code, b.code)
	}
	b.size += len(line) + 2
	if b.Max > 0 && b.size > b.Max {
		return false, failure.New(failure.Full, "reply %d still not finished after %d lines (%d bytes), more than match_max (%d); last line %q",
			b.code, len(b.lines)+1, b.size, b.Max, clip(line))
	}
	b.code = code
	b.lines = append(b.lines, text)
	return last, nil
}

// Reply returns the accumulated reply.
func (b *ReplyBuilder) Reply() *failure.ServerReply {
	r := &failure.ServerReply{Code: b.code, Lines: b.lines, Text: strings.Join(b.lines, "\n")}
	if len(b.lines) > 0 {
		r.Enhanced = Enhanced(b.lines[len(b.lines)-1])
	}
	return r
}

// Enhanced returns the RFC 3463 code at the start of a reply text, or ""
// when there is none: class 2, 4 or 5, then subject and detail of one to
// three digits each, then a space or the end of the text ("2.1.5 Ok").
// It runs for every reply, so it is written out rather than a regexp.
func Enhanced(text string) string {
	if len(text) < 5 || (text[0] != '2' && text[0] != '4' && text[0] != '5') || text[1] != '.' {
		return ""
	}
	subject := 2 + leadingDigits(text[2:])
	if subject == 2 || subject-2 > 3 || subject >= len(text) || text[subject] != '.' {
		return ""
	}
	detail := subject + 1 + leadingDigits(text[subject+1:])
	if detail == subject+1 || detail-(subject+1) > 3 || (detail < len(text) && text[detail] != ' ') {
		return ""
	}
	return text[:detail]
}

func leadingDigits(s string) int {
	n := 0
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		n++
	}
	return n
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// clip keeps error messages one short line even for a 10 MB garbage line.
func clip(s string) string {
	const max = 200
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
