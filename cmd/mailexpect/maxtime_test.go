package main

import (
	"bytes"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestMaxTimeInsideLibraryCalls: --max-time holds inside a library call
// that runs long, not only between Lua instructions (issue 16): a
// backtracking pattern, json on a huge table or document, a regex search
// whose automaton is large (2.5 s of CPU for 1.2 MB, on one line or many).
// The inputs are built fast, so the deadline falls inside the call (the
// library cases say so: "during json.…"); the wall-time bound is generous
// for -race. After the run, no goroutine may still be working on the call.
func TestMaxTimeInsideLibraryCalls(t *testing.T) {
	const bigTable = `local row = {id = 1, name = "user"}
local a = {} for i = 1, 1000 do a[i] = row end
local b = {} for i = 1, 1000 do b[i] = a end
local c = {} for i = 1, 100 do c[i] = b end
`
	for _, tt := range []struct {
		name, maxTime, script, wantStderr string
	}{
		{"pattern backtracking", "2", `s = ("a"):rep(30) ; s:find(("a*"):rep(30) .. "b")`,
			"(command line):1: --max-time 2s reached\n"},
		{"gsub backtracking", "1", `s = ("a"):rep(30) ; s:gsub(("a*"):rep(30) .. "b", "")`,
			"(command line):1: --max-time 1s reached\n"},
		{"json.encode", "1", bigTable + `json.encode(c)`,
			"(command line):5: --max-time 1s reached during json.encode\n"},
		{"json.decode", "1", `json.decode("[" .. ("[],"):rep(3e6) .. "1]")`,
			"(command line):1: --max-time 1s reached during json.decode\n"},
		{"regex with a large automaton", "1", `local re = regex.compile("a{1,150}b"); re:match(("a"):rep(1.2e6))`,
			"(command line):1: --max-time 1s reached during regex.match\n"},
		{"regex replace with a plain template", "1", `local re = regex.compile("a{1,150}b"); re:replace(("a"):rep(1.2e6), "x")`,
			"(command line):1: --max-time 1s reached during regex.replace\n"},
		{"regex gmatch over many lines", "1", `local re = regex.compile("a{1,150}b"); re:gmatch((("a"):rep(1000) .. "\n"):rep(2000))`,
			"(command line):1: --max-time 1s reached during regex.gmatch\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			start := time.Now()
			code := run([]string{"--max-time", tt.maxTime, "-e", tt.script}, strings.NewReader(""), &stdout, &stderr)
			d := time.Since(start)
			if code != 1 || stderr.String() != tt.wantStderr {
				t.Errorf("exit %d, stderr %q; want 1, %q", code, stderr.String(), tt.wantStderr)
			}
			if limit := 3*time.Second + 2*time.Second; d > limit {
				t.Errorf("ran %v, want the deadline to hold (at most %v)", d, limit)
			}
			if stack := leftRunning(200 * time.Millisecond); stack != "" {
				t.Errorf("the call goes on after the run stopped:\n%s", stack)
			}
		})
	}
}

// leftRunning returns the stack of a goroutine still running luabind code
// (a library call the run stopped waiting for) once wait has passed, or "".
// Before the json decoder and the regex engine checked the deadline
// themselves, such a goroutine ran on to the end of the call: seconds of
// CPU in a bulk run whose process goes on.
func leftRunning(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var found string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "mailexpect/luabind.") {
				found = g
				break
			}
		}
		if found == "" || time.Now().After(deadline) {
			return found
		}
		time.Sleep(10 * time.Millisecond)
	}
}
