package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/pki"
	"github.com/mailexpect/mailexpect/internal/testutil"
)

// TestSandboxUsage: the sandbox's flags, and what is refused.
func TestSandboxUsage(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string // exact, or a regexp when it starts with ^
	}{
		{"fault without --sandbox", []string{"--fault", "drip", "x.lua"}, 2,
			"error: --fault needs --sandbox: faults are the embedded server's\n" +
				"hint: mailexpect --sandbox --fault SPEC SCRIPT.lua, or mailexpect sandbox --fault SPEC\n"},
		{"users without --sandbox", []string{"--users", "5", "-e", ""}, 2, "error: --users needs --sandbox\n"},
		{"bad users", []string{"--sandbox", "--users", "0", "-e", ""}, 2,
			"error: want a number of demo users from 1 to 10000, got \"0\"\n"},
		{"unknown fault", []string{"--sandbox", "--fault", "explode", "-e", ""}, 2,
			"^error: unknown fault \"explode\": want drip"},
		{"unknown listener", []string{"--sandbox", "--fault", "ftp=bye", "-e", ""}, 2,
			"error: fault \"ftp=bye\": unknown listener \"ftp\": want smtp, pop3 or imap\n"},
		{"reject-rcpt on pop3", []string{"--sandbox", "--fault", "pop3=reject-rcpt", "-e", ""}, 2,
			"error: fault \"pop3=reject-rcpt\": reject-rcpt applies only to the smtp listener\n"},
		{"listen-public on a run", []string{"--listen-public", "x.lua"}, 2,
			"error: --listen-public is for the sandbox subcommand: mailexpect sandbox --listen-public\n"},
		{"--sandbox and the subcommand", []string{"--sandbox", "sandbox"}, 2,
			"error: --sandbox runs a script; the sandbox subcommand serves: give one of them\n"},
		{"subcommand with an argument", []string{"sandbox", "check.lua"}, 2,
			"error: mailexpect sandbox takes no arguments, got \"check.lua\"\n" +
				"hint: to run a script against the sandbox: mailexpect --sandbox SCRIPT.lua\n"},
		{"subcommand unknown flag", []string{"sandbox", "--smpt", "127.0.0.1:25"}, 2,
			"error: unknown flag --smpt\nhint: run 'mailexpect --help' for the sandbox's flags\n"},
		{"subcommand bad address", []string{"sandbox", "--smtp", "2525"}, 2,
			"error: --smtp wants host:port, got \"2525\"\n" +
				"hint: for example --smtp 127.0.0.1:2525, or 127.0.0.1:0 for any free port\n"},
		{"subcommand not loopback", []string{"sandbox", "--imap", "192.0.2.1:143"}, 1,
			"^error: sandbox imap address \"192.0.2.1:143\" is not a loopback address: .* unless --listen-public is given\n$"},
		{"web not loopback", []string{"sandbox", "--web", "0.0.0.0:8025"}, 2,
			"^error: --web 0.0.0.0:8025 is not a loopback address\nhint: add --listen-public to let other machines read the sandbox's mail\n$"},
		{"web bad address", []string{"sandbox", "--web", "8025"}, 2,
			"error: --web wants host:port, got \"8025\"\nhint: for example --web 127.0.0.1:2525, or 127.0.0.1:0 for any free port\n"},
		{"subcommand help", []string{"sandbox", "-h"}, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
			if code != tt.wantCode {
				t.Errorf("exit code %d, want %d\nstderr: %s", code, tt.wantCode, stderr.String())
			}
			got := stderr.String()
			if strings.HasPrefix(tt.wantStderr, "^") {
				if !regexp.MustCompile(tt.wantStderr).MatchString(got) {
					t.Errorf("stderr %q does not match %q", got, tt.wantStderr)
				}
			} else if got != tt.wantStderr {
				t.Errorf("stderr:\n got %q\nwant %q", got, tt.wantStderr)
			}
			if tt.wantCode == 0 && stdout.String() != usage {
				t.Errorf("stdout: want the usage, got %q", stdout.String())
			}
		})
	}
}

// sandboxScript checks, inside a --sandbox run, the global sandbox, the
// MAILEXPECT_* variables, that the global is read-only, and that every
// connect trusts the sandbox CA (with or without a ca_file of its own).
const sandboxScript = `
assert(type(sandbox) == "table", "no sandbox global")
assert(sandbox.smtp:match("^127%.0%.0%.1:%d+$"), sandbox.smtp)
assert(sandbox.pop3:match("^127%.0%.0%.1:%d+$"), sandbox.pop3)
assert(sandbox.imap:match("^127%.0%.0%.1:%d+$"), sandbox.imap)
assert(env("MAILEXPECT_SMTP") == sandbox.smtp and env("MAILEXPECT_POP3") == sandbox.pop3 and
       env("MAILEXPECT_IMAP") == sandbox.imap and env("MAILEXPECT_CA_FILE") == sandbox.ca_file)
assert(os.getenv("MAILEXPECT_USER") == "demo1" and secret_env("MAILEXPECT_PASS") == "demo1-pass")
local u = sandbox.users[1]
assert(u.user == "demo1" and u.pass == "demo1-pass" and u.address == "demo1@sandbox.test")
assert(io.open(sandbox.ca_file)):close()
assert(not pcall(function() sandbox = nil end), "sandbox could be replaced")
assert(not pcall(function() sandbox.smtp = "x" end), "sandbox.smtp could be changed")
assert(not pcall(function() sandbox.users[1].pass = "x" end), "a user could be changed")

-- STARTTLS verified against the sandbox CA: without a ca_file, with the
-- sandbox's own, and with an unrelated CA's (arg[1]), which adds to the
-- trusted roots rather than replacing them.
for _, opts in ipairs{{}, {ca_file = sandbox.ca_file}, {ca_file = arg[1]}} do
  local s = connect(sandbox.smtp, opts)
  s:expect([[^220 ]])
  s:sendline("EHLO client.test")
  s:reply()
  s:sendline("STARTTLS")
  s:expect([[^220 ]])
  s:starttls(opts)
  assert(s.tls.verified, "not verified: " .. tostring(s.tls.verify_error))
  s:close()
end
-- A ca_file that cannot be read is an error at the TLS step, as without
-- --sandbox: a plain connect does not read it.
local s = connect(sandbox.smtp, {ca_file = "/nonexistent/ca.pem"})
s:expect([[^220 ]])
s:sendline("EHLO client.test")
s:reply()
s:sendline("STARTTLS")
s:expect([[^220 ]])
local ok, err = pcall(s.starttls, s, {ca_file = "/nonexistent/ca.pem"})
assert(not ok and err.kind == "usage" and err.message:find("ca_file"), tostring(err))
s:close()
-- The modules too, and a message reaches POP3 and IMAP.
local smtp, pop3 = require "smtp", require "pop3"
local c = smtp.open{url = "smtp://" .. sandbox.smtp, user = u.user, pass = u.pass}
c:send{from = u.address, to = {sandbox.users[#sandbox.users].address}, subject = "hi", body = "hello\r\n"}
c:quit()
local last = sandbox.users[#sandbox.users]
local p = pop3.open{url = "pop3://" .. sandbox.pop3, user = last.user, pass = last.pass}
local n = p:stat()
p:quit()
print("users " .. #sandbox.users .. ", delivered " .. n)
`

// TestSandboxRun: --sandbox wires the sandbox into the run and takes it
// all away afterwards. Not parallel: it sets the process environment.
func TestSandboxRun(t *testing.T) {
	script := writeScript(t, "sandbox.lua", sandboxScript)
	otherCA := writeScript(t, "other-ca.pem", string(selfSignedPEM(t)))
	t.Setenv("MAILEXPECT_SMTP", "mail.example.com:25")
	os.Unsetenv("MAILEXPECT_IMAP")
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--sandbox", script, otherCA}, "users 3, delivered 1\n"},
		{[]string{"--sandbox", "--users", "7", "--fault", "smtp=slow:1ms", script, otherCA}, "users 7, delivered 1\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, strings.NewReader(""), &stdout, &stderr)
		if code != 0 || stdout.String() != tt.want || stderr.Len() != 0 {
			t.Fatalf("%v: exit %d, stdout %q (want %q), stderr:\n%s", tt.args, code, stdout.String(), tt.want, stderr.String())
		}
	}
	// The environment is as it was, the CA file gone.
	if v := os.Getenv("MAILEXPECT_SMTP"); v != "mail.example.com:25" {
		t.Errorf("MAILEXPECT_SMTP after the run: %q", v)
	}
	if v, ok := os.LookupEnv("MAILEXPECT_IMAP"); ok {
		t.Errorf("MAILEXPECT_IMAP after the run: %q, want unset", v)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"--sandbox", "-e", "print(sandbox.ca_file)"}, strings.NewReader(""), &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if _, err := os.Stat(strings.TrimSpace(stdout.String())); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the CA file is still there after the run: %v", err)
	}

	// Without --sandbox there is no sandbox global.
	stdout.Reset()
	if code := run([]string{"-e", "print(sandbox)"}, strings.NewReader(""), &stdout, &stderr); code != 0 || stdout.String() != "nil\n" {
		t.Errorf("without --sandbox: exit %d, %q", code, stdout.String())
	}
}

// TestSandboxEach: a bulk run against the sandbox, one row per demo user
// (and one with a wrong password). Not parallel: --sandbox sets the
// process environment.
func TestSandboxEach(t *testing.T) {
	rows := writeScript(t, "rows.csv", "user,pass\ndemo1,demo1-pass\ndemo2,demo2-pass\ndemo3,demo3-pass\ndemo4,wrong\n")
	results := filepath.Join(t.TempDir(), "results.jsonl")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--sandbox", "--users", "4", "--each", rows, "--results", results, "-e", `
local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. sandbox.pop3, user = row.user, pass = row.pass}
local n = p:stat()
p:quit()
return {count = n, pop3 = env("MAILEXPECT_POP3") == sandbox.pop3}`}, strings.NewReader(""), &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "4 rows in ") || !strings.Contains(stderr.String(), ": 3 ok, 1 failed") ||
		!strings.Contains(stderr.String(), "demo4: reply: ") {
		t.Fatalf("exit %d, want 1 with 3 rows ok and demo4 refused\nstderr:\n%s", code, stderr.String())
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(string(data), `"result":{"count":0,"pop3":true}`); n != 3 {
		t.Errorf("%d rows with the expected result, want 3:\n%s", n, data)
	}
}

// TestSandboxRunTranscript: under -v the sandbox's events are in the
// transcript, and --restricted scripts may reach the sandbox.
func TestSandboxRunTranscript(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := run([]string{"-v", "--sandbox", "--restricted", "-e", `
local s = connect(sandbox.smtp)
s:expect([[^220 ]])
s:sendline("QUIT")
s:expect([[^221 ]])`}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	for _, want := range []string{" sandbox --- sandbox smtp listening on 127.0.0.1:", " <<< 220 sandbox.test ESMTP"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("transcript lacks %q:\n%s", want, stderr.String())
		}
	}
	// --restricted still keeps the script to the sandbox's hosts.
	stderr.Reset()
	code = run([]string{"--sandbox", "--restricted", "-e", `connect("192.0.2.1:25")`}, strings.NewReader(""), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), "--restricted allows only hosts named in the arguments") {
		t.Errorf("restricted connect elsewhere: exit %d, %s", code, stderr.String())
	}
}

// TestSandboxServe runs `mailexpect sandbox` as a user would: it prints
// the addresses, CA file and users, a message sent with the printed
// settings arrives, and SIGINT or SIGTERM stop it with exit 0.
func TestSandboxServe(t *testing.T) {
	bin := buildBinary(t)
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			smtpAddr := fakeserver.ClosedAddr(t)
			cmd := exec.Command(bin, "sandbox", "--smtp", smtpAddr, "--users", "12", "--fault", "pop3=slow:5ms")
			srv := testutil.StartServer(t, cmd)
			text, events := srv.Banner, srv.Stderr
			for _, want := range []string{
				"\n  smtp   " + smtpAddr + " ", // the column is as wide as "smtps"
				"\n  smtps  127.0.0.1:",
				"\n  lmtp   127.0.0.1:",
				"\nfaults: pop3=slow:5ms\n",
				"\n  demo1   demo1-pass   demo1@sandbox.test\n",
				"\n  demo10  demo10-pass  demo10@sandbox.test\n",
				"\n  ...     (12 users in all: demo1 to demo12, passwords demoN-pass)\n",
				"\n  export MAILEXPECT_SMTP=" + smtpAddr + " \\\n",
				"\n  mailexpect scripts/check.lua --to demo1@sandbox.test\n",
			} {
				if !strings.Contains(text, want) {
					t.Errorf("banner lacks %q:\n%s", want, text)
				}
			}
			env := srv.Env
			if len(env) != 6 {
				t.Fatalf("banner exports %d variables, want 6:\n%s", len(env), text)
			}
			caFile := ""
			for _, kv := range env {
				if v, ok := strings.CutPrefix(kv, "MAILEXPECT_CA_FILE="); ok {
					caFile = v
				}
			}

			// A message sent with the printed settings shows up over POP3
			// and IMAP, the CA verified from MAILEXPECT_CA_FILE.
			client := exec.Command(bin, "-e", `
local smtp, pop3, imap = require "smtp", require "pop3", require "imap"
local o = {user = env("MAILEXPECT_USER"), pass = secret_env("MAILEXPECT_PASS"), ca_file = env("MAILEXPECT_CA_FILE")}
local function with(url) local t = {url = url} for k, v in pairs(o) do t[k] = v end return t end
local c = smtp.open(with("smtp://" .. env("MAILEXPECT_SMTP")))
c:send{from = "demo1@sandbox.test", to = {"demo1@sandbox.test"}, subject = "served", body = "hi\r\n"}
c:quit()
local p = pop3.open(with("pop3://" .. env("MAILEXPECT_POP3")))
local n = p:stat()
p:quit()
local i = imap.open(with("imap://" .. env("MAILEXPECT_IMAP")))
local box = i:select("INBOX")
i:logout()
print(n, box.exists)`)
			client.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}, env...)
			got, err := client.CombinedOutput()
			if err != nil || string(got) != "1\t1\n" {
				t.Errorf("client against the served sandbox: %v\n%s", err, got)
			}

			start := time.Now()
			cmd.Process.Signal(sig)
			if err := cmd.Wait(); err != nil {
				t.Errorf("after %v: %v, want exit 0\n%s", sig, err, events.String())
			}
			if d := time.Since(start); d > 3*time.Second {
				t.Errorf("took %v to stop", d)
			}
			if _, err := os.Stat(caFile); caFile == "" || !errors.Is(err, os.ErrNotExist) {
				t.Errorf("CA file %q after exit: %v", caFile, err)
			}
			for _, want := range []string{"sandbox smtp listening on " + smtpAddr, "delivered a message from <demo1@sandbox.test>"} {
				if !strings.Contains(events.String(), want) {
					t.Errorf("event log lacks %q:\n%s", want, events.String())
				}
			}
		})
	}
}

// selfSignedPEM is a CA certificate that has nothing to do with the
// sandbox.
func selfSignedPEM(t *testing.T) []byte {
	t.Helper()
	ca, err := pki.NewCA(pki.Name{CommonName: "unrelated test CA"}, time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	return ca.PEM()
}

// TestSandboxImplicitTLSAndLMTP: the modules reach the sandbox's smtps,
// pop3s, imaps and lmtp listeners by their URLs; LMTP delivers into the
// same store the others read.
func TestSandboxImplicitTLSAndLMTP(t *testing.T) {
	script := writeScript(t, "listeners.lua", `
local smtp, pop3, imap = require "smtp", require "pop3", require "imap"
local u = sandbox.users[1]
local c = smtp.open{url = "smtps://" .. sandbox.smtps, user = u.user, pass = u.pass}
assert(c.session.tls and c.session.tls.peer.spki:match("^sha256/"), "smtps: TLS from the first byte")
c:quit()
local l = smtp.open{url = "lmtp://" .. sandbox.lmtp, tls = "none"}
local last, per = l:send{from = "probe@example.test", to = {u.address}, subject = "via lmtp", body = "x"}
assert(per[1].code == 250, "one reply per recipient")
l:quit()
local p = pop3.open{url = "pop3s://" .. sandbox.pop3s, user = u.user, pass = u.pass}
print("pop3s", (p:stat()))
p:quit()
local i = imap.open{url = "imaps://" .. sandbox.imaps, user = u.user, pass = u.pass}
print("imaps", i.session.tls ~= nil)
i:logout()
`)
	var stdout, stderr bytes.Buffer
	code := run([]string{"--sandbox", script}, strings.NewReader(""), &stdout, &stderr)
	if code != 0 || stdout.String() != "pop3s\t1\nimaps\ttrue\n" {
		t.Fatalf("exit %d, stdout %q, stderr:\n%s", code, stdout.String(), stderr.String())
	}
}
