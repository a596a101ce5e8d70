package sandbox

import (
	"bufio"
	"crypto/md5"
	"crypto/subtle"
	"crypto/tls"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// The POP3 side is written here: RFC 1939 (the protocol), RFC 2449 (CAPA,
// response codes), RFC 2595 (STLS), RFC 5034 (SASL AUTH), RFC 3206
// ([SYS/TEMP], [AUTH]). It is small, and no kept Go library has a server.

const (
	// pop3Autologout is RFC 1939's inactivity timer: at least 10 minutes.
	pop3Autologout = 10 * time.Minute
	// pop3MaxLine bounds a command line. RFC 2449 allows 255 octets; AUTH
	// initial responses and sloppy clients get some slack.
	pop3MaxLine = 4096
)

type pop3Server struct {
	store              *Store
	tlsConfig          *tls.Config
	faults             *liveFaults
	allowPlaintextAuth bool
	logf               func(string, ...any)
}

// serve accepts until the listener is closed; spawn runs each session on a
// goroutine that Server.Close waits for.
func (p *pop3Server) serve(ln net.Listener, spawn func(func())) {
	for {
		c, err := ln.Accept()
		if err != nil {
			return
		}
		spawn(func() { p.newSession(c).run() })
	}
}

type pop3State int

const (
	pop3Authorization pop3State = iota
	pop3Transaction
)

// pop3Session is one connection. Message numbers, sizes and the deleted
// marks belong to the session: the maildrop is taken at login and only
// changed in the store by a successful QUIT.
type pop3Session struct {
	server    *pop3Server
	conn      net.Conn
	r         *bufio.Reader
	w         *bufio.Writer
	label     string
	isTLS     bool
	timestamp string // the APOP challenge sent in the greeting
	state     pop3State
	userArg   string // from USER, awaiting PASS

	account  *account
	messages []maildropMessage
	deleted  []bool
	// retrieved: RETR'd since login or the last RSET; QUIT sets \Seen on
	// them, as Dovecot does (TOP does not count).
	retrieved []bool
}

// pop3Error is a refusal: its text goes after "-ERR ".
type pop3Error struct{ text string }

func (e *pop3Error) Error() string { return e.text }

var errPOP3AuthFailed = &pop3Error{"[AUTH] Authentication failed"}

func (p *pop3Server) newSession(c net.Conn) *pop3Session {
	_, implicit := c.(*tls.Conn) // the pop3s listener: TLS from the first byte
	return &pop3Session{
		isTLS:     implicit,
		server:    p,
		conn:      c,
		r:         bufio.NewReaderSize(c, pop3MaxLine),
		w:         bufio.NewWriter(c),
		label:     connLabel(ListenerPOP3, c),
		timestamp: newChallenge(),
	}
}

func (s *pop3Session) run() {
	defer func() {
		s.conn.Close()
		if s.account != nil {
			// A session that ends without QUIT (dropped, timed out, server
			// closing) commits nothing: RFC 1939 section 6.
			s.server.store.unlockMaildrop(s.account)
		}
	}()
	s.ok("%s POP3 sandbox ready %s", sandboxDomain, s.timestamp)
	s.w.Flush()
	for {
		s.conn.SetReadDeadline(time.Now().Add(pop3Autologout))
		line, err := s.readLine()
		if err != nil {
			if errors.Is(err, bufio.ErrBufferFull) {
				s.fail("command line too long")
				s.w.Flush()
			}
			return
		}
		quit := s.dispatch(line)
		// Under PIPELINING the replies to a batch go out together.
		if s.r.Buffered() == 0 || quit {
			if err := s.w.Flush(); err != nil {
				return
			}
		}
		if quit {
			return
		}
	}
}

func (s *pop3Session) readLine() (string, error) {
	line, err := s.r.ReadSlice('\n')
	if err != nil {
		return "", err
	}
	return strings.TrimRight(string(line), "\r\n"), nil
}

func (s *pop3Session) ok(format string, args ...any) {
	fmt.Fprintf(s.w, "+OK "+format+"\r\n", args...)
}

func (s *pop3Session) fail(format string, args ...any) {
	fmt.Fprintf(s.w, "-ERR "+format+"\r\n", args...)
}

func (s *pop3Session) failWith(err error) {
	var perr *pop3Error
	if errors.As(err, &perr) {
		s.fail("%s", perr.text)
		return
	}
	s.fail("%s", err)
}

// dispatch runs one command and reports whether the session is over.
func (s *pop3Session) dispatch(line string) (quit bool) {
	verb, arg, _ := strings.Cut(line, " ")
	verb = strings.ToUpper(verb)
	if verb == "QUIT" {
		s.quit()
		return true
	}
	if verb == "CAPA" {
		s.capa()
		return false
	}
	if s.state == pop3Authorization {
		switch verb {
		case "STLS":
			return s.stls()
		case "USER":
			s.user(arg)
		case "PASS":
			s.pass(arg)
		case "APOP":
			s.apop(arg)
		case "AUTH":
			s.auth(arg)
		case "STAT", "LIST", "UIDL", "RETR", "TOP", "DELE", "RSET", "NOOP":
			s.fail("%s is valid only after login", verb)
		default:
			s.fail("unknown command %q", verb)
		}
		return false
	}
	switch verb {
	case "STAT":
		count, size := s.totals()
		s.ok("%d %d", count, size)
	case "LIST":
		s.list(arg)
	case "UIDL":
		s.uidl(arg)
	case "RETR":
		s.retr(arg)
	case "TOP":
		s.top(arg)
	case "DELE":
		s.dele(arg)
	case "RSET":
		for i := range s.deleted {
			s.deleted[i] = false
			s.retrieved[i] = false
		}
		count, size := s.totals()
		s.ok("maildrop has %d messages (%d octets)", count, size)
	case "NOOP":
		s.ok("")
	case "STLS", "USER", "PASS", "APOP", "AUTH":
		s.fail("already logged in")
	default:
		s.fail("unknown command %q", verb)
	}
	return false
}

// plaintextAllowed says whether a password may be sent in the clear now.
func (s *pop3Session) plaintextAllowed() bool {
	return s.isTLS || s.server.allowPlaintextAuth
}

func (s *pop3Session) mechanisms() []string {
	if s.plaintextAllowed() {
		return saslMechanisms
	}
	return digestMechanisms // they send no password
}

func (s *pop3Session) capa() {
	s.ok("Capability list follows")
	caps := []string{"TOP", "UIDL", "RESP-CODES", "AUTH-RESP-CODE", "PIPELINING"}
	if s.state == pop3Authorization {
		if s.plaintextAllowed() {
			caps = append(caps, "USER")
		}
		caps = append(caps, "SASL "+strings.Join(s.mechanisms(), " "))
		if !s.isTLS && s.server.tlsConfig != nil {
			caps = append(caps, "STLS")
		}
	}
	caps = append(caps, "IMPLEMENTATION mailexpect-sandbox")
	for _, c := range caps {
		s.w.WriteString(c + "\r\n")
	}
	s.w.WriteString(".\r\n")
}

// stls upgrades the connection (RFC 2595). Anything the client sent after
// STLS and before the handshake is thrown away, never read as a command:
// that is the CVE-2011-0411 class of plaintext injection.
func (s *pop3Session) stls() (quit bool) {
	if s.isTLS {
		s.fail("already using TLS")
		return false
	}
	s.ok("Begin TLS negotiation")
	if err := s.w.Flush(); err != nil {
		return true
	}
	if n := s.r.Buffered(); n > 0 {
		s.server.logf("%s: discarded %d bytes sent before the TLS handshake", s.label, n)
	}
	tlsConn := tls.Server(s.conn, s.server.tlsConfig)
	s.conn.SetDeadline(time.Now().Add(time.Minute))
	if err := tlsConn.Handshake(); err != nil {
		s.server.logf("%s: TLS handshake failed: %v", s.label, err)
		return true
	}
	s.conn.SetDeadline(time.Time{})
	s.conn = tlsConn
	s.r = bufio.NewReaderSize(tlsConn, pop3MaxLine)
	s.w = bufio.NewWriter(tlsConn)
	s.isTLS = true
	s.userArg = ""
	return false
}

const plaintextRefusal = "[AUTH] Plaintext authentication disallowed on non-secure connections: use STLS first"

func (s *pop3Session) user(arg string) {
	if !s.plaintextAllowed() {
		s.fail("%s", plaintextRefusal)
		return
	}
	if arg == "" {
		s.fail("USER needs a name")
		return
	}
	s.userArg = arg
	s.ok("send PASS")
}

func (s *pop3Session) pass(arg string) {
	if s.userArg == "" {
		s.fail("USER first")
		return
	}
	name := s.userArg
	s.userArg = ""
	a, ok := s.server.store.authenticate(name, arg)
	if !ok {
		s.failWith(errPOP3AuthFailed)
		return
	}
	s.finishLogin(a, "USER/PASS")
}

// apop is RFC 1939 section 7: the digest is MD5 over the greeting's
// timestamp followed by the password, in lower-case hex.
func (s *pop3Session) apop(arg string) {
	name, digest, ok := strings.Cut(arg, " ")
	if !ok {
		s.fail("APOP needs a name and a digest")
		return
	}
	a := s.server.store.account(name)
	if a == nil {
		s.failWith(errPOP3AuthFailed)
		return
	}
	sum := md5.Sum([]byte(s.timestamp + a.user.Pass))
	want := hex.EncodeToString(sum[:])
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(digest)), []byte(want)) != 1 {
		s.failWith(errPOP3AuthFailed)
		return
	}
	s.finishLogin(a, "APOP")
}

// auth is RFC 5034: "AUTH mech [initial-response]", challenges as
// "+ base64", "*" cancels. A bare AUTH lists the mechanisms.
func (s *pop3Session) auth(arg string) {
	if arg == "" {
		s.ok("")
		for _, m := range s.mechanisms() {
			s.w.WriteString(m + "\r\n")
		}
		s.w.WriteString(".\r\n")
		return
	}
	mech, initial, hasInitial := strings.Cut(arg, " ")
	mech = strings.ToUpper(mech)
	allowed := false
	for _, m := range s.mechanisms() {
		allowed = allowed || m == mech
	}
	if !allowed {
		if !s.plaintextAllowed() && slices.Contains(saslMechanisms, mech) {
			s.fail("%s", plaintextRefusal)
		} else {
			s.fail("unsupported SASL mechanism %s", mech)
		}
		return
	}
	var loggedIn *account
	l := saslLogin{
		store:      s.server.store,
		authFailed: errPOP3AuthFailed,
		login: func(a *account) error {
			loggedIn = a
			return nil
		},
	}
	server, _ := l.newServer(mech)
	var response []byte
	if hasInitial {
		var err error
		if response, err = decodeSASLResponse(initial); err != nil {
			s.fail("malformed base64 in the initial response")
			return
		}
	}
	for {
		challenge, done, err := server.Next(response)
		if err != nil {
			s.failWith(err)
			return
		}
		if done {
			break
		}
		s.w.WriteString("+ " + base64.StdEncoding.EncodeToString(challenge) + "\r\n")
		if err := s.w.Flush(); err != nil {
			return
		}
		line, err := s.readLine()
		if err != nil {
			s.fail("AUTH interrupted")
			return
		}
		if line == "*" {
			s.fail("AUTH cancelled")
			return
		}
		if response, err = decodeSASLResponse(line); err != nil {
			s.fail("malformed base64 in the response")
			return
		}
	}
	s.finishLogin(loggedIn, "AUTH "+mech)
}

func decodeSASLResponse(s string) ([]byte, error) {
	if s == "=" {
		return []byte{}, nil
	}
	return base64.StdEncoding.DecodeString(s)
}

// finishLogin takes the maildrop lock and enters the transaction state.
func (s *pop3Session) finishLogin(a *account, how string) {
	if s.server.faults.get().tempfail {
		s.server.logf("%s: fault tempfail: refusing the login of %s", s.label, a.user.Name)
		s.fail("[SYS/TEMP] sandbox fault tempfail: try again later")
		return
	}
	msgs, ok := s.server.store.lockMaildrop(a)
	if !ok {
		s.fail("[IN-USE] maildrop of %s is locked by another POP3 session", a.user.Name)
		return
	}
	s.account = a
	s.messages = msgs
	s.deleted = make([]bool, len(msgs))
	s.retrieved = make([]bool, len(msgs))
	s.state = pop3Transaction
	s.server.logf("%s: logged in as %s (%s), %d messages", s.label, a.user.Name, how, len(msgs))
	count, size := s.totals()
	s.ok("Logged in, %s has %d messages (%d octets)", a.user.Name, count, size)
}

func (s *pop3Session) totals() (count, size int) {
	for i, m := range s.messages {
		if !s.deleted[i] {
			count++
			size += len(m.raw)
		}
	}
	return count, size
}

// message resolves a message-number argument; on failure it has already
// answered.
func (s *pop3Session) message(arg string) (int, bool) {
	n, err := strconv.Atoi(arg)
	if err != nil || n < 1 || n > len(s.messages) {
		s.fail("no such message %q", arg)
		return 0, false
	}
	if s.deleted[n-1] {
		s.fail("message %d already deleted", n)
		return 0, false
	}
	return n - 1, true
}

func (s *pop3Session) list(arg string) {
	if arg != "" {
		if i, ok := s.message(arg); ok {
			s.ok("%d %d", i+1, len(s.messages[i].raw))
		}
		return
	}
	count, size := s.totals()
	s.ok("%d messages (%d octets)", count, size)
	for i, m := range s.messages {
		if !s.deleted[i] {
			fmt.Fprintf(s.w, "%d %d\r\n", i+1, len(m.raw))
		}
	}
	s.w.WriteString(".\r\n")
}

// uniqueID is stable across sessions and protocols: UIDVALIDITY.UID of
// the INBOX message, so a script can match POP3 UIDL to IMAP UIDs.
func (m maildropMessage) uniqueID() string {
	return fmt.Sprintf("%d.%d", m.uidValidity, m.uid)
}

func (s *pop3Session) uidl(arg string) {
	if arg != "" {
		if i, ok := s.message(arg); ok {
			s.ok("%d %s", i+1, s.messages[i].uniqueID())
		}
		return
	}
	s.ok("unique-id listing follows")
	for i, m := range s.messages {
		if !s.deleted[i] {
			fmt.Fprintf(s.w, "%d %s\r\n", i+1, m.uniqueID())
		}
	}
	s.w.WriteString(".\r\n")
}

func (s *pop3Session) retr(arg string) {
	i, ok := s.message(arg)
	if !ok {
		return
	}
	raw := s.messages[i].raw
	s.retrieved[i] = true
	s.ok("%d octets", len(raw))
	writeDotStuffed(s.w, raw)
}

// top sends the header, the empty line and the first n body lines.
func (s *pop3Session) top(arg string) {
	msgArg, linesArg, _ := strings.Cut(arg, " ")
	n, err := strconv.Atoi(linesArg)
	if err != nil || n < 0 {
		s.fail("TOP needs a message number and a non-negative line count")
		return
	}
	i, ok := s.message(msgArg)
	if !ok {
		return
	}
	s.ok("top of message follows")
	writeDotStuffed(s.w, headerAndLines(s.messages[i].raw, n))
}

func (s *pop3Session) dele(arg string) {
	i, ok := s.message(arg)
	if !ok {
		return
	}
	s.deleted[i] = true
	s.ok("message %d deleted", i+1)
}

// quit ends the session; in the transaction state it is the UPDATE state
// of RFC 1939: only now do the deletions reach the store.
func (s *pop3Session) quit() {
	if s.state != pop3Transaction {
		s.ok("%s POP3 sandbox signing off", sandboxDomain)
		return
	}
	var gone, read []maildropMessage
	for i, m := range s.messages {
		switch {
		case s.deleted[i]:
			gone = append(gone, m)
		case s.retrieved[i]:
			read = append(read, m)
		}
	}
	removed := s.server.store.expungeMaildrop(s.account, gone)
	s.server.store.markSeenMaildrop(s.account, read)
	// Unlock before answering, so that a client that logs in again right
	// after the +OK finds the maildrop free.
	s.server.store.unlockMaildrop(s.account)
	s.account = nil
	s.server.logf("%s: QUIT: %d messages deleted", s.label, removed)
	s.ok("%s POP3 sandbox signing off (%d messages deleted)", sandboxDomain, len(gone))
}

// writeDotStuffed writes a multi-line body (RFC 1939 section 3): a dot
// doubled at the start of every line, a CRLF added if the message lacks a
// final one, then the terminating ".".
func writeDotStuffed(w *bufio.Writer, body []byte) {
	atLineStart := true
	for _, b := range body {
		if atLineStart && b == '.' {
			w.WriteByte('.')
		}
		w.WriteByte(b)
		atLineStart = b == '\n'
	}
	if !atLineStart {
		w.WriteString("\r\n")
	}
	w.WriteString(".\r\n")
}

// headerAndLines is TOP's view of a message: everything up to and
// including the empty line that ends the header, then n more lines.
func headerAndLines(raw []byte, n int) []byte {
	end := 0
	inHeader := true
	for end < len(raw) {
		next := end
		for next < len(raw) && raw[next] != '\n' {
			next++
		}
		if next < len(raw) {
			next++ // include the LF
		}
		line := raw[end:next]
		if inHeader {
			if len(strings.TrimRight(string(line), "\r\n")) == 0 {
				inHeader = false
			}
		} else {
			if n == 0 {
				break
			}
			n--
		}
		end = next
	}
	return raw[:end]
}
