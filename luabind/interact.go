package luabind

import (
	"errors"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/interact"
)

// interact: s:interact{pattern, ..., commands = {...}, pipe = bool}
// -> why, match. Hands the session to the person at the terminal until
// ~., the end of their input, the server closing, or one of the patterns
// arriving from the server (see docs/interactive.md):
//
//	why is "escape", "eof", "closed" or "match"; match is the match
//	object for "match" (m.case: which pattern).
//
// Array items are patterns (string, exact"...", a regex object) or
// {pattern, partial = true, lines = K}. commands maps a name to a function
// (or {fn, help = "...", args = "..."}) run by ~name args; an error it
// raises is shown to the person. Without a terminal on stdin it raises
// usage at once, unless pipe = true (then lines are read from stdin).
func (r sessionBinding) interact(L *lua.LState) int {
	const fname = "s:interact"
	ls := r.checkSession(L, "interact")
	t := r.optTable(L, 2, fname)
	var o interact.Options
	pipe := false
	if t != nil {
		n := t.Len()
		t.ForEach(func(k, v lua.LValue) {
			if num, ok := k.(lua.LNumber); ok && float64(num) == float64(int(num)) && int(num) >= 1 && int(num) <= n {
				return
			}
			switch k {
			case lua.LString("commands"):
				o.Commands = r.interactCommands(L, v)
			case lua.LString("pipe"):
				pipe = lua.LVAsBool(v)
			default:
				r.usage(L, "%s: unknown key '%s' (known: commands, pipe; array items are patterns)", fname, luaString(L, k))
			}
		})
		for i := 1; i <= n; i++ {
			o.Until = append(o.Until, r.interactCase(L, t.RawGetInt(i), i))
		}
	}
	con, closeCon := r.console(L, fname, pipe)
	defer closeCon()
	o.Mask = r.mask
	if _, isLines := con.(*interact.Lines); isLines {
		// "QUIT" then the end of a pipe: show the server's answer.
		o.InputEndWait = ls.s.Timeout()
	}
	prev := r.active
	r.active = con
	defer func() { r.active = prev }()
	ls.s.Note("interact: the session is the person's (~. gives it back)")
	res, err := interact.Run(L.Context(), ls.s, con, o)
	if err != nil {
		r.raiseSession(L, ls.s, fname, err)
	}
	ls.s.Note("interact: back to the script (%s)", res.Reason)
	L.Push(lua.LString(res.Reason))
	if res.Match != nil {
		L.Push(r.matchObject(L, res.Match, res.Match.Case+1))
		return 2
	}
	return 1
}

func (r sessionBinding) interactCase(L *lua.LState, v lua.LValue, i int) expect.Case {
	const fname = "s:interact"
	switch v := v.(type) {
	case lua.LString, *lua.LUserData:
		return expect.Case{Pattern: r.toPatternArg(L, v, fname)}
	case *lua.LTable:
		return r.caseTable(L, v, fname, i, false)
	}
	r.usage(L, "%s: pattern %d must be a pattern or {pattern, partial = true}, got %s", fname, i, v.Type())
	return expect.Case{}
}

// interactCommands reads commands = {name = fn | {fn, help =, args =}}.
func (r sessionBinding) interactCommands(L *lua.LState, v lua.LValue) []interact.Command {
	const fname = "s:interact"
	t, ok := v.(*lua.LTable)
	if !ok {
		r.usage(L, "%s: commands must be a table of name = function, got %s", fname, v.Type())
	}
	var cmds []interact.Command
	t.ForEach(func(k, val lua.LValue) {
		name, isStr := k.(lua.LString)
		if !isStr || name == "" || name == "." || name == "?" || name[0] == '~' {
			r.usage(L, "%s: command names are strings other than '.', '?' and '~...', got %s", fname, luaString(L, k))
		}
		c := interact.Command{Name: string(name)}
		var fn *lua.LFunction
		switch val := val.(type) {
		case *lua.LFunction:
			fn = val
		case *lua.LTable:
			f, isFn := val.RawGetInt(1).(*lua.LFunction)
			if !isFn {
				r.usage(L, "%s: command %s: want {function, help = \"...\", args = \"...\"}", fname, name)
			}
			fn, c.Help, c.Args = f, stringField(val, "help"), stringField(val, "args")
		default:
			r.usage(L, "%s: command %s must be a function, got %s", fname, name, val.Type())
		}
		c.Run = func(args string) error {
			err := L.CallByParam(lua.P{Fn: fn, NRet: 0, Protect: true}, lua.LString(args))
			if err == nil {
				return nil
			}
			var ae *lua.ApiError
			if errors.As(err, &ae) {
				if obj, isObj := isErrorObject(L, ae.Object); isObj {
					return errors.New(r.mask(lua.LVAsString(obj.RawGetString("message"))))
				}
				return errors.New(r.mask(lua.LVAsString(ae.Object)))
			}
			return errors.New(r.mask(err.Error()))
		}
		cmds = append(cmds, c)
	})
	return cmds
}

// console returns the console s:interact and getpass use: the one of an
// interact in progress, else the terminal on the run's stdin, else (pipe)
// lines from stdin. Without any it raises usage: a script run from cron
// must not wait for a person.
func (r *run) console(L *lua.LState, fname string, pipe bool) (interact.Console, func()) {
	if r.active != nil {
		return r.active, func() {}
	}
	in := r.cfg.Stdin
	if in == nil {
		r.usage(L, "%s: no terminal (this run has no standard input to hand the session to)", fname)
	}
	if interact.IsTerminal(in) {
		t, err := interact.OpenTerminal(in, r.cfg.Stdout)
		if err != nil {
			r.usage(L, "%s: %v", fname, err)
		}
		return t, func() { t.Close() }
	}
	if !pipe {
		r.usage(L, "%s: standard input is not a terminal (a person must be there to take the session)", fname)
	}
	return interact.NewLines(in, r.cfg.Stdout), func() {}
}

// getpass: getpass([prompt]) -> the line typed, without echo,
// registered as a secret. Raises usage without a terminal.
func (r sessionBinding) getpass(L *lua.LState) int {
	prompt := "password: "
	if L.Get(1) != lua.LNil {
		prompt = r.checkString(L, 1, "getpass")
	}
	con, closeCon := r.console(L, "getpass", false)
	defer closeCon()
	if _, isLines := con.(*interact.Lines); isLines {
		r.usage(L, "getpass: standard input is not a terminal")
	}
	pass, err := con.ReadPassword(prompt)
	if err != nil {
		r.usage(L, "getpass: no password read (%v)", err)
	}
	r.secrets.Add(pass)
	L.Push(lua.LString(pass))
	return 1
}
