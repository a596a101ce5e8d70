package luabind

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/internal/fakeserver"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// TestLuaFiles runs every testdata/*.lua as a subtest. A test file states
// what it expects in leading comments:
//
//	-- want-exit: 1                   exit code (default 0)
//	-- want-error: check.lua:3: msg   the error line, exactly (with the
//	                                  chunk name testdata/NAME.lua)
//	-- want-stdout: text              a line print() must have written
//	-- args: a b c                    the script's arguments ($SERVER: the
//	                                  canned server's address)
//	-- config: restricted dry-run plugin timeout=0.2 max-time=0.5
//
// A file NAME.server next to it is a canned server (see internal/fakeserver); its
// address is the global SERVER. The harness also provides the global T:
// T.eq(got, want [, what]) and T.fails(fn) -> the error fn raised.
func TestLuaFiles(t *testing.T) {
	files, err := filepath.Glob("testdata/*.lua")
	if err != nil || len(files) == 0 {
		t.Fatalf("no testdata/*.lua: %v", err)
	}
	for _, file := range files {
		name := strings.TrimSuffix(filepath.Base(file), ".lua")
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runLuaFile(t, file, false)
		})
		// The matching rules promise the same result however TCP splits
		// the server's bytes: play every canned server again in pieces.
		if _, err := os.Stat(strings.TrimSuffix(file, ".lua") + ".server"); err == nil {
			t.Run(name+"_resplit", func(t *testing.T) {
				t.Parallel()
				runLuaFile(t, file, true)
			})
		}
	}
}

type luaFileSpec struct {
	exit    int
	errLine string
	hasErr  bool
	stdout  []string
	args    []string
	cfg     Config
}

func parseSpec(t *testing.T, src []byte) luaFileSpec {
	var s luaFileSpec
	sc := bufio.NewScanner(bytes.NewReader(src))
	for sc.Scan() {
		line := sc.Text()
		if !strings.HasPrefix(line, "-- ") {
			if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#!") {
				continue
			}
			break
		}
		key, val, ok := strings.Cut(strings.TrimPrefix(line, "-- "), ": ")
		if !ok {
			continue
		}
		switch key {
		case "want-exit":
			s.exit, _ = strconv.Atoi(val)
		case "want-error":
			s.errLine, s.hasErr = val, true
		case "want-stdout":
			s.stdout = append(s.stdout, val)
		case "args":
			s.args = strings.Fields(val)
		case "config":
			for _, f := range strings.Fields(val) {
				k, v, _ := strings.Cut(f, "=")
				secs, _ := strconv.ParseFloat(v, 64)
				switch k {
				case "restricted":
					s.cfg.Restricted = true
				case "dry-run":
					s.cfg.DryRun = true
				case "plugin":
					s.cfg.Plugin = true
				case "timeout":
					s.cfg.Timeout = seconds(secs)
				case "max-time":
					s.cfg.MaxTime = seconds(secs)
				default:
					t.Fatalf("unknown config %q", k)
				}
			}
		}
	}
	return s
}

func runLuaFile(t *testing.T, file string, resplit bool) {
	src, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	spec := parseSpec(t, src)
	var stdout, stderr bytes.Buffer
	cfg := spec.cfg
	cfg.Stdout, cfg.Stderr = &stdout, &stderr
	cfg.ScriptName = file
	cfg.ReadOnly = map[string]any{}

	serverFile := strings.TrimSuffix(file, ".lua") + ".server"
	serverAddr := "no server"
	if script, err := os.ReadFile(serverFile); err == nil {
		start := fakeserver.Start
		if resplit {
			start = fakeserver.StartResplit
		}
		srv := start(t, string(script))
		serverAddr = srv.Addr()
		cfg.ReadOnly["SERVER"] = serverAddr
	}
	for _, a := range spec.args {
		cfg.Args = append(cfg.Args, strings.ReplaceAll(a, "$SERVER", serverAddr))
	}
	// A NAME.transcript next to the test is the golden text transcript,
	// with every timestamp shown as T.
	golden, _ := os.ReadFile(strings.TrimSuffix(file, ".lua") + ".transcript")
	if *update && !resplit {
		if _, err := os.Stat(serverFile); err == nil && golden == nil && strings.HasPrefix(filepath.Base(file), "golden_") {
			golden = []byte{}
		}
	}
	var tr bytes.Buffer
	if golden != nil {
		cfg.Secrets = transcript.NewSecrets()
		cfg.Transcript = transcript.New(&tr, transcript.Text, cfg.Secrets)
	}

	rn := NewRunner(cfg)
	rn.testHook = installT
	code, err := rn.RunSource(context.Background(), file, src)
	if code != spec.exit {
		t.Errorf("exit code %d, want %d; error: %v\nstderr:\n%s", code, spec.exit, err, stderr.String())
	}
	switch {
	case spec.hasErr && err == nil:
		t.Errorf("no error, want %q", spec.errLine)
	case spec.hasErr && err.Error() != spec.errLine:
		t.Errorf("error:\n got %q\nwant %q", err.Error(), spec.errLine)
	case !spec.hasErr && err != nil:
		t.Errorf("unexpected error: %v", err)
	}
	if golden != nil {
		got := timestampRE.ReplaceAllString(tr.String(), "T ")
		got = strings.ReplaceAll(got, serverAddr, "SERVER")
		if *update {
			os.WriteFile(strings.TrimSuffix(file, ".lua")+".transcript", []byte(got), 0o644)
		}
		if diff := cmp.Diff(strings.Split(string(golden), "\n"), strings.Split(got, "\n")); diff != "" {
			t.Errorf("transcript (-want +got):\n%s", diff)
		}
	}
	for _, want := range spec.stdout {
		if !containsLine(stdout.String(), want) {
			t.Errorf("stdout lacks line %q; stdout:\n%s", want, stdout.String())
		}
	}
	if testing.Verbose() && stdout.Len() > 0 {
		t.Logf("stdout:\n%s", stdout.String())
	}
}

var update = flag.Bool("update", false, "rewrite testdata/*.transcript from this run")

var timestampRE = regexp.MustCompile(`(?m)^\S+Z `)

func containsLine(out, want string) bool {
	for _, l := range strings.Split(out, "\n") {
		if l == want {
			return true
		}
	}
	return false
}

// installT adds the T test helpers to a state.
func installT(r *run, L *lua.LState) {
	tt := L.NewTable()
	tt.RawSetString("eq", L.NewFunction(func(L *lua.LState) int {
		got, want := L.Get(1), L.Get(2)
		if !L.Equal(got, want) && luaString(L, got) != luaString(L, want) || got.Type() != want.Type() {
			what := L.OptString(3, "value")
			L.RaiseError("%s: got %s (%s), want %s (%s)", what, luaString(L, got), got.Type(), luaString(L, want), want.Type())
		}
		return 0
	}))
	tt.RawSetString("fails", L.NewFunction(func(L *lua.LState) int {
		fn := L.CheckFunction(1)
		L.Push(fn)
		if err := L.PCall(0, 0, nil); err != nil {
			L.Push(err.(*lua.ApiError).Object)
			return 1
		}
		L.RaiseError("T.fails: the function did not raise")
		return 0
	}))
	L.SetGlobal("T", tt)

	// testmod stands in for an embedded module: its chunk name carries the
	// module prefix, so errors raised inside it must point at the caller.
	proto, err := testModuleProto()
	if err != nil {
		L.RaiseError("testmod: %v", err)
	}
	preload := L.GetField(L.GetGlobal("package"), "preload").(*lua.LTable)
	preload.RawSetString("testmod", L.NewFunction(func(L *lua.LState) int {
		L.Push(L.NewFunctionFromProto(proto))
		L.Call(0, 1)
		return 1
	}))
}

var testModuleProto = sync.OnceValues(func() (*lua.FunctionProto, error) {
	return Compile(moduleChunkPrefix+"testmod.lua", []byte(`
local M = {}
function M.bad_pattern() return regex.compile("(") end
function M.nested() return M.bad_pattern() end
function M.raise_string() error("module said no") end
return M
`))
})
