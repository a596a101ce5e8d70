package scripts_test

// Record and replay (docs/record-replay.md) with the shipped scripts: each
// is recorded against the sandbox and against Postfix + Dovecot, the
// servers are stopped, and the replay must print the same (measured
// seconds aside) with the same exit code; an edited recording drives an
// error path; a diverging script names both lines; no recording holds a
// password in any form; mailexpect replay serves a client in another
// process, with STARTTLS, over the smtp, pop3 and imap modules.

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/internal/testutil"
)

// measured is a measured duration in any output: "0.0123s", "[0.0 ms]",
// a JSON "value":0.000209.
var measured = regexp.MustCompile(`\b\d+(\.\d+)?( ?ms|s)\b|"value":[0-9.e-]+`)

// sameRun fails unless the replay printed what the recorded run printed,
// measured times aside.
func sameRun(t *testing.T, recorded, replayed result) {
	t.Helper()
	same := func(s string) string { return measured.ReplaceAllString(s, "N") }
	if replayed.code != recorded.code || same(replayed.stdout) != same(recorded.stdout) {
		t.Errorf("the replay differs from the recorded run\nrecorded: %s\nreplayed: %s", recorded, replayed)
	}
}

// noLeak fails if the recording holds a password in any form a client
// sends it.
func noLeak(t *testing.T, rec string, passwords ...string) string {
	t.Helper()
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range passwords {
		for _, form := range append(leakForms(p), strings.ReplaceAll(p, `"`, `\"`)) {
			if strings.Contains(string(data), form) {
				t.Errorf("%s holds a password (form %q)", rec, form)
			}
		}
	}
	return string(data)
}

// probePatterns is what a person adds to a recording of check.lua: its
// probe token differs on every run (Date and Message-ID get a pattern
// when recorded).
func probePatterns(t *testing.T, rec string) {
	t.Helper()
	data, err := os.ReadFile(rec)
	if err != nil {
		t.Fatal(err)
	}
	text := regexp.MustCompile(`(?m)^( *[0-9.]+ C: Subject: mailexpect delivery probe mailexpect-[0-9a-f]+)$`).
		ReplaceAllString(string(data), "$1\n  ~ Subject: mailexpect delivery probe (mailexpect-[0-9a-f]+)")
	text = regexp.MustCompile(`(?m)^( *[0-9.]+ C: X-Mailexpect-Probe: .*)$`).
		ReplaceAllString(text, "$1\n  ~ X-Mailexpect-Probe: (mailexpect-[0-9a-f]+) ([0-9]+)")
	if text == string(data) {
		t.Fatalf("no probe lines in %s", rec)
	}
	os.WriteFile(rec, []byte(text), 0o600)
}

func TestRecordReplaySandbox(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		edit func(*testing.T, string)
	}{
		{"check", []string{script("check.lua")}, probePatterns},
		{"check json", []string{script("check.lua"), "--json"}, probePatterns},
		// A refused connect is recorded and replayed as such.
		{"check pop3 down", []string{script("check.lua"), "--pop3", "127.0.0.1:1"}, nil},
		{"check-tls", []string{script("check-tls.lua")}, nil},
		{"check-banner auth", []string{script("check-banner.lua"), "--auth", "plain", "-C", "NOOP"}, nil},
		{"check-banner cram-md5", []string{script("check-banner.lua"), "--auth", "cram-md5"}, nil},
		{"check-banner login", []string{script("check-banner.lua"), "--auth", "login"}, nil},
		{"smtp-probe", []string{script("smtp-probe.lua"), "--auth", "--vrfy", "demo1@sandbox.test"}, nil},
		{"pop3-stat", []string{script("pop3-stat.lua")}, nil},
		{"pop3-cleanup", []string{script("pop3-cleanup.lua"), "--dry-run", "--older-than", "30"}, nil},
		{"imap-cleanup", []string{script("imap-cleanup.lua"), "--dry-run", "--older-than", "30"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rec := filepath.Join(t.TempDir(), "r.rec")
			recorded := run(t, nil, demoPasswords, append([]string{"--sandbox", "--record", rec}, tc.args...)...)
			text := noLeak(t, rec, demoPasswords...)
			if !strings.Contains(text, "\nsession ") || !strings.Contains(text, " tls version=") && !strings.Contains(text, " connect-failed ") {
				t.Errorf("the recording has no session or no TLS:\n%s", text)
			}
			if tc.edit != nil {
				tc.edit(t, rec)
			}
			// No server now; MAILEXPECT_* come back from the recording.
			replayed := run(t, nil, demoPasswords, append([]string{"--replay", rec}, tc.args...)...)
			sameRun(t, recorded, replayed)
		})
	}
}

// An edited recording: the server shuts down in the middle of the
// submission, and check.lua's error path runs.
func TestReplayEditedRecording(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "r.rec")
	args := []string{script("check.lua")}
	wantCode(t, run(t, nil, demoPasswords, append([]string{"--sandbox", "--record", rec}, args...)...), 0)
	probePatterns(t, rec)
	data, _ := os.ReadFile(rec)
	re := regexp.MustCompile(`(?m)^( *[0-9.]+) S: 250 2\.0\.0 OK: queued$`)
	if !re.Match(data) {
		t.Fatalf("no queued reply in the recording:\n%s", data)
	}
	os.WriteFile(rec, re.ReplaceAll(data, []byte("$1 S: 421 4.3.2 Service shutting down\n eof")), 0o600)
	r := run(t, nil, nil, append([]string{"--replay", rec}, args...)...)
	wantCode(t, r, 2)
	if !strings.HasPrefix(r.stdout, "MAIL CRITICAL - ") || !strings.Contains(r.firstLine(), "421 4.3.2 Service shutting down") {
		t.Errorf("the 421 does not reach the status line:\n%s", r)
	}
}

// A script that sends something else fails with kind protocol, naming
// the script's line, the recording's line and both protocol lines.
func TestReplayDiverges(t *testing.T) {
	dir := t.TempDir()
	probe := filepath.Join(dir, "probe.lua")
	write := func(helo string) {
		os.WriteFile(probe, []byte(`local smtp = require "smtp"
local host, port = os.getenv("MAILEXPECT_SMTP"):match("^(.*):(%d+)$")
local c = smtp.open{host = host, port = port, helo = "`+helo+`"}
local ok, err = pcall(c.noop, c)
if not ok then print("kind: " .. err.kind); error(err) end
c:quit()
print("ok")
`), 0o644)
	}
	write("client.example")
	rec := filepath.Join(dir, "r.rec")
	wantCode(t, run(t, nil, nil, "--sandbox", "--record", rec, probe), 0)
	wantCode(t, run(t, nil, nil, "--replay", rec, probe), 0)
	write("other.example")
	r := run(t, nil, nil, "--replay", rec, probe)
	wantCode(t, r, 1)
	for _, want := range []string{"probe.lua:3: ", `the script sent "EHLO other.example"`, `the recording has "EHLO client.example"`,
		filepath.Base(rec) + ":"} {
		if !strings.Contains(r.stderr, want) {
			t.Errorf("stderr lacks %q:\n%s", want, r)
		}
	}
	if strings.Contains(r.stdout, "ok") {
		t.Errorf("the script went on:\n%s", r)
	}
}

// The real servers: recorded, stopped, replayed.
func TestRecordReplayRealServers(t *testing.T) {
	// A quote in the password: IMAP LOGIN sends it quoted.
	st := mailstack.NewStack(t, mailstack.Options{Users: 2, Password: `Rp"q9-x7z.w`})
	u := st.Users[0]
	seedCleanup(t, st, u)
	dir := t.TempDir()
	env := stackEnv(st, u)
	cases := []struct {
		name string
		args []string
		edit func(*testing.T, string)
	}{
		{"pop3-stat", []string{script("pop3-stat.lua")}, nil},
		{"pop3-cleanup", append([]string{script("pop3-cleanup.lua"), "--dry-run"}, cleanupCriteria...), nil},
		{"imap-cleanup", append([]string{script("imap-cleanup.lua"), "--dry-run", "--list-uids"}, cleanupCriteria...), nil},
		{"check-tls", []string{script("check-tls.lua")}, nil},
		{"check", checkArgs(st.Users[1]), probePatterns},
	}
	recorded := make([]result, len(cases))
	for i, tc := range cases {
		rec := filepath.Join(dir, fmt.Sprintf("%d.rec", i))
		e := env
		if tc.name == "check" {
			e = stackEnv(st, st.Users[1])
		}
		recorded[i] = run(t, e, []string{u.Password}, append([]string{"--record", rec}, tc.args...)...)
		if recorded[i].code != 0 && tc.name != "check-tls" {
			t.Fatalf("%s against the real servers: %s", tc.name, recorded[i])
		}
		noLeak(t, rec, u.Password)
		if tc.edit != nil {
			tc.edit(t, rec)
		}
	}
	if err := st.Stop(); err != nil {
		t.Fatal(err)
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			// Another password, and no CA file (the stack's is gone): a
			// replay needs neither.
			e := replaceEnv(replaceEnv(env, "MAILEXPECT_PASS", "not-the-password"), "MAILEXPECT_CA_FILE", "")
			if tc.name == "check" {
				// Not a one-letter password: the replay masks it, and a
				// secret that short is found in 2 of 10,000 Postfix queue
				// ids read as base64 ("queued as ***"), a flaky comparison.
				e = replaceEnv(replaceEnv(stackEnv(st, st.Users[1]), "MAILEXPECT_PASS", "also-not-the-password"), "MAILEXPECT_CA_FILE", "")
			}
			rec := filepath.Join(dir, fmt.Sprintf("%d.rec", i))
			sameRun(t, recorded[i], run(t, e, nil, append([]string{"--replay", rec}, tc.args...)...))
		})
	}
}

// mailexpect replay serves a recording to a client in another process:
// SMTP, POP3 and IMAP through the modules, each with STARTTLS verified
// against the replay's CA.
func TestReplayServesAnotherProcess(t *testing.T) {
	dir := t.TempDir()
	client := filepath.Join(dir, "client.lua")
	os.WriteFile(client, []byte(`local smtp, pop3, imap = require "smtp", require "pop3", require "imap"
local function hp(v) return v:match("^(.*):(%d+)$") end
local user, pass = os.getenv("MAILEXPECT_USER"), secret_env("MAILEXPECT_PASS")
local h, p = hp(os.getenv("MAILEXPECT_SMTP"))
local c = smtp.open{host = h, port = p, user = user, pass = pass}
print("smtp", c.session.tls.version, c.session.tls.verified)
c:quit()
h, p = hp(os.getenv("MAILEXPECT_POP3"))
local m = pop3.open{host = h, port = p, user = user, pass = pass}
print("pop3", m.session.tls.version, m:stat())
m:quit()
h, p = hp(os.getenv("MAILEXPECT_IMAP"))
local i = imap.open{host = h, port = p, user = user, pass = pass}
local box = i:examine("INBOX")
print("imap", i.session.tls.version, box.exists)
i:logout()
`), 0o644)
	rec := filepath.Join(dir, "r.rec")
	recorded := run(t, nil, demoPasswords, "--sandbox", "--record", rec, client)
	wantCode(t, recorded, 0)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "replay", rec)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir()}
	srv := testutil.StartServer(t, cmd)
	env, stderr := srv.Env, srv.Stderr
	for _, want := range []string{"smtp  127.0.0.1:", "pop3  127.0.0.1:", "imap  127.0.0.1:", "ca_file  "} {
		if !strings.Contains(srv.Banner, want) {
			t.Errorf("the banner lacks %q:\n%s", want, srv.Banner)
		}
	}
	if len(env) != 5 { // SMTP, POP3, IMAP, USER, CA_FILE
		t.Fatalf("export line: %q\n%s", env, srv.Banner)
	}
	replayed := run(t, append(env, "MAILEXPECT_PASS=any-password"), nil, client)
	wantCode(t, replayed, 0)
	want := regexp.MustCompile(`^smtp\tTLS 1\.3\ttrue\npop3\tTLS 1\.3\t0\t0\nimap\tTLS 1\.3\t0\n$`)
	if !want.MatchString(replayed.stdout) || recorded.stdout != replayed.stdout {
		t.Errorf("served: %q, recorded %q", replayed.stdout, recorded.stdout)
	}
	// A client that sends something else is cut off, and stderr says why.
	bad := run(t, append(env, "MAILEXPECT_PASS=any-password", "MAILEXPECT_USER=someone-else"), nil, client)
	if bad.code == 0 {
		t.Errorf("a diverging client succeeded: %s", bad)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(stderr.String(), "the recording has") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(stderr.String(), "someone-else") {
		t.Errorf("the server's log does not name the diverging line:\n%s", stderr.String())
	}
}
