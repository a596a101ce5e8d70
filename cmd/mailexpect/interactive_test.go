package main

import (
	"encoding/base64"

	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

func TestMain(m *testing.M) { os.Exit(mailstack.Main(m)) }

// The interactive side is tested the way a person uses it: the binary
// runs in a real terminal (a tmux pane), keys are typed with send-keys and
// the screen is read with capture-pane.

// pane is one tmux server with one window running a command.
type pane struct {
	t      *testing.T
	socket string
	log    string
}

func requireTmux(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("MAILEXPECT_REQUIRE_SERVERS") != "" {
			t.Fatal("tmux is not installed (.ci/install-servers installs it)")
		}
		t.Skip("tmux is not installed")
	}
}

// startPane runs argv in a new 150x50 tmux pane, with env added. When the
// command ends the pane shows "EXITED <code>" and stays.
func startPane(t *testing.T, env []string, argv ...string) *pane {
	t.Helper()
	requireTmux(t)
	dir := t.TempDir()
	p := &pane{t: t, socket: filepath.Join(dir, "tmux.sock")}
	var cmd strings.Builder
	cmd.WriteString("env")
	for _, e := range env {
		cmd.WriteString(" " + shellQuote(e))
	}
	for _, a := range argv {
		cmd.WriteString(" " + shellQuote(a))
	}
	cmd.WriteString("; echo EXITED $?; sleep 600")
	p.tmux("-f", "/dev/null", "new-session", "-d", "-x", "150", "-y", "50", "sh", "-c", cmd.String())
	t.Cleanup(func() { exec.Command("tmux", "-S", p.socket, "kill-server").Run() })
	return p
}

func (p *pane) tmux(args ...string) string {
	p.t.Helper()
	out, err := exec.Command("tmux", append([]string{"-S", p.socket}, args...)...).CombinedOutput()
	if err != nil {
		p.t.Fatalf("tmux %q: %v\n%s", args, err, out)
	}
	return string(out)
}

// typeLine types text literally, then Enter.
func (p *pane) typeLine(text string) {
	p.t.Helper()
	if text != "" {
		p.tmux("send-keys", "-l", text)
	}
	p.tmux("send-keys", "Enter")
}

// screen is the pane with its scrollback.
func (p *pane) screen() string { return p.tmux("capture-pane", "-p", "-J", "-S", "-1000") }

// waitFor waits until the screen matches re and returns the screen.
func (p *pane) waitFor(re string) string {
	p.t.Helper()
	rx := regexp.MustCompile(re)
	deadline := time.Now().Add(15 * time.Second)
	for {
		s := p.screen()
		if rx.MatchString(s) {
			return s
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("the screen never showed %q:\n%s", re, s)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// exitedClean waits for the program's exit 0 and fails the test when the
// screen, or the log file logf when it is not "", shows the password. It
// returns the screen.
func (p *pane) exitedClean(logf, pass, user string) string {
	p.t.Helper()
	s := p.waitFor(`EXITED 0`)
	texts := map[string]string{"screen": s}
	if logf != "" {
		logText, err := os.ReadFile(logf)
		if err != nil {
			p.t.Fatal(err)
		}
		texts["log"] = string(logText)
	}
	leaks(p.t, pass, user, texts)
	return s
}

// leaks fails when any form of pass is in one of the texts.
func leaks(t *testing.T, pass, user string, texts map[string]string) {
	t.Helper()
	forms := []string{pass,
		base64.StdEncoding.EncodeToString([]byte(pass)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass))}
	for name, text := range texts {
		for _, f := range forms {
			if strings.Contains(text, f) {
				t.Errorf("the %s shows the password (form %q):\n%s", name, f, text)
			}
		}
	}
}

// connectFromPipe runs mailexpect with args (connect ...) in-process, its
// standard input a pipe holding input; it returns stdout and fails the
// test unless the exit code is 0.
func connectFromPipe(t *testing.T, input string, args ...string) string {
	t.Helper()
	code, out, errs := connectPipe(t, input, args...)
	if code != 0 {
		t.Fatalf("%q: exit %d; stderr %s", args, code, errs)
	}
	return out
}

// connectPipe is connectFromPipe giving the exit code and stderr too.
func connectPipe(t *testing.T, input string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	w.WriteString(input)
	w.Close()
	defer r.Close()
	var out, errb strings.Builder
	code = run(args, r, &out, &errb)
	return code, out.String(), errb.String()
}

// TestConnectSandboxSMTP: STARTTLS verified through MAILEXPECT_CA_FILE,
// typed commands and their replies, ~? , ~login with a password typed at
// a no-echo prompt, a DATA body sent as typed (no dot-stuffing behind the
// person's back), ~. leaves; the password is on neither the screen nor
// the --log transcript.
func TestConnectSandboxSMTP(t *testing.T) {
	bin := buildBinary(t)
	srv := startTestSandbox(t)
	u := srv.Users()[0]
	logf := filepath.Join(t.TempDir(), "log.txt")
	p := startPane(t, append(srv.Env(), "MAILEXPECT_USER=", "MAILEXPECT_PASS=", "NETRC=/nonexistent"),
		bin, "--log", logf, "connect", "smtp://"+srv.SMTPAddr())
	p.waitFor(`~\? lists local commands`)
	s := p.screen()
	for _, want := range []string{"220 ", "TLS: TLS 1.3", "verified for 127.0.0.1", "250-AUTH PLAIN LOGIN CRAM-MD5"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
	p.typeLine("NOOP")
	p.waitFor(`(?m)^250 .*done nothing`)
	p.typeLine("~?")
	p.waitFor(`~login \[user\]`)
	p.typeLine("~login " + u.Name)
	p.waitFor(`password for ` + u.Name + `: `)
	p.typeLine(u.Pass)
	p.waitFor(`~login: logged in as ` + u.Name + ` \(PLAIN\)`)
	p.typeLine("MAIL FROM:<" + u.Address + ">")
	p.waitFor(`(?m)^250 .*accepting mail`)
	p.typeLine("RCPT TO:<" + u.Address + ">")
	p.typeLine("DATA")
	p.waitFor(`(?m)^354 `)
	p.typeLine("Subject: typed")
	p.typeLine("")
	p.typeLine("..two dots typed")
	p.typeLine("~~tilde line")
	p.typeLine(".")
	p.waitFor(`(?m)^250 .*queued`)
	p.typeLine("~.")
	p.exitedClean(logf, u.Pass, u.Name)
	logText, err := os.ReadFile(logf)
	if err != nil {
		t.Fatal(err)
	}
	msgs, _ := srv.Store().Messages(u.Name, "INBOX")
	if len(msgs) != 1 || !strings.Contains(string(msgs[0].Raw), "\r\n.two dots typed\r\n~tilde line\r\n") {
		t.Errorf("the message typed is not in the mailbox as typed (the server unstuffs one dot; ~~ sends ~): %d messages %q", len(msgs), msgs)
	}
	for _, want := range []string{"~>> NOOP", "~>> ..two dots typed", "interact: back to the script (escape)"} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("log lacks %q:\n%s", want, logText)
		}
	}
}

// TestInteractFromScript: a script hands its session to the person and
// gets it back when a pattern arrives, then goes on with it.
func TestInteractFromScript(t *testing.T) {
	bin := buildBinary(t)
	srv := startTestSandbox(t)
	script := filepath.Join(t.TempDir(), "hand.lua")
	os.WriteFile(script, []byte(`
local s = connect(env("MAILEXPECT_SMTP"))
s:expect([[^220 ]])
print("script: over to you")
local why, m = s:interact{ [[^250 (\S+) .*done nothing]] }
print("script: back (" .. why .. ", " .. m[1] .. ")")
s:sendline("QUIT")
print("script: " .. s:expect([[^221 .*]])[0])
`), 0o600)
	p := startPane(t, srv.Env(), bin, script)
	p.waitFor(`script: over to you`)
	p.typeLine("HELO me")
	p.waitFor(`(?m)^250 `)
	p.typeLine("NOOP")
	s := p.waitFor(`EXITED 0`)
	for _, want := range []string{"script: back (match, 2.0.0)", "script: 221 2.0.0 Bye"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}

	// Ctrl-D is the person's end of input: the script gets "eof".
	os.WriteFile(script, []byte(`
local s = connect(env("MAILEXPECT_POP3"))
s:expect([[^\+OK]])
print("script: over to you")
print("script: back (" .. s:interact() .. ")")
s:sendline("QUIT")
print("script: " .. s:expect([[^\+OK.*]])[0])
`), 0o600)
	p = startPane(t, srv.Env(), bin, script)
	p.waitFor(`script: over to you`)
	p.tmux("send-keys", "C-d")
	s = p.waitFor(`EXITED 0`)
	if !strings.Contains(s, "script: back (eof)") || !strings.Contains(s, "signing off") {
		t.Errorf("after Ctrl-D:\n%s", s)
	}
}

// TestConnectRealServers: Postfix submission (STARTTLS, AUTH from
// --secret-file), Dovecot IMAP (STARTTLS, LOGIN with a prompted password
// that holds a double quote) and POP3, typed in a terminal.
func TestConnectRealServers(t *testing.T) {
	bin := buildBinary(t)
	st := mailstack.Require(t)
	u := st.TakeUser(t)
	dir := t.TempDir()
	secret := filepath.Join(dir, "pass")
	os.WriteFile(secret, []byte(u.Password+"\n"), 0o600)
	env := []string{"MAILEXPECT_CA_FILE=" + st.CAFile, "MAILEXPECT_USER=", "MAILEXPECT_PASS=", "NETRC=/nonexistent"}

	t.Run("submission", func(t *testing.T) {
		logf := filepath.Join(dir, "smtp.log")
		p := startPane(t, env, bin, "-v", "--log", logf, "connect", "--servername", "localhost",
			"--user", u.Name, "--secret-file", secret, "submission://"+st.Submission)
		s := p.waitFor(`~\? lists local commands`)
		if !strings.Contains(s, "Postfix") || !strings.Contains(s, "verified for localhost") || !strings.Contains(s, "250-AUTH") {
			t.Errorf("greeting, TLS line or capabilities missing:\n%s", s)
		}
		p.typeLine("~login")
		p.waitFor(`logged in as ` + u.Name)
		p.typeLine("MAIL FROM:<" + u.Address + ">")
		p.waitFor(`(?m)^250 2\.1\.0`)
		p.typeLine("QUIT")
		s = p.exitedClean(logf, u.Password, u.Name) // with -v
		if !strings.Contains(s, "connection closed by the server") {
			t.Errorf("after QUIT:\n%s", s)
		}
	})

	t.Run("imap", func(t *testing.T) {
		logf := filepath.Join(dir, "imap.log")
		p := startPane(t, env, bin, "--log", logf, "connect", "--servername", "localhost", "imap://"+st.IMAP)
		s := p.waitFor(`~\? lists local commands`)
		if !strings.Contains(s, "STARTTLS") && !strings.Contains(s, "IMAP4REV1") {
			t.Errorf("no capabilities:\n%s", s)
		}
		p.typeLine("~login " + u.Name)
		p.waitFor(`password for ` + u.Name)
		p.typeLine(u.Password)
		p.waitFor(`logged in as ` + u.Name)
		p.typeLine("a1 SELECT INBOX")
		p.waitFor(`(?m)^a1 OK`)
		p.typeLine("a2 LOGOUT")
		s = p.exitedClean(logf, u.Password, u.Name)
		if !strings.Contains(s, "* BYE") {
			t.Errorf("after LOGOUT:\n%s", s)
		}
	})

	t.Run("TLS flags against Dovecot's imaps and pop3s", func(t *testing.T) {
		// The flags reach the handshake with a real server, as send's do:
		// --ca-file verifies, --pin accepts the server's key and refuses
		// another naming both, --min-version 1.3 gets TLS 1.3, a bad one is
		// a usage error.
		t.Setenv("MAILEXPECT_CA_FILE", "")
		tlsLine := regexp.MustCompile(`TLS: TLS 1\.3 \S+.*, verified for localhost`)
		for _, tt := range []struct{ url, quit string }{
			{"imaps://" + st.IMAPS, "a1 LOGOUT\n"},
			{"pop3s://" + st.POP3S, "QUIT\n"},
		} {
			code, _, stderr := connectPipe(t, tt.quit, "connect", "--servername", "localhost", tt.url)
			if code == 0 || !strings.Contains(stderr, "certificate") {
				t.Errorf("%s without --ca-file: exit %d, want a failed verification: %s", tt.url, code, stderr)
			}
			base := []string{"connect", "--servername", "localhost", "--ca-file", st.CAFile, "--min-version", "1.3"}
			out := connectFromPipe(t, tt.quit, append(base, tt.url)...)
			if !tlsLine.MatchString(out) {
				t.Errorf("%s --ca-file --min-version 1.3: no verified TLS 1.3 line:\n%s", tt.url, out)
			}
			wrong := "sha256/" + strings.Repeat("A", 43) + "="
			code, _, stderr = connectPipe(t, tt.quit, append(base, "--pin", wrong, tt.url)...)
			keys := regexp.MustCompile(`sha256/[A-Za-z0-9+/]{43}=`).FindAllString(stderr, -1)
			var actual string
			for _, k := range keys {
				if k != wrong {
					actual = k
				}
			}
			if code != 1 || actual == "" || !strings.Contains(stderr, wrong) {
				t.Fatalf("%s --pin of another key: exit %d, want 1 naming both keys: %s", tt.url, code, stderr)
			}
			out = connectFromPipe(t, tt.quit, append(base, "--pin", actual, tt.url)...)
			if !tlsLine.MatchString(out) {
				t.Errorf("%s --pin of its own key %s: no TLS line:\n%s", tt.url, actual, out)
			}
			code, _, stderr = connectPipe(t, tt.quit, "connect", "--ca-file", st.CAFile, "--min-version", "1.1", tt.url)
			if code != 2 || !strings.Contains(stderr, "1.1") {
				t.Errorf("%s --min-version 1.1: exit %d, want 2 naming the value: %s", tt.url, code, stderr)
			}
		}
	})

	t.Run("lmtp from a pipe", func(t *testing.T) {
		out := connectFromPipe(t, "NOOP\nQUIT\n", "connect", "--tls", "none", "--helo", "me.test", "lmtp://"+st.LMTP)
		for _, want := range []string{"220 ", "250-", "(lmtp)", "221 "} {
			if !strings.Contains(out, want) {
				t.Errorf("output lacks %q:\n%s", want, out)
			}
		}
	})

	t.Run("pop3", func(t *testing.T) {
		p := startPane(t, env, bin, "connect", "--servername", "localhost", "--auth", "user",
			"--user", u.Name, "--secret-file", secret, "pop3://"+st.POP3)
		p.waitFor(`~\? lists local commands`)
		p.typeLine("~login")
		p.waitFor(`logged in as ` + u.Name + ` \(user\)`)
		p.typeLine("STAT")
		p.waitFor(`(?m)^\+OK \d+ \d+`)
		p.typeLine("~.")
		p.exitedClean("", u.Password, u.Name)
	})
}

// TestConnectUsage: bad command lines are usage errors, without a terminal.
func TestConnectUsage(t *testing.T) {
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"connect"}, "connect takes one address"},
		{[]string{"connect", "gopher://x"}, "unknown scheme"},
		{[]string{"connect", "--tls", "maybe", "smtp://x"}, "--tls must be"},
		{[]string{"connect", "--bogus", "smtp://x"}, "unknown flag --bogus"},
	} {
		var out, errb strings.Builder
		code := run(tt.args, strings.NewReader(""), &out, &errb)
		if code != 2 || !strings.Contains(errb.String(), tt.want) {
			t.Errorf("%q: code %d, stderr %q; want 2 and %q", tt.args, code, errb.String(), tt.want)
		}
	}
	var out strings.Builder
	if code := run([]string{"connect", "--help"}, strings.NewReader(""), &out, &out); code != 0 || !strings.Contains(out.String(), "~login") {
		t.Errorf("connect --help: %d %q", code, out.String())
	}
}

// TestConnectFromPipe: lines from a pipe are sent, and the answer to the
// last one is shown after the input ends (printf ... | mailexpect connect).
func TestConnectFromPipe(t *testing.T) {
	srv := startTestSandbox(t)
	out := connectFromPipe(t, "NOOP\nQUIT\n", "connect", "--tls", "none", "smtp://"+srv.SMTPAddr())
	for _, want := range []string{"250-STARTTLS", "250 2.0.0 I have successfully done nothing", "221 2.0.0 Bye", "connection closed by the server"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

// TestInteractSpawnedPTY: s:interact over a spawned program on a pty: a
// prompt without a line end shows (when the program goes quiet), typed
// lines reach the program, and the script gets the session back on a
// pattern and sees the program's exit status.
func TestInteractSpawnedPTY(t *testing.T) {
	bin := buildBinary(t)
	script := filepath.Join(t.TempDir(), "pty.lua")
	os.WriteFile(script, []byte(`
local s = spawn{"sh", "-c", [[printf 'name? '; read n; echo "hello $n"; read x; echo "bye $x"; exit 4]], pty = true}
local why, m = s:interact{ [[hello (\w+)]] }  -- on the line of the prompt "name? "
print("script: back (" .. why .. ", " .. m[1] .. ")")
s:sendline("now")
s:expect([[^bye now]])
print("script: status " .. tostring(s:close()))
`), 0o600)
	p := startPane(t, nil, bin, script)
	p.waitFor(`name\? `)
	p.typeLine("world")
	s := p.waitFor(`EXITED 0`)
	for _, want := range []string{"script: back (match, world)", "script: status 4"} {
		if !strings.Contains(s, want) {
			t.Errorf("screen lacks %q:\n%s", want, s)
		}
	}
}

// TestConnectStartTLSCommand: --tls none, then ~starttls upgrades the
// live session (STARTTLS, the verified handshake, EHLO again).
func TestConnectStartTLSCommand(t *testing.T) {
	srv := startTestSandbox(t)
	logf := filepath.Join(t.TempDir(), "log")
	out := connectFromPipe(t, "NOOP\n~starttls\nNOOP\n~starttls\nQUIT\n",
		"--log", logf, "connect", "--tls", "none", "smtp://"+srv.SMTPAddr())
	for _, want := range []string{"TLS: TLS 1.3", "verified for 127.0.0.1", "250-AUTH PLAIN", "~starttls: the session is encrypted already", "221 "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	// The command waits for the answer to the line before it.
	if i, j := strings.Index(out, "done nothing"), strings.Index(out, "TLS: "); i < 0 || j < i {
		t.Errorf("the NOOP reply does not come before the TLS line:\n%s", out)
	}
	logText, _ := os.ReadFile(logf)
	for _, want := range []string{">>> NOOP", ">>> STARTTLS", "~>> NOOP", "~>> QUIT"} {
		if !strings.Contains(string(logText), want) {
			t.Errorf("log lacks %q:\n%s", want, logText)
		}
	}
}
