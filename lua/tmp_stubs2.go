//go:build !luabind_full

package luabind

import lua "github.com/yuin/gopher-lua"

func (r *run) openRegex(L *lua.LState) {}
