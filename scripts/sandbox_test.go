package scripts_test

// The example scripts against the embedded sandbox (mailexpect --sandbox),
// the README's first command exactly as written, every --fault mode, and a
// differential test: one Lua conversation against the sandbox and against
// Postfix + Dovecot, which must agree on every protocol-level outcome.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/internal/sandbox/sandboxtest"
)

// demoPasswords are the sandbox's well-known passwords: even those must
// not show up in any output.
var demoPasswords = []string{"demo1-pass", "demo2-pass", "demo3-pass"}

// sandboxCase is one run of an example script against the sandbox.
type sandboxCase struct {
	name   string
	script string   // in scripts/
	flags  []string // mailexpect's flags before the script (--fault ...)
	args   []string // the script's
	// served: run against a sandbox the test starts (sandbox.Start), with
	// its MAILEXPECT_* variables changed by env ("NAME=value", "NAME=" to
	// leave it out), instead of --sandbox: for a variable left out or
	// changed, which --sandbox would set.
	served bool
	env    []string
	// seed: messages put into demo1's INBOX of the served sandbox first
	// (seedMessages); after: a look at its store once the script is done.
	seed   int
	after  func(t *testing.T, srv *sandbox.Server)
	code   int
	prefix string // of the status line; a regexp when it starts with ^
}

// sandboxCases: every script in scripts/ has at least one row (see
// TestScriptsSandboxCoverage).
var sandboxCases = []sandboxCase{
	// check.lua: the README's first command, and variants.
	{name: "check", script: "check.lua", code: 0,
		prefix: `^MAIL OK - probe delivered in Ns \(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\) \| pop3_connect=`},
	{name: "check verbose", script: "check.lua", args: []string{"-v"}, code: 0, prefix: "MAIL OK - probe delivered in "},
	{name: "check json", script: "check.lua", args: []string{"--json"}, code: 0, prefix: `{"details":["submitted: 250 2.0.0 `},
	{name: "check explicit addresses", script: "check.lua", args: []string{"--to", "demo1@sandbox.test", "--from", "someone@example.org"},
		code: 0, prefix: "MAIL OK - probe delivered in "},
	{name: "check smtp without tls or auth", script: "check.lua", args: []string{"--smtp-tls", "none"}, code: 0,
		prefix: "MAIL OK - probe delivered in "},
	{name: "check smtp auth without tls", script: "check.lua", args: []string{"--smtp-tls", "none", "--smtp-auth", "yes"}, code: 3,
		prefix: "MAIL UNKNOWN - "},
	{name: "check thresholds critical", script: "check.lua", args: []string{"-w", "@0:100", "-c", "@0:100"}, code: 2,
		prefix: "MAIL CRITICAL - delivery Ns inside 0:100 (critical), probe delivered in "},
	{name: "check relay refused", script: "check.lua", args: []string{"--to", "someone@example.org"}, code: 2,
		prefix: "MAIL CRITICAL - 127.0.0.1:"},
	{name: "check over imap", script: "check.lua", served: true, env: []string{"MAILEXPECT_POP3="},
		args: []string{"--to", "demo1@sandbox.test", "--interval", "0.1"}, code: 0,
		prefix: `^MAIL OK - probe delivered in Ns \(127\.0\.0\.1:\d+ -> 127\.0\.0\.1:\d+\) \| imap_connect=`},
	{name: "check wrong password", script: "check.lua", served: true, env: []string{"MAILEXPECT_PASS=wrong"},
		args: []string{"--to", "demo1@sandbox.test"}, code: 2,
		prefix: "MAIL CRITICAL - "},

	// check-tls.lua: all three from the environment, verified against the
	// sandbox CA without --ca-file.
	{name: "tls", script: "check-tls.lua", code: 0,
		prefix: `^TLS OK - 127\.0\.0\.1:\d+ \(smtp starttls\): certificate expires in 89 days \(.*\(pop3 starttls\).*\(imap starttls\)`},
	{name: "tls warning", script: "check-tls.lua", args: []string{"-w", "100"}, code: 1, prefix: "TLS WARNING - "},
	{name: "tls wrong name", script: "check-tls.lua", args: []string{"--servername", "mail.example.org"}, code: 2,
		prefix: "TLS CRITICAL - "},
	{name: "tls served with ca-file", script: "check-tls.lua", served: true, code: 0, prefix: "TLS OK - "},

	// check-banner.lua: SMTP from the environment; POP3 and IMAP served.
	{name: "banner", script: "check-banner.lua", code: 0, prefix: "SMTP OK - 220 sandbox.test ESMTP"},
	{name: "banner mismatch", script: "check-banner.lua", args: []string{"-e", "^220 mail.example.org"}, code: 2,
		prefix: "SMTP CRITICAL - "},
	{name: "banner pop3", script: "check-banner.lua", served: true, env: []string{"MAILEXPECT_SMTP="}, code: 0,
		prefix: "POP3 OK - +OK sandbox.test POP3"},
	{name: "banner imap", script: "check-banner.lua", served: true, env: []string{"MAILEXPECT_SMTP=", "MAILEXPECT_POP3="}, code: 0,
		prefix: "IMAP OK - * OK "},
	{name: "banner refused", script: "check-banner.lua", flags: []string{"--fault", "smtp=bye"}, code: 2,
		prefix: "SMTP CRITICAL - "},
	// check_smtp's -C/-R, and a login (--auth).
	{name: "banner command", script: "check-banner.lua", args: []string{"-C", "VRFY demo1", "-R", "^252 ", "-C", "NOOP"}, code: 0,
		prefix: `^SMTP OK - 220 sandbox.test ESMTP Service Ready, Ns response time, VRFY demo1: 252 2.5.0 .*, NOOP: 250 2.0.0 [^|]*\| connect=Ns;;;0 time=Ns;;;0 command1=Ns;;;0 command2=Ns;;;0$`},
	{name: "banner command refused", script: "check-banner.lua", args: []string{"-C", "BOGUS", "-C", "NOOP"}, code: 2,
		prefix: `^SMTP CRITICAL - BOGUS: refused: 50\d 5\.5\.\d [^,]*, 220 sandbox.test [^|]*\| connect=Ns;;;0 time=Ns;;;0 command1=Ns;;;0$`},
	{name: "banner response mismatch", script: "check-banner.lua", args: []string{"-C", "NOOP", "-R", "^252"}, code: 2,
		prefix: `SMTP CRITICAL - NOOP: response "250 2.0.0 I have successfully done nothing" does not match ^252, `},
	{name: "banner pop3 listing", script: "check-banner.lua", served: true, env: []string{"MAILEXPECT_SMTP="},
		args: []string{"-C", "CAPA", "-R", "(?m)^STLS$", "-C", "NOOP", "-R", "^-ERR"}, code: 0,
		prefix: `^POP3 OK - .*CAPA: \+OK [^,]* / STLS / .*NOOP: -ERR`},
	{name: "banner auth", script: "check-banner.lua", args: []string{"--auth", "plain"}, code: 0,
		prefix: `^SMTP OK - 220 [^,]*, Ns response time, AUTH PLAIN as demo1 accepted \| connect=Ns;;;0 time=Ns;;;0 smtp_connect=Ns;;;0 smtp_banner=Ns;;;0 smtp_ehlo=Ns;;;0 smtp_starttls=Ns;;;0 smtp_auth=Ns;;;0 smtp_quit=Ns;;;0$`},
	{name: "banner auth scram", script: "check-banner.lua", args: []string{"--auth", "scram-sha-256"}, code: 0,
		prefix: `^SMTP OK - 220 [^,]*, Ns response time, AUTH SCRAM-SHA-256 as demo1 accepted \| `},
	{name: "banner auth refused", script: "check-banner.lua", served: true, env: []string{"MAILEXPECT_PASS=wrong-pass"},
		args: []string{"--auth", "any"}, code: 2, prefix: `SMTP CRITICAL - AUTH as demo1: 127.0.0.1:`},
	{name: "banner imap auth", script: "check-banner.lua", served: true, env: []string{"MAILEXPECT_SMTP=", "MAILEXPECT_POP3="},
		args: []string{"--auth", "login-command", "-C", "CAPABILITY", "-R", "STARTTLS"}, code: 0,
		prefix: `^IMAP OK - .*CAPABILITY: \* CAPABILITY IMAP4rev1 .*C1 OK .*AUTH LOGIN-COMMAND as demo1 accepted`},
	{name: "banner auth without login", script: "check-banner.lua", served: true, env: []string{"MAILEXPECT_USER=", "HOME=/nonexistent"},
		args: []string{"--auth", "plain"}, code: 3, prefix: "SMTP UNKNOWN - --auth needs a login: "},
	{name: "banner bad auth", script: "check-banner.lua", args: []string{"--auth", "apop"}, code: 3,
		prefix: "SMTP UNKNOWN - --auth apop: for smtp want any or one of cram-md5, login, plain, scram-sha-1, scram-sha-256"},

	// smtp-probe.lua: banner, EHLO, STARTTLS verified, AUTH, VRFY.
	{name: "probe", script: "smtp-probe.lua", code: 0, prefix: `^connect   127\.0\.0\.1:\d+  \[`},
	{name: "probe auth vrfy json", script: "smtp-probe.lua", args: []string{"--auth", "--vrfy", "demo1@sandbox.test", "--json"},
		code: 0, prefix: `{`},
	{name: "probe auth wrong password", script: "smtp-probe.lua", served: true, env: []string{"MAILEXPECT_PASS=wrong"},
		args: []string{"--auth"}, code: 1, prefix: "connect "},

	// pop3-stat.lua: empty under --sandbox; seeded when served.
	{name: "pop3 stat", script: "pop3-stat.lua", code: 0,
		prefix: `^127\.0\.0\.1:\d+ \(STLS, TLS 1\.3\) demo1: 0 messages, 0 octets$`},
	{name: "pop3 stat seeded", script: "pop3-stat.lua", served: true, seed: 3, args: []string{"--top", "2"}, code: 0,
		prefix: `^127\.0\.0\.1:\d+ \(STLS, TLS 1\.3\) demo1: 3 messages, \d+ octets$`,
		after:  wantInbox(3)},
	{name: "pop3 stat apop json", script: "pop3-stat.lua", served: true, seed: 1, args: []string{"--auth", "apop", "--json"},
		code: 0, prefix: `{`, after: wantInbox(1)},

	// pop3-cleanup.lua: seeded mailboxes, old and new messages.
	{name: "pop3 cleanup empty", script: "pop3-cleanup.lua", args: []string{"--all"}, code: 0,
		prefix: "deleted 0 (0 bytes), kept 0"},
	{name: "pop3 cleanup older-than", script: "pop3-cleanup.lua", served: true, seed: 4, args: []string{"--older-than", "365"},
		code: 0, prefix: "deleted 2 (", after: wantInbox(2)},
	{name: "pop3 cleanup dry-run", script: "pop3-cleanup.lua", served: true, seed: 4, flags: []string{"--dry-run"},
		args: []string{"--subject", "^seed"}, code: 0, prefix: "would delete 4 (", after: wantInbox(4)},
	{name: "pop3 cleanup max-delete", script: "pop3-cleanup.lua", served: true, seed: 4,
		args: []string{"--all", "--max-delete", "3"}, code: 1, prefix: "", after: wantInbox(4)},

	// imap-cleanup.lua: the same over IMAP, by UID.
	{name: "imap cleanup empty", script: "imap-cleanup.lua", args: []string{"--all"}, code: 0, prefix: "deleted 0 (0 bytes), kept 0"},
	{name: "imap cleanup older-than", script: "imap-cleanup.lua", served: true, seed: 4, args: []string{"--older-than", "365"},
		code: 0, prefix: "deleted 2 (", after: wantInbox(2)},
	{name: "imap cleanup subject dry-run", script: "imap-cleanup.lua", served: true, seed: 4, flags: []string{"--dry-run"},
		args: []string{"--subject", "seed"}, code: 0, prefix: "would delete 4 (", after: wantInbox(4)},
	{name: "imap cleanup move to trash", script: "imap-cleanup.lua", served: true, seed: 4,
		args: []string{"--subject-re", "^seed [12]$", "--move-to", "Trash"}, code: 0, prefix: "moved 2 (", after: wantInbox(2)},
}

// seedMessages delivers n messages to demo1: "seed 1" .. "seed n", the
// odd ones dated two years back, the even ones now.
func seedMessages(t *testing.T, srv *sandbox.Server, n int) {
	t.Helper()
	for k := 1; k <= n; k++ {
		date := time.Now()
		if k%2 == 1 {
			date = date.AddDate(-2, 0, 0)
		}
		msg := fmt.Sprintf("From: Seeder <seed@example.org>\r\nTo: demo1@sandbox.test\r\nSubject: seed %d\r\n"+
			"Date: %s\r\nMessage-ID: <seed-%d@example.org>\r\n\r\nSeeded message %d.\r\n.a dotted line\r\n",
			k, date.Format(time.RFC1123Z), k, k)
		if err := srv.Store().Deliver("demo1@sandbox.test", []byte(msg)); err != nil {
			t.Fatal(err)
		}
	}
}

// wantInbox checks how many messages demo1's INBOX holds.
func wantInbox(n int) func(*testing.T, *sandbox.Server) {
	return func(t *testing.T, srv *sandbox.Server) {
		t.Helper()
		if got := srv.Store().Count("demo1", "INBOX"); got != n {
			t.Errorf("demo1's INBOX holds %d messages after the run, want %d", got, n)
		}
	}
}

// TestScriptsSandbox runs every row of sandboxCases.
func TestScriptsSandbox(t *testing.T) {
	for _, tc := range sandboxCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := os.Stat(tc.script); err != nil {
				t.Fatalf("the row's script is missing (renamed? update sandboxCases): %v", err)
			}
			var r result
			if tc.served {
				srv := startSandbox(t)
				seedMessages(t, srv, tc.seed)
				env := srv.Env()
				for _, kv := range tc.env {
					name, value, _ := strings.Cut(kv, "=")
					env = replaceEnv(env, name, value)
				}
				r = run(t, env, demoPasswords, append(append(tc.flags, script(tc.script)), tc.args...)...)
				if tc.after != nil {
					tc.after(t, srv)
				}
			} else {
				r = run(t, nil, demoPasswords, append(append(append([]string{"--sandbox"}, tc.flags...), script(tc.script)), tc.args...)...)
			}
			wantCode(t, r, tc.code)
			wantPrefix(t, r, tc.prefix)
		})
	}
}

// TestScriptsSandboxCoverage fails for a script in scripts/ that no row of
// sandboxCases runs: every example must run green against the sandbox.
func TestScriptsSandboxCoverage(t *testing.T) {
	files, err := filepath.Glob("*.lua")
	if err != nil {
		t.Fatal(err)
	}
	covered := map[string]bool{}
	for _, tc := range sandboxCases {
		covered[tc.script] = true
	}
	for _, f := range files {
		if !covered[f] {
			t.Errorf("scripts/%s has no row in sandboxCases (scripts/sandbox_test.go): add one that runs it green under --sandbox", f)
		}
	}
}

// startSandbox starts a sandbox for one test.
func startSandbox(t *testing.T) *sandbox.Server {
	t.Helper()
	return sandboxtest.Start(t, sandbox.Config{})
}

// wantPrefix checks the start of the status line, after normalize; a
// prefix starting with ^ is a regular expression.
func wantPrefix(t *testing.T, r result, prefix string) {
	t.Helper()
	line := normalize(r.firstLine())
	if strings.HasPrefix(prefix, "^") {
		if !regexp.MustCompile(prefix).MatchString(line) {
			t.Errorf("status line %q does not match %q\n%s", line, prefix, r)
		}
		return
	}
	if !strings.HasPrefix(line, prefix) {
		t.Errorf("status line %q does not start with %q\n%s", line, prefix, r)
	}
}

// TestReadmeFirstCommand runs the README's first command exactly as
// written, from the module root, as a new user would.
func TestReadmeFirstCommand(t *testing.T) {
	if testing.Short() {
		t.Skip("go run builds the binary")
	}
	const command = "go run ./cmd/mailexpect --sandbox scripts/check.lua"
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), "\n    "+command+"\n") {
		t.Fatalf("README.md does not show %q as a command line any more: update this test with it", command)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	fields := strings.Fields(command)
	cmd := exec.CommandContext(ctx, fields[0], fields[1:]...)
	cmd.Dir = ".."
	// Nothing from a developer's setup: no MAILEXPECT_* and no ~/.netrc.
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "MAILEXPECT_") && !strings.HasPrefix(kv, "NETRC=") && !strings.HasPrefix(kv, "HOME=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	cmd.Env = append(cmd.Env, "HOME="+t.TempDir())
	if gocache, err := exec.Command("go", "env", "GOCACHE", "GOMODCACHE", "GOPATH").Output(); err == nil {
		// A fresh HOME must not mean a fresh build cache and module cache.
		v := strings.Split(strings.TrimSpace(string(gocache)), "\n")
		if len(v) == 3 {
			cmd.Env = append(cmd.Env, "GOCACHE="+v[0], "GOMODCACHE="+v[1], "GOPATH="+v[2])
		}
	}
	start := time.Now()
	r := runCmd(t, cmd)
	t.Logf("%s: %v\n%s", command, time.Since(start).Round(time.Millisecond), r)
	wantCode(t, r, 0)
	wantPrefix(t, r, "MAIL OK - probe delivered in ")
}

// faultCase is one --fault mode and how a script meets it: a clear error
// of the right kind, well within the timeout.
type faultCase struct {
	name   string
	fault  string
	script string
	args   []string
	kind   string // the error kind in check's --json output
	want   string // in the status line
	limit  time.Duration
	// overIMAP: check.lua polls over IMAP, against a sandbox the test
	// starts with the fault (--sandbox would set MAILEXPECT_POP3).
	overIMAP bool
}

// TestSandboxFaults: every fault mode, on every listener it applies to,
// against check.lua or check-banner.lua with short timeouts (--timeout 1,
// -t 5): each ends CRITICAL with the error a user needs, in time.
func TestSandboxFaults(t *testing.T) {
	short := []string{"-t", "5", "--wait", "2", "--interval", "0.1"}
	cases := []faultCase{
		// drip: one byte per 30 ms; the greetings alone take over a second.
		{name: "smtp drip", fault: "smtp=drip:30ms", script: "check-banner.lua", kind: "timeout",
			want: "timeout after 1s waiting for", limit: 3 * time.Second},
		{name: "pop3 drip", fault: "pop3=drip:30ms", script: "check.lua", args: short, kind: "timeout",
			want: "timeout after 1s waiting for a line; received \"+OK sandbox.test", limit: 3 * time.Second},
		{name: "imap drip", fault: "imap=drip:30ms", script: "check-tls.lua", kind: "timeout",
			want: "timeout after 1s", limit: 3 * time.Second},
		// slow: every reply 3 s late, past the 1 s timeout.
		{name: "smtp slow", fault: "smtp=slow:3s", script: "check-banner.lua", kind: "timeout",
			want: "timeout after 1s", limit: 3 * time.Second},
		{name: "pop3 slow", fault: "pop3=slow:3s", script: "check.lua", args: short, kind: "timeout",
			want: "timeout after 1s waiting for a line", limit: 3 * time.Second},
		{name: "imap slow", fault: "imap=slow:3s", script: "check-tls.lua", kind: "timeout",
			want: "timeout after 1s", limit: 3 * time.Second},
		// drop-after: the server hangs up mid-conversation.
		{name: "smtp drop-after", fault: "smtp=drop-after:3", script: "check.lua", args: short, kind: "eof",
			want: "connection closed by the server while waiting for a reply", limit: 2 * time.Second},
		{name: "pop3 drop-after", fault: "pop3=drop-after:2", script: "check.lua", args: short, kind: "eof",
			want: "connection closed while waiting for a status line", limit: 2 * time.Second},
		{name: "imap drop-after", fault: "imap=drop-after:1", script: "check-tls.lua", kind: "eof",
			want: "closed", limit: 2 * time.Second},
		// reject-rcpt and tempfail: protocol answers.
		{name: "smtp reject-rcpt", fault: "reject-rcpt", script: "check.lua", args: short, kind: "reply",
			want: "RCPT TO:<demo1@sandbox.test> refused: 550 5.7.1 ", limit: 2 * time.Second},
		{name: "smtp tempfail", fault: "smtp=tempfail", script: "check.lua", args: short, kind: "reply",
			want: "MAIL FROM:<demo1@sandbox.test> refused: 451 4.3.0 ", limit: 2 * time.Second},
		{name: "pop3 tempfail", fault: "pop3=tempfail", script: "check.lua", args: short, kind: "reply",
			want: "PASS refused: -ERR [SYS/TEMP] ", limit: 2 * time.Second},
		// bye: refused in the greeting.
		{name: "smtp bye", fault: "smtp=bye", script: "check-banner.lua", kind: "",
			want: "554 sandbox.test sandbox fault bye", limit: 2 * time.Second},
		{name: "pop3 bye", fault: "pop3=bye", script: "check.lua", args: short, kind: "reply",
			want: "the server refused the session in its greeting: -ERR [SYS/TEMP] ", limit: 2 * time.Second},
		{name: "imap bye", fault: "imap=bye", script: "check-tls.lua", kind: "reply",
			want: "BYE sandbox fault bye", limit: 2 * time.Second},
		// The IMAP login and mailbox steps, with check.lua polling over IMAP.
		{name: "imap tempfail", fault: "imap=tempfail", script: "check.lua", args: short, overIMAP: true, kind: "reply",
			want: "[UNAVAILABLE]", limit: 2 * time.Second},
		{name: "imap drop-after login", fault: "imap=drop-after:4", script: "check.lua", args: short, overIMAP: true, kind: "eof",
			want: "connection closed by the server", limit: 2 * time.Second},
		// A drip during the TLS handshake (the certificate alone is ~1 KB).
		{name: "imap drip starttls", fault: "imap=drip:2ms", script: "check.lua", args: short, overIMAP: true, kind: "tls",
			want: "TLS handshake with 127.0.0.1:", limit: 3 * time.Second},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			args := append([]string{"--sandbox", "--fault", tc.fault, "--timeout", "1", script(tc.script)}, tc.args...)
			var env []string
			if tc.overIMAP {
				cfg := sandbox.Config{}
				if err := cfg.AddFault(tc.fault); err != nil {
					t.Fatal(err)
				}
				srv := sandboxtest.Start(t, cfg)
				env = replaceEnv(srv.Env(), "MAILEXPECT_POP3", "")
				args = append([]string{"--timeout", "1", script(tc.script), "--to", "demo1@sandbox.test"}, tc.args...)
			}
			start := time.Now()
			r := run(t, env, demoPasswords, append(args, "--json")...)
			took := time.Since(start)
			wantCode(t, r, 2)
			var out struct {
				State   string
				Message string
				Error   *struct{ Kind, Message string }
			}
			if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
				t.Fatalf("--json output: %v\n%s", err, r)
			}
			if out.State != "CRITICAL" || !strings.Contains(out.Message, tc.want) {
				t.Errorf("got %s %q, want CRITICAL with %q\n%s", out.State, out.Message, tc.want, r)
			}
			if tc.kind != "" && (out.Error == nil || out.Error.Kind != tc.kind) {
				t.Errorf("error %+v, want kind %q\n%s", out.Error, tc.kind, r)
			}
			// The bound leaves room for a loaded machine; a hang would
			// take the -t 5 deadline or longer.
			if took > tc.limit+2*time.Second {
				t.Errorf("took %v, want well within the timeout (%v)", took, tc.limit)
			}
		})
	}
}

// TestSandboxDifferential runs one conversation (testdata/conversation.lua:
// SMTP AUTH and submission, POP3 STAT/LIST/UIDL/RETR/TOP/DELE/RSET/QUIT
// and every login mechanism, IMAP SELECT/SEARCH/FETCH/APPEND/UID EXPUNGE)
// against the sandbox and against Postfix + Dovecot, and compares every
// step: success or failure, error kinds, reply codes, counts, and message
// bytes minus the headers a server adds on delivery.
func TestSandboxDifferential(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	token := fmt.Sprintf("diff-%d", time.Now().UnixNano())

	u := st.TakeUser(t)
	// The conversation uses its recipient in headers it compares: give
	// both the same local part and domain shape by rewriting afterwards.
	real := conversation(t, stackEnv(st, u), []string{u.Password}, u.Address, "nobody-"+token+"@"+st.Domain, token)

	sbx := conversation(t, startSandbox(t).Env(), demoPasswords, "demo1@sandbox.test", "nobody-"+token+"@sandbox.test", token)

	// Message bytes name the recipient: make them comparable.
	real = strings.ReplaceAll(real, u.Address, "RCPT")
	sbx = strings.ReplaceAll(sbx, "demo1@sandbox.test", "RCPT")
	var a, b struct {
		IMAP  bool
		Steps []map[string]any
	}
	if err := json.Unmarshal([]byte(real), &a); err != nil {
		t.Fatalf("Dovecot run: %v\n%s", err, real)
	}
	if err := json.Unmarshal([]byte(sbx), &b); err != nil {
		t.Fatalf("sandbox run: %v\n%s", err, sbx)
	}
	if !a.IMAP {
		t.Log("the imap module is not there yet: IMAP steps skipped")
	}
	if diff := cmp.Diff(a, b); diff != "" {
		t.Errorf("Postfix+Dovecot (-) and the sandbox (+) disagree:\n%s", diff)
	}
	// Both agreeing on nonsense would pass the diff: the steps that must
	// succeed did, and the bodies came back as sent.
	for _, s := range b.Steps {
		name, _ := s["name"].(string)
		wantOK := !strings.Contains(name, "wrong password") && !strings.Contains(name, "unknown") &&
			!strings.Contains(name, "no such") && !strings.Contains(name, "missing")
		if s["ok"] != wantOK {
			t.Errorf("step %q: ok = %v, want %v: %v", name, s["ok"], wantOK, s)
		}
		for _, k := range []string{"same_as_sent", "same", "size_matches", "size_matches_list", "octets_match_list", "first_is_message_2"} {
			if v, ok := s[k]; ok && v != true {
				t.Errorf("step %q: %s = %v", name, k, v)
			}
		}
	}
	t.Logf("%d steps agree", len(b.Steps))
}

// conversation runs testdata/conversation.lua with env and returns its
// JSON output.
func conversation(t *testing.T, env, secrets []string, rcpt, unknown, token string) string {
	t.Helper()
	r := run(t, env, secrets, filepath.Join("testdata", "conversation.lua"), rcpt, unknown, token)
	if r.code != 0 {
		t.Fatalf("conversation.lua failed:\n%s", r)
	}
	return r.stdout
}
