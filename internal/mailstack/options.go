package mailstack

import (
	"fmt"
	"regexp"
	"time"
)

// Options configures a stack. The zero value is a good test stack.
type Options struct {
	// Users is the number of mailboxes, named user1 … userN (default 10).
	Users int
	// Password is every user's password (default "secret"). Letters,
	// digits and ._+=- only: it is written into a passwd-file.
	Password string
	// Domain is the mail domain (default "mailstack.test"). Mail to
	// userK@Domain and userK@localhost is delivered to userK.
	Domain string
	// AuthFailureDelay is how long Dovecot waits before it answers a failed
	// login, rounded up to whole seconds (Dovecot knows no finer unit).
	// Dovecot's own default is 2 s; the stack uses 0 so that tests of
	// wrong passwords stay fast. Even at 0, Dovecot 2.3 answers a failed
	// login only at the next tick of a 500 ms timer in its auth process,
	// so expect about half a second. Set it to test a client's patience.
	AuthFailureDelay time.Duration

	// PostfixTLS12 makes Postfix speak TLS 1.2 at most on every port, so a
	// client's minimum version (min_version = "1.3") can be seen to
	// refuse a real server. Dovecot keeps TLS 1.3.
	PostfixTLS12 bool

	// pickPorts chooses the ports of a start attempt (default freePorts);
	// tests use it to provoke a port clash.
	pickPorts func() (ports, error)
}

var (
	// A passwd-file line is colon-separated; a quote is allowed so tests can
	// prove that clients quote passwords (IMAP LOGIN) or send literals.
	passwordRE = regexp.MustCompile(`^[A-Za-z0-9._+="-]+$`)
	domainRE   = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$`)
)

// withDefaults fills in the defaults and checks what will end up in the
// servers' configuration files.
func (o Options) withDefaults() (Options, error) {
	if o.Users == 0 {
		o.Users = 10
	}
	if o.Password == "" {
		o.Password = "secret"
	}
	if o.Domain == "" {
		o.Domain = "mailstack.test"
	}
	if o.pickPorts == nil {
		o.pickPorts = freePorts
	}
	switch {
	case o.Users < 1 || o.Users > 100000:
		return o, fmt.Errorf("mailstack: Options.Users = %d, want 1..100000", o.Users)
	case !passwordRE.MatchString(o.Password):
		return o, fmt.Errorf("mailstack: Options.Password %q: use letters, digits and ._+=\"- only", o.Password)
	case !domainRE.MatchString(o.Domain):
		return o, fmt.Errorf("mailstack: Options.Domain %q: want a lower-case dotted name", o.Domain)
	case o.AuthFailureDelay < 0:
		return o, fmt.Errorf("mailstack: Options.AuthFailureDelay %v is negative", o.AuthFailureDelay)
	}
	return o, nil
}

// authFailureDelaySecs is AuthFailureDelay in whole seconds, rounded up.
func (o Options) authFailureDelaySecs() int {
	return int((o.AuthFailureDelay + time.Second - 1) / time.Second)
}
