package luabind

import (
	"errors"
	"io"
	"strings"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// command is rt.command(s, line, secret, timeout [, prefix]) -> answer,
// seconds, rest: a module's command line sent and the first line of its
// answer read (nil at EOF), with the time both took, for c.timings. It
// is s:sendline(line, {secret = secret}) then s:readline(timeout), with
// the same transcript, warnings and errors (they name s:sendline and
// s:readline), in one call instead of four (the two, and now() before
// and after): the pop3 module sends ten or more commands per mailbox.
// When the answer starts with prefix (POP3's "+OK "), rest is what
// follows it, else nil: the common answer needs no string.byte and
// string.sub to take apart. The module passes what it made itself (a
// string line, a boolean, the timeout as a script gave it), so only the
// timeout is checked.
//
// A session written in Lua (the benchmarks' stand-in for a server,
// which replaces connect before the module is required) is driven
// through its own sendline and readline.
func (r moduleHooks) command(L *lua.LState) int {
	line := L.CheckString(2)
	secret := lua.LVAsBool(L.Get(3))
	prefix, hasPrefix := L.Get(5).(lua.LString) // read before anything is pushed
	start := time.Now()
	var ls *luaSession
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		ls, _ = ud.Value.(*luaSession)
	}
	if ls == nil {
		r.commandThroughMethods(L, L.Get(1), secret)
	} else {
		timeout := r.callTimeout(L, L.Get(4), "s:readline")
		ls.warnUnread()
		send := ls.s.SendLine
		if secret {
			send = ls.s.SendLineSecret
		}
		if err := send(L.Context(), line); err != nil {
			r.raiseOp(L, "s:sendline", err)
		}
		answer, err := ls.s.NextLine(L.Context(), timeout)
		switch {
		case errors.Is(err, io.EOF):
			L.Push(lua.LNil)
		case err != nil:
			r.raiseSession(L, ls.s, "s:readline", err)
		default:
			L.Push(ls.lineValue(answer))
		}
	}
	L.PushNumber(lua.LNumber(time.Since(start).Seconds()))
	answer, _ := L.Get(-2).(lua.LString)
	if !hasPrefix || !strings.HasPrefix(string(answer), string(prefix)) {
		L.Push(lua.LNil)
	} else if ls != nil {
		L.Push(ls.rest.of(answer, len(prefix)))
	} else {
		L.Push(answer[len(prefix):])
	}
	return 3
}

// restCache is a session's last answer split by rt.command: a server
// repeats itself ("+OK" and the same text after every DELE), and the
// same answer's rest costs no allocation again (as lineValue's line).
type restCache struct {
	answer lua.LString
	n      int
	rest   lua.LValue
}

func (c *restCache) of(answer lua.LString, n int) lua.LValue {
	if c.rest == nil || c.n != n || c.answer != answer {
		c.answer, c.n, c.rest = answer, n, answer[n:]
	}
	return c.rest
}

// commandThroughMethods is command for a session that is not one of
// connect's: s:sendline(line[, {secret = true}]), then s:readline(timeout),
// whose answer it pushes.
func (r moduleHooks) commandThroughMethods(L *lua.LState, s lua.LValue, secret bool) {
	L.Push(L.GetField(s, "sendline"))
	L.Push(s)
	L.Push(L.Get(2)) // the line
	nargs := 2
	if secret {
		opts := L.CreateTable(0, 1)
		opts.RawSetString("secret", lua.LTrue)
		L.Push(opts)
		nargs = 3
	}
	L.Call(nargs, 0)
	L.Push(L.GetField(s, "readline"))
	L.Push(s)
	L.Push(L.Get(4)) // the timeout
	L.Call(2, 1)
}
