package imapwire

import (
	"strconv"
	"strings"
)

// Kind is the kind of a Node.
type Kind uint8

// The kinds map one to one onto what the Lua module hands to scripts:
// atoms, strings and literals become Lua strings, numbers Lua numbers,
// lists arrays, and NIL the imap.NIL sentinel.
const (
	KindAtom    Kind = iota + 1 // OK, \Seen, BODY[HEADER.FIELDS (FROM)]<0>, 1:5
	KindNumber                  // a run of digits that fits a uint64
	KindString                  // "quoted", escapes removed
	KindLiteral                 // {n} / {n+} / ~{n}: exactly n bytes
	KindList                    // ( ... )
	KindNil                     // NIL
)

var kindNames = [...]string{"invalid", "atom", "number", "string", "literal", "list", "NIL"}

func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Node is one value of a response. It is a plain struct, not an interface,
// so that a binding can switch on Kind and copy fields without type
// assertions.
//
// Strings and literals carry their exact bytes in Text (a Go string holds
// any bytes, and a Lua string is made from it without another copy); the
// Kind tells them apart. A number keeps its digits in Text as well, so that
// a 64-bit MODSEQ survives a binding whose numbers are float64.
type Node struct {
	Kind Kind
	Text string // atom as sent; number digits; string or literal bytes ("" for NIL, lists, streamed literals)
	Num  uint64 // KindNumber
	List []Node // KindList

	// Literals only.
	Size     int64 // the byte count, also when streamed
	Streamed bool  // the bytes went to a LiteralSink; Text is empty
	Binary   bool  // literal8 (~{n}, RFC 3516): may contain NUL
}

// IsNil reports whether n is NIL.
func (n Node) IsNil() bool { return n.Kind == KindNil }

// IsString reports whether n is a string value: quoted or literal.
func (n Node) IsString() bool { return n.Kind == KindString || n.Kind == KindLiteral }

// String renders n on one line for messages and tests: IMAP syntax for
// atoms, numbers, lists and NIL; Go quoting for strings (so that control
// bytes stay visible); a literal as {size} followed by its first bytes.
func (n Node) String() string {
	var b strings.Builder
	n.render(&b, 0)
	return b.String()
}

// renderMax bounds what String shows of one string or literal.
const renderMax = 60

func (n Node) render(b *strings.Builder, depth int) {
	switch n.Kind {
	case KindAtom, KindNumber:
		b.WriteString(n.Text)
	case KindNil:
		b.WriteString("NIL")
	case KindString:
		b.WriteString(clipQuote(n.Text, renderMax))
	case KindLiteral:
		if n.Binary {
			b.WriteByte('~')
		}
		b.WriteString("{" + strconv.FormatInt(n.Size, 10) + "}")
		if n.Streamed {
			b.WriteString("(streamed)")
		} else {
			b.WriteString(clipQuote(n.Text, renderMax))
		}
	case KindList:
		b.WriteByte('(')
		if depth > 20 {
			b.WriteString("...")
		} else {
			for i, e := range n.List {
				if i > 0 {
					b.WriteByte(' ')
				}
				e.render(b, depth+1)
			}
		}
		b.WriteByte(')')
	default:
		b.WriteString("<invalid>")
	}
}

// clipQuote returns s Go-quoted, cut to about max bytes with "..." after
// the closing quote when it was longer: one line, whatever s holds.
func clipQuote(s string, max int) string {
	if len(s) <= max {
		return strconv.Quote(s)
	}
	return strconv.Quote(s[:max]) + "..."
}
