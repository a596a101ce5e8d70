package sandbox

import (
	"crypto/subtle"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
)

// Store is the sandbox's one in-memory mail store. SMTP delivers into it,
// POP3 and IMAP read and delete from it, so a message sent over SMTP shows
// up in both, and a deletion through one protocol is seen by the other.
//
// One mutex guards it all: the sandbox serves a handful of connections, and
// a single lock makes "what POP3 sees" and "what IMAP sees" trivially
// consistent. Nothing writes to the network while holding it.
type Store struct {
	mu       sync.Mutex
	accounts map[string]*account // by login name
	byAddr   map[string]*account // by lower-case address
	// UIDVALIDITY values come from a clock-seeded counter, so a mailbox
	// re-created in this run or in the next one gets a new value.
	lastUIDValidity uint32
}

type account struct {
	user      User
	mailboxes map[string]*mailbox
	// maildropLocked is the POP3 maildrop lock (RFC 1939 section 8): one
	// POP3 session per user at a time. IMAP does not take it, as on Dovecot.
	maildropLocked bool
}

type mailbox struct {
	name        string
	specialUse  imap.MailboxAttr // "" or \Trash
	uidValidity uint32
	uidNext     imap.UID
	subscribed  bool
	messages    []*message
	// tracker queues EXISTS, EXPUNGE and FLAGS updates for the IMAP
	// sessions that have the mailbox selected. It is driven under
	// Store.mu, in the same order as the changes to messages.
	tracker *imapserver.MailboxTracker
}

type message struct {
	uid      imap.UID
	raw      []byte // never changed once stored: readers may use it unlocked
	received time.Time
	flags    map[string]imap.Flag // lower-case -> spelling; under Store.mu
}

// inboxName is how INBOX is spelled inside the store: the name is
// case-insensitive (RFC 3501 section 5.1), other names are not.
const inboxName = "INBOX"

func canonicalMailboxName(name string) string {
	name = strings.TrimRight(name, string(mailboxDelim))
	if strings.EqualFold(name, inboxName) {
		return inboxName
	}
	return name
}

const mailboxDelim = '/'

func newStore(users []User) *Store {
	s := &Store{
		accounts:        map[string]*account{},
		byAddr:          map[string]*account{},
		lastUIDValidity: uint32(time.Now().Unix()),
	}
	for _, u := range users {
		a := &account{user: u, mailboxes: map[string]*mailbox{}}
		s.createMailboxLocked(a, inboxName, "")
		s.createMailboxLocked(a, "Trash", imap.MailboxAttrTrash)
		for _, m := range a.mailboxes {
			m.subscribed = true
		}
		s.accounts[u.Name] = a
		s.byAddr[strings.ToLower(u.Address)] = a
	}
	// RFC 5321 section 4.5.1: every domain has a postmaster. Here it is the
	// first demo user.
	if len(users) > 0 {
		s.byAddr["postmaster@"+sandboxDomain] = s.accounts[users[0].Name]
	}
	return s
}

func (s *Store) createMailboxLocked(a *account, name string, specialUse imap.MailboxAttr) *mailbox {
	s.lastUIDValidity++
	m := &mailbox{
		name:        name,
		specialUse:  specialUse,
		uidValidity: s.lastUIDValidity,
		uidNext:     1,
		tracker:     imapserver.NewMailboxTracker(0),
	}
	a.mailboxes[name] = m
	return m
}

// authenticate checks a user's password in constant time.
func (s *Store) authenticate(name, pass string) (*account, bool) {
	s.mu.Lock()
	a := s.accounts[name]
	s.mu.Unlock()
	if a == nil {
		return nil, false
	}
	return a, subtle.ConstantTimeCompare([]byte(pass), []byte(a.user.Pass)) == 1
}

// account returns a user's account by login name, for mechanisms that
// need the stored password (APOP, CRAM-MD5).
func (s *Store) account(name string) *account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.accounts[name]
}

func (s *Store) accountByAddress(addr string) *account {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.byAddr[strings.ToLower(addr)]
}

// appendLocked adds a message to a mailbox and tells the IMAP sessions.
func (m *mailbox) appendLocked(raw []byte, flags []imap.Flag, received time.Time) *message {
	if received.IsZero() {
		received = time.Now()
	}
	msg := &message{uid: m.uidNext, raw: raw, received: received, flags: map[string]imap.Flag{}}
	for _, f := range flags {
		msg.setFlag(f)
	}
	m.uidNext++
	m.messages = append(m.messages, msg)
	m.tracker.QueueNumMessages(uint32(len(m.messages)))
	return msg
}

// removeLocked expunges the messages for which remove says yes and tells
// the IMAP sessions, highest sequence number first so that each number is
// valid when it is queued.
func (m *mailbox) removeLocked(remove func(*message) bool) []imap.UID {
	var removed []imap.UID
	for i := len(m.messages) - 1; i >= 0; i-- {
		msg := m.messages[i]
		if !remove(msg) {
			continue
		}
		m.tracker.QueueExpunge(uint32(i) + 1)
		m.messages = append(m.messages[:i], m.messages[i+1:]...)
		removed = append(removed, msg.uid)
	}
	return removed
}

func (m *mailbox) lastUIDLocked() imap.UID {
	return m.uidNext - 1
}

func (msg *message) setFlag(f imap.Flag) {
	msg.flags[strings.ToLower(string(f))] = canonicalFlag(f)
}

func (msg *message) clearFlag(f imap.Flag) {
	delete(msg.flags, strings.ToLower(string(f)))
}

func (msg *message) hasFlag(f imap.Flag) bool {
	_, ok := msg.flags[strings.ToLower(string(f))]
	return ok
}

// flagList is sorted so that responses do not change from run to run.
func (msg *message) flagList() []imap.Flag {
	list := make([]imap.Flag, 0, len(msg.flags))
	for _, f := range msg.flags {
		list = append(list, f)
	}
	sort.Slice(list, func(i, j int) bool { return list[i] < list[j] })
	return list
}

// canonicalFlag spells system flags the RFC way (\Seen, not \SEEN), so
// FETCH FLAGS output looks like a real server's whatever the client typed.
func canonicalFlag(f imap.Flag) imap.Flag {
	for _, sys := range []imap.Flag{imap.FlagSeen, imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagDraft} {
		if strings.EqualFold(string(f), string(sys)) {
			return sys
		}
	}
	return f
}

// deliver puts a message into a user's INBOX, as the SMTP side does.
func (s *Store) deliver(a *account, raw []byte) imap.UID {
	s.mu.Lock()
	defer s.mu.Unlock()
	inbox := a.mailboxes[inboxName]
	if inbox == nil { // INBOX cannot be deleted, but stay safe
		inbox = s.createMailboxLocked(a, inboxName, "")
	}
	return inbox.appendLocked(raw, nil, time.Now()).uid
}

// StoredMessage is a copy of one stored message, for tests and diagnostics.
type StoredMessage struct {
	UID      uint32
	Flags    []string
	Received time.Time
	Raw      []byte
}

// Deliver adds a message to the INBOX of the user with the given address,
// exactly as an SMTP delivery would (tests use it to seed mailboxes).
func (s *Store) Deliver(address string, raw []byte) error {
	a := s.accountByAddress(address)
	if a == nil {
		return fmt.Errorf("sandbox store: no user with address %q", address)
	}
	s.deliver(a, append([]byte(nil), raw...))
	return nil
}

// Messages lists a user's messages in one mailbox, in mailbox order.
func (s *Store) Messages(user, mailboxName string) ([]StoredMessage, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.mailboxLocked(user, mailboxName)
	if err != nil {
		return nil, err
	}
	out := make([]StoredMessage, len(m.messages))
	for i, msg := range m.messages {
		var flags []string
		for _, f := range msg.flagList() {
			flags = append(flags, string(f))
		}
		out[i] = StoredMessage{UID: uint32(msg.uid), Flags: flags, Received: msg.received, Raw: append([]byte(nil), msg.raw...)}
	}
	return out, nil
}

// Count is the number of messages in a user's mailbox (0 when there is no
// such user or mailbox).
func (s *Store) Count(user, mailboxName string) int {
	msgs, _ := s.Messages(user, mailboxName)
	return len(msgs)
}

// Mailboxes lists a user's mailbox names, sorted.
func (s *Store) Mailboxes(user string) ([]string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[user]
	if a == nil {
		return nil, fmt.Errorf("sandbox store: no user %q", user)
	}
	names := make([]string, 0, len(a.mailboxes))
	for name := range a.mailboxes {
		names = append(names, name)
	}
	sort.Strings(names)
	return names, nil
}

// mailboxLocked finds a user's mailbox for the exported accessors, with
// an error naming what is missing. The caller holds s.mu.
func (s *Store) mailboxLocked(user, mailboxName string) (*mailbox, error) {
	a := s.accounts[user]
	if a == nil {
		return nil, fmt.Errorf("sandbox store: no user %q", user)
	}
	m := a.mailboxes[canonicalMailboxName(mailboxName)]
	if m == nil {
		return nil, fmt.Errorf("sandbox store: user %q has no mailbox %q", user, mailboxName)
	}
	return m, nil
}

// maildropMessage is what a POP3 session sees of one INBOX message: taken
// at login, since POP3 message numbers stay fixed for the whole session.
type maildropMessage struct {
	uid         imap.UID
	uidValidity uint32
	raw         []byte
}

// lockMaildrop takes the POP3 lock and returns the INBOX as the session will
// see it; ok is false when another POP3 session holds the lock.
func (s *Store) lockMaildrop(a *account) (msgs []maildropMessage, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a.maildropLocked {
		return nil, false
	}
	a.maildropLocked = true
	inbox := a.mailboxes[inboxName]
	for _, msg := range inbox.messages {
		msgs = append(msgs, maildropMessage{uid: msg.uid, uidValidity: inbox.uidValidity, raw: msg.raw})
	}
	return msgs, true
}

func (s *Store) unlockMaildrop(a *account) {
	s.mu.Lock()
	a.maildropLocked = false
	s.mu.Unlock()
}

// stillHere is the set of UIDs of msgs that belong to m as it is now: a
// message of an INBOX since re-created (other UIDVALIDITY) is not in it.
func (m *mailbox) stillHere(msgs []maildropMessage) map[imap.UID]bool {
	uids := map[imap.UID]bool{}
	for _, d := range msgs {
		if d.uidValidity == m.uidValidity {
			uids[d.uid] = true
		}
	}
	return uids
}

// expungeMaildrop removes the messages a POP3 session deleted, at QUIT.
// Messages an IMAP client removed meanwhile are simply gone already; a
// message whose INBOX was re-created (other UIDVALIDITY) is left alone.
func (s *Store) expungeMaildrop(a *account, deleted []maildropMessage) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	inbox := a.mailboxes[inboxName]
	gone := inbox.stillHere(deleted)
	return len(inbox.removeLocked(func(msg *message) bool { return gone[msg.uid] }))
}

// markSeenMaildrop sets \Seen, at QUIT, on the messages a POP3 session
// retrieved with RETR: as with Dovecot, mail read over POP3 shows as read
// over IMAP. The IMAP sessions that have INBOX selected are told.
func (s *Store) markSeenMaildrop(a *account, read []maildropMessage) {
	if len(read) == 0 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	inbox := a.mailboxes[inboxName]
	want := inbox.stillHere(read)
	for i, msg := range inbox.messages {
		if want[msg.uid] && !msg.hasFlag(imap.FlagSeen) {
			msg.setFlag(imap.FlagSeen)
			inbox.tracker.QueueMessageFlags(uint32(i+1), msg.uid, msg.flagList(), nil)
		}
	}
}

// Delete expunges one message by UID, as an IMAP UID EXPUNGE would (the
// IMAP sessions with the mailbox selected are told); false when there is
// no such message. A POP3 session that has the maildrop open keeps its
// view until it ends, as with a message another client expunged.
func (s *Store) Delete(user, mailboxName string, uid uint32) (bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	m, err := s.mailboxLocked(user, mailboxName)
	if err != nil {
		return false, err
	}
	removed := m.removeLocked(func(msg *message) bool { return uint32(msg.uid) == uid })
	return len(removed) > 0, nil
}
