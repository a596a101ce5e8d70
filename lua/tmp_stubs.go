package luabind

// TEMPORARY stand-ins until runtime/session lands.

import lua "github.com/yuin/gopher-lua"

type sessionT interface{ Close() error }

func (r *run) openSession(L *lua.LState) {}
