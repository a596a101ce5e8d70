package mailstack

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// ErrUnavailable means the servers cannot run on this host at all: the
// Debian packages are missing, or the process is not root. Tests skip on
// it (see Require); every other Start error is a real failure.
var ErrUnavailable = errors.New("mailstack: mail servers not available")

// ErrNotInstalled means a binary or system account of the Debian packages
// is missing. Errors wrapping it also wrap ErrUnavailable.
var ErrNotInstalled = errors.New("dovecot/postfix packages not installed (run .ci/install-servers as root)")

// ErrNotRoot means the process is not root. Errors wrapping it also wrap
// ErrUnavailable. Both servers must start as root: they bind, read the TLS
// key and switch to their own accounts themselves.
var ErrNotRoot = errors.New("must run as root (Dovecot and Postfix start as root and drop privileges themselves)")

// A User is one mailbox of a stack.
type User struct {
	Name     string // login name: "user1"
	Address  string // "user1@mailstack.test"
	Password string
}

// A Stack is a running Dovecot + Postfix pair. Everything it has (config,
// TLS files, mailboxes, queue, logs, pid files) lives in Dir; nothing is
// written to /etc or /var, and every port is on 127.0.0.1.
type Stack struct {
	Dir      string // state directory, removed by Stop
	Host     string // "127.0.0.1"
	Domain   string // mail domain; userK@Domain and userK@localhost are userK
	Password string // every user's password
	CAFile   string // PEM file of the CA that signed the servers' certificate
	Users    []User // user1 … userN

	// Addresses ("127.0.0.1:port") of the services.
	SMTP       string // Postfix, MX-like: no AUTH needed for local users, STARTTLS optional
	Submission string // Postfix: STARTTLS required, then AUTH required
	SMTPS      string // Postfix: implicit TLS, AUTH required
	POP3       string // Dovecot: STLS optional; USER/PASS, APOP, AUTH PLAIN LOGIN CRAM-MD5
	POP3S      string // Dovecot: implicit TLS
	IMAP       string // Dovecot: STARTTLS optional; LOGIN, AUTHENTICATE PLAIN LOGIN CRAM-MD5
	IMAPS      string // Dovecot: implicit TLS
	LMTP       string // Dovecot: Postfix's delivery path; tests may use it directly
	LMTPSocket string // Dovecot's LMTP on a Unix-domain socket (path)

	// StartTime is how long Start took.
	StartTime time.Duration

	opts     Options
	instance string
	tls      tlsFiles
	ca       *x509.Certificate
	vmail    ids
	port     ports
	dovecot  proc // the masters, once running
	postfix  proc
	seq      atomic.Uint64 // seeded message counter
	taken    atomic.Int64  // users handed out by TakeUser
	stopOnce sync.Once
	stopErr  error
}

type ids struct{ uid, gid int }

// Where Debian puts things. The protocol binaries are checked too: a
// Dovecot without dovecot-pop3d fails at start with a config error, which
// would read as a bug rather than as a missing package.
var (
	dovecotBin    = "/usr/sbin/dovecot"
	postfixBin    = "/usr/sbin/postfix"
	requiredFiles = []string{
		dovecotBin, postfixBin,
		"/usr/lib/dovecot/imap", "/usr/lib/dovecot/imap-login",
		"/usr/lib/dovecot/pop3", "/usr/lib/dovecot/pop3-login",
		"/usr/lib/dovecot/lmtp", "/usr/lib/postfix/sbin/master",
	}
)

// checkHost reports whether the servers can run here at all.
func checkHost(files []string) (vmail ids, err error) {
	for _, f := range files {
		if _, err := os.Stat(f); err != nil {
			return vmail, fmt.Errorf("%w: %w: %s missing", ErrUnavailable, ErrNotInstalled, f)
		}
	}
	if os.Geteuid() != 0 {
		return vmail, fmt.Errorf("%w: %w (euid %d)", ErrUnavailable, ErrNotRoot, os.Geteuid())
	}
	// Accounts created by the packages; "mail" (uid 8) exists on every Debian.
	for _, name := range []string{"mail", "dovecot", "dovenull", "postfix"} {
		u, err := user.Lookup(name)
		if err != nil {
			return vmail, fmt.Errorf("%w: %w: no user %q", ErrUnavailable, ErrNotInstalled, name)
		}
		if name == "mail" {
			vmail.uid, _ = strconv.Atoi(u.Uid)
			vmail.gid, _ = strconv.Atoi(u.Gid)
		}
	}
	for _, name := range []string{"dovecot", "postdrop"} {
		if _, err := user.LookupGroup(name); err != nil {
			return vmail, fmt.Errorf("%w: %w: no group %q", ErrUnavailable, ErrNotInstalled, name)
		}
	}
	if vmail.uid == 0 {
		return vmail, errors.New("mailstack: user mail has uid 0; Dovecot refuses mail access as root")
	}
	return vmail, nil
}

// Start starts a new stack and returns once every service accepts
// connections. Call Stop when done. If the servers cannot run here, the
// error wraps ErrUnavailable (and ErrNotInstalled or ErrNotRoot).
func Start(opts Options) (*Stack, error) {
	t0 := time.Now()
	opts, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	vmail, err := checkHost(requiredFiles)
	if err != nil {
		return nil, err
	}
	reapStale()
	dir, err := makeStateDir()
	if err != nil {
		return nil, err
	}
	s := &Stack{
		Dir:      dir,
		Host:     "127.0.0.1",
		Domain:   opts.Domain,
		Password: opts.Password,
		opts:     opts,
		instance: filepath.Base(dir),
		vmail:    vmail,
	}
	if err := s.prepare(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	register(s)
	// Free ports are found by binding port 0 and closing again, so another
	// process (another test package) may take one before a server binds it.
	// That shows as "Address already in use"; start again on new ports.
	const attempts = 3
	for attempt := 1; ; attempt++ {
		err = s.startServers()
		if err == nil {
			break
		}
		stopErr := s.stopServers()
		if errors.Is(err, errPortTaken) && attempt < attempts && stopErr == nil {
			continue
		}
		unregister(s)
		if stopErr != nil {
			return nil, fmt.Errorf("%w; stopping what had started failed too: %v (state dir kept)", err, stopErr)
		}
		return nil, fmt.Errorf("%w (state dir kept: %s)", err, dir)
	}
	s.StartTime = time.Since(t0)
	return s, nil
}

var pathRE = regexp.MustCompile(`^[A-Za-z0-9_./-]+$`)

// maxDirLen bounds the state directory's path. A unix socket path holds
// at most 108 bytes, and Dovecot's longest socket is
// DIR/dovecot/run/token-login/imap-urlauth.
const maxDirLen = 70

// makeStateDir creates a fresh, short, world-traversable directory under
// os.TempDir() (or /tmp if that is too long or not usable by the servers'
// own accounts) and marks it with its owner, so that a later Start can
// clean up after a test binary that was killed.
func makeStateDir() (string, error) {
	base := os.TempDir()
	if b, err := filepath.EvalSymlinks(base); err == nil {
		base = b
	}
	if len(base)+len("/mailstack-1234567890") > maxDirLen || !pathRE.MatchString(base) || traversable(base) != nil {
		base = "/tmp"
	}
	dir, err := os.MkdirTemp(base, "mailstack-")
	if err != nil {
		return "", fmt.Errorf("mailstack: state dir: %w", err)
	}
	// MkdirTemp makes it 0700; mail, dovecot and postfix must traverse it.
	if err := os.Chmod(dir, 0o755); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("mailstack: state dir: %w", err)
	}
	if err := traversable(dir); err != nil {
		os.RemoveAll(dir)
		return "", err
	}
	me, _ := readProc(os.Getpid())
	owner := fmt.Sprintf("%d %d\n", me.pid, me.start)
	if err := os.WriteFile(filepath.Join(dir, "owner"), []byte(owner), 0o644); err != nil {
		os.RemoveAll(dir)
		return "", fmt.Errorf("mailstack: state dir: %w", err)
	}
	return dir, nil
}

// traversable checks that the servers' unprivileged accounts can reach
// dir: every directory on the way needs the "others" execute bit (/root,
// 0700, does not have it).
func traversable(dir string) error {
	for d := dir; ; d = filepath.Dir(d) {
		fi, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("mailstack: %w", err)
		}
		if fi.Mode().Perm()&0o001 == 0 {
			return fmt.Errorf("mailstack: %s is not world-traversable (o+x), so the mail, dovecot and postfix users cannot reach %s", d, dir)
		}
		if d == "/" {
			return nil
		}
	}
}

// prepare writes everything that does not depend on the ports: the
// directory tree, TLS files, users and empty Maildirs.
func (s *Stack) prepare() error {
	d := s.Dir
	for _, sub := range []string{"tls", "log", "mail", "dovecot/run", "dovecot/lib", "postfix/etc", "postfix/spool", "postfix/data"} {
		if err := os.MkdirAll(filepath.Join(d, sub), 0o755); err != nil {
			return fmt.Errorf("mailstack: %w", err)
		}
	}
	// Postfix's master takes its lock in data_directory as mail_owner.
	pf, err := user.Lookup("postfix")
	if err != nil {
		return fmt.Errorf("mailstack: %w", err)
	}
	pfUID, _ := strconv.Atoi(pf.Uid)
	pfGID, _ := strconv.Atoi(pf.Gid)
	if err := os.Chown(filepath.Join(d, "postfix/data"), pfUID, pfGID); err != nil {
		return fmt.Errorf("mailstack: %w", err)
	}

	tf, ca, err := writeTLS(filepath.Join(d, "tls"), s.Domain)
	if err != nil {
		return fmt.Errorf("mailstack: TLS: %w", err)
	}
	s.tls, s.ca, s.CAFile = tf, ca, tf.CA

	// passwd-file lines: name:{PLAIN}password:uid:gid::home::
	var users, vmailbox strings.Builder
	for i := 1; i <= s.opts.Users; i++ {
		name := "user" + strconv.Itoa(i)
		s.Users = append(s.Users, User{Name: name, Address: name + "@" + s.Domain, Password: s.Password})
		home := filepath.Join(d, "mail", name)
		fmt.Fprintf(&users, "%s:{PLAIN}%s:%d:%d::%s::\n", name, s.Password, s.vmail.uid, s.vmail.gid, home)
		fmt.Fprintf(&vmailbox, "%s@%s OK\n%s@localhost OK\n", name, s.Domain, name)
		// Dovecot would create Maildirs lazily; Seed and Mailbox want them now.
		for _, sub := range []string{"", "Maildir", "Maildir/cur", "Maildir/new", "Maildir/tmp"} {
			p := filepath.Join(home, sub)
			if err := os.Mkdir(p, 0o700); err != nil {
				return fmt.Errorf("mailstack: %w", err)
			}
			if err := os.Chown(p, s.vmail.uid, s.vmail.gid); err != nil {
				return fmt.Errorf("mailstack: %w", err)
			}
		}
	}
	if err := os.Chown(filepath.Join(d, "mail"), s.vmail.uid, s.vmail.gid); err != nil {
		return fmt.Errorf("mailstack: %w", err)
	}
	usersFile := filepath.Join(d, "dovecot", "users")
	if err := os.WriteFile(usersFile, []byte(users.String()), 0o640); err != nil {
		return fmt.Errorf("mailstack: %w", err)
	}
	g, err := user.LookupGroup("dovecot")
	if err != nil {
		return fmt.Errorf("mailstack: %w", err)
	}
	gid, _ := strconv.Atoi(g.Gid)
	if err := os.Chown(usersFile, 0, gid); err != nil {
		return fmt.Errorf("mailstack: %w", err)
	}
	// texthash needs no postmap run.
	return os.WriteFile(filepath.Join(d, "postfix", "etc", "vmailbox"), []byte(vmailbox.String()), 0o644)
}

var errPortTaken = errors.New("port taken by another process")

// startServers starts Dovecot, then Postfix (which needs Dovecot's SASL
// and LMTP), on fresh ports, and waits until every port accepts.
func (s *Stack) startServers() error {
	p, err := s.opts.pickPorts()
	if err != nil {
		return err
	}
	s.port = p
	addr := func(port int) string { return net.JoinHostPort(s.Host, strconv.Itoa(port)) }
	s.SMTP, s.Submission, s.SMTPS = addr(p.SMTP), addr(p.Submission), addr(p.SMTPS)
	s.POP3, s.POP3S, s.IMAP, s.IMAPS, s.LMTP = addr(p.POP3), addr(p.POP3S), addr(p.IMAP), addr(p.IMAPS), addr(p.LMTP)
	s.LMTPSocket = filepath.Join(s.Dir, "dovecot", "run", "lmtp")
	if err := s.writeConfig(p); err != nil {
		return err
	}
	marks := s.logMarks()

	// A stale master.pid naming a live (recycled) pid makes Dovecot
	// refuse to start ("already running").
	os.Remove(filepath.Join(s.Dir, "dovecot", "run", "master.pid"))
	if err := s.daemon("dovecot", dovecotBin, "-c", filepath.Join(s.Dir, "dovecot", "dovecot.conf")); err != nil {
		return s.startError(marks, "dovecot: %v", err)
	}
	if s.dovecot, err = waitMaster(filepath.Join(s.Dir, "dovecot", "run", "master.pid"), filepath.Join(s.Dir, "dovecot", "run")); err != nil {
		return s.startError(marks, "dovecot: %v", err)
	}
	if err := s.daemon("postfix", postfixBin, "-c", filepath.Join(s.Dir, "postfix", "etc"), "start"); err != nil {
		return s.startError(marks, "postfix: %v", err)
	}
	if s.postfix, err = waitMaster(filepath.Join(s.Dir, "postfix", "spool", "pid", "master.pid"), filepath.Join(s.Dir, "postfix", "spool")); err != nil {
		return s.startError(marks, "postfix: %v", err)
	}
	if err := s.waitListening(10 * time.Second); err != nil {
		return s.startError(marks, "%v", err)
	}
	return nil
}

// daemon runs a server's start command and waits for it to exit (both
// daemonize). Its stdin is /dev/null and its output goes to a file, never
// to a pipe of ours: Dovecot's master and log process keep the stderr they
// were started with, so a pipe would never see EOF.
func (s *Stack) daemon(name, bin string, args ...string) error {
	logFile := filepath.Join(s.Dir, "log", name+"-start.log")
	f, err := os.OpenFile(logFile, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer f.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = f, f
	cmd.Dir = s.Dir
	cmd.Env = []string{"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C"}
	// Its own process group: a ^C meant for `go test` should not reach
	// the daemons before Main's handler stops them in order.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s %s: %w", bin, strings.Join(args, " "), err)
	}
	return nil
}

// waitMaster waits for a master's pid file to name a live process that
// runs in dir.
func waitMaster(pidFile, dir string) (proc, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		if p, ok := masterFromPidFile(pidFile, dir); ok {
			return p, nil
		}
		if time.Now().After(deadline) {
			return proc{}, fmt.Errorf("no running master after 5s (pid file %s)", pidFile)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// waitListening dials every port until it accepts, and fails early if a
// master died.
func (s *Stack) waitListening(limit time.Duration) error {
	pending := map[string]string{
		"SMTP": s.SMTP, "submission": s.Submission, "SMTPS": s.SMTPS,
		"POP3": s.POP3, "POP3S": s.POP3S, "IMAP": s.IMAP, "IMAPS": s.IMAPS, "LMTP": s.LMTP,
		"Dovecot SASL": net.JoinHostPort(s.Host, strconv.Itoa(s.port.Auth)),
	}
	deadline := time.Now().Add(limit)
	for {
		for name, a := range pending {
			if c, err := net.DialTimeout("tcp", a, 200*time.Millisecond); err == nil {
				c.Close()
				delete(pending, name)
			}
		}
		if len(pending) == 0 {
			return nil
		}
		if !s.dovecot.alive() {
			return errors.New("dovecot master exited")
		}
		if !s.postfix.alive() {
			return errors.New("postfix master exited")
		}
		if time.Now().After(deadline) {
			var miss []string
			for name, a := range pending {
				miss = append(miss, name+" "+a)
			}
			return fmt.Errorf("not accepting connections after %v: %s", limit, strings.Join(miss, ", "))
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freePorts asks the kernel for nine distinct free ports on 127.0.0.1.
// All listeners stay open until all ports are known, so they differ.
func freePorts() (ports, error) {
	var ls []net.Listener
	defer func() {
		for _, l := range ls {
			l.Close()
		}
	}()
	var nums []int
	for range 9 {
		l, err := net.Listen("tcp4", "127.0.0.1:0")
		if err != nil {
			return ports{}, fmt.Errorf("mailstack: find a free port: %w", err)
		}
		ls = append(ls, l)
		nums = append(nums, l.Addr().(*net.TCPAddr).Port)
	}
	return ports{SMTP: nums[0], Submission: nums[1], SMTPS: nums[2], POP3: nums[3], POP3S: nums[4],
		IMAP: nums[5], IMAPS: nums[6], LMTP: nums[7], Auth: nums[8]}, nil
}

// The log files; logMarks remembers their sizes so that a start error
// quotes only what this attempt logged.
var logNames = []string{"dovecot-start.log", "dovecot.log", "postfix-start.log", "postfix.log"}

func (s *Stack) logMarks() map[string]int64 {
	m := make(map[string]int64)
	for _, n := range logNames {
		if fi, err := os.Stat(filepath.Join(s.Dir, "log", n)); err == nil {
			m[n] = fi.Size()
		}
	}
	return m
}

// startError builds an error that says what failed, quotes the tail of
// what the servers logged since marks, and names the log directory. It
// wraps errPortTaken when a port was taken.
func (s *Stack) startError(marks map[string]int64, format string, args ...any) error {
	var b strings.Builder
	taken := false
	for _, n := range logNames {
		data, err := os.ReadFile(filepath.Join(s.Dir, "log", n))
		if err != nil || int64(len(data)) <= marks[n] {
			continue
		}
		data = data[marks[n]:]
		if strings.Contains(string(data), "Address already in use") {
			taken = true
		}
		fmt.Fprintf(&b, "\n--- %s (tail) ---\n%s", n, tailLines(string(data), 15))
	}
	msg := fmt.Sprintf(format, args...)
	logs := filepath.Join(s.Dir, "log")
	if taken {
		return fmt.Errorf("mailstack: %s: %w (logs: %s)%s", msg, errPortTaken, logs, b.String())
	}
	return fmt.Errorf("mailstack: %s (logs: %s)%s", msg, logs, b.String())
}

func tailLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// LogTail returns the last n lines of each server's log, for a test's
// failure message.
func (s *Stack) LogTail(n int) string {
	var b strings.Builder
	for _, name := range []string{"dovecot.log", "postfix.log"} {
		data, err := os.ReadFile(filepath.Join(s.Dir, "log", name))
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "--- %s ---\n%s\n", filepath.Join(s.Dir, "log", name), tailLines(string(data), n))
	}
	return b.String()
}

// CertPool returns a pool holding the stack's CA, for tls.Config.RootCAs.
func (s *Stack) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(s.ca)
	return p
}

// TLSConfig returns a new client configuration that verifies the servers'
// certificate against the stack's CA, for the name "localhost". The
// certificate is also valid for mail.<Domain> and 127.0.0.1.
func (s *Stack) TLSConfig() *tls.Config {
	return &tls.Config{RootCAs: s.CertPool(), ServerName: "localhost"}
}

// User returns the user with the given name ("user3") or address.
func (s *Stack) User(name string) (User, bool) {
	for _, u := range s.Users {
		if u.Name == name || u.Address == name {
			return u, true
		}
	}
	return User{}, false
}
