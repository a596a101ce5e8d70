package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/internal/pyemail"
	"github.com/mailexpect/mailexpect/internal/sandbox"
	"github.com/mailexpect/mailexpect/internal/sandbox/sandboxtest"
)

// attachment is what the send tests attach: every byte value, CR and LF
// alone, and lines that are a lone dot, so SMTP dot-stuffing and any
// line-end mangling would show.
var attachment = func() []byte {
	b := []byte("\x00.\r\n.\n\r\r\n")
	for i := 0; i < 256; i++ {
		b = append(b, byte(i))
	}
	return append(b, "\r\n.\r\n"...)
}()

// checkArrived reads a delivered message with Python's email package: the
// subject and the extra headers decoded, the attachment byte-exact under
// its (RFC 2231) name.
func checkArrived(t *testing.T, raw []byte) {
	t.Helper()
	m := pyemail.Parse(t, raw)
	m.WantHeaders(t, map[string]string{
		"Subject":           "Grüße aus Köln",
		"X-Mailexpect-Test": "wert mit ümlaut",
		"X-Second":          "2",
	})
	if m.Header("Date") == "" || m.Header("Message-ID") == "" {
		t.Errorf("no Date or Message-ID: %v", m.Headers)
	}
	var found bool
	for _, p := range m.Parts {
		if p.Filename != nil && *p.Filename == "Bericht März.bin" {
			found = true
			if !bytes.Equal(p.Data, attachment) {
				t.Errorf("the attachment changed on the way:\n got %q\nwant %q", p.Data, attachment)
			}
		}
		if p.Type == "text/plain" && p.Text != nil && !strings.Contains(*p.Text, "Hallo über alles") {
			t.Errorf("text: %q", *p.Text)
		}
	}
	if !found {
		t.Errorf("no attachment named Bericht März.bin in %+v", m.Parts)
	}
}

// sendRun runs the CLI and returns the exit code, stdout and stderr.
func sendRun(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, strings.NewReader(stdin), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// noSecret fails when the password, or a base64 form that holds it (AUTH
// PLAIN, AUTH LOGIN), shows up in any output.
func noSecret(t *testing.T, pass, user string, outputs ...string) {
	t.Helper()
	forms := []string{
		pass,
		base64.StdEncoding.EncodeToString([]byte(pass)),
		base64.StdEncoding.EncodeToString([]byte("\x00" + user + "\x00" + pass)),
	}
	for _, out := range outputs {
		for _, f := range forms {
			if strings.Contains(out, f) {
				t.Errorf("the password (as %q) is in the output:\n%s", f, out)
			}
		}
	}
}

// noToken fails when a bearer token shows up in any output: as it is, in
// base64, or in the base64 of the XOAUTH2 or OAUTHBEARER initial response
// that carries it.
func noToken(t *testing.T, token, user string, outputs ...string) {
	t.Helper()
	forms := []string{
		token,
		base64.StdEncoding.EncodeToString([]byte(token)),
		base64.StdEncoding.EncodeToString([]byte("user=" + user + "\x01auth=Bearer " + token + "\x01\x01")),
		base64.StdEncoding.EncodeToString([]byte("n,a=" + user + ",\x01auth=Bearer " + token + "\x01\x01")),
	}
	for _, out := range outputs {
		for _, f := range forms {
			if strings.Contains(out, f) {
				t.Errorf("the token (as %q) is in the output:\n%s", f, out)
			}
		}
	}
}

func writeAttachment(t *testing.T) string {
	path := filepath.Join(t.TempDir(), "data.bin")
	if err := os.WriteFile(path, attachment, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// messageArgs are the flags of the message every end-to-end test sends.
func messageArgs(att string) []string {
	return []string{
		"--subject", "Grüße aus Köln",
		"--header", "X-Mailexpect-Test: wert mit ümlaut",
		"--header", "X-Second: 2",
		"--body", "Hallo über alles\n.\n",
		"--attach", att + ";name=Bericht März.bin",
	}
}

func TestSendSandbox(t *testing.T) {
	srv := sandboxtest.Start(t, sandbox.Config{})
	u := srv.Users()[0]
	t.Setenv("MAILEXPECT_USER", u.Name)
	t.Setenv("MAILEXPECT_PASS", u.Pass)
	t.Setenv("MAILEXPECT_SMTP", srv.SMTPAddr())
	att := writeAttachment(t)
	common := []string{"-v", "send", "--ca-file", srv.CAFile(), "--auth", "--from", u.Address}

	t.Run("a message arrives as sent", func(t *testing.T) {
		args := append(append(append([]string{}, common...), "--to", "demo2@sandbox.test"), messageArgs(att)...)
		code, stdout, stderr := sendRun(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		if !regexp.MustCompile(`^sent to 1 recipient: 250 2\.0\.0 OK: queued\n$`).MatchString(stdout) {
			t.Errorf("stdout %q", stdout)
		}
		for _, want := range []string{">>> STARTTLS", "--- AUTH mechanism PLAIN", "~>> ***", "<<~ 235", "~>> DATA", "~>> QUIT"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("the -v transcript lacks %q:\n%s", want, stderr)
			}
		}
		noSecret(t, u.Pass, u.Name, stdout, stderr)
		msgs, err := srv.Store().Messages("demo2", "INBOX")
		if err != nil || len(msgs) != 1 {
			t.Fatalf("demo2's INBOX: %d messages, %v", len(msgs), err)
		}
		checkArrived(t, msgs[0].Raw)
	})

	t.Run("--attach - reads the attachment from stdin", func(t *testing.T) {
		args := append(append(append([]string{}, common...), "--to", "demo3@sandbox.test"), messageArgs("-")...)
		code, stdout, stderr := sendRun(t, string(attachment), args...)
		if code != 0 {
			t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
		}
		msgs, err := srv.Store().Messages("demo3", "INBOX")
		if err != nil || len(msgs) == 0 {
			t.Fatalf("demo3's INBOX: %d messages, %v", len(msgs), err)
		}
		checkArrived(t, msgs[len(msgs)-1].Raw)

		// Without ;name= the part is named "attachment", its type sniffed.
		pdf := "%PDF-1.4\n" + string(attachment)
		code, _, stderr = sendRun(t, pdf, append(append([]string{}, common[1:]...), "--to", "demo3@sandbox.test", "--attach", "-")...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		msgs, _ = srv.Store().Messages("demo3", "INBOX")
		m := pyemail.Parse(t, msgs[len(msgs)-1].Raw)
		var found bool
		for _, p := range m.Parts {
			if p.Filename != nil && *p.Filename == "attachment" {
				found = true
				if p.Type != "application/pdf" || string(p.Data) != pdf {
					t.Errorf("the stdin attachment: type %s, %d bytes; want application/pdf, the %d bytes sent", p.Type, len(p.Data), len(pdf))
				}
			}
		}
		if !found {
			t.Errorf("no part named attachment in %+v", m.Parts)
		}
	})

	t.Run("--data sends a message's 8-bit bytes as they are", func(t *testing.T) {
		// Latin-1, not UTF-8: JSON between the flags and the script once
		// turned each such byte into U+FFFD.
		raw := "From: demo1@sandbox.test\r\nTo: demo3@sandbox.test\r\nSubject: caf\xe9\r\n\r\nd\xe9j\xe0 vu \xff\x80\r\n"
		path := filepath.Join(t.TempDir(), "latin1.eml")
		if err := os.WriteFile(path, []byte(raw), 0o600); err != nil {
			t.Fatal(err)
		}
		for _, data := range []string{"@" + path, "-"} {
			code, _, stderr := sendRun(t, raw, append(append([]string{}, common[1:]...), "--to", "demo3@sandbox.test", "--data", data)...)
			if code != 0 {
				t.Fatalf("--data %s: exit %d: %s", data, code, stderr)
			}
			msgs, _ := srv.Store().Messages("demo3", "INBOX")
			if got := msgs[len(msgs)-1].Raw; !bytes.HasSuffix(got, []byte(raw)) {
				t.Errorf("--data %s: arrived as\n%q\nwant it to end with\n%q", data, got, raw)
			}
		}
	})

	t.Run("--json is one object", func(t *testing.T) {
		args := append(append([]string{}, common[1:]...), "--to", "demo3@sandbox.test", "--json")
		code, stdout, stderr := sendRun(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var res struct {
			OK     bool `json:"ok"`
			Exit   int  `json:"exit"`
			Stages []struct {
				Name  string `json:"name"`
				Reply *struct {
					Code int `json:"code"`
				} `json:"reply"`
			} `json:"stages"`
			Reply struct {
				Code int `json:"code"`
			} `json:"reply"`
			TLS struct {
				Version  string `json:"version"`
				Verified bool   `json:"verified"`
			} `json:"tls"`
			Timings map[string]float64 `json:"timings"`
		}
		if err := json.Unmarshal([]byte(stdout), &res); err != nil || strings.Count(stdout, "\n") != 1 {
			t.Fatalf("not one JSON line: %v\n%s", err, stdout)
		}
		var names []string
		for _, s := range res.Stages {
			names = append(names, s.Name)
		}
		if got := strings.Join(names, " "); got != "connect greeting ehlo starttls ehlo auth mail rcpt data quit" {
			t.Errorf("stages: %s", got)
		}
		if !res.OK || res.Exit != 0 || res.Reply.Code != 250 || !res.TLS.Verified || res.TLS.Version == "" || res.Timings["data"] <= 0 {
			t.Errorf("result: %+v", res)
		}
		noSecret(t, u.Pass, u.Name, stdout, stderr)
	})

	t.Run("--quit-after rcpt sends no DATA", func(t *testing.T) {
		before := srv.Store().Count("demo2", "INBOX")
		args := append(append([]string{}, common...), "--to", "demo2@sandbox.test", "--to", "demo3@sandbox.test", "--quit-after", "rcpt")
		code, stdout, stderr := sendRun(t, "", args...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		if stdout != "all 2 recipients accepted; quit after rcpt: 250 2.0.0 I'll make sure <demo3@sandbox.test> gets this\n" {
			t.Errorf("stdout %q", stdout)
		}
		if !strings.Contains(stderr, "~>> RCPT TO:<demo3@sandbox.test>") || strings.Contains(stderr, ">> DATA") || !strings.Contains(stderr, "~>> QUIT") {
			t.Errorf("transcript: RCPT for both, no DATA, a QUIT:\n%s", stderr)
		}
		if n := srv.Store().Count("demo2", "INBOX"); n != before {
			t.Errorf("demo2 has %d messages, had %d", n, before)
		}
	})

	t.Run("--quit-after tls says what TLS was made", func(t *testing.T) {
		code, stdout, stderr := sendRun(t, "", "send", "--ca-file", srv.CAFile(), "--quit-after", "tls")
		if code != 0 || !regexp.MustCompile(`^quit after tls: TLS 1\.[23] \w+, certificate verified\n$`).MatchString(stdout) {
			t.Errorf("exit %d, stdout %q, stderr %s", code, stdout, stderr)
		}
	})

	t.Run("--pipeline sends MAIL, RCPT and DATA before the first reply", func(t *testing.T) {
		args := append(append([]string{}, common...), "--to", "demo2@sandbox.test", "--to", "demo3@sandbox.test", "--pipeline")
		code, stdout, stderr := sendRun(t, "", args...)
		if code != 0 || !strings.HasPrefix(stdout, "sent to 2 recipients: 250 ") {
			t.Fatalf("exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
		}
		group := regexp.MustCompile(`~>> MAIL FROM:<demo1@sandbox\.test> [^\n]*\n[^\n]*~>> RCPT TO:<demo2@sandbox\.test>\n[^\n]*~>> RCPT TO:<demo3@sandbox\.test>\n[^\n]*~>> DATA\n[^\n]*<<~ 250`)
		if !group.MatchString(stderr) {
			t.Errorf("MAIL, RCPT, RCPT, DATA not sent as one group:\n%s", stderr)
		}
	})

	t.Run("a refused recipient: exit 24 with the server's reply, nothing delivered", func(t *testing.T) {
		before := srv.Store().Count("demo2", "INBOX")
		args := append(append([]string{}, common[1:]...), "--to", "demo2@sandbox.test", "--to", "nobody@elsewhere.example")
		code, stdout, stderr := sendRun(t, "", args...)
		if code != 24 {
			t.Errorf("exit %d, want 24\nstderr: %s", code, stderr)
		}
		if stdout != "" || !regexp.MustCompile(`^mailexpect send: .*RCPT TO:<nobody@elsewhere\.example> refused: 55\d `).MatchString(stderr) {
			t.Errorf("stdout %q\nstderr %q", stdout, stderr)
		}
		if n := srv.Store().Count("demo2", "INBOX"); n != before {
			t.Errorf("the accepted recipient got the message anyway (%d -> %d)", before, n)
		}
	})

	t.Run("--pin and --min-version reach the TLS handshake", func(t *testing.T) {
		base := []string{"send", "--ca-file", srv.CAFile(), "--quit-after", "tls", "--min-version", "1.3"}
		wrong := "sha256/" + strings.Repeat("A", 43) + "="
		code, stdout, stderr := sendRun(t, "", append(base, "--pin", wrong)...)
		m := regexp.MustCompile(`sha256/[A-Za-z0-9+/]{43}=`).FindAllString(stderr, -1)
		if code != 29 || stdout != "" || len(m) < 2 || !strings.Contains(stderr, wrong) {
			t.Fatalf("a wrong pin: exit %d, want 29 naming both keys\nstdout %q\nstderr %s", code, stdout, stderr)
		}
		var actual string
		for _, h := range m {
			if h != wrong {
				actual = h
			}
		}
		code, stdout, stderr = sendRun(t, "", append(base, "--pin", actual)...)
		if code != 0 || !strings.HasPrefix(stdout, "quit after tls: TLS 1.3 ") {
			t.Errorf("the server's own key %s: exit %d, stdout %q, stderr %s", actual, code, stdout, stderr)
		}
		code, _, stderr = sendRun(t, "", "send", "--ca-file", srv.CAFile(), "--quit-after", "tls", "--min-version", "1.1")
		if code != 2 || !strings.Contains(stderr, "1.1") {
			t.Errorf("--min-version 1.1: exit %d, want 2 naming the value: %s", code, stderr)
		}
	})

	t.Run("a bearer token from a file, stdin or MAILEXPECT_TOKEN never shows", func(t *testing.T) {
		// The sandbox takes a user's password as its bearer token.
		tokenFile := filepath.Join(t.TempDir(), "token")
		if err := os.WriteFile(tokenFile, []byte(u.Pass+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Setenv("MAILEXPECT_PASS", "")
		dir := t.TempDir()
		for _, tt := range []struct {
			name, stdin, env, mech string
			flags                  []string
		}{
			{"--auth=XOAUTH2 --token-file FILE", "", "", "XOAUTH2", []string{"--auth=XOAUTH2", "--token-file", tokenFile}},
			{"--auth --token-file - (stdin)", u.Pass + "\r\n", "", "OAUTHBEARER", []string{"--auth", "--token-file", "-"}},
			{"--auth=OAUTHBEARER and MAILEXPECT_TOKEN", "", u.Pass, "OAUTHBEARER", []string{"--auth=OAUTHBEARER"}},
		} {
			t.Run(tt.name, func(t *testing.T) {
				t.Setenv("MAILEXPECT_TOKEN", tt.env)
				rec := filepath.Join(dir, strings.ReplaceAll(tt.mech+tt.name, " ", "_")+".rec")
				args := append([]string{"-v", "--record", rec, "send", "--ca-file", srv.CAFile(), "--from", u.Address, "--to", "demo2@sandbox.test"}, tt.flags...)
				code, stdout, stderr := sendRun(t, tt.stdin, args...)
				if code != 0 || !strings.HasPrefix(stdout, "sent to 1 recipient: 250 ") {
					t.Fatalf("exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
				}
				for _, want := range []string{"--- AUTH mechanism " + tt.mech, "~>> ***", "<<~ 235"} {
					if !strings.Contains(stderr, want) {
						t.Errorf("the -v transcript lacks %q:\n%s", want, stderr)
					}
				}
				recorded, err := os.ReadFile(rec)
				if err != nil {
					t.Fatal(err)
				}
				if !strings.Contains(string(recorded), "C: ***") {
					t.Errorf("the recording has no masked AUTH line:\n%s", recorded)
				}
				noToken(t, u.Pass, u.Name, stdout, stderr, string(recorded))
			})
		}
		t.Setenv("MAILEXPECT_TOKEN", "")
		code, stdout, stderr := sendRun(t, "not"+u.Pass, "-v", "send", "--ca-file", srv.CAFile(), "--from", u.Address, "--to", "demo2@sandbox.test",
			"--auth=XOAUTH2", "--token-file", "-")
		if code != 28 {
			t.Errorf("a wrong token: exit %d, want 28\n%s", code, stderr)
		}
		noToken(t, "not"+u.Pass, u.Name, stdout, stderr)
	})

	t.Run("implicit TLS against a STARTTLS port: exit 29", func(t *testing.T) {
		code, _, stderr := sendRun(t, "", "send", "--server", srv.SMTPAddr(), "--tls", "implicit", "--from", "", "--to", "demo2@sandbox.test",
			"--timeout", "2")
		if code != 29 || !strings.Contains(stderr, "TLS handshake") {
			t.Errorf("implicit TLS against a plain port: exit %d, want 29: %s", code, stderr)
		}
	})
}

func TestSendFaults(t *testing.T) {
	var cfg sandbox.Config
	if err := cfg.AddFault("smtp=tempfail"); err != nil {
		t.Fatal(err)
	}
	srv := sandboxtest.Start(t, cfg)
	code, _, stderr := sendRun(t, "", "send", "--server", srv.SMTPAddr(), "--ca-file", srv.CAFile(),
		"--from", "demo1@sandbox.test", "--to", "demo2@sandbox.test")
	if code != 23 || !strings.Contains(stderr, "451") {
		t.Errorf("MAIL refused: exit %d, want 23; stderr %q", code, stderr)
	}
	code, _, stderr = sendRun(t, "", "send", "--server", "127.0.0.1:1", "--from", "a@b", "--to", "c@d", "--timeout", "2")
	if code != 3 || !strings.Contains(stderr, "127.0.0.1:1") {
		t.Errorf("connect refused: exit %d, want 3; stderr %q", code, stderr)
	}
}

// TestSendUsage: bad command lines exit 2 before anything connects, with a
// message naming the flag.
func TestSendUsage(t *testing.T) {
	t.Setenv("MAILEXPECT_SMTP", "127.0.0.1:1") // never reached
	t.Setenv("MAILEXPECT_PASS", "")
	t.Setenv("MAILEXPECT_USER", "")
	t.Setenv("NETRC", filepath.Join(t.TempDir(), "none"))
	att := writeAttachment(t)
	twoLines := filepath.Join(t.TempDir(), "token")
	if err := os.WriteFile(twoLines, []byte("ya29.a0Af-first\nya29.a0Af-second\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"no recipient", []string{"--from", "a@b"}, "error: --to ADDRESS is required (or --cc/--bcc)\n"},
		{"no sender", []string{"--to", "a@b"}, "error: --from ADDRESS is required\nhint: --from '' sends the null sender <>\n"},
		{"a password flag", []string{"--from", "a@b", "--to", "c@d", "--pass", "x"}, "there is no password flag"},
		{"a bad header", []string{"--from", "a@b", "--to", "c@d", "--header", "NoColon"}, `--header wants 'Name: value', got "NoColon"`},
		{"a space in a header name", []string{"--from", "a@b", "--to", "c@d", "--header", "X A: 1"}, `--header wants 'Name: value'`},
		{"data and body", []string{"--from", "a@b", "--to", "c@d", "--data", "@" + att, "--body", "x"}, "--data excludes --body"},
		{"data as text", []string{"--from", "a@b", "--to", "c@d", "--data", "Subject: x"}, "--data wants @FILE or - (stdin)"},
		{"a bad stage", []string{"--from", "a@b", "--to", "c@d", "--quit-after", "data"}, "--quit-after wants connect, ehlo, tls, auth, mail or rcpt"},
		{"a stray argument", []string{"--from", "a@b", "--to", "c@d", "--auth", "PLAIN"}, `unexpected argument "PLAIN"`},
		{"a missing attachment", []string{"--from", "a@b", "--to", "c@d", "--attach", "/nonexistent/x.pdf"}, "--attach: /nonexistent/x.pdf: no such file or directory"},
		{"a bad tls mode", []string{"--from", "a@b", "--to", "c@d", "--tls", "yes"}, `--tls wants starttls, implicit or none, got "yes"`},
		{"auth without a password", []string{"--from", "a@b", "--to", "c@d", "--auth", "--user", "u"}, "--auth needs a password: MAILEXPECT_PASS, --secret-file FILE or ~/.netrc (never a flag)"},
		{"a bad address", []string{"--from", "a@b", "--to", "c@d>"}, `bad address "c@d>"`},
		{"CR in a subject", []string{"--from", "a@b", "--to", "c@d", "--subject", "x\r\nBcc: e@f"}, "header Subject contains CR, LF or NUL"},
		{"an unknown flag", []string{"--bogus"}, "error: unknown flag --bogus\nhint: run 'mailexpect send --help' for its flags\n"},
		{"stdin twice", []string{"--from", "a@b", "--to", "c@d", "--body", "-", "--data", "-"}, "--body - and --data - cannot both read stdin"},
		{"a token flag", []string{"--from", "a@b", "--to", "c@d", "--auth", "--oauth2-bearer", "tok"}, "there is no token flag"},
		{"a bearer mechanism without a token", []string{"--from", "a@b", "--to", "c@d", "--auth=XOAUTH2", "--user", "u"}, "--auth=XOAUTH2 needs a token: --token-file FILE (- reads stdin) or MAILEXPECT_TOKEN (never a flag)"},
		{"a token for PLAIN", []string{"--from", "a@b", "--to", "c@d", "--auth=PLAIN", "--token-file", att}, "--token-file is for --auth=OAUTHBEARER, --auth=XOAUTH2 or --auth"},
		{"a token without --auth", []string{"--from", "a@b", "--to", "c@d", "--token-file", att}, "--user, --secret-file and --token-file are for --auth"},
		{"a body that is not UTF-8", []string{"--from", "a@b", "--to", "c@d", "--body", "d\xe9j\xe0 vu"}, "--body d?j? vu is not UTF-8 text"},
		{"a subject that is not UTF-8", []string{"--from", "a@b", "--to", "c@d", "--subject", "d\xe9j\xe0 vu"}, "--subject d?j? vu is not UTF-8 text"},
		{"a header that is not UTF-8", []string{"--from", "a@b", "--to", "c@d", "--header", "X-A: \xe9t\xe9"}, "--header X-A: ?t? is not UTF-8 text"},
		{"a recipient that is not UTF-8", []string{"--from", "a@b", "--to", "c\xe9@d"}, "--to c?@d is not UTF-8 text"},
		{"a token of two lines", []string{"--from", "a@b", "--to", "c@d", "--auth", "--token-file", "-"}, "--token-file -: stdin holds more than one line; a token is one line"},
		{"a token file of two lines", []string{"--from", "a@b", "--to", "c@d", "--auth", "--user", "u", "--token-file", twoLines}, "--token-file " + twoLines + " holds more than one line; a token is one line"},
		{"the attachment and the body from stdin", []string{"--from", "a@b", "--to", "c@d", "--attach", "-", "--body", "-"}, "--attach - and --body - cannot both read stdin"},
		{"an empty attachment name", []string{"--from", "a@b", "--to", "c@d", "--attach", ";name=x"}, "--attach wants FILE[;name=NAME][;type=TYPE] (FILE - reads stdin)"},
		{"the token and the body from stdin", []string{"--from", "a@b", "--to", "c@d", "--auth", "--body", "-", "--token-file", "-"}, "--body - and --token-file - cannot both read stdin"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := sendRun(t, "x\ny", append([]string{"send"}, tt.args...)...)
			if code != 2 {
				t.Errorf("exit %d, want 2\nstderr: %s", code, stderr)
			}
			if !strings.Contains(stderr, tt.want) || stdout != "" {
				t.Errorf("stderr %q does not say %q (stdout %q)", stderr, tt.want, stdout)
			}
		})
	}
	code, stdout, _ := sendRun(t, "", "send", "--help")
	if code != 0 || stdout != sendUsage {
		t.Errorf("send --help: exit %d, %q", code, stdout)
	}
}

// TestSendRealServers: Postfix's submission port (STARTTLS, then AUTH)
// delivers through Dovecot's LMTP into the maildir, where Python reads it.
func TestSendRealServers(t *testing.T) {
	st := mailstack.NewStack(t, mailstack.Options{Users: 3, Password: mailstack.SharedPassword})
	u := st.Users[0]
	to := st.Users[1]
	t.Setenv("MAILEXPECT_USER", u.Name)
	t.Setenv("MAILEXPECT_PASS", u.Password)
	t.Setenv("MAILEXPECT_SMTP", "")
	att := writeAttachment(t)
	common := []string{"-v", "send", "--server", "submission://" + st.Submission, "--ca-file", st.CAFile, "--auth", "--from", u.Address}

	args := append(append(append([]string{}, common...), "--to", to.Address), messageArgs(att)...)
	code, stdout, stderr := sendRun(t, "", args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout: %s\nstderr: %s", code, stdout, stderr)
	}
	m := regexp.MustCompile(`^sent to 1 recipient: 250 2\.0\.0 Ok: queued as (\w+) \(queue id (\w+)\)\n$`).FindStringSubmatch(stdout)
	if m == nil || m[1] != m[2] {
		t.Errorf("stdout %q: want the final reply and the queue id", stdout)
	}
	noSecret(t, u.Password, u.Name, stdout, stderr)
	paths, err := st.WaitDelivered(to.Name, 1, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(paths[0])
	if err != nil {
		t.Fatal(err)
	}
	checkArrived(t, raw)

	// A recipient Postfix does not know: exit 24 with its reply, and the
	// other recipient gets nothing either.
	args = append(append([]string{}, common...), "--to", st.Users[2].Address, "--to", "nobody-here@"+st.Domain)
	code, stdout, stderr = sendRun(t, "", args...)
	if code != 24 || !strings.Contains(stderr, "mailexpect send: ") ||
		!strings.Contains(stderr, "RCPT TO:<nobody-here@"+st.Domain+"> refused: 550 5.1.1") {
		t.Errorf("exit %d, want 24 with Postfix's 550\nstdout %q\nstderr: %s", code, stdout, stderr)
	}
	noSecret(t, u.Password, u.Name, stdout, stderr)

	// --auth=SCRAM-SHA-256 (Postfix asks Dovecot): the login only.
	args = []string{"-v", "send", "--server", "submission://" + st.Submission, "--ca-file", st.CAFile,
		"--auth=SCRAM-SHA-256", "--quit-after", "auth"}
	code, stdout, stderr = sendRun(t, "", args...)
	if code != 0 || !strings.Contains(stderr, "AUTH mechanism SCRAM-SHA-256") {
		t.Errorf("scram: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	noSecret(t, u.Password, u.Name, stdout, stderr)

	// --quit-after rcpt: RCPT accepted, QUIT, no DATA, nothing delivered.
	args = append(append([]string{}, common...), "--to", st.Users[2].Address, "--quit-after", "rcpt", "--json")
	code, stdout, stderr = sendRun(t, "", args...)
	if code != 0 || !strings.Contains(stdout, `"accepted":true`) || strings.Contains(stderr, ">> DATA") || !strings.Contains(stderr, "~>> QUIT") {
		t.Errorf("quit after rcpt: exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	noSecret(t, u.Password, u.Name, stdout, stderr)
	time.Sleep(500 * time.Millisecond)
	if paths, _ := st.Mailbox(st.Users[2].Name); len(paths) != 0 {
		t.Errorf("%s got %d messages; --quit-after rcpt and a refused recipient must deliver nothing", st.Users[2].Name, len(paths))
	}

	// --data - over LMTP straight to Dovecot: the bytes as given.
	msg := "From: <" + u.Address + ">\r\nTo: <" + to.Address + ">\r\nSubject: raw via lmtp\r\nMessage-ID: <raw-lmtp@x.test>\r\n\r\n.leading dot\r\nend\r\n"
	code, stdout, stderr = sendRun(t, msg, "send", "--server", st.LMTP, "--protocol", "lmtp", "--tls", "none",
		"--from", u.Address, "--to", to.Address, "--data", "-")
	if code != 0 || !strings.HasPrefix(stdout, "sent to 1 recipient: 250 2.0.0 <"+to.Address+">") {
		t.Errorf("lmtp: exit %d\nstdout %q\nstderr %s", code, stdout, stderr)
	}
	paths, err = st.WaitDelivered(to.Name, 2, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range paths {
		b, _ := os.ReadFile(p)
		if bytes.Contains(b, []byte("<raw-lmtp@x.test>")) {
			found = true
			if !bytes.HasSuffix(b, []byte("\n\n.leading dot\nend\n")) && !bytes.HasSuffix(b, []byte("\r\n\r\n.leading dot\r\nend\r\n")) {
				t.Errorf("the raw message changed: %q", b)
			}
		}
	}
	if !found {
		t.Errorf("the --data message is not in %s's maildir", to.Name)
	}

	// A wrong password: exit 28, the server's 535, no password anywhere.
	t.Setenv("MAILEXPECT_PASS", "wrong"+u.Password)
	code, stdout, stderr = sendRun(t, "", append(append([]string{}, common...), "--to", to.Address, "--quit-after", "auth")...)
	if code != 28 || !strings.Contains(stderr, "535") {
		t.Errorf("bad password: exit %d, want 28 with 535\nstderr %s", code, stderr)
	}
	noSecret(t, "wrong"+u.Password, u.Name, stdout, stderr)
}

// TestSendExitCodes: each failing stage has its exit code and the
// server's reply on stderr (canned servers for the replies real servers
// rarely give).
func TestSendExitCodes(t *testing.T) {
	const ehlo = "S: 220 mx.test ESMTP\nC: EHLO localhost\nS: 250-mx.test\nS: 250 8BITMIME\n"
	tests := []struct {
		name   string
		script string
		extra  []string
		code   int
		want   string
	}{
		{"greeting refused", "S: 554 5.3.2 go away\nC: QUIT\nS: 221 bye\n", nil, 21, "554 5.3.2 go away"},
		{"a server's control bytes are escaped", "SR: \"554 \\x1b[2J\\x07gone\\r\\n\"\nC: QUIT\nS: 221 bye\n", nil, 21, `554 \x1b[2J\x07gone`},
		{"EHLO and HELO refused", "S: 220 mx.test\nC: EHLO localhost\nS: 502 no\nC: HELO localhost\nS: 550 5.7.1 not you\nC: QUIT\nS: 221 bye\n", nil, 22, "550 5.7.1 not you"},
		{"STARTTLS not offered", ehlo + "C: QUIT\nS: 221 bye\n", []string{"--tls", "starttls"}, 29, "does not offer STARTTLS"},
		{"DATA refused", ehlo + "C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@x.test>\nS: 250 ok\nC: DATA\nS: 554 5.5.1 no valid recipients\nC: RSET\nS: 250 ok\nC: QUIT\nS: 221 bye\n", nil, 25, "DATA refused: 554 5.5.1"},
		{"message refused after DATA", ehlo + "C: MAIL FROM:<a@x.test>\nS: 250 ok\nC: RCPT TO:<b@x.test>\nS: 250 ok\nC: DATA\nS: 354 go\n" +
			strings.Repeat("C: *\n", 10) + "C: .\nS: 550 5.7.1 spam\nC: QUIT\nS: 221 bye\n", nil, 26, "message refused: 550 5.7.1 spam"},
		{"connection lost", ehlo + "C: MAIL FROM:<a@x.test>\nCLOSE\n", nil, 6, "closed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := fakeserver.Start(t, tt.script)
			args := append([]string{"send", "--server", sc.Addr(), "--tls", "none", "--from", "a@x.test", "--to", "b@x.test", "--timeout", "3"}, tt.extra...)
			code, stdout, stderr := sendRun(t, "", args...)
			if code != tt.code || !strings.Contains(stderr, tt.want) || stdout != "" {
				t.Errorf("exit %d, want %d; stderr %q should say %q; stdout %q", code, tt.code, stderr, tt.want, stdout)
			}
		})
	}
}

// TestMinVersionRealPostfix: against a Postfix that speaks TLS 1.2 at
// most, --min-version 1.3 refuses the handshake in send (exit 29) and
// connect (exit 1, naming the version), and both get TLS 1.2 without it:
// the flag reaches a real server's handshake, not only the client's
// configuration.
func TestMinVersionRealPostfix(t *testing.T) {
	st := mailstack.NewStack(t, mailstack.Options{Users: 1, PostfixTLS12: true})
	t.Setenv("MAILEXPECT_CA_FILE", "")
	tls := []string{"--ca-file", st.CAFile}

	code, stdout, stderr := sendRun(t, "", append([]string{"send", "-s", "submission://" + st.Submission, "--quit-after", "tls"}, tls...)...)
	if code != 0 || !strings.HasPrefix(stdout, "quit after tls: TLS 1.2 ") {
		t.Errorf("send without --min-version: exit %d, stdout %q, stderr %s", code, stdout, stderr)
	}
	code, stdout, stderr = sendRun(t, "", append([]string{"send", "-s", "submission://" + st.Submission, "--quit-after", "tls", "--min-version", "1.3"}, tls...)...)
	if code != 29 || stdout != "" || !strings.Contains(stderr, "protocol version") {
		t.Errorf("send --min-version 1.3: exit %d, want 29 naming the protocol version\nstdout %q\nstderr %s", code, stdout, stderr)
	}

	tls = append(tls, "--servername", "localhost")
	out := connectFromPipe(t, "QUIT\n", append(append([]string{"connect"}, tls...), "smtps://"+st.SMTPS)...)
	if !regexp.MustCompile(`TLS: TLS 1\.2 \S+.*, verified for localhost`).MatchString(out) {
		t.Errorf("connect without --min-version: no verified TLS 1.2 line:\n%s", out)
	}
	code, _, stderr = connectPipe(t, "QUIT\n", append(append([]string{"connect", "--min-version", "1.3"}, tls...), "smtps://"+st.SMTPS)...)
	if code != 1 || !strings.Contains(stderr, "protocol version") {
		t.Errorf("connect --min-version 1.3: exit %d, want 1 naming the protocol version: %s", code, stderr)
	}
}
