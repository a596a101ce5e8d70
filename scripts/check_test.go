package scripts_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// The steps of check.lua's perfdata, in order: the mailbox login it does
// first (POP3 with STLS), then the submission (STARTTLS, AUTH, a message).
const checkSteps = "pop3_connect=Ns;;;0 pop3_banner=Ns;;;0 pop3_starttls=Ns;;;0 pop3_auth=Ns;;;0 pop3_quit=Ns;;;0 " +
	"smtp_connect=Ns;;;0 smtp_banner=Ns;;;0 smtp_ehlo=Ns;;;0 smtp_starttls=Ns;;;0 smtp_auth=Ns;;;0 " +
	"smtp_mail=Ns;;;0 smtp_rcpt=Ns;;;0 smtp_data=Ns;;;0 smtp_quit=Ns;;;0"

func checkArgs(u mailstack.User, extra ...string) []string {
	return append([]string{script("check.lua"), "--to", u.Address, "--interval", "0.2", "--wait", "20"}, extra...)
}

func TestCheckDelivered(t *testing.T) {
	st := mailstack.Require(t)
	for _, verbose := range []bool{false, true} {
		t.Run(fmt.Sprintf("verbose=%v", verbose), func(t *testing.T) {
			t.Parallel()
			u := st.TakeUser(t)
			args := checkArgs(u)
			if verbose {
				args = append(args, "-v")
			}
			r := run(t, stackEnv(st, u), []string{u.Password}, args...)
			wantCode(t, r, 0)
			wantLine(t, r, fmt.Sprintf("MAIL OK - probe delivered in Ns (%s -> %s) | %s delivery=Ns;;;0 total=Ns;;;0",
				st.Submission, st.POP3, checkSteps))
			for _, want := range []string{"\nsubmitted: 250 2.0.0 Ok: queued as ", "\nfound after "} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("long output lacks %q:\n%s", want, r.stdout)
				}
			}
			// -v is the live transcript on stderr, the credentials masked.
			if verbose != (strings.Contains(r.stderr, " --- AUTH mechanism PLAIN\n") && strings.Contains(r.stderr, " ~>> ***\n")) {
				t.Errorf("verbose=%v, but stderr:\n%s", verbose, r.stderr)
			}
			if !verbose && r.stderr != "" {
				t.Errorf("stderr not empty:\n%s", r.stderr)
			}
			mailboxEmpty(t, st, u, 0)
		})
	}
}

// TestCheckPOP3Down: the mailbox is checked before anything is sent, so a
// POP3 server that is down is CRITICAL and leaves no probe behind.
func TestCheckPOP3Down(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	down := fakeserver.ClosedAddr(t)
	r := run(t, replaceEnv(stackEnv(st, u), "MAILEXPECT_POP3", down), []string{u.Password}, checkArgs(u)...)
	wantCode(t, r, 2)
	wantLine(t, r, fmt.Sprintf("MAIL CRITICAL - connect to %s failed: dial tcp %s: connect: connection refused", down, down))
	if r.stderr != "" {
		t.Errorf("stderr: the status line says it all, got:\n%s", r.stderr)
	}
	mailboxEmpty(t, st, u, 500*time.Millisecond)
}

func TestCheckThresholds(t *testing.T) {
	st := mailstack.Require(t)
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"warning", []string{"-w", "0.000001", "-c", "60"}, 1,
			"MAIL WARNING - delivery Ns > 0.000001 (warning), probe delivered in Ns (%s -> %s) | %s delivery=Ns;0.000001;60;0 total=Ns;;;0"},
		{"critical", []string{"-w", "0.000001", "-c", "~:0.000002"}, 2,
			"MAIL CRITICAL - delivery Ns > 0.000002 (critical), probe delivered in Ns (%s -> %s) | %s delivery=Ns;0.000001;~:0.000002;0 total=Ns;;;0"},
		{"ok", []string{"--warning", "60", "--critical=120"}, 0,
			"MAIL OK - probe delivered in Ns (%s -> %s) | %s delivery=Ns;60;120;0 total=Ns;;;0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := st.TakeUser(t)
			r := run(t, stackEnv(st, u), []string{u.Password}, checkArgs(u, tt.args...)...)
			wantCode(t, r, tt.code)
			wantLine(t, r, fmt.Sprintf(tt.want, st.Submission, st.POP3, checkSteps))
			mailboxEmpty(t, st, u, 0)
		})
	}
}

// TestCheckRefusedRCPT: check_smtp calls a refused RCPT a WARNING; it is
// CRITICAL, with the server's words.
func TestCheckRefusedRCPT(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	nobody := "nobody@" + st.Domain
	r := run(t, stackEnv(st, u), []string{u.Password}, script("check.lua"), "--to", nobody, "--user", u.Name)
	wantCode(t, r, 2)
	wantLine(t, r, fmt.Sprintf("MAIL CRITICAL - %s: RCPT TO:<%s> refused: 550 5.1.1 <%s>: Recipient address rejected: "+
		"User unknown in virtual mailbox table | pop3_connect=Ns;;;0 pop3_banner=Ns;;;0 pop3_starttls=Ns;;;0 pop3_auth=Ns;;;0 pop3_quit=Ns;;;0 "+
		"smtp_connect=Ns;;;0 smtp_banner=Ns;;;0 smtp_ehlo=Ns;;;0 smtp_starttls=Ns;;;0 smtp_auth=Ns;;;0 smtp_mail=Ns;;;0 smtp_rcpt=Ns;;;0",
		st.Submission, nobody, nobody))
}

func TestCheckJSON(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	// Two bystanders: the check must leave them alone.
	if err := st.SeedN(u.Name, 2); err != nil {
		t.Fatal(err)
	}
	r := run(t, stackEnv(st, u), []string{u.Password}, checkArgs(u, "--json", "-w", "30")...)
	wantCode(t, r, 0)
	var got struct {
		Service, State, Message string
		ExitCode                int `json:"exit_code"`
		Metrics                 []struct {
			Label, UOM, Warn, State string
			Value                   float64
		}
		Details []string
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("not one JSON object: %v\n%s", err, r)
	}
	if got.Service != "MAIL" || got.State != "OK" || got.ExitCode != 0 || !strings.HasPrefix(got.Message, "probe delivered in ") {
		t.Errorf("result: %+v", got)
	}
	var labels []string
	for _, m := range got.Metrics {
		labels = append(labels, m.Label)
		if m.Label == "delivery" && (m.Warn != "30" || m.UOM != "s" || m.State != "OK" || m.Value <= 0) {
			t.Errorf("delivery metric: %+v", m)
		}
	}
	if strings.Join(labels, " ") != "pop3_connect pop3_banner pop3_starttls pop3_auth pop3_quit smtp_connect smtp_banner smtp_ehlo "+
		"smtp_starttls smtp_auth smtp_mail smtp_rcpt smtp_data smtp_quit delivery total" {
		t.Errorf("metrics: %v", labels)
	}
	if strings.Count(strings.TrimSpace(r.stdout), "\n") != 0 {
		t.Errorf("--json prints one line:\n%s", r.stdout)
	}
	if files, err := st.Mailbox(u.Name); err != nil || len(files) != 2 {
		t.Errorf("mailbox after the check: %v, %v (want the two bystanders)", files, err)
	}
}

// TestCheckCredentials: the password from a secret file or ~/.netrc, never
// the command line (there is no flag for it).
func TestCheckCredentials(t *testing.T) {
	st := mailstack.Require(t)
	want := fmt.Sprintf("MAIL OK - probe delivered in Ns (%s -> %s) | %s delivery=Ns;;;0 total=Ns;;;0",
		st.Submission, st.POP3, checkSteps)
	t.Run("secret-file", func(t *testing.T) {
		t.Parallel()
		u := st.TakeUser(t)
		file := filepath.Join(t.TempDir(), "pass")
		os.WriteFile(file, []byte(u.Password+"\n"), 0o600)
		env := replaceEnv(stackEnv(st, u), "MAILEXPECT_PASS", "")
		r := run(t, env, []string{u.Password}, checkArgs(u, "--secret-file", file)...)
		wantCode(t, r, 0)
		wantLine(t, r, want)
		mailboxEmpty(t, st, u, 0)
	})
	t.Run("netrc", func(t *testing.T) {
		t.Parallel()
		u := st.TakeUser(t)
		netrc := filepath.Join(t.TempDir(), "netrc")
		os.WriteFile(netrc, []byte(fmt.Sprintf("machine 127.0.0.1 login %s password %s\n", u.Name, u.Password)), 0o600)
		env := replaceEnv(replaceEnv(stackEnv(st, u), "MAILEXPECT_PASS", ""), "MAILEXPECT_USER", "")
		env = append(env, "NETRC="+netrc)
		r := run(t, env, []string{u.Password}, checkArgs(u)...)
		wantCode(t, r, 0)
		wantLine(t, r, want)
		mailboxEmpty(t, st, u, 0)
	})
	t.Run("--pass is no option", func(t *testing.T) {
		t.Parallel()
		r := run(t, nil, nil, script("check.lua"), "--pass", "hunter2")
		wantCode(t, r, 3)
		if !strings.HasPrefix(r.firstLine(), "MAIL UNKNOWN - check.lua:") || !strings.Contains(r.firstLine(), "unknown option --pass") {
			t.Errorf("status line %q", r.firstLine())
		}
	})
}

// TestCheckUsage: missing configuration is UNKNOWN with the help text as
// long output, as monitoring plugins do.
func TestCheckUsage(t *testing.T) {
	st := mailstack.Require(t)
	u := st.TakeUser(t)
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"no smtp", nil, nil, "MAIL UNKNOWN - no SMTP server: give --smtp or set MAILEXPECT_SMTP"},
		{"no mailbox", []string{"MAILEXPECT_SMTP=" + st.Submission}, nil,
			"MAIL UNKNOWN - no mailbox: give --pop3 or --imap, or set MAILEXPECT_POP3 or MAILEXPECT_IMAP"},
		{"no credentials", []string{"MAILEXPECT_SMTP=" + st.Submission, "MAILEXPECT_POP3=" + st.POP3}, nil,
			"MAIL UNKNOWN - no credentials for the mailbox: set MAILEXPECT_USER and MAILEXPECT_PASS, or use --secret-file or ~/.netrc"},
		{"no recipient", stackEnv(st, u), nil,
			"MAIL UNKNOWN - no recipient: give --to (the user name " + u.Name + " is not an address)"},
		{"bad tls", stackEnv(st, u), []string{"--smtp-tls", "maybe"},
			`MAIL UNKNOWN - --smtp-tls must be starttls, implicit or none, not "maybe"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, tt.env, []string{u.Password}, append([]string{script("check.lua")}, tt.args...)...)
			wantCode(t, r, 3)
			wantLine(t, r, tt.want)
			if !strings.HasSuffix(r.stdout, "\nusage: mailexpect check.lua [--smtp ADDR] [--pop3 ADDR] [--imap ADDR] [--to ADDRESS] [-w SECS] [-c SECS] (-h for help)\n") {
				t.Errorf("no usage text in the long output:\n%s", r.stdout)
			}
		})
	}
	r := run(t, nil, nil, script("check.lua"), "-h")
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.stdout, "usage: mailexpect check.lua [options]\n") {
		t.Errorf("-h:\n%s", r)
	}
}

// TestCheckIMAP: polling over IMAP (one session: NOOP, UID SEARCH HEADER,
// UID STORE + UID EXPUNGE of the probe alone). Without the imap module
// (older builds) it is a clear UNKNOWN.
func TestCheckIMAP(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	env := replaceEnv(stackEnv(st, u), "MAILEXPECT_POP3", "")
	r := run(t, env, []string{u.Password}, checkArgs(u)...)
	if probe := run(t, nil, nil, "-e", `require "imap"`); probe.code != 0 {
		wantCode(t, r, 3)
		wantLine(t, r, "MAIL UNKNOWN - IMAP polling needs the imap module, which this mailexpect does not have yet; use --pop3")
		return
	}
	wantCode(t, r, 0)
	wantLine(t, r, fmt.Sprintf("MAIL OK - probe delivered in Ns (%s -> %s) | imap_connect=Ns;;;0 imap_banner=Ns;;;0 "+
		"imap_starttls=Ns;;;0 imap_auth=Ns;;;0 imap_select=Ns;;;0 smtp_connect=Ns;;;0 smtp_banner=Ns;;;0 smtp_ehlo=Ns;;;0 "+
		"smtp_starttls=Ns;;;0 smtp_auth=Ns;;;0 smtp_mail=Ns;;;0 smtp_rcpt=Ns;;;0 smtp_data=Ns;;;0 smtp_quit=Ns;;;0 "+
		"delivery=Ns;;;0 total=Ns;;;0", st.Submission, st.IMAP))
	mailboxEmpty(t, st, u, 0)

	// Another message in the mailbox is left alone: only the probe goes.
	if err := st.SeedN(u.Name, 1); err != nil {
		t.Fatal(err)
	}
	r = run(t, env, []string{u.Password}, checkArgs(u)...)
	wantCode(t, r, 0)
	if files, err := st.Mailbox(u.Name); err != nil || len(files) != 1 {
		t.Errorf("mailbox after the check: %v, %v", files, err)
	}
}
