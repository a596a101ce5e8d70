package imapwire

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// scanner turns the text of a response into Nodes. It works on one line at
// a time; a literal announcement at the end of a line hands over to
// literal, which reads the literal's bytes and replaces line with the rest
// of the response line that follows them.
//
// The grammar is RFC 9051's, relaxed where real servers stray:
//   - values may be separated by any number of spaces, or none where a
//     list or string ends ("(a)(b)" in BODYSTRUCTURE);
//   - an atom may contain '\' (flags: \Seen, \*), '%', '*' and, outside a
//     response code, ']' (astring: [Gmail]/Sent);
//   - a '[' in an atom opens a section that runs to its matching ']' and
//     may hold spaces, parentheses and quoted strings:
//     BODY[HEADER.FIELDS (SUBJECT FROM)]<0> is one atom;
//   - inside a quoted string a backslash before anything but '"' or '\' is
//     kept as is.
type scanner struct {
	line string
	pos  int

	// inCode: scanning the arguments of a response code, where ']' ends
	// an atom and the code.
	inCode bool
	depth  int

	// nvalues counts the values scanned so far in the response: an 8 MiB
	// line of "1 1 1 ..." is four million Nodes, so their number is
	// bounded (maxValues), and the Client counts their memory.
	nvalues int

	// literal reads a literal whose announcement ended the line; item is
	// the atom just before it in its list ("BODY[]"). nil: literals are
	// not allowed here.
	literal func(s *scanner, size int64, binary bool, item string) (Node, error)
}

// maxValues bounds the values of one response: room for the SEARCH
// result of half a million messages, at about 72 bytes a value (and as
// much again while the list grows).
const maxValues = 1 << 19

// nodeCost is what a value costs in memory beyond its bytes (a Node).
const nodeCost = 72

// maxDepth bounds list nesting. A deep BODYSTRUCTURE nests a few levels
// per MIME level; the bound keeps a hostile line from growing the stack
// without end.
const maxDepth = 100

func (s *scanner) atEnd() bool { return s.pos >= len(s.line) }

func (s *scanner) skipSpaces() {
	for s.pos < len(s.line) && s.line[s.pos] == ' ' {
		s.pos++
	}
}

// word returns the text up to the next space or the end of the line and
// leaves pos at that space.
func (s *scanner) word() string {
	start := s.pos
	for s.pos < len(s.line) && s.line[s.pos] != ' ' {
		s.pos++
	}
	return s.line[start:s.pos]
}

// values scans values up to close (')' or ']'), which it consumes, or with
// close == 0 up to the end of the line.
func (s *scanner) values(close byte) ([]Node, error) {
	var out []Node
	item := ""
	for {
		s.skipSpaces()
		if s.atEnd() {
			if close == 0 {
				return out, nil
			}
			return nil, s.errorf("missing %q before the end of the line", close)
		}
		switch c := s.line[s.pos]; {
		case close != 0 && c == close:
			s.pos++
			return out, nil
		case c == ')' || (c == ']' && s.inCode):
			return nil, s.errorf("unexpected %q", c)
		}
		if s.nvalues++; s.nvalues > maxValues {
			return nil, &failure.Error{Kind: failure.Full,
				Message: fmt.Sprintf("imap: more than %d values in one response, at byte %d of %s", maxValues, s.pos, quoteNear(s.line, s.pos))}
		}
		v, err := s.value(item)
		if err != nil {
			return nil, err
		}
		// A literal is followed by a space, the end of its list or the
		// end of the line (RFC 9051 9). Anything else means the server
		// sent more bytes than it announced, and what follows would be
		// taken for more items.
		if v.Kind == KindLiteral && !s.atEnd() && s.line[s.pos] != ' ' && (close == 0 || s.line[s.pos] != close) {
			return nil, s.errorf("literal of %d bytes followed by %q: more bytes than announced", v.Size, s.line[s.pos])
		}
		out = append(out, v)
		item = ""
		if v.Kind == KindAtom {
			item = v.Text
		}
	}
}

// value scans one value starting at pos (not at a space or the end).
func (s *scanner) value(item string) (Node, error) {
	switch c := s.line[s.pos]; {
	case c == '(':
		if s.depth >= maxDepth {
			return Node{}, s.errorf("lists nested more than %d deep", maxDepth)
		}
		s.pos++
		s.depth++
		list, err := s.values(')')
		s.depth--
		if err != nil {
			return Node{}, err
		}
		return Node{Kind: KindList, List: list}, nil
	case c == '"':
		text, err := s.quoted()
		return Node{Kind: KindString, Text: text}, err
	case c == '{' || (c == '~' && s.pos+1 < len(s.line) && s.line[s.pos+1] == '{'):
		return s.literalHeader(item)
	}
	return s.atom()
}

// atom scans an atom, a number or NIL.
func (s *scanner) atom() (Node, error) {
	start := s.pos
	section := 0 // depth of [ ] sections
scan:
	for s.pos < len(s.line) {
		c := s.line[s.pos]
		if c < 0x20 || c == 0x7f {
			return Node{}, s.errorf("control byte %q in an atom", c)
		}
		if section > 0 {
			switch c {
			case '[':
				section++
			case ']':
				section--
			case '"':
				if _, err := s.quoted(); err != nil {
					return Node{}, err
				}
				continue
			}
			s.pos++
			continue
		}
		switch c {
		case '[':
			section++
		case ']':
			if s.inCode {
				break scan
			}
		case ' ', '(', ')', '"', '{':
			break scan
		}
		s.pos++
	}
	if section > 0 {
		return Node{}, s.errorf("unclosed '[' in the atom starting at byte %d", start)
	}
	text := s.line[start:s.pos]
	if text == "" {
		return Node{}, s.errorf("expected a value")
	}
	if isDigits(text) && len(text) <= 20 {
		if n, err := strconv.ParseUint(text, 10, 64); err == nil {
			return Node{Kind: KindNumber, Text: text, Num: n}, nil
		}
	}
	if strings.EqualFold(text, "NIL") {
		return Node{Kind: KindNil}, nil
	}
	return Node{Kind: KindAtom, Text: text}, nil
}

// quoted scans a quoted string starting at its opening quote and returns
// its content with the \" and \\ escapes removed.
func (s *scanner) quoted() (string, error) {
	open := s.pos
	s.pos++
	var b *strings.Builder // only when there is an escape to remove
	seg := s.pos
	for s.pos < len(s.line) {
		switch s.line[s.pos] {
		case '"':
			text := s.line[seg:s.pos]
			if b != nil {
				b.WriteString(text)
				text = b.String()
			}
			s.pos++
			return text, nil
		case '\\':
			if s.pos+1 < len(s.line) && (s.line[s.pos+1] == '"' || s.line[s.pos+1] == '\\') {
				if b == nil {
					b = &strings.Builder{}
				}
				b.WriteString(s.line[seg:s.pos])
				b.WriteByte(s.line[s.pos+1])
				s.pos += 2
				seg = s.pos
				continue
			}
		case 0:
			return "", s.errorf("NUL in a quoted string")
		}
		s.pos++
	}
	s.pos = open
	return "", s.errorf("unterminated quoted string")
}

// literalHeader scans "{n}", "{n+}" or "~{n}", which must end the line,
// and hands over to s.literal.
func (s *scanner) literalHeader(item string) (Node, error) {
	start := s.pos
	binary := s.line[s.pos] == '~'
	if binary {
		s.pos++
	}
	s.pos++ // '{'
	digits := s.pos
	for s.pos < len(s.line) && s.line[s.pos] >= '0' && s.line[s.pos] <= '9' {
		s.pos++
	}
	n := s.pos - digits
	if n == 0 || n > 18 { // 18 digits always fit an int64
		s.pos = start
		return Node{}, s.errorf("invalid literal size")
	}
	size, _ := strconv.ParseInt(s.line[digits:s.pos], 10, 64)
	if s.pos < len(s.line) && s.line[s.pos] == '+' {
		s.pos++ // {n+}: servers have no use for it, but it frames the same
	}
	if s.pos >= len(s.line) || s.line[s.pos] != '}' {
		s.pos = start
		return Node{}, s.errorf("invalid literal announcement")
	}
	s.pos++
	if s.pos != len(s.line) {
		announced := s.line[start:s.pos]
		s.pos = start
		return Node{}, s.errorf("literal announcement %s not at the end of the line", announced)
	}
	if s.literal == nil {
		s.pos = start
		return Node{}, s.errorf("literal not allowed here")
	}
	return s.literal(s, size, binary, item)
}

// errorf returns a KindProtocol error that quotes the line around pos.
func (s *scanner) errorf(format string, args ...any) *failure.Error {
	return failure.New(failure.Protocol, "imap: malformed response: %s at byte %d of %s",
		fmt.Sprintf(format, args...), s.pos, quoteNear(s.line, s.pos))
}

// quoteNear returns line Go-quoted (one line, whatever it holds), cut to
// a window around pos when it is long.
func quoteNear(line string, pos int) string {
	const before, after = 60, 40
	if len(line) <= before+after {
		return strconv.Quote(line)
	}
	from := max(0, min(pos, len(line))-before)
	to := min(len(line), from+before+after)
	q := strconv.Quote(line[from:to])
	if from > 0 {
		q = "..." + q
	}
	if to < len(line) {
		q += "..."
	}
	return q
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// codeName scans the code name after "[" (up to a space or "]").
func (s *scanner) codeName() string {
	start := s.pos
	for s.pos < len(s.line) {
		c := s.line[s.pos]
		if c == ' ' || c == ']' || c < 0x20 || c == 0x7f || c == '[' || c == '(' || c == ')' || c == '"' {
			break
		}
		s.pos++
	}
	return s.line[start:s.pos]
}

// codeArgs scans the arguments after the code name up to and including
// the closing "]"; end is the index of that "]". ok is false when they do
// not parse.
func (s *scanner) codeArgs() (args []Node, end int, ok bool) {
	s.inCode = true
	if s.atEnd() {
		return nil, 0, false
	}
	if s.line[s.pos] == ']' {
		return nil, s.pos, true
	}
	if s.line[s.pos] != ' ' {
		return nil, 0, false
	}
	args, err := s.values(']')
	if err != nil {
		return nil, 0, false
	}
	return args, s.pos - 1, true
}
