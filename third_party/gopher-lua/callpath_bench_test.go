package lua

import "testing"

// newBenchState is a state with the options mailexpect uses
// (luabind/state.go): a call stack that grows by segments, a value stack
// that grows on demand.
func newBenchState() *LState {
	return NewState(Options{CallStackSize: 200, MinimizeStackMemory: true, RegistrySize: 256, RegistryGrowStep: 1024, RegistryMaxSize: 1 << 20})
}

// BenchmarkCallPath prices what a protocol module does per command, one
// operation per loop iteration (the loop itself is "loop").
func BenchmarkCallPath(b *testing.B) {
	for _, bc := range []struct{ name, src string }{
		{"loop", `local x = 0; for i = 1, n do x = i end`},
		{"lua-call", `local function f() end; for i = 1, n do f() end`},
		{"go-call", `local f = gofn; for i = 1, n do f() end`},
		{"go-tailcall", `local g = gofn; local function f() return g() end; for i = 1, n do f() end`},
		{"method-call", `local C = {}; C.__index = C
for _, k in ipairs{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j", "k"} do C[k] = function() end end
function C:m(x) return x end
local o = setmetatable({}, C)
for i = 1, n do o:m(i) end`},
		{"deep-call", `local function d(k) if k > 0 then return d(k - 1) + 0 end return 0 end
for i = 1, n / 8 do d(8) end`},
		{"table-literal-4", `local x, y = "a", "b"; for i = 1, n do local t = {ok = true, status = "+OK", text = x, line = y} end`},
		{"table-literal-list", `for i = 1, n do local t = {1, 2, 3} end`},
	} {
		b.Run(bc.name, func(b *testing.B) {
			L := newBenchState()
			defer L.Close()
			L.SetGlobal("gofn", L.NewFunction(func(L *LState) int { return 0 }))
			fn, err := L.LoadString("local n = ...\n" + bc.src)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.ResetTimer()
			if err := L.CallByParam(P{Fn: fn, Protect: true}, LNumber(b.N)); err != nil {
				b.Fatal(err)
			}
		})
	}
}
