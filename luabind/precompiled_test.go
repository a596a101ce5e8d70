package luabind

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"os"
	"testing"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// TestPrecompiledModules: modules.bin is every embedded module as the
// compiler makes it now, and require takes each module from it; a module
// whose source changed is compiled instead. After changing a module:
//
//	go test ./luabind -run TestPrecompiledModules -update
func TestPrecompiledModules(t *testing.T) {
	want, err := encodePrecompiled()
	if err != nil {
		t.Fatal(err)
	}
	if again, _ := encodePrecompiled(); !bytes.Equal(want, again) {
		t.Fatal("compiling the modules twice gives different bytes")
	}
	if *update {
		if err := os.WriteFile("modules.bin", want, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !bytes.Equal(precompiledModules, want) {
		t.Fatal("luabind/modules.bin is stale (a module or the compiler changed): run go test ./luabind -run TestPrecompiledModules -update")
	}
	for _, name := range moduleNames() {
		src, err := moduleFS.ReadFile("modules/" + name + ".lua")
		if err != nil {
			t.Fatal(err)
		}
		p := precompiledModule(name, src)
		if p == nil {
			t.Errorf("%s: not taken from modules.bin", name)
			continue
		}
		c, err := compileModule(name, src)
		if err != nil {
			t.Fatal(err)
		}
		if p.String() != c.String() {
			t.Errorf("%s: the precompiled prototype differs from the compiled one", name)
		}
		if precompiledModule(name, append(src, '\n')) != nil {
			t.Errorf("%s: a changed source still gets the precompiled prototype", name)
		}
	}
}

// encodePrecompiled compiles every embedded module into the contents of
// modules.bin.
func encodePrecompiled() ([]byte, error) {
	var out []byte
	for _, name := range moduleNames() {
		src, err := moduleFS.ReadFile("modules/" + name + ".lua")
		if err != nil {
			return nil, err
		}
		p, err := compileModule(name, src)
		if err != nil {
			return nil, err
		}
		enc, err := lua.MarshalFunctionProto(p)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		data := binary.LittleEndian.AppendUint32(nil, crc32.ChecksumIEEE(src))
		data = append(data, enc...)
		out = binary.AppendUvarint(out, uint64(len(name)))
		out = append(out, name...)
		out = binary.AppendUvarint(out, uint64(len(data)))
		out = append(out, data...)
	}
	return out, nil
}
