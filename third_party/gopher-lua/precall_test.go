package lua

import (
	"fmt"
	"strings"
	"testing"
)

// newPreCallState returns a state whose global f is a Lua function with a
// PreCall that records, per call, its arguments and the line its caller
// is at (GetStack(1)), and raises when the first argument is "bad".
func newPreCallState(t *testing.T) (*LState, *[]string) {
	t.Helper()
	L := NewState()
	t.Cleanup(L.Close)
	var calls []string
	pre := L.NewFunction(func(L *LState) int {
		args := make([]string, 0, L.GetTop())
		for i := 1; i <= L.GetTop(); i++ {
			args = append(args, L.Get(i).String())
		}
		line := -1
		if dbg, ok := L.GetStack(1); ok {
			if _, err := L.GetInfo("l", dbg, LNil); err == nil {
				line = dbg.CurrentLine
			}
		}
		calls = append(calls, fmt.Sprintf("%s@%d", strings.Join(args, ","), line))
		if L.Get(1) == LString("bad") {
			L.RaiseError("bad argument")
		}
		L.Push(LString("dropped")) // results are dropped
		return 1
	})
	if err := L.DoString(`function f(a, b, ...) return a, b, select("#", ...) end`); err != nil {
		t.Fatal(err)
	}
	f := L.GetGlobal("f").(*LFunction)
	f.PreCall = pre
	return L, &calls
}

func TestPreCall(t *testing.T) {
	for _, tc := range []struct {
		name, src string
		want      []string // the PreCall's calls: arguments @ the caller's line
		result    string   // the chunk's result
	}{
		{"call", `
return table.concat({f(1, 2)}, " ")`, []string{"1,2@2"}, "1 2 0"},
		{"varargs and missing arguments", `
local x = table.concat({f(1, 2, 3, 4)}, " ")
return x .. "/" .. tostring(f())`, []string{"1,2,3,4@2", "@3"}, "1 2 2/nil"},
		{"open call", `
local function three() return 7, 8, 9 end
return table.concat({f(three())}, " ")`, []string{"7,8,9@3"}, "7 8 1"},
		{"tail call", `
local function g(x)
  return f(x, "t")
end
return table.concat({g(5)}, " ")`, []string{"5,t@3"}, "5 t 0"},
		{"method", `
local o = {m = f}
return table.concat({o:m(1)}, " ", 2)`, []string{"table: ADDR,1@3"}, "1 0"},
		{"__call", `
local c = setmetatable({}, {__call = f})
local a, b = c(1)
return b`, []string{"table: ADDR,1@3"}, "1"},
		{"__call in a tail call", `
local c = setmetatable({}, {__call = f})
local function g() return c(4) end
local _, b = g()
return b`, []string{"table: ADDR,4@3"}, "4"},
		{"from Go (pcall)", `
local ok, a, b = pcall(f, 1, 2)
return tostring(ok) .. a .. b`, []string{"1,2@-1"}, "true12"},
		{"coroutine.wrap", `
local co = coroutine.wrap(f)
return table.concat({co(1, 2)}, " ")`, []string{"1,2@-1"}, "1 2 0"},
		{"coroutine.resume", `
local ok, a, b = coroutine.resume(coroutine.create(f), 3)
return tostring(ok) .. " " .. a .. " " .. tostring(b)`, []string{"3@-1"}, "true 3 nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			L, calls := newPreCallState(t)
			if err := L.DoString(tc.src); err != nil {
				t.Fatal(err)
			}
			if got := L.Get(-1).String(); got != tc.result {
				t.Errorf("result %q, want %q", got, tc.result)
			}
			got := make([]string, len(*calls))
			for i, c := range *calls {
				got[i] = addrs(c)
			}
			if fmt.Sprint(got) != fmt.Sprint(tc.want) {
				t.Errorf("PreCall calls %q, want %q", got, tc.want)
			}
		})
	}
}

// addrs replaces a table's address in s with ADDR.
func addrs(s string) string {
	if i := strings.Index(s, "table: 0x"); i >= 0 {
		j := i + len("table: 0x")
		for j < len(s) && strings.ContainsRune("0123456789abcdef", rune(s[j])) {
			j++
		}
		s = s[:i] + "table: ADDR" + s[j:]
	}
	return s
}

// TestPreCallError: an error the PreCall raises is the call's: its
// position is the caller's line, pcall catches it, the function does not
// run, and a coroutine whose body's check fails is dead with the error.
func TestPreCallError(t *testing.T) {
	L, calls := newPreCallState(t)
	err := L.DoString(`
ran = false
local g = f
f = nil
local ok, e = pcall(function()
  g("bad")
end)
assert(not ok and e:find(":6: bad argument", 1, true), e)
local function t() return g("bad") end
ok, e = pcall(t)
assert(not ok and e:find(":9: bad argument", 1, true), e)
local co = coroutine.create(g)
ok, e = coroutine.resume(co, "bad")
assert(not ok and e:find("bad argument", 1, true), e)
assert(coroutine.status(co) == "dead", coroutine.status(co))
ok, e = pcall(coroutine.wrap(g), "bad")
assert(not ok and e:find("bad argument", 1, true), e)
-- the stack is as before the failed calls
return g(1, 2)`)
	if err != nil {
		t.Fatal(err)
	}
	if L.GetTop() != 3 || L.Get(1) != LNumber(1) || L.Get(2) != LNumber(2) {
		t.Errorf("after the errors, g(1, 2) returned %v %v (top %d)", L.Get(1), L.Get(2), L.GetTop())
	}
	if len(*calls) != 5 {
		t.Errorf("PreCall calls %q, want 5", *calls)
	}
}

// TestPreCallFromGo: L.Call and L.PCall run the PreCall too.
func TestPreCallFromGo(t *testing.T) {
	L, calls := newPreCallState(t)
	f := L.GetGlobal("f")
	if err := L.CallByParam(P{Fn: f, NRet: 2, Protect: true}, LString("bad")); err == nil || !strings.Contains(err.Error(), "bad argument") {
		t.Errorf("PCall with a bad argument: %v", err)
	}
	L.SetTop(0)
	L.Push(f)
	L.Push(LNumber(1))
	L.Call(1, 2)
	if L.GetTop() != 2 || L.Get(1) != LNumber(1) || L.Get(2) != LNil {
		t.Errorf("Call: stack %v %v (top %d)", L.Get(1), L.Get(2), L.GetTop())
	}
	if fmt.Sprint(*calls) != "[bad@-1 1@-1]" {
		t.Errorf("PreCall calls %q", *calls)
	}
}

// BenchmarkPreCall prices a checked call: a Lua function with a Go check
// as its PreCall, against the Lua wrapper that calls the check and then
// tail-calls the function (what mailexpect's argument checks were).
func BenchmarkPreCall(b *testing.B) {
	for _, mode := range []string{"none", "precall", "wrapper"} {
		b.Run(mode, func(b *testing.B) {
			L := NewState()
			defer L.Close()
			check := L.NewFunction(func(L *LState) int { return 0 })
			if err := L.DoString(`function f(self, n) return n end`); err != nil {
				b.Fatal(err)
			}
			f := L.GetGlobal("f").(*LFunction)
			switch mode {
			case "precall":
				f.PreCall = check
			case "wrapper":
				L.SetGlobal("check", check)
				if err := L.DoString(`local g, check = f, check
f = function(...) check(...) return g(...) end`); err != nil {
					b.Fatal(err)
				}
			}
			if err := L.DoString(`local o = {m = f}
function run(n) for i = 1, n do o:m(i) end end`); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			if err := L.CallByParam(P{Fn: L.GetGlobal("run"), Protect: true}, LNumber(b.N)); err != nil {
				b.Fatal(err)
			}
		})
	}
}
