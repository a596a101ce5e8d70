package scripts_test

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/mailstack"
)

var apopRE = regexp.MustCompile(`<[^<>@ ]+@[^<> ]+>`)

func TestCheckBanner(t *testing.T) {
	st := mailstack.Require(t)
	postfix := "220 mail." + st.Domain + " ESMTP Postfix (mailstack)"
	tests := []struct {
		name string
		env  []string
		args []string
		code int
		want string
	}{
		{"smtp", nil, []string{"smtp://" + st.SMTP}, 0,
			"SMTP OK - " + postfix + ", Ns response time | connect=Ns;;;0 time=Ns;;;0"},
		{"smtp from the environment", []string{"MAILEXPECT_SMTP=" + st.Submission}, nil, 0,
			"SMTP OK - " + postfix + ", Ns response time | connect=Ns;;;0 time=Ns;;;0"},
		{"smtps verified", []string{"MAILEXPECT_CA_FILE=" + st.CAFile}, []string{"-w", "5", "-c", "10", "smtps://" + st.SMTPS}, 0,
			"SMTP OK - " + postfix + ", Ns response time (TLS 1.3) | connect=Ns;;;0 time=Ns;5;10;0"},
		{"pop3", nil, []string{"--protocol", "pop3", st.POP3}, 0,
			"POP3 OK - +OK Dovecot (Debian) ready. <APOP>, Ns response time | connect=Ns;;;0 time=Ns;;;0"},
		{"imaps", []string{"MAILEXPECT_CA_FILE=" + st.CAFile}, []string{"-e", `^\* OK \[CAPABILITY IMAP4rev1`, "imaps://" + st.IMAPS}, 0, ""},
		{"warning", nil, []string{"-w", "0.000001", "smtp://" + st.SMTP}, 1,
			"SMTP WARNING - time Ns > 0.000001 (warning), " + postfix + ", Ns response time | connect=Ns;;;0 time=Ns;0.000001;;0"},
		{"critical", nil, []string{"-w", "0.000001", "-c", "0.000002", "smtp://" + st.SMTP}, 2,
			"SMTP CRITICAL - time Ns > 0.000002 (critical), " + postfix + ", Ns response time | connect=Ns;;;0 time=Ns;0.000001;0.000002;0"},
		{"mismatch", nil, []string{"--expect", `^220 other\.example `, "smtp://" + st.SMTP}, 2,
			`SMTP CRITICAL - greeting does not match ^220 other\.example : ` + postfix + " | connect=Ns;;;0 time=Ns;;;0"},
		{"untrusted", nil, []string{"pop3s://" + st.POP3S}, 2, "POP3 CRITICAL - TLS handshake with " + st.POP3S +
			" failed: x509: certificate signed by unknown authority (hint: ca_file adds a CA, servername sets the name to verify, insecure = true skips verification)"},
		// check_smtp's -C/-R against Postfix.
		{"command", nil, []string{"-C", "NOOP", "-R", "^250 2\\.0\\.0 Ok$", "smtp://" + st.SMTP}, 0,
			"SMTP OK - " + postfix + ", Ns response time, NOOP: 250 2.0.0 Ok | connect=Ns;;;0 time=Ns;;;0 command1=Ns;;;0"},
		{"command refused", nil, []string{"-C", "BOGUS", "-C", "NOOP", "smtp://" + st.SMTP}, 2,
			"SMTP CRITICAL - BOGUS: refused: 500 5.5.2 Error: command not recognized, " + postfix +
				", Ns response time | connect=Ns;;;0 time=Ns;;;0 command1=Ns;;;0"},
		{"usage", nil, nil, 3,
			"UNKNOWN - no server: give an ADDRESS or set MAILEXPECT_SMTP, MAILEXPECT_POP3 or MAILEXPECT_IMAP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := run(t, tt.env, nil, append([]string{script("check-banner.lua")}, tt.args...)...)
			wantCode(t, r, tt.code)
			if tt.want != "" {
				// Dovecot's APOP timestamp differs every time.
				r.stdout = apopRE.ReplaceAllString(r.stdout, "<APOP>")
				wantLine(t, r, tt.want)
			}
		})
	}
}

// TestCheckBannerDown: nothing listening, or a server that hangs up
// before its greeting, is CRITICAL.
func TestCheckBannerDown(t *testing.T) {
	t.Parallel()
	down := fakeserver.ClosedAddr(t)
	r := run(t, nil, nil, script("check-banner.lua"), "smtp://"+down)
	wantCode(t, r, 2)
	wantLine(t, r, fmt.Sprintf("SMTP CRITICAL - connect to %s failed: dial tcp %s: connect: connection refused", down, down))

	hangUp := fakeserver.Serve(t, func(net.Conn) {}) // closes every connection at once
	r = run(t, nil, nil, script("check-banner.lua"), "pop3://"+hangUp)
	wantCode(t, r, 2)
	wantLine(t, r, fmt.Sprintf("POP3 CRITICAL - %s: connection closed before the greeting | connect=Ns;;;0", hangUp))
}

// TestCheckBannerAuth: --auth logs in on Postfix's submission port and
// Dovecot's POP3 (STARTTLS first, verified), with the password from the
// environment; a wrong password is CRITICAL with the server's reply.
func TestCheckBannerAuth(t *testing.T) {
	st := mailstack.Require(t)
	u := st.TakeUser(t)
	env := stackEnv(st, u)
	secrets := []string{u.Password}
	r := run(t, env, secrets, script("check-banner.lua"), "--auth", "plain", "submission://"+st.Submission)
	wantCode(t, r, 0)
	wantLine(t, r, "SMTP OK - 220 mail."+st.Domain+" ESMTP Postfix (mailstack), Ns response time, AUTH PLAIN as "+u.Name+
		" accepted | connect=Ns;;;0 time=Ns;;;0 smtp_connect=Ns;;;0 smtp_banner=Ns;;;0 smtp_ehlo=Ns;;;0 smtp_starttls=Ns;;;0 smtp_auth=Ns;;;0 smtp_quit=Ns;;;0")

	r = run(t, env, secrets, script("check-banner.lua"), "--auth", "apop", "-C", "CAPA", "-R", "(?m)^SASL ", "pop3://"+st.POP3)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, "AUTH APOP as "+u.Name+" accepted") || !strings.Contains(r.stdout, "CAPA: +OK") {
		t.Errorf("pop3 auth: %s", r)
	}

	r = run(t, replaceEnv(env, "MAILEXPECT_PASS", "wrong"), secrets, script("check-banner.lua"), "--auth", "login", "submission://"+st.Submission)
	wantCode(t, r, 2)
	if !strings.Contains(r.stdout, "SMTP CRITICAL - AUTH as "+u.Name+": ") || !strings.Contains(r.stdout, "535 5.7.8") {
		t.Errorf("refused auth: %s", r)
	}
}
