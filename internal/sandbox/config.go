package sandbox

import (
	"crypto/rand"
	"encoding/base32"
	"fmt"
	"net"
	"strings"
)

// Listener names, the keys of Config.Faults.
const (
	ListenerSMTP = "smtp"
	ListenerPOP3 = "pop3"
	ListenerIMAP = "imap"
)

var listenerNames = []string{ListenerSMTP, ListenerPOP3, ListenerIMAP}

// The listeners beside the three: implicit TLS and LMTP, each on an
// ephemeral port of its plain listener's host, sharing its faults (they
// are not keys of Config.Faults).
const (
	ListenerSMTPS = "smtps"
	ListenerPOP3S = "pop3s"
	ListenerIMAPS = "imaps"
	ListenerLMTP  = "lmtp"
)

var extraListeners = []struct {
	name, of string
	tls      bool
}{
	{ListenerSMTPS, ListenerSMTP, true},
	{ListenerPOP3S, ListenerPOP3, true},
	{ListenerIMAPS, ListenerIMAP, true},
	{ListenerLMTP, ListenerSMTP, false},
}

// sandboxDomain is the one mail domain the sandbox delivers for. .test is
// reserved (RFC 2606), so it can never be a real destination.
const sandboxDomain = "sandbox.test"

const (
	defaultAddr  = "127.0.0.1:0"
	defaultUsers = 3
	maxUsers     = 10000 // enough for bulk-run tests, small enough to print
)

// Config says what to start. The zero value is a working sandbox: three
// demo users, ephemeral loopback ports, no faults.
type Config struct {
	// Listen addresses, "127.0.0.1:0" when empty (an ephemeral port).
	SMTPAddr, POP3Addr, IMAPAddr string
	// Users is the number of demo users (demo1, demo2, ...); 3 when 0.
	Users int
	// ListenPublic allows addresses other than loopback. The demo users
	// then get random passwords: anyone who can reach the port could
	// otherwise read their mail with the well-known ones.
	ListenPublic bool
	// AllowPlaintextAuth lets clients send passwords before TLS (SMTP AUTH,
	// POP3 USER/PASS and AUTH PLAIN/LOGIN, IMAP LOGIN). Off by default, as
	// on a well-run server: scripts should meet the refusal here first.
	AllowPlaintextAuth bool
	// Faults per listener, keyed by ListenerSMTP, ListenerPOP3, ListenerIMAP.
	Faults map[string][]Fault
	// Logf receives one line per notable event (listening, connections,
	// deliveries, faults firing). Nil means silent.
	Logf func(format string, args ...any)
}

// AddFault adds a fault given on a command line: "LISTENER=SPEC" for one
// listener ("smtp=drip:5ms"), or a bare SPEC for every listener it applies
// to ("bye" for all three, "reject-rcpt" for smtp only).
func (c *Config) AddFault(flag string) error {
	listener, spec, scoped := strings.Cut(flag, "=")
	if !scoped {
		spec = flag
	}
	f, err := ParseFault(spec)
	if err != nil {
		return err
	}
	targets := listenerNames
	if scoped {
		listener = strings.ToLower(strings.TrimSpace(listener))
		if !isListenerName(listener) {
			return fmt.Errorf("fault %q: unknown listener %q: want smtp, pop3 or imap", flag, listener)
		}
		if !f.appliesTo(listener) {
			return fmt.Errorf("fault %q: %s applies only to the smtp listener", flag, f.Kind)
		}
		targets = []string{listener}
	}
	if c.Faults == nil {
		c.Faults = map[string][]Fault{}
	}
	for _, name := range targets {
		if f.appliesTo(name) {
			c.Faults[name] = append(c.Faults[name], f)
		}
	}
	return nil
}

func isListenerName(s string) bool {
	for _, n := range listenerNames {
		if s == n {
			return true
		}
	}
	return false
}

// resolved is the config with defaults applied and everything checked.
type resolved struct {
	addrs  map[string]string
	users  int
	faults map[string]faultSet
}

func (c Config) resolve() (resolved, error) {
	r := resolved{
		addrs: map[string]string{
			ListenerSMTP: c.SMTPAddr,
			ListenerPOP3: c.POP3Addr,
			ListenerIMAP: c.IMAPAddr,
		},
		users:  c.Users,
		faults: map[string]faultSet{},
	}
	for name, addr := range r.addrs {
		if addr == "" {
			addr = defaultAddr
			r.addrs[name] = addr
		}
		if err := checkListenAddr(name, addr, c.ListenPublic); err != nil {
			return resolved{}, err
		}
	}
	switch {
	case r.users == 0:
		r.users = defaultUsers
	case r.users < 0 || r.users > maxUsers:
		return resolved{}, fmt.Errorf("sandbox users: %d is out of range 1..%d", c.Users, maxUsers)
	}
	for name := range c.Faults {
		if !isListenerName(name) {
			return resolved{}, fmt.Errorf("sandbox faults: unknown listener %q: want smtp, pop3 or imap", name)
		}
	}
	for _, name := range listenerNames {
		set, err := newFaultSet(name, c.Faults[name])
		if err != nil {
			return resolved{}, fmt.Errorf("sandbox faults: %w", err)
		}
		r.faults[name] = set
	}
	return r, nil
}

// checkListenAddr refuses anything but a loopback address unless public
// listening was asked for: a sandbox with well-known passwords must not be
// reachable from the network by accident. An empty host (":2525") means
// every interface, so it is public too.
func checkListenAddr(listener, addr string, listenPublic bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("sandbox %s address %q: %w", listener, addr, err)
	}
	if listenPublic {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	ip := net.ParseIP(host)
	if ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("sandbox %s address %q is not a loopback address: the sandbox has well-known passwords, so it listens on loopback only unless --listen-public is given", listener, addr)
	}
	return nil
}

// User is a demo mailbox owner.
type User struct {
	Name    string // login name, "demo1"
	Pass    string // password
	Address string // "demo1@sandbox.test"
}

// demoUsers makes demo1..demoN. On loopback the passwords are fixed and
// well known ("demo1-pass"), so a README and a test can use them; with a
// public listener they are random.
func demoUsers(n int, random bool) []User {
	users := make([]User, n)
	for i := range users {
		name := fmt.Sprintf("demo%d", i+1)
		pass := name + "-pass"
		if random {
			pass = randomPassword()
		}
		users[i] = User{Name: name, Pass: pass, Address: name + "@" + sandboxDomain}
	}
	return users
}

func randomPassword() string {
	var b [10]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err) // crypto/rand does not fail on supported platforms
	}
	return strings.ToLower(base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:]))
}
