package luabind

import (
	"strings"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// The protocol modules' round trip, a command line out and its answer
// back, in one Go call (rt.command for POP3's status line, rt.request for
// SMTP's reply) instead of four: s:sendline, the read, and now() before
// and after for c.timings. The pop3 module sends ten or more commands per
// mailbox, the smtp module three or four per message. They behave as
// s:sendline(line, {secret = secret}) and s:readline(timeout) or
// s:reply(timeout): the same transcript, warnings and errors (which name
// those methods). The module passes what it made itself (a string line, a
// boolean, the timeout as a script gave it), so only the timeout is
// checked.
//
// A session written in Lua (the benchmarks' stand-in for a server, which
// replaces connect before the module is required) is driven through its
// own methods.

// command is rt.command(s, line, secret, timeout [, prefix]) -> answer,
// seconds, rest: the first line of the answer (nil at EOF), the time
// taken and, when the answer starts with prefix (POP3's "+OK "), what
// follows it, else nil: the common answer needs no string.byte and
// string.sub to take apart. line nil sends nothing (the greeting).
func (r moduleHooks) command(L *lua.LState) int {
	prefix, hasPrefix := L.Get(5).(lua.LString) // read before anything is pushed
	ls := r.roundTrip(L, "s:readline", func(ls *luaSession, timeout time.Duration) {
		r.pushLine(L, ls, timeout)
	})
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

// request is rt.request(s, line, secret, timeout) -> reply, seconds: the
// reply as s:reply returns it, and the time taken; line nil sends
// nothing (a greeting, the reply after a message's final dot). An
// enhanced code that does not agree with the basic code is left out: RFC
// 2034 4 says a 2xx reply carries 2.X.X, 4xx 4.X.X, 5xx 5.X.X, and 3xx
// none (the RFC 3463 syntax itself is checked as the reply is read).
func (r moduleHooks) request(L *lua.LState) int {
	ls := r.roundTrip(L, "s:reply", func(ls *luaSession, timeout time.Duration) {
		rep := r.nextReply(L, ls, timeout)
		enhanced := rep.Enhanced
		if !agrees(rep.Code, enhanced) {
			enhanced = ""
		}
		L.Push(replyValue(L, rep, enhanced))
	})
	if ls == nil { // a session written in Lua: its reply as it is
		if t, ok := L.Get(-2).(*lua.LTable); ok {
			code, _ := t.RawGetString("code").(lua.LNumber)
			if e, ok := t.RawGetString("enhanced").(lua.LString); ok && !agrees(int(code), string(e)) {
				t.RawSetString("enhanced", lua.LNil)
			}
		}
	}
	return 2
}

// roundTrip is what command and request share: argument 2 sent (unless
// nil) as s:sendline(line, {secret = argument 3}), the answer read by
// read with argument 4's timeout and pushed, then the seconds both took.
// fname names the read in errors ("s:readline"); a session written in
// Lua goes through its own sendline and that method (read is not
// called). It returns connect's session, or nil.
func (r moduleHooks) roundTrip(L *lua.LState, fname string, read func(ls *luaSession, timeout time.Duration)) *luaSession {
	start := time.Now()
	ls := moduleSession(L)
	if ls == nil {
		callMethods(L, strings.TrimPrefix(fname, "s:"))
	} else {
		timeout := r.callTimeout(L, L.Get(4), fname)
		if L.Get(2) != lua.LNil {
			r.sendLine(L, ls, L.CheckString(2), lua.LVAsBool(L.Get(3)))
		}
		read(ls, timeout)
	}
	L.PushNumber(lua.LNumber(time.Since(start).Seconds()))
	return ls
}

// agrees says whether enhanced (empty or RFC 3463 syntax) may go with
// the basic code (see request).
func agrees(code int, enhanced string) bool {
	return enhanced == "" || int(enhanced[0]-'0') == code/100
}

// moduleSession is argument 1, one of connect's sessions, or nil.
func moduleSession(L *lua.LState) *luaSession {
	if ud, ok := L.Get(1).(*lua.LUserData); ok {
		ls, _ := ud.Value.(*luaSession)
		return ls
	}
	return nil
}

// callMethods is command and request for a session written in Lua:
// s:sendline(line[, {secret = true}]) unless line is nil, then
// s:<read>(timeout), whose result it pushes.
func callMethods(L *lua.LState, read string) {
	s := L.Get(1)
	if line := L.Get(2); line != lua.LNil {
		L.Push(L.GetField(s, "sendline"))
		L.Push(s)
		L.Push(line)
		nargs := 2
		if lua.LVAsBool(L.Get(3)) {
			opts := L.CreateTable(0, 1)
			opts.RawSetString("secret", lua.LTrue)
			L.Push(opts)
			nargs = 3
		}
		L.Call(nargs, 0)
	}
	L.Push(L.GetField(s, read))
	L.Push(s)
	L.Push(L.Get(4)) // the timeout
	L.Call(2, 1)
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
