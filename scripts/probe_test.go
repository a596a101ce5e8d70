package scripts_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

var msRE = regexp.MustCompile(`  \[\d+\.\d ms\]$`)

// steps returns the step names of a smtp-probe report (the lines that do
// not start with a space) and the lines, with the times taken off.
func steps(out string) (names []string, lines []string) {
	for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		l = msRE.ReplaceAllString(l, "")
		lines = append(lines, l)
		if l != "" && l[0] != ' ' {
			names = append(names, strings.Fields(l)[0])
		}
	}
	return names, lines
}

func TestSMTPProbe(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	days, _ := stackLeaf(t, st)
	for _, verbose := range []bool{false, true} {
		args := []string{script("smtp-probe.lua"), "--auth", "--vrfy", u.Address, "--expn", "staff"}
		if verbose {
			args = append([]string{"-v"}, args...)
		}
		r := run(t, stackEnv(st, u), []string{u.Password}, args...)
		wantCode(t, r, 0)
		names, lines := steps(r.stdout)
		if got := strings.Join(names, " "); got != "connect banner EHLO STARTTLS EHLO AUTH VRFY EXPN QUIT" {
			t.Errorf("steps %q\n%s", got, r)
		}
		for _, want := range []string{
			"connect   " + st.Submission,
			"banner    220 mail." + st.Domain + " ESMTP Postfix (mailstack)",
			"EHLO      mail." + st.Domain,
			"            STARTTLS",
			"STARTTLS  TLS 1.3 TLS_AES_128_GCM_SHA256",
			"            subject  CN=localhost,O=mailstack",
			"            issuer   CN=mailstack test CA,O=mailstack",
			"            names    localhost mail." + st.Domain,
			"            verified yes",
			"EHLO      mail." + st.Domain + " (after TLS)",
			"            AUTH PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256",
			"AUTH      PLAIN as " + u.Name + ": 235 2.7.0 Authentication successful",
			"VRFY      " + u.Address + ": 252 2.0.0 " + u.Address,
			"EXPN      staff: 500 5.5.2 Error: command not recognized",
			"QUIT      221 2.0.0 Bye",
		} {
			if !slices.Contains(lines, want) {
				t.Errorf("no line %q in\n%s", want, r.stdout)
			}
		}
		if !strings.Contains(r.stdout, fmt.Sprintf(" UTC (%d days left)\n", days)) {
			t.Errorf("no certificate validity:\n%s", r.stdout)
		}
		// Submission offers AUTH only after TLS: the first EHLO has none.
		if strings.Count(r.stdout, "AUTH PLAIN LOGIN CRAM-MD5") != 1 {
			t.Errorf("AUTH advertised before TLS?\n%s", r.stdout)
		}
		if verbose && !strings.Contains(r.stderr, " --- AUTH mechanism PLAIN\n") {
			t.Errorf("-v: no transcript on stderr:\n%s", r.stderr)
		}
	}
}

func TestSMTPProbeFailures(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)

	// A wrong password: AUTH FAILED, the session goes on to QUIT, exit 1.
	wrong := "not-" + u.Password
	r := run(t, replaceEnv(stackEnv(st, u), "MAILEXPECT_PASS", wrong), []string{wrong, u.Password},
		script("smtp-probe.lua"), "--auth", "--mech", "login")
	wantCode(t, r, 1)
	names, lines := steps(r.stdout)
	if strings.Join(names, " ") != "connect banner EHLO STARTTLS EHLO AUTH QUIT" {
		t.Errorf("steps %v\n%s", names, r)
	}
	// The reason after "failed:" is Dovecot's and varies.
	want := "AUTH      FAILED: " + st.Submission + ": AUTH LOGIN refused: 535 5.7.8 Error: authentication failed: "
	if len(lines) < 6 || !strings.HasPrefix(lines[len(lines)-2], want) {
		t.Errorf("no line starting %q\n%s", want, r)
	}

	// An unknown CA: the report stops at STARTTLS with the reason.
	r = run(t, replaceEnv(stackEnv(st, u), "MAILEXPECT_CA_FILE", ""), []string{u.Password}, script("smtp-probe.lua"), "--auth")
	wantCode(t, r, 1)
	if names, _ := steps(r.stdout); strings.Join(names, " ") != "connect banner EHLO" {
		t.Errorf("steps %v\n%s", names, r)
	}
	if !regexp.MustCompile(`^smtp-probe\.lua:\d+: TLS handshake with ` + regexp.QuoteMeta(st.Submission) +
		` failed: x509: certificate signed by unknown authority \(hint: `).MatchString(r.stderr) {
		t.Errorf("stderr %q", r.stderr)
	}

	// No server, no credentials: usage errors, exit 2.
	r = run(t, nil, nil, script("smtp-probe.lua"))
	wantCode(t, r, 2)
	if r.stderr != "smtp-probe.lua: no server: give an ADDRESS or set MAILEXPECT_SMTP\n"+
		"usage: mailexpect smtp-probe.lua [options] [ADDRESS] (-h for help)\n" {
		t.Errorf("stderr %q", r.stderr)
	}
	r = run(t, []string{"MAILEXPECT_SMTP=" + st.Submission}, nil, script("smtp-probe.lua"), "--auth")
	wantCode(t, r, 2)
}

func TestSMTPProbeJSON(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	r := run(t, stackEnv(st, u), []string{u.Password}, script("smtp-probe.lua"), "--json", "--auth", "smtp://"+st.Submission)
	wantCode(t, r, 0)
	var got struct {
		Address string
		Steps   []struct {
			Step, Text string
			MS         float64
		}
		EHLO    []string `json:"ehlo"`
		EHLOTLS []string `json:"ehlo_tls"`
		TLS     struct {
			Version  string
			Verified bool
		}
		Auth struct {
			OK        bool
			Mechanism string
		}
		Error any
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	var names []string
	for _, s := range got.Steps {
		names = append(names, s.Step)
	}
	if strings.Join(names, " ") != "connect banner EHLO STARTTLS EHLO AUTH QUIT" || !got.TLS.Verified ||
		got.TLS.Version != "TLS 1.3" || !got.Auth.OK || got.Auth.Mechanism != "PLAIN" || got.Error != nil ||
		len(got.EHLO) == 0 || len(got.EHLOTLS) == 0 {
		t.Errorf("report: %+v", got)
	}
}

func TestPOP3Stat(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	if err := st.SeedN(u.Name, 3); err != nil {
		t.Fatal(err)
	}
	r := run(t, stackEnv(st, u), []string{u.Password}, script("pop3-stat.lua"), "--top", "1")
	wantCode(t, r, 0)
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	head := regexp.MustCompile(`^` + regexp.QuoteMeta(st.POP3) + ` \(STLS, TLS 1\.3\) ` + u.Name + `: 3 messages, (\d+) octets$`)
	row := regexp.MustCompile(`^ {5}(\d)  +(\d+)  \S+$`)
	if len(lines) < 6 || !head.MatchString(lines[0]) || lines[1] != "     #      size  uidl" {
		t.Fatalf("report:\n%s", r.stdout)
	}
	for i := 1; i <= 3; i++ {
		if m := row.FindStringSubmatch(lines[1+i]); m == nil || m[1] != fmt.Sprint(i) {
			t.Errorf("row %d: %q", i, lines[1+i])
		}
	}
	if lines[5] != "newest message (#3), TOP 3 1:" || !slices.Contains(lines, "  Subject: seed 3") ||
		lines[len(lines)-1] != "  Seeded message 3 of 3 for "+u.Name+"." {
		t.Errorf("TOP:\n%s", r.stdout)
	}

	// --max 2 lists the newest two; --json says the same as an object.
	r = run(t, stackEnv(st, u), []string{u.Password}, script("pop3-stat.lua"), "--max", "2")
	if lines := strings.Split(r.stdout, "\n"); len(lines) < 5 || lines[1] != "the 2 newest:" ||
		!strings.HasPrefix(lines[3], "     2 ") || !strings.HasPrefix(lines[4], "     3 ") {
		t.Errorf("--max 2:\n%s", r)
	}
	r = run(t, stackEnv(st, u), []string{u.Password}, script("pop3-stat.lua"), "--json", "--top", "0", "pop3s://"+st.POP3S)
	wantCode(t, r, 0)
	var got struct {
		Count, Octets int
		Listed        []struct {
			N, Size int
			UID     string
		}
		Newest struct {
			N   int
			Top string
		}
		TLS struct{ Version string }
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("%v\n%s", err, r)
	}
	if got.Count != 3 || len(got.Listed) != 3 || got.Listed[2].UID == "" || got.Newest.N != 3 ||
		!strings.Contains(got.Newest.Top, "\r\nSubject: seed 3\r\n") || got.TLS.Version != "TLS 1.3" {
		t.Errorf("report: %+v", got)
	}

	// -v: the transcript on stderr, the password masked (run checks).
	r = run(t, stackEnv(st, u), []string{u.Password}, "-v", script("pop3-stat.lua"), "--auth", "plain")
	wantCode(t, r, 0)
	if !strings.Contains(r.stderr, " --- AUTH mechanism plain\n") {
		t.Errorf("-v: no transcript on stderr:\n%s", r.stderr)
	}

	// It only looks: the three messages are still there.
	if files, err := st.Mailbox(u.Name); err != nil || len(files) != 3 {
		t.Errorf("mailbox after pop3-stat: %v, %v", files, err)
	}

	r = run(t, []string{"MAILEXPECT_POP3=" + st.POP3}, nil, script("pop3-stat.lua"))
	wantCode(t, r, 2)
	if r.stderr != "pop3-stat.lua: no credentials: set MAILEXPECT_USER and MAILEXPECT_PASS, or use --secret-file or ~/.netrc\n"+
		"usage: mailexpect pop3-stat.lua [options] [ADDRESS] (-h for help)\n" {
		t.Errorf("stderr %q", r.stderr)
	}
}
