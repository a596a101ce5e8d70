package sandbox

import (
	"bufio"
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/mailexpect/mailexpect/internal/testclient"
)

func seed(t *testing.T, srv *Server, address string, subjects ...string) [][]byte {
	t.Helper()
	var msgs [][]byte
	for _, s := range subjects {
		m := testMessage(s)
		if err := srv.Store().Deliver(address, m); err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, m)
	}
	return msgs
}

func TestPOP3Transaction(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	msgs := seed(t, srv, demo1.Address, "one", "two")
	size1, size2 := len(msgs[0]), len(msgs[1])
	uidvalidity, _, _ := strings.Cut(mustUIDL(t, srv, demo1), ".")

	p := loginPOP3(t, srv, demo1)
	steps := []struct {
		cmd       string
		wantReply string // exact, or a regexp when it starts with ^
		wantBody  string // for multi-line replies
	}{
		{"STAT", fmt.Sprintf("+OK 2 %d", size1+size2), ""},
		{"LIST", fmt.Sprintf("+OK 2 messages (%d octets)", size1+size2), fmt.Sprintf("1 %d\r\n2 %d\r\n", size1, size2)},
		{"LIST 2", fmt.Sprintf("+OK 2 %d", size2), ""},
		{"LIST 3", `^-ERR no such message`, ""},
		{"LIST x", `^-ERR no such message`, ""},
		{"UIDL", "+OK unique-id listing follows", fmt.Sprintf("1 %s.1\r\n2 %s.2\r\n", uidvalidity, uidvalidity)},
		{"UIDL 2", fmt.Sprintf("+OK 2 %s.2", uidvalidity), ""},
		{"TOP 1 0", "+OK top of message follows", string(headerAndLines(msgs[0], 0))},
		{"TOP 1 2", "+OK top of message follows", string(headerAndLines(msgs[0], 0)) + "first line\r\n.leading dot\r\n"},
		{"TOP 1 -1", `^-ERR TOP needs`, ""},
		{"RETR 1", fmt.Sprintf("+OK %d octets", size1), string(msgs[0])},
		{"DELE 1", "+OK message 1 deleted", ""},
		{"DELE 1", "-ERR message 1 already deleted", ""},
		{"RETR 1", "-ERR message 1 already deleted", ""},
		{"STAT", fmt.Sprintf("+OK 1 %d", size2), ""},
		{"LIST", fmt.Sprintf("+OK 1 messages (%d octets)", size2), fmt.Sprintf("2 %d\r\n", size2)},
		{"RSET", fmt.Sprintf("+OK maildrop has 2 messages (%d octets)", size1+size2), ""},
		{"NOOP", "+OK ", ""},
		{"USER demo1", "-ERR already logged in", ""},
		{"XYZZY", `^-ERR unknown command`, ""},
		{"DELE 2", "+OK message 2 deleted", ""},
	}
	for _, st := range steps {
		got := p.Cmd(st.cmd)
		if strings.HasPrefix(st.wantReply, "^") {
			if !regexp.MustCompile(st.wantReply).MatchString(got) {
				t.Errorf("%s: %q, want a match for %s", st.cmd, got, st.wantReply)
			}
		} else if got != st.wantReply {
			t.Errorf("%s: %q, want %q", st.cmd, got, st.wantReply)
		}
		if st.wantBody != "" {
			if body := p.Body(); string(body) != st.wantBody {
				t.Errorf("%s body:\n got %q\nwant %q", st.cmd, body, st.wantBody)
			}
		}
	}
	if got := p.Cmd("QUIT"); got != "+OK sandbox.test POP3 sandbox signing off (1 messages deleted)" {
		t.Errorf("QUIT: %q", got)
	}
	left, _ := srv.Store().Messages("demo1", "INBOX")
	if len(left) != 1 || !bytes.Equal(left[0].Raw, msgs[0]) {
		t.Errorf("after DELE 2 + QUIT the store has %d messages, want only the first", len(left))
	}
}

// mustUIDL reads UIDL 1 in a throwaway session (and checks the lock is
// released when it ends).
func mustUIDL(t *testing.T, srv *Server, u User) string {
	p := loginPOP3(t, srv, u)
	reply := p.OK("UIDL 1")
	p.OK("QUIT")
	return strings.Fields(reply)[2]
}

func TestPOP3OnlyQuitCommitsDeletions(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	seed(t, srv, demo1.Address, "a", "b", "c")

	// A session that deletes and then drops commits nothing.
	p := loginPOP3(t, srv, demo1)
	p.OK("DELE 1")
	p.OK("DELE 2")
	p.Conn.Close()

	// Once the dropped session has released the lock, all three are there.
	q := loginAfterDrop(t, srv, demo1)
	if got := q.OK("STAT"); !strings.HasPrefix(got, "+OK 3 ") {
		t.Fatalf("STAT after a dropped session: %q, want 3 messages", got)
	}
	q.OK("DELE 3")
	q.OK("QUIT")
	if n := srv.Store().Count("demo1", "INBOX"); n != 2 {
		t.Fatalf("after DELE 3 + QUIT the store has %d messages, want 2", n)
	}
}

func TestPOP3MaildropInUse(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1, demo2 := srv.Users()[0], srv.Users()[1]
	first := loginPOP3(t, srv, demo1)

	second := testclient.DialPOP3(t, srv.POP3Addr())
	second.STLS(clientTLS(srv))
	second.OK("USER " + demo1.Name)
	if got := second.Cmd("PASS " + demo1.Pass); !strings.HasPrefix(got, "-ERR [IN-USE]") {
		t.Fatalf("second POP3 login of demo1: %q, want -ERR [IN-USE]", got)
	}
	// Another user is not affected, and the refused session may retry.
	loginPOP3(t, srv, demo2)
	first.OK("QUIT")
	waitFor(t, "the lock after QUIT", func() bool {
		second.OK("USER " + demo1.Name)
		return strings.HasPrefix(second.Cmd("PASS "+demo1.Pass), "+OK")
	})
}

func TestPOP3CAPA(t *testing.T) {
	srv := startSandbox(t, Config{})
	p := testclient.DialPOP3(t, srv.POP3Addr())
	caps := func() string { return string(p.Multi("CAPA")) }
	before := caps()
	for _, want := range []string{"STLS\r\n", "TOP\r\n", "UIDL\r\n", "RESP-CODES\r\n", "PIPELINING\r\n", "SASL CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256\r\n"} {
		if !strings.Contains(before, want) {
			t.Errorf("CAPA before TLS lacks %q:\n%s", want, before)
		}
	}
	if strings.Contains(before, "USER\r\n") {
		t.Errorf("CAPA before TLS offers USER although plaintext passwords are refused:\n%s", before)
	}
	p.STLS(clientTLS(srv))
	after := caps()
	for _, want := range []string{"USER\r\n", "SASL PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256 OAUTHBEARER XOAUTH2\r\n"} {
		if !strings.Contains(after, want) {
			t.Errorf("CAPA after TLS lacks %q:\n%s", want, after)
		}
	}
	if strings.Contains(after, "STLS") {
		t.Errorf("CAPA after TLS still offers STLS:\n%s", after)
	}
	if got := p.Cmd("STLS"); !strings.HasPrefix(got, "-ERR") {
		t.Errorf("second STLS: %q", got)
	}
}

func TestPOP3PlaintextPasswordsRefused(t *testing.T) {
	srv := startSandbox(t, Config{})
	p := testclient.DialPOP3(t, srv.POP3Addr())
	for _, cmd := range []string{"USER demo1", "AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00demo1\x00demo1-pass")), "AUTH LOGIN"} {
		if got := p.Cmd(cmd); !strings.HasPrefix(got, "-ERR [AUTH] Plaintext authentication disallowed") {
			t.Errorf("%s before STLS: %q", strings.Fields(cmd)[0], got)
		}
	}
	if got := p.Cmd("PASS demo1-pass"); !strings.HasPrefix(got, "-ERR") {
		t.Errorf("PASS without USER: %q", got)
	}
	if got := p.Cmd("STAT"); !strings.HasPrefix(got, "-ERR") {
		t.Errorf("STAT before login: %q", got)
	}

	open := startSandbox(t, Config{AllowPlaintextAuth: true})
	q := testclient.DialPOP3(t, open.POP3Addr())
	q.OK("USER demo1")
	q.OK("PASS demo1-pass")
}

func TestPOP3APOP(t *testing.T) {
	srv := startSandbox(t, Config{})
	u := srv.Users()[0]
	tests := []struct {
		name, secret string
		wantOK       bool
	}{
		{"right password", u.Pass, true},
		{"wrong password", "wrong", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testclient.DialPOP3(t, srv.POP3Addr())
			stamp := regexp.MustCompile(`<[^>]+>`).FindString(p.Greeting)
			if stamp == "" {
				t.Fatalf("greeting %q has no APOP timestamp", p.Greeting)
			}
			sum := md5.Sum([]byte(stamp + tt.secret))
			got := p.Cmd("APOP " + u.Name + " " + hex.EncodeToString(sum[:]))
			if tt.wantOK != strings.HasPrefix(got, "+OK") || (!tt.wantOK && !strings.HasPrefix(got, "-ERR [AUTH]")) {
				t.Fatalf("APOP (no TLS needed): %q", got)
			}
		})
	}
	a, b := testclient.DialPOP3(t, srv.POP3Addr()), testclient.DialPOP3(t, srv.POP3Addr())
	if a.Greeting == b.Greeting {
		t.Errorf("two greetings share an APOP timestamp: %q", a.Greeting)
	}
}

func TestPOP3SASL(t *testing.T) {
	srv := startSandbox(t, Config{})
	u := srv.Users()[0]
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	cram := func(pass string) func(string) string {
		return func(challenge string) string {
			mac := hmac.New(md5.New, []byte(pass))
			mac.Write([]byte(challenge))
			return b64(u.Name + " " + hex.EncodeToString(mac.Sum(nil)))
		}
	}
	tests := []struct {
		name      string
		command   string
		responses []func(challenge string) string // one per "+ " challenge
		want      string
	}{
		{"PLAIN initial response", "AUTH PLAIN " + b64("\x00"+u.Name+"\x00"+u.Pass), nil, "+OK"},
		{"PLAIN after empty challenge", "AUTH PLAIN", []func(string) string{func(string) string { return b64("\x00" + u.Name + "\x00" + u.Pass) }}, "+OK"},
		{"PLAIN wrong password", "AUTH PLAIN " + b64("\x00"+u.Name+"\x00nope"), nil, "-ERR [AUTH]"},
		{"LOGIN", "AUTH LOGIN", []func(string) string{
			func(c string) string { return b64(u.Name) },
			func(c string) string { return b64(u.Pass) },
		}, "+OK"},
		{"CRAM-MD5", "AUTH CRAM-MD5", []func(string) string{cram(u.Pass)}, "+OK"},
		{"CRAM-MD5 wrong password", "AUTH CRAM-MD5", []func(string) string{cram("nope")}, "-ERR [AUTH]"},
		{"cancelled", "AUTH LOGIN", []func(string) string{func(string) string { return "*" }}, "-ERR AUTH cancelled"},
		{"unknown mechanism", "AUTH GSSAPI", nil, "-ERR unsupported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := testclient.DialPOP3(t, srv.POP3Addr())
			p.STLS(clientTLS(srv))
			p.Send(tt.command)
			for _, respond := range tt.responses {
				line := p.Line()
				if !strings.HasPrefix(line, "+ ") {
					t.Fatalf("wanted a challenge, got %q", line)
				}
				challenge, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(line, "+ "))
				if err != nil {
					t.Fatalf("challenge %q: %v", line, err)
				}
				p.Send(respond(string(challenge)))
			}
			if got := p.Line(); !strings.HasPrefix(got, tt.want) {
				t.Fatalf("%s: %q, want %q...", tt.command, got, tt.want)
			}
			// Release the maildrop lock before the next case logs in as
			// the same user: the server unlocks before it answers QUIT.
			p.Send("QUIT")
			p.Line()
		})
	}
}

// Commands pipelined behind STLS in the clear must never run as if they
// had come over TLS (CVE-2011-0411).
func TestPOP3STLSDiscardsPipelinedPlaintext(t *testing.T) {
	srv := startSandbox(t, Config{AllowPlaintextAuth: true})
	p := testclient.DialPOP3(t, srv.POP3Addr())
	p.Send("STLS\r\nUSER demo1\r\nPASS demo1-pass")
	if got := p.Line(); !strings.HasPrefix(got, "+OK") {
		t.Fatalf("STLS: %q", got)
	}
	tc := tls.Client(p.Conn, clientTLS(srv))
	if err := tc.Handshake(); err != nil {
		t.Fatalf("TLS handshake after pipelined plaintext: %v", err)
	}
	p.Conn, p.R = tc, bufio.NewReader(tc)
	if got := p.Cmd("STAT"); !strings.HasPrefix(got, "-ERR") {
		t.Fatalf("STAT right after the handshake: %q; the injected USER/PASS were acted on", got)
	}
}

func TestWriteDotStuffed(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ".\r\n"},
		{"a\r\n", "a\r\n.\r\n"},
		{"a", "a\r\n.\r\n"},
		{".\r\n", "..\r\n.\r\n"},
		{"x\r\n.y\r\n..z\r\n", "x\r\n..y\r\n...z\r\n.\r\n"},
		{"x\n.y\n", "x\n..y\n.\r\n"},
	}
	for _, tt := range tests {
		var b bytes.Buffer
		w := bufio.NewWriter(&b)
		writeDotStuffed(w, []byte(tt.in))
		w.Flush()
		if b.String() != tt.want {
			t.Errorf("writeDotStuffed(%q) = %q, want %q", tt.in, b.String(), tt.want)
		}
	}
}

func TestHeaderAndLines(t *testing.T) {
	msg := "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\nl3\r\n"
	tests := []struct {
		msg  string
		n    int
		want string
	}{
		{msg, 0, "A: 1\r\nB: 2\r\n\r\n"},
		{msg, 2, "A: 1\r\nB: 2\r\n\r\nl1\r\nl2\r\n"},
		{msg, 10, msg},
		{"A: 1\r\n", 3, "A: 1\r\n"},
		{"A: 1\n\nbody\n", 1, "A: 1\n\nbody\n"},
	}
	for _, tt := range tests {
		if got := string(headerAndLines([]byte(tt.msg), tt.n)); got != tt.want {
			t.Errorf("headerAndLines(%q, %d) = %q, want %q", tt.msg, tt.n, got, tt.want)
		}
	}
}

// Under PIPELINING the replies come back in order, whatever the batching.
func TestPOP3Pipelining(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	msg := seed(t, srv, demo1.Address, "pipelined")[0]
	p := testclient.DialPOP3(t, srv.POP3Addr())
	p.STLS(clientTLS(srv))
	p.Send("USER " + demo1.Name + "\r\nPASS " + demo1.Pass + "\r\nSTAT\r\nRETR 1\r\nNOOP")
	for _, want := range []string{"+OK send PASS", "+OK Logged in", fmt.Sprintf("+OK 1 %d", len(msg)), fmt.Sprintf("+OK %d octets", len(msg))} {
		if got := p.Line(); !strings.HasPrefix(got, want) {
			t.Fatalf("pipelined reply %q, want %q...", got, want)
		}
	}
	if body := p.Body(); !bytes.Equal(body, msg) {
		t.Fatalf("pipelined RETR body %q", body)
	}
	if got := p.Line(); got != "+OK " {
		t.Fatalf("pipelined NOOP: %q", got)
	}
}

func TestPOP3OverlongLine(t *testing.T) {
	srv := startSandbox(t, Config{})
	p := testclient.DialPOP3(t, srv.POP3Addr())
	p.Send("NOOP " + strings.Repeat("x", pop3MaxLine))
	if got := p.Line(); got != "-ERR command line too long" {
		t.Fatalf("overlong line: %q", got)
	}
	if l, err := p.R.ReadString('\n'); err == nil {
		t.Fatalf("after an overlong line the connection stays open: %q", l)
	}
}

// TestPOP3RetrMarksSeen: as with Dovecot, QUIT sets \Seen on the messages
// RETR'd (not TOP'd) since login or the last RSET and not deleted; an IMAP
// client that has INBOX selected is told. A dropped session marks nothing.
func TestPOP3RetrMarksSeen(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	seed(t, srv, demo1.Address, "a", "b", "c", "d")
	flags := func() string {
		msgs, err := srv.Store().Messages(demo1.Name, "INBOX")
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, m := range msgs {
			out = append(out, fmt.Sprint(m.Flags))
		}
		return strings.Join(out, " ")
	}
	ic := dialIMAPInbox(t, srv, demo1)

	p := loginPOP3(t, srv, demo1)
	p.Multi("RETR 1")
	p.Conn.Close()
	p = loginAfterDrop(t, srv, demo1)
	if got := flags(); got != "[] [] [] []" {
		t.Fatalf("after a dropped session that RETR'd 1: flags %s, want none", got)
	}
	p.Multi("RETR 1") // undone by RSET
	p.OK("RSET")
	p.Multi("RETR 2")
	p.Multi("TOP 3 0")
	p.Multi("RETR 4")
	p.OK("DELE 4")
	p.OK("QUIT")
	if got := flags(); got != `[] [\Seen] []` {
		t.Errorf("after RETR 1, RSET, RETR 2, TOP 3, RETR+DELE 4, QUIT: flags %s, want only 2 seen", got)
	}
	// The selected IMAP session learns about the flag and the expunge.
	if err := ic.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	data, err := ic.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{Flags: true}).Collect()
	if err != nil || len(data) != 1 || fmt.Sprint(data[0].Flags) != `[\Seen]` {
		t.Errorf("IMAP FETCH 2 FLAGS: %v, %v; want [\\Seen]", data, err)
	}
}
