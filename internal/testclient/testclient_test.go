package testclient

import (
	"crypto/tls"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
)

func TestPOP3(t *testing.T) {
	sc := fakeserver.Start(t, `S: +OK ready <1.2@x>
C: STLS
S: +OK begin TLS
TLS
C: USER u
S: +OK
C: PASS p
S: +OK logged in
C: STAT
S: +OK 2 30
C: RETR 1
SR: "+OK\r\nSubject: a\r\n\r\n..dot\r\nlast\r\n.\r\n"
C: DELE 9
S: -ERR no such message`)
	p := DialPOP3(t, sc.Addr())
	if p.Greeting != "+OK ready <1.2@x>" {
		t.Errorf("Greeting %q", p.Greeting)
	}
	p.STLS(&tls.Config{ServerName: "mx.test", InsecureSkipVerify: true})
	p.Login("u", "p")
	if n := p.Stat(); n != 2 {
		t.Errorf("Stat: %d, want 2", n)
	}
	// The body is unstuffed and keeps its CRLFs.
	if got := string(p.Multi("RETR 1")); got != "Subject: a\r\n\r\n.dot\r\nlast\r\n" {
		t.Errorf("RETR 1: %q", got)
	}
	if got := p.Cmd("DELE 9"); got != "-ERR no such message" {
		t.Errorf("DELE 9: %q", got)
	}
}

func TestIMAP(t *testing.T) {
	sc := fakeserver.Start(t, `S: * OK ready
C: a1 AUTHENTICATE CRAM-MD5
S: + PDE+
C: dSBhbnN3ZXI=
S: a1 OK done
C: a2 FETCH 1 BODY[]
SR: "* 1 FETCH (BODY[] {7}\r\nx\r\ny\r\nz)\r\na2 OK FETCH completed\r\n"
C: a3 SELECT nothing
S: a3 NO [NONEXISTENT] no such mailbox`)
	m := DialIMAP(t, sc.Addr())
	var challenge string
	_, status := m.Run(func(c string) string { challenge = c; return "dSBhbnN3ZXI=" }, "AUTHENTICATE CRAM-MD5")
	if status != "OK done" || challenge != "PDE+" {
		t.Errorf("AUTHENTICATE: status %q, challenge %q", status, challenge)
	}
	// A literal is read whole, with the rest of its response.
	if got := m.OK("FETCH 1 BODY[]"); len(got) != 1 || got[0] != "* 1 FETCH (BODY[] {7}\r\nx\r\ny\r\nz)" {
		t.Errorf("FETCH: %q", got)
	}
	if _, status := m.Run(nil, "SELECT nothing"); status != "NO [NONEXISTENT] no such mailbox" {
		t.Errorf("SELECT: %q", status)
	}
}

// RFC 2195's example exchange.
func TestCRAMMD5(t *testing.T) {
	got := CRAMMD5("tim", "tanstaaftanstaaf", "<1896.697170952@postoffice.reston.mci.net>")
	if want := "tim b913a602c7eda7a495b4e6e7334d3890"; got != want {
		t.Errorf("CRAMMD5: %q, want %q", got, want)
	}
}

// fatalTB records the first Fatalf and ends the goroutine, as testing.T does.
type fatalTB struct {
	testing.TB
	msg string
}

func (f *fatalTB) Helper() {}

func (f *fatalTB) Fatalf(format string, args ...any) {
	f.msg = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// A body line ending in a bare LF fails the test: the client is strict.
func TestPOP3BodyBareLF(t *testing.T) {
	sc := fakeserver.Start(t, `S: +OK ready
C: RETR 1
SR: "+OK\r\nSubject: a\nbody\r\n.\r\n"`)
	ft := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		DialPOP3(ft, sc.Addr()).Multi("RETR 1")
	}()
	<-done
	if !strings.Contains(ft.msg, `"Subject: a\n" does not end in CRLF`) {
		t.Errorf("a bare LF in a body: Fatalf %q, want the line named", ft.msg)
	}
}
