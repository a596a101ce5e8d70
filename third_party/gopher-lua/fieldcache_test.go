package lua

import (
	"fmt"
	"strings"
	"testing"
)

// mailexpect patch (fieldcache.go): a read of a constant field remembers
// where it found its value; every change that can give the same read
// another value must be seen at the next read through the same
// instruction. Each script reads through one instruction (get, meth,
// glob) before and after the change, and in each of the table shapes the
// entries can be kept in.

const fieldCachePrelude = `
local function get(o) return o.m end
local function meth(o) return o:m() end
local function glob() return gv end
local function rep(f, ...) for _ = 1, 3 do f(...) end return f(...) end
`

var fieldCacheCases = []struct{ name, src string }{
	{"own field written", `
local t = {m = 1}
assert(rep(get, t) == 1)
t.m = 2; assert(get(t) == 2)
rawset(t, "m", 3); assert(get(t) == 3)
t.m = nil; assert(get(t) == nil)
t.m = 4; assert(get(t) == 4)`},
	{"absent field set", `
local t = {}
assert(rep(get, t) == nil)
t.m = 1; assert(get(t) == 1)`},
	{"absent field, then a metatable", `
local t = {}
assert(rep(get, t) == nil)
setmetatable(t, {__index = {m = 5}}); assert(get(t) == 5)
setmetatable(t, {__index = function(_, k) return k .. "!" end}); assert(get(t) == "m!")
setmetatable(t, nil); assert(get(t) == nil)`},
	{"absent field of a big table, then a metatable", `
local t = {}
for i = 1, 12 do t["k" .. i] = i end
assert(rep(get, t) == nil)
debug.setmetatable(t, {__index = {m = 5}}); assert(get(t) == 5)
debug.setmetatable(t, nil); assert(get(t) == nil)`},
	{"own field shadows the class", `
local C = {m = function() return "class" end}
local o = setmetatable({}, {__index = C})
assert(rep(meth, o) == "class")
o.m = function() return "own" end; assert(meth(o) == "own")
o.m = nil; assert(meth(o) == "class")`},
	{"metatable replaced", `
local C1 = {m = function() return 1 end}
local C2 = {m = function() return 2 end}
local o = setmetatable({}, {__index = C1})
assert(rep(meth, o) == 1)
setmetatable(o, {__index = C2}); assert(meth(o) == 2)
setmetatable(o, nil); assert(get(o) == nil)
assert(not pcall(meth, o))`},
	{"metatable's __index replaced", `
local C1 = {m = function() return 1 end}
local mt = {__index = C1}
local o = setmetatable({}, mt)
assert(rep(meth, o) == 1)
mt.__index = {m = function() return 2 end}; assert(meth(o) == 2)
mt.__index = function(_, k) return function() return k end end; assert(meth(o) == "m")
rawset(mt, "__index", C1); assert(meth(o) == 1)
mt.__index = nil; assert(get(o) == nil)`},
	{"__index table written", `
local C = {m = function() return 1 end}
local o = setmetatable({}, {__index = C})
assert(rep(meth, o) == 1)
C.m = function() return 2 end; assert(meth(o) == 2)
rawset(C, "m", function() return 3 end); assert(meth(o) == 3)
C.m = nil; assert(get(o) == nil)
setmetatable(C, {__index = {m = "deep"}}); assert(get(o) == "deep")`},
	{"__index table's own __index", `
local Base = {m = "base"}
local C = setmetatable({}, {__index = Base})
local o = setmetatable({}, {__index = C})
assert(rep(get, o) == "base")
Base.m = "base2"; assert(get(o) == "base2")
C.m = "c"; assert(get(o) == "c")`},
	{"different tables at the same instruction", `
local C = {m = "class"}
local mt = {__index = C}
local a, b = setmetatable({}, mt), setmetatable({m = "own"}, mt)
local c = setmetatable({}, {__index = {m = "other class"}})
local d = {m = "plain"}
for _ = 1, 3 do
  assert(get(a) == "class"); assert(get(b) == "own"); assert(get(c) == "other class")
  assert(get(d) == "plain"); assert(get(a) == "class"); assert(get({}) == nil)
end`},
	{"an object of the class gains the field", `
local C = {m = "class"}
local mt = {__index = C}
local a, b = setmetatable({}, mt), setmetatable({}, mt)
assert(rep(get, a) == "class"); assert(get(b) == "class")
b.m = "own"; assert(get(a) == "class"); assert(get(b) == "own")`},
	{"__index function called every time", `
local n = 0
local o = setmetatable({}, {__index = function(t, k) n = n + 1; return n end})
assert(rep(get, o) == 4); assert(get(o) == 5)`},
	{"__newindex does not hide a read", `
local store = {}
local o = setmetatable({}, {__index = store, __newindex = store})
assert(rep(get, o) == nil)
o.m = 1; assert(rawget(o, "m") == nil); assert(get(o) == 1)`},
	{"string methods", `
local function up(s) return s:upper() end
assert(rep(up, "a") == "A")
local old = string.upper
string.upper = function() return "replaced" end; assert(up("a") == "replaced")
string.upper = old; assert(up("a") == "A")`},
	{"globals", `
gv = 1
assert(rep(glob) == 1)
gv = 2; assert(glob() == 2)
rawset(_G, "gv", 3); assert(glob() == 3)
_G.gv = nil; assert(glob() == nil)
setfenv(glob, {gv = "env"}); assert(glob() == "env")
setfenv(glob, setmetatable({}, {__index = _G})); gv = 4; assert(glob() == 4)`},
	{"a table as its own metatable", `
local C = {}
C.__index = C
C.m = "c"
local o = setmetatable({}, C)
assert(rep(get, o) == "c"); assert(rep(get, C) == "c")
setmetatable(C, C); assert(get(C) == "c")
C.m = "c2"; assert(get(o) == "c2"); assert(get(C) == "c2")
C.m = nil; assert(not pcall(get, o)) -- a loop of __index tables`},
}

// fieldCacheShapes grow the tables of a case past the small-table keys
// (a Go map) before it runs.
var fieldCacheShapes = []struct{ name, grow string }{
	{"small", ``},
	{"map", `local function grow(t) for i = 1, 12 do rawset(t, "pad" .. i, i) end return t end
local rawsetmetatable = setmetatable
setmetatable = function(t, mt) if mt then grow(mt) if type(mt.__index) == "table" then grow(mt.__index) end end return rawsetmetatable(grow(t), mt) end
`},
}

func TestFieldCache(t *testing.T) {
	for _, shape := range fieldCacheShapes {
		for _, c := range fieldCacheCases {
			t.Run(shape.name+"/"+c.name, func(t *testing.T) {
				L := NewState()
				defer L.Close()
				if err := L.DoString(shape.grow + fieldCachePrelude + c.src); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// A Go function changes what the VM reads: entries written through the
// Go API, a metatable set as a field or through SetMetatable.
func TestFieldCacheGoWrites(t *testing.T) {
	L := NewState()
	defer L.Close()
	obj, class, other := L.NewTable(), L.NewTable(), L.NewTable()
	mt := L.NewTable()
	class.RawSetString("m", LString("class"))
	other.RawSetString("m", LString("other"))
	mt.RawSetString("__index", class)
	L.SetMetatable(obj, mt)
	L.SetGlobal("obj", obj)
	steps := []func(){
		func() { class.RawSetString("m", LString("class2")) },
		func() { obj.RawSetString("m", LString("own")) },
		func() { obj.RawSetString("m", LNil) },
		func() { obj.Metatable = L.NewTable(); obj.Metatable.(*LTable).RawSetString("__index", other) },
		func() { obj.Metatable = LNil },
		func() { obj.RawSet(LString("m"), LString("rawset")) },
	}
	want := []string{"class", "class2", "own", "class2", "other", "nil", "rawset"}
	i := 0
	L.SetGlobal("step", L.NewFunction(func(L *LState) int {
		steps[i]()
		i++
		return 0
	}))
	var got []string
	L.SetGlobal("see", L.NewFunction(func(L *LState) int {
		got = append(got, L.Get(1).String())
		return 0
	}))
	if err := L.DoString(`for i = 1, 7 do see(obj.m); see(obj.m); if i < 7 then step() end end`); err != nil {
		t.Fatal(err)
	}
	for i, w := range want {
		if got[2*i] != w || got[2*i+1] != w {
			t.Errorf("read %d: %q %q, want %q", i, got[2*i], got[2*i+1], w)
		}
	}
}

// A userdata's methods (0025's __methods, or an __index table) and its
// metatable replaced.
func TestFieldCacheUserData(t *testing.T) {
	L := NewState()
	defer L.Close()
	methods := L.NewTable()
	methods.RawSetString("m", LString("method"))
	mt := L.NewTable()
	mt.RawSetString("__methods", methods)
	mt.RawSetString("__index", L.NewFunction(func(L *LState) int {
		L.Push(LString("computed " + L.CheckString(2)))
		return 1
	}))
	ud := L.NewUserData()
	ud.Metatable = mt
	ud2 := L.NewUserData()
	mt2 := L.NewTable()
	mt2.RawSetString("__index", L.NewTable())
	mt2.RawGetString("__index").(*LTable).RawSetString("m", LString("index table"))
	ud2.Metatable = mt2
	L.SetGlobal("ud", ud)
	L.SetGlobal("ud2", ud2)
	L.SetGlobal("methods", methods)
	L.SetGlobal("mt", mt)
	L.SetGlobal("mt2", mt2)
	if err := L.DoString(fieldCachePrelude + `
assert(rep(get, ud) == "method")
methods.m = "method2"; assert(get(ud) == "method2")
methods.m = nil; assert(get(ud) == "computed m")
methods.m = "method3"; assert(get(ud) == "method3")
mt.__methods = {m = "new methods"}; assert(get(ud) == "new methods")
mt.__methods = nil; assert(get(ud) == "computed m")
for _ = 1, 3 do assert(get(ud2) == "index table"); assert(get(ud) == "computed m") end
mt2.__index.m = "index table 2"; assert(get(ud2) == "index table 2")
mt2.__methods = {m = "methods first"}; assert(get(ud2) == "methods first")
`); err != nil {
		t.Fatal(err)
	}
	ud.Metatable = mt2
	if err := L.DoString(fieldCachePrelude + `assert(rep(get, ud) == "methods first")`); err != nil {
		t.Fatal(err)
	}
}

// The string metatable replaced from Go.
func TestFieldCacheStringMetatable(t *testing.T) {
	L := NewState()
	defer L.Close()
	if err := L.DoString(`function up(s) return s:upper() end; for _ = 1, 3 do assert(up("a") == "A") end`); err != nil {
		t.Fatal(err)
	}
	mt := L.NewTable()
	index := L.NewTable()
	index.RawSetString("upper", L.NewFunction(func(L *LState) int { L.Push(LString("mine")); return 1 }))
	mt.RawSetString("__index", index)
	L.SetMetatable(LString(""), mt)
	if err := L.DoString(`assert(up("a") == "mine")`); err != nil {
		t.Fatal(err)
	}
}

// A function with more than 256 constants reads a field whose name is in
// a register, not a constant (GETTABLEKS and SELF with a register C).
func TestFieldCacheManyConstants(t *testing.T) {
	var b strings.Builder
	b.WriteString("local t = {m = function() return 'm' end, f = 'f'}\nlocal x\n")
	for i := 0; i < 300; i++ {
		fmt.Fprintf(&b, "x = 'c%d'\n", i)
	}
	b.WriteString("for _ = 1, 3 do assert(t.f == 'f'); assert(t:m() == 'm') end\nt.f = 'g'; assert(t.f == 'g')\n")
	L := NewState()
	defer L.Close()
	if err := L.DoString(b.String()); err != nil {
		t.Fatal(err)
	}
}

// A read through an entry allocates nothing, and a function's entries are
// made once.
func TestFieldCacheAllocs(t *testing.T) {
	L := NewState()
	defer L.Close()
	if err := L.DoString(`
local C = {}; C.__index = C
function C:m() return self.x end
obj = setmetatable({x = 1}, C)
function run(n) local o = obj; for _ = 1, n do o:m() end end
run(1)`); err != nil {
		t.Fatal(err)
	}
	run := L.GetGlobal("run")
	allocs := testing.AllocsPerRun(10, func() {
		if err := L.CallByParam(P{Fn: run, Protect: true}, LNumber(1000)); err != nil {
			t.Fatal(err)
		}
	})
	if allocs > 100 { // the loop's numbers: ~50
		t.Errorf("%v allocations for 1000 method calls", allocs)
	}
}

// A userdata whose metatable is the string metatable, read through the
// instruction that read a string's method: a userdata looks in __methods
// first, a string does not.
func TestFieldCacheStringAndUserData(t *testing.T) {
	L := NewState()
	defer L.Close()
	strmt := L.G.builtinMts[int(LTString)].(*LTable)
	methods := L.NewTable()
	methods.RawSetString("upper", LString("from __methods"))
	strmt.RawSetString("__methods", methods)
	ud := L.NewUserData()
	ud.Metatable = strmt
	L.SetGlobal("ud", ud)
	if err := L.DoString(fieldCachePrelude + `
for _ = 1, 3 do
  assert(type(get("a")) == "nil") -- get reads o.m
end
local function up(o) return o.upper end
for _ = 1, 3 do
  assert(up("a") == string.upper); assert(up(ud) == "from __methods")
end
-- tables with that metatable: __index, never __methods
local small = setmetatable({}, getmetatable(""))
local big = {}
for i = 1, 12 do big["k" .. i] = i end
setmetatable(big, getmetatable(""))
for _ = 1, 3 do
  assert(up(ud) == "from __methods"); assert(up(small) == string.upper)
  assert(up(ud) == "from __methods"); assert(up(big) == string.upper)
end`); err != nil {
		t.Fatal(err)
	}
}
