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
