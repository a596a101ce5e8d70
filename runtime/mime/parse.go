package mime

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // text in ISO-8859-x, windows-125x, ... decodes to UTF-8
)

// Part is one entity of a parsed message: the message itself, or a part of
// a multipart body.
type Part struct {
	Header []Field // in order; values unfolded, RFC 2047 words decoded
	Raw    []Field // the same fields as written (unfolded only)

	Type        string            // media type, lower case; "text/plain" when missing
	Params      map[string]string // its parameters (RFC 2231 decoded)
	Charset     string            // Params["charset"], lower case
	Disposition string            // "inline", "attachment" or ""
	Filename    string            // Content-Disposition filename, else Content-Type name

	// Body is the content with its transfer encoding undone; a text/*
	// body is also converted from its charset to UTF-8 (when the charset
	// is known). Nil for a multipart.
	Body  []byte
	Parts []*Part // the parts of a multipart, in order
}

// Get returns the first decoded value of the named field, or "".
func (p *Part) Get(name string) string {
	for _, f := range p.Header {
		if strings.EqualFold(f.Name, name) {
			return f.Value
		}
	}
	return ""
}

// Walk calls fn for p and every part below it, depth first, in order.
func (p *Part) Walk(fn func(*Part)) {
	fn(p)
	for _, c := range p.Parts {
		c.Walk(fn)
	}
}

// IsAttachment reports whether p is a file rather than message text: it is
// marked attachment or has a file name.
func (p *Part) IsAttachment() bool {
	return p.Parts == nil && (p.Disposition == "attachment" || p.Filename != "")
}

// maxDepth bounds multipart nesting: a message of 10,000 nested
// multiparts is an attack on the parser, not mail.
const maxDepth = 32

// Parse reads a whole message. It fails on a message it cannot frame (a
// header line without a colon, a multipart without its boundary, nesting
// deeper than 32, an unknown transfer encoding) and never on a charset it
// does not know (the body is then left as it is).
func Parse(raw []byte) (*Part, error) {
	if len(raw) > MaxSize {
		return nil, fmt.Errorf("message of %d bytes exceeds the limit of %d", len(raw), MaxSize)
	}
	e, err := message.Read(bytes.NewReader(raw))
	if err != nil && !message.IsUnknownCharset(err) {
		return nil, err
	}
	return parseEntity(e, 0)
}

func parseEntity(e *message.Entity, depth int) (*Part, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("multipart nesting deeper than %d", maxDepth)
	}
	p := &Part{}
	fields := e.Header.Fields()
	for fields.Next() {
		v := fields.Value()
		dec, err := fields.Text()
		if err != nil {
			dec = v
		}
		p.Raw = append(p.Raw, Field{fields.Key(), v})
		p.Header = append(p.Header, Field{fields.Key(), dec})
	}
	// go-message keeps the name as written; its Key() is canonical, so
	// take the written form from the raw field.
	i := 0
	for f := e.Header.Fields(); f.Next(); i++ {
		if b, err := f.Raw(); err == nil {
			if c := bytes.IndexByte(b, ':'); c > 0 {
				name := string(bytes.TrimSpace(b[:c]))
				p.Raw[i].Name, p.Header[i].Name = name, name
			}
		}
	}
	t, params, err := e.Header.ContentType()
	if err != nil || t == "" {
		t, params = "text/plain", map[string]string{}
	}
	p.Type, p.Params = strings.ToLower(t), params
	p.Charset = strings.ToLower(params["charset"])
	if d, dp, err := e.Header.ContentDisposition(); err == nil {
		p.Disposition = strings.ToLower(d)
		p.Filename = dp["filename"]
	}
	if p.Filename == "" {
		p.Filename = params["name"]
	}

	if mr := e.MultipartReader(); mr != nil {
		p.Parts = []*Part{}
		for {
			child, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil && !message.IsUnknownCharset(err) {
				return nil, fmt.Errorf("%s part %d: %w", p.Type, len(p.Parts)+1, err)
			}
			cp, err := parseEntity(child, depth+1)
			if err != nil {
				return nil, err
			}
			p.Parts = append(p.Parts, cp)
		}
		return p, nil
	}
	body, err := io.ReadAll(e.Body)
	if err != nil {
		return nil, fmt.Errorf("%s body: %w", p.Type, err)
	}
	p.Body = body
	return p, nil
}
