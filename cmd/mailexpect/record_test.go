package main

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

const statTest = `local pop3 = require "pop3"
local host, port = os.getenv("MAILEXPECT_POP3"):match("^(.*):(%d+)$")
local c = pop3.open{host = host, port = port, user = os.getenv("MAILEXPECT_USER"), pass = secret_env("MAILEXPECT_PASS")}
local n = c:stat()
c:quit()
assert(n == WANT, "want WANT messages, got " .. n)
`

// mailexpect test: *_test.lua against its recording, or the sandbox.
func TestTestCommand(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a_test.lua"), strings.ReplaceAll(statTest, "WANT", "0"))
	writeFile(t, filepath.Join(dir, "sub", "b_test.lua"), strings.ReplaceAll(statTest, "WANT", "7"))
	writeFile(t, filepath.Join(dir, "testdata", "c_test.lua"), "error('not a test')")
	writeFile(t, filepath.Join(dir, ".hidden", "d_test.lua"), "error('not a test')")
	writeFile(t, filepath.Join(dir, "helper.lua"), "error('not a test')")

	for _, args := range [][]string{{"test", "--sandbox", "--record", dir}, {"test", dir}} {
		code, out, errs := runCLI(t, args...)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if code != 1 || !strings.HasPrefix(out, "PASS  "+filepath.Join(dir, "a_test.lua")+" (") ||
			!strings.Contains(out, "\nFAIL  "+filepath.Join(dir, "sub", "b_test.lua")+" (") ||
			!strings.Contains(out, "want 7 messages, got 0") || lines[len(lines)-1] != "1 passed, 1 failed" ||
			strings.Contains(out, "c_test") || strings.Contains(out, "d_test") {
			t.Errorf("%v: exit %d\n%s%s", args, code, out, errs)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sub", "b_test.rec")); err != nil {
		t.Errorf("no recording beside the test: %v", err)
	}
	code, out, _ := runCLI(t, "test", filepath.Join(dir, "a_test.lua"))
	if code != 0 || !strings.Contains(out, "(replay ") || !strings.HasSuffix(out, "\n1 passed, 0 failed\n") {
		t.Errorf("one test: exit %d\n%s", code, out)
	}
	os.Remove(filepath.Join(dir, "sub", "b_test.rec"))
	code, out, _ = runCLI(t, "test", dir)
	if code != 1 || !strings.Contains(out, "FAIL  "+filepath.Join(dir, "sub", "b_test.lua")+": no recording ") {
		t.Errorf("without a recording: exit %d\n%s", code, out)
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"test", "--record", dir}, "add --sandbox"},
		{[]string{"test", t.TempDir()}, "no *_test.lua under"},
		{[]string{"test", filepath.Join(dir, "helper.lua")}, "is not a *_test.lua file"},
		{[]string{"--record", "x.rec", "test", dir}, "take their files as arguments"},
		{[]string{"--sandbox", "--replay", "x.rec", "-e", ""}, "give one of them"},
		{[]string{"--replay", filepath.Join(dir, "missing.rec"), "-e", ""}, "--replay: " + filepath.Join(dir, "missing.rec") + ": no such file"},
		{[]string{"--replay", filepath.Join(dir, "helper.lua"), "-e", ""}, "helper.lua:1: not a mailexpect recording"},
		{[]string{"--record", filepath.Join(dir, "no", "such", "dir.rec"), "-e", ""}, "--record: "},
		{[]string{"replay"}, "replay wants one recording FILE"},
		{[]string{"replay", filepath.Join(dir, "helper.lua")}, "not a mailexpect recording"},
	} {
		code, out, errs := runCLI(t, tc.args...)
		if code != 2 || !strings.Contains(errs, tc.want) {
			t.Errorf("%v: exit %d, want 2 and %q\n%s%s", tc.args, code, tc.want, out, errs)
		}
	}
}

// --each records every row's sessions; the replay gives every row its own,
// rows in parallel too (a session is matched to its row by its label).
func TestRecordEachRows(t *testing.T) {
	dir := t.TempDir()
	rows := filepath.Join(dir, "rows.csv")
	writeFile(t, rows, "user,pass\ndemo1,demo1-pass\ndemo2,demo2-pass\n")
	script := filepath.Join(dir, "rows.lua")
	writeFile(t, script, `local pop3 = require "pop3"
local host, port = os.getenv("MAILEXPECT_POP3"):match("^(.*):(%d+)$")
local c = pop3.open{host = host, port = port, user = row.user, pass = row.pass}
print(row.user, c:stat())
c:quit()
`)
	rec := filepath.Join(dir, "r.rec")
	code, recorded, errs := runCLI(t, "--sandbox", "--record", rec, "--each", rows, "--jobs", "1", "-q", script)
	if code != 0 {
		t.Fatalf("recording: exit %d\n%s%s", code, recorded, errs)
	}
	data, _ := os.ReadFile(rec)
	text := string(data)
	if strings.Count(text, "\nsession ") != 2 || !strings.Contains(text, "C: USER demo2") || strings.Contains(text, "-pass") {
		t.Errorf("the recording:\n%s", text)
	}
	if !strings.Contains(text, "label=[demo2]127.0.0.1:") {
		t.Errorf("the sessions are not labelled by row:\n%s", text)
	}
	sorted := func(s string) string {
		lines := strings.Split(s, "\n")
		sort.Strings(lines)
		return strings.Join(lines, "\n")
	}
	for _, jobs := range []string{"1", "2"} {
		code, replayed, errs := runCLI(t, "--replay", rec, "--each", rows, "--jobs", jobs, "-q", script)
		if code != 0 || sorted(replayed) != sorted(recorded) || !strings.Contains(replayed, "demo2\t0") {
			t.Errorf("replay with --jobs %s: exit %d\n%s%s\nrecorded:\n%s", jobs, code, replayed, errs, recorded)
		}
	}
}

// spawn sessions are recorded, and replayed without running the program.
func TestRecordSpawn(t *testing.T) {
	dir := t.TempDir()
	prog := filepath.Join(dir, "greeter")
	writeFile(t, prog, "#!/bin/sh\necho 'hello there'\nread x\necho \"got $x\"\n")
	os.Chmod(prog, 0o755)
	script := filepath.Join(dir, "spawn.lua")
	writeFile(t, script, `local s = spawn{"`+prog+`"}
s:expect("hello")
s:sendline("abc")
local m = s:expect([[got (\w+)]])
print("matched", m[1])
s:close()
`)
	rec := filepath.Join(dir, "r.rec")
	code, recorded, errs := runCLI(t, "--record", rec, script)
	if code != 0 || recorded != "matched\tabc\n" {
		t.Fatalf("recording: exit %d\n%s%s", code, recorded, errs)
	}
	data, _ := os.ReadFile(rec)
	if !strings.Contains(string(data), "session 1 exec "+prog) || !strings.Contains(string(data), "C: abc") {
		t.Errorf("the recording:\n%s", data)
	}
	os.Remove(prog) // the replay must not need it
	code, replayed, errs := runCLI(t, "--replay", rec, script)
	if code != 0 || replayed != recorded {
		t.Errorf("replay: exit %d\n%s%s", code, replayed, errs)
	}
}

// A replay that ends before the recording did passes, with a warning
// naming what was left (-q: none).
func TestReplayLeftovers(t *testing.T) {
	dir := t.TempDir()
	test := filepath.Join(dir, "stat_test.lua")
	writeFile(t, test, strings.ReplaceAll(statTest, "WANT", "0"))
	if code, out, errs := runCLI(t, "test", "--sandbox", "--record", dir); code != 0 {
		t.Fatalf("recording: exit %d\n%s%s", code, out, errs)
	}
	rec := filepath.Join(dir, "stat_test.rec")
	code, _, errs := runCLI(t, "--replay", rec, "-e", `local s = connect(os.getenv("MAILEXPECT_POP3")); s:expect("^\\+OK")`)
	if code != 0 || !strings.Contains(errs, "warning: replay: 127.0.0.1:") || !strings.Contains(errs, `ended before the recorded client line `+rec+`:`) ||
		!strings.Contains(errs, `"CAPA"`) {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	code, _, errs = runCLI(t, "--replay", rec, "-e", "")
	if code != 0 || !strings.Contains(errs, "warning: replay: 1 recorded sessions were not replayed: "+rec+":") {
		t.Errorf("exit %d, stderr:\n%s", code, errs)
	}
	if code, _, errs = runCLI(t, "-q", "--replay", rec, "-e", ""); code != 0 || errs != "" {
		t.Errorf("-q: exit %d, stderr:\n%s", code, errs)
	}
	// The full test leaves nothing over.
	if code, out, _ := runCLI(t, "test", dir); code != 0 || strings.Contains(out, "warning") {
		t.Errorf("the whole test: exit %d\n%s", code, out)
	}
}
