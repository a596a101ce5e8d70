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
