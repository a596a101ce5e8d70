package luabind

import (
	"strings"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// Argument checks shared by every binding: each raises a usage error that
// names the function and what it wanted. (The spec's own checks, made
// before a function runs, are argcheck.go's.)

// checkString returns argument n as a string or raises a usage error that
// names the function: the contract's errors are objects, not bare strings.
func (r *run) checkString(L *lua.LState, n int, fname string) string {
	switch v := L.Get(n).(type) {
	case lua.LString:
		return string(v)
	case lua.LNumber:
		return v.String()
	}
	r.usage(L, "%s: argument #%d must be a string, got %s", fname, n, L.Get(n).Type())
	return ""
}

// checkNumber returns argument n as a number or raises a usage error.
func (r *run) checkNumber(L *lua.LState, n int, fname string) float64 {
	if f, ok := toNumber(L.Get(n)); ok {
		return f
	}
	r.usage(L, "%s: argument #%d must be a number, got %s", fname, n, L.Get(n).Type())
	return 0
}

// toNumber is v as a number the way Lua's arithmetic takes it: a number,
// or a string that reads as one. The spec's number and integer checks
// and checkNumber agree by using it.
func toNumber(v lua.LValue) (float64, bool) {
	switch v := v.(type) {
	case lua.LNumber:
		return float64(v), true
	case lua.LString:
		f, err := parseNumber(string(v))
		return f, err == nil
	}
	return 0, false
}

// optNumber is checkNumber for an optional argument; ok is false for nil.
func (r *run) optNumber(L *lua.LState, n int, fname string) (float64, bool) {
	if L.Get(n) == lua.LNil {
		return 0, false
	}
	return r.checkNumber(L, n, fname), true
}

// checkTable returns argument n as a table or raises a usage error.
func (r *run) checkTable(L *lua.LState, n int, fname string) *lua.LTable {
	if t, ok := L.Get(n).(*lua.LTable); ok {
		return t
	}
	r.usage(L, "%s: argument #%d must be a table, got %s", fname, n, L.Get(n).Type())
	return nil
}

// optTable returns argument n as an options table, or nil when absent.
func (r *run) optTable(L *lua.LState, n int, fname string) *lua.LTable {
	switch v := L.Get(n).(type) {
	case *lua.LNilType:
		return nil
	case *lua.LTable:
		return v
	}
	r.usage(L, "%s: argument #%d must be an options table, got %s", fname, n, L.Get(n).Type())
	return nil
}

// checkKeys rejects option names the function does not know: a typo such
// as {insecure = true} spelt {insecur = true} must not silently verify.
func (r *run) checkKeys(L *lua.LState, t *lua.LTable, fname string, known ...string) {
	if t == nil {
		return
	}
	t.ForEach(func(k, _ lua.LValue) {
		ks, ok := k.(lua.LString)
		if !ok {
			r.usage(L, "%s: unexpected positional value in the options table", fname)
		}
		for _, kn := range known {
			if string(ks) == kn {
				return
			}
		}
		r.usage(L, "%s: unknown option '%s' (known: %s)", fname, ks, strings.Join(known, ", "))
	})
}

// callTimeout reads an optional timeout in seconds at argument n
// (nil: the session default).
func (r *run) callTimeout(L *lua.LState, v lua.LValue, fname string) time.Duration {
	switch v := v.(type) {
	case *lua.LNilType:
		return 0
	case lua.LNumber:
		if v <= 0 {
			r.usage(L, "%s: timeout must be > 0 seconds, got %v", fname, v)
		}
		return seconds(float64(v))
	}
	r.usage(L, "%s: timeout must be a number of seconds, got %s", fname, v.Type())
	return 0
}
