package luabind

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/luabind/apispec"
)

// The argument checks, table-driven over the whole spec: for every
// declared function, a call with an argument too many, each parameter
// given a value of the wrong type, each options parameter given an
// unknown key and each list-of-pairs option given a map, must raise a
// usage error naming the function, before the function runs.

// receivers are the variables the generated script binds to an instance
// of each object class.
var receivers = map[string]string{
	"session": "S", "regex": "RE", "smtp.Client": "C", "pop3.Client": "P", "imap.Client": "I", "check.Range": "R",
}

type argCase struct {
	label, want, call string
}

// validSrc is Lua source for a value t accepts.
func validSrc(spec *apispec.Spec, t *apispec.Type) string {
	switch t.Kind {
	case apispec.Nil:
		return "nil"
	case apispec.String:
		return `"x"`
	case apispec.Number, apispec.Integer, apispec.Any:
		return "1"
	case apispec.Boolean:
		return "true"
	case apispec.Function:
		return "function() end"
	case apispec.Literal:
		return t.Lit
	case apispec.Union:
		for _, e := range t.Elems {
			if e.Kind != apispec.Nil {
				return validSrc(spec, e)
			}
		}
	case apispec.Tuple:
		var parts []string
		for _, e := range t.Elems {
			parts = append(parts, validSrc(spec, e))
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case apispec.Named:
		c := spec.Classes[t.Name]
		if c.Kind == apispec.Object {
			return receivers[c.Name]
		}
		if c.Kind == apispec.Options {
			var parts []string
			for _, f := range c.ItemFields() {
				if !f.Optional {
					parts = append(parts, validSrc(spec, f.Type))
				}
			}
			for _, f := range c.OwnFields() {
				if !f.Optional {
					parts = append(parts, f.Name+" = "+validSrc(spec, f.Type))
				}
			}
			return "{" + strings.Join(parts, ", ") + "}"
		}
	}
	return "{}"
}

// wrongValues are candidates for a value of the wrong type, as Lua source
// and as the value the checker sees.
func wrongValues(L *lua.LState) []struct {
	src string
	v   lua.LValue
} {
	return []struct {
		src string
		v   lua.LValue
	}{
		{"true", lua.LTrue},
		{`"not-a-number"`, lua.LString("not-a-number")},
		{"1.5", lua.LNumber(1.5)},
		{"function() end", L.NewFunction(func(*lua.LState) int { return 0 })},
		{"{}", L.NewTable()},
	}
}

func optionsClass(spec *apispec.Spec, t *apispec.Type) *apispec.Class {
	var found *apispec.Class
	walkNamed(t, func(name string) {
		if c := spec.Classes[name]; c != nil && c.Kind == apispec.Options && found == nil {
			found = c
		}
	})
	return found
}

func argCases(t *testing.T, spec *apispec.Spec, r *run, L *lua.LState) []argCase {
	var names []string
	for n := range spec.Funcs {
		names = append(names, n)
	}
	sort.Strings(names)
	var cases []argCase
	for _, name := range names {
		f := spec.Funcs[name]
		callee := f.Name
		if f.Class != "" {
			recv, ok := receivers[f.Class]
			if !ok {
				t.Errorf("%s: no receiver for class %s in argcheck_test.go", name, f.Class)
				continue
			}
			callee = recv + ":" + f.Method
		}
		display := spec.Display(f)
		args := make([]string, len(f.Params))
		for i, p := range f.Params {
			args[i] = validSrc(spec, p.Type)
		}
		call := func(a []string) string { return callee + "(" + strings.Join(a, ", ") + ")" }
		if f.Variadic == nil {
			cases = append(cases, argCase{name + " extra argument", display + ": too many arguments", call(append(append([]string(nil), args...), `"EXTRA"`))})
		}
		for i, p := range f.Params {
			for _, w := range wrongValues(L) {
				if r.typeProblem(L, spec, p.Type, w.v, p.Name, 0) == "" {
					continue
				}
				a := append([]string(nil), args...)
				a[i] = w.src
				cases = append(cases, argCase{name + " " + p.Name + " = " + w.src, display + ": ", call(a)})
				break
			}
			if c := optionsClass(spec, p.Type); c != nil {
				a := append([]string(nil), args...)
				obj := validSrc(spec, &apispec.Type{Kind: apispec.Named, Name: c.Name})
				a[i] = strings.TrimSuffix(obj, "}")
				if a[i] != "{" {
					a[i] += ", "
				}
				a[i] += "bogus_key = 1}"
				cases = append(cases, argCase{name + " " + p.Name + " unknown key", display + ": unknown option 'bogus_key'", call(a)})
				for _, fn := range spec.FieldNames(c) {
					ft := c.Field(fn).Type
					if ft.Kind == apispec.List && ft.Elems[0].Kind == apispec.Tuple {
						a := append([]string(nil), args...)
						a[i] = strings.TrimSuffix(obj, "}")
						if a[i] != "{" {
							a[i] += ", "
						}
						a[i] += fn + ` = {["X-A"] = "1"}}`
						cases = append(cases, argCase{name + " " + fn + " as a map", "a map where a list is expected", call(a)})
					}
				}
			}
		}
	}
	return cases
}

// TestArgumentChecks runs the cases as the suite runs (results checked
// too: a constructor's results, and with them every checked Lua function,
// pass through a Lua wrapper) and as a user's run does (no wrapper: the
// check is the function's PreCall, gopher-lua patch 0030, and each case's
// "return m(...)" is a tail call into it).
func TestArgumentChecks(t *testing.T) {
	t.Run("suite", testArgumentChecks)
	t.Run("user-run", func(t *testing.T) {
		saved := returnCheck
		returnCheck = nil
		defer func() { returnCheck = saved }()
		testArgumentChecks(t)
	})
}

func testArgumentChecks(t *testing.T) {
	spec := apispec.Get()
	srv, err := sandbox.Start(sandbox.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	u := srv.Users()[0]

	scratch := newRun(Config{})
	L, err := scratch.newState()
	if err != nil {
		t.Fatal(err)
	}
	defer L.Close()
	cases := argCases(t, spec, scratch, L)
	// The calls the issue names, said exactly.
	cases = append(cases,
		argCase{"headers as a map", `c:send: headers: expected a list {string, string}[], got a table with key "X-Probe" (a map where a list is expected)`,
			`C:send{from = "a@x.test", to = "b@x.test", headers = {["X-Probe"] = "v"}}`},
		argCase{"smtp.message bogus", "smtp.message: unknown option 'bogus'", `smtp.message{bogus = 1}`},
		argCase{"uid_search extra keys", `i:uid_search: too many arguments: takes ([criteria [, opts]]), got 3 (argument #3 is string "x")`,
			`I:uid_search("UNSEEN", "FROM", "x")`},
		argCase{"uid_search string opts", `i:uid_search: opts: expected an options table (imap.TimeoutOptions), got string "FROM"`,
			`I:uid_search("UNSEEN", "FROM")`},
		argCase{"connect typo", "connect: unknown option 'insecur' (did you mean 'insecure'?)", `connect("127.0.0.1:1", {insecur = true})`},
		argCase{"insecure as a string", `connect: insecure: expected boolean, got string "yes"`, `connect("127.0.0.1:1", {insecure = "yes"})`},
		argCase{"method with a dot", "s:send: called with '.' instead of ':'", `S.send("x")`},
		argCase{"through check.step", "smtp.open: unknown option 'bogus'", `check.step("open", smtp.open, {bogus = 1})`},
		argCase{"client method typo", "c has no method 'sned' (did you mean 'send'?)", `C:sned{}`},
		argCase{"pop3 method typo", "p has no method 'uidll' (did you mean 'uidl'?)", `P:uidll()`},
	)

	var src strings.Builder
	fmt.Fprintf(&src, `
local smtp, pop3, imap, check, credentials, mime = require "smtp", require "pop3", require "imap", require "check", require "credentials", require "mime"
S = connect(%q)
C = smtp.open{url = "smtp://" .. %q, tls = "starttls", user = %q, pass = %q}
P = pop3.open{url = "pop3://" .. %q, user = %q, pass = %q}
I = imap.open{url = "imap://" .. %q, user = %q, pass = %q}
I:select("INBOX")
RE = regex.compile("x")
R = check.range("10")
local function case(label, want, fn)
  local ok, e = pcall(fn)
  if ok then print("FAIL " .. label .. ": no error") return end
  if type(e) ~= "table" or e.kind ~= "usage" then print("FAIL " .. label .. ": not a usage error: " .. tostring(e)) return end
  if not e.message:find(want, 1, true) then print("FAIL " .. label .. ": " .. e.message .. "\n    lacks: " .. want) return end
  print("ARGCHECK-OK")
end
`, srv.SMTPAddr(), srv.SMTPAddr(), u.Name, u.Pass, srv.POP3Addr(), u.Name, u.Pass, srv.IMAPAddr(), u.Name, u.Pass)
	for _, c := range cases {
		fmt.Fprintf(&src, "case(%s, %s, function() return %s end)\n", strconv.Quote(c.label), strconv.Quote(c.want), c.call)
	}
	src.WriteString("C:quit() P:quit() I:logout() S:close()\n")
	var out strings.Builder
	rn := NewRunner(Config{Stdout: &out, Stderr: &out, Timeout: 10 * time.Second, RootCAs: srv.CAPool()})
	code, err := rn.RunSource(context.Background(), "argcheck.lua", []byte(src.String()))
	if err != nil {
		t.Fatalf("exit %d: %v\n%s", code, err, out.String())
	}
	oks := 0
	for _, line := range strings.Split(out.String(), "\n") {
		switch {
		case line == "ARGCHECK-OK":
			oks++
		case strings.HasPrefix(line, "FAIL "):
			t.Error(line)
		}
	}
	if t.Failed() {
		t.Logf("%d of %d cases passed", oks, len(cases))
	}
	if !t.Failed() && oks != len(cases) {
		t.Errorf("%d of %d cases reported; output:\n%s", oks, len(cases), out.String())
	}
	t.Logf("%d argument-check cases", len(cases))
}

// TestNearestCacheBounded: a reused bulk state keeps its did-you-mean
// cache across rows, so distinct missed keys past maxNearest are answered
// without being remembered.
func TestNearestCacheBounded(t *testing.T) {
	c := nearestCache{}
	computed := 0
	for i := range maxNearest + 100 {
		key := lua.LString(fmt.Sprintf("sendd%d", i))
		if got := c.lookup(key, func() string { computed++; return "send" }); got != "send" {
			t.Fatalf("lookup(%s) = %q, want send", key, got)
		}
	}
	if len(c) != maxNearest {
		t.Errorf("cache holds %d keys after %d misses, want at most %d", len(c), maxNearest+100, maxNearest)
	}
	c.lookup("sendd0", func() string { computed++; return "x" })
	if computed != maxNearest+100 {
		t.Errorf("a cached key was computed again (%d computations)", computed)
	}
}

// TestArgsFitAgreesWithArgProblem: the fast path (argsFit) accepts a call
// only when the full check (argProblem) finds nothing, for every declared
// function and every parameter given each of a set of values, alone or
// after valid ones; and it does accept the plain calls it is there for.
func TestArgsFitAgreesWithArgProblem(t *testing.T) {
	spec := apispec.Get()
	r := newRun(Config{})
	L, err := r.newState()
	if err != nil {
		t.Fatal(err)
	}
	defer L.Close()
	values := []lua.LValue{lua.LNil, lua.LTrue, lua.LFalse, lua.LString("x"), lua.LString("12"), lua.LString("implicit"),
		lua.LNumber(3), lua.LNumber(1.5), L.NewFunction(func(*lua.LState) int { return 0 }), L.NewTable(),
		&lua.LUserData{Value: &luaSession{}}, L.NewUserData()}
	keyed := L.NewTable()
	keyed.RawSetString("bogus", lua.LNumber(1))
	list := L.NewTable()
	list.Append(lua.LString("a"))
	values = append(values, keyed, list)
	fitted := 0
	for name, fn := range spec.Funcs {
		c := *newArgChecker(spec, fn)
		c.self = nil // the receiver is not what is tested here
		for i := range fn.Params {
			for _, v := range values {
				for _, extra := range []bool{false, true} {
					L.SetTop(0)
					if c.offset == 1 {
						L.Push(lua.LNil)
					}
					for j := 0; j < i; j++ {
						L.Push(lua.LNumber(1))
					}
					L.Push(v)
					if extra {
						L.Push(lua.LString("EXTRA"))
					}
					if r.argsFit(L, &c, 1) {
						fitted++
						if msg := r.argProblem(L, &c, 1); msg != "" {
							t.Errorf("%s: argsFit accepts argument #%d = %s, argProblem says %s", name, i+1, v.Type(), msg)
						}
					}
				}
			}
		}
	}
	L.SetTop(0)
	sendline := newArgChecker(spec, spec.Funcs["session:sendline"])
	L.Push(&lua.LUserData{Value: &luaSession{}})
	L.Push(lua.LString("NOOP"))
	if !r.argsFit(L, sendline, 1) {
		t.Error(`argsFit refuses s:sendline("NOOP")`)
	}
	if fitted == 0 {
		t.Error("argsFit accepted nothing")
	}
}
