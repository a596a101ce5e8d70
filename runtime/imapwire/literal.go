package imapwire

import (
	"fmt"
	"io"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// LiteralChunk is the most a Reader asks its Source for at once. A
// literal is read chunk by chunk and memory grows with the bytes that
// actually arrive, never with the size announced: "{4294967295}" followed
// by the end of the stream costs one chunk at most.
const LiteralChunk = 64 << 10

// DefaultMaxLiteral is the default bound on a literal held in memory,
// and on the in-memory literals of one command together (see Client):
// the same 128 MiB as a POP3 body in memory. Larger messages are for a
// LiteralSink (a file).
const DefaultMaxLiteral = 128 << 20

// LiteralInfo says which literal a LiteralSink is asked about.
type LiteralInfo struct {
	Response string // the response name, upper-cased: "FETCH"
	Number   uint64 // the number before the name: the message in "* 12 FETCH"; 0 if none
	Item     string // the atom just before the literal in its list, upper-cased: "BODY[]"; "" if none
	Size     int64  // bytes announced
	Binary   bool   // literal8 (~{n})
}

// LiteralSink chooses where a literal goes: a non-nil writer receives its
// bytes (the Node is then Streamed, with an empty Text); nil keeps it in
// memory. A failing writer does not stop the read: the rest of the
// literal is read and dropped so the stream stays in step, and
// ReadResponse returns the error (kind usage) with the response.
type LiteralSink func(LiteralInfo) io.Writer

// readLiteral is the scanner's literal hook: it reads the literal's bytes
// and continues the scanner with the rest of the response line.
func (r *Reader) readLiteral(s *scanner, size int64, binary bool, item string) (Node, error) {
	info := LiteralInfo{Size: size, Binary: binary, Item: strings.ToUpper(item)}
	if r.cur != nil {
		info.Response, info.Number = r.cur.Name, r.cur.Number
	}
	var w io.Writer
	if r.Sink != nil {
		w = r.Sink(info)
	}
	if w == nil {
		if limit := r.maxLiteral(); limit >= 0 && size > limit {
			return Node{}, &failure.Error{Kind: failure.Full,
				Message: fmt.Sprintf("imap: literal of %d bytes announced in %s is over the in-memory limit of %d bytes (stream it to a file, or raise the limit)", size, quoteNear(s.line, s.pos), limit)}
		}
		if r.literalRoom >= 0 && size > r.literalRoom {
			return Node{}, &failure.Error{Kind: failure.Full,
				Message: fmt.Sprintf("imap: literal of %d bytes announced in %s is over what is left (%d bytes) of the in-memory limit for one command's literals, %d bytes (stream them to files, or raise the limit)", size, quoteNear(s.line, s.pos), r.literalRoom, r.maxLiteral())}
		}
		r.literalHeld += size
	}
	node := Node{Kind: KindLiteral, Size: size, Binary: binary, Streamed: w != nil}
	text, err := r.literalBytes(size, w)
	if err != nil {
		return Node{}, err
	}
	node.Text = text
	line, err := r.src.ReadLine()
	if err != nil {
		return Node{}, sourceError(err, "reading the rest of a response line after a literal of %d bytes", size)
	}
	r.lineBytes += int64(len(line)) + 2
	s.line, s.pos = line, 0
	return node, nil
}

func (r *Reader) maxLiteral() int64 {
	if r.MaxLiteral == 0 {
		return DefaultMaxLiteral
	}
	return r.MaxLiteral
}

// literalBytes reads size bytes in chunks of at most LiteralChunk, into
// w when it is set, else into the returned string. Nothing is allocated
// for bytes that have not arrived.
func (r *Reader) literalBytes(size int64, w io.Writer) (string, error) {
	var b strings.Builder
	var got int64
	failed := false // w failed: drop the rest
	for got < size {
		n := int(min(size-got, LiteralChunk))
		p, err := r.src.Read(n)
		if err == nil && len(p) != n {
			err = failure.New(failure.EOF, "source returned %d bytes, not %d", len(p), n)
		}
		if err != nil {
			return "", sourceError(err, "reading a literal of %d bytes, at byte %d", size, got)
		}
		got += int64(n)
		switch {
		case w == nil:
			b.Write(p)
		case !failed:
			if _, werr := w.Write(p); werr != nil {
				failed = true
				if r.sinkErr == nil {
					r.sinkErr = failure.Wrap(failure.Usage, werr, "imap: writing a literal of %d bytes", size)
				}
			}
		}
	}
	return b.String(), nil
}
