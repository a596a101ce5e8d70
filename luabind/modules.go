package luabind

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// The Lua protocol modules. The directory (not a *.lua glob) is embedded so
// the package builds while it holds no module yet.
//
//go:embed modules
var moduleFS embed.FS

// moduleChunkPrefix starts the chunk name of every embedded module. Error
// positions inside such chunks are skipped when computing err.where, so a
// script author sees their own line, not one inside smtp.lua.
const moduleChunkPrefix = "mailexpect/modules/"

// moduleNames lists the embedded modules ("smtp" for modules/smtp.lua),
// sorted; read once per process (every state preloads them all). Callers
// must not change the slice.
var moduleNames = sync.OnceValue(func() []string {
	entries, err := fs.ReadDir(moduleFS, "modules")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range entries {
		if n := e.Name(); !e.IsDir() && path.Ext(n) == ".lua" {
			names = append(names, strings.TrimSuffix(n, ".lua"))
		}
	}
	sort.Strings(names)
	return names
})

// moduleProtos compiles each embedded module once per process, on first
// use: a state that never requires a module (an empty -e run) pays nothing.
var moduleProtos sync.Map // name -> func() (*lua.FunctionProto, error)

func moduleProto(name string) (*lua.FunctionProto, error) {
	if f, ok := moduleProtos.Load(name); ok {
		// The common case, once per require in every state: no new
		// OnceValues to throw away.
		return f.(func() (*lua.FunctionProto, error))()
	}
	f, _ := moduleProtos.LoadOrStore(name, sync.OnceValues(func() (*lua.FunctionProto, error) {
		src, err := moduleFS.ReadFile("modules/" + name + ".lua")
		if err != nil {
			return nil, fmt.Errorf("no embedded module %q", name)
		}
		return Compile(moduleChunkPrefix+name+".lua", src)
	}))
	return f.(func() (*lua.FunctionProto, error))()
}

// isModuleChunk reports whether a chunk name belongs to an embedded module.
func isModuleChunk(source string) bool { return strings.HasPrefix(source, moduleChunkPrefix) }
