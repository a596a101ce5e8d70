package sandbox

import (
	"crypto/tls"
	"errors"
	"net/smtp"
	"net/textproto"
	"strings"
	"testing"
)

func TestSMTPEHLOBeforeAndAfterSTARTTLS(t *testing.T) {
	srv := startSandbox(t, Config{})
	c := dialSMTP(t, srv)
	if err := c.Hello("client.test"); err != nil {
		t.Fatal(err)
	}
	for _, ext := range []string{"STARTTLS", "PIPELINING", "8BITMIME", "ENHANCEDSTATUSCODES"} {
		if ok, _ := c.Extension(ext); !ok {
			t.Errorf("EHLO before TLS lacks %s", ext)
		}
	}
	if ok, _ := c.Extension("SIZE"); !ok {
		t.Error("EHLO lacks SIZE")
	} else if _, size := c.Extension("SIZE"); size != "10485760" {
		t.Errorf("SIZE %q, want 10485760", size)
	}
	if ok, mechs := c.Extension("AUTH"); ok {
		t.Errorf("EHLO before TLS advertises AUTH %s", mechs)
	}
	if err := c.StartTLS(clientTLS(srv)); err != nil {
		t.Fatalf("STARTTLS verified against CAPool: %v", err)
	}
	if ok, _ := c.Extension("STARTTLS"); ok {
		t.Error("EHLO after TLS still advertises STARTTLS")
	}
	if _, mechs := c.Extension("AUTH"); mechs != "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 OAUTHBEARER XOAUTH2" {
		t.Errorf("AUTH after TLS = %q, want PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 OAUTHBEARER XOAUTH2", mechs)
	}
}

func TestSMTPSTARTTLSVerification(t *testing.T) {
	srv := startSandbox(t, Config{})
	tests := []struct {
		name    string
		cfg     *tls.Config
		wantErr string
	}{
		{"sandbox CA, localhost", &tls.Config{RootCAs: srv.CAPool(), ServerName: "localhost"}, ""},
		{"sandbox CA, 127.0.0.1", &tls.Config{RootCAs: srv.CAPool(), ServerName: "127.0.0.1"}, ""},
		{"sandbox CA, sandbox.test", &tls.Config{RootCAs: srv.CAPool(), ServerName: "sandbox.test"}, ""},
		{"sandbox CA, wrong name", &tls.Config{RootCAs: srv.CAPool(), ServerName: "mail.example.com"}, "is valid for localhost"},
		{"system roots", &tls.Config{ServerName: "localhost"}, "certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialSMTP(t, srv)
			err := c.StartTLS(tt.cfg)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("STARTTLS: %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("STARTTLS error %v, want one mentioning %q", err, tt.wantErr)
			}
		})
	}
}

// smtpCode is the reply code net/smtp reports, 0 for success.
func smtpCode(err error) int {
	var te *textproto.Error
	if errors.As(err, &te) {
		return te.Code
	}
	if err != nil {
		return -1
	}
	return 0
}

func TestSMTPRecipients(t *testing.T) {
	srv := startSandbox(t, Config{})
	tests := []struct {
		rcpt     string
		wantCode int
		wantText string
	}{
		{"demo1@sandbox.test", 0, ""},
		{"DEMO3@Sandbox.Test", 0, ""},
		{"nobody@sandbox.test", 550, "5.1.1"},
		{"Postmaster@sandbox.test", 0, ""},
		{"victim@example.com", 554, "Relay access denied"},
		{"demo1@sandbox.test.example.com", 554, "5.7.1"},
	}
	for _, tt := range tests {
		t.Run(tt.rcpt, func(t *testing.T) {
			c := dialSMTP(t, srv)
			if err := c.Mail("someone@example.org"); err != nil {
				t.Fatal(err)
			}
			err := c.Rcpt(tt.rcpt)
			if got := smtpCode(err); got != tt.wantCode || (err != nil && !strings.Contains(err.Error(), tt.wantText)) {
				t.Fatalf("RCPT TO:<%s>: %v (code %d), want code %d mentioning %q", tt.rcpt, err, got, tt.wantCode, tt.wantText)
			}
		})
	}
}

// Relaying is refused even to an authenticated client.
func TestSMTPNeverRelaysEvenWithAuth(t *testing.T) {
	srv := startSandbox(t, Config{})
	err := trySendMail(srv, "demo2@sandbox.test", []string{"someone@example.com"}, testMessage("relay"))
	if smtpCode(err) != 554 {
		t.Fatalf("authenticated relay attempt: %v, want 554", err)
	}
}

func TestSMTPOneCopyPerRecipient(t *testing.T) {
	srv := startSandbox(t, Config{})
	sendMail(t, srv, "", []string{"demo1@sandbox.test", "demo3@sandbox.test", "Demo1@sandbox.test"}, testMessage("fan out"))
	for user, want := range map[string]int{"demo1": 1, "demo2": 0, "demo3": 1} {
		if n := srv.Store().Count(user, "INBOX"); n != want {
			t.Errorf("%s has %d messages, want %d", user, n, want)
		}
	}
}

// loginAuth is SASL LOGIN for net/smtp, which has only PLAIN and CRAM-MD5.
type loginAuth struct{ user, pass string }

func (a loginAuth) Start(*smtp.ServerInfo) (string, []byte, error) { return "LOGIN", nil, nil }
func (a loginAuth) Next(challenge []byte, more bool) ([]byte, error) {
	if !more {
		return nil, nil
	}
	switch string(challenge) {
	case "Username:":
		return []byte(a.user), nil
	case "Password:":
		return []byte(a.pass), nil
	}
	return nil, errors.New("unexpected LOGIN challenge " + string(challenge))
}

func TestSMTPAuth(t *testing.T) {
	srv := startSandbox(t, Config{})
	u := srv.Users()[0]
	tests := []struct {
		name     string
		auth     smtp.Auth
		startTLS bool
		wantCode int
	}{
		{"PLAIN", smtp.PlainAuth("", u.Name, u.Pass, "127.0.0.1"), true, 0},
		{"LOGIN", loginAuth{u.Name, u.Pass}, true, 0},
		{"CRAM-MD5", smtp.CRAMMD5Auth(u.Name, u.Pass), true, 0},
		{"PLAIN wrong password", smtp.PlainAuth("", u.Name, "wrong", "127.0.0.1"), true, 535},
		{"CRAM-MD5 wrong password", smtp.CRAMMD5Auth(u.Name, "wrong"), true, 535},
		{"PLAIN unknown user", smtp.PlainAuth("", "nobody", "x", "127.0.0.1"), true, 535},
		{"PLAIN before STARTTLS", smtp.PlainAuth("", u.Name, u.Pass, "127.0.0.1"), false, 523},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialSMTP(t, srv)
			if tt.startTLS {
				if err := c.StartTLS(clientTLS(srv)); err != nil {
					t.Fatal(err)
				}
			}
			err := c.Auth(tt.auth)
			if got := smtpCode(err); got != tt.wantCode {
				t.Fatalf("AUTH %s: %v (code %d), want code %d", tt.name, err, got, tt.wantCode)
			}
		})
	}
}

func TestSMTPAllowPlaintextAuth(t *testing.T) {
	srv := startSandbox(t, Config{AllowPlaintextAuth: true})
	u := srv.Users()[0]
	c := dialSMTP(t, srv)
	if err := c.Auth(smtp.PlainAuth("", u.Name, u.Pass, "127.0.0.1")); err != nil {
		t.Fatalf("AUTH PLAIN without TLS under AllowPlaintextAuth: %v", err)
	}
}
