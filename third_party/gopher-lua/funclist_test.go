package lua

import "testing"

// mailexpect patch (funclist.go): the libraries opened from prepared lists
// hold every function of their maps, sorted, as functions of their own
// state; changing one state's library does not reach another.
func TestLibrariesFromFuncLists(t *testing.T) {
	a, b := NewState(), NewState()
	defer a.Close()
	defer b.Close()
	for name, funcs := range map[string]map[string]LGFunction{
		StringLibName: strFuncs, TabLibName: tableFuncs, MathLibName: mathFuncs,
		OsLibName: osFuncs, CoroutineLibName: coFuncs, DebugLibName: debugFuncs, LoadLibName: loFuncs,
	} {
		ta, tb := a.GetGlobal(name).(*LTable), b.GetGlobal(name).(*LTable)
		for fname := range funcs {
			fa, ok := ta.RawGetString(fname).(*LFunction)
			if !ok || !fa.IsG || fa.Env != a.G.Global {
				t.Errorf("%s.%s in state a: %v", name, fname, ta.RawGetString(fname))
				continue
			}
			if fb := tb.RawGetString(fname); fb == LValue(fa) {
				t.Errorf("%s.%s is the same function object in two states", name, fname)
			}
		}
	}
	for fname := range baseFuncs {
		if _, ok := a.GetGlobal(fname).(*LFunction); !ok {
			t.Errorf("global %s: %v", fname, a.GetGlobal(fname))
		}
	}
	if err := a.DoString(`string.extra = 1; string.len = nil`); err != nil {
		t.Fatal(err)
	}
	if err := b.DoString(`assert(string.extra == nil and string.len("abc") == 3)`); err != nil {
		t.Errorf("a change to one state's string library reached another: %v", err)
	}
	var names []string
	a.GetGlobal(MathLibName).(*LTable).ForEach(func(k, _ LValue) { names = append(names, k.String()) })
	for i := 1; i < len(names); i++ {
		if names[i-1] > names[i] && names[i] != "pi" && names[i] != "huge" {
			t.Errorf("math's functions not in name order: %v", names)
			break
		}
	}
}

// mailexpect patch (_state.go, NewFunction): Go functions come from
// chunks, each a function of its own with the state's environment and no
// upvalues.
func TestNewFunctionFromChunks(t *testing.T) {
	L := NewState()
	defer L.Close()
	seen := map[*LFunction]bool{}
	for i := 0; i < 3*gfuncChunk; i++ {
		n := i
		f := L.NewFunction(func(L *LState) int { L.Push(LNumber(n)); return 1 })
		if seen[f] || !f.IsG || f.Env != L.Env || len(f.Upvalues) != 0 || f.Proto != nil {
			t.Fatalf("function %d: %+v (seen before: %v)", i, f, seen[f])
		}
		seen[f] = true
		L.Push(f)
		L.Call(0, 1)
		if got := L.Get(-1); got != LNumber(n) {
			t.Fatalf("function %d returned %v", i, got)
		}
		L.Pop(1)
	}
	fn := func(L *LState) int { return 0 }
	if a := testing.AllocsPerRun(10, func() {
		for i := 0; i < gfuncChunk; i++ {
			L.NewFunction(fn)
		}
	}); a > 1 {
		t.Errorf("%d Go functions took %v allocations, want 1", gfuncChunk, a)
	}
}
