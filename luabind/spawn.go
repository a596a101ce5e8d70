package luabind

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/spawn"
)

// spawnOptionNames are the keys spawn takes besides the command.
var spawnOptionNames = []string{"pty", "stderr", "env", "dir", "kill_after", "timeout", "match_max", "label"}

// luaSpawn: spawn(argv [, opts]) -> session over a local program.
//
//	spawn{"/usr/sbin/sendmail", "-bs"}
//	spawn({"doveadm", "exec", "imap", "-u", "user1"}, {timeout = 5})
//	spawn{"cat", pty = true}
//
// The command is the array part of the first table (no shell, no word
// splitting); options may sit in the same table or in a second one.
func (r sessionBinding) spawn(L *lua.LState) int {
	const fname = "spawn"
	t, ok := L.Get(1).(*lua.LTable)
	if !ok {
		r.usage(L, "spawn: argument #1 must be a table {program, arg, ...} (no shell: one string per argument), got %s", L.Get(1).Type())
	}
	var argv []string
	opts := L.CreateTable(0, 4)
	n := t.Len()
	t.ForEach(func(k, v lua.LValue) {
		switch k := k.(type) {
		case lua.LNumber:
			i := int(k)
			if float64(i) != float64(k) || i < 1 || i > n {
				r.usage(L, "spawn: the command must be an array of strings without holes")
			}
		case lua.LString:
			opts.RawSetString(string(k), v)
		default:
			r.usage(L, "spawn: unexpected key of type %s in the command table", k.Type())
		}
	})
	for i := 1; i <= n; i++ {
		switch v := t.RawGetInt(i).(type) {
		case lua.LString:
			argv = append(argv, string(v))
		case lua.LNumber:
			argv = append(argv, v.String())
		default:
			r.usage(L, "spawn: command element #%d must be a string, got %s", i, v.Type())
		}
	}
	if len(argv) == 0 {
		r.usage(L, "spawn: the command is empty (want {program, arg, ...})")
	}
	if extra := r.optTable(L, 2, fname); extra != nil {
		extra.ForEach(func(k, v lua.LValue) {
			if opts.RawGet(k) != lua.LNil {
				r.usage(L, "spawn: option %s given twice", luaString(L, k))
			}
			opts.RawSet(k, v)
		})
	}
	r.checkKeys(L, opts, fname, spawnOptionNames...)

	po := spawn.Options{PTY: boolField(opts, "pty"), Dir: stringField(opts, "dir")}
	switch v := opts.RawGetString("stderr"); v {
	case lua.LNil, lua.LString("inherit"):
		po.Stderr = r.cfg.Stderr
	case lua.LString("merge"):
		po.MergeStderr = true
	case lua.LString("discard"):
	default:
		r.usage(L, `spawn: stderr must be "inherit", "merge" or "discard", got %s`, luaString(L, v))
	}
	if po.PTY && opts.RawGetString("stderr") != lua.LNil {
		r.usage(L, "spawn: stderr does not apply with pty = true (the terminal carries both)")
	}
	switch v := opts.RawGetString("env").(type) {
	case *lua.LNilType:
	case *lua.LTable:
		var env []string
		v.ForEach(func(k, val lua.LValue) {
			ks, isStr := k.(lua.LString)
			vs, valStr := val.(lua.LString)
			if !isStr || !valStr {
				r.usage(L, "spawn: env must map names to strings, got %s = %s", luaString(L, k), val.Type())
			}
			env = append(env, string(ks)+"="+string(vs))
		})
		sort.Strings(env)
		po.Env = env
	default:
		r.usage(L, "spawn: env must be a table of NAME = value, got %s", v.Type())
	}
	if v := opts.RawGetString("kill_after"); v != lua.LNil {
		po.Grace = r.callTimeout(L, v, "spawn: kill_after")
	}

	so := session.Options{Timeout: r.cfg.Timeout, Transcript: r.cfg.Transcript, Label: stringField(opts, "label")}
	if v := opts.RawGetString("timeout"); v != lua.LNil {
		so.Timeout = r.callTimeout(L, v, fname)
	}
	if v := opts.RawGetString("match_max"); v != lua.LNil {
		m, isNum := v.(lua.LNumber)
		if !isNum || m < 1 {
			r.usage(L, "spawn: match_max must be a positive number of bytes")
		}
		so.MatchMax = int(m)
	}
	// A recording names a spawned session by its command line (the
	// program's name carries its pid), and a replay looks it up by it.
	cmdline := quoteArgv(argv)
	if rec := r.cfg.Record; rec != nil {
		so.Record = func(t session.Target) session.Recorder {
			t.Addr = cmdline
			return rec.Session(t)
		}
	}
	var (
		s *session.Session
		p *spawn.Process
	)
	if r.cfg.Replay != nil {
		// Served from the recording: no program runs, so there is no pid
		// and no exit status.
		if so.Label == "" {
			so.Label = r.cfg.LabelPrefix + filepath.Base(argv[0])
		}
		conn, err := r.cfg.Replay.Conn(spawn.Addr("").Network(), cmdline, so.Label)
		if err != nil {
			r.raiseOp(L, fname, err)
		}
		s = session.New(conn, so)
		s.Note("spawned %s (replayed)", cmdline)
	} else {
		var err error
		if p, err = spawn.Start(argv, po); err != nil {
			r.raiseOp(L, fname, err)
		}
		if so.Label == "" {
			so.Label = r.cfg.LabelPrefix + p.Name()
		}
		s = session.New(p, so)
		how := "pipes"
		if po.PTY {
			how = "a pty"
		}
		s.Note("spawned %s (pid %d, %s)", cmdline, p.Pid(), how)
	}
	r.mu.Lock()
	r.sessions = append(r.sessions, s)
	r.mu.Unlock()

	ud := L.NewUserData()
	ud.Value = &luaSession{s: s, proc: p, warnTo: r.cfg.Transcript}
	L.SetMetatable(ud, L.GetTypeMetatable(sessionTypeName))
	L.Push(ud)
	return 1
}

// quoteArgv shows a command as a shell would need it typed.
func quoteArgv(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		q[i] = a
		if a == "" || strings.ContainsAny(a, " \t\"'\\$`;&|<>()*?[]{}~#!") {
			q[i] = fmt.Sprintf("%q", a)
		}
	}
	return strings.Join(q, " ")
}

// exitValues pushes a spawned program's status: the exit code (128+n for
// signal n) and the signal name or nil; nil, nil while it runs.
func exitValues(L *lua.LState, p *spawn.Process) int {
	st, done := p.Exit()
	if !done {
		L.Push(lua.LNil)
		L.Push(lua.LNil)
		return 2
	}
	L.Push(lua.LNumber(st.Code))
	if st.Signal != "" {
		L.Push(lua.LString(st.Signal))
	} else {
		L.Push(lua.LNil)
	}
	return 2
}
