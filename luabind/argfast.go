package luabind

import (
	"math"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/luabind/apispec"
)

// The fast path of the argument check. Most calls fit, and most
// parameters are a string, a number, a session or nil: whether such an
// argument fits is a question of its Lua type alone, answered from a
// small table built once per declaration. Only an argument that needs a
// closer look (an options table, a list, a literal, a numeric string)
// or one that does not fit goes to argProblem, which also writes the
// message; the fast path never rejects anything itself.

// fastParam is what a parameter accepts by Lua type alone.
type fastParam struct {
	types    uint16           // 1 << LValueType of the values that fit whatever they hold
	whole    bool             // a number fits when it is a whole number (integer)
	optional bool             // nil fits
	classes  []*apispec.Class // Object classes: a userdata or table that is an instance fits
}

// fastParams is c's parameters for argsFit; ok is false when a call
// must always take the full check (a typed variadic).
func fastParams(spec *apispec.Spec, fn *apispec.Func) (params []fastParam, ok bool) {
	if fn.Variadic != nil && fn.Variadic.Type.Kind != apispec.Any {
		return nil, false
	}
	params = make([]fastParam, len(fn.Params))
	for i, p := range fn.Params {
		params[i].optional = p.Optional
		params[i].add(spec, p.Type)
	}
	return params, true
}

func typeBit(t lua.LValueType) uint16 { return 1 << t }

// add widens f by what t accepts by Lua type alone.
func (f *fastParam) add(spec *apispec.Spec, t *apispec.Type) {
	switch t.Kind {
	case apispec.Any:
		f.types = ^uint16(0)
	case apispec.Nil:
		f.optional = true
	case apispec.String:
		f.types |= typeBit(lua.LTString) | typeBit(lua.LTNumber)
	case apispec.Number:
		f.types |= typeBit(lua.LTNumber)
	case apispec.Integer:
		f.whole = true
	case apispec.Boolean:
		f.types |= typeBit(lua.LTBool)
	case apispec.Function:
		f.types |= typeBit(lua.LTFunction)
	case apispec.Table, apispec.Struct:
		f.types |= typeBit(lua.LTTable)
	case apispec.Union:
		for _, e := range t.Elems {
			f.add(spec, e)
		}
	case apispec.Named:
		c := spec.Classes[t.Name]
		switch {
		case c == nil:
			f.types = ^uint16(0) // typeProblem takes an undeclared class as anything
		case c.Kind == apispec.Object:
			f.classes = append(f.classes, c)
		case c.Kind == apispec.Record:
			f.types |= typeBit(lua.LTTable)
		}
	}
	// Literals, lists, tuples, maps and options tables: argProblem looks.
}

// argsFit reports that the call's arguments surely fit c (argProblem
// would return ""); false means "look closer", not "wrong".
func (r *run) argsFit(L *lua.LState, c *argChecker, first int) bool {
	if !c.fastOK {
		return false
	}
	if c.self != nil && !r.isInstance(L, c.self, L.Get(first)) {
		return false
	}
	base := first + c.offset
	if !c.variadic && L.GetTop()-base+1 > len(c.fast) {
		return false // extra arguments: only trailing nils pass, argProblem checks
	}
	for i := range c.fast {
		f := &c.fast[i]
		v := L.Get(base + i)
		if v == lua.LNil {
			if !f.optional {
				return false
			}
			continue
		}
		if f.types&typeBit(v.Type()) != 0 {
			continue
		}
		if n, ok := v.(lua.LNumber); ok && f.whole && float64(n) == math.Trunc(float64(n)) {
			continue
		}
		if !f.fitsClass(r, L, v) {
			return false
		}
	}
	return true
}

func (f *fastParam) fitsClass(r *run, L *lua.LState, v lua.LValue) bool {
	for _, c := range f.classes {
		if r.isInstance(L, c, v) {
			return true
		}
	}
	return false
}
