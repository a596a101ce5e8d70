package luabind

import (
	"os"
	"path/filepath"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// addSiblingSearcher lets require find a module next to the script, as
// Python and Node find a script's siblings: require "helper" loads
// helper.lua (require "lib.util" loads lib/util.lua) from the script's
// directory. It is searched right after package.preload, so the embedded
// modules' names (smtp, check, ...) always mean the embedded modules: the
// example tool scripts/check.lua must not shadow require "check". Not
// under --restricted (a script from elsewhere loads nothing from disk).
func (r *run) addSiblingSearcher(L *lua.LState) {
	loaders, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADERS").(*lua.LTable)
	if !ok {
		return
	}
	searcher := L.NewFunction(func(L *lua.LState) int {
		name := L.CheckString(1)
		if strings.Contains(name, "..") || strings.HasPrefix(name, "/") || strings.HasPrefix(name, "mailexpect.") {
			L.Push(lua.LString("\n\tnot searched next to the script: " + name))
			return 1
		}
		path := filepath.Join(r.cfg.ScriptDir, filepath.FromSlash(strings.ReplaceAll(name, ".", "/"))+".lua")
		src, err := os.ReadFile(path)
		if err != nil {
			L.Push(lua.LString("\n\tno file '" + path + "'"))
			return 1
		}
		proto, err := Compile(path, src)
		if err != nil {
			r.usage(L, "require %q: %v", name, err)
		}
		L.Push(L.NewFunctionFromProto(proto))
		return 1
	})
	// After the preload searcher (index 1): before the LUA_PATH one when
	// --lua-path kept it.
	loaders.Insert(2, searcher)
}
