package luabind

import (
	"embed"
	"encoding/binary"
	"fmt"
	"hash/crc32"
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
		if p := precompiledModule(name, src); p != nil {
			return p, nil
		}
		return compileModule(name, src)
	}))
	return f.(func() (*lua.FunctionProto, error))()
}

func compileModule(name string, src []byte) (*lua.FunctionProto, error) {
	return Compile(moduleChunkPrefix+name+".lua", src)
}

// modules.bin holds each embedded module compiled when the modules last
// changed (go test ./luabind -run TestPrecompiledModules -update writes
// it): parsing and compiling pop3, smtp or imap took 4-7 ms at the first
// require of every process, which is most of a monitoring check's
// start-up. An entry is used only while the CRC-32 of its source matches
// the module embedded beside it; otherwise the module is compiled.
//
//go:embed modules.bin
var precompiledModules []byte

// precompiledModule returns the module's prototype from modules.bin, or
// nil when it has none for this source.
func precompiledModule(name string, src []byte) *lua.FunctionProto {
	data, ok := precompiledEntries()[name]
	if !ok || len(data) < 4 || binary.LittleEndian.Uint32(data) != crc32.ChecksumIEEE(src) {
		return nil
	}
	p, err := lua.UnmarshalFunctionProto(data[4:])
	if err != nil {
		return nil
	}
	return p
}

// precompiledEntries splits modules.bin: per module its name, then the
// source's CRC-32 (4 bytes) and the encoded prototype, each preceded by
// its length (uvarint).
var precompiledEntries = sync.OnceValue(func() map[string][]byte {
	m := map[string][]byte{}
	b := precompiledModules
	next := func() []byte {
		n, k := binary.Uvarint(b)
		if k <= 0 || n > uint64(len(b)-k) {
			b = nil
			return nil
		}
		v := b[k : k+int(n)]
		b = b[k+int(n):]
		return v
	}
	for len(b) > 0 {
		name, data := next(), next()
		if name == nil || data == nil {
			break
		}
		m[string(name)] = data
	}
	return m
})

// isModuleChunk reports whether a chunk name belongs to an embedded module.
func isModuleChunk(source string) bool { return strings.HasPrefix(source, moduleChunkPrefix) }
