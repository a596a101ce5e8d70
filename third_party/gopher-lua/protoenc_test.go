package lua

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/mailexpect/mailexpect/third_party/gopher-lua/parse"
)

func compileFile(t *testing.T, path string) *FunctionProto {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk, err := parse.Parse(f, path)
	if err != nil {
		t.Fatal(err)
	}
	proto, err := Compile(chunk, path)
	if err != nil {
		t.Fatal(err)
	}
	return proto
}

// TestProtoEncoding: every test script's prototype encodes, decodes to one
// that encodes to the same bytes and prints the same listing, and the
// glua test scripts pass when run from the decoded prototype.
func TestProtoEncoding(t *testing.T) {
	var scripts []string
	for _, s := range gluaTests {
		scripts = append(scripts, filepath.Join("_glua-tests", s))
	}
	for _, s := range luaTests {
		scripts = append(scripts, filepath.Join("_lua5.1-tests", s))
	}
	for _, path := range scripts {
		proto := compileFile(t, path)
		data, err := MarshalFunctionProto(proto)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		back, err := UnmarshalFunctionProto(data)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		again, _ := MarshalFunctionProto(back)
		if !bytes.Equal(data, again) {
			t.Errorf("%s: decoding and encoding again changes the bytes", path)
		}
		if proto.String() != back.String() {
			t.Errorf("%s: the decoded prototype lists differently", path)
		}
		if len(back.stringConstants) != len(proto.stringConstants) {
			t.Errorf("%s: %d string constants, want %d", path, len(back.stringConstants), len(proto.stringConstants))
		}
	}
	for _, name := range gluaTests {
		if name == "os.lua" {
			continue // it sets an environment variable TestGlua's run of it wants unset
		}
		t.Run(name, func(t *testing.T) {
			// In the scripts' directory, named as DoFile names them: some
			// check their own tracebacks.
			wd, _ := os.Getwd()
			if err := os.Chdir("_glua-tests"); err != nil {
				t.Fatal(err)
			}
			defer os.Chdir(wd)
			data, err := MarshalFunctionProto(compileFile(t, name))
			if err != nil {
				t.Fatal(err)
			}
			proto, err := UnmarshalFunctionProto(data)
			if err != nil {
				t.Fatal(err)
			}
			L := NewState(Options{RegistrySize: 1024 * 20, CallStackSize: 1024})
			defer L.Close()
			L.SetMx(maxMemory)
			L.Push(L.NewFunctionFromProto(proto))
			if err := L.PCall(0, MultRet, nil); err != nil {
				t.Error(err)
			}
		})
	}
}

// TestProtoDecodingRefuses: other data, truncated data and trailing bytes
// are errors, never a prototype.
func TestProtoDecodingRefuses(t *testing.T) {
	data, err := MarshalFunctionProto(compileFile(t, filepath.Join("_glua-tests", "base.lua")))
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range [][]byte{nil, []byte("glua-proto-0"), data[:len(data)/2], data[:len(data)-1], append(append([]byte{}, data...), 0)} {
		if p, err := UnmarshalFunctionProto(bad); err == nil || p != nil {
			t.Errorf("%d bytes: decoded (%v)", len(bad), err)
		}
	}
}
