package imapwire

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// dialClient connects a Client over a real session to addr and reads the
// greeting.
func dialClient(t *testing.T, addr string) *Client {
	t.Helper()
	s, err := session.Dial(context.Background(), addr, session.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	c := NewClient(FromSession(s, context.Background(), 0))
	if _, err := c.Greeting(); err != nil {
		t.Fatal(err)
	}
	return c
}

// TestSessionDovecotFixture pipelines a whole Dovecot-style session over
// TCP: the server answers all five commands in one stream, literals with
// protocol-looking lines included, and the message bodies are streamed to
// files.
func TestSessionDovecotFixture(t *testing.T) {
	data, msg1, msg2 := dovecotFixture(t)
	greetingEnd := bytes.IndexByte(data, '\n') + 1
	commands := "A001 LOGIN alice \"pass word\"\r\n" +
		"A002 SELECT INBOX\r\n" +
		"A003 FETCH 1:2 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])\r\n" +
		"A004 FETCH 1:2 (UID BODY.PEEK[] BODY.PEEK[]<0.32>)\r\n" +
		"A005 LOGOUT\r\n"
	addr := serveScript(t, step{"", string(data[:greetingEnd])}, step{commands, string(data[greetingEnd:])})
	c := dialClient(t, addr)

	dir := t.TempDir()
	var files []*os.File
	c.Reader().Sink = func(info LiteralInfo) io.Writer {
		if info.Item != "BODY[]" {
			return nil
		}
		f, err := os.Create(filepath.Join(dir, strconv.FormatUint(info.Number, 10)+".eml"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
		return f
	}
	args := [][]Arg{
		{RawArg("LOGIN"), RawArg("alice"), StringArg("pass word").Secret()},
		{RawArg("SELECT"), RawArg("INBOX")},
		{RawArg("FETCH 1:2 (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (FROM SUBJECT)])")},
		{RawArg("FETCH 1:2 (UID BODY.PEEK[] BODY.PEEK[]<0.32>)")},
		{RawArg("LOGOUT")},
	}
	var cmds []*Command
	for _, a := range args {
		cmd, err := c.Start(a...)
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i := len(cmds) - 1; i >= 0; i-- {
		if cont, err := c.Wait(cmds[i]); err != nil || cont != nil {
			t.Fatalf("Wait(%s) = %v, %v", cmds[i].Tag, cont, err)
		}
	}
	for _, f := range files {
		f.Close()
	}
	var got []string
	for _, cmd := range cmds {
		got = append(got, cmd.Tag+" "+cmd.Completion.Name+" "+strconv.Itoa(len(cmd.Untagged)))
	}
	// Pipelined: everything untagged before A001's completion is A001's;
	// the rest is attributed to whichever command was oldest when it came.
	if diff := cmp.Diff([]string{"A001 OK 0", "A002 OK 8", "A003 OK 2", "A004 OK 2", "A005 OK 1"}, got); diff != "" {
		t.Errorf("completions (-want +got):\n%s", diff)
	}
	if cmds[1].Completion.Code != "READ-WRITE" || cmds[0].Text != "A001 LOGIN alice ***" {
		t.Errorf("SELECT %v; LOGIN shown as %q", cmds[1].Completion, cmds[0].Text)
	}
	for i, want := range [][]byte{msg1, msg2} {
		body, err := os.ReadFile(filepath.Join(dir, strconv.Itoa(i+1)+".eml"))
		if err != nil || !bytes.Equal(body, want) {
			t.Errorf("streamed body %d: %q, %v; want %q", i+1, body, err, want)
		}
	}
	_, items, err := cmds[3].Untagged[0].Fetch()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := items.Get("BODY[]"); !v.Streamed || v.Size != int64(len(msg1)) {
		t.Errorf("BODY[] node %v", v)
	}
	if v, _ := items.Get("BODY[]<0>"); v.Text != string(msg1[:32]) {
		t.Errorf("BODY[]<0> %v", v)
	}
	if c.Bye() == nil || c.Err() != nil {
		t.Errorf("bye %v, err %v", c.Bye(), c.Err())
	}
}

// TestSessionLiteralAndPipelining: a synchronizing literal over TCP, then
// completions out of order.
func TestSessionLiteralAndPipelining(t *testing.T) {
	msg := "Subject: x\r\n\r\n* BYE not me\r\n"
	n := strconv.Itoa(len(msg))
	addr := serveScript(t,
		step{"", "* OK ready\r\n"},
		step{"A001 APPEND Drafts {" + n + "}\r\n", "+ go ahead\r\n"},
		step{msg + "\r\n", "A001 OK [APPENDUID 7 1] done\r\n"},
		step{"A002 NOOP\r\nA003 STATUS \"My Box\" (MESSAGES)\r\n",
			"* STATUS \"My Box\" (MESSAGES 3)\r\nA003 OK status\r\n* 9 EXISTS\r\nA002 OK noop\r\n"})
	c := dialClient(t, addr)
	cmd, err := c.Do(RawArg("APPEND"), RawArg("Drafts"), LiteralArg(msg))
	if err != nil || cmd.Completion.CodeText != "7 1" {
		t.Fatalf("APPEND: %v, %v", cmd, err)
	}
	noop, _ := c.Start(RawArg("NOOP"))
	status, _ := c.Start(RawArg("STATUS"), StringArg("My Box"), RawArg("(MESSAGES)"))
	if _, err := c.Wait(status); err != nil || noop.Done() {
		t.Fatalf("Wait(STATUS): %v; NOOP done too early: %v", err, noop.Done())
	}
	if _, err := c.Wait(noop); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{`* STATUS "My Box" (MESSAGES 3)`, "* 9 EXISTS"}, untaggedStrings(noop)); diff != "" {
		t.Errorf("untagged of the oldest command (-want +got):\n%s", diff)
	}
}

func TestSessionByeMidCommand(t *testing.T) {
	addr := serveScript(t,
		step{"", "* OK ready\r\n"},
		step{"A001 SELECT INBOX\r\n", "* 3 EXISTS\r\n* BYE Shutting down\r\n"})
	c := dialClient(t, addr)
	_, err := c.Do(RawArg("SELECT INBOX"))
	fe := wantKind(t, err, failure.EOF)
	if !strings.Contains(fe.Message, "* BYE Shutting down") {
		t.Errorf("message %q", fe.Message)
	}
}

// TestSessionHugeLiteralThenEOF: a 4 GiB announcement followed by the
// end of the connection is a clean eof error, with no big allocation.
func TestSessionHugeLiteralThenEOF(t *testing.T) {
	addr := serveScript(t,
		step{"", "* OK ready\r\n"},
		step{"A001 FETCH 1 BODY[]\r\n", "* 1 FETCH (BODY[] {4294967295}\r\nonly this"})
	c := dialClient(t, addr)
	c.Reader().MaxLiteral = -1
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	_, err := c.Do(RawArg("FETCH 1 BODY[]"))
	runtime.ReadMemStats(&after)
	fe := wantKind(t, err, failure.EOF)
	if !strings.Contains(fe.Message, "4294967295") {
		t.Errorf("message %q does not name the literal", fe.Message)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 4<<20 {
		t.Errorf("allocated %d bytes for a 4 GiB announcement", n)
	}
}

// TestSessionDeadline: with Deadline set, a server dripping untagged
// lines cannot keep a command alive past its timeout (each line would
// otherwise restart Timeout); the error names the command's timeout.
func TestSessionDeadline(t *testing.T) {
	addr := fakeserver.ServeOne(t, func(c net.Conn) {
		c.Write([]byte("* OK ready\r\n"))
		bufio.NewReader(c).ReadString('\n')
		for {
			if _, err := c.Write([]byte("* OK still here\r\n")); err != nil {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
	s, err := session.Dial(context.Background(), addr, session.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tr := FromSession(s, context.Background(), 300*time.Millisecond)
	c := NewClient(tr)
	if _, err := c.Greeting(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	tr.Deadline = start.Add(tr.Timeout)
	_, err = c.Do(RawArg("SELECT INBOX"))
	if failure.KindOf(err) != failure.Timeout || !strings.Contains(err.Error(), "timeout after 300ms") {
		t.Fatalf("err = %v, want a timeout after 300ms", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("took %v with a 300ms deadline", d)
	}
}

// TestUntaggedBound: a command answered by untagged data without end
// fails with kind full once MaxUntagged is reached.
func TestUntaggedBound(t *testing.T) {
	flood := strings.Repeat("* 1 EXISTS\r\n", 1000)
	data := "* OK ready\r\n" + strings.Repeat(flood, 100) + "A001 OK done\r\n"
	c := NewClient(FromReadWriter(struct {
		io.Reader
		io.Writer
	}{strings.NewReader(data), io.Discard}))
	c.MaxUntagged = 64 << 10
	if _, err := c.Greeting(); err != nil {
		t.Fatal(err)
	}
	cmd, err := c.Do(RawArg("SELECT INBOX"))
	if failure.KindOf(err) != failure.Full || !strings.Contains(err.Error(), "came for A001 SELECT INBOX without its completion") {
		t.Fatalf("err = %v, want kind full", err)
	}
	if cmd.Untagged != nil || cmd.held > c.MaxUntagged+untaggedOverhead+64 {
		t.Errorf("held %d bytes, %d responses", cmd.held, len(cmd.Untagged))
	}
}
