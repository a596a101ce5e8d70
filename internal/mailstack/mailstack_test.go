package mailstack

import (
	"bytes"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/asn1"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/testclient"
)

func TestMain(m *testing.M) { os.Exit(Main(m)) }

var msgSeq atomic.Int64

// message returns a small message with a subject unique to this test run.
func message(t *testing.T, to string) (subject string, raw []byte) {
	subject = fmt.Sprintf("%s %d-%d", t.Name(), os.Getpid(), msgSeq.Add(1))
	raw = []byte("From: sender@example.test\r\n" +
		"To: " + to + "\r\n" +
		"Subject: " + subject + "\r\n" +
		"Message-ID: <" + strings.NewReplacer("/", ".", " ", ".").Replace(subject) + "@example.test>\r\n" +
		"Date: " + time.Now().Format(time.RFC1123Z) + "\r\n" +
		"\r\n" +
		"Body of " + subject + ".\r\n" +
		".a line that starts with a dot\r\n")
	return subject, raw
}

// send runs one mail transaction on an established client and quits.
func send(t *testing.T, c *smtp.Client, from, to string, msg []byte) {
	t.Helper()
	if err := c.Mail(from); err != nil {
		t.Fatalf("MAIL FROM: %v", err)
	}
	if err := c.Rcpt(to); err != nil {
		t.Fatalf("RCPT TO: %v", err)
	}
	w, err := c.Data()
	if err != nil {
		t.Fatalf("DATA: %v", err)
	}
	if _, err := w.Write(msg); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatalf("end of DATA: %v", err)
	}
	if err := c.Quit(); err != nil {
		t.Fatalf("QUIT: %v", err)
	}
}

func smtpDial(t *testing.T, addr string) *smtp.Client {
	t.Helper()
	c, err := smtp.NewClient(dial(t, addr), "127.0.0.1")
	if err != nil {
		t.Fatalf("SMTP greeting from %s: %v", addr, err)
	}
	if err := c.Hello("client.example.test"); err != nil {
		t.Fatalf("EHLO: %v", err)
	}
	return c
}

// readBack finds the message with subject in user's INBOX over POP3,
// POP3S, IMAP and IMAPS, and checks it arrived intact.
func readBack(t *testing.T, s *Stack, u User, subject string) {
	t.Helper()
	check := func(proto, msg string) {
		t.Helper()
		if !strings.Contains(msg, "Body of "+subject+".") || !strings.Contains(msg, "\n.a line that starts with a dot") {
			t.Errorf("%s: message %q arrived damaged:\n%s", proto, subject, msg)
		}
	}
	// Each reader returns the message with subject, as its protocol shows it.
	pop3Read := func(c net.Conn) (string, error) {
		p := testclient.NewPOP3(t, c)
		defer p.OK("QUIT")
		p.Login(u.Name, u.Password)
		msg, ok := findSubject(p, subject)
		if !ok {
			return "", fmt.Errorf("no message with subject %q for %s", subject, u.Name)
		}
		return string(msg), nil
	}
	imapRead := func(c net.Conn) (string, error) {
		m := testclient.NewIMAP(t, c)
		defer m.OK("LOGOUT")
		imapLogin(m, u.Name, u.Password)
		uids := searchSubject(m, subject)
		if len(uids) != 1 {
			return "", fmt.Errorf("UID SEARCH for %q found %v, want one message", subject, uids)
		}
		return fetch(m, uids[0]), nil
	}
	for _, v := range []struct {
		proto string
		conn  func() net.Conn
		read  func(net.Conn) (string, error)
	}{
		{"POP3", func() net.Conn { return dial(t, s.POP3) }, pop3Read},
		{"POP3S", func() net.Conn { return dialTLS(t, s.POP3S, s.TLSConfig()) }, pop3Read},
		{"IMAP", func() net.Conn { return dial(t, s.IMAP) }, imapRead},
		{"IMAPS", func() net.Conn { return dialTLS(t, s.IMAPS, s.TLSConfig()) }, imapRead},
	} {
		msg, err := v.read(v.conn())
		if err != nil {
			t.Errorf("%s: %v", v.proto, err)
			continue
		}
		check(v.proto, msg)
	}
}

// TestSendAndReadBack sends one message over each SMTP entry point and
// reads each back over POP3, POP3S, IMAP and IMAPS.
func TestSendAndReadBack(t *testing.T) {
	s := Require(t)
	sender := s.Users[0]
	cases := []struct {
		name string
		send func(t *testing.T, to string, msg []byte)
	}{
		{"SMTP no AUTH", func(t *testing.T, to string, msg []byte) {
			c := smtpDial(t, s.SMTP)
			send(t, c, "someone@example.test", to, msg)
		}},
		{"SMTP to user+tag@localhost", func(t *testing.T, to string, msg []byte) {
			c := smtpDial(t, s.SMTP)
			send(t, c, "someone@example.test", strings.Replace(to, "@"+s.Domain, "+tag@localhost", 1), msg)
		}},
		{"submission STARTTLS AUTH PLAIN", func(t *testing.T, to string, msg []byte) {
			c := smtpDial(t, s.Submission)
			if ok, _ := c.Extension("AUTH"); ok {
				t.Error("submission offers AUTH before STARTTLS")
			}
			if err := c.StartTLS(s.TLSConfig()); err != nil {
				t.Fatalf("STARTTLS: %v", err)
			}
			if err := c.Auth(smtp.PlainAuth("", sender.Name, sender.Password, "127.0.0.1")); err != nil {
				t.Fatalf("AUTH PLAIN: %v", err)
			}
			send(t, c, sender.Address, to, msg)
		}},
		{"submission STARTTLS AUTH CRAM-MD5", func(t *testing.T, to string, msg []byte) {
			c := smtpDial(t, s.Submission)
			if err := c.StartTLS(s.TLSConfig()); err != nil {
				t.Fatalf("STARTTLS: %v", err)
			}
			if err := c.Auth(smtp.CRAMMD5Auth(sender.Name, sender.Password)); err != nil {
				t.Fatalf("AUTH CRAM-MD5: %v", err)
			}
			send(t, c, sender.Address, to, msg)
		}},
		{"SMTPS AUTH PLAIN", func(t *testing.T, to string, msg []byte) {
			c, err := smtp.NewClient(dialTLS(t, s.SMTPS, s.TLSConfig()), "localhost")
			if err != nil {
				t.Fatalf("SMTPS greeting: %v", err)
			}
			if err := c.Hello("client.example.test"); err != nil {
				t.Fatal(err)
			}
			if err := c.Auth(smtp.PlainAuth("", sender.Name, sender.Password, "localhost")); err != nil {
				t.Fatalf("AUTH PLAIN: %v", err)
			}
			send(t, c, sender.Address, to, msg)
		}},
		{"LMTP", func(t *testing.T, to string, msg []byte) {
			c := textproto.NewConn(dial(t, s.LMTP))
			step := func(code int, format string, args ...any) {
				t.Helper()
				if format != "" {
					if err := c.PrintfLine(format, args...); err != nil {
						t.Fatal(err)
					}
				}
				if _, _, err := c.ReadResponse(code); err != nil {
					t.Fatalf("LMTP %q: %v", format, err)
				}
			}
			step(220, "")
			step(250, "LHLO client.example.test")
			step(250, "MAIL FROM:<someone@example.test>")
			step(250, "RCPT TO:<%s>", to)
			step(354, "DATA")
			w := c.DotWriter()
			w.Write(msg)
			w.Close()
			step(250, "") // one reply per recipient
			step(221, "QUIT")
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			rcpt := s.TakeUser(t)
			subject, msg := message(t, rcpt.Address)
			tc.send(t, rcpt.Address, msg)
			if _, err := s.WaitDelivered(rcpt.Name, 1, 10*time.Second); err != nil {
				t.Fatal(err)
			}
			readBack(t, s, rcpt, subject)
		})
	}
}

// TestSTARTTLS checks POP3 STLS and IMAP STARTTLS, verifying the server
// against the CA file, and that the chain is leaf + a distinct CA.
func TestSTARTTLS(t *testing.T) {
	s := Require(t)
	u := s.Users[0]
	cfg := &tls.Config{ServerName: "mail." + s.Domain, RootCAs: s.CertPool()}

	p := testclient.NewPOP3(t, dial(t, s.POP3))
	tc := p.STLS(cfg)
	p.Login(u.Name, u.Password)
	p.Stat()
	p.OK("QUIT")
	chain := tc.ConnectionState().VerifiedChains[0]
	if len(chain) != 2 || !chain[1].IsCA || chain[0].Equal(chain[1]) {
		t.Errorf("verified chain has %d certificates, want server certificate + CA", len(chain))
	}

	m := testclient.NewIMAP(t, dial(t, s.IMAP))
	m.OK("STARTTLS")
	m.StartTLS(cfg)
	imapLogin(m, u.Name, u.Password)
	m.OK("LOGOUT")
}

// TestLoginMechanisms: APOP, CRAM-MD5 and PLAIN log in; a wrong password
// is refused at once, and does not slow down the next good login.
func TestLoginMechanisms(t *testing.T) {
	s := Require(t)
	u := s.Users[1]

	t.Run("POP3 APOP", func(t *testing.T) {
		p := testclient.NewPOP3(t, dial(t, s.POP3))
		i, j := strings.Index(p.Greeting, "<"), strings.LastIndex(p.Greeting, ">")
		if i < 0 || j < i {
			t.Fatalf("no APOP timestamp in greeting %q", p.Greeting)
		}
		sum := md5.Sum([]byte(p.Greeting[i:j+1] + u.Password))
		p.OK("APOP " + u.Name + " " + hex.EncodeToString(sum[:]))
		p.Stat()
		p.OK("QUIT")
	})
	t.Run("POP3 AUTH CRAM-MD5", func(t *testing.T) {
		p := testclient.NewPOP3(t, dial(t, s.POP3))
		line := p.Cmd("AUTH CRAM-MD5")
		if !strings.HasPrefix(line, "+ ") {
			t.Fatalf("AUTH CRAM-MD5: %q", line)
		}
		p.OK(b64(testclient.CRAMMD5(u.Name, u.Password, unb64(t, line[2:]))))
		p.Stat()
		p.OK("QUIT")
	})
	t.Run("IMAP AUTHENTICATE CRAM-MD5", func(t *testing.T) {
		m := testclient.NewIMAP(t, dial(t, s.IMAP))
		_, status := m.Run(func(ch string) string { return b64(testclient.CRAMMD5(u.Name, u.Password, unb64(t, ch))) }, "AUTHENTICATE CRAM-MD5")
		if !strings.HasPrefix(status, "OK") {
			t.Fatalf("AUTHENTICATE CRAM-MD5: %q", status)
		}
		m.OK("LOGOUT")
	})
	t.Run("IMAP AUTHENTICATE PLAIN", func(t *testing.T) {
		m := testclient.NewIMAP(t, dial(t, s.IMAP))
		_, status := m.Run(func(string) string { return b64("\x00" + u.Name + "\x00" + u.Password) }, "AUTHENTICATE PLAIN")
		if !strings.HasPrefix(status, "OK") {
			t.Fatalf("AUTHENTICATE PLAIN: %q", status)
		}
		m.OK("LOGOUT")
	})
	t.Run("wrong password", func(t *testing.T) {
		// Dovecot 2.3 answers a failure on a 500 ms timer even with
		// auth_failure_delay = 0; the default 2 s would be too slow.
		timed := func(what string, max time.Duration, f func()) {
			t.Helper()
			start := time.Now()
			f()
			if d := time.Since(start); d > max {
				t.Errorf("%s took %v, want at most %v", what, d, max)
			}
		}
		// Limits with room for a loaded CI machine, yet below the 2 s that
		// Dovecot's default delay or the anvil penalty would cost.
		timed("POP3 PASS with a wrong password", 1500*time.Millisecond, func() {
			p := testclient.NewPOP3(t, dial(t, s.POP3))
			p.OK("USER " + u.Name)
			if line := p.Cmd("PASS wrong-" + u.Password); !strings.HasPrefix(line, "-ERR") {
				t.Fatalf("PASS with a wrong password: %q", line)
			}
		})
		timed("IMAP LOGIN with a wrong password", 1500*time.Millisecond, func() {
			m := testclient.NewIMAP(t, dial(t, s.IMAP))
			if _, status := m.Run(nil, "LOGIN "+u.Name+" wrong"); !strings.HasPrefix(status, "NO") {
				t.Fatalf("LOGIN with a wrong password: %q", status)
			}
		})
		// Without the anvil auth penalty, failures do not slow down the
		// next good login from the same IP.
		timed("a good POP3 login right after two failures", 1500*time.Millisecond, func() {
			p := testclient.NewPOP3(t, dial(t, s.POP3))
			p.Login(u.Name, u.Password)
			p.OK("QUIT")
		})
	})
}

// TestRefusals: the stack behaves like a real MX, not an open relay.
func TestRefusals(t *testing.T) {
	s := Require(t)
	code := func(err error) int {
		var te *textproto.Error
		if errors.As(err, &te) {
			return te.Code
		}
		return 0
	}
	c := smtpDial(t, s.SMTP)
	if err := c.Mail("someone@example.test"); err != nil {
		t.Fatal(err)
	}
	if err := c.Rcpt("nobody@" + s.Domain); code(err) != 550 {
		t.Errorf("RCPT to an unknown user: %v, want 550", err)
	}
	if err := c.Rcpt("someone@elsewhere.example"); code(err) != 554 {
		t.Errorf("RCPT to another domain without AUTH: %v, want 554 (relay denied)", err)
	}
	c.Quit()

	c = smtpDial(t, s.Submission)
	if err := c.Mail(s.Users[0].Address); code(err) != 530 {
		t.Errorf("submission MAIL without STARTTLS: %v, want 530", err)
	}
}

// TestSeed checks Seed and SeedN against what POP3 and IMAP see.
func TestSeed(t *testing.T) {
	s := Require(t)
	u := s.TakeUser(t)
	if err := s.SeedN(u.Name, 5); err != nil {
		t.Fatal(err)
	}
	raw := []byte("From: a@example.test\nSubject: raw seed\n\nline 1\n.line 2\n")
	if err := s.Seed(u.Address, raw); err != nil {
		t.Fatal(err)
	}
	paths, err := s.Mailbox(u.Name)
	if err != nil || len(paths) != 6 {
		t.Fatalf("Mailbox: %d paths, %v; want 6", len(paths), err)
	}
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != s.vmail.uid || int(st.Gid) != s.vmail.gid {
			t.Errorf("%s owned by %d:%d, want the mail account %d:%d", p, st.Uid, st.Gid, s.vmail.uid, s.vmail.gid)
		}
		if want := fmt.Sprintf(",S=%d", fi.Size()); !strings.HasSuffix(p, want) {
			t.Errorf("%s: name lacks %s", p, want)
		}
	}

	p := testclient.NewPOP3(t, dial(t, s.POP3))
	p.Login(u.Name, u.Password)
	if n := p.Stat(); n != 6 {
		t.Errorf("POP3 STAT: %d messages, want 6", n)
	}
	// POP3 sends the seed's LF line ends as CRLF.
	msg, ok := findSubject(p, "raw seed")
	if want := bytes.ReplaceAll(raw, []byte("\n"), []byte("\r\n")); !ok || !bytes.Equal(msg, want) {
		t.Errorf("POP3 RETR of the raw seed: %q, want %q", msg, want)
	}
	p.OK("QUIT")

	m := testclient.NewIMAP(t, dial(t, s.IMAP))
	imapLogin(m, u.Name, u.Password)
	for k := 1; k <= 5; k++ {
		if uids := searchSubject(m, fmt.Sprintf("seed %d", k)); len(uids) != 1 {
			t.Errorf("IMAP: subject \"seed %d\" found %d times, want 1", k, len(uids))
		}
	}
	if err := s.Seed("nobody", raw); err == nil {
		t.Error("Seed to an unknown user did not fail")
	}
}

// TestCertificates checks the TLS files without servers: a CA distinct
// from the server certificate, which it signs for every name the stack
// documents, and the embedded DH group.
func TestCertificates(t *testing.T) {
	dir := t.TempDir()
	files, ca, err := writeTLS(dir, "example.test")
	if err != nil {
		t.Fatal(err)
	}
	read := func(path, typ string) []byte {
		t.Helper()
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		b, rest := pem.Decode(data)
		if b == nil || b.Type != typ || len(bytes.TrimSpace(rest)) != 0 {
			t.Fatalf("%s: want one PEM block %q", path, typ)
		}
		return b.Bytes
	}
	caCert, err := x509.ParseCertificate(read(files.CA, "CERTIFICATE"))
	if err != nil || !caCert.IsCA || !caCert.Equal(ca) {
		t.Fatalf("CA file: IsCA=%v, %v", caCert != nil && caCert.IsCA, err)
	}
	leaf, err := x509.ParseCertificate(read(files.Cert, "CERTIFICATE"))
	if err != nil || leaf.IsCA || leaf.Equal(caCert) {
		t.Fatalf("server certificate: %v (IsCA=%v)", err, leaf != nil && leaf.IsCA)
	}
	if _, err := x509.ParsePKCS8PrivateKey(read(files.Key, "PRIVATE KEY")); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(files.Key); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600 (%v)", fi.Mode(), err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(caCert)
	for _, name := range []string{"localhost", "mail.example.test", "127.0.0.1"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("verify for %s: %v", name, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other.example"}); err == nil {
		t.Error("certificate verifies for a name it should not have")
	}

	// RFC 7919 ffdhe2048: p is 2048 bits with 64 one bits at both ends, g = 2.
	var dh struct{ P, G *big.Int }
	if _, err := asn1.Unmarshal(read(files.DH, "DH PARAMETERS"), &dh); err != nil {
		t.Fatal(err)
	}
	ones := new(big.Int).SetUint64(^uint64(0))
	if dh.P.BitLen() != 2048 || dh.G.Int64() != 2 ||
		new(big.Int).And(dh.P, ones).Cmp(ones) != 0 || new(big.Int).Rsh(dh.P, 2048-64).Cmp(ones) != 0 ||
		!dh.P.ProbablyPrime(10) {
		t.Errorf("DH parameters are not ffdhe2048: %d bits, g=%v", dh.P.BitLen(), dh.G)
	}
}

func TestRequireShared(t *testing.T) {
	if a, b := Require(t), Require(t); a != b {
		t.Error("Require returned two different stacks")
	}
}

// TestTwoStacks runs two private stacks side by side, checks that they are
// separate, and that Stop leaves no process and no directory behind.
func TestTwoStacks(t *testing.T) {
	t.Parallel()
	var stacks [2]*Stack
	var errs [2]error
	var wg sync.WaitGroup
	for i := range stacks {
		wg.Go(func() { stacks[i], errs[i] = Start(Options{Users: 2, Password: fmt.Sprintf("pw%d", i)}) })
	}
	wg.Wait()
	for i, err := range errs {
		check(t, err)
		t.Logf("stack %d started in %v", i, stacks[i].StartTime)
	}
	a, b := stacks[0], stacks[1]
	t.Cleanup(func() { a.Stop(); b.Stop() })
	if a.Dir == b.Dir || a.SMTP == b.SMTP || a.IMAP == b.IMAP {
		t.Fatalf("stacks share a dir or port: %s %s, %s %s", a.Dir, b.Dir, a.SMTP, b.SMTP)
	}

	// A message to a goes to a's mailbox only; b's password is not a's.
	subject, msg := message(t, "user1@localhost")
	send(t, smtpDial(t, a.SMTP), "x@example.test", "user1@localhost", msg)
	if _, err := a.WaitDelivered("user1", 1, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	readBack(t, a, a.Users[0], subject)
	if paths, _ := b.Mailbox("user1"); len(paths) != 0 {
		t.Errorf("stack b got %d messages, want 0", len(paths))
	}
	p := testclient.NewPOP3(t, dial(t, b.POP3))
	p.OK("USER user1")
	if line := p.Cmd("PASS " + a.Password); !strings.HasPrefix(line, "-ERR") {
		t.Errorf("stack b accepted stack a's password: %q", line)
	}

	var before [2][]proc
	for i, s := range stacks {
		before[i] = stackProcs(s.Dir, s.dovecot, s.postfix)
		if len(before[i]) < 5 || !s.dovecot.alive() || !s.postfix.alive() {
			t.Fatalf("stack %d: %d processes %v, masters alive %v %v", i, len(before[i]), before[i], s.dovecot.alive(), s.postfix.alive())
		}
	}
	start := time.Now()
	for i, s := range stacks {
		wg.Go(func() { errs[i] = s.Stop() })
	}
	wg.Wait()
	t.Logf("both stacks stopped in %v", time.Since(start))
	for i, s := range stacks {
		if errs[i] != nil {
			t.Errorf("Stop: %v", errs[i])
		}
		assertGone(t, s.Dir, before[i])
	}
}

// assertGone checks /proc for any process that was part of the stack, or
// works in its dir, and that the dir is gone.
func assertGone(t *testing.T, dir string, before []proc) {
	t.Helper()
	if left := alive(before); len(left) > 0 {
		t.Errorf("%s: processes left after Stop: %v", dir, left)
	}
	for _, p := range allProcs() {
		if p.state != 'Z' && (inDir(p.pid, "cwd", dir) || inDir(p.pid, "root", dir)) {
			t.Errorf("%s: process %v still works in the stack's dir", dir, p)
		}
	}
	if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s still exists after Stop (%v)", dir, err)
	}
}

// TestPortClash takes a port that the first start attempt will use, for
// Dovecot and for Postfix: Start must notice and retry on new ports.
func TestPortClash(t *testing.T) {
	t.Parallel()
	for _, server := range []string{"dovecot", "postfix"} {
		t.Run(server, func(t *testing.T) {
			t.Parallel()
			l, err := net.Listen("tcp4", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer l.Close()
			taken := l.Addr().(*net.TCPAddr).Port
			attempts := 0
			opts := Options{Users: 1, pickPorts: func() (ports, error) {
				p, err := freePorts()
				if attempts++; attempts == 1 {
					if server == "dovecot" {
						p.IMAPS = taken
					} else {
						p.Submission = taken
					}
				}
				return p, err
			}}
			s := NewStack(t, opts)
			t.Logf("started after a clash in %v", s.StartTime)
			// At least 2: the first clashes on purpose; on a busy machine a
			// free port picked for the second can be taken before it binds.
			if attempts < 2 {
				t.Errorf("%d start attempts, want at least 2 (the clash must be retried)", attempts)
			}
			if strings.HasSuffix(s.IMAPS, fmt.Sprint(":", taken)) || strings.HasSuffix(s.Submission, fmt.Sprint(":", taken)) {
				t.Errorf("the stack uses the taken port %d", taken)
			}
			c := smtpDial(t, s.Submission)
			c.Quit()
		})
	}
}

// TestReapStale: a stack whose owning process died is stopped and removed
// by the next Start.
func TestReapStale(t *testing.T) {
	t.Parallel()
	s := NewStack(t, Options{Users: 1})
	before := stackProcs(s.Dir, s.dovecot, s.postfix)
	// A bystander working in the state dir (someone reading the logs) is
	// not part of the stack and must survive.
	bystander := exec.Command("sleep", "60")
	bystander.Dir = filepath.Join(s.Dir, "log")
	if err := bystander.Start(); err != nil {
		t.Fatal(err)
	}
	// A pid that cannot exist (above pid_max) stands for a dead owner.
	if err := os.WriteFile(filepath.Join(s.Dir, "owner"), []byte("99999999 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	reapStale()
	if err := bystander.Process.Signal(syscall.Signal(0)); err != nil {
		t.Errorf("a process that only worked in the state dir was killed: %v", err)
	}
	bystander.Process.Kill()
	bystander.Wait()
	assertGone(t, s.Dir, before)
}

// TestUnavailable: a missing package is ErrUnavailable + ErrNotInstalled,
// which skips a test, or fails it under MAILEXPECT_REQUIRE_SERVERS=1.
func TestUnavailable(t *testing.T) {
	_, err := checkHost([]string{"/nonexistent/dovecot"})
	if !errors.Is(err, ErrUnavailable) || !errors.Is(err, ErrNotInstalled) {
		t.Fatalf("checkHost with a missing binary: %v, want ErrUnavailable and ErrNotInstalled", err)
	}
	if !strings.Contains(err.Error(), ".ci/install-servers") {
		t.Errorf("error %q does not say how to install", err)
	}
	for _, env := range []string{"", "1"} {
		t.Setenv(RequireEnv, env)
		f := &fakeTB{TB: t}
		check(f, err)
		if env == "" && (f.skipped == "" || f.failed != "") {
			t.Errorf("%s unset: skipped %q, failed %q; want a skip", RequireEnv, f.skipped, f.failed)
		}
		if env == "1" && (f.failed == "" || f.skipped != "") {
			t.Errorf("%s=1: skipped %q, failed %q; want a failure", RequireEnv, f.skipped, f.failed)
		}
		if strings.Contains(f.skipped, "\n") {
			t.Errorf("skip message is not one line: %q", f.skipped)
		}
	}
	// Any other start failure is a failure even without the variable.
	t.Setenv(RequireEnv, "")
	f := &fakeTB{TB: t}
	check(f, errors.New("mailstack: dovecot: exit status 89"))
	if f.failed == "" {
		t.Error("a start failure of installed servers was not a test failure")
	}
}

type fakeTB struct {
	testing.TB
	skipped, failed string
}

func (f *fakeTB) Helper()                        {}
func (f *fakeTB) Skipf(format string, a ...any)  { f.skipped = fmt.Sprintf(format, a...) }
func (f *fakeTB) Fatal(a ...any)                 { f.failed = fmt.Sprint(a...) }
func (f *fakeTB) Fatalf(format string, a ...any) { f.failed = fmt.Sprintf(format, a...) }

// imapQuote writes s as an IMAP quoted string (RFC 9051 4.3): the shared
// stack's password holds a double quote on purpose.
func imapQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}
