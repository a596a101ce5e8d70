package transcript

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

var testTime = time.Date(2026, 11, 25, 20, 12, 28, 123456789, time.UTC)

const stamp = "2026-11-25T20:12:28.123Z"

func newTestLog(format Format, secrets *Secrets) (*Log, *bytes.Buffer) {
	var out bytes.Buffer
	l := New(&out, format, secrets)
	l.Now = func() time.Time { return testTime }
	return l, &out
}

// lines returns the text of each transcript line after the time stamp.
func lines(out *bytes.Buffer) []string {
	var got []string
	for _, line := range strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n") {
		got = append(got, strings.TrimPrefix(line, stamp+" "))
	}
	return got
}

// wantLines fails the test when the transcript in out is not want, line
// by line, time stamps aside.
func wantLines(t *testing.T, out *bytes.Buffer, want []string) {
	t.Helper()
	if diff := cmp.Diff(want, lines(out)); diff != "" {
		t.Errorf("transcript (-want +got):\n%s", diff)
	}
}

func credentials() *Secrets {
	s := NewSecrets()
	s.Add(pass)
	s.Add("ya29.TOKEN-value_1")
	return s
}

// serverLines is what a (very indiscreet) server sends, and the transcript
// it must give.
var serverLines = []struct{ in, want string }{
	{"+OK ready <1.2@host>\r\n", "imap <<< +OK ready <1.2@host>"},
	{`a001 BAD LOGIN alice "s3cr3t\"P\\w0rd <&>"` + "\r\n", `imap <<< a001 BAD LOGIN alice "***"`},
	{"334 " + plain + "\r\n", "imap <<< 334 ***"},
	{"+ " + b64(pass) + "\r\n", "imap <<< + ***"},
	{"+ " + b64URL(pass) + "\r\n", "imap <<< + ***"},
	{"* BAD XOAUTH2 " + xoauth2 + "\r\n", "imap <<< * BAD XOAUTH2 ***"},
	{fmt.Sprintf("-ERR %q\r\n", pass), `imap <<< -ERR "***"`},
	{"Location: imap://alice:" + url.QueryEscape(pass) + "@host/\r\n", "imap <<< Location: imap://alice:***@host/"},
	{"Location: imap://" + url.UserPassword("alice", pass).String() + "@host/\r\n", "imap <<< Location: imap://alice:***@host/"},
	{"raw " + pass + " end\n", "imap <<< raw *** end"},
	{"a002 OK done\r\n", "imap <<< a002 OK done"},
	{"prompt " + pass, "imap <<< prompt ***"}, // no LF: printed at Close
}

// forbidden are strings that must never appear in a transcript.
func forbidden() []string {
	return []string{
		pass, `s3cr3t\"P\\w0rd`, url.QueryEscape(pass), url.PathEscape(pass),
		plain, b64(pass), b64URL(pass), b64Raw(pass), xoauth2,
		"ya29.TOKEN-value_1", "s3cr3t",
	}
}

func assertNoLeak(t *testing.T, out string) {
	t.Helper()
	for _, f := range forbidden() {
		if strings.Contains(out, f) {
			t.Fatalf("transcript shows %q:\n%s", f, out)
		}
	}
}

func receiveAll(chunks ...[]byte) string {
	l, out := newTestLog(Text, credentials())
	st := l.Stream("imap")
	for _, c := range chunks {
		st.Received(c)
	}
	st.Close()
	return out.String()
}

// TestReceivedResplit: the transcript of the server's bytes is the same,
// and leaks nothing, however the bytes are split into reads.
func TestReceivedResplit(t *testing.T) {
	var all []byte
	var want []string
	for _, l := range serverLines {
		all = append(all, l.in...)
		want = append(want, l.want)
	}
	var ref bytes.Buffer
	ref.WriteString(receiveAll(all))
	if diff := cmp.Diff(want, lines(&ref)); diff != "" {
		t.Fatalf("transcript (-want +got):\n%s", diff)
	}
	assertNoLeak(t, ref.String())

	for i := 0; i <= len(all); i++ {
		if got := receiveAll(all[:i], all[i:]); got != ref.String() {
			t.Fatalf("split at %d:\n%s\nwant:\n%s", i, got, ref.String())
		}
		for j := i; j <= len(all); j += 13 {
			if got := receiveAll(all[:i], all[i:j], all[j:]); got != ref.String() {
				t.Fatalf("split at %d and %d:\n%s", i, j, got)
			}
		}
	}
	var bytewise [][]byte
	for i := range all {
		bytewise = append(bytewise, all[i:i+1])
	}
	if got := receiveAll(bytewise...); got != ref.String() {
		t.Fatalf("byte by byte:\n%s", got)
	}
}

func TestSent(t *testing.T) {
	l, out := newTestLog(Text, credentials())
	st := l.Stream("smtp")
	st.Received([]byte("220 mx ESMTP\r\n"))
	st.Sent([]byte("EHLO client.example\r\n"), false)
	st.Received([]byte("250 mx\r\n"))
	st.Sent([]byte("AUTH PLAIN "+plain+"\r\n"), false)
	st.Sent([]byte("USER alice\r\nPASS hunter2\r\n"), true)
	st.Received([]byte("-ERR PASS hunter2 rejected\r\n"))
	st.Received([]byte("Password: "))
	st.Sent([]byte("x\r\n"), false) // the prompt is printed first
	st.Sent([]byte("no newline"), false)
	st.Sent([]byte("\r\n"), false)
	st.Sent([]byte("a\r\n\r\nb\n"), false)
	st.Close()
	want := []string{
		"smtp <<< 220 mx ESMTP",
		"smtp >>> EHLO client.example",
		"smtp <<< 250 mx",
		"smtp >>> AUTH PLAIN ***",
		"smtp >>> ***",
		"smtp >>> ***",
		"smtp <<< -ERR *** rejected", // the secret line was registered
		"smtp <<< Password: ",
		"smtp >>> x",
		"smtp >>> no newline",
		"smtp >>>",
		"smtp >>> a",
		"smtp >>>",
		"smtp >>> b",
	}
	wantLines(t, out, want)
	assertNoLeak(t, out.String())
	if strings.Contains(out.String(), "hunter2") {
		t.Error("secret send leaked")
	}
}

func TestEscape(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain\r\n", "plain"},
		{"bare lf\n", "bare lf"},
		{"nul\x00byte\r\n", `nul\x00byte`},
		{"lone\rcr\r\n", `lone\rcr`},
		{"cr before crlf\r\r\n", `cr before crlf\r`},
		{"tab\there\r\n", `tab\there`},
		{"del\x7f esc\x1b[31m\r\n", `del\x7f esc\x1b[31m`},
		{"bad utf8 \xff\xfe \xc3\r\n", `bad utf8 \xff\xfe \xc3`},
		{"utf8 é 日本\r\n", "utf8 é 日本"},
		{"bidi \u202egnp.exe\r\n", `bidi \u202egnp.exe`},
		{"line sep \u2028 x\r\n", `line sep \u2028 x`},
		{`imap \Seen "a\"b"` + "\r\n", `imap \Seen "a\"b"`},
	}
	for _, tt := range tests {
		l, out := newTestLog(Text, nil)
		st := l.Stream("s")
		st.Received([]byte(tt.in))
		if got := lines(out); len(got) != 1 || got[0] != "s <<< "+tt.want {
			t.Errorf("Received(%q) printed %q, want %q", tt.in, got, "s <<< "+tt.want)
		}
		if n := strings.Count(out.String(), "\n"); n != 1 {
			t.Errorf("Received(%q) printed %d lines", tt.in, n)
		}
	}
}

func TestTLSMarker(t *testing.T) {
	l, out := newTestLog(Text, nil)
	st := l.Stream("smtp#1")
	st.Note("connected to %s", "127.0.0.1:25")
	st.Received([]byte("220 ready\r\n"))
	st.Sent([]byte("STARTTLS\r\n"), false)
	st.Received([]byte("220 go ahead\r\nINJECTED"))
	st.SetTLS(true) // bytes that came in clear text show as clear text
	st.Note("TLS 1.3 TLS_AES_128_GCM_SHA256, verified, peer CN=localhost")
	st.Sent([]byte("EHLO x\r\n"), false)
	st.Received([]byte("250 ok\r\n"))
	st.Close()
	want := []string{
		"smtp#1 --- connected to 127.0.0.1:25",
		"smtp#1 <<< 220 ready",
		"smtp#1 >>> STARTTLS",
		"smtp#1 <<< 220 go ahead",
		"smtp#1 <<< INJECTED",
		"smtp#1 --- TLS 1.3 TLS_AES_128_GCM_SHA256, verified, peer CN=localhost",
		"smtp#1 ~>> EHLO x",
		"smtp#1 <<~ 250 ok",
	}
	wantLines(t, out, want)
	if !strings.HasPrefix(out.String(), stamp+" smtp#1 --- ") {
		t.Errorf("line does not start with the time stamp: %q", out.String())
	}
}

func TestJSON(t *testing.T) {
	l, out := newTestLog(JSON, credentials())
	st := l.Stream("imap://alice:" + url.QueryEscape(pass) + "@host")
	st.Received([]byte("* OK \x00\xff hi\r\n"))
	st.SetTLS(true)
	st.Sent([]byte("a1 LOGIN alice x\r\n"), true)
	st.Note("note <b>")
	st.Received([]byte(strings.Repeat("x", MaxLine+10) + "\r\n"))
	l.Logf("", "script says %s", pass)

	type rec struct {
		Time, Session, Dir, Line string
		TLS, Secret              bool
		Bytes                    int
	}
	var got []rec
	sc := bufio.NewScanner(out)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r rec
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %q: %v", sc.Text(), err)
		}
		got = append(got, r)
	}
	session := "imap://alice:***@host"
	long := strings.Repeat("x", MaxLine) + fmt.Sprintf("… [%d bytes]", MaxLine+10)
	want := []rec{
		{stamp, session, "recv", `* OK \x00\xff hi`, false, false, 0},
		{stamp, session, "send", "***", true, true, 0},
		{stamp, session, "note", "note <b>", true, false, 0},
		{stamp, session, "recv", long, true, false, MaxLine + 10},
		{stamp, "", "note", "script says ***", false, false, 0},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("JSON records (-want +got):\n%s", diff)
	}
	assertNoLeak(t, out.String())
}

func TestTruncation(t *testing.T) {
	const secret = "hunter22-secret"
	s := NewSecrets()
	s.Add(secret)
	// A secret at every offset around the cut, in chunks so that the
	// line is reassembled: the shown part is filler and masks only, never
	// the start of the secret.
	for off := MaxLine - len(secret) - 4; off <= MaxLine+4; off++ {
		line := strings.Repeat(".", off) + secret + strings.Repeat(".", 1<<20)
		l, out := newTestLog(Text, s)
		st := l.Stream("s")
		for p := []byte(line + "\r\n"); len(p) > 0; {
			n := min(len(p), 1000)
			st.Received(p[:n])
			p = p[n:]
		}
		got := lines(out)
		if len(got) != 1 {
			t.Fatalf("offset %d: %d lines", off, len(got))
		}
		shown, size, ok := strings.Cut(strings.TrimPrefix(got[0], "s <<< "), "… [")
		if !ok || size != fmt.Sprintf("%d bytes]", len(line)) {
			t.Fatalf("offset %d: no size suffix: ...%q", off, got[0][len(got[0])-40:])
		}
		if strings.Trim(shown, ".*") != "" || len(shown) > MaxLine+len(Redacted) {
			t.Fatalf("offset %d: shown part %d bytes ends %q", off, len(shown), shown[len(shown)-30:])
		}
		if off < MaxLine && !strings.Contains(shown, Redacted) {
			t.Fatalf("offset %d: secret before the cut not shown as ***: %q", off, shown[len(shown)-30:])
		}
	}

	// A 10 MB base64 line with the secret's encoding before, across and
	// after the cut: masked whole when any of it would show, else the
	// shown prefix decodes to no part of the secret.
	for pos := MaxLine*3/4 - 30; pos < MaxLine*3/4+10; pos++ {
		raw := strings.Repeat("\x07", pos) + secret + strings.Repeat("\x07", 1<<20)
		huge := b64(raw)
		starts := 2 + pos*4/3 // where the secret's encoding starts in the line
		for _, dir := range []string{"recv", "send"} {
			l, out := newTestLog(Text, s)
			st := l.Stream("s")
			if dir == "recv" {
				for p := []byte("+ " + huge + "\r\n"); len(p) > 0; p = p[min(len(p), 1<<16):] {
					st.Received(p[:min(len(p), 1<<16)])
				}
			} else {
				st.Sent([]byte("+ "+huge+"\r\n"), false)
			}
			got := lines(out)
			suffix := fmt.Sprintf("… [%d bytes]", 2+len(huge))
			if len(got) != 1 || !strings.HasSuffix(got[0], suffix) {
				t.Fatalf("%s: %.100q, want suffix %q", dir, got, suffix)
			}
			shown := strings.TrimSuffix(strings.TrimPrefix(got[0], "s <<< "), suffix)
			shown = strings.TrimPrefix(shown, "s >>> ")
			if starts < MaxLine {
				if shown != "+ ***" {
					t.Fatalf("%s, secret at %d, encoded from %d: shown %.40q...", dir, pos, starts, shown)
				}
				continue
			}
			dec, _ := base64.RawStdEncoding.DecodeString(shown[2 : 2+(len(shown)-2)/4*4])
			if bytes.Contains(dec, []byte(secret[:3])) {
				t.Fatalf("%s, secret at %d: shown part decodes to part of the secret", dir, pos)
			}
		}
	}

	// The pending line keeps only what can be printed.
	l, out := newTestLog(Text, s)
	st := l.Stream("s")
	chunk := bytes.Repeat([]byte("y"), 64<<10)
	for range 160 { // 10 MiB
		st.Received(chunk)
	}
	if len(st.pending) > l.keep() {
		t.Errorf("pending line holds %d bytes, want at most %d", len(st.pending), l.keep())
	}
	st.Received([]byte("\r\nnext\r\n"))
	want := []string{
		"s <<< " + strings.Repeat("y", MaxLine) + fmt.Sprintf("… [%d bytes]", 160*64<<10),
		"s <<< next",
	}
	wantLines(t, out, want)
}

// TestTruncateUTF8: the cut never splits a character.
func TestTruncateUTF8(t *testing.T) {
	l, out := newTestLog(Text, nil)
	st := l.Stream("s")
	st.Received([]byte("a" + strings.Repeat("é", MaxLine) + "\r\n"))
	got := lines(out)[0]
	if strings.Contains(got, `\x`) {
		t.Errorf("cut inside a character: %q", got[len(got)-40:])
	}
}

func TestNilSafe(t *testing.T) {
	if New(nil, Text, nil) != nil {
		t.Error("New(nil, ...) is not nil")
	}
	var l *Log
	l.AddOutput(&bytes.Buffer{}, Text)
	l.Logf("x", "y")
	if l.Err() != nil || l.Secrets() != nil {
		t.Error("nil Log returned something")
	}
	st := l.Stream("x")
	if st != nil {
		t.Fatal("nil Log returned a Stream")
	}
	st.Received([]byte("a\r\n"))
	st.Sent([]byte("b\r\n"), true)
	st.Note("c")
	st.SetTLS(true)
	st.Flush()
	st.Close()
	_ = st.Label()
}

func TestLabels(t *testing.T) {
	l, out := newTestLog(Text, nil)
	l.Stream("127.0.0.1:25").Note("one")
	l.Stream("127.0.0.1:25").Note("two")
	l.Stream("with space").Note("three")
	l.Stream("").Note("four")
	want := []string{
		"127.0.0.1:25 --- one",
		"127.0.0.1:25#2 --- two",
		`with\x20space --- three`,
		"- --- four",
	}
	wantLines(t, out, want)
}

func TestClose(t *testing.T) {
	l, out := newTestLog(Text, nil)
	st := l.Stream("s")
	st.Received([]byte("partial"))
	st.Flush()
	st.Received([]byte("rest\r\nbye"))
	st.Note("a note does not split a line")
	st.Received([]byte("-bye\r\nlast"))
	st.Flush()
	st.Note("closed")
	st.Close()
	st.Received([]byte("late\r\n"))
	st.Sent([]byte("late\r\n"), false)
	want := []string{
		"s <<< partial",
		"s <<< rest",
		"s --- a note does not split a line",
		"s <<< bye-bye",
		"s <<< last",
		"s --- closed",
	}
	wantLines(t, out, want)
}

func TestAddOutputAndErr(t *testing.T) {
	l, text := newTestLog(Text, nil)
	var js bytes.Buffer
	l.AddOutput(&js, JSON)
	bad := failWriter{}
	l.AddOutput(bad, Text)
	l.Logf("run", "hello")
	if !strings.HasSuffix(text.String(), "run --- hello\n") || !strings.Contains(js.String(), `"line":"hello"`) {
		t.Errorf("outputs: %q, %q", text.String(), js.String())
	}
	if l.Err() == nil {
		t.Error("write error not reported")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestParseFormat(t *testing.T) {
	for _, f := range []Format{Text, JSON} {
		if g, err := ParseFormat(f.String()); err != nil || g != f {
			t.Errorf("ParseFormat(%q) = %v, %v", f.String(), g, err)
		}
	}
	if _, err := ParseFormat("xml"); err == nil {
		t.Error("ParseFormat(xml) accepted")
	}
}

// TestConcurrent: many sessions and a registry that grows while they run;
// every line is whole, each session's lines keep their order, no secret
// shows. Run it with -race.
func TestConcurrent(t *testing.T) {
	secrets := NewSecrets()
	l, out := newTestLog(JSON, secrets)
	const sessions, perSession = 32, 200
	var wg sync.WaitGroup
	for i := range sessions {
		secret := fmt.Sprintf("password-of-session-%d", i)
		wg.Add(1)
		go func() {
			defer wg.Done()
			secrets.Add(secret)
			st := l.Stream(fmt.Sprintf("s%d", i))
			rng := rand.New(rand.NewPCG(uint64(i), 1))
			var data []byte
			for n := range perSession {
				data = fmt.Appendf(data, "%d %s %s\r\n", n, secret, b64("\x00u\x00"+secret))
			}
			var recv sync.WaitGroup
			recv.Add(1)
			go func() { // a read loop beside the script
				defer recv.Done()
				for len(data) > 0 {
					k := min(len(data), 1+rng.IntN(40))
					st.Received(data[:k])
					data = data[k:]
				}
			}()
			for n := range 20 {
				st.Note("note %d", n)
			}
			recv.Wait()
			st.Close()
		}()
	}
	wg.Wait()

	next := map[string]int{}
	sc := bufio.NewScanner(out)
	total := 0
	for sc.Scan() {
		var r struct{ Session, Dir, Line string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("broken line %q: %v", sc.Text(), err)
		}
		total++
		if strings.Contains(r.Line, "password") {
			t.Fatalf("secret shown: %q", sc.Text())
		}
		if r.Dir != "recv" {
			continue
		}
		want := fmt.Sprintf("%d *** ***", next[r.Session])
		if r.Line != want {
			t.Fatalf("session %s: line %q, want %q", r.Session, r.Line, want)
		}
		next[r.Session]++
	}
	if want := sessions * (perSession + 20); total != want {
		t.Errorf("%d lines, want %d", total, want)
	}
}

// TestTruncateAfterShrink: masks earlier in a long line shorten it, which
// must not pull text from past the cut (where a secret may straddle what is
// kept, unverified) into what is shown.
func TestTruncateAfterShrink(t *testing.T) {
	long := strings.Repeat("L", 60) // shrinks by 57 each time it is masked
	s := NewSecrets()
	s.Add(long)
	s.Add("tail-secret-value")
	l, out := newTestLog(Text, s)
	prefix := strings.Repeat(long+" ", 60) // 3660 bytes, shown as 240
	filler := strings.Repeat(".", l.keep()-len(prefix)-5)
	line := prefix + filler + "tail-secret-value" + strings.Repeat(".", 5000)
	l.Stream("s").Received([]byte(line + "\r\n"))
	got := lines(out)[0]
	if strings.Contains(got, "tail-") || strings.Contains(got, long[:10]) {
		t.Errorf("shown: %q", got[len(got)-60:])
	}
	if want := len("s <<< ") + 60*4 + (MaxLine - len(prefix)) + len(fmt.Sprintf("… [%d bytes]", len(line))); len(got) != want {
		t.Errorf("shown %d bytes, want %d (MaxLine bytes of the line, masked)", len(got), want)
	}
}
