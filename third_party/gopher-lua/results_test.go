package lua

import "testing"

func TestWantedResults(t *testing.T) {
	L := NewState()
	defer L.Close()
	var got []int
	L.SetGlobal("f", L.NewFunction(func(L *LState) int {
		got = append(got, L.WantedResults())
		L.Push(LNumber(1))
		L.Push(LNumber(2))
		return 2
	}))
	err := L.DoString(`
		f()                       -- 0
		local a = f()             -- 1
		local b, c = f()          -- 2
		local t = {f()}           -- MultRet
		local function g() return f() end
		g()                       -- a tail call: g's caller keeps none
		local x, y, z = (f())     -- 1: parentheses keep one
		pcall(f)                  -- MultRet: called from Go
	`)
	if err != nil {
		t.Fatal(err)
	}
	want := []int{0, 1, 2, MultRet, 0, 1, MultRet}
	if len(got) != len(want) {
		t.Fatalf("WantedResults per call = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("call %d: WantedResults = %d, want %d (all: %v)", i+1, got[i], want[i], got)
		}
	}
}
