package luabind

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// jsonDecoder parses one JSON document (RFC 8259, as encoding/json reads
// it) straight into Lua values, on the Lua goroutine. It is its own parser
// because encoding/json cannot be stopped once it has read a value: a
// goroutine running json.Unmarshal on a huge document went on for seconds
// after --max-time had ended the script (issue 16), which matters in a bulk
// run whose process goes on. This one looks at the run's context every
// 1024 values (jsonState.interrupted) and stops at once.
//
// Syntax errors are reported in encoding/json's words: on the first error
// the input is handed to json.Unmarshal, which stops at the same byte.
type jsonDecoder struct {
	js  *jsonState
	L   *lua.LState
	s   string
	pos int
}

// jsonMaxNesting is encoding/json's own limit on nested arrays and objects.
const jsonMaxNesting = 10000

var errJSONSyntax = errors.New("syntax")

func (js *jsonState) decodeValue(L *lua.LState, s string) (lua.LValue, error) {
	d := &jsonDecoder{js: js, L: L, s: s}
	d.skipSpace()
	v, err := d.value(0)
	if err == nil {
		d.skipSpace()
		if d.pos < len(s) {
			err = errJSONSyntax
		}
	}
	if errors.Is(err, errJSONSyntax) {
		return nil, jsonSyntaxError(s, d.pos)
	}
	return v, err
}

// jsonSyntaxError returns encoding/json's message for the first error in s;
// at is where this parser found it, for the rare input both disagree on.
func jsonSyntaxError(s string, at int) error {
	if err := json.Unmarshal(unsafe.Slice(unsafe.StringData(s), len(s)), new(json.RawMessage)); err != nil {
		return err
	}
	return errors.New("invalid JSON at offset " + strconv.Itoa(at))
}

func (d *jsonDecoder) skipSpace() {
	for d.pos < len(d.s) {
		switch d.s[d.pos] {
		case ' ', '\t', '\n', '\r':
			d.pos++
		default:
			return
		}
	}
}

func (d *jsonDecoder) value(depth int) (lua.LValue, error) {
	if d.js.interrupted() {
		return nil, errJSONInterrupted
	}
	if d.pos >= len(d.s) {
		return nil, errJSONSyntax
	}
	switch c := d.s[d.pos]; {
	case c == '{':
		return d.object(depth + 1)
	case c == '[':
		return d.array(depth + 1)
	case c == '"':
		s, err := d.str()
		return lua.LString(s), err
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	case strings.HasPrefix(d.s[d.pos:], "true"):
		d.pos += 4
		return lua.LTrue, nil
	case strings.HasPrefix(d.s[d.pos:], "false"):
		d.pos += 5
		return lua.LFalse, nil
	case strings.HasPrefix(d.s[d.pos:], "null"):
		d.pos += 4
		return d.js.null, nil
	}
	return nil, errJSONSyntax
}

func (d *jsonDecoder) array(depth int) (lua.LValue, error) {
	if depth > jsonMaxNesting {
		return nil, errJSONSyntax // encoding/json says "exceeded max depth"
	}
	d.pos++ // [
	t := d.L.NewTable()
	if d.eat(']') {
		d.js.arrays[t] = true // round-trips [] as []
		return t, nil
	}
	for {
		d.skipSpace()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		t.Append(v)
		if end, err := d.end(']'); end || err != nil {
			return t, err
		}
	}
}

func (d *jsonDecoder) object(depth int) (lua.LValue, error) {
	if depth > jsonMaxNesting {
		return nil, errJSONSyntax // encoding/json says "exceeded max depth"
	}
	d.pos++ // {
	t := d.L.NewTable()
	if d.eat('}') {
		d.js.objects[t] = true // round-trips {} as {}
		return t, nil
	}
	for {
		d.skipSpace()
		if d.pos >= len(d.s) || d.s[d.pos] != '"' {
			return nil, errJSONSyntax
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		if !d.eat(':') {
			return nil, errJSONSyntax
		}
		d.skipSpace()
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		t.RawSetString(k, v) // a repeated key: the last one wins, as in encoding/json
		if end, err := d.end('}'); end || err != nil {
			return t, err
		}
	}
}

// eat consumes c, after any space, when it comes next.
func (d *jsonDecoder) eat(c byte) bool {
	d.skipSpace()
	if d.pos < len(d.s) && d.s[d.pos] == c {
		d.pos++
		return true
	}
	return false
}

// end reads what follows an element of an array or object: a comma, more
// follow, or close, which ends it (true).
func (d *jsonDecoder) end(close byte) (bool, error) {
	if d.eat(',') {
		return false, nil
	}
	if d.eat(close) {
		return true, nil
	}
	return false, errJSONSyntax
}

// str reads a string. The common one (printable ASCII or valid UTF-8, no
// escape) is copied as it is; one with escapes or bad UTF-8 is decoded by
// encoding/json itself, so \u surrogates and U+FFFD replacement are
// exactly its own.
func (d *jsonDecoder) str() (string, error) {
	start := d.pos
	plain := true
	i := start + 1
	for ; i < len(d.s); i++ {
		c := d.s[i]
		if c == '"' {
			break
		}
		if c < 0x20 {
			d.pos = i
			return "", errJSONSyntax
		}
		if c == '\\' {
			plain = false
			i++ // the escaped byte is never the closing quote
		} else if c >= utf8.RuneSelf {
			plain = false
		}
	}
	if i >= len(d.s) {
		d.pos = len(d.s)
		return "", errJSONSyntax
	}
	d.pos = i + 1
	body := d.s[start+1 : i]
	if plain || (!strings.Contains(body, `\`) && utf8.ValidString(body)) {
		return strings.Clone(body), nil
	}
	var out string
	if err := json.Unmarshal(unsafe.Slice(unsafe.StringData(d.s[start:d.pos]), d.pos-start), &out); err != nil {
		d.pos = start
		return "", errJSONSyntax
	}
	return out, nil
}

// number reads -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; one out of
// a float64's range becomes ±inf, as before.
func (d *jsonDecoder) number() (lua.LValue, error) {
	start := d.pos
	digits := func() bool {
		at := d.pos
		for d.pos < len(d.s) && d.s[d.pos] >= '0' && d.s[d.pos] <= '9' {
			d.pos++
		}
		return d.pos > at
	}
	if d.s[d.pos] == '-' {
		d.pos++
	}
	if d.pos < len(d.s) && d.s[d.pos] == '0' {
		d.pos++
	} else if !digits() {
		return nil, errJSONSyntax
	}
	if d.pos < len(d.s) && d.s[d.pos] == '.' {
		d.pos++
		if !digits() {
			return nil, errJSONSyntax
		}
	}
	if d.pos < len(d.s) && (d.s[d.pos] == 'e' || d.s[d.pos] == 'E') {
		d.pos++
		if d.pos < len(d.s) && (d.s[d.pos] == '+' || d.s[d.pos] == '-') {
			d.pos++
		}
		if !digits() {
			return nil, errJSONSyntax
		}
	}
	f, _ := strconv.ParseFloat(d.s[start:d.pos], 64)
	return lua.LNumber(f), nil
}
