package frame

import (
	"bytes"
	"io"
)

// Unstuff interprets one line (without its terminator) of a dot-terminated
// body: end reports the terminating "." line; otherwise data is the line
// with one leading dot removed when it starts with "..".
// RFC 1939 3 and RFC 5321 4.5.2: a line starting with "." was sent with an
// extra "." prepended.
func Unstuff(line []byte) (data []byte, end bool) {
	if len(line) == 1 && line[0] == '.' {
		return nil, true
	}
	if len(line) > 0 && line[0] == '.' {
		return line[1:], false
	}
	return line, false
}

// DotWriter writes a body for SMTP DATA or a POP3-style multi-line
// response: every line ending (CRLF, bare LF or bare CR) becomes CRLF, a
// line starting with "." gets a second ".", and Close ends the body with
// CRLF "." CRLF, adding the CRLF a body without a final line end lacks.
// Normalising bare CR and LF closes the SMTP smuggling class of bugs.
type DotWriter struct {
	w     io.Writer
	buf   []byte // one Write's output, reused
	state int    // one of the dw* states below
}

const (
	dwLineStart = iota // at the start of a line
	dwInLine           // inside a line
	dwCR               // just wrote the CRLF for a CR; an LF next is swallowed
)

// NewDotWriter returns a DotWriter writing to w: one Write to w per Write
// (and one for Close's terminator).
func NewDotWriter(w io.Writer) *DotWriter { return &DotWriter{w: w} }

// Write writes p, normalising line ends and stuffing dots.
func (d *DotWriter) Write(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	d.buf, d.state = stuff(d.buf[:0], p, d.state)
	if _, err := d.w.Write(d.buf); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Close writes the terminator; it does not close the underlying writer.
func (d *DotWriter) Close() error {
	_, err := d.w.Write(terminate(d.buf[:0], d.state))
	return err
}

// AppendDot appends body to dst as a DotWriter writes it, terminator
// included: a whole message in one piece (SendDot), built a line at a
// time rather than byte by byte.
func AppendDot(dst, body []byte) []byte {
	dst, state := stuff(dst, body, dwLineStart)
	return terminate(dst, state)
}

// stuff appends p to dst with its line ends made CRLF and leading dots
// doubled, from state (where the previous bytes left off); it returns the
// state after p. Each run of bytes between line ends is copied at once.
func stuff(dst, p []byte, state int) ([]byte, int) {
	for len(p) > 0 {
		if state == dwCR && p[0] == '\n' {
			p, state = p[1:], dwLineStart // the LF of a CR LF already written
			continue
		}
		if state != dwInLine && p[0] == '.' {
			dst = append(dst, '.')
		}
		end := bytes.IndexByte(p, '\n')
		if end < 0 {
			end = len(p)
		}
		if cr := bytes.IndexByte(p[:end], '\r'); cr >= 0 {
			end = cr
		}
		if end == len(p) {
			return append(dst, p...), dwInLine
		}
		dst = append(append(dst, p[:end]...), '\r', '\n')
		state = dwLineStart
		if p[end] == '\r' {
			state = dwCR
		}
		p = p[end+1:]
	}
	return dst, state
}

// terminate appends the end of a body left in state: the CRLF a last line
// lacks, then "." CRLF.
func terminate(dst []byte, state int) []byte {
	if state == dwInLine {
		dst = append(dst, '\r', '\n')
	}
	return append(dst, '.', '\r', '\n')
}
