package sandbox

import (
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
	"github.com/emersion/go-sasl"
	"github.com/mailexpect/mailexpect/internal/testclient"
)

func TestIMAPLoginDisabledBeforeSTARTTLS(t *testing.T) {
	srv := startSandbox(t, Config{})
	c := testclient.DialIMAP(t, srv.IMAPAddr())
	if greeting := c.Greeting; !strings.HasPrefix(greeting, "* OK [CAPABILITY ") || !strings.Contains(greeting, " STARTTLS") || !strings.Contains(greeting, " LOGINDISABLED") {
		t.Errorf("greeting %q: want STARTTLS and LOGINDISABLED", greeting)
	}
	if _, status := c.Run(nil, `LOGIN demo1 demo1-pass`); !strings.HasPrefix(status, "NO") {
		t.Errorf("LOGIN before STARTTLS: %q", status)
	}
	if _, status := c.Run(nil, "AUTHENTICATE PLAIN AGRlbW8xAGRlbW8xLXBhc3M="); !strings.HasPrefix(status, "NO [PRIVACYREQUIRED]") {
		t.Errorf("AUTHENTICATE before STARTTLS: %q", status)
	}
}

func TestIMAPCapabilitiesAfterLogin(t *testing.T) {
	srv := startSandbox(t, Config{})
	c := dialIMAP(t, srv, srv.Users()[0])
	caps, err := c.Capability().Wait()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []imap.Cap{imap.CapIMAP4rev1, imap.CapUIDPlus, imap.CapMove, imap.CapIdle, imap.CapNamespace, imap.CapUnselect, imap.CapSpecialUse} {
		if !caps.Has(want) {
			t.Errorf("capabilities after login lack %s: %v", want, caps)
		}
	}
}

// cramClient is CRAM-MD5 for imapclient.Authenticate.
type cramClient struct{ user, pass string }

func (c cramClient) Start() (string, []byte, error) { return "CRAM-MD5", nil, nil }
func (c cramClient) Next(challenge []byte) ([]byte, error) {
	return []byte(testclient.CRAMMD5(c.user, c.pass, string(challenge))), nil
}

func TestIMAPAuthenticate(t *testing.T) {
	srv := startSandbox(t, Config{})
	u := srv.Users()[0]
	tests := []struct {
		name   string
		client sasl.Client
		wantOK bool
	}{
		{"PLAIN", sasl.NewPlainClient("", u.Name, u.Pass), true},
		{"PLAIN wrong password", sasl.NewPlainClient("", u.Name, "nope"), false},
		{"LOGIN", sasl.NewLoginClient(u.Name, u.Pass), true},
		{"CRAM-MD5", cramClient{u.Name, u.Pass}, true},
		{"CRAM-MD5 wrong password", cramClient{u.Name, "nope"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := imapclient.DialStartTLS(srv.IMAPAddr(), &imapclient.Options{TLSConfig: clientTLS(srv)})
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			err = c.Authenticate(tt.client)
			if (err == nil) != tt.wantOK {
				t.Fatalf("AUTHENTICATE %s: %v", tt.name, err)
			}
		})
	}
}

func TestIMAPExamineIsReadOnly(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	seed(t, srv, demo1.Address, "read only")
	c := dialIMAP(t, srv, demo1)
	if _, err := c.Select("INBOX", &imap.SelectOptions{ReadOnly: true}).Wait(); err != nil {
		t.Fatal(err)
	}
	deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	if err := c.Store(imap.UIDSetNum(1), deleted, nil).Close(); err == nil || !strings.Contains(err.Error(), "read-only") {
		t.Errorf("UID STORE under EXAMINE: %v, want a read-only refusal", err)
	}
	if err := c.UIDExpunge(imap.UIDSetNum(1)).Close(); err == nil {
		t.Error("UID EXPUNGE under EXAMINE succeeded")
	}
	if _, err := c.Move(imap.UIDSetNum(1), "Trash").Wait(); err == nil {
		t.Error("UID MOVE under EXAMINE succeeded")
	}
	if _, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{}}}).Collect(); err != nil {
		t.Fatal(err)
	}
	if err := c.UnselectAndExpunge().Wait(); err != nil {
		t.Errorf("CLOSE of an EXAMINEd mailbox: %v", err)
	}
	stored, _ := srv.Store().Messages("demo1", "INBOX")
	if len(stored) != 1 || len(stored[0].Flags) != 0 {
		t.Fatalf("after EXAMINE, FETCH BODY[] and CLOSE the store has %+v; want the message untouched, no \\Seen", stored)
	}
}

func TestIMAPFetchBodySetsSeen(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	seed(t, srv, demo1.Address, "peek", "read")
	c := dialIMAPInbox(t, srv, demo1)
	if _, err := c.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Peek: true}}}).Collect(); err != nil {
		t.Fatal(err)
	}
	msgs, err := c.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{{Specifier: imap.PartSpecifierHeader}}}).Collect()
	if err != nil || len(msgs) != 1 {
		t.Fatal(err)
	}
	if !slices.Contains(msgs[0].Flags, imap.FlagSeen) {
		t.Errorf("FETCH BODY[HEADER] response flags %v, want \\Seen sent along", msgs[0].Flags)
	}
	stored, _ := srv.Store().Messages("demo1", "INBOX")
	if len(stored[0].Flags) != 0 || !slices.Equal(stored[1].Flags, []string{`\Seen`}) {
		t.Errorf("flags after PEEK and non-PEEK fetches: %v and %v", stored[0].Flags, stored[1].Flags)
	}
}

func TestIMAPFetchSections(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	msg := seed(t, srv, demo1.Address, "sections")[0]
	header := headerAndLines(msg, 0)
	c := dialIMAPInbox(t, srv, demo1)
	tests := []struct {
		name    string
		section *imap.FetchItemBodySection
		want    string
	}{
		{"BODY[]", &imap.FetchItemBodySection{Peek: true}, string(msg)},
		{"BODY[HEADER]", &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader}, string(header)},
		{"BODY[TEXT]", &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierText}, string(msg[len(header):])},
		{"BODY[]<0.4>", &imap.FetchItemBodySection{Peek: true, Partial: &imap.SectionPartial{Offset: 0, Size: 4}}, "From"},
		{"BODY[HEADER.FIELDS (SUBJECT)]", &imap.FetchItemBodySection{Peek: true, Specifier: imap.PartSpecifierHeader, HeaderFields: []string{"Subject"}}, "Subject: sections\r\n\r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msgs, err := c.Fetch(imap.UIDSetNum(1), &imap.FetchOptions{BodySection: []*imap.FetchItemBodySection{tt.section}}).Collect()
			if err != nil || len(msgs) != 1 {
				t.Fatalf("UID FETCH: %d messages, %v", len(msgs), err)
			}
			if got := string(msgs[0].FindBodySection(tt.section)); got != tt.want {
				t.Errorf("%s:\n got %q\nwant %q", tt.name, got, tt.want)
			}
		})
	}
}

func TestIMAPSearch(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	seed(t, srv, demo1.Address, "alpha report", "beta", "alpha again")
	c := dialIMAPInbox(t, srv, demo1)
	if err := c.Store(imap.UIDSetNum(2), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	tomorrow := time.Now().Add(24 * time.Hour)
	tests := []struct {
		name     string
		criteria imap.SearchCriteria
		want     []imap.UID
	}{
		{"ALL", imap.SearchCriteria{}, []imap.UID{1, 2, 3}},
		{"SUBJECT alpha", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "Subject", Value: "ALPHA"}}}, []imap.UID{1, 3}},
		{"FROM demo2", imap.SearchCriteria{Header: []imap.SearchCriteriaHeaderField{{Key: "From", Value: "demo2"}}}, []imap.UID{1, 2, 3}},
		{"DELETED", imap.SearchCriteria{Flag: []imap.Flag{imap.FlagDeleted}}, []imap.UID{2}},
		{"NOT DELETED", imap.SearchCriteria{NotFlag: []imap.Flag{imap.FlagDeleted}}, []imap.UID{1, 3}},
		{"BODY leading dot", imap.SearchCriteria{Body: []string{".leading DOT"}}, []imap.UID{1, 2, 3}},
		{"TEXT again", imap.SearchCriteria{Text: []string{"again"}}, []imap.UID{3}},
		{"UID 2:*", imap.SearchCriteria{UID: []imap.UIDSet{{{Start: 2, Stop: 0}}}}, []imap.UID{2, 3}},
		{"BEFORE tomorrow", imap.SearchCriteria{Before: tomorrow}, []imap.UID{1, 2, 3}},
		{"SINCE tomorrow", imap.SearchCriteria{Since: tomorrow}, nil},
		{"OR beta again", imap.SearchCriteria{Or: [][2]imap.SearchCriteria{{{Text: []string{"beta"}}, {Text: []string{"again"}}}}}, []imap.UID{2, 3}},
		{"LARGER 100000", imap.SearchCriteria{Larger: 100000}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := c.UIDSearch(&tt.criteria, nil).Wait()
			if err != nil {
				t.Fatal(err)
			}
			if got := data.AllUIDs(); !slices.Equal(got, tt.want) {
				t.Errorf("UID SEARCH %s = %v, want %v", tt.name, got, tt.want)
			}
		})
	}
}

// Sequence numbers stay as this client knows them until it is told of an
// expunge made elsewhere, and it is told at the next command that allows it.
func TestIMAPExpungeByAnotherSessionKeepsSequenceNumbers(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	seed(t, srv, demo1.Address, "one", "two", "three")
	a, b := dialIMAP(t, srv, demo1), dialIMAP(t, srv, demo1)
	for _, c := range []*imapclient.Client{a, b} {
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Store(imap.UIDSetNum(1), &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}, nil).Close(); err != nil {
		t.Fatal(err)
	}
	if err := a.UIDExpunge(imap.UIDSetNum(1)).Close(); err != nil {
		t.Fatal(err)
	}
	msgs, err := b.Fetch(imap.SeqSetNum(2), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].SeqNum != 2 || msgs[0].UID != 2 {
		t.Fatalf("b: FETCH 2 before learning of the expunge: %+v, %v; want seq 2 = UID 2", msgs, err)
	}
	if err := b.Noop().Wait(); err != nil {
		t.Fatal(err)
	}
	msgs, err = b.Fetch(imap.SeqSetNum(1), &imap.FetchOptions{UID: true}).Collect()
	if err != nil || len(msgs) != 1 || msgs[0].UID != 2 {
		t.Fatalf("b: FETCH 1 after NOOP: %+v, %v; want UID 2", msgs, err)
	}
}

func TestIMAPIdleSeesSMTPDelivery(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	var mu sync.Mutex
	exists := make(chan uint32, 4)
	c, err := imapclient.DialStartTLS(srv.IMAPAddr(), &imapclient.Options{
		TLSConfig: clientTLS(srv),
		UnilateralDataHandler: &imapclient.UnilateralDataHandler{Mailbox: func(data *imapclient.UnilateralDataMailbox) {
			mu.Lock()
			defer mu.Unlock()
			if data.NumMessages != nil {
				exists <- *data.NumMessages
			}
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if err := c.Login(demo1.Name, demo1.Pass).Wait(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Select("INBOX", nil).Wait(); err != nil {
		t.Fatal(err)
	}
	idle, err := c.Idle()
	if err != nil {
		t.Fatal(err)
	}
	sendMail(t, srv, "demo2@sandbox.test", []string{demo1.Address}, testMessage("while idling"))
	select {
	case n := <-exists:
		if n != 1 {
			t.Errorf("IDLE reported %d EXISTS, want 1", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("IDLE did not report the delivery")
	}
	if err := idle.Close(); err != nil {
		t.Fatal(err)
	}
	if err := idle.Wait(); err != nil {
		t.Fatal(err)
	}
}

func TestIMAPMailboxManagement(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	c := dialIMAP(t, srv, demo1)
	steps := []struct {
		name   string
		run    func() error
		wantOK bool
	}{
		{"CREATE Archive", func() error { return c.Create("Archive", nil).Wait() }, true},
		{"CREATE Archive again", func() error { return c.Create("Archive", nil).Wait() }, false},
		{"RENAME Archive Old", func() error { return c.Rename("Archive", "Old", nil).Wait() }, true},
		{"RENAME INBOX", func() error { return c.Rename("INBOX", "Elsewhere", nil).Wait() }, false},
		{"DELETE INBOX", func() error { return c.Delete("inbox").Wait() }, false},
		{"DELETE Old", func() error { return c.Delete("Old").Wait() }, true},
		{"SELECT Nope", func() error { _, err := c.Select("Nope", nil).Wait(); return err }, false},
		{"SELECT inbox", func() error { _, err := c.Select("inbox", nil).Wait(); return err }, true},
	}
	for _, st := range steps {
		if err := st.run(); (err == nil) != st.wantOK {
			t.Errorf("%s: %v, want ok=%v", st.name, err, st.wantOK)
		}
	}
	names, _ := srv.Store().Mailboxes("demo1")
	if !slices.Equal(names, []string{"INBOX", "Trash"}) {
		t.Errorf("mailboxes after the steps: %v", names)
	}
	seed(t, srv, demo1.Address, "status")
	st, err := c.Status("INBOX", &imap.StatusOptions{NumMessages: true, UIDNext: true, NumUnseen: true}).Wait()
	if err != nil || *st.NumMessages != 1 || st.UIDNext != 2 || *st.NumUnseen != 1 {
		t.Fatalf("STATUS INBOX: %+v, %v", st, err)
	}
}

// CLOSE expunges \Deleted messages silently; UNSELECT does not (RFC 3691).
func TestIMAPCloseExpungesUnselectDoesNot(t *testing.T) {
	srv := startSandbox(t, Config{})
	demo1 := srv.Users()[0]
	seed(t, srv, demo1.Address, "one", "two")
	c := dialIMAP(t, srv, demo1)
	deleted := &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true, Flags: []imap.Flag{imap.FlagDeleted}}
	steps := []struct {
		name  string
		close func() error
		want  int
	}{
		{"UNSELECT", func() error { return c.Unselect().Wait() }, 2},
		{"CLOSE", func() error { return c.UnselectAndExpunge().Wait() }, 1},
	}
	for _, st := range steps {
		if _, err := c.Select("INBOX", nil).Wait(); err != nil {
			t.Fatal(err)
		}
		if err := c.Store(imap.SeqSetNum(1), deleted, nil).Close(); err != nil {
			t.Fatal(err)
		}
		if err := st.close(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if n := srv.Store().Count("demo1", "INBOX"); n != st.want {
			t.Errorf("after %s the INBOX has %d messages, want %d", st.name, n, st.want)
		}
	}
}
