package sandbox

import (
	"crypto/tls"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-sasl"
)

// The IMAP side is emersion/go-imap v2's imapserver (wire protocol,
// STARTTLS, LOGIN/AUTHENTICATE, IDLE, the per-session view of sequence
// numbers) with a backend over the sandbox Store. imapmemserver was the
// obvious store, but it keeps message bytes unexported: POP3 could not read
// them, and there would be two stores. This backend follows its shape.

func newIMAPServer(store *Store, tlsConfig *tls.Config, faults *liveFaults, allowPlaintextAuth bool, logf func(string, ...any), sessions *sessionCounter) *imapserver.Server {
	backend := &imapBackend{store: store, faults: faults, logf: logf}
	return imapserver.New(&imapserver.Options{
		NewSession: func(c *imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			if !sessions.begin() {
				return nil, nil, &imap.Error{Type: imap.StatusResponseTypeBye, Text: "sandbox shutting down"}
			}
			return &imapSession{backend: backend, label: connLabel(ListenerIMAP, c.NetConn()), end: sessions.end}, nil, nil
		},
		Caps: imap.CapSet{
			imap.CapIMAP4rev1:   {},
			imap.CapNamespace:   {},
			imap.CapUIDPlus:     {},
			imap.CapMove:        {},
			imap.CapESearch:     {},
			imap.CapSpecialUse:  {},
			imap.CapLiteralPlus: {},
		},
		Logger:       libraryLogger{prefix: "imap: ", logf: logf},
		TLSConfig:    tlsConfig,
		InsecureAuth: allowPlaintextAuth,
	})
}

type imapBackend struct {
	store  *Store
	faults *liveFaults
	logf   func(string, ...any)
}

// imapSession is one IMAP connection's state.
type imapSession struct {
	backend  *imapBackend
	label    string
	end      func()
	account  *account
	selected *selectedMailbox
}

// selectedMailbox is a session's view of its selected mailbox. The tracker
// maps the store's sequence numbers to the ones this client knows, which
// lag behind until EXISTS and EXPUNGE are sent. Every tracker call except
// Poll and Idle is made under Store.mu, in step with the changes it
// describes.
type selectedMailbox struct {
	mbox     *mailbox
	tracker  *imapserver.SessionTracker
	readOnly bool
}

var (
	_ imapserver.SessionIMAP4rev2   = (*imapSession)(nil)
	_ imapserver.SessionSASL        = (*imapSession)(nil)
	_ imapserver.SessionAppendLimit = (*imapSession)(nil)
)

func (s *imapSession) Close() error {
	if s.selected != nil {
		s.selected.tracker.Close()
		s.selected = nil
	}
	s.end()
	return nil
}

func (s *imapSession) store() *Store { return s.backend.store }

// lockMailbox takes the store's lock and finds the account's mailbox
// called name, nil when there is none. The caller releases the lock with
// the function it returns, whether or not the mailbox was found.
func (s *imapSession) lockMailbox(name string) (*mailbox, func()) {
	st := s.store()
	st.mu.Lock()
	return s.account.mailboxes[canonicalMailboxName(name)], st.mu.Unlock
}

// loginAs ends a successful authentication, or turns it into the tempfail
// fault's refusal.
func (s *imapSession) loginAs(a *account, how string) error {
	if s.backend.faults.get().tempfail {
		s.backend.logf("%s: fault tempfail: refusing the login of %s", s.label, a.user.Name)
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeUnavailable, Text: "sandbox fault tempfail: try again later"}
	}
	s.account = a
	s.backend.logf("%s: logged in as %s (%s)", s.label, a.user.Name, how)
	return nil
}

func (s *imapSession) Login(username, password string) error {
	a, ok := s.store().authenticate(username, password)
	if !ok {
		return imapserver.ErrAuthFailed
	}
	return s.loginAs(a, "LOGIN")
}

func (s *imapSession) AuthenticateMechanisms() []string { return saslMechanisms }

func (s *imapSession) Authenticate(mech string) (sasl.Server, error) {
	l := saslLogin{
		store:      s.store(),
		authFailed: imapserver.ErrAuthFailed,
		login:      func(a *account) error { return s.loginAs(a, "AUTHENTICATE "+strings.ToUpper(mech)) },
	}
	server, err := l.newServer(mech)
	if err != nil {
		return nil, &imap.Error{Type: imap.StatusResponseTypeNo, Text: err.Error()}
	}
	return server, nil
}

// AppendLimit matches the SMTP side's SIZE, instead of imapserver's 100 MiB.
func (s *imapSession) AppendLimit() uint32 { return smtpMaxMessageBytes }

func (s *imapSession) Namespace() (*imap.NamespaceData, error) {
	return &imap.NamespaceData{Personal: []imap.NamespaceDescriptor{{Delim: mailboxDelim}}}, nil
}

func errNoMailbox(name string) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeNonExistent, Text: fmt.Sprintf("no mailbox %q", name)}
}

func errTryCreate(name string) error {
	return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeTryCreate, Text: fmt.Sprintf("no mailbox %q", name)}
}

var errReadOnly = &imap.Error{Type: imap.StatusResponseTypeNo, Code: "READ-ONLY", Text: "mailbox is read-only (opened with EXAMINE)"}

var systemFlags = []imap.Flag{imap.FlagAnswered, imap.FlagFlagged, imap.FlagDeleted, imap.FlagSeen, imap.FlagDraft}

func (s *imapSession) Select(name string, options *imap.SelectOptions) (*imap.SelectData, error) {
	m, unlock := s.lockMailbox(name)
	defer unlock()
	if m == nil {
		return nil, errNoMailbox(name)
	}
	if s.selected != nil {
		s.selected.tracker.Close()
	}
	s.selected = &selectedMailbox{mbox: m, tracker: m.tracker.NewSession(), readOnly: options.ReadOnly}

	flags := append([]imap.Flag(nil), systemFlags...)
	keywords := map[imap.Flag]bool{}
	var firstUnseen uint32
	for i, msg := range m.messages {
		for _, f := range msg.flagList() {
			if !strings.HasPrefix(string(f), `\`) && !keywords[f] {
				keywords[f] = true
				flags = append(flags, f)
			}
		}
		if firstUnseen == 0 && !msg.hasFlag(imap.FlagSeen) {
			firstUnseen = uint32(i) + 1
		}
	}
	var permanent []imap.Flag
	if !options.ReadOnly {
		permanent = append(append(permanent, flags...), imap.FlagWildcard)
	}
	return &imap.SelectData{
		Flags:             flags,
		PermanentFlags:    permanent,
		NumMessages:       uint32(len(m.messages)),
		FirstUnseenSeqNum: firstUnseen,
		UIDNext:           m.uidNext,
		UIDValidity:       m.uidValidity,
	}, nil
}

func (s *imapSession) Unselect() error {
	if s.selected != nil {
		s.selected.tracker.Close()
		s.selected = nil
	}
	return nil
}

func (s *imapSession) Create(name string, options *imap.CreateOptions) error {
	name = canonicalMailboxName(name)
	if name == "" {
		return &imap.Error{Type: imap.StatusResponseTypeBad, Text: "empty mailbox name"}
	}
	st := s.store()
	st.mu.Lock()
	defer st.mu.Unlock()
	if s.account.mailboxes[name] != nil {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: fmt.Sprintf("mailbox %q already exists", name)}
	}
	var specialUse imap.MailboxAttr
	if options != nil && len(options.SpecialUse) > 0 {
		specialUse = options.SpecialUse[0]
	}
	st.createMailboxLocked(s.account, name, specialUse)
	return nil
}

func (s *imapSession) Delete(name string) error {
	name = canonicalMailboxName(name)
	if name == inboxName {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "INBOX cannot be deleted"}
	}
	st := s.store()
	st.mu.Lock()
	defer st.mu.Unlock()
	if s.account.mailboxes[name] == nil {
		return errNoMailbox(name)
	}
	delete(s.account.mailboxes, name)
	return nil
}

func (s *imapSession) Rename(oldName, newName string, options *imap.RenameOptions) error {
	oldName, newName = canonicalMailboxName(oldName), canonicalMailboxName(newName)
	if oldName == inboxName {
		// RFC 3501 makes this move INBOX's messages; the sandbox does not
		// implement that special case.
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeCannot, Text: "renaming INBOX is not supported by the sandbox"}
	}
	st := s.store()
	st.mu.Lock()
	defer st.mu.Unlock()
	m := s.account.mailboxes[oldName]
	if m == nil {
		return errNoMailbox(oldName)
	}
	if newName == "" || s.account.mailboxes[newName] != nil {
		return &imap.Error{Type: imap.StatusResponseTypeNo, Code: imap.ResponseCodeAlreadyExists, Text: fmt.Sprintf("mailbox %q already exists", newName)}
	}
	delete(s.account.mailboxes, oldName)
	m.name = newName
	s.account.mailboxes[newName] = m
	return nil
}

func (s *imapSession) setSubscribed(name string, subscribed bool) error {
	m, unlock := s.lockMailbox(name)
	defer unlock()
	if m == nil {
		return errNoMailbox(name)
	}
	m.subscribed = subscribed
	return nil
}

func (s *imapSession) Subscribe(name string) error   { return s.setSubscribed(name, true) }
func (s *imapSession) Unsubscribe(name string) error { return s.setSubscribed(name, false) }

func (s *imapSession) List(w *imapserver.ListWriter, ref string, patterns []string, options *imap.ListOptions) error {
	if len(patterns) == 0 {
		// LIST "" "" asks for the hierarchy delimiter.
		return w.WriteList(&imap.ListData{Attrs: []imap.MailboxAttr{imap.MailboxAttrNoSelect}, Delim: mailboxDelim})
	}
	st := s.store()
	st.mu.Lock()
	var list []imap.ListData
	for name, m := range s.account.mailboxes {
		matched := false
		for _, p := range patterns {
			matched = matched || imapserver.MatchList(name, mailboxDelim, ref, p)
		}
		if !matched || (options.SelectSubscribed && !m.subscribed) || (options.SelectSpecialUse && m.specialUse == "") {
			continue
		}
		data := imap.ListData{Mailbox: name, Delim: mailboxDelim}
		if hasChildrenLocked(s.account, name) {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasChildren)
		} else {
			data.Attrs = append(data.Attrs, imap.MailboxAttrHasNoChildren)
		}
		if m.specialUse != "" {
			data.Attrs = append(data.Attrs, m.specialUse)
		}
		if m.subscribed && (options.SelectSubscribed || options.ReturnSubscribed) {
			data.Attrs = append(data.Attrs, imap.MailboxAttrSubscribed)
		}
		if options.ReturnStatus != nil {
			data.Status = m.statusLocked(options.ReturnStatus)
		}
		list = append(list, data)
	}
	st.mu.Unlock()
	sort.Slice(list, func(i, j int) bool { return list[i].Mailbox < list[j].Mailbox })
	for i := range list {
		if err := w.WriteList(&list[i]); err != nil {
			return err
		}
	}
	return nil
}

func hasChildrenLocked(a *account, name string) bool {
	prefix := name + string(mailboxDelim)
	for other := range a.mailboxes {
		if strings.HasPrefix(other, prefix) {
			return true
		}
	}
	return false
}

func (s *imapSession) Status(name string, options *imap.StatusOptions) (*imap.StatusData, error) {
	m, unlock := s.lockMailbox(name)
	defer unlock()
	if m == nil {
		return nil, errNoMailbox(name)
	}
	return m.statusLocked(options), nil
}

func (m *mailbox) statusLocked(options *imap.StatusOptions) *imap.StatusData {
	data := &imap.StatusData{Mailbox: m.name}
	count := func(flag imap.Flag) uint32 {
		var n uint32
		for _, msg := range m.messages {
			if msg.hasFlag(flag) {
				n++
			}
		}
		return n
	}
	if options.NumMessages {
		n := uint32(len(m.messages))
		data.NumMessages = &n
	}
	if options.NumRecent {
		var n uint32
		data.NumRecent = &n
	}
	if options.UIDNext {
		data.UIDNext = m.uidNext
	}
	if options.UIDValidity {
		data.UIDValidity = m.uidValidity
	}
	if options.NumUnseen {
		n := uint32(len(m.messages)) - count(imap.FlagSeen)
		data.NumUnseen = &n
	}
	if options.NumDeleted {
		n := count(imap.FlagDeleted)
		data.NumDeleted = &n
	}
	if options.Size {
		var size int64
		for _, msg := range m.messages {
			size += int64(len(msg.raw))
		}
		data.Size = &size
	}
	return data
}

func (s *imapSession) Append(name string, r imap.LiteralReader, options *imap.AppendOptions) (*imap.AppendData, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	m, unlock := s.lockMailbox(name)
	defer unlock()
	if m == nil {
		return nil, errTryCreate(name)
	}
	msg := m.appendLocked(raw, options.Flags, options.Time)
	return &imap.AppendData{UID: msg.uid, UIDValidity: m.uidValidity}, nil
}

func (s *imapSession) Poll(w *imapserver.UpdateWriter, allowExpunge bool) error {
	if s.selected == nil {
		return nil
	}
	return s.selected.tracker.Poll(w, allowExpunge)
}

func (s *imapSession) Idle(w *imapserver.UpdateWriter, stop <-chan struct{}) error {
	if s.selected == nil {
		<-stop
		return nil
	}
	// Not tracker.Idle: it waits for the next notification and never
	// reports an update queued before IDLE began (a delivery between
	// SELECT and IDLE stayed unseen until the one after it). Polling the
	// queue every idlePoll loses nothing and costs a sandbox little.
	for {
		if err := s.selected.tracker.Poll(w, true); err != nil {
			return err
		}
		select {
		case <-stop:
			return nil
		case <-time.After(idlePoll):
		}
	}
}

// idlePoll is how often an idling IMAP session looks for new updates.
const idlePoll = 50 * time.Millisecond
