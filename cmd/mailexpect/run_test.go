package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// writeScript writes src to a file called name in a new temporary
// directory and returns its path.
func writeScript(t *testing.T, name, src string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestRunExitCodes runs run() for every exit code of docs/DESIGN.md "The CLI".
func TestRunExitCodes(t *testing.T) {
	syntax := writeScript(t, "syntax.lua", "local x = = 1\n")
	escape := writeScript(t, "escape.lua", "local ok = true\nlocal p = \"^\\d{3} \"\n")
	shebang := writeScript(t, "shebang.lua", "#!/usr/bin/env mailexpect\nprint(arg[1])\nerror('line 3')\n")
	opts := writeScript(t, "opts.lua", "local o = options(arg, {json = false})\n")
	bom := writeScript(t, "bom.lua", "\xEF\xBB\xBFprint('bom ok')\n")

	tests := []struct {
		name       string
		args       []string
		stdin      string
		wantCode   int
		wantStdout string // exact, when not ""
		wantStderr string // exact, when not ""
	}{
		{name: "empty code", args: []string{"-e", ""}, wantCode: 0},
		{name: "print", args: []string{"-e", "print('hi', ...)", "a", "b"}, wantCode: 0, wantStdout: "hi\ta\tb\n"},
		{name: "help", args: []string{"--help"}, wantCode: 0, wantStdout: usage},
		{name: "help short", args: []string{"-h"}, wantCode: 0, wantStdout: usage},
		{name: "version", args: []string{"--version"}, wantCode: 0},
		{name: "stdin script", args: []string{"-"}, stdin: "print('from stdin')", wantCode: 0, wantStdout: "from stdin\n"},
		{name: "bom", args: []string{bom}, wantCode: 0, wantStdout: "bom ok\n"},

		{name: "error", args: []string{"-e", "error('boom')"}, wantCode: 1,
			wantStderr: "(command line):1: boom\n"},
		{name: "shebang error line", args: []string{shebang, "x"}, wantCode: 1, wantStdout: "x\n",
			wantStderr: shebang + ":3: line 3\n"},
		{name: "max-time", args: []string{"--max-time", "0.05", "-e", "\nwhile true do end"}, wantCode: 1,
			wantStderr: "(command line):2: --max-time 50ms reached\n"},
		{name: "secret masked in error", args: []string{"-e", "local p = secret('hunter2') error('bad ' .. p)"}, wantCode: 1,
			wantStderr: "(command line):1: bad ***\n"},

		{name: "no script", args: nil, wantCode: 2,
			wantStderr: "error: no script given\nhint: run 'mailexpect --help' for examples\n"},
		{name: "unknown flag", args: []string{"--bogus", "x.lua"}, wantCode: 2,
			wantStderr: "error: unknown flag --bogus\nhint: run 'mailexpect --help' for the flags; flags after the script name are the script's\n"},
		{name: "bad timeout", args: []string{"--timeout", "abc", "-e", ""}, wantCode: 2,
			wantStderr: "error: want a number of seconds > 0, got \"abc\"\n"},
		{name: "bad log format", args: []string{"--log-format", "xml", "-e", ""}, wantCode: 2},
		{name: "missing file", args: []string{"/nonexistent/x.lua"}, wantCode: 2,
			wantStderr: "error: cannot read script: /nonexistent/x.lua: no such file or directory\n"},
		{name: "syntax error", args: []string{syntax}, wantCode: 2,
			wantStderr: syntax + ":1: syntax error near '='\n"},
		{name: "unknown escape", args: []string{escape}, wantCode: 2,
			wantStderr: escape + ":2: unknown escape \"\\d\" in a string literal (Lua would silently read it as \"d\")\n" +
				"hint: write regular expressions in long brackets, e.g. [[^\\d{3} ]], or double the backslash (\"\\\\d\")\n"},
		{name: "script usage error", args: []string{opts, "--nope"}, wantCode: 2,
			wantStderr: opts + ":1: unknown option --nope (options: --json)\n"},
		{name: "sandbox without a script", args: []string{"--sandbox"}, wantCode: 2,
			wantStderr: "error: no script given\nhint: run 'mailexpect --help' for examples\n"},
		{name: "each not yet", args: []string{"--each", "rows.csv", "x.lua"}, wantCode: 2},
		{name: "restricted lua-path", args: []string{"--restricted", "--lua-path", "-e", ""}, wantCode: 2},
		{name: "-v and -q", args: []string{"-v", "-q", "-e", ""}, wantCode: 2},

		{name: "exit n", args: []string{"-e", "exit(7)"}, wantCode: 7},
		{name: "os.exit", args: []string{"-e", "os.exit(9)"}, wantCode: 9},
		{name: "exit in pcall", args: []string{"-e", "pcall(exit, 5) error('not reached')"}, wantCode: 5},
		{name: "exit wins in plugin mode", args: []string{"--plugin", "-e", "exit(1)"}, wantCode: 1},
		{name: "exit bad code", args: []string{"-e", "exit(300)"}, wantCode: 2,
			wantStderr: "(command line):1: exit: code must be an integer 0-255, got 300\n"},

		{name: "plugin typed error is CRITICAL", args: []string{"--plugin", "--max-time", "0.05", "-e", "sleep(5)"}, wantCode: 2,
			wantStdout: `^CRITICAL - \(command line\):1: --max-time 50ms reached during sleep\(5s\) \| time=0\.\d{3}s;;;0\n$`},
		{name: "plugin connect error is CRITICAL", args: []string{"--plugin", "-e", "connect('127.0.0.1:1')"}, wantCode: 2,
			wantStdout: `^CRITICAL - \(command line\):1: connect to 127\.0\.0\.1:1 failed: dial tcp 127\.0\.0\.1:1: connect: connection refused \| time=0\.\d{3}s;;;0\n$`},
		{name: "connect error", args: []string{"-e", "\nconnect('127.0.0.1:1')"}, wantCode: 1,
			wantStderr: "(command line):2: connect to 127.0.0.1:1 failed: dial tcp 127.0.0.1:1: connect: connection refused\n"},
		{name: "plugin script bug is UNKNOWN", args: []string{"--plugin", "-e", "local x = nil; x.y = 1"}, wantCode: 3},
		{name: "plugin syntax error is UNKNOWN", args: []string{"--plugin", "-e", "if"}, wantCode: 3},
		// --plugin on a plain script: the status line comes first, prints
		// after it; a failure is reported once, on stdout.
		{name: "plugin ok", args: []string{"--plugin", "-e", "print('all fine')"}, wantCode: 0,
			wantStdout: `^OK - \(command line\) finished in 0\.\d{3}s \| time=0\.\d{3}s;;;0\nall fine\n$`},
		{name: "plugin exit", args: []string{"--plugin", "-e", "print('slow') exit(1)"}, wantCode: 1,
			wantStdout: `^WARNING - \(command line\) exited with 1 \| time=0\.\d{3}s;;;0\nslow\n$`},
		{name: "plugin failure after print", args: []string{"--plugin", "-e", "print('before') connect('127.0.0.1:1')"}, wantCode: 2,
			wantStdout: `^CRITICAL - \(command line\):1: connect to 127\.0\.0\.1:1 failed: .*refused \| time=0\.\d{3}s;;;0\nbefore\n$`},
		{name: "plugin check script", args: []string{"--plugin", "-e", "print('early') local c = require 'check' c.ok('fine') c.detail('more')"}, wantCode: 0,
			wantStdout: "OK - fine\nmore\nearly\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.wantCode, stderr.String())
			}
			if tt.wantStdout != "" && stdout.String() != tt.wantStdout &&
				!(strings.HasPrefix(tt.wantStdout, "^") && regexp.MustCompile(tt.wantStdout).MatchString(stdout.String())) {
				t.Errorf("stdout:\n got %q\nwant %q", stdout.String(), tt.wantStdout)
			}
			if tt.wantStderr != "" && stderr.String() != tt.wantStderr {
				t.Errorf("stderr:\n got %q\nwant %q", stderr.String(), tt.wantStderr)
			}
			plugin := strings.HasPrefix(tt.name, "plugin")
			if tt.wantCode != 0 && stderr.Len() == 0 && tt.wantCode < 3 && !strings.Contains(tt.name, "exit") && !plugin {
				t.Errorf("a failing run must say why on stderr")
			}
			if plugin && stderr.Len() != 0 {
				t.Errorf("a plugin reports on stdout once, but stderr has %q", stderr.String())
			}
		})
	}
}

func TestLogFileMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.log")
	os.WriteFile(path, nil, 0o644)
	var stdout, stderr bytes.Buffer
	code := run([]string{"--log", path, "--log-format", "json", "-e", "log('note', secret('topsecret'))"}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("log mode %04o, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if !strings.Contains(string(b), `"line":"note\\t***"`) || strings.Contains(string(b), "topsecret") {
		t.Errorf("log content: %s", b)
	}
}

func TestVerboseLog(t *testing.T) {
	var stdout, stderr bytes.Buffer
	if code := run([]string{"-v", "-e", "log('hello', secret('pw-123'))"}, nil, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	// -v: log() goes to the live transcript on stderr, once, masked.
	if got := stderr.String(); strings.Count(got, "hello") != 1 || !strings.Contains(got, " log --- hello\\t***") {
		t.Errorf("stderr: %q", got)
	}
	stderr.Reset()
	if code := run([]string{"-q", "-e", "log('hello')"}, nil, &stdout, &stderr); code != 0 || stderr.Len() != 0 {
		t.Errorf("-q: exit %d, stderr %q", code, stderr.String())
	}
}

func TestLuaPath(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "mymod.lua"), []byte("return {answer = 42}"), 0o644)
	t.Setenv("LUA_PATH", filepath.Join(dir, "?.lua"))
	script := "print(require('mymod').answer)"
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--lua-path", "-e", script}, nil, &stdout, &stderr); code != 0 || stdout.String() != "42\n" {
		t.Errorf("--lua-path: exit %d, stdout %q, stderr %q", code, stdout.String(), stderr.String())
	}
	// Without --lua-path, LUA_PATH is ignored: nothing is loaded from disk.
	stdout.Reset()
	stderr.Reset()
	if code := run([]string{"-e", script}, nil, &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), "module 'mymod' not found") {
		t.Errorf("without --lua-path: exit %d, stderr %q", code, stderr.String())
	}
}
