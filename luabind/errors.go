package luabind

import (
	"context"
	"errors"
	"fmt"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/spawn"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// The error object of docs/DESIGN.md "Errors": a table with kind, message,
// where and, when they apply, stage, awaited, tail and reply, whose
// tostring is "where: message". It is raised as a value (not a string), so
// pcall hands it to the script intact and err.kind can be branched on.

const errorTypeName = "mailexpect.error"

// errorMetatable returns the shared metatable of error objects, creating it
// on first use in this state.
func errorMetatable(L *lua.LState) *lua.LTable {
	if mt, ok := L.GetTypeMetatable(errorTypeName).(*lua.LTable); ok {
		return mt
	}
	mt := L.NewTypeMetatable(errorTypeName)
	L.SetField(mt, "__tostring", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		L.Push(lua.LString(errorObjectString(t)))
		return 1
	}))
	return mt
}

// errorObjectString renders an error object as "where: message".
func errorObjectString(t *lua.LTable) string {
	msg := lua.LVAsString(t.RawGetString("message"))
	if where := lua.LVAsString(t.RawGetString("where")); where != "" {
		return where + ": " + msg
	}
	return msg
}

// isErrorObject reports whether v is one of our error objects.
func isErrorObject(L *lua.LState, v lua.LValue) (*lua.LTable, bool) {
	t, ok := v.(*lua.LTable)
	if !ok {
		return nil, false
	}
	return t, L.GetMetatable(t) == L.GetTypeMetatable(errorTypeName) && L.GetTypeMetatable(errorTypeName) != lua.LNil
}

// userWhere returns "file:line" of the first frame that is Lua code outside
// the embedded modules: the line of the user's script that led to the error,
// even when the error is raised deep inside smtp.lua.
func userWhere(L *lua.LState) string {
	// gopher-lua's GetStack answers a level that falls on a tail call
	// with the bottom frame (the main chunk), not Lua 5.1's "(tail call)"
	// placeholder; so find the bottom frame first and skip it anywhere but
	// at the bottom.
	var levels []*lua.Debug
	for level := 0; ; level++ {
		dbg, ok := L.GetStack(level)
		if !ok {
			break
		}
		levels = append(levels, dbg)
	}
	var bottom lua.LValue
	if n := len(levels); n > 0 {
		bottom, _ = L.GetInfo("f", levels[n-1], lua.LNil)
	}
	for i, dbg := range levels {
		fn, err := L.GetInfo("Slf", dbg, lua.LNil)
		if err != nil {
			continue
		}
		if i < len(levels)-1 && fn == bottom {
			continue // a tail-call level, see above
		}
		if dbg.What == "G" || dbg.Source == "" || isModuleChunk(dbg.Source) || dbg.CurrentLine <= 0 {
			continue
		}
		return fmt.Sprintf("%s:%d", dbg.Source, dbg.CurrentLine)
	}
	return ""
}

// newErrorObject builds the error object for a *failure.Error. Every text
// in it goes through mask, so a secret never reaches the script or stderr.
func newErrorObject(L *lua.LState, fe *failure.Error, mask func(string) string) *lua.LTable {
	t := L.CreateTable(0, 8)
	t.RawSetString("kind", lua.LString(fe.Kind))
	// The message is for people and may quote a server: one line, masked,
	// control characters and invalid UTF-8 escaped (print(err) is safe).
	t.RawSetString("message", lua.LString(transcript.Escape(mask(oneLine(fe.Message)))))
	t.RawSetString("where", lua.LString(userWhere(L)))
	if fe.Stage != "" {
		t.RawSetString("stage", lua.LString(fe.Stage))
	}
	if len(fe.Awaited) > 0 {
		aw := L.CreateTable(len(fe.Awaited), 0)
		for _, a := range fe.Awaited {
			aw.Append(lua.LString(mask(a)))
		}
		t.RawSetString("awaited", aw)
	}
	if fe.Tail != "" {
		t.RawSetString("tail", lua.LString(mask(fe.Tail)))
	}
	if fe.Reply != nil {
		t.RawSetString("reply", replyTable(L, fe.Reply, mask))
	}
	var exit *spawn.ExitError
	if errors.As(fe.Err, &exit) { // a spawned program ended: how
		t.RawSetString("exit_status", lua.LNumber(exit.Status.Code))
		if exit.Status.Signal != "" {
			t.RawSetString("exit_signal", lua.LString(exit.Status.Signal))
		}
	}
	L.SetMetatable(t, errorMetatable(L))
	return t
}

func replyTable(L *lua.LState, r *failure.ServerReply, mask func(string) string) *lua.LTable {
	t := L.CreateTable(0, 5)
	if r.Code != 0 {
		t.RawSetString("code", lua.LNumber(r.Code))
	}
	if r.Status != "" {
		t.RawSetString("status", lua.LString(r.Status))
	}
	if r.Enhanced != "" {
		t.RawSetString("enhanced", lua.LString(r.Enhanced))
	}
	lines := L.CreateTable(len(r.Lines), 0)
	for _, l := range r.Lines {
		lines.Append(lua.LString(mask(l)))
	}
	t.RawSetString("lines", lines)
	t.RawSetString("text", lua.LString(mask(r.Text)))
	return t
}

// oneLine keeps a message on one line: the CLI prints it as
// "file:line: message" and log scrapers split on newlines.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n") {
		return s
	}
	return strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ").Replace(s)
}

// raise raises err into Lua as an error object and does not return. A
// plain Go error becomes kind "usage" unless it is a *failure.Error.
func (r *run) raise(L *lua.LState, err error) { r.raiseOp(L, "", err) }

// raiseOp raises err from the session call op. When the whole run was
// stopped (--max-time, a signal), the message says that and names the
// call, instead of blaming the call's own timeout.
func (r *run) raiseOp(L *lua.LState, op string, err error) {
	var fe *failure.Error
	if !errors.As(err, &fe) {
		fe = &failure.Error{Kind: failure.Usage, Message: err.Error(), Err: err}
	}
	if cause := context.Cause(r.ctx); cause != nil && cause != errExit {
		out := *fe
		if op == "" {
			op = fe.Message
		}
		msg := fmt.Sprintf("%s during %s", cause.Error(), op)
		if len(fe.Awaited) > 0 {
			q := make([]string, len(fe.Awaited))
			for i, a := range fe.Awaited {
				q[i] = fmt.Sprintf("%q", a)
			}
			msg += " waiting for " + strings.Join(q, " or ")
		}
		if fe.Tail != "" && fe.Tail != `""` {
			msg += "; received " + fe.Tail
		}
		out.Message = msg
		var mt maxTimeError
		if errors.As(cause, &mt) {
			out.Kind = failure.Timeout
		}
		obj := newErrorObject(L, &out, r.mask)
		// A module that catches this error to clean up (close the session)
		// runs on in a cancelled VM, which then raises a bare "context
		// deadline exceeded" at a line inside the module. Keep this
		// object: it names the user's line and what was awaited.
		r.cancelErr = obj
		L.Error(obj, 0)
	}
	L.Error(newErrorObject(L, fe, r.mask), 0)
}

// raiseSession raises err from the call op on s. A session keeps its
// data when its buffer is full; the script's error reports it, and the
// buffer is empty after, as docs/DESIGN.md "Bounds" says.
func (r *run) raiseSession(L *lua.LState, s *session.Session, op string, err error) {
	if failure.Is(err, failure.Full) {
		s.Drain()
	}
	r.raiseOp(L, op, err)
}

// raiseKind raises a new error object of the given kind.
func (r *run) raiseKind(L *lua.LState, kind failure.Kind, format string, args ...any) {
	r.raise(L, failure.New(kind, format, args...))
}

// usage raises a usage error: the script called a primitive wrongly.
func (r *run) usage(L *lua.LState, format string, args ...any) {
	r.raiseKind(L, failure.Usage, format, args...)
}
