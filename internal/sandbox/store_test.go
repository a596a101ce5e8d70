package sandbox

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/emersion/go-imap/v2"
)

// The one-store promise, seen from all three protocols.

func TestSMTPDeliveryIsSeenByteExactByPOP3AndIMAP(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	msg := testMessage("one store")
	sendMail(t, srv, "demo2@sandbox.test", []string{demo1.Address}, msg)

	stored, err := srv.Store().Messages("demo1", "INBOX")
	if err != nil || len(stored) != 1 || !bytes.Equal(stored[0].Raw, msg) {
		t.Fatalf("store: %d messages, err %v; want the sent message", len(stored), err)
	}

	p := loginPOP3(t, srv, demo1)
	if got := p.Multi("RETR 1"); !bytes.Equal(got, msg) {
		t.Errorf("POP3 RETR 1:\n got %q\nwant %q", got, msg)
	}
	p.OK("QUIT")

	c := dialIMAP(t, srv, demo1)
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatalf("SELECT: %v", err)
	}
	section := &imap.FetchItemBodySection{Peek: true}
	msgs, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{section}, RFC822Size: true}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatalf("FETCH: %d messages, %v", len(msgs), err)
	}
	if got := msgs[0].FindBodySection(section); !bytes.Equal(got, msg) {
		t.Errorf("IMAP BODY[]:\n got %q\nwant %q", got, msg)
	}
	if msgs[0].RFC822Size != int64(len(msg)) {
		t.Errorf("RFC822.SIZE = %d, want %d", msgs[0].RFC822Size, len(msg))
	}
}

func TestPOP3DeleteQuitRemovesFromIMAP(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	for _, s := range []string{"keep", "delete"} {
		if err := srv.Store().Deliver(demo1.Address, testMessage(s)); err != nil {
			t.Fatal(err)
		}
	}
	c := dialIMAPInbox(t, srv, demo1)

	p := loginPOP3(t, srv, demo1)
	p.OK("DELE 2")
	p.OK("QUIT")

	// The IMAP session learns of it at its next command.
	if err := c.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(1, 2), &imap.FetchOptions{UID: true, Envelope: true}).Collect()
	if err != nil {
		t.Fatal(err)
	}
	if len(msgs) != 1 || msgs[0].Envelope.Subject != "keep" {
		t.Fatalf("IMAP after POP3 DELE 2 + QUIT: %d messages, want only \"keep\"", len(msgs))
	}
	if n := srv.Store().Count("demo1", "INBOX"); n != 1 {
		t.Errorf("store has %d messages, want 1", n)
	}
}

func TestIMAPUIDExpungeRemovesFromPOP3(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	for _, s := range []string{"first", "second", "third"} {
		srv.Store().Deliver(demo1.Address, testMessage(s))
	}
	c := dialIMAPInbox(t, srv, demo1)
	// Flag two, expunge one by UID: the other flagged one must stay (the
	// reason docs/DESIGN.md wants UID EXPUNGE, never a bare EXPUNGE).
	if err := c.Store(imap.UIDSetNum(1, 2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	expunged, err := c.UIDExpunge(imap.UIDSetNum(2)).Collect()
	if err != nil || len(expunged) != 1 || expunged[0] != 2 {
		t.Fatalf("UID EXPUNGE 2: expunged seq %v, %v; want [2]", expunged, err)
	}

	p := loginPOP3(t, srv, demo1)
	if got := p.OK("STAT"); got != "+OK 2 "+strconv.Itoa(len(testMessage("first"))+len(testMessage("third"))) {
		t.Errorf("POP3 STAT after UID EXPUNGE = %q", got)
	}
	uidl := string(p.Multi("UIDL"))
	stored, _ := srv.Store().Messages("demo1", "INBOX")
	if len(stored) != 2 || stored[0].UID != 1 || stored[1].UID != 3 {
		t.Fatalf("store after UID EXPUNGE: %+v", stored)
	}
	if bytes.Contains([]byte(uidl), []byte(".2\r\n")) {
		t.Errorf("UIDL still lists UID 2:\n%s", uidl)
	}
}

func TestIMAPMoveToTrashAndAppendShowInStore(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	srv.Store().Deliver(demo1.Address, testMessage("to trash"))
	c := dialIMAPInbox(t, srv, demo1)
	moved, err := c.Move(imap.UIDSetNum(1), "Trash").Wait()
	if err != nil {
		t.Fatalf("UID MOVE: %v", err)
	}
	if moved.UIDValidity == 0 || moved.DestUIDs == nil {
		t.Errorf("MOVE gave no COPYUID: %+v", moved)
	}
	if n := srv.Store().Count("demo1", "INBOX"); n != 0 {
		t.Errorf("INBOX has %d messages after MOVE, want 0", n)
	}
	if n := srv.Store().Count("demo1", "Trash"); n != 1 {
		t.Errorf("Trash has %d messages after MOVE, want 1", n)
	}

	appended := testMessage("appended")
	cmd := c.Append("INBOX", int64(len(appended)), &imap.AppendOptions{Flags: []imap.Flag{imap.FlagSeen}})
	cmd.Write(appended)
	cmd.Close()
	data, err := cmd.Wait()
	if err != nil || data.UID == 0 {
		t.Fatalf("APPEND: %+v, %v", data, err)
	}
	p := loginPOP3(t, srv, demo1)
	if got := p.Multi("RETR 1"); !bytes.Equal(got, appended) {
		t.Errorf("POP3 RETR of the IMAP-appended message:\n got %q\nwant %q", got, appended)
	}
	mboxes, err := c.List("", "*", nil).Collect()
	if err != nil {
		t.Fatal(err)
	}
	trash := false
	for _, m := range mboxes {
		for _, a := range m.Attrs {
			trash = trash || (m.Mailbox == "Trash" && a == imap.MailboxAttrTrash)
		}
	}
	if !trash {
		t.Errorf("LIST has no Trash mailbox marked \\Trash: %+v", mboxes)
	}
}

func TestStoreDeliverUnknownAddress(t *testing.T) {
	srv := startSandbox(t, Config{})
	if err := srv.Store().Deliver("nobody@sandbox.test", []byte("x\r\n")); err == nil {
		t.Fatal("Deliver to an unknown address succeeded")
	}
	if _, err := srv.Store().Messages("nobody", "INBOX"); err == nil {
		t.Fatal("Messages of an unknown user succeeded")
	}
	if _, err := srv.Store().Messages("demo1", "Nope"); err == nil {
		t.Fatal("Messages of an unknown mailbox succeeded")
	}
	names, err := srv.Store().Mailboxes("demo1")
	if err != nil || len(names) != 2 || names[0] != "INBOX" || names[1] != "Trash" {
		t.Fatalf("Mailboxes(demo1) = %v, %v; want [INBOX Trash]", names, err)
	}
}
