package imapwire

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
)

func TestMain(m *testing.M) { os.Exit(mailstack.Main(m)) }

// TestDovecot runs the client against a real Dovecot: LOGIN with a
// password that must be quoted, a message whose body holds protocol lines
// and spans several literal chunks, a synchronizing APPEND, a UTF-8
// search sent as a literal, and pipelined commands.
func TestDovecot(t *testing.T) {
	stack := mailstack.Require(t)
	user := stack.TakeUser(t)

	body := crlf("From: Alice <alice@example.org>\nTo: " + user.Address + "\nSubject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=\n" +
		"Message-ID: <imapwire-1@example.org>\n\nA002 OK pwned\n* BYE fake\n)\n" +
		strings.Repeat("filler line to span several literal chunks of the reader\n", 4000))
	if err := stack.Seed(user.Name, []byte(body)); err != nil {
		t.Fatal(err)
	}

	s, err := session.Dial(context.Background(), stack.IMAP, session.Options{Timeout: 10 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := NewClient(FromSession(s, context.Background(), 0))
	if _, err := c.Greeting(); err != nil {
		t.Fatal(err)
	}
	do := func(args ...Arg) *Command {
		t.Helper()
		cmd, err := c.Do(args...)
		if err != nil {
			t.Fatal(err)
		}
		if cmd.Completion.Name != "OK" {
			t.Fatalf("%s: %v", cmd.Text, cmd.Completion)
		}
		return cmd
	}
	login := do(RawArg("LOGIN"), StringArg(user.Name), StringArg(user.Password).Secret())
	if strings.Contains(login.Text, user.Password) {
		t.Errorf("the password shows in %q", login.Text)
	}
	sel := do(RawArg("SELECT"), StringArg("INBOX"))
	var uidvalidity Node
	for _, r := range sel.Untagged {
		if r.Code == "UIDVALIDITY" {
			uidvalidity = r.CodeArgs[0]
		}
	}
	if uidvalidity.Kind != KindNumber || sel.Completion.Code != "READ-WRITE" {
		t.Errorf("SELECT: UIDVALIDITY %v, completion %v", uidvalidity, sel.Completion)
	}

	fetch := do(RawArg("UID FETCH 1:* (UID RFC822.SIZE FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)] BODY.PEEK[])"))
	if len(fetch.Untagged) != 1 {
		t.Fatalf("FETCH untagged: %v", fetch.Untagged)
	}
	_, items, err := fetch.Untagged[0].Fetch()
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := items.Get("BODY[]"); v.Kind != KindLiteral || v.Text != body {
		t.Errorf("BODY[]: %d bytes, want the %d seeded", len(v.Text), len(body))
	}
	if v, _ := items.Get("RFC822.SIZE"); v.Num != uint64(len(body)) {
		t.Errorf("RFC822.SIZE %v, want %d", v, len(body))
	}
	if v, _ := items.Get("BODY[HEADER.FIELDS (SUBJECT)]"); !strings.HasPrefix(v.Text, "Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?=") {
		t.Errorf("header fields %v", v)
	}

	// A synchronizing literal: Dovecot has LITERAL+, but the client waits
	// for "+" unless told.
	msg := crlf("From: bob@example.org\nSubject: Grüße aus dem Test\n\nA003 OK not a reply\n")
	appended := do(RawArg("APPEND"), StringArg("INBOX"), RawArg(`(\Seen)`), LiteralArg(msg))
	if appended.Completion.Code != "APPENDUID" || len(appended.Completion.CodeArgs) != 2 {
		t.Errorf("APPEND: %v", appended.Completion)
	}
	c.LiteralPlus = true
	search := do(RawArg("UID SEARCH CHARSET UTF-8 SUBJECT"), StringArg("Grüße aus"))
	newUID := appended.Completion.CodeArgs[1]
	var found []Node
	for _, r := range search.Untagged {
		if r.Name == "SEARCH" {
			found = r.Fields
		}
	}
	if len(found) != 1 || found[0].Num != newUID.Num {
		t.Errorf("SEARCH found %v, want UID %v", found, newUID)
	}

	// Pipelined: three commands on the wire, then collected last first.
	var cmds []*Command
	for _, args := range [][]Arg{
		{RawArg("NOOP")},
		{RawArg("STATUS"), StringArg("INBOX"), RawArg("(MESSAGES UIDNEXT)")},
		{RawArg("UID FETCH"), RawArg(newUID.Text), RawArg("(FLAGS BODY.PEEK[TEXT])")},
	} {
		cmd, err := c.Start(args...)
		if err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	for i := len(cmds) - 1; i >= 0; i-- {
		if cont, err := c.Wait(cmds[i]); err != nil || cont != nil || cmds[i].Completion.Name != "OK" {
			t.Fatalf("Wait(%s): %v, %v, %v", cmds[i].Text, cont, err, cmds[i].Completion)
		}
	}
	var status, text string
	for _, cmd := range cmds {
		for _, r := range cmd.Untagged {
			switch r.Name {
			case "STATUS":
				status = r.String()
			case "FETCH":
				_, items, _ := r.Fetch()
				v, _ := items.Get("BODY[TEXT]")
				text = v.Text
			}
		}
	}
	if status != `* STATUS "INBOX" (MESSAGES 2 UIDNEXT `+strconv.FormatUint(newUID.Num+1, 10)+")" &&
		status != `* STATUS INBOX (MESSAGES 2 UIDNEXT `+strconv.FormatUint(newUID.Num+1, 10)+")" {
		t.Errorf("STATUS: %s", status)
	}
	if text != "A003 OK not a reply\r\n" {
		t.Errorf("BODY[TEXT] %q", text)
	}

	// LOGOUT: the BYE is expected, not an error.
	do(RawArg("LOGOUT"))
	if c.Bye() == nil {
		t.Error("no BYE seen at LOGOUT")
	}
	if _, err := c.Do(RawArg("NOOP")); !failure.Is(err, failure.EOF) {
		t.Errorf("NOOP after LOGOUT: %v, want kind eof", err)
	}
}
