// Package luabind is the Lua side of mailexpect: it compiles scripts and
// the embedded protocol modules, builds one gopher-lua state per run with
// the API of docs/DESIGN.md "The Lua API" (connect, sessions, expect, regex,
// secrets, helpers), and turns what a run ends with into an exit code.
//
// The package is named luabind so that it does not clash with gopher-lua's
// package lua, which every file here imports.
//
// Typical use (the CLI does this):
//
//	proto, err := luabind.Compile("check.lua", src)  // once per process
//	code, err := luabind.NewRunner(cfg).Run(ctx, proto)  // per run; concurrent-safe
//
// A Run builds one *run: the state every Lua-facing function shares, with
// its error raising and argument checks. The API hangs off it in three
// parts, each a small type over the run, found by name:
//
//	sessionBinding  connect, spawn and the session methods, expect and guards,
//	                s:interact and getpass (the terminal, runtime/interact)
//	globalsBinding  the globals and the helper modules (regex, json, mail, ...)
//	moduleHooks     require "mailexpect.internal": what the embedded Lua
//	                modules ask of Go (flags, options, endpoints, the bulk
//	                run's commit point, journal and reference time)
//
// Every call is checked against the declared API (luabind/apispec) before
// it runs.
package luabind
