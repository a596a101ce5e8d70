package recording_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/recording"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

const password = "s3cret-Pw9"

// conversation is the client side the record and replay tests share: it
// logs in four ways (a line sent as secret, AUTH PLAIN's base64, an IMAP
// quoted LOGIN, POP3 PASS) and returns what the server said.
func conversation(t *testing.T, s *session.Session, pass string) []string {
	t.Helper()
	ctx := context.Background()
	var got []string
	read := func() {
		line, err := s.ReadLine(ctx, 2*time.Second)
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		got = append(got, line)
	}
	send := func(line string) {
		if err := s.SendLine(ctx, line); err != nil {
			t.Fatalf("send %q: %v", line, err)
		}
	}
	read()
	send("EHLO client.test")
	read()
	send("STARTTLS")
	read()
	if err := s.StartTLS(ctx, &session.TLSOptions{Insecure: true}); err != nil {
		t.Fatalf("starttls: %v", err)
	}
	send("AUTH PLAIN " + base64.StdEncoding.EncodeToString([]byte("\x00user\x00"+pass)))
	read()
	send(`A1 LOGIN user "` + pass + `"`)
	read()
	if err := s.SendLineSecret(ctx, base64.StdEncoding.EncodeToString([]byte(pass))); err != nil {
		t.Fatal(err)
	}
	read()
	send("PASS " + pass)
	read()
	send("QUIT")
	read()
	return got
}

const serverScript = `S: 220 mx.test ESMTP
C: EHLO client.test
S: 250 STARTTLS
C: STARTTLS
S: 220 go ahead
TLS
C: *
S: 235 ok
C: *
S: A1 OK logged in
C: *
S: +OK
C: *
S: +OK pass
C: QUIT
S: 221 bye
CLOSE`

func TestRecordThenReplay(t *testing.T) {
	srv := fakeserver.Start(t, serverScript)
	path := filepath.Join(t.TempDir(), "r.rec")
	secrets := transcript.NewSecrets()
	secrets.Add(password)
	w, err := recording.Create(path, secrets)
	if err != nil {
		t.Fatal(err)
	}
	s, err := session.Dial(context.Background(), srv.Addr(), session.Options{Record: w.Session})
	if err != nil {
		t.Fatal(err)
	}
	recorded := conversation(t, s, password)
	recordedTLS := *s.TLS()
	s.ReadLine(context.Background(), time.Second) // the server's close
	s.Close()
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, form := range []string{password,
		base64.StdEncoding.EncodeToString([]byte("\x00user\x00" + password)),
		base64.StdEncoding.EncodeToString([]byte(password)),
		strings.ToLower(password)} {
		if strings.Contains(text, form) {
			t.Errorf("the recording holds the password as %q:\n%s", form, text)
		}
	}
	for _, want := range []string{"C: AUTH PLAIN ***", `C: A1 LOGIN user "***"`, "C: PASS ***", "C: ***\n",
		"tls version=", "subject=", "S: 221 bye", "session 1 tcp " + srv.Addr()} {
		if !strings.Contains(text, want) {
			t.Errorf("the recording lacks %q:\n%s", want, text)
		}
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", fi.Mode().Perm())
	}

	// Replayed, with another password: *** matches any value, and the
	// session sees the recorded TLS state without a handshake.
	rp, err := recording.Open(path, transcript.NewSecrets())
	if err != nil {
		t.Fatal(err)
	}
	s2, err := session.Dial(context.Background(), srv.Addr(), session.Options{Dial: rp.Dial, Handshake: rp.Handshake})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	replayed := conversation(t, s2, "another-password")
	if strings.Join(replayed, "\n") != strings.Join(recorded, "\n") {
		t.Errorf("replayed %q, recorded %q", replayed, recorded)
	}
	got := *s2.TLS()
	if got.Version != recordedTLS.Version || got.Cipher != recordedTLS.Cipher || got.Peer == nil ||
		got.Peer.Subject != recordedTLS.Peer.Subject || !got.Peer.NotAfter.Equal(recordedTLS.Peer.NotAfter) ||
		got.Verified != recordedTLS.Verified || got.VerifyError != recordedTLS.VerifyError {
		t.Errorf("replayed TLS %+v, recorded %+v", got, recordedTLS)
	}
	if _, err := s2.ReadLine(context.Background(), time.Second); err == nil {
		t.Errorf("after the recorded close: no EOF")
	}
	if n := rp.Unused(); n != 0 {
		t.Errorf("%d sessions unused", n)
	}
	// A second connect: every session is used.
	_, err = session.Dial(context.Background(), srv.Addr(), session.Options{Dial: rp.Dial, Handshake: rp.Handshake})
	if k := failure.KindOf(err); k != failure.Connect || !strings.Contains(err.Error(), "every session has been replayed") {
		t.Errorf("a third connect: %v (kind %s)", err, k)
	}
}

func replayOf(t *testing.T, text string) *recording.Replay {
	t.Helper()
	rec, err := recording.Parse(strings.NewReader(text), "t.rec")
	if err != nil {
		t.Fatal(err)
	}
	return recording.New(rec, transcript.NewSecrets())
}

func dial(t *testing.T, rp *recording.Replay, addr string) *session.Session {
	t.Helper()
	s, err := session.Dial(context.Background(), addr, session.Options{Dial: rp.Dial, Handshake: rp.Handshake, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

const smtpRec = recording.Magic + `
session 1 tcp mx.test:25
  0.000 S: 220 mx.test
  0.001 C: MAIL FROM:<a@x.test>
  0.002 S: 250 ok
  0.003 C: DATA
  0.004 S: 354 go
  0.005 C: Message-ID: <1234@x.test>
        ~ Message-ID: <(\d+)@x\.test>
  0.006 C: .
  0.007 S: 250 queued as 1234
  0.008 eof
session 2 tcp pop.test:110
  0.000 S: +OK ready
  0.001 C: RETR 1
  0.002 S: +OK
  0.003 S: Message-ID: <1234@x.test>
  0.004 S: .
`

func TestDivergence(t *testing.T) {
	for _, tc := range []struct {
		name, send string
		want       []string
	}{
		{"other line", "MAIL FROM:<b@x.test>", []string{`the script sent "MAIL FROM:<b@x.test>"`, `the recording has "MAIL FROM:<a@x.test>"`, "t.rec:4"}},
		{"prefix at once", "RSET", []string{`the script sent "RSET"`, "t.rec:4"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rp := replayOf(t, smtpRec)
			s := dial(t, rp, "mx.test:25")
			ctx := context.Background()
			if l, err := s.ReadLine(ctx, 0); err != nil || l != "220 mx.test" {
				t.Fatalf("greeting %q %v", l, err)
			}
			err := s.SendLine(ctx, tc.send)
			if failure.KindOf(err) != failure.Protocol {
				t.Fatalf("got %v (kind %s), want kind protocol", err, failure.KindOf(err))
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("%q lacks %q", err, w)
				}
			}
			if err2 := s.SendLine(ctx, "MAIL FROM:<a@x.test>"); err2 == nil {
				t.Errorf("a write after the divergence succeeded")
			}
		})
	}
}

func TestPatternCarriesValues(t *testing.T) {
	rp := replayOf(t, smtpRec)
	ctx := context.Background()
	s := dial(t, rp, "mx.test:25")
	for _, step := range []struct{ send, want string }{
		{"", "220 mx.test"},
		{"MAIL FROM:<a@x.test>", "250 ok"},
		{"DATA", "354 go"},
	} {
		if step.send != "" {
			if err := s.SendLine(ctx, step.send); err != nil {
				t.Fatal(err)
			}
		}
		if l, err := s.ReadLine(ctx, 0); err != nil || l != step.want {
			t.Fatalf("after %q: %q %v, want %q", step.send, l, err, step.want)
		}
	}
	// Pipelined: both lines before reading; the id differs from the recording.
	if err := s.Send(ctx, []byte("Message-ID: <98765@x.test>\r\n.\r\n")); err != nil {
		t.Fatal(err)
	}
	if l, _ := s.ReadLine(ctx, 0); l != "250 queued as 98765" {
		t.Errorf("the id is not carried into the reply: %q", l)
	}
	if _, err := s.ReadLine(ctx, 0); err != io.EOF {
		t.Errorf("recorded eof: %v", err)
	}
	p := dial(t, rp, "pop3://pop.test")
	p.ReadLine(ctx, 0)
	p.SendLine(ctx, "RETR 1")
	p.ReadLine(ctx, 0)
	if l, _ := p.ReadLine(ctx, 0); l != "Message-ID: <98765@x.test>" {
		t.Errorf("the id is not carried into another session: %q", l)
	}
	if bad := rp.Recording().Sessions[0].Events[5].Pattern.String(); !strings.Contains(bad, `(\d+)`) {
		t.Errorf("pattern %s", bad)
	}
}

func TestPauseTimesOut(t *testing.T) {
	rp := replayOf(t, recording.Magic+"\nsession 1 tcp mx.test:25\npause 5s\nS: 220 late\n")
	s := dial(t, rp, "mx.test:25")
	start := time.Now()
	_, err := s.ReadLine(context.Background(), 200*time.Millisecond)
	if failure.KindOf(err) != failure.Timeout || time.Since(start) > 2*time.Second {
		t.Errorf("got %v after %v, want a timeout after 200ms", err, time.Since(start))
	}
	rp = replayOf(t, recording.Magic+"\nsession 1 tcp mx.test:25\npause 50ms\nS: 220 late\n")
	s = dial(t, rp, "mx.test:25")
	if l, err := s.ReadLine(context.Background(), time.Second); err != nil || l != "220 late" {
		t.Errorf("after a short pause: %q %v", l, err)
	}
}

func TestConnectFailedReplayed(t *testing.T) {
	rp := replayOf(t, recording.Magic+"\nsession 1 tcp mx.test:25\n  0.001 connect-failed \"connect to mx.test:25 failed: connection refused\"\n")
	_, err := session.Dial(context.Background(), "mx.test:25", session.Options{Dial: rp.Dial})
	if failure.KindOf(err) != failure.Connect || err.Error() != "connect to mx.test:25 failed: connection refused" {
		t.Errorf("got %v", err)
	}
}

func TestUnknownAddress(t *testing.T) {
	rp := replayOf(t, smtpRec)
	_, err := session.Dial(context.Background(), "other.test:25", session.Options{Dial: rp.Dial})
	if failure.KindOf(err) != failure.Connect || !strings.Contains(err.Error(), "mx.test:25 (1)") {
		t.Errorf("got %v", err)
	}
}

func TestTLSWhereNoneWasRecorded(t *testing.T) {
	rp := replayOf(t, smtpRec)
	s := dial(t, rp, "mx.test:25")
	s.ReadLine(context.Background(), 0)
	err := s.StartTLS(context.Background(), nil)
	if failure.KindOf(err) != failure.Protocol || !strings.Contains(err.Error(), "t.rec:4") {
		t.Errorf("got %v", err)
	}
}

func TestEscapeRoundTrip(t *testing.T) {
	for _, in := range []string{"plain", `\Seen \Deleted`, `a \x41 literal`, "tab\there", "nul\x00", "bad\xffutf8",
		"bidi\u202eoverride", "ünïcode", "trailing  ", ""} {
		esc := recording.Escape([]byte(in))
		if strings.ContainsAny(esc, "\x00\t\xff\u202e") {
			t.Errorf("Escape(%q) = %q leaves a raw byte", in, esc)
		}
		if got := recording.Unescape(esc); !bytes.Equal(got, []byte(in)) {
			t.Errorf("Unescape(Escape(%q)) = %q (via %q)", in, got, esc)
		}
	}
	if got := recording.Escape([]byte(`\Seen`)); got != `\Seen` {
		t.Errorf("IMAP flags should read as they are: %q", got)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ text, want string }{
		{"hello\n", "t.rec:1: not a mailexpect recording"},
		{recording.Magic + "\nS: 220\n", "t.rec:2: \"S: 220\" before the first session line"},
		{recording.Magic + "\nsession 1 tcp a:1\nX: what\n", "t.rec:3: unknown line"},
		{recording.Magic + "\nsession 1 tcp a:1\nS: x\n~ a\n", "t.rec:4: a ~ pattern must follow a C: line"},
		{recording.Magic + "\nsession 1 tcp a:1\nC: x\n~ (\n", "t.rec:4: bad pattern"},
		{recording.Magic + "\nsession x tcp a:1\n", "t.rec:2: session number"},
		{recording.Magic + "\nsession 1 tcp a:1\npause soon\n", "t.rec:3: pause wants a duration"},
		{recording.Magic + "\nsession 1 tcp a:1\ntls not_after=yesterday subject=x\n", "want a time"},
		{"", "empty file"},
	} {
		_, err := recording.Parse(strings.NewReader(tc.text), "t.rec")
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Parse(%q): %v, want %q", tc.text, err, tc.want)
		}
	}
}

// Sessions of one address are taken by label first: parallel rows get
// their own whatever order they connect in.
func TestLabelsPickSessions(t *testing.T) {
	rp := replayOf(t, recording.Magic+`
session 1 tcp mx.test:25 label=[row1]mx.test:25
S: 220 for row1
session 2 tcp mx.test:25 label=[row2]mx.test:25
S: 220 for row2
session 3 tcp mx.test:25 label=[row3]mx.test:25
S: 220 for row3
`)
	for _, tc := range []struct{ label, want string }{
		{"[row2]mx.test:25", "220 for row2"},
		{"unknown", "220 for row1"},
		{"[row1]mx.test:25", "220 for row3"}, // row1's is taken: the next one
	} {
		s, err := session.Dial(context.Background(), "mx.test:25", session.Options{Dial: rp.Dial, Label: tc.label})
		if err != nil {
			t.Fatal(err)
		}
		if l, _ := s.ReadLine(context.Background(), time.Second); l != tc.want {
			t.Errorf("label %s: %q, want %q", tc.label, l, tc.want)
		}
		s.Close()
	}
}

// *** stands for one byte or more, wherever it is in the line.
func TestPlaceholderMatches(t *testing.T) {
	for _, tc := range []struct {
		line string
		ok   bool
	}{
		{"a X b Y c", true},
		{"a XX b YYY c", true},
		{"a  b Y c", false}, // nothing where the first *** is
		{"a X b  c", false},
		{"a X b Y cd", false},
		{"za X b Y c", false},
		{"a X b b Y c", true},
		{"a \xff b \x00 c", true},
	} {
		rp := replayOf(t, recording.Magic+"\nsession 1 tcp mx.test:25\nC: a *** b *** c\nS: ok\n")
		s := dial(t, rp, "mx.test:25")
		err := s.Send(context.Background(), []byte(tc.line+"\r\n"))
		if (err == nil) != tc.ok {
			t.Errorf("%q: %v, want ok=%v", tc.line, err, tc.ok)
		}
	}
}
