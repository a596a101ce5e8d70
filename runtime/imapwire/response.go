package imapwire

import (
	"strconv"
	"strings"
)

// Type tells the three shapes of server response apart.
type Type uint8

const (
	Untagged     Type = iota + 1 // "* ..."
	Tagged                       // "A001 OK ..."
	Continuation                 // "+ ..."
)

func (t Type) String() string {
	switch t {
	case Untagged:
		return "untagged"
	case Tagged:
		return "tagged"
	case Continuation:
		return "continuation"
	}
	return "type(" + strconv.Itoa(int(t)) + ")"
}

// Response is one whole server response, literals included.
//
// Status responses (OK, NO, BAD, BYE, PREAUTH; tagged or untagged) and
// continuation requests carry a response code and text. Data responses
// ("* 3 EXISTS", "* 1 FETCH (...)", "* SEARCH 2 4") carry Fields.
type Response struct {
	Type Type
	Tag  string // Tagged only

	// "* 3 EXISTS", "* 1 FETCH": the number before the name. HasNumber
	// tells "* 0 EXISTS" from a response without a number.
	Number    uint64
	HasNumber bool

	Name string // upper-cased: "OK", "BYE", "FETCH", "CAPABILITY"; "" for a continuation

	// Status responses and continuations.
	Code     string // response code name, upper-cased ("UIDVALIDITY"); "" when none
	CodeArgs []Node // the code's arguments, parsed; nil when none or unparsable
	CodeText string // the raw text between the code name and its "]"
	Text     string // the human-readable text after the code (for "+": what follows "+ ")

	// Data responses: every value after the name, in order.
	Fields []Node
}

// statusNames are the responses whose rest is resp-text ([CODE] text)
// rather than values.
var statusNames = map[string]bool{"OK": true, "NO": true, "BAD": true, "BYE": true, "PREAUTH": true}

// IsStatus reports whether r is a status response (OK, NO, BAD, BYE or
// PREAUTH), tagged or untagged.
func (r *Response) IsStatus() bool { return statusNames[r.Name] }

// String renders r on one line, IMAP-like, for messages and logs. Strings
// and literals are Go-quoted and clipped.
func (r *Response) String() string {
	var b strings.Builder
	switch r.Type {
	case Tagged:
		b.WriteString(r.Tag)
	case Continuation:
		b.WriteString("+")
	default:
		b.WriteString("*")
	}
	if r.HasNumber {
		b.WriteString(" " + strconv.FormatUint(r.Number, 10))
	}
	if r.Name != "" {
		b.WriteString(" " + r.Name)
	}
	if r.Code != "" {
		b.WriteString(" [" + r.Code)
		if r.CodeText != "" {
			b.WriteString(" " + r.CodeText)
		}
		b.WriteString("]")
	}
	if r.Text != "" {
		b.WriteString(" " + r.Text)
	}
	for _, f := range r.Fields {
		b.WriteByte(' ')
		f.render(&b, 0)
	}
	return b.String()
}

// parseRespText fills r.Code, r.CodeArgs, r.CodeText and r.Text from text,
// the part of a status line after its name (leading space removed).
//
// A response code is best effort: text is for humans, so a code that does
// not parse as values keeps its raw CodeText and never fails the response;
// an opening "[" without a closing "]" is plain text.
func (r *Response) parseRespText(text string) {
	r.Text = text
	if !strings.HasPrefix(text, "[") {
		return
	}
	p := &scanner{line: text, pos: 1} // no literal func: none in a code
	name := p.codeName()
	if name == "" {
		return
	}
	args, end, ok := p.codeArgs()
	if !ok {
		// Unparsable arguments: fall back to the first "]".
		end = strings.IndexByte(text, ']')
		if end < 0 {
			return
		}
		args = nil
	}
	r.Code = strings.ToUpper(name)
	r.CodeArgs = args
	r.CodeText = strings.TrimSpace(text[1+len(name) : end])
	rest := text[end+1:]
	r.Text = strings.TrimPrefix(rest, " ")
}
