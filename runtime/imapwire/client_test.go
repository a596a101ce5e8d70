package imapwire

import (
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

const greeting = "* OK [CAPABILITY IMAP4rev1 LITERAL+] ready\r\n"

func newTestClient(t *testing.T, steps ...step) (*Client, *scriptTransport) {
	t.Helper()
	tr := newScript(t, append([]step{{"", greeting}}, steps...)...)
	c := NewClient(tr)
	if _, err := c.Greeting(); err != nil {
		t.Fatal(err)
	}
	return c, tr
}

func TestTagger(t *testing.T) {
	var tg Tagger
	got := []string{tg.Next(), tg.Next()}
	for range 996 {
		tg.Next()
	}
	got = append(got, tg.Next(), tg.Next())
	x := Tagger{Prefix: "x"}
	got = append(got, x.Next())
	want := []string{"A001", "A002", "A999", "A1000", "x001"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("tags (-want +got):\n%s", diff)
	}
}

func TestDo(t *testing.T) {
	c, tr := newTestClient(t, step{"A001 NOOP\r\n", "* 3 EXISTS\r\n* 1 RECENT\r\nA001 OK NOOP completed\r\n"})
	var stream []string
	c.OnUntagged = func(r *Response) { stream = append(stream, r.String()) }
	cmd, err := c.Do(RawArg("NOOP"))
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Completion.Name != "OK" || cmd.Completion.Text != "NOOP completed" || cmd.Name != "NOOP" {
		t.Errorf("completion %v, name %q", cmd.Completion, cmd.Name)
	}
	want := []string{"* 3 EXISTS", "* 1 RECENT"}
	if diff := cmp.Diff(want, untaggedStrings(cmd)); diff != "" {
		t.Errorf("untagged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, stream); diff != "" {
		t.Errorf("OnUntagged stream (-want +got):\n%s", diff)
	}
	if tr.sentText() != "A001 NOOP\r\n" || len(c.Pending()) != 0 {
		t.Errorf("sent %q, pending %v", tr.sentText(), c.Pending())
	}
}

func untaggedStrings(cmd *Command) []string {
	var out []string
	for _, r := range cmd.Untagged {
		out = append(out, r.String())
	}
	return out
}

func TestArgumentEncoding(t *testing.T) {
	long := strings.Repeat("x", MaxQuoted+1)
	tests := []struct {
		name  string
		args  []Arg
		plus  bool
		minus bool
		sends []sent // what reaches the transport, Send by Send
		shown string
	}{
		{"string form", []Arg{RawArg("UID SEARCH ALL")}, false, false,
			[]sent{{"A001 UID SEARCH ALL\r\n", false}}, "A001 UID SEARCH ALL"},
		{"quoted strings with escapes", []Arg{RawArg("SELECT"), StringArg(`a "b" \c`)}, false, false,
			[]sent{{`A001 SELECT "a \"b\" \\c"` + "\r\n", false}}, `A001 SELECT "a \"b\" \\c"`},
		{"empty string", []Arg{RawArg("SELECT"), StringArg("")}, false, false,
			[]sent{{"A001 SELECT \"\"\r\n", false}}, `A001 SELECT ""`},
		{"secret in a piece of its own", []Arg{RawArg("LOGIN"), StringArg("alice"), StringArg("s3cret").Secret()}, false, false,
			[]sent{{`A001 LOGIN "alice" `, false}, {"\"s3cret\"\r\n", true}}, `A001 LOGIN "alice" ***`},
		{"secret in the middle", []Arg{RawArg("X"), RawArg("k").Secret(), RawArg("tail")}, false, false,
			[]sent{{"A001 X ", false}, {"k", true}, {" tail\r\n", false}}, "A001 X *** tail"},
		{"LITERAL+: no wait", []Arg{RawArg("SEARCH CHARSET UTF-8 SUBJECT"), StringArg("Grüße")}, true, false,
			[]sent{{"A001 SEARCH CHARSET UTF-8 SUBJECT {7+}\r\nGrüße\r\n", false}}, "A001 SEARCH CHARSET UTF-8 SUBJECT {7+}"},
		{"LITERAL-: small literal needs no wait", []Arg{RawArg("SELECT"), StringArg("a\r\nb")}, false, true,
			[]sent{{"A001 SELECT {4+}\r\na\r\nb\r\n", false}}, "A001 SELECT {4+}"},
		{"LITERAL+ secret literal", []Arg{RawArg("LOGIN"), RawArg("bob"), StringArg("pä").Secret()}, true, false,
			[]sent{{"A001 LOGIN bob {3+}\r\n", false}, {"pä\r\n", true}}, "A001 LOGIN bob {3+} ***"},
		{"long string goes as a literal", []Arg{RawArg("SELECT"), StringArg(long)}, true, false,
			[]sent{{"A001 SELECT {1025+}\r\n" + long + "\r\n", false}}, "A001 SELECT {1025+}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var all string
			for _, s := range tt.sends {
				all += s.data
			}
			c, tr := newTestClient(t, step{all, "A001 OK done\r\n"})
			c.LiteralPlus, c.LiteralMinus = tt.plus, tt.minus
			cmd, err := c.Do(tt.args...)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.sends, tr.sends, cmp.AllowUnexported(sent{})); diff != "" {
				t.Errorf("sends (-want +got):\n%s", diff)
			}
			if cmd.Text != tt.shown {
				t.Errorf("Text = %q, want %q", cmd.Text, tt.shown)
			}
		})
	}
}

// TestSynchronizingLiteral: the literal's bytes go only after the "+".
// The script releases "+" only once "{n}\r\n" has arrived and fails a
// client that sends the bytes early.
func TestSynchronizingLiteral(t *testing.T) {
	msg := "Subject: hi\r\n\r\nA001 OK not really\r\n"
	n := strconv.Itoa(len(msg))
	c, tr := newTestClient(t,
		step{"A001 APPEND \"INBOX\" (\\Seen) {" + n + "}\r\n", "* 4 EXISTS\r\n+ Ready for literal data\r\n"},
		step{msg + "\r\n", "A001 OK [APPENDUID 1718000000 9] Append completed.\r\n"})
	cmd, err := c.Do(RawArg("APPEND"), StringArg("INBOX"), RawArg(`(\Seen)`), LiteralArg(msg))
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Completion.Code != "APPENDUID" || len(cmd.Untagged) != 1 || len(tr.sends) != 2 || tr.sends[1].data != msg+"\r\n" {
		t.Errorf("completion %v, untagged %v, sends %+v", cmd.Completion, cmd.Untagged, tr.sends)
	}
}

func TestLiteralRefused(t *testing.T) {
	c, tr := newTestClient(t,
		step{"A001 APPEND INBOX {5}\r\n", "A001 NO [TOOBIG] Message too large\r\n"},
		step{"A002 NOOP\r\n", "A002 OK\r\n"})
	cmd, err := c.Do(RawArg("APPEND INBOX"), LiteralArg("hello"))
	if err != nil {
		t.Fatal(err)
	}
	if cmd.Completion.Name != "NO" || cmd.Completion.Code != "TOOBIG" || strings.Contains(tr.sentText(), "hello") {
		t.Errorf("completion %v, sent %q", cmd.Completion, tr.sentText())
	}
	if _, err := c.Do(RawArg("NOOP")); err != nil {
		t.Errorf("the client is still in step: %v", err)
	}
}

// TestPipelining: completions come back in any order and are matched by
// tag; untagged data goes to the oldest outstanding command.
func TestPipelining(t *testing.T) {
	c, _ := newTestClient(t,
		step{"A001 NOOP\r\nA002 CHECK\r\nA003 UID FETCH 1 (UID)\r\n",
			"* 1 EXISTS\r\nA002 OK check\r\n* 1 FETCH (UID 7)\r\nA003 OK fetch\r\nA001 OK noop\r\n* 2 EXISTS\r\n"},
		step{"A004 NOOP\r\n", "A004 OK\r\n"})
	var stream []string
	c.OnUntagged = func(r *Response) { stream = append(stream, r.String()) }
	var cmds []*Command
	for _, line := range []string{"NOOP", "CHECK", "UID FETCH 1 (UID)"} {
		cmd, err := c.Start(RawArg(line))
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	if len(c.Pending()) != 3 {
		t.Fatalf("pending %d, want 3", len(c.Pending()))
	}
	// Wait for the last first: the others complete on the way.
	for _, i := range []int{2, 0, 1} {
		if cont, err := c.Wait(cmds[i]); err != nil || cont != nil {
			t.Fatalf("Wait(%s) = %v, %v", cmds[i].Tag, cont, err)
		}
	}
	got := map[string][]string{}
	for _, cmd := range cmds {
		got[cmd.Tag+" "+cmd.Name+" "+cmd.Completion.Text] = untaggedStrings(cmd)
	}
	want := map[string][]string{
		"A001 NOOP noop":       {"* 1 EXISTS", "* 1 FETCH (UID 7)"},
		"A002 CHECK check":     nil,
		"A003 UID FETCH fetch": nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("attribution (-want +got):\n%s", diff)
	}
	// "* 2 EXISTS" arrived after every command completed: it is read
	// with the next command, and the stream saw everything in order.
	cmd, err := c.Do(RawArg("NOOP"))
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"* 2 EXISTS"}, untaggedStrings(cmd)); diff != "" {
		t.Errorf("next command's untagged (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"* 1 EXISTS", "* 1 FETCH (UID 7)", "* 2 EXISTS"}, stream); diff != "" {
		t.Errorf("stream (-want +got):\n%s", diff)
	}
}

// TestBodyLinesNeverCompleteACommand is the pipelined form of
// curl/curl#22865: the body holds the tags of both outstanding commands
// and a BYE.
func TestBodyLinesNeverCompleteACommand(t *testing.T) {
	body := "Subject: x\r\n\r\nA002 OK fake\r\nA003 OK fake\r\n* BYE fake\r\n+ fake\r\n"
	c, _ := newTestClient(t,
		step{"A001 UID FETCH 5 (BODY.PEEK[])\r\nA002 NOOP\r\n",
			"* 1 FETCH (UID 5 BODY[] {" + strconv.Itoa(len(body)) + "}\r\n" + body + ")\r\nA001 OK real\r\nA002 OK real\r\n"})
	fetch, _ := c.Start(RawArg("UID FETCH 5 (BODY.PEEK[])"))
	noop, _ := c.Start(RawArg("NOOP"))
	if cont, err := c.Wait(noop); err != nil || cont != nil {
		t.Fatalf("Wait = %v, %v", cont, err)
	}
	if fetch.Completion.Text != "real" || noop.Completion.Text != "real" || c.Bye() != nil {
		t.Fatalf("completions %v / %v, bye %v", fetch.Completion, noop.Completion, c.Bye())
	}
	_, items, err := fetch.Untagged[0].Fetch()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := items.Get("BODY[]"); v.Text != body {
		t.Errorf("body %v", v)
	}
}

func TestByeMidCommand(t *testing.T) {
	c, _ := newTestClient(t, step{"A001 UID FETCH 1:* (FLAGS)\r\n", "* 1 FETCH (FLAGS ())\r\n* BYE Server shutting down\r\n"})
	cmd, err := c.Do(RawArg("UID FETCH 1:* (FLAGS)"))
	fe := wantKind(t, err, failure.EOF)
	if !strings.Contains(fe.Message, "BYE Server shutting down") || !strings.Contains(fe.Message, "A001 UID FETCH") || fe.Stage != "UID FETCH" {
		t.Errorf("message %q, stage %q", fe.Message, fe.Stage)
	}
	if cmd.Done() || len(cmd.Untagged) != 2 || c.Bye() == nil {
		t.Errorf("cmd %+v, bye %v", cmd, c.Bye())
	}
	if _, err2 := c.Start(RawArg("NOOP")); err2 != err || c.Err() != err {
		t.Errorf("after BYE: %v, want the same error", err2)
	}
}

func TestLogoutBye(t *testing.T) {
	c, _ := newTestClient(t, step{"A001 LOGOUT\r\n", "* BYE Logging out\r\nA001 OK Logout completed.\r\n"})
	cmd, err := c.Do(RawArg("LOGOUT"))
	if err != nil || cmd.Completion.Name != "OK" || c.Bye().Text != "Logging out" {
		t.Fatalf("LOGOUT: %v, %v, bye %v", cmd, err, c.Bye())
	}
}

func TestGreeting(t *testing.T) {
	tests := []struct {
		in   string
		kind failure.Kind
		name string
	}{
		{"* OK ready\r\n", "", "OK"},
		{"* PREAUTH [CAPABILITY IMAP4rev1] logged in as bob\r\n", "", "PREAUTH"},
		{"* BYE Too many connections\r\n", failure.Reply, "BYE"},
		{"A1 OK what\r\n", failure.Protocol, "OK"},
		{"* 1 EXISTS\r\n", failure.Protocol, "EXISTS"},
		{"", failure.EOF, ""},
	}
	for _, tt := range tests {
		c := NewClient(newScript(t, step{"", tt.in}))
		resp, err := c.Greeting()
		if failure.KindOf(err) != tt.kind {
			t.Errorf("Greeting(%q) err = %v, want kind %q", tt.in, err, tt.kind)
			continue
		}
		if tt.name != "" && resp.Name != tt.name {
			t.Errorf("Greeting(%q) = %v", tt.in, resp)
		}
		if tt.kind == failure.Reply {
			if fe := err.(*failure.Error); fe.Reply.Status != "BYE" || fe.Reply.Text != "Too many connections" {
				t.Errorf("reply info %+v", fe.Reply)
			}
		}
		if tt.kind != "" && c.Err() == nil {
			t.Errorf("Greeting(%q): the client is not marked done", tt.in)
		}
	}
}

func TestRefusedArguments(t *testing.T) {
	tests := []struct {
		args []Arg
		kind failure.Kind
	}{
		{[]Arg{RawArg("NOOP\r\nA002 LOGOUT")}, failure.Injection},
		{[]Arg{RawArg("SELECT"), RawArg("a\x00")}, failure.Injection},
		{[]Arg{RawArg("SELECT"), RawArg("")}, failure.Usage},
		{[]Arg{RawArg("SELECT"), StringArg("a\x00b")}, failure.Usage},
		{nil, failure.Usage},
	}
	for _, tt := range tests {
		c, tr := newTestClient(t)
		if _, err := c.Start(tt.args...); failure.KindOf(err) != tt.kind {
			t.Errorf("Start(%v) = %v, want kind %q", tt.args, err, tt.kind)
		}
		if len(tr.sends) != 0 || len(c.Pending()) != 0 || c.Err() != nil {
			t.Errorf("Start(%v): sent %+v, pending %d, err %v; want nothing", tt.args, tr.sends, len(c.Pending()), c.Err())
		}
	}
	c, _ := newTestClient(t)
	if err := c.SendLine("DONE\r\nA1 LOGOUT", false); !failure.Is(err, failure.Injection) {
		t.Errorf("SendLine with CRLF: %v", err)
	}
}

// TestIdle: a continuation no literal asked for stops Wait; the caller
// answers and waits again.
func TestIdle(t *testing.T) {
	c, _ := newTestClient(t,
		step{"A001 IDLE\r\n", "+ idling\r\n* 5 EXISTS\r\n"},
		step{"DONE\r\n", "A001 OK Idle completed.\r\n"})
	cmd, err := c.Start(RawArg("IDLE"))
	if err != nil {
		t.Fatal(err)
	}
	cont, err := c.Wait(cmd)
	if err != nil || cont == nil || cont.Text != "idling" {
		t.Fatalf("Wait = %v, %v; want the continuation", cont, err)
	}
	resp, err := c.Next()
	if err != nil || resp.Name != "EXISTS" {
		t.Fatalf("Next = %v, %v", resp, err)
	}
	if err := c.SendLine("DONE", false); err != nil {
		t.Fatal(err)
	}
	if cont, err := c.Wait(cmd); err != nil || cont != nil || cmd.Completion.Name != "OK" || len(cmd.Untagged) != 1 {
		t.Fatalf("Wait = %v, %v; cmd %+v", cont, err, cmd)
	}
}

func TestWaitOnForeignCommand(t *testing.T) {
	c, _ := newTestClient(t)
	if _, err := c.Wait(&Command{Tag: "Z1"}); !failure.Is(err, failure.Usage) {
		t.Errorf("Wait on a foreign command: %v", err)
	}
}

// TestDoFailures: a server answer that ends the command wrongly is an
// error of the right kind whose message says what the server did.
func TestDoFailures(t *testing.T) {
	tests := []struct {
		name        string
		cmd, answer string
		kind        failure.Kind
		want        string // in the message
		clientDone  bool   // the client is marked done (c.Err() != nil)
	}{
		// LOGOUT answered by BYE alone: the message mentions the BYE.
		{"logout without completion", "LOGOUT", "* BYE Logging out\r\n", failure.EOF, "after * BYE Logging out", false},
		{"unknown tag", "NOOP", "A999 OK what\r\n", failure.Protocol, "A999", false},
		{"unexpected continuation", "AUTHENTICATE PLAIN", "+ \r\n", failure.Protocol, "AUTHENTICATE PLAIN", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, _ := newTestClient(t, step{"A001 " + tt.cmd + "\r\n", tt.answer})
			_, err := c.Do(RawArg(tt.cmd))
			fe := wantKind(t, err, tt.kind)
			if !strings.Contains(fe.Message, tt.want) {
				t.Errorf("message %q does not mention %q", fe.Message, tt.want)
			}
			if tt.clientDone && c.Err() == nil {
				t.Errorf("client err nil after %q", fe.Message)
			}
		})
	}
}
