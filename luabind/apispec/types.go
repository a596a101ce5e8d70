package apispec

import (
	"fmt"
	"strings"
)

// Kind is the sort of a Type.
type Kind int

const (
	Any      Kind = iota // any value
	Nil                  // nil
	String               // a string (a number is accepted too, as Lua converts it)
	Number               // a number (a numeric string is accepted too)
	Integer              // a number with no fraction
	Boolean              // true or false
	Function             // a function (or a table callable through __call)
	Table                // any table
	Literal              // one string, true or false: "implicit", true
	Union                // one of Elems
	List                 // a sequence 1..n of Elems[0]
	Tuple                // a table {Elems[0], Elems[1], ...}
	Map                  // table<Elems[0], Elems[1]>
	Named                // a Class: an options table or an object
	Struct               // {name: A, other: B}: a table with these keys (returned data)
)

// Type is a parsed type expression. The syntax is LuaLS's, so the stubs
// print it as written:
//
//	string  number  integer  boolean  function  table  any  nil
//	"implicit"  true  false          literals
//	A|B                              one of
//	A[]                              a list (keys 1..n only)
//	{A, B}                           a tuple, e.g. a {name, value} pair
//	table<K, V>                      a map
//	smtp.SendOptions                 a Class declared in the spec
//	(A|B)[]                          grouping
type Type struct {
	Kind  Kind
	Lit   string   // Literal: the literal as written ("\"implicit\"", "true")
	Name  string   // Named: the class name
	Elems []*Type  // Union members, List element, Tuple items, Map key and value, Struct fields
	Keys  []string // Struct: the field names
	src   string
}

func (t *Type) String() string { return t.src }

// Optional reports whether nil is accepted.
func (t *Type) Optional() bool {
	switch t.Kind {
	case Nil, Any:
		return true
	case Union:
		for _, e := range t.Elems {
			if e.Optional() {
				return true
			}
		}
	}
	return false
}

// ParseType parses a type expression.
func ParseType(s string) (*Type, error) {
	p := &typeParser{s: s}
	t, err := p.union()
	if err != nil {
		return nil, fmt.Errorf("type %q: %v", s, err)
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("type %q: unexpected %q", s, p.s[p.i:])
	}
	return t, nil
}

// MustParseType is ParseType for declarations known to be right.
func MustParseType(s string) *Type {
	t, err := ParseType(s)
	if err != nil {
		panic(err)
	}
	return t
}

type typeParser struct {
	s string
	i int
}

func (p *typeParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' {
		p.i++
	}
}

func (p *typeParser) peek() byte {
	p.space()
	if p.i < len(p.s) {
		return p.s[p.i]
	}
	return 0
}

// eat consumes c when it comes next.
func (p *typeParser) eat(c byte) bool {
	if p.peek() != c {
		return false
	}
	p.i++
	return true
}

// need consumes c, which must come next.
func (p *typeParser) need(c byte, missing string) error {
	if !p.eat(c) {
		return fmt.Errorf("%s", missing)
	}
	return nil
}

// list parses one or more items separated by sep.
func (p *typeParser) list(sep byte, item func() (*Type, error)) ([]*Type, error) {
	var elems []*Type
	for {
		t, err := item()
		if err != nil {
			return nil, err
		}
		elems = append(elems, t)
		if !p.eat(sep) {
			return elems, nil
		}
	}
}

func (p *typeParser) union() (*Type, error) {
	start := p.i
	elems, err := p.list('|', p.postfix)
	if err != nil {
		return nil, err
	}
	if len(elems) == 1 {
		return elems[0], nil
	}
	return &Type{Kind: Union, Elems: elems, src: strings.TrimSpace(p.s[start:p.i])}, nil
}

func (p *typeParser) postfix() (*Type, error) {
	start := p.i
	t, err := p.primary()
	if err != nil {
		return nil, err
	}
	for strings.HasPrefix(p.s[p.i:], "[]") {
		p.i += 2
		t = &Type{Kind: List, Elems: []*Type{t}, src: strings.TrimSpace(p.s[start:p.i])}
	}
	return t, nil
}

func (p *typeParser) primary() (*Type, error) {
	p.space()
	start := p.i
	switch c := p.peek(); {
	case c == '(':
		p.i++
		t, err := p.union()
		if err != nil {
			return nil, err
		}
		if err := p.need(')', "missing )"); err != nil {
			return nil, err
		}
		return &Type{Kind: t.Kind, Lit: t.Lit, Name: t.Name, Elems: t.Elems, src: p.s[start:p.i]}, nil
	case c == '"':
		end := strings.IndexByte(p.s[p.i+1:], '"')
		if end < 0 {
			return nil, fmt.Errorf("unterminated string literal")
		}
		p.i += end + 2
		return &Type{Kind: Literal, Lit: p.s[start:p.i], src: p.s[start:p.i]}, nil
	case c == '{':
		p.i++
		var keys []string
		elems, err := p.list(',', func() (*Type, error) {
			if key, ok := p.structKey(); ok {
				keys = append(keys, key)
			} else if len(keys) > 0 {
				return nil, fmt.Errorf("mixed {name: T} and {T} items")
			}
			return p.union()
		})
		if err != nil {
			return nil, err
		}
		if err := p.need('}', "missing }"); err != nil {
			return nil, err
		}
		if len(keys) > 0 {
			if len(keys) != len(elems) {
				return nil, fmt.Errorf("mixed {name: T} and {T} items")
			}
			return &Type{Kind: Struct, Elems: elems, Keys: keys, src: p.s[start:p.i]}, nil
		}
		return &Type{Kind: Tuple, Elems: elems, src: p.s[start:p.i]}, nil
	case isNameByte(c):
		for p.i < len(p.s) && (isNameByte(p.s[p.i]) || p.s[p.i] == '.') {
			p.i++
		}
		name := p.s[start:p.i]
		if name == "table" && p.eat('<') {
			return p.mapType(start)
		}
		if k, ok := primitiveKinds[name]; ok {
			return &Type{Kind: k, src: name}, nil
		}
		if name == "true" || name == "false" {
			return &Type{Kind: Literal, Lit: name, src: name}, nil
		}
		return &Type{Kind: Named, Name: name, src: name}, nil
	default:
		return nil, fmt.Errorf("unexpected %q at %d", string(c), p.i)
	}
}

// mapType parses the rest of table<K, V>, after the <.
func (p *typeParser) mapType(start int) (*Type, error) {
	k, err := p.union()
	if err != nil {
		return nil, err
	}
	if err := p.need(',', "table<K, V> needs two types"); err != nil {
		return nil, err
	}
	v, err := p.union()
	if err != nil {
		return nil, err
	}
	if err := p.need('>', "missing >"); err != nil {
		return nil, err
	}
	return &Type{Kind: Map, Elems: []*Type{k, v}, src: p.s[start:p.i]}, nil
}

var primitiveKinds = map[string]Kind{"any": Any, "nil": Nil, "string": String, "number": Number,
	"integer": Integer, "boolean": Boolean, "function": Function, "table": Table}

func isNameByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// structKey consumes "name:" when it comes next.
func (p *typeParser) structKey() (string, bool) {
	p.space()
	j := p.i
	for j < len(p.s) && isNameByte(p.s[j]) {
		j++
	}
	k := j
	for k < len(p.s) && p.s[k] == ' ' {
		k++
	}
	if j == p.i || k >= len(p.s) || p.s[k] != ':' {
		return "", false
	}
	name := p.s[p.i:j]
	p.i = k + 1
	return name, true
}
