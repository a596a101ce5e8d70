package sandbox

import (
	"bufio"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/testclient"
)

func TestParseFault(t *testing.T) {
	tests := []struct {
		spec    string
		want    Fault
		wantErr string
	}{
		{"drip", Fault{Kind: FaultDrip, Delay: 10 * time.Millisecond}, ""},
		{"drip:5ms", Fault{Kind: FaultDrip, Delay: 5 * time.Millisecond}, ""},
		{"drip:25", Fault{Kind: FaultDrip, Delay: 25 * time.Millisecond}, ""},
		{"DRIP:1s", Fault{Kind: FaultDrip, Delay: time.Second}, ""},
		{"slow", Fault{Kind: FaultSlow, Delay: 200 * time.Millisecond}, ""},
		{"slow:1.5s", Fault{Kind: FaultSlow, Delay: 1500 * time.Millisecond}, ""},
		{"drop-after:3", Fault{Kind: FaultDropAfter, Count: 3}, ""},
		{"reject-rcpt", Fault{Kind: FaultRejectRcpt}, ""},
		{"tempfail", Fault{Kind: FaultTempfail}, ""},
		{" bye ", Fault{Kind: FaultBye}, ""},
		{"drip:0", Fault{}, "must be positive"},
		{"drip:-5ms", Fault{}, "must be positive"},
		{"slow:fast", Fault{}, "neither milliseconds nor a duration"},
		{"drop-after", Fault{}, "needs a line count"},
		{"drop-after:0", Fault{}, "at least 1"},
		{"drop-after:x", Fault{}, "whole number"},
		{"bye:now", Fault{}, "takes no argument"},
		{"explode", Fault{}, "unknown fault"},
		{"", Fault{}, "unknown fault"},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			got, err := ParseFault(tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("ParseFault(%q) = %v, %v; want an error mentioning %q", tt.spec, got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("ParseFault(%q) = %+v, %v; want %+v", tt.spec, got, err, tt.want)
			}
			if again, err := ParseFault(got.String()); err != nil || again != got {
				t.Fatalf("String() %q does not parse back: %+v, %v", got.String(), again, err)
			}
		})
	}
}

func TestConfigAddFault(t *testing.T) {
	tests := []struct {
		flags   []string
		want    map[string][]string
		wantErr string
	}{
		{[]string{"bye"}, map[string][]string{"smtp": {"bye"}, "pop3": {"bye"}, "imap": {"bye"}}, ""},
		{[]string{"reject-rcpt"}, map[string][]string{"smtp": {"reject-rcpt"}}, ""},
		{[]string{"pop3=drip:5ms", "IMAP=drop-after:2"}, map[string][]string{"pop3": {"drip:5ms"}, "imap": {"drop-after:2"}}, ""},
		{[]string{"pop3=reject-rcpt"}, nil, "applies only to the smtp listener"},
		{[]string{"lmtp=bye"}, nil, "unknown listener"},
		{[]string{"smtp=nonsense"}, nil, "unknown fault"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.flags, " "), func(t *testing.T) {
			var cfg Config
			var err error
			for _, f := range tt.flags {
				if err = cfg.AddFault(f); err != nil {
					break
				}
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("AddFault: %v, want an error mentioning %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := map[string][]string{}
			for name, faults := range cfg.Faults {
				for _, f := range faults {
					got[name] = append(got[name], f.String())
				}
			}
			for name := range tt.want {
				if !slices.Equal(got[name], tt.want[name]) {
					t.Errorf("faults of %s = %v, want %v", name, got[name], tt.want[name])
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("faults = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestStartRefusesBadFaults(t *testing.T) {
	tests := []struct {
		faults  map[string][]Fault
		wantErr string
	}{
		{map[string][]Fault{"pop3": {{Kind: FaultRejectRcpt}}}, "applies only to the smtp listener"},
		{map[string][]Fault{"web": {{Kind: FaultBye}}}, "unknown listener"},
		{map[string][]Fault{"smtp": {{Kind: FaultBye}, {Kind: FaultBye}}}, "given twice"},
		{map[string][]Fault{"smtp": {{Kind: FaultDrip}}}, "must be positive"},
	}
	for _, tt := range tests {
		if srv, err := Start(Config{Faults: tt.faults}); err == nil || !strings.Contains(err.Error(), tt.wantErr) {
			if srv != nil {
				srv.Close()
			}
			t.Errorf("Start with faults %v: %v, want an error mentioning %q", tt.faults, err, tt.wantErr)
		}
	}
}

// Each fault test acts as a client with a one-second timeout, the way a
// script would, and checks that it gets a clear error within that time
// rather than a hang.
const clientTimeout = time.Second

// withinTimeout is how late an error may come: the timeout plus slack for
// a loaded test machine (parallel tests under -race on two cores), still
// well under the 5 s that a hang behind slow:5s would take.
const withinTimeout = clientTimeout + 1500*time.Millisecond

func listenerAddr(srv *Server, name string) string {
	return map[string]string{ListenerSMTP: srv.SMTPAddr(), ListenerPOP3: srv.POP3Addr(), ListenerIMAP: srv.IMAPAddr()}[name]
}

var greetingPrefix = map[string]string{ListenerSMTP: "220 sandbox.test ", ListenerPOP3: "+OK sandbox.test ", ListenerIMAP: "* OK "}

type rawClient struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, addr string) *rawClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, clientTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, r: bufio.NewReader(conn)}
}

// readLine reads one line under the client timeout.
func (c *rawClient) readLine() (string, error) {
	c.conn.SetReadDeadline(time.Now().Add(clientTimeout))
	return c.r.ReadString('\n')
}

func (c *rawClient) send(line string) {
	c.t.Helper()
	if _, err := c.conn.Write([]byte(line + "\r\n")); err != nil {
		c.t.Fatalf("write %q: %v", line, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// eachListener runs test once per listener, in parallel.
func eachListener(t *testing.T, test func(t *testing.T, name string)) {
	for _, name := range listenerNames {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			test(t, name)
		})
	}
}

// startWithFault starts a sandbox with f on the listener called name.
func startWithFault(t *testing.T, name string, f Fault) *Server {
	t.Helper()
	return startSandbox(t, Config{Faults: map[string][]Fault{name: {f}}})
}

// slowGreeting reads the greeting of a listener slowed by fault (its
// spec, for messages), allowing it 10 s since a loaded machine's timers
// are coarse, and returns it with the time it took since the dial: the
// server's pauses start at accept.
func slowGreeting(t *testing.T, srv *Server, name, fault string) (string, time.Duration) {
	t.Helper()
	start := time.Now()
	c := dialRaw(t, listenerAddr(srv, name))
	c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	greeting, err := c.r.ReadString('\n')
	if err != nil || !strings.HasPrefix(greeting, greetingPrefix[name]) {
		t.Fatalf("greeting under %s: %q, %v", fault, greeting, err)
	}
	return greeting, time.Since(start)
}

// timedRead reads a line under the client timeout and says how long it took.
func (c *rawClient) timedRead() (string, time.Duration, error) {
	start := time.Now()
	line, err := c.readLine()
	return line, time.Since(start), err
}

func TestFaultDrip(t *testing.T) {
	eachListener(t, func(t *testing.T, name string) {
		// A short drip: the greeting arrives whole, but slowly.
		srv := startWithFault(t, name, Fault{Kind: FaultDrip, Delay: 2 * time.Millisecond})
		greeting, elapsed := slowGreeting(t, srv, name, "drip:2ms")
		if min := time.Duration(len(greeting)) * 2 * time.Millisecond; elapsed < min {
			t.Errorf("a %d-byte greeting came in %v under drip:2ms, want at least %v", len(greeting), elapsed, min)
		}

		// A long drip: a client with a one-second timeout times out
		// with part of the greeting in hand.
		srv = startWithFault(t, name, Fault{Kind: FaultDrip, Delay: 50 * time.Millisecond})
		partial, elapsed, err := dialRaw(t, listenerAddr(srv, name)).timedRead()
		if !isTimeout(err) || elapsed > withinTimeout {
			t.Fatalf("drip:50ms: %v after %v, want a timeout within %v", err, elapsed, withinTimeout)
		}
		if len(partial) == 0 || len(partial) > 25 || !strings.HasPrefix(greetingPrefix[name], partial) && !strings.HasPrefix(partial, greetingPrefix[name]) {
			t.Errorf("drip:50ms: received %q in %v; want a few bytes of the greeting", partial, elapsed)
		}
	})
}

func TestFaultSlow(t *testing.T) {
	eachListener(t, func(t *testing.T, name string) {
		srv := startWithFault(t, name, Fault{Kind: FaultSlow, Delay: 300 * time.Millisecond})
		if _, elapsed := slowGreeting(t, srv, name, "slow:300ms"); elapsed < 300*time.Millisecond {
			t.Errorf("greeting came after %v under slow:300ms", elapsed)
		}

		srv = startWithFault(t, name, Fault{Kind: FaultSlow, Delay: 5 * time.Second})
		got, elapsed, err := dialRaw(t, listenerAddr(srv, name)).timedRead()
		if !isTimeout(err) || got != "" || elapsed > withinTimeout {
			t.Fatalf("slow:5s: %q, %v after %v; want nothing and a timeout within %v", got, err, elapsed, withinTimeout)
		}
	})
}

// conversation is two commands per protocol, with how to read a whole
// reply to the first.
var conversation = map[string]struct {
	first, second string
	replyEnds     func(line string) bool
}{
	ListenerSMTP: {"EHLO client.test", "NOOP", func(l string) bool { return strings.HasPrefix(l, "250 ") }},
	ListenerPOP3: {"CAPA", "NOOP", func(l string) bool { return l == ".\r\n" }},
	ListenerIMAP: {"a1 CAPABILITY", "a2 NOOP", func(l string) bool { return strings.HasPrefix(l, "a1 ") }},
}

func TestFaultDropAfter(t *testing.T) {
	eachListener(t, func(t *testing.T, name string) {
		srv := startWithFault(t, name, Fault{Kind: FaultDropAfter, Count: 2})
		conv := conversation[name]
		c := dialRaw(t, listenerAddr(srv, name))
		if _, err := c.readLine(); err != nil {
			t.Fatalf("greeting: %v", err)
		}
		c.send(conv.first)
		for {
			line, err := c.readLine()
			if err != nil {
				t.Fatalf("reply to %q, the first line: %v", conv.first, err)
			}
			if conv.replyEnds(line) {
				break
			}
		}
		c.send(conv.second)
		line, elapsed, err := c.timedRead()
		if err == nil || isTimeout(err) || elapsed > withinTimeout {
			t.Fatalf("after the second line: %q, %v after %v; want the connection closed (EOF or reset) at once", line, err, elapsed)
		}
	})
}

// After STLS the fault can no longer see lines; it counts the client's TLS
// records instead, under both TLS versions.
func TestFaultDropAfterCountsTLSRecords(t *testing.T) {
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		t.Run(tls.VersionName(version), func(t *testing.T) {
			srv := startWithFault(t, ListenerPOP3, Fault{Kind: FaultDropAfter, Count: 4})
			p := testclient.DialPOP3(t, srv.POP3Addr())
			cfg := clientTLS(srv)
			cfg.MaxVersion = version
			p.Multi("CAPA")                       // line 1
			p.STLS(cfg)                           // line 2, then TLS
			p.OK("USER " + srv.Users()[0].Name)   // record 3
			p.Send("PASS " + srv.Users()[0].Pass) // record 4: dropped
			p.Conn.SetReadDeadline(time.Now().Add(clientTimeout))
			line, err := p.R.ReadString('\n')
			if err == nil || isTimeout(err) {
				t.Fatalf("PASS, the 4th line: %q, %v; want the connection dropped", line, err)
			}
		})
	}
}

func TestFaultBye(t *testing.T) {
	want := map[string]string{
		ListenerSMTP: "554 sandbox.test sandbox fault bye: no SMTP service here\r\n",
		ListenerPOP3: "-ERR [SYS/TEMP] sandbox fault bye: no POP3 service here\r\n",
		ListenerIMAP: "* BYE sandbox fault bye: no IMAP service here\r\n",
	}
	eachListener(t, func(t *testing.T, name string) {
		var cfg Config
		if err := cfg.AddFault(name + "=bye"); err != nil {
			t.Fatal(err)
		}
		srv := startSandbox(t, cfg)
		c := dialRaw(t, listenerAddr(srv, name))
		if greeting, err := c.readLine(); greeting != want[name] || err != nil {
			t.Fatalf("greeting %q, %v; want %q", greeting, err, want[name])
		}
		if line, elapsed, err := c.timedRead(); !errors.Is(err, io.EOF) || elapsed > withinTimeout {
			t.Fatalf("after the refusal: %q, %v; want EOF at once", line, err)
		}
	})
}

func TestFaultRejectRcpt(t *testing.T) {
	srv := startWithFault(t, ListenerSMTP, Fault{Kind: FaultRejectRcpt})
	err := trySendMail(srv, "demo2@sandbox.test", []string{srv.Users()[0].Address}, testMessage("rejected"))
	if smtpCode(err) != 550 || !strings.Contains(err.Error(), "reject-rcpt") {
		t.Fatalf("send under reject-rcpt: %v, want a 550 naming the fault", err)
	}
	if n := srv.Store().Count("demo1", "INBOX"); n != 0 {
		t.Errorf("%d messages delivered under reject-rcpt", n)
	}
}

func TestFaultTempfail(t *testing.T) {
	var cfg Config
	if err := cfg.AddFault("tempfail"); err != nil {
		t.Fatal(err)
	}
	srv := startSandbox(t, cfg)
	u := srv.Users()[0]

	t.Run("smtp", func(t *testing.T) {
		c := dialSMTP(t, srv)
		if err := c.Mail("someone@example.org"); smtpCode(err) != 451 || !strings.Contains(err.Error(), "4.3.0") {
			t.Fatalf("MAIL under tempfail: %v, want 451 4.3.0", err)
		}
	})
	t.Run("pop3", func(t *testing.T) {
		p := testclient.DialPOP3(t, srv.POP3Addr())
		p.STLS(clientTLS(srv))
		p.OK("USER " + u.Name)
		if got := p.Cmd("PASS " + u.Pass); !strings.HasPrefix(got, "-ERR [SYS/TEMP] ") {
			t.Fatalf("PASS under tempfail: %q", got)
		}
	})
	t.Run("imap", func(t *testing.T) {
		c := testclient.DialIMAP(t, srv.IMAPAddr())
		c.OK("STARTTLS")
		c.StartTLS(clientTLS(srv))
		if _, status := c.Run(nil, "LOGIN "+u.Name+" "+u.Pass); !strings.HasPrefix(status, "NO [UNAVAILABLE] ") {
			t.Fatalf("LOGIN under tempfail: %q", status)
		}
	})
}
