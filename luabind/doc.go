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
// Files, one job each:
//
//	loader.go   Compile: BOM, shebang, unknown-escape check, parse + compile
//	escapes.go  the unknown-escape scanner behind Compile
//	modules.go  lua/modules/*.lua, embedded and compiled once per process
//	state.go    a fresh LState: libraries, sandbox, require, mailexpect.internal
//	runner.go   Config, Runner.Run, exit codes
//	errors.go   the contract's error object and "where"
//	session.go  connect and the session methods
//	expect.go   expect/guard case tables and the match object
//	regex.go    the regex module
//	secrets.go  secret, secret_env, secret_file, netrc
//	globals.go  env, sleep, now, time, log, exit, arg, read-only globals
//	options.go  options(arg, spec): getopt-style flags for scripts
//	helpers.go  base64, hex, md5, hmac_md5, mail
//	json.go     the json module
package luabind
