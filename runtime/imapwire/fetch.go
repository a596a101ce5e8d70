package imapwire

import (
	"strings"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// FetchItem is one "NAME value" pair of a FETCH response.
type FetchItem struct {
	Name  string // upper-cased as the server sent it: "UID", "BODY[]", "BODY[HEADER.FIELDS (FROM)]", "BODY[]<0>"
	Value Node
}

// FetchItems are the items of one FETCH response, in the server's order
// (which RFC 9051 leaves arbitrary).
type FetchItems []FetchItem

// Get returns the value of the first item called name (compared
// case-insensitively).
func (items FetchItems) Get(name string) (Node, bool) {
	for _, it := range items {
		if strings.EqualFold(it.Name, name) {
			return it.Value, true
		}
	}
	return Node{}, false
}

// ParseFetch splits the parenthesised list of a FETCH response into
// items. Names are upper-cased so that scripts index them one way
// whatever the server's case; the section inside brackets is upper-cased
// too (header field names are case-insensitive).
func ParseFetch(list Node) (FetchItems, error) {
	if err := checkFetch(list); err != nil {
		return nil, err
	}
	items := make(FetchItems, 0, len(list.List)/2)
	for i := 0; i < len(list.List); i += 2 {
		items = append(items, FetchItem{Name: strings.ToUpper(list.List[i].Text), Value: list.List[i+1]})
	}
	return items, nil
}

// checkFetch reports what makes list not the item list of a FETCH
// response. The Reader runs it on every "* n FETCH", so that a malformed
// one is a protocol error rather than a response scripts silently lack.
func checkFetch(list Node) error {
	if list.Kind != KindList {
		return failure.New(failure.Protocol, "imap: FETCH data is %s, not a list: %s", list.Kind, clip(list.String()))
	}
	if len(list.List)%2 != 0 {
		return failure.New(failure.Protocol, "imap: FETCH list has an item name without a value: %s", clip(list.String()))
	}
	for i := 0; i < len(list.List); i += 2 {
		name := list.List[i]
		if name.Kind != KindAtom {
			return failure.New(failure.Protocol, "imap: FETCH item name %s is %s, not an atom: %s", clip(name.String()), name.Kind, clip(list.String()))
		}
		if !fetchName(name.Text) {
			return failure.New(failure.Protocol, "imap: FETCH item name %s is not a name (a letter, then letters, digits, '.', '-' or '_', then any [section] or <partial>): %s", clip(name.String()), clip(list.String()))
		}
	}
	return nil
}

// fetchName reports whether an atom can be a FETCH item name (RFC 9051
// msg-att, with room for extensions such as X-GM-LABELS): a letter, then
// letters, digits, '.', '-' or '_' up to any section or partial. Text
// that a server sent after a literal longer than it announced ("{5}"
// then "hello, world") does not pass for an item.
func fetchName(name string) bool {
	if name == "" || !isLetter(name[0]) {
		return false
	}
	for i := 1; i < len(name); i++ {
		switch c := name[i]; {
		case c == '[' || c == '<':
			return true
		case isLetter(c), c >= '0' && c <= '9', c == '.', c == '-', c == '_':
		default:
			return false
		}
	}
	return true
}

func isLetter(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }

// Fetch returns the message number and items of a "* n FETCH (...)"
// response.
func (r *Response) Fetch() (seq uint64, items FetchItems, err error) {
	if r.Type != Untagged || r.Name != "FETCH" || !r.HasNumber || len(r.Fields) != 1 {
		return 0, nil, failure.New(failure.Protocol, "imap: not a FETCH response (* n FETCH (...)): %s", clip(r.String()))
	}
	items, err = ParseFetch(r.Fields[0])
	return r.Number, items, err
}

// clip keeps an error message to one reasonable line.
func clip(s string) string {
	const max = 120
	if len(s) > max {
		return s[:max] + "..."
	}
	return s
}
