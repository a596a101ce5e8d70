package luabind

import (
	"fmt"
	"io"
	"math"
	"os"
	"sort"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// processStart anchors now(): a monotonic clock with an arbitrary origin.
var processStart = time.Now()

// openGlobals installs the script-facing globals that are not sessions:
// print, log, env, sleep, now, time, exit (and os.exit), arg, dry_run,
// secrets and options.
// globalsBinding installs the script's globals and helper modules: print,
// log, sleep, exit, the secrets, options(), regex, json, base64/hex/md5
// and mail.
type globalsBinding struct{ *run }

func (r globalsBinding) open(L *lua.LState) {
	g := L.G.Global
	set := func(name string, fn lua.LGFunction) { g.RawSetString(name, L.NewFunction(fn)) }

	set("print", r.print)
	set("log", r.log)
	set("sleep", r.sleep)
	// The modules read now() twice per command (their timings):
	// PushNumber boxes without an allocation of its own.
	set("now", func(L *lua.LState) int {
		L.PushNumber(lua.LNumber(time.Since(processStart).Seconds()))
		return 1
	})
	set("time", func(L *lua.LState) int {
		L.PushNumber(lua.LNumber(float64(time.Now().UnixNano()) / 1e9))
		return 1
	})
	set("ref_time", r.refTime)
	exit := L.NewFunction(r.exit)
	g.RawSetString("exit", exit)
	osTable, _ := g.RawGetString(lua.OsLibName).(*lua.LTable)
	if osTable != nil {
		osTable.RawSetString("exit", exit)
	}
	if !r.cfg.Restricted {
		// Scripts from elsewhere read no environment (it holds credentials).
		set("env", func(L *lua.LState) int {
			v, ok := os.LookupEnv(r.checkString(L, 1, "env"))
			if !ok {
				L.Push(lua.LNil)
			} else {
				r.noteSource(v, bulk.CredentialsEnvironment)
				L.Push(lua.LString(v))
			}
			return 1
		})
		if osTable != nil {
			// os.getenv as gopher-lua has it (nil for unset or empty),
			// noting what it read, as env and secret_env do.
			osTable.RawSetString("getenv", L.NewFunction(func(L *lua.LState) int {
				v := os.Getenv(L.CheckString(1))
				if v == "" {
					L.Push(lua.LNil)
					return 1
				}
				r.noteSource(v, bulk.CredentialsEnvironment)
				L.Push(lua.LString(v))
				return 1
			}))
		}
	}

	argt := L.CreateTable(len(r.cfg.Args), 1)
	argt.RawSetInt(0, lua.LString(r.cfg.ScriptName))
	for i, a := range r.cfg.Args {
		argt.RawSetInt(i+1, lua.LString(a))
	}
	g.RawSetString("arg", argt)
	r.argTable = argt

	r.openSecrets(L)
	r.openOptions(L)

	ro := map[string]lua.LValue{"dry_run": lua.LBool(r.cfg.DryRun)}
	for name, v := range r.cfg.ReadOnly {
		var onRead func(string, bool)
		if name == "row" && r.attempt != nil {
			onRead = r.readColumn // the bulk row: its reads are told to the attempt
		}
		ro[name] = r.readOnlyValue(L, v, onRead)
	}
	r.roGlobals = ro // a reused bulk state gets the next row's row here
	r.protectGlobals(L, ro)
}

// luaPrint is print bound to the run's stdout, with secrets masked.
func (r globalsBinding) print(L *lua.LState) int {
	io.WriteString(r.cfg.Stdout, r.cfg.PrintPrefix+r.mask(joinArgs(L, 1))+"\n")
	return 0
}

// luaLog writes a line to the transcript and, unless -q, to stderr.
func (r globalsBinding) log(L *lua.LState) int {
	r.logLine(r.mask(oneLine(joinArgs(L, 1))))
	return 0
}

// luaSleep sleeps, but returns as soon as the run is cancelled
// (--max-time, a signal), raising the run's error.
func (r globalsBinding) sleep(L *lua.LState) int {
	secs := r.checkNumber(L, 1, "sleep")
	if secs < 0 || math.IsNaN(secs) {
		r.usage(L, "sleep: seconds must be >= 0, got %v", secs)
	}
	d := seconds(secs)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-L.Context().Done():
		r.raiseOp(L, fmt.Sprintf("sleep(%s)", d), failure.New(failure.Timeout, "sleep(%s) interrupted", d))
	}
	return 0
}

// luaExit ends the run with a code. It cancels the run's context so that
// no pcall can swallow it, then raises to unwind at once.
func (r globalsBinding) exit(L *lua.LState) int {
	code := 0
	switch v := L.Get(1).(type) {
	case *lua.LNilType:
	case lua.LBool:
		if !v {
			code = 1
		}
	case lua.LNumber:
		if float64(v) != math.Trunc(float64(v)) || v < 0 || v > 255 {
			r.usage(L, "exit: code must be an integer 0-255, got %v", v)
		}
		code = int(v)
	default:
		r.usage(L, "exit: code must be a number, got %s", v.Type())
	}
	r.exited, r.exitCode = true, code
	r.cancel(errExit)
	L.Error(lua.LString("exit"), 0)
	return 0
}

// seconds converts Lua float seconds to a Duration.
func seconds(s float64) time.Duration {
	if s > float64(math.MaxInt64/int64(time.Second)) {
		return time.Duration(math.MaxInt64)
	}
	return time.Duration(s * float64(time.Second))
}

// protectGlobals serves the read-only globals through _G's metatable, so
// assigning one (dry_run = false) raises instead of silently shadowing it.
// Modules read these flags from Go anyway; this keeps scripts honest.
func (r globalsBinding) protectGlobals(L *lua.LState, ro map[string]lua.LValue) {
	mt := L.CreateTable(0, 2)
	mt.RawSetString("__index", L.NewFunction(func(L *lua.LState) int {
		if k, ok := L.Get(2).(lua.LString); ok {
			if v, ok := ro[string(k)]; ok {
				L.Push(v)
				return 1
			}
		}
		L.Push(lua.LNil)
		return 1
	}))
	// refuse raises on a write over a read-only global or into a
	// read-only proxy (row, sandbox): assignments reach it through _G's
	// __newindex, rawset through its wrapper below (it would go past
	// both: a value planted in rawset(row, "user", x) would be read back
	// instead of the row's).
	refuse := func(L *lua.LState, t *lua.LTable, k lua.LValue) {
		if r.proxies[t] != nil {
			r.usage(L, "attempt to change a read-only table (key %s)", luaString(L, k))
		}
		if ks, ok := k.(lua.LString); ok && t == L.G.Global {
			if _, ok := ro[string(ks)]; ok {
				r.usage(L, "%s is read-only", ks)
			}
		}
	}
	mt.RawSetString("__newindex", L.NewFunction(func(L *lua.LState) int {
		t := L.CheckTable(1)
		refuse(L, t, L.Get(2))
		L.RawSet(t, L.Get(2), L.Get(3))
		return 0
	}))
	L.SetMetatable(L.G.Global, mt)

	rawset := L.GetGlobal("rawset").(*lua.LFunction).GFunction
	L.SetGlobal("rawset", L.NewFunction(func(L *lua.LState) int {
		refuse(L, L.CheckTable(1), L.Get(2))
		return rawset(L)
	}))
}

// stringList is list as a Lua array of strings.
func stringList(L *lua.LState, list []string) *lua.LTable {
	t := L.CreateTable(len(list), 0)
	for _, s := range list {
		t.Append(lua.LString(s))
	}
	return t
}

// goToLua converts plain Go data (strings, numbers, bools, maps, slices)
// into Lua values: how rows and sandbox info reach a state.
func goToLua(L *lua.LState, v any) lua.LValue {
	switch v := v.(type) {
	case nil:
		return lua.LNil
	case lua.LValue:
		return v
	case string:
		return lua.LString(v)
	case []byte:
		return lua.LString(v)
	case bool:
		return lua.LBool(v)
	case int:
		return lua.LNumber(v)
	case int64:
		return lua.LNumber(v)
	case float64:
		return lua.LNumber(v)
	case []string:
		return stringList(L, v)
	case []any:
		t := L.CreateTable(len(v), 0)
		for _, e := range v {
			t.Append(goToLua(L, e))
		}
		return t
	case map[string]string:
		t := L.CreateTable(0, len(v))
		for k, s := range v {
			t.RawSetString(k, lua.LString(s))
		}
		return t
	case map[string]any:
		t := L.CreateTable(0, len(v))
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			t.RawSetString(k, goToLua(L, v[k]))
		}
		return t
	default:
		return lua.LString(fmt.Sprint(v))
	}
}
