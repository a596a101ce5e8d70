package sandbox

import (
	"crypto/tls"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// The SMTP side is emersion/go-smtp's server with a backend that delivers
// into the Store. It is an MX for sandbox.test and nothing else: mail for
// local users is accepted with or without AUTH, mail for any other domain
// is refused whoever asks — the sandbox never relays.

const (
	smtpMaxMessageBytes = 10 << 20 // advertised as SIZE 10485760
	smtpMaxRecipients   = 100      // RFC 5321 section 4.5.3.1.8 minimum
)

func newSMTPServer(store *Store, tlsConfig *tls.Config, faults *liveFaults, allowPlaintextAuth bool, logf func(string, ...any)) *smtp.Server {
	be := &smtpBackend{store: store, faults: faults, logf: logf}
	s := smtp.NewServer(be)
	s.Domain = sandboxDomain
	s.TLSConfig = tlsConfig
	// go-smtp neither advertises nor accepts AUTH before STARTTLS unless
	// this is set; a refused AUTH gets "523 5.7.10 TLS is required".
	s.AllowInsecureAuth = allowPlaintextAuth
	s.MaxMessageBytes = smtpMaxMessageBytes
	s.MaxRecipients = smtpMaxRecipients
	s.ReadTimeout = 5 * time.Minute
	s.WriteTimeout = 5 * time.Minute
	s.ErrorLog = libraryLogger{prefix: "smtp: ", logf: logf}
	return s
}

type smtpBackend struct {
	store  *Store
	faults *liveFaults
	logf   func(string, ...any)
}

func (b *smtpBackend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &smtpSession{backend: b, label: connLabel(ListenerSMTP, c.Conn())}, nil
}

// smtpSession is one SMTP session, reset by go-smtp after each message and
// replaced after STARTTLS.
type smtpSession struct {
	backend    *smtpBackend
	label      string
	authed     *account
	from       string
	recipients []*account
}

var _ smtp.AuthSession = (*smtpSession)(nil)

func (s *smtpSession) AuthMechanisms() []string { return saslMechanisms }

func (s *smtpSession) Auth(mech string) (sasl.Server, error) {
	l := saslLogin{
		store:      s.backend.store,
		authFailed: smtp.ErrAuthFailed,
		login: func(a *account) error {
			s.authed = a
			s.backend.logf("%s: authenticated as %s (%s)", s.label, a.user.Name, mech)
			return nil
		},
	}
	server, err := l.newServer(mech)
	if err != nil {
		return nil, smtp.ErrAuthUnknownMechanism
	}
	return server, nil
}

func (s *smtpSession) Mail(from string, opts *smtp.MailOptions) error {
	if s.backend.faults.get().tempfail {
		s.backend.logf("%s: fault tempfail: MAIL FROM:<%s> answered 451", s.label, from)
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "sandbox fault tempfail: try again later"}
	}
	s.from = from
	s.recipients = nil
	return nil
}

func (s *smtpSession) Rcpt(to string, opts *smtp.RcptOptions) error {
	if s.backend.faults.get().rejectRcpt {
		s.backend.logf("%s: fault reject-rcpt: RCPT TO:<%s> answered 550", s.label, to)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: fmt.Sprintf("<%s>: sandbox fault reject-rcpt: recipient refused", to)}
	}
	at := strings.LastIndexByte(to, '@')
	if at < 0 || !strings.EqualFold(to[at+1:], sandboxDomain) {
		s.backend.logf("%s: relay refused: RCPT TO:<%s>", s.label, to)
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 7, 1}, Message: fmt.Sprintf("<%s>: Relay access denied: the sandbox delivers only to @%s and never relays", to, sandboxDomain)}
	}
	a := s.backend.store.accountByAddress(to)
	if a == nil {
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: fmt.Sprintf("<%s>: Recipient address rejected: no such user here", to)}
	}
	for _, r := range s.recipients {
		if r == a {
			return nil // one copy per mailbox, as an MTA does
		}
	}
	s.recipients = append(s.recipients, a)
	return nil
}

// Data stores the message exactly as received (after dot-unstuffing): no
// Received or Return-Path header is added, so what a script sends is
// byte for byte what POP3 RETR and IMAP FETCH give back.
func (s *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	for _, a := range s.recipients {
		uid := s.backend.store.deliver(a, raw)
		s.backend.logf("%s: delivered a message from <%s> to %s (%d bytes, INBOX uid %d)", s.label, s.from, a.user.Address, len(raw), uid)
	}
	return nil
}

func (s *smtpSession) Reset() {
	s.from = ""
	s.recipients = nil
}

func (s *smtpSession) Logout() error { return nil }

// libraryLogger routes the libraries' own error logs to Config.Logf.
type libraryLogger struct {
	prefix string
	logf   func(string, ...any)
}

func (l libraryLogger) Printf(format string, args ...any) { l.logf(l.prefix+format, args...) }
func (l libraryLogger) Println(args ...any) {
	l.logf("%s", l.prefix+strings.TrimSuffix(fmt.Sprintln(args...), "\n"))
}
