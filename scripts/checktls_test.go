package scripts_test

import (
	"crypto/tls"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// stackLeaf is the real stack's server certificate, as a client sees it.
func stackLeaf(t *testing.T, st *mailstack.Stack) (days int, date string) {
	t.Helper()
	conn, err := tls.Dial("tcp", st.SMTPS, st.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	return expiry(conn.ConnectionState().PeerCertificates[0].NotAfter)
}

// expiry is what check-tls.lua says about notAfter: whole days left,
// toward zero, and the date.
func expiry(notAfter time.Time) (int, string) {
	d := time.Until(notAfter).Hours() / 24
	days := int(math.Floor(d))
	if d < 0 {
		days = -int(math.Floor(-d))
	}
	return days, notAfter.UTC().Format("2006-01-02")
}

// TestCheckTLSRealServers: every TLS flavour of the stack in one run,
// verified against the stack's CA.
func TestCheckTLSRealServers(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	days, date := stackLeaf(t, st)
	cert := fmt.Sprintf("certificate expires in %d days (%s), TLS 1.3 TLS_AES_128_GCM_SHA256", days, date)
	r := run(t, []string{"MAILEXPECT_CA_FILE=" + st.CAFile}, nil, script("check-tls.lua"),
		"submission://"+st.Submission, "smtps://"+st.SMTPS, "pop3://"+st.POP3, "pop3s://"+st.POP3S,
		"imap://"+st.IMAP, "imaps://"+st.IMAPS)
	wantCode(t, r, 0)
	var msgs, perf []string
	for _, s := range []struct{ addr, what, label string }{
		{st.Submission, "smtp starttls", "smtp"}, {st.SMTPS, "smtp implicit", "smtps"},
		{st.POP3, "pop3 starttls", "pop3"}, {st.POP3S, "pop3 implicit", "pop3s"},
		{st.IMAP, "imap starttls", "imap"}, {st.IMAPS, "imap implicit", "imaps"},
	} {
		msgs = append(msgs, fmt.Sprintf("%s (%s): %s", s.addr, s.what, cert))
		perf = append(perf, fmt.Sprintf("%s_days=%d;30:;7: %s_time=Ns;;;0", s.label, days, s.label))
	}
	wantLine(t, r, "TLS OK - "+strings.Join(msgs, ", ")+" | "+strings.Join(perf, " "))
	if !strings.Contains(r.stdout, "\n"+st.SMTPS+": subject CN=localhost,O=mailstack, issuer CN=mailstack test CA,O=mailstack, names localhost mail."+st.Domain+", valid ") {
		t.Errorf("long output:\n%s", r.stdout)
	}

	// Without arguments: the servers of MAILEXPECT_SMTP, _POP3, _IMAP.
	u := st.TakeUser(t)
	r = run(t, stackEnv(st, u), []string{u.Password}, script("check-tls.lua"), "-w", "40")
	wantCode(t, r, 0)
	wantLine(t, r, fmt.Sprintf("TLS OK - %s (smtp starttls): %s, %s (pop3 starttls): %s, %s (imap starttls): %s | "+
		"smtp_days=%d;40:;7: smtp_time=Ns;;;0 pop3_days=%d;40:;7: pop3_time=Ns;;;0 imap_days=%d;40:;7: imap_time=Ns;;;0",
		st.Submission, cert, st.POP3, cert, st.IMAP, cert, days, days, days))
}

// TestCheckTLSUntrusted: without the stack's CA the chain is unknown:
// CRITICAL, and the expiry is reported all the same.
func TestCheckTLSUntrusted(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	days, date := stackLeaf(t, st)
	r := run(t, nil, nil, script("check-tls.lua"), "pop3s://"+st.POP3S)
	wantCode(t, r, 2)
	wantLine(t, r, fmt.Sprintf("TLS CRITICAL - %s (pop3 implicit): certificate expires in %d days (%s), "+
		"NOT trusted: x509: certificate signed by unknown authority, TLS 1.3 TLS_AES_128_GCM_SHA256 | pop3s_days=%d;30:;7: pop3s_time=Ns;;;0",
		st.POP3S, days, date, days))

	// --no-verify: said, but not an alert.
	r = run(t, nil, nil, script("check-tls.lua"), "--no-verify", "pop3s://"+st.POP3S)
	wantCode(t, r, 0)
	if !strings.HasPrefix(r.firstLine(), "TLS OK - ") || !strings.Contains(r.firstLine(), "NOT trusted") {
		t.Errorf("status line %q", r.firstLine())
	}

	// The wrong name: CRITICAL too.
	r = run(t, []string{"MAILEXPECT_CA_FILE=" + st.CAFile}, nil, script("check-tls.lua"), "--servername", "other.example", "imaps://"+st.IMAPS)
	wantCode(t, r, 2)
	wantLine(t, r, fmt.Sprintf("TLS CRITICAL - %s (imap implicit): certificate expires in %d days (%s), "+
		"NOT trusted: x509: certificate is valid for localhost, mail.%s, not other.example, TLS 1.3 TLS_AES_128_GCM_SHA256 | imaps_days=%d;30:;7: imaps_time=Ns;;;0",
		st.IMAPS, days, date, st.Domain, days))
}

// TestCheckTLSExpiry: certificates made by the test, on small servers
// that speak just enough SMTP, POP3 and IMAP to get to TLS.
func TestCheckTLSExpiry(t *testing.T) {
	t.Parallel()
	ca := newCA(t, "expiry test CA")
	stranger := newCA(t, "unknown CA")
	soon, soonCert := ca.leaf(t, time.Now().Add(3*24*time.Hour+time.Hour))
	gone, goneCert := ca.leaf(t, time.Now().Add(-2*24*time.Hour-time.Hour))
	alien, _ := stranger.leaf(t, time.Now().Add(3*24*time.Hour+time.Hour))
	soonDays, soonDate := expiry(soonCert.NotAfter)
	goneDays, goneDate := expiry(goneCert.NotAfter)
	if soonDays != 3 || goneDays != -2 {
		t.Fatalf("test certificates: %d and %d days", soonDays, goneDays)
	}

	tests := []struct {
		name     string
		proto    string
		implicit bool
		cert     tls.Certificate
		args     []string
		code     int
		want     string // %[1]s the address, %[2]s the date
	}{
		{"smtp starttls 3 days -w 30 -c 7", "smtp", false, soon, []string{"-w", "30", "-c", "7", "--protocol", "smtp"}, 2,
			"TLS CRITICAL - %[1]s (smtp starttls): certificate expires in 3 days (%[2]s), TLS 1.3 TLS_AES_128_GCM_SHA256 | smtp_days=3;30:;7: smtp_time=Ns;;;0"},
		{"smtp starttls 3 days -w 5 -c 2", "smtp", false, soon, []string{"-w", "5", "-c", "2", "--protocol", "smtp"}, 1,
			"TLS WARNING - %[1]s (smtp starttls): certificate expires in 3 days (%[2]s), TLS 1.3 TLS_AES_128_GCM_SHA256 | smtp_days=3;5:;2: smtp_time=Ns;;;0"},
		{"smtp starttls 3 days -w 2 -c 1", "smtp", false, soon, []string{"-w", "2", "-c", "1", "--protocol", "smtp"}, 0,
			"TLS OK - %[1]s (smtp starttls): certificate expires in 3 days (%[2]s), TLS 1.3 TLS_AES_128_GCM_SHA256 | smtp_days=3;2:;1: smtp_time=Ns;;;0"},
		{"smtps 3 days", "smtp", true, soon, []string{"--protocol", "smtp", "--tls", "implicit"}, 2,
			"TLS CRITICAL - %[1]s (smtp implicit): certificate expires in 3 days (%[2]s), TLS 1.3 TLS_AES_128_GCM_SHA256 | smtps_days=3;30:;7: smtps_time=Ns;;;0"},
		{"pop3 stls 3 days", "pop3", false, soon, []string{"-w", "5", "-c", "2", "--protocol", "pop3"}, 1,
			"TLS WARNING - %[1]s (pop3 starttls): certificate expires in 3 days (%[2]s), TLS 1.3 TLS_AES_128_GCM_SHA256 | pop3_days=3;5:;2: pop3_time=Ns;;;0"},
		{"imap starttls 3 days", "imap", false, soon, []string{"-w", "5", "-c", "2", "--protocol", "imap"}, 1,
			"TLS WARNING - %[1]s (imap starttls): certificate expires in 3 days (%[2]s), TLS 1.3 TLS_AES_128_GCM_SHA256 | imap_days=3;5:;2: imap_time=Ns;;;0"},
		{"pop3s expired", "pop3", true, gone, []string{"--protocol", "pop3", "--tls", "implicit"}, 2,
			"TLS CRITICAL - %[1]s (pop3 implicit): certificate expired 2 days ago (%[3]s), NOT trusted: x509: certificate has expired or is not yet valid, TLS 1.3 TLS_AES_128_GCM_SHA256 | pop3s_days=-2;30:;7: pop3s_time=Ns;;;0"},
		// A chain nobody trusts: CRITICAL, but the expiry is still there,
		// and a -w range as typed.
		{"unknown CA", "smtp", false, alien, []string{"-w", "@0:5", "-c", "1", "--protocol", "smtp"}, 2,
			"TLS CRITICAL - %[1]s (smtp starttls): certificate expires in 3 days (%[2]s), NOT trusted: x509: certificate signed by unknown authority, TLS 1.3 TLS_AES_128_GCM_SHA256 | smtp_days=3;@0:5;1: smtp_time=Ns;;;0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			addr := startTLSServer(t, tt.proto, tt.implicit, tt.cert)
			args := append([]string{script("check-tls.lua"), "--ca-file", ca.file}, tt.args...)
			r := run(t, nil, nil, append(args, addr)...)
			wantCode(t, r, tt.code)
			wantLine(t, r, fmt.Sprintf(tt.want, addr, soonDate, goneDate))
		})
	}
}

func TestCheckTLSFailures(t *testing.T) {
	t.Parallel()
	down := fakeserver.ClosedAddr(t)
	r := run(t, nil, nil, script("check-tls.lua"), "smtp://"+down)
	wantCode(t, r, 2)
	wantLine(t, r, fmt.Sprintf("TLS CRITICAL - %s (smtp starttls): connect to %s failed: dial tcp %s: connect: connection refused | smtp_time=Ns;;;0", down, down, down))

	for _, tt := range []struct {
		args []string
		want string
	}{
		{nil, "TLS UNKNOWN - no server to check: give an ADDRESS or set MAILEXPECT_SMTP, MAILEXPECT_POP3 or MAILEXPECT_IMAP"},
		{[]string{"ftp://x"}, "TLS UNKNOWN - unknown scheme ftp:// in ftp://x"},
		{[]string{"127.0.0.1:4000"}, "TLS UNKNOWN - cannot tell the protocol of 127.0.0.1:4000: use a URL (smtp://, pop3s://, ...) or --protocol"},
		{[]string{"-w", "x", "smtp://a"}, `TLS UNKNOWN - check-tls.lua:79: check: bad threshold "x": "x" is not a number`},
	} {
		r := run(t, nil, nil, append([]string{script("check-tls.lua")}, tt.args...)...)
		wantCode(t, r, 3)
		wantLine(t, r, tt.want)
	}
}

// TestCheckTLSPin: --pin against the real stack's key, and against a wrong
// one (CRITICAL naming both keys, even with --no-verify); --min-version
// 1.3 holds (Dovecot and Postfix speak 1.3).
func TestCheckTLSPin(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	conn, err := tls.Dial("tcp", st.IMAPS, st.TLSConfig())
	if err != nil {
		t.Fatal(err)
	}
	pin := session.SPKIPin(conn.ConnectionState().PeerCertificates[0])
	conn.Close()
	env := []string{"MAILEXPECT_CA_FILE=" + st.CAFile}
	r := run(t, env, nil, script("check-tls.lua"), "--pin", pin, "--min-version", "1.3", "imaps://"+st.IMAPS, "smtps://"+st.SMTPS)
	wantCode(t, r, 0)
	if !strings.Contains(r.stdout, ", key "+pin+"\n") {
		t.Errorf("long output does not show the key's pin %s:\n%s", pin, r.stdout)
	}
	wrong := "sha256/" + strings.Repeat("A", 43) + "="
	r = run(t, env, nil, script("check-tls.lua"), "--no-verify", "--pin", wrong, "imaps://"+st.IMAPS)
	wantCode(t, r, 2)
	if l := r.firstLine(); !strings.HasPrefix(l, "TLS CRITICAL - ") || !strings.Contains(l, pin) || !strings.Contains(l, wrong) {
		t.Errorf("status line %q does not name both keys", l)
	}
}
