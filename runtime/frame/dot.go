package frame

import (
	"bufio"
	"bytes"
	"io"
	"strings"
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
	w       *bufio.Writer
	state   int // one of the dw* states below
	written bool
}

const (
	dwLineStart = iota // at the start of a line
	dwInLine           // inside a line
	dwCR               // just wrote the CRLF for a CR; an LF next is swallowed
)

// NewDotWriter returns a DotWriter writing to w.
func NewDotWriter(w io.Writer) *DotWriter {
	size := 32 << 10
	switch w.(type) {
	case *strings.Builder, *bytes.Buffer:
		// Already in memory: the buffer only batches the byte writes, and
		// a 32 KiB one per message (SendDot) was most of its allocations.
		size = 512
	}
	return &DotWriter{w: bufio.NewWriterSize(w, size)}
}

// Write writes p, normalising line ends and stuffing dots.
func (d *DotWriter) Write(p []byte) (int, error) {
	for i, c := range p {
		var err error
		switch {
		case c == '\n' && d.state == dwCR:
			d.state = dwLineStart
			continue
		case c == '\r' || c == '\n':
			_, err = d.w.WriteString("\r\n")
			if c == '\r' {
				d.state = dwCR
			} else {
				d.state = dwLineStart
			}
		default:
			if c == '.' && d.state != dwInLine {
				err = d.w.WriteByte('.')
			}
			if err == nil {
				err = d.w.WriteByte(c)
			}
			d.state = dwInLine
		}
		d.written = true
		if err != nil {
			return i, err
		}
	}
	return len(p), nil
}

// Close writes the terminator and flushes; it does not close the
// underlying writer.
func (d *DotWriter) Close() error {
	if d.state == dwInLine {
		if _, err := d.w.WriteString("\r\n"); err != nil {
			return err
		}
	}
	if _, err := d.w.WriteString(".\r\n"); err != nil {
		return err
	}
	return d.w.Flush()
}
