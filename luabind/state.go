package luabind

import (
	"path/filepath"
	"strconv"
	"strings"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// newState builds the Lua state of one run: the standard libraries a mail
// script needs, minus what would escape the run (collectgarbage runs the
// process GC; print would write to the process stdout; os.exit would skip
// cleanup), plus the mailexpect API.
func (r *run) newState() (*lua.LState, error) {
	L := lua.NewState(lua.Options{
		SkipOpenLibs:        true,
		CallStackSize:       200,
		MinimizeStackMemory: true,
		// The value stack starts small and grows on demand: gopher-lua's
		// default is a fixed 5120 slots (80 KiB zeroed for every state, and
		// a bulk run makes one per row) that a deep recursion or a big
		// table.unpack overflows.
		RegistrySize:     256,
		RegistryGrowStep: 1024,
		RegistryMaxSize:  1 << 20,
	})
	libs := []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage}, // first: the others register into it
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
		{lua.StringLibName, lua.OpenString},
		{lua.MathLibName, lua.OpenMath},
		{lua.CoroutineLibName, lua.OpenCoroutine},
	}
	if !r.cfg.Restricted {
		libs = append(libs, []struct {
			name string
			open lua.LGFunction
		}{
			{lua.OsLibName, lua.OpenOs},
			{lua.IoLibName, lua.OpenIo},
			{lua.DebugLibName, lua.OpenDebug},
		}...)
	}
	for _, lib := range libs {
		if err := L.CallByParam(lua.P{Fn: L.NewFunction(lib.open), Protect: true}, lua.LString(lib.name)); err != nil {
			L.Close()
			return nil, err
		}
	}

	r.countEnvWrites(L)
	g := L.G.Global
	g.RawSetString("collectgarbage", lua.LNil)
	if r.cfg.Restricted {
		// Reading files is what --restricted takes away.
		g.RawSetString("dofile", lua.LNil)
		g.RawSetString("loadfile", lua.LNil)
	}
	r.setupRequire(L)
	globalsBinding{r}.open(L)
	sessionBinding{r}.open(L)
	globalsBinding{r}.openHelpers(L)
	dnsBinding{r}.open(L)
	r.applySpec(L)
	return L, nil
}

// countEnvWrites makes the functions through which Lua changes a
// function's environment (setfenv, debug.setfenv, module) count their
// calls in r.envWrites: a bulk state's record compares its functions only
// after one ran (stateSnapshot.change). They are replaced before anything
// else runs in the state, so no module holds the originals.
func (r *run) countEnvWrites(L *lua.LState) {
	count := func(t lua.LValue, name string) {
		tbl, _ := t.(*lua.LTable)
		if tbl == nil {
			return
		}
		if orig, ok := tbl.RawGetString(name).(*lua.LFunction); ok && orig.IsG {
			fn := orig.GFunction
			tbl.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
				r.envWrites++
				return fn(L) // called in place: level 1 is still the caller's function
			}))
		}
	}
	count(L.G.Global, "setfenv")
	count(L.G.Global, "module")
	count(L.GetGlobal(lua.DebugLibName), "setfenv")
}

// setupRequire makes require find the embedded modules (package.preload)
// and, unless --lua-path, nothing on disk: a stray smtp.lua in the working
// directory must not replace the embedded one, and LUA_PATH is honoured
// only on request.
func (r *run) setupRequire(L *lua.LState) {
	pkg := L.GetGlobal(lua.LoadLibName).(*lua.LTable)
	pkg.RawSetString("cpath", lua.LString(""))
	if !r.cfg.LuaPath || r.cfg.Restricted {
		pkg.RawSetString("path", lua.LString(""))
		// require reads registry._LOADERS, the same table object as
		// package.loaders; entry 2 is the file searcher.
		if loaders, ok := L.GetField(L.Get(lua.RegistryIndex), "_LOADERS").(*lua.LTable); ok {
			loaders.Remove(2)
		}
	}
	if r.cfg.ScriptDir != "" && !r.cfg.Restricted {
		r.addSiblingSearcher(L)
	}
	r.wrapRequire(L)
	moduleHooks{r}.preloadInternal(L)
	r.preloadIMAP(L)
	r.preloadMIME(L)
	preload := L.GetField(pkg, "preload").(*lua.LTable)
	for _, name := range moduleNames() {
		name := name
		preload.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
			if name == "check" {
				// Monitoring-plugin conventions start with the require.
				r.setPluginMode()
			}
			proto, err := moduleProto(name)
			if err != nil {
				L.RaiseError("%s", err)
			}
			L.Push(L.NewFunctionFromProto(proto))
			L.Push(lua.LString(name))
			L.Call(1, 1)
			if t, ok := L.Get(-1).(*lua.LTable); ok {
				r.wrapModule(L, name, t)
			}
			return 1
		}))
	}
}

// wrapRequire replaces require's multi-line "module x not found:\n\tno
// field package.preload['x']..." with one line that says where modules
// come from.
func (r *run) wrapRequire(L *lua.LState) {
	orig := L.GetGlobal("require")
	hold(L, orig) // on the stack while a module loads: debug.getinfo finds it
	L.SetGlobal("require", L.NewFunction(func(L *lua.LState) int {
		name := r.checkString(L, 1, "require")
		L.Push(orig)
		L.Push(lua.LString(name))
		if err := L.PCall(1, 1, nil); err != nil {
			ae, ok := err.(*lua.ApiError)
			if !ok {
				L.RaiseError("%v", err)
			}
			if msg, isString := ae.Object.(lua.LString); isString && strings.Contains(string(msg), "module "+name+" not found") {
				where := "mailexpect's embedded modules"
				if r.cfg.ScriptDir != "" && !r.cfg.Restricted {
					where += ", next to the script (" + filepath.Join(r.cfg.ScriptDir, strings.ReplaceAll(name, ".", "/")+".lua") + ")"
				}
				if r.cfg.LuaPath && !r.cfg.Restricted {
					where += " or LUA_PATH"
				} else if r.cfg.Restricted {
					where += " (--restricted loads nothing from disk)"
				} else {
					where += " (LUA_PATH is searched only with --lua-path)"
				}
				r.usage(L, "require: module '%s' not found in %s", name, where)
			}
			L.Error(ae.Object, 0)
		}
		return 1
	}))
}

// moduleHooks is what the embedded Lua modules reach through
// require "mailexpect.internal": the run's flags, option checking and
// endpoints, and the bulk run's commit point, journal and reference time.
type moduleHooks struct{ *run }

// preloadInternal registers "mailexpect.internal", the embedded modules'
// view of the run's flags. They read them from Go, not from globals a
// script could shadow:
//
//	local rt = require "mailexpect.internal"
//	rt.dry_run()       --dry-run
//	rt.restricted()    --restricted
//	rt.plugin_mode()   switch to monitoring-plugin exit codes
func (r moduleHooks) preloadInternal(L *lua.LState) {
	preloadLazy(L, "mailexpect.internal", r.internal)
}

func (r moduleHooks) internal(L *lua.LState) *lua.LTable {
	t := L.CreateTable(0, 24)
	t.RawSetString("dry_run", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(r.cfg.DryRun))
		return 1
	}))
	t.RawSetString("restricted", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(r.cfg.Restricted))
		return 1
	}))
	t.RawSetString("plugin_mode", L.NewFunction(func(L *lua.LState) int {
		r.setPluginMode()
		return 0
	}))
	t.RawSetString("raise", L.NewFunction(r.internalRaise))
	t.RawSetString("scram", L.NewFunction(r.scramClient))
	t.RawSetString("endpoint", L.NewFunction(r.endpoint))
	t.RawSetString("command", L.NewFunction(r.command))
	t.RawSetString("request", L.NewFunction(r.request))
	t.RawSetString("message_shape", L.NewFunction(r.messageShape))
	// address parses "host:port" or a URL the way connect does, so the
	// modules pick ports and TLS modes by the same rules.
	t.RawSetString("address", L.NewFunction(func(L *lua.LState) int {
		a, err := session.ParseAddress(L.CheckString(1))
		if err != nil {
			r.raise(L, err)
		}
		at := L.CreateTable(0, 5)
		at.RawSetString("scheme", lua.LString(a.Scheme))
		at.RawSetString("host", lua.LString(a.Host))
		port, _ := strconv.Atoi(a.Port)
		at.RawSetString("port", lua.LNumber(port))
		at.RawSetString("tls", lua.LBool(a.TLS))
		at.RawSetString("hostport", lua.LString(a.HostPort()))
		L.Push(at)
		return 1
	}))
	// date is the current time as an RFC 5322 Date: header value; Lua's
	// os.date depends on the C locale rules gopher-lua imitates.
	t.RawSetString("date", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(time.Now().Format(time.RFC1123Z)))
		return 1
	}))
	t.RawSetString("warn", L.NewFunction(func(L *lua.LState) int {
		r.warn("%s", L.CheckString(1))
		return 0
	}))
	// printable escapes control characters and invalid UTF-8 as the
	// transcript does: for lines the modules print that may carry a
	// server's bytes (the check module's status line).
	t.RawSetString("printable", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LString(transcript.Escape(L.CheckString(1))))
		return 1
	}))
	t.RawSetString("note", L.NewFunction(func(L *lua.LState) int {
		ls, ok := L.CheckUserData(1).Value.(*luaSession)
		if !ok {
			L.ArgError(1, "session expected")
		}
		ls.s.Note("%s", L.CheckString(2))
		return 0
	}))
	// The check module's hooks (monitoring-plugin mode): its own -v,
	// -t SECONDS and the status line printed when the run ends.
	t.RawSetString("at_end", L.NewFunction(func(L *lua.LState) int {
		r.atEnd = L.CheckFunction(1)
		return 0
	}))
	t.RawSetString("max_time", L.NewFunction(func(L *lua.LState) int {
		r.shortenDeadline(L, r.checkNumber(L, 1, "max_time"), L.OptString(2, "--max-time"))
		return 0
	}))
	t.RawSetString("verbose", L.NewFunction(func(L *lua.LState) int {
		r.startVerbose()
		return 0
	}))
	// report hands the check's result (its JSON form) to the caller: the
	// prober and --prom read the metrics from it, not from the status line.
	t.RawSetString("report", L.NewFunction(func(L *lua.LState) int {
		if r.cfg.OnCheckResult != nil {
			r.cfg.OnCheckResult([]byte(r.mask(L.CheckString(1))))
		}
		return 0
	}))
	// Bulk runs: commit_point, commit_outcome, journal, journal_enabled,
	// ref_time, credentials_used (bulk.go).
	r.addBulkHooks(L, t)
	return t
}

// internalRaise is rt.raise(kind, message [, {stage=, reply=}]): how the
// embedded modules raise the contract's typed errors (a refused RCPT is a
// "reply" error carrying the server's reply).
func (r moduleHooks) internalRaise(L *lua.LState) int {
	fe := &failure.Error{Kind: failure.Kind(L.CheckString(1)), Message: L.CheckString(2)}
	if fields := L.OptTable(3, nil); fields != nil {
		fe.Stage = stringField(fields, "stage")
		if rt, ok := fields.RawGetString("reply").(*lua.LTable); ok {
			ri := &failure.ServerReply{
				Status:   stringField(rt, "status"),
				Enhanced: stringField(rt, "enhanced"),
				Text:     stringField(rt, "text"),
			}
			if n, ok := rt.RawGetString("code").(lua.LNumber); ok {
				ri.Code = int(n)
			}
			if lines, ok := rt.RawGetString("lines").(*lua.LTable); ok {
				lines.ForEach(func(_, v lua.LValue) { ri.Lines = append(ri.Lines, lua.LVAsString(v)) })
			}
			fe.Reply = ri
		}
	}
	r.raise(L, fe)
	return 0
}

// preloadTable registers a Go-built module under name for require and
// returns it (it is also set as a global by the caller when wanted). The
// table is the loader's upvalue, not a Go variable: what the state holds
// is in its object graph, where a reused bulk state's check looks.
func preloadTable(L *lua.LState, name string, t *lua.LTable) {
	preload := L.GetField(L.GetGlobal(lua.LoadLibName), "preload").(*lua.LTable)
	preload.RawSetString(name, L.NewClosure(func(L *lua.LState) int {
		L.Push(L.Get(lua.UpvalueIndex(1)))
		return 1
	}, t))
}

// preloadLazy registers a Go-built module that only require reaches; it
// is built by require, so a state that never requires it does not pay
// for it. Like a Lua module, it is built again when a script clears it
// from package.loaded and requires it anew: no table is kept on the Go
// side, out of sight of a reused bulk state's check.
func preloadLazy(L *lua.LState, name string, build func(*lua.LState) *lua.LTable) {
	preload := L.GetField(L.GetGlobal(lua.LoadLibName), "preload").(*lua.LTable)
	preload.RawSetString(name, L.NewFunction(func(L *lua.LState) int {
		L.Push(build(L))
		return 1
	}))
}

// heldKey is the registry's list of the values hold keeps.
const heldKey = "mailexpect.held"

// hold keeps values that Go hands to scripts without their being in any
// table (the step functions of pairs over a read-only global) in the
// registry, where a
// reused bulk state's record finds them (bulkstate.go): a script can
// still change them (debug.setfenv on a method), and the next row would
// see it.
func hold(L *lua.LState, values ...lua.LValue) {
	held, ok := L.G.Registry.RawGetString(heldKey).(*lua.LTable)
	if !ok {
		held = L.NewTable()
		L.G.Registry.RawSetString(heldKey, held)
	}
	for _, v := range values {
		held.RawSet(v, lua.LTrue) // a set, not a list: walking a list boxes every index
	}
}

// luaString renders v as print and tostring would.
func luaString(L *lua.LState, v lua.LValue) string { return L.ToStringMeta(v).String() }

// joinArgs renders the arguments from index first on, tab-separated, as
// print does.
func joinArgs(L *lua.LState, first int) string {
	var b strings.Builder
	for i := first; i <= L.GetTop(); i++ {
		if i > first {
			b.WriteByte('\t')
		}
		b.WriteString(luaString(L, L.Get(i)))
	}
	return b.String()
}
