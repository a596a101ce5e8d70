package imapwire

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// Tagger hands out command tags: A001, A002, ... (A1000 after A999). The
// zero value uses the prefix "A".
type Tagger struct {
	Prefix string // atom characters only; "" means "A"
	n      int
}

// Next returns the next tag.
func (t *Tagger) Next() string {
	t.n++
	p := t.Prefix
	if p == "" {
		p = "A"
	}
	return fmt.Sprintf("%s%03d", p, t.n)
}

// Arg is one argument of a command. The Lua table form maps onto it:
// plain strings and numbers are raw, imap.string(x) is a string.
type Arg struct {
	form   argForm
	text   string
	secret bool
}

type argForm uint8

const (
	formRaw     argForm = iota // sent as is
	formString                 // quoted when safe, else a literal
	formLiteral                // always a literal
	formUTF8                   // quoted UTF-8 when safe, else a literal
)

// RawArg is sent as is: a command name, an atom, a sequence set, a
// parenthesised list ("(UID FLAGS)"), or a whole command line in the
// string form. CR, LF and NUL are refused (kind injection).
func RawArg(s string) Arg { return Arg{form: formRaw, text: s} }

// StringArg is an IMAP string: a mailbox name, a search key, a password.
// It is quoted when that is safe (printable 7-bit, at most MaxQuoted
// bytes; '"' and '\' escaped), else sent as a literal, so its bytes reach
// the server exactly. NUL cannot be sent (kind usage).
func StringArg(s string) Arg { return Arg{form: formString, text: s} }

// UTF8StringArg is a string for a session that enabled UTF8=ACCEPT (RFC
// 6855 3): valid UTF-8 without control characters is quoted as it is;
// anything else goes as a literal, as StringArg does.
func UTF8StringArg(s string) Arg { return Arg{form: formUTF8, text: s} }

// LiteralArg is always sent as a literal: APPEND's message.
func LiteralArg(s string) Arg { return Arg{form: formLiteral, text: s} }

// Secret returns a copy of a that shows as *** in the transcript and in
// Command.Text.
func (a Arg) Secret() Arg {
	a.secret = true
	return a
}

// MaxQuoted is the longest string sent quoted; longer ones go as
// literals, which servers accept at any length they accept at all.
const MaxQuoted = 1024

// literalMinusMax is the largest non-synchronizing literal LITERAL-
// (RFC 7888) allows.
const literalMinusMax = 4096

// piece is one Send of a command. A synchronizing literal splits the
// command: after the piece that ends with "{n}\r\n" the client waits for
// the server's "+". A secret argument is a piece of its own, so that only
// it is masked.
type piece struct {
	data      []byte
	secret    bool
	awaitCont bool
}

// literalMode says how literals are announced.
type literalMode struct {
	plus  bool // LITERAL+: {n+} always
	minus bool // LITERAL-: {n+} up to 4096 bytes
}

func (m literalMode) nonSync(n int) bool {
	return m.plus || (m.minus && n <= literalMinusMax)
}

// encodeCommand validates args and encodes "tag arg arg...\r\n" into the
// pieces to send. shown is the command for messages: secrets as ***,
// literals as {n}. Nothing is sent when it fails.
func encodeCommand(tag string, args []Arg, mode literalMode) (pieces []piece, shown string, err error) {
	if len(args) == 0 {
		return nil, "", failure.New(failure.Usage, "imap: empty command")
	}
	var show strings.Builder
	show.WriteString(tag)
	cur := piece{data: []byte(tag)}
	flush := func() {
		if len(cur.data) > 0 {
			pieces = append(pieces, cur)
		}
		cur = piece{}
	}
	// add appends b to the current piece, starting a new one when the
	// secrecy changes.
	add := func(b string, secret bool) {
		if len(cur.data) > 0 && cur.secret != secret {
			flush()
		}
		cur.secret = secret
		cur.data = append(cur.data, b...)
	}
	for i, a := range args {
		if err := a.check(i); err != nil {
			return nil, "", err
		}
		add(" ", false)
		show.WriteByte(' ')
		switch {
		case a.form == formRaw:
			add(a.text, a.secret)
			show.WriteString(masked(a, a.text))
		case a.form == formString && quotable(a.text),
			a.form == formUTF8 && quotableUTF8(a.text):
			q := quote(a.text)
			add(q, a.secret)
			show.WriteString(masked(a, q))
		default:
			header := "{" + strconv.Itoa(len(a.text))
			if mode.nonSync(len(a.text)) {
				header += "+"
			}
			header += "}"
			add(header, false)
			show.WriteString(header)
			cur.data = append(cur.data, "\r\n"...) // the line end reveals nothing
			if !mode.nonSync(len(a.text)) {
				cur.awaitCont = true
				flush()
			}
			add(a.text, a.secret)
			if a.secret {
				show.WriteString(" ***")
			}
		}
	}
	cur.data = append(cur.data, "\r\n"...)
	flush()
	return pieces, show.String(), nil
}

func (a Arg) check(i int) error {
	switch a.form {
	case formRaw:
		if a.text == "" {
			return failure.New(failure.Usage, "imap: argument %d is empty (use StringArg(\"\") for an empty string)", i+1)
		}
		if j := strings.IndexAny(a.text, "\r\n\x00"); j >= 0 {
			return failure.New(failure.Injection, "imap: refusing argument %d: it contains %q at byte %d (a CR, LF or NUL would start another command); pass it as a string to send it as a literal", i+1, a.text[j], j)
		}
	default:
		if j := strings.IndexByte(a.text, 0); j >= 0 {
			return failure.New(failure.Usage, "imap: argument %d contains NUL at byte %d, which an IMAP string cannot carry", i+1, j)
		}
	}
	return nil
}

// quotable reports whether s can be a quoted string: 7-bit, no CR, LF or
// NUL, not too long. 8-bit text goes as a literal, which every server
// takes whether or not it speaks UTF8=ACCEPT.
func quotable(s string) bool {
	if len(s) > MaxQuoted {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; c == '\r' || c == '\n' || c == 0 || c >= 0x80 {
			return false
		}
	}
	return true
}

// quotableUTF8 reports whether s can be a quoted string once UTF8=ACCEPT
// is enabled: valid UTF-8, no control characters, not too long.
func quotableUTF8(s string) bool {
	if len(s) > MaxQuoted || !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// quote returns s as an IMAP quoted string.
func quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for i := 0; i < len(s); i++ {
		if s[i] == '"' || s[i] == '\\' {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	b.WriteByte('"')
	return b.String()
}

func masked(a Arg, s string) string {
	if a.secret {
		return "***"
	}
	return s
}
