package luabind

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/mailexpect/mailexpect/runtime/failure"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// The json module, on encoding/json:
//
//	json.encode(v [, indent])  -> string   (raises a usage error on what JSON cannot hold)
//	json.decode(s)             -> value, or nil, message
//	json.null                  -> the sentinel for JSON null (decode gives it, encode takes it)
//	json.object(t)             -> t, marked to encode as an object even when empty
//	json.array(t)              -> t, marked to encode as an array even when empty
//
// A table whose keys are exactly 1..n is an array; any other table is an
// object (number keys become strings). An empty table encodes as [] unless
// marked with json.object: script results are more often lists than maps.
// Object keys are sorted so output is stable. Strings that are not UTF-8
// have bad bytes replaced with U+FFFD, as encoding/json does.

const jsonMaxDepth = 200

type jsonState struct {
	r       *run
	L       *lua.LState // the state's own: read-only proxies convert with it
	null    *lua.LUserData
	objects map[*lua.LTable]bool // json.object / json.array marks
	arrays  map[*lua.LTable]bool
	steps   uint32 // values encoded or decoded, for polling the run's context
}

// A huge table or document must not outlive the run's deadline: encoding
// and decoding (jsondecode.go) look at the run's context every 1024 values.
var errJSONInterrupted = errors.New("interrupted")

func (js *jsonState) interrupted() bool {
	js.steps++
	return js.steps%1024 == 0 && js.r.ctx.Err() != nil
}

func (js *jsonState) raiseInterrupted(L *lua.LState, op string) {
	js.r.raiseOp(L, op, failure.New(failure.Timeout, "%s interrupted", op))
}

func (r globalsBinding) openJSON(L *lua.LState) {
	js := &jsonState{r: r.run, L: L, null: L.NewUserData(), objects: map[*lua.LTable]bool{}, arrays: map[*lua.LTable]bool{}}
	r.json = js // a reused bulk state forgets the row's marks (bulkstate.go)
	nullMT := L.NewTable()
	nullMT.RawSetString("__tostring", L.NewFunction(func(L *lua.LState) int { L.Push(lua.LString("json.null")); return 1 }))
	L.SetMetatable(js.null, nullMT)

	t := L.CreateTable(0, 5)
	t.RawSetString("null", js.null)
	t.RawSetString("encode", L.NewFunction(js.encode))
	t.RawSetString("decode", L.NewFunction(js.decode))
	// mark returns json.object or json.array: it tags its table argument
	// as that kind (dropping the other tag) and returns it.
	mark := func(name string, is, isNot map[*lua.LTable]bool) *lua.LFunction {
		return L.NewFunction(func(L *lua.LState) int {
			tb := r.checkTable(L, 1, name)
			is[tb] = true
			delete(isNot, tb)
			L.Push(tb)
			return 1
		})
	}
	t.RawSetString("object", mark("json.object", js.objects, js.arrays))
	t.RawSetString("array", mark("json.array", js.arrays, js.objects))
	L.G.Global.RawSetString("json", t)
	preloadTable(L, "json", t)
}

func (js *jsonState) encode(L *lua.LState) int {
	var buf bytes.Buffer
	if err := js.write(&buf, L.CheckAny(1), 0); err == errJSONInterrupted {
		js.raiseInterrupted(L, "json.encode")
	} else if err != nil {
		js.r.usage(L, "json.encode: %v", err)
	}
	out := buf.Bytes()
	if L.GetTop() >= 2 && L.Get(2) != lua.LNil {
		indent := "  "
		if s, ok := L.Get(2).(lua.LString); ok {
			indent = string(s)
		}
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, out, "", indent); err == nil {
			out = pretty.Bytes()
		}
	}
	L.Push(lua.LString(out))
	return 1
}

func (js *jsonState) write(buf *bytes.Buffer, v lua.LValue, depth int) error {
	if depth > jsonMaxDepth {
		return fmt.Errorf("nested deeper than %d (a cycle?)", jsonMaxDepth)
	}
	if js.interrupted() {
		return errJSONInterrupted
	}
	switch v := v.(type) {
	case *lua.LNilType:
		buf.WriteString("null")
	case lua.LBool:
		buf.WriteString(strconv.FormatBool(bool(v)))
	case lua.LNumber:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%v cannot be represented in JSON", f)
		}
		b, _ := json.Marshal(f)
		buf.Write(b)
	case lua.LString:
		writeJSONString(buf, string(v))
	case *lua.LUserData:
		if v == js.null {
			buf.WriteString("null")
			return nil
		}
		return fmt.Errorf("cannot encode a userdata")
	case *lua.LTable:
		return js.writeTable(buf, v, depth)
	default:
		return fmt.Errorf("cannot encode a %s", v.Type())
	}
	return nil
}

func (js *jsonState) writeTable(buf *bytes.Buffer, t *lua.LTable, depth int) error {
	if target := js.r.proxyTarget(js.L, t); target != nil {
		t = target // read-only proxies (row, sandbox) encode as their table
	}
	n := t.Len()
	count := 0
	t.ForEach(func(_, _ lua.LValue) { count++ })
	isArray := !js.objects[t] && (count == n || js.arrays[t])
	if isArray && count != n {
		return fmt.Errorf("json.array table has keys other than 1..%d", n)
	}
	if isArray {
		buf.WriteByte('[')
		for i := 1; i <= n; i++ {
			if i > 1 {
				buf.WriteByte(',')
			}
			if err := js.write(buf, t.RawGetInt(i), depth+1); err != nil {
				return err
			}
		}
		buf.WriteByte(']')
		return nil
	}
	type kv struct {
		k string
		v lua.LValue
	}
	var kvs []kv
	var keyErr error
	t.ForEach(func(k, v lua.LValue) {
		switch k := k.(type) {
		case lua.LString:
			kvs = append(kvs, kv{string(k), v})
		case lua.LNumber:
			kvs = append(kvs, kv{k.String(), v})
		default:
			keyErr = fmt.Errorf("cannot encode a %s key", k.Type())
		}
	})
	if keyErr != nil {
		return keyErr
	}
	sort.Slice(kvs, func(i, j int) bool { return kvs[i].k < kvs[j].k })
	buf.WriteByte('{')
	for i, e := range kvs {
		if i > 0 {
			buf.WriteByte(',')
		}
		writeJSONString(buf, e.k)
		buf.WriteByte(':')
		if err := js.write(buf, e.v, depth+1); err != nil {
			return err
		}
	}
	buf.WriteByte('}')
	return nil
}

func (js *jsonState) decode(L *lua.LState) int {
	s := js.r.checkString(L, 1, "json.decode")
	v, err := js.decodeValue(L, s)
	if errors.Is(err, errJSONInterrupted) {
		js.raiseInterrupted(L, "json.decode")
	} else if err != nil {
		L.Push(lua.LNil)
		L.Push(lua.LString("json.decode: " + err.Error()))
		return 2
	}
	L.Push(v)
	return 1
}

// writeJSONString writes s as a JSON string without Go's HTML escaping:
// "<" and ">" in a status message or an address stay readable.
func writeJSONString(buf *bytes.Buffer, s string) {
	buf.WriteByte('"')
	plain := 0 // s[plain:i] is written as it is, in one piece
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f && c != '"' && c != '\\' {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r != utf8.RuneError && r >= utf8.RuneSelf && strconv.IsPrint(r) {
			i += size
			continue
		}
		buf.WriteString(s[plain:i])
		switch {
		case r == '"' || r == '\\':
			buf.WriteByte('\\')
			buf.WriteByte(c)
		case r == '\n':
			buf.WriteString(`\n`)
		case r == '\r':
			buf.WriteString(`\r`)
		case r == '\t':
			buf.WriteString(`\t`)
		case r == utf8.RuneError:
			// Invalid UTF-8 (or U+FFFD itself) is written as U+FFFD, as
			// encoding/json writes it.
			buf.WriteString("\uFFFD")
		default:
			// Control characters, C1, bidi overrides, line/paragraph
			// separators: JSON output goes to terminals (cleanup --json), so
			// anything that is not a printable character is written as an
			// escape; a decoder reads back the same string.
			if r > 0xFFFF {
				r1, r2 := utf16.EncodeRune(r)
				fmt.Fprintf(buf, `\u%04x\u%04x`, r1, r2)
			} else {
				fmt.Fprintf(buf, `\u%04x`, r)
			}
		}
		i += size
		plain = i
	}
	buf.WriteString(s[plain:])
	buf.WriteByte('"')
}
