package luabind

import (
	"errors"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// expectCall is one parsed s:expect: the cases, each tagged with its
// handler (a function, or nil: return the match object), and the keys of
// the table form.
type expectCall struct {
	cases     []expect.Case
	timeout   time.Duration
	onTimeout lua.LValue
	onEOF     lua.LValue
	onFull    lua.LValue
}

// parseCases reads the case syntax shared by s:expect{...} and
// s:guard{...}: each array item is a bare pattern (string, exact"..." or a
// regex object) or {pat, fn, partial = true, lines = K}; fn may be nil.
func (r sessionBinding) parseCases(L *lua.LState, t *lua.LTable, fname string, allowKeys bool) *expectCall {
	c := &expectCall{}
	n := t.Len()
	t.ForEach(func(k, v lua.LValue) {
		if num, ok := k.(lua.LNumber); ok && float64(num) == float64(int(num)) && int(num) >= 1 && int(num) <= n {
			return // array items are read in order below
		}
		key, _ := k.(lua.LString)
		if !allowKeys {
			r.usage(L, "%s: unexpected key '%s' (a guard takes only cases)", fname, luaString(L, k))
		}
		switch key {
		case "timeout":
			c.timeout = r.callTimeout(L, v, fname)
		case "on_timeout":
			c.onTimeout = r.handlerValue(L, v, fname, "on_timeout")
		case "on_eof":
			c.onEOF = r.handlerValue(L, v, fname, "on_eof")
		case "on_full":
			c.onFull = r.handlerValue(L, v, fname, "on_full")
		default:
			r.usage(L, "%s: unknown key '%s' (known: timeout, on_timeout, on_eof, on_full)", fname, luaString(L, k))
		}
	})
	for i := 1; i <= n; i++ {
		item := t.RawGetInt(i)
		switch v := item.(type) {
		case lua.LString, *lua.LUserData:
			c.cases = append(c.cases, expect.Case{Pattern: r.toPatternArg(L, v, fname)})
		case *lua.LTable:
			cs := r.caseTable(L, v, fname, i, true)
			if h := r.handlerValue(L, v.RawGetInt(2), fname, "a case handler"); h != lua.LNil {
				cs.Tag = h
			}
			c.cases = append(c.cases, cs)
		default:
			r.usage(L, "%s: case %d must be a pattern or {pattern, handler}, got %s", fname, i, item.Type())
		}
	}
	if len(c.cases) == 0 {
		r.usage(L, "%s: no cases given", fname)
	}
	return c
}

// caseTable reads a case written as a table: {pattern, handler, partial =
// bool, lines = K}, without the handler (index 2) unless withHandler
// (s:interact's patterns return, they call nothing).
func (r sessionBinding) caseTable(L *lua.LState, v *lua.LTable, fname string, i int, withHandler bool) expect.Case {
	cs := expect.Case{Pattern: r.toPatternArg(L, v.RawGetInt(1), fname)}
	shape := "{pattern, handler, partial = bool, lines = K}"
	if !withHandler {
		shape = "{pattern, partial = bool, lines = K}; no handler: the match is returned"
	}
	v.ForEach(func(k, val lua.LValue) {
		switch k {
		case lua.LNumber(1):
		case lua.LNumber(2):
			if !withHandler {
				r.usage(L, "%s: case %d: unexpected handler (a case is %s)", fname, i, shape)
			}
		case lua.LString("partial"):
			cs.Partial = lua.LVAsBool(val)
		case lua.LString("lines"):
			num, ok := val.(lua.LNumber)
			if !ok || num < 1 || float64(num) != float64(int(num)) {
				r.usage(L, "%s: case %d: lines must be a whole number >= 1", fname, i)
			}
			cs.Lines = int(num)
		default:
			r.usage(L, "%s: case %d: unknown key '%s' (a case is %s)", fname, i, luaString(L, k), shape)
		}
	})
	return cs
}

func (r sessionBinding) handlerValue(L *lua.LState, v lua.LValue, fname, what string) lua.LValue {
	switch v.(type) {
	case *lua.LNilType, *lua.LFunction:
		return v
	}
	r.usage(L, "%s: %s must be a function, got %s", fname, what, v.Type())
	return lua.LNil
}

// sExpect: s:expect(pattern [, timeout]) -> match, or
// s:expect{cases..., timeout=, on_timeout=, on_eof=, on_full=} -> what the
// chosen handler returns (the match object for a case without one).
func (r sessionBinding) expect(L *lua.LState) int {
	ls := r.checkSession(L, "expect")
	var c *expectCall
	// s:expect(pattern), once per command: its one case stays on the
	// stack (Session.Expect copies the cases), apart from c, whose
	// handlers escape.
	var one [1]expect.Case
	var cases []expect.Case
	switch v := L.Get(2).(type) {
	case *lua.LTable:
		if L.GetTop() > 2 {
			r.usage(L, "s:expect: with a table of cases, give the timeout inside it: s:expect{..., timeout = 5}")
		}
		c = r.parseCases(L, v, "s:expect", true)
		cases = c.cases
	case lua.LString, *lua.LUserData:
		one[0].Pattern = r.toPatternArg(L, v, "s:expect")
		cases = one[:]
		c = &expectCall{timeout: r.callTimeout(L, L.Get(3), "s:expect")}
	default:
		r.usage(L, "s:expect: want a pattern or a table of cases, got %s", v.Type())
	}

	// Called as a statement (s:expect("^250 "), once per command) with no
	// handler to run, the match object would be dropped unseen: the
	// session then builds no match at all.
	lean := L.WantedResults() == 0 && untagged(cases) && untagged(ls.s.Guards())
	for {
		var m *expect.Match
		var err error
		if lean {
			_, err = ls.s.Await(L.Context(), cases, c.timeout)
		} else {
			m, err = ls.s.Expect(L.Context(), cases, c.timeout)
		}
		if err != nil {
			var fe *failure.Error
			if !errors.As(err, &fe) || L.Context().Err() != nil {
				r.raiseSession(L, ls.s, "s:expect", err)
			}
			var handler lua.LValue = lua.LNil
			var args []lua.LValue
			errObj := newErrorObject(L, fe, r.mask)
			switch fe.Kind {
			case failure.Timeout:
				handler, args = c.onTimeout, []lua.LValue{errObj}
			case failure.EOF:
				handler, args = c.onEOF, []lua.LValue{errObj}
			case failure.Full:
				// The handler gets the data, and the buffer is empty after.
				handler, args = c.onFull, []lua.LValue{lua.LString(ls.s.Drain()), errObj}
			}
			if handler == nil || handler == lua.LNil {
				L.Error(errObj, 0)
			}
			if n, again := r.callHandler(L, handler, args...); !again {
				return n
			}
			continue
		}

		if lean {
			return 0
		}
		handler, ok := m.Tag.(lua.LValue)
		if !ok { // a case without a handler, or a guard added from Go
			L.Push(r.matchObject(L, m, m.Case+1))
			return 1
		}
		if n, again := r.callHandler(L, handler, r.matchObject(L, m, m.Case+1)); !again {
			return n
		}
		// exp_continue: the same expect again, with a fresh timer.
	}
}

// untagged reports that no case has a handler (Tag).
func untagged(cases []expect.Case) bool {
	for _, c := range cases {
		if c.Tag != nil {
			return false
		}
	}
	return true
}

// callHandler calls fn(args...) and leaves its results on the stack. again
// reports that it returned exp_continue (its results are then dropped).
func (r sessionBinding) callHandler(L *lua.LState, fn lua.LValue, args ...lua.LValue) (n int, again bool) {
	base := L.GetTop()
	L.Push(fn)
	for _, a := range args {
		L.Push(a)
	}
	L.Call(len(args), lua.MultRet)
	n = L.GetTop() - base
	if n >= 1 && L.Get(base+1) == r.expCont {
		L.SetTop(base)
		return 0, true
	}
	return n, false
}

// sGuard: s:guard{cases...} adds cases tried on every later expect of the
// session, after the call's own cases at a tie. m.case numbers guards
// after the call's cases.
func (r sessionBinding) guard(L *lua.LState) int {
	ls := r.checkSession(L, "guard")
	t, ok := L.Get(2).(*lua.LTable)
	if !ok {
		r.usage(L, "s:guard: want a table of cases, got %s", L.Get(2).Type())
	}
	c := r.parseCases(L, t, "s:guard", false)
	ls.s.Guard(c.cases...)
	return 0
}
