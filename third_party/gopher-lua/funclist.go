package lua

import (
	"sort"
	"sync"
)

// mailexpect patch (PATCHES.md): the standard libraries' functions as
// lists prepared once per process. Opening a library made an LFunction
// and a boxed name per function, one allocation each, in Go's random map
// order; mailexpect opens the libraries for every state, and a bulk run
// makes a state per row. A list stores its functions with the names boxed
// once, and all of a library's LFunctions in one allocation, in the
// order of the names.
type funcList struct {
	once  sync.Once
	src   map[string]LGFunction
	names []string
	keys  []LValue
	fns   []LGFunction
}

func newFuncList(funcs map[string]LGFunction) *funcList { return &funcList{src: funcs} }

func (fl *funcList) prepare() {
	fl.once.Do(func() {
		for name := range fl.src {
			fl.names = append(fl.names, name)
		}
		sort.Strings(fl.names)
		for _, name := range fl.names {
			fl.keys = append(fl.keys, LString(name))
			fl.fns = append(fl.fns, fl.src[name])
		}
	})
}

// setFuncList is SetFuncs without upvalues for a prepared list.
func (ls *LState) setFuncList(tb *LTable, fl *funcList) {
	fl.prepare()
	fns := make([]LFunction, len(fl.names))
	env := ls.currentEnv()
	for i, name := range fl.names {
		fns[i] = LFunction{IsG: true, Env: env, GFunction: fl.fns[i], Upvalues: make([]*Upvalue, 0)}
		tb.rawSetString(name, fl.keys[i], &fns[i])
	}
}

// registerLib is RegisterModule for a prepared list.
func (ls *LState) registerLib(name string, fl *funcList) LValue {
	fl.prepare()
	tb := ls.FindTable(ls.Get(RegistryIndex).(*LTable), "_LOADED", 1)
	mod := ls.GetField(tb, name)
	if mod.Type() != LTTable {
		newmod := ls.FindTable(ls.Get(GlobalsIndex).(*LTable), name, len(fl.names))
		if newmodtb, ok := newmod.(*LTable); !ok {
			ls.RaiseError("name conflict for module(%v)", name)
		} else {
			ls.setFuncList(newmodtb, fl)
			ls.SetField(tb, name, newmodtb)
			return newmodtb
		}
	}
	return mod
}
