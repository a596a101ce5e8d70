package luabind

import (
	"fmt"
	"testing"
)

// BenchmarkArgCheck prices the argument checks: the same Lua work with
// the spec's wrappers and without (skipArgChecks). Run the pairs back to
// back (-count) and compare.
func BenchmarkArgCheck(b *testing.B) {
	const fake = luaFakePOP3
	workloads := []struct{ name, src string }{
		// 17 checked module calls per mailbox (connect, cmd x2, stat,
		// uidl, dele x10, quit, and the options tables they take).
		{"pop3-mailbox-without-io", fake + luaPOP3Mailbox},
		// One Go-bound call with a string argument: the check alone.
		{"go-call", `
local enc = base64.encode
for _ = 1, tonumber(arg[1]) do enc("x") end`},
		// A Go-bound method: the self check too.
		{"go-method", `
local re = regex.compile("x")
for _ = 1, tonumber(arg[1]) do re:find("x", 1) end`},
	}
	for _, w := range workloads {
		benchChecked(b, w.name, func(b *testing.B) { runBench(b, w.src, fmt.Sprint(b.N)) })
	}
}

// benchChecked runs bench as name/unchecked and name/checked: without the
// argument checks and with them.
func benchChecked(b *testing.B, name string, bench func(b *testing.B)) {
	for _, checked := range []bool{false, true} {
		sub := name + "/unchecked"
		if checked {
			sub = name + "/checked"
		}
		b.Run(sub, func(b *testing.B) {
			skipArgChecks = !checked
			defer func() { skipArgChecks = false }()
			bench(b)
		})
	}
}

// BenchmarkArgCheckFreshState prices the wrapping a fresh state pays (a
// bulk run builds one per row): the globals, and the pop3 module with its
// client class.
func BenchmarkArgCheckFreshState(b *testing.B) {
	for _, src := range []struct{ name, src string }{{"empty", ""}, {"require-pop3", `require "pop3"`}} {
		benchChecked(b, src.name, func(b *testing.B) { benchmarkFreshRuns(b, src.src) })
	}
}
