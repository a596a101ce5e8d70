package luabind

import (
	"strconv"
	"strings"
	"unsafe"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/internal/bigmem"
	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// The regex module: Go RE2 with the same CR/LF rules as expect, so a
// pattern tried out with re:match behaves the same in s:expect.
//
//	local re = regex.compile([=[^(?P<code>\d{3})[ -]]=])
//	re:match(s)            match object or nil
//	re:find(s [, init])    start, end (1-based, inclusive) or nil
//	re:gmatch(s)           iterator of match objects
//	re:replace(s, repl)    new string, count; repl "$1", "${name}", "$$" or function(m)
//	re:split(s [, n])      array of pieces (n > 0: at most n pieces)
//	regex.quote(s)         s with every metacharacter escaped
//	exact"text"            a literal pattern (also a regex object)

const regexTypeName = "mailexpect.regex"

// regexMethods is the method set of a compiled regex.
func (r globalsBinding) regexMethods() map[string]lua.LGFunction {
	return map[string]lua.LGFunction{
		"match":   r.reMatch,
		"find":    r.reFind,
		"gmatch":  r.reGmatch,
		"replace": r.reReplace,
		"split":   r.reSplit,
	}
}

func (r globalsBinding) openRegex(L *lua.LState) {
	mt := L.NewTypeMetatable(regexTypeName)
	fns, names := r.methodTable(L, "regex", r.regexMethods())
	mt.RawSetString("__methods", fns)
	L.SetField(mt, "__index", L.NewFunction(func(L *lua.LState) int {
		name := lua.LVAsString(L.Get(2))
		if name == "pattern" {
			L.Push(lua.LString(r.checkRegex(L, 1, "pattern").String()))
			return 1
		}
		r.usage(L, "regex has no method '%s' (methods: %s)", name, strings.Join(names, ", "))
		return 0
	}))
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		if p, ok := toPattern(L.Get(1)); ok {
			L.Push(lua.LString(p.String()))
			return 1
		}
		L.Push(lua.LString("regex"))
		return 1
	}))

	mod := L.CreateTable(0, 3)
	mod.RawSetString("compile", L.NewFunction(func(L *lua.LState) int {
		p := r.compilePattern(L, r.checkString(L, 1, "regex.compile"))
		L.Push(r.newRegex(L, p))
		return 1
	}))
	mod.RawSetString("quote", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(quoteMeta(r.checkString(L, 1, "regex.quote"))))
		return 1
	}))
	mod.RawSetString("exact", L.NewFunction(r.exact))
	L.G.Global.RawSetString("regex", mod)
	preloadTable(L, "regex", mod)
	L.G.Global.RawSetString("exact", L.NewFunction(r.exact))
}

// luaExact: exact"text" is a literal pattern.
func (r globalsBinding) exact(L *lua.LState) int {
	L.Push(r.newRegex(L, expect.Exact(r.checkString(L, 1, "exact"))))
	return 1
}

func (r globalsBinding) newRegex(L *lua.LState, p *expect.Pattern) *lua.LUserData {
	ud := L.NewUserData()
	ud.Value = p
	L.SetMetatable(ud, L.GetTypeMetatable(regexTypeName))
	return ud
}

// compilePattern compiles expr (expect.Compile keeps compiled patterns
// for the process) or raises the usage error expect.Compile returns (it
// names the pattern and the problem, and refuses a group named like a
// match-object field: before, line, case, n).
func (r *run) compilePattern(L *lua.LState, expr string) *expect.Pattern {
	p, err := expect.Compile(expr)
	if err != nil {
		r.raise(L, err)
	}
	return p
}

func toPattern(v lua.LValue) (*expect.Pattern, bool) {
	if ud, ok := v.(*lua.LUserData); ok {
		if p, ok := ud.Value.(*expect.Pattern); ok {
			return p, true
		}
	}
	return nil, false
}

// checkRegex returns the regex object at argument n; called with '.'
// instead of ':' it says so.
func (r globalsBinding) checkRegex(L *lua.LState, n int, method string) *expect.Pattern {
	if p, ok := toPattern(L.Get(n)); ok {
		return p
	}
	if n == 1 {
		r.usage(L, "%s: called with '.' instead of ':' (write re:%s(...))", method, method)
	}
	r.usage(L, "%s: argument #%d must be a regex, got %s", method, n, L.Get(n).Type())
	return nil
}

// toPatternArg accepts a pattern string, exact"..." or a regex object.
func (r *run) toPatternArg(L *lua.LState, v lua.LValue, fname string) *expect.Pattern {
	switch v := v.(type) {
	case lua.LString:
		return r.compilePattern(L, string(v))
	case *lua.LUserData:
		if p, ok := v.Value.(*expect.Pattern); ok {
			return p
		}
	}
	r.usage(L, "%s: a pattern must be a string, exact\"...\" or a regex, got %s", fname, v.Type())
	return nil
}

// matchObject builds the match object of docs/DESIGN.md: m[0] the whole match,
// m[1..n] the groups (false when unmatched, so #m holds), named groups as
// fields, m.before, m.line, m.case, m.n.
func (r *run) matchObject(L *lua.LState, m *expect.Match, caseIndex int) *lua.LTable {
	n := len(m.Groups) - 1
	t := L.CreateTable(n, 6)
	for i, g := range m.Groups {
		var v lua.LValue = lua.LString(g)
		if i > 0 && i < len(m.Matched) && !m.Matched[i] {
			v = lua.LFalse
		}
		t.RawSetInt(i, v)
		if i < len(m.Names) && m.Names[i] != "" {
			t.RawSetString(m.Names[i], v)
		}
	}
	t.RawSetString("before", lua.LString(m.Before))
	t.RawSetString("line", lua.LString(m.Line))
	if caseIndex > 0 {
		t.RawSetString("case", lua.LNumber(caseIndex))
	}
	t.RawSetString("n", lua.LNumber(n))
	return t
}

func (r globalsBinding) reMatch(L *lua.LState) int {
	p := r.checkRegex(L, 1, "match")
	s := r.checkString(L, 2, "match")
	var m *expect.Match
	r.search(L, "match", p, s, func(p *expect.Pattern) { m = p.FindString(s) })
	if m == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(r.matchObject(L, m, 0))
	return 1
}

// luaInit turns Lua's 1-based (negative: from the end) init into an offset.
func luaInit(init, n int) int {
	switch {
	case init > 0:
		return min(init-1, n)
	case init < 0:
		return max(n+init, 0)
	}
	return 0
}

func (r globalsBinding) reFind(L *lua.LState) int {
	p := r.checkRegex(L, 1, "find")
	s := r.checkString(L, 2, "find")
	start := 0
	if init, ok := r.optNumber(L, 3, "find"); ok {
		start = luaInit(int(init), len(s))
	}
	var m *expect.Match
	r.search(L, "find", p, s, func(p *expect.Pattern) { m = p.FindStringFrom(s, start) })
	if m == nil {
		L.Push(lua.LNil)
		return 1
	}
	L.Push(lua.LNumber(m.Start + 1))
	L.Push(lua.LNumber(m.End))
	return 2
}

// allMatches returns up to limit (< 0: all) successive non-overlapping
// matches, with Go's rule for empty matches.
func (r globalsBinding) allMatches(L *lua.LState, op string, p *expect.Pattern, s string, limit int) []*expect.Match {
	var ms []*expect.Match
	r.search(L, op, p, s, func(p *expect.Pattern) { ms = p.FindAllString(s, limit) })
	return ms
}

// search runs f, a search of s with p, within the run's deadline. Go's
// regexp scans about 10 MB/s with a pattern that never matches, and far
// slower with a large automaton, so from 64 KiB on f gets a copy of p that
// stops at the deadline (Pattern.WithCancel: the search itself looks at the
// run's context every few thousand characters), and the call then raises
// the timeout. Shorter strings are searched with p itself: the copy would
// cost more than any search of them.
func (r globalsBinding) search(L *lua.LState, op string, p *expect.Pattern, s string, f func(p *expect.Pattern)) {
	if len(s) < 64<<10 {
		f(p)
		return
	}
	ctx := L.Context()
	f(p.WithCancel(ctx.Done()))
	if ctx.Err() != nil {
		r.raiseOp(L, "regex."+op, failure.New(failure.Timeout, "regex.%s interrupted", op))
	}
}

func (r globalsBinding) reGmatch(L *lua.LState) int {
	p := r.checkRegex(L, 1, "gmatch")
	s := r.checkString(L, 2, "gmatch")
	matches := r.allMatches(L, "gmatch", p, s, -1)
	i := 0
	L.Push(L.NewFunction(func(L *lua.LState) int {
		if i >= len(matches) {
			L.Push(lua.LNil)
			return 1
		}
		i++
		L.Push(r.matchObject(L, matches[i-1], 0))
		return 1
	}))
	return 1
}

func (r globalsBinding) reReplace(L *lua.LState) int {
	p := r.checkRegex(L, 1, "replace")
	s := r.checkString(L, 2, "replace")
	repl := L.Get(3)
	fn, isFn := repl.(*lua.LFunction)
	var tmpl string
	if !isFn {
		tmpl = r.checkString(L, 3, "replace")
	}
	if !isFn && !strings.Contains(tmpl, "$") {
		var locs [][]int
		r.search(L, "replace", p, s, func(p *expect.Pattern) { locs = p.FindAllStringIndex(s, -1) })
		return replaceLiteral(L, locs, s, tmpl)
	}
	matches := r.allMatches(L, "replace", p, s, -1)
	if len(matches) == 0 {
		L.Push(lua.LString(s)) // nothing replaced: no copy
		L.Push(lua.LNumber(0))
		return 2
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for _, m := range matches {
		b.WriteString(s[last:m.Start])
		if isFn {
			L.Push(fn)
			L.Push(r.matchObject(L, m, 0))
			L.Call(1, 1)
			switch v := L.Get(-1).(type) {
			case lua.LString, lua.LNumber:
				b.WriteString(v.String())
			case *lua.LNilType, lua.LBool:
				if v == lua.LTrue {
					r.usage(L, "replace: the function returned true; return a string, or nil/false to keep the match")
				}
				b.WriteString(s[m.Start:m.End])
			default:
				r.usage(L, "replace: the function must return a string, got %s", v.Type())
			}
			L.Pop(1)
		} else {
			b.WriteString(expandTemplate(tmpl, m))
		}
		last = m.End
	}
	b.WriteString(s[last:])
	L.Push(lua.LString(b.String()))
	L.Push(lua.LNumber(len(matches)))
	return 2
}

// replaceLiteral is replace with a template that refers to no group: only
// where the matches (locs) are is needed, and the result is built in one
// allocation of its exact size (unstuffing a whole message body with
// regex.compile("^\\.\\."):replace(body, ".") copies the body once, into
// huge pages when it is large: see bigmem); without a match s itself is
// returned.
func replaceLiteral(L *lua.LState, locs [][]int, s, tmpl string) int {
	if len(locs) == 0 {
		L.Push(lua.LString(s))
		L.Push(lua.LNumber(0))
		return 2
	}
	size := len(s)
	for _, loc := range locs {
		size += len(tmpl) - (loc[1] - loc[0])
	}
	b := bigmem.Alloc(size)
	last := 0
	for _, loc := range locs {
		b = append(append(b, s[last:loc[0]]...), tmpl...)
		last = loc[1]
	}
	b = append(b, s[last:]...)
	L.Push(lua.LString(unsafe.String(unsafe.SliceData(b), len(b))))
	L.Push(lua.LNumber(len(locs)))
	return 2
}

// expandTemplate expands $1, ${1}, $name, ${name} and $$ like Go's
// regexp.Expand; an unknown group expands to "".
func expandTemplate(tmpl string, m *expect.Match) string {
	var b strings.Builder
	for i := 0; i < len(tmpl); i++ {
		c := tmpl[i]
		if c != '$' || i+1 >= len(tmpl) {
			b.WriteByte(c)
			continue
		}
		if tmpl[i+1] == '$' {
			b.WriteByte('$')
			i++
			continue
		}
		var name string
		if tmpl[i+1] == '{' {
			end := strings.IndexByte(tmpl[i+2:], '}')
			if end < 0 {
				b.WriteByte(c)
				continue
			}
			name = tmpl[i+2 : i+2+end]
			i += 2 + end
		} else {
			j := i + 1
			for j < len(tmpl) && (isWordByte(tmpl[j])) {
				j++
			}
			if j == i+1 {
				b.WriteByte(c)
				continue
			}
			name = tmpl[i+1 : j]
			i = j - 1
		}
		b.WriteString(groupValue(m, name))
	}
	return b.String()
}

func isWordByte(c byte) bool {
	return c == '_' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func groupValue(m *expect.Match, name string) string {
	if n, err := strconv.Atoi(name); err == nil {
		if n >= 0 && n < len(m.Groups) {
			return m.Groups[n]
		}
		return ""
	}
	for i, gn := range m.Names {
		if gn == name && i < len(m.Groups) {
			return m.Groups[i]
		}
	}
	return ""
}

func (r globalsBinding) reSplit(L *lua.LState) int {
	p := r.checkRegex(L, 1, "split")
	s := r.checkString(L, 2, "split")
	n := -1
	if v, ok := r.optNumber(L, 3, "split"); ok {
		n = int(v)
	}
	t := L.NewTable()
	if n == 0 {
		L.Push(t)
		return 1
	}
	limit := -1
	if n > 0 {
		limit = n - 1
	}
	last := 0
	for _, m := range r.allMatches(L, "split", p, s, limit) {
		if m.End == 0 && m.Start == 0 {
			continue // an empty match at the start splits nothing off
		}
		t.Append(lua.LString(s[last:m.Start]))
		last = m.End
	}
	t.Append(lua.LString(s[last:]))
	L.Push(t)
	return 1
}

// quoteMeta is regexp.QuoteMeta (kept here so the module has no second
// regexp dialect to confuse).
func quoteMeta(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(`\.+*?()|[]{}^$`, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
