package lua

import (
	"fmt"
	"testing"
)

// mailexpect patch (table.go, Version): every way to write a table's
// entries moves its version, from Go and from Lua, in each of the shapes
// a table's string keys can be kept in; reading does not. mailexpect's
// bulk runs (luabind/bulkstate.go) skip comparing a table whose version
// did not move, so a write that missed it would carry one row's data to
// the next.

// versionShapes build a table: array "3" "1" "2", string keys a b c, a
// number key 1.5 and a boolean key, and for the larger shapes more string
// keys (a Go map), traversed or not (next()'s index), with a key deleted
// before (delStr).
var versionShapes = []struct {
	name  string
	setup string
}{
	{"small", ``},
	{"map", `for i = 1, 12 do t["k" .. i] = i end`},
	{"map traversed", `for i = 1, 12 do t["k" .. i] = i end; next(t, "k3")`},
	{"map with a deleted key", `for i = 1, 12 do t["k" .. i] = i end; t.k5 = nil`},
	{"small with a deleted key", `t.c = nil`},
}

const versionBase = `t = {"3", "1", "2", a = "A", b = "B", c = "C", [1.5] = "x", [true] = "y"}
`

func versionTable(t *testing.T, L *LState, setup string) *LTable {
	t.Helper()
	if err := L.DoString(versionBase + setup); err != nil {
		t.Fatal(err)
	}
	return L.GetGlobal("t").(*LTable)
}

func TestTableVersionLua(t *testing.T) {
	writes := []string{
		`t.a = "new"`,
		`t.a = t.a`,
		`t.a = nil`,
		`t.z = 1`,
		`t.z = nil`, // absent: a write all the same
		`t.a = nil; t.a = "A"`,
		`local k = "b"; t[k] = 1`,
		`local k = "k" .. 1; t[k] = nil; t[k] = 2`,
		`t[1] = "9"`,
		`t[#t + 1] = "4"`,
		`t[10] = "sparse"`,
		`t[1] = nil`,
		`t[1.5] = "z"`,
		`t[1.5] = nil`,
		`t[true] = nil`,
		`t[t] = 1`,
		`t[-1] = 1`,
		`rawset(t, "a", 1)`,
		`rawset(t, 2, "1")`,
		`rawset(t, false, 1)`,
		`table.insert(t, "z")`,
		`table.insert(t, 1, "z")`,
		`table.insert(t, 10, "z")`,
		`table.remove(t)`,
		`table.remove(t, 1)`,
		`table.sort(t)`,
		`table.sort(t, function(a, b) return a > b end)`,
		`local n = 0; pcall(table.sort, t, function(a, b) n = n + 1; if n > 2 then error("half way") end; return a < b end)`,
		`for k in pairs(t) do t[k] = nil end`,
		`local k = next(t); t[k] = nil`,
		`t.a, t.b = t.b, t.a`,
		`setmetatable({}, {__newindex = t}).q = 1`,
		`setmetatable({}, {__newindex = t})[1.5] = 1`,
		`local function f(...) t[select("#", ...)] = 1 end; f(1, 2)`,
	}
	reads := []string{
		`local x, y, z, w, v = t.a, t[1], t[1.5], t[true], t.missing`,
		`local k = "k" .. 1; local x = t[k]`,
		`local x = rawget(t, "a"), rawget(t, 1), #t`,
		`local k, v = next(t); k, v = next(t, "a")`,
		`for k, v in pairs(t) do end`,
		`for i, v in ipairs(t) do end`,
		`local s = table.concat(t, ",")`,
		`local n = table.getn(t) + table.maxn(t)`,
		`local a, b, c = unpack(t)`,
		`table.sort({3, 1, 2})`,
		`local m = getmetatable(t); local s = tostring(t)`,
		`setmetatable(t, {}); setmetatable(t, nil)`,
		`local u = {unpack(t)}; u[1] = 0`,
	}
	for _, shape := range versionShapes {
		for _, src := range append(writes, reads...) {
			t.Run(shape.name+"/"+src, func(t *testing.T) {
				L := NewState()
				defer L.Close()
				tb := versionTable(t, L, shape.setup)
				before := tb.Version()
				if err := L.DoString(src); err != nil {
					t.Fatal(err)
				}
				moved := tb.Version() != before
				if want := !isRead(src, reads); moved != want {
					t.Errorf("the version moved %v, want %v", moved, want)
				}
			})
		}
	}
}

func isRead(src string, reads []string) bool {
	for _, r := range reads {
		if r == src {
			return true
		}
	}
	return false
}

// A table made by a constructor has a version (SETLIST, named fields),
// so that no write can take it back to a version it had before.
func TestTableVersionConstructors(t *testing.T) {
	L := NewState()
	defer L.Close()
	for _, src := range []string{`u = {1, 2, 3}`, `u = {x = 1}`, `u = {f()}`, `u = {[2] = 1}`} {
		if err := L.DoString(`function f() return 1, 2 end ` + src); err != nil {
			t.Fatal(err)
		}
		if v := L.GetGlobal("u").(*LTable).Version(); v == 0 {
			t.Errorf("%s: version 0", src)
		}
	}
}

func TestTableVersionGo(t *testing.T) {
	writes := map[string]func(L *LState, tb *LTable){
		"RawSet array":        func(_ *LState, tb *LTable) { tb.RawSet(LNumber(2), LString("x")) },
		"RawSet append":       func(_ *LState, tb *LTable) { tb.RawSet(LNumber(4), LString("x")) },
		"RawSet string":       func(_ *LState, tb *LTable) { tb.RawSet(LString("a"), LString("x")) },
		"RawSet delete":       func(_ *LState, tb *LTable) { tb.RawSet(LString("a"), LNil) },
		"RawSet number":       func(_ *LState, tb *LTable) { tb.RawSet(LNumber(1.5), LNil) },
		"RawSet bool":         func(_ *LState, tb *LTable) { tb.RawSet(LTrue, LString("x")) },
		"RawSetInt":           func(_ *LState, tb *LTable) { tb.RawSetInt(1, LString("x")) },
		"RawSetInt sparse":    func(_ *LState, tb *LTable) { tb.RawSetInt(100, LString("x")) },
		"RawSetInt negative":  func(_ *LState, tb *LTable) { tb.RawSetInt(-3, LString("x")) },
		"RawSetString":        func(_ *LState, tb *LTable) { tb.RawSetString("b", LString("x")) },
		"RawSetString new":    func(_ *LState, tb *LTable) { tb.RawSetString("new", LString("x")) },
		"RawSetString delete": func(_ *LState, tb *LTable) { tb.RawSetString("b", LNil) },
		"RawSetString same":   func(_ *LState, tb *LTable) { tb.RawSetString("b", tb.RawGetString("b")) },
		"RawSetString re-add": func(_ *LState, tb *LTable) { tb.RawSetString("b", LNil); tb.RawSetString("b", LString("x")) },
		"RawSetH string":      func(_ *LState, tb *LTable) { tb.RawSetH(LString("c"), LString("x")) },
		"RawSetH other":       func(_ *LState, tb *LTable) { tb.RawSetH(LFalse, LString("x")) },
		"Append":              func(_ *LState, tb *LTable) { tb.Append(LString("x")) },
		"Insert":              func(_ *LState, tb *LTable) { tb.Insert(1, LString("x")) },
		"Insert beyond":       func(_ *LState, tb *LTable) { tb.Insert(9, LString("x")) },
		"Insert zero":         func(_ *LState, tb *LTable) { tb.Insert(0, LString("x")) },
		"Remove":              func(_ *LState, tb *LTable) { tb.Remove(1) },
		"Remove last":         func(_ *LState, tb *LTable) { tb.Remove(-1) },
		"LState.SetField":     func(L *LState, tb *LTable) { L.SetField(tb, "a", LString("x")) },
		"LState.SetTable":     func(L *LState, tb *LTable) { L.SetTable(tb, LNumber(1), LString("x")) },
		"LState.RawSet":       func(L *LState, tb *LTable) { L.RawSet(tb, LString("a"), LString("x")) },
		"LState.RawSetInt":    func(L *LState, tb *LTable) { L.RawSetInt(tb, 1, LString("x")) },
		"SetFuncs":            func(L *LState, tb *LTable) { L.SetFuncs(tb, map[string]LGFunction{"f": nil}) },
	}
	reads := map[string]func(L *LState, tb *LTable){
		"RawGet":       func(_ *LState, tb *LTable) { tb.RawGet(LString("a")); tb.RawGet(LNumber(1)); tb.RawGet(LTrue) },
		"RawGetInt":    func(_ *LState, tb *LTable) { tb.RawGetInt(1) },
		"RawGetH":      func(_ *LState, tb *LTable) { tb.RawGetH(LNumber(1.5)) },
		"RawGetString": func(_ *LState, tb *LTable) { tb.RawGetString("a") },
		"Len MaxN":     func(_ *LState, tb *LTable) { tb.Len(); tb.MaxN() },
		"ForEach":      func(_ *LState, tb *LTable) { tb.ForEach(func(LValue, LValue) {}) },
		"Next": func(_ *LState, tb *LTable) {
			for k, _ := tb.Next(LNil); k != LNil; k, _ = tb.Next(k) {
			}
		},
		"LState.GetField": func(L *LState, tb *LTable) { L.GetField(tb, "a"); L.GetTable(tb, LNumber(1)) },
	}
	for _, shape := range versionShapes {
		for name, f := range writes {
			versionCase(t, shape.name, shape.setup, name, f, true)
		}
		for name, f := range reads {
			versionCase(t, shape.name, shape.setup, name, f, false)
		}
	}
}

func versionCase(t *testing.T, shape, setup, name string, f func(*LState, *LTable), write bool) {
	t.Run(fmt.Sprintf("%s/%s", shape, name), func(t *testing.T) {
		L := NewState()
		defer L.Close()
		tb := versionTable(t, L, setup)
		before := tb.Version()
		f(L, tb)
		if moved := tb.Version() != before; moved != write {
			t.Errorf("the version moved %v, want %v", moved, write)
		}
	})
}

// table.sort moves the version at every swap, not once: a comparator (or
// a mailexpect record taken while the sort runs) sees each swap.
func TestTableVersionSortSwaps(t *testing.T) {
	L := NewState()
	defer L.Close()
	tb := versionTable(t, L, "")
	var seen []uint64
	L.SetGlobal("less", L.NewFunction(func(L *LState) int {
		seen = append(seen, tb.Version())
		L.Push(LBool(L.CheckString(1) < L.CheckString(2)))
		return 1
	}))
	if err := L.DoString(`table.sort(t, less)`); err != nil {
		t.Fatal(err)
	}
	// "3" "1" "2": a swap after the first and the second comparison
	if len(seen) < 3 || !(seen[0] < seen[1] && seen[1] < seen[2]) {
		t.Errorf("versions seen by the comparator: %v, want one more after each swap", seen)
	}
}
