package lua

import (
	"strings"
	"testing"
)

// mailexpect patch (_state.go, getFieldString/setFieldString): the VM
// hands an __index or __newindex function the constant key it holds, so
// reading or writing a field through a function (a method call on a
// userdata, s:send()) allocates nothing for the key.
func TestFieldKeyNotBoxedPerAccess(t *testing.T) {
	L := NewState()
	defer L.Close()
	ud := L.NewUserData()
	mt := L.NewTable()
	var seen []string
	mt.RawSetString("__index", L.NewFunction(func(L *LState) int {
		if len(seen) < 2 {
			seen = append(seen, L.CheckString(2))
		}
		L.Push(LNumber(1))
		return 1
	}))
	mt.RawSetString("__newindex", L.NewFunction(func(L *LState) int {
		if len(seen) < 2 {
			seen = append(seen, L.CheckString(2))
		}
		return 0
	}))
	L.SetMetatable(ud, mt)
	L.SetGlobal("u", ud)
	if err := L.DoString(`function loop(n) local s = 0 for i = 1, n do s = s + u.count; u.total = s end return s end`); err != nil {
		t.Fatal(err)
	}
	loop := L.GetGlobal("loop")
	call := func(n int) {
		L.Push(loop)
		L.Push(LNumber(n))
		L.Call(1, 1)
		L.Pop(1)
	}
	call(1)
	if strings.Join(seen, ",") != "count,total" {
		t.Fatalf("__index/__newindex saw keys %q, want count,total", seen)
	}
	if a := testing.AllocsPerRun(20, func() { call(1000) }); a > 200 { // the sums s box numbers; 2000 keys did
		t.Errorf("1000 reads and writes through __index/__newindex allocated %.0f times, want none per key", a)
	}
}

// mailexpect patch (table.go, RawSet/RawSetH; _state.go, setFieldString):
// a string key that arrives boxed (from the VM: t.x = v, {x = v}) is
// stored as it is, not boxed again.
func TestBoxedKeyStoredAsIs(t *testing.T) {
	key := LValue(LString("name"))
	fresh := func(set func(tb *LTable)) float64 {
		return testing.AllocsPerRun(100, func() { set(newLTable(0, 4)) })
	}
	boxed := fresh(func(tb *LTable) { tb.RawSet(key, LTrue) })
	viaH := fresh(func(tb *LTable) { tb.RawSetH(key, LTrue) })
	unboxed := fresh(func(tb *LTable) { tb.RawSetString("name", LTrue) })
	if boxed != unboxed-1 || viaH != unboxed-1 {
		t.Errorf("allocations: RawSet of a boxed key %v, RawSetH %v, RawSetString %v; want one fewer than RawSetString", boxed, viaH, unboxed)
	}
	L := NewState()
	defer L.Close()
	if err := L.DoString(`function fill() local t = {a = 1, b = true}; t.c = "x"; return t end`); err != nil {
		t.Fatal(err)
	}
	fill := L.GetGlobal("fill")
	call := func() {
		L.Push(fill)
		L.Call(0, 1)
		L.Pop(1)
	}
	call()
	L.Push(fill)
	L.Call(0, 1)
	tb := L.Get(-1).(*LTable)
	L.Pop(1)
	if len(tb.keys) != 3 || tb.RawGetString("c") != LString("x") {
		t.Fatalf("table %v", tb.keys)
	}
	if a := testing.AllocsPerRun(100, call); a > 5 {
		t.Errorf("a three-field table from Lua takes %v allocations; want 5 at most: the table, its map, its key list growing once; boxing the 3 keys again made 8", a)
	}
}
