package interact_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/interact"
	"github.com/mailexpect/mailexpect/runtime/session"
)

// console is a scripted person: lines to type, and the screen.
type console struct {
	typed     chan string // closed: the person's input ends
	interrupt chan struct{}
	passwords []string

	mu     sync.Mutex
	screen strings.Builder
}

func newConsole() *console {
	return &console{typed: make(chan string, 16), interrupt: make(chan struct{}, 1)}
}

func (c *console) ReadLine() (string, error) {
	select {
	case l, ok := <-c.typed:
		if !ok {
			return "", io.EOF
		}
		return l, nil
	case <-c.interrupt:
		return "", interact.ErrInterrupted
	}
}

func (c *console) ReadPassword(string) (string, error) {
	if len(c.passwords) == 0 {
		return "", errors.New("no password")
	}
	p := c.passwords[0]
	c.passwords = c.passwords[1:]
	return p, nil
}

func (c *console) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.screen.Write(p)
}

func (c *console) Interrupt() {
	select {
	case c.interrupt <- struct{}{}:
	default:
	}
}

func (c *console) shown() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.screen.String()
}

// server plays the peer over loopback TCP (a net.Pipe has no buffer, so
// a reply written while the client sends would block both): every line the client sends is
// passed to reply, whose answer is written back ("" : nothing; "CLOSE":
// hang up).
func server(t *testing.T, greeting string, reply func(line string) string) (*session.Session, func() []string) {
	t.Helper()
	var got []string
	var mu sync.Mutex
	addr := fakeserver.ServeOne(t, func(srv net.Conn) {
		if greeting != "" {
			io.WriteString(srv, greeting)
		}
		r := bufio.NewReader(srv)
		for {
			l, err := r.ReadString('\n')
			if err != nil {
				return
			}
			mu.Lock()
			got = append(got, l)
			mu.Unlock()
			switch out := reply(strings.TrimSuffix(l, "\r\n")); out {
			case "":
			case "CLOSE":
				return
			default:
				io.WriteString(srv, out)
			}
		}
	})
	cli, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	s := session.New(cli, session.Options{Timeout: 5 * time.Second})
	t.Cleanup(func() { s.Close() })
	return s, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), got...)
	}
}

func run(t *testing.T, s *session.Session, c *console, o interact.Options) interact.Result {
	t.Helper()
	done := make(chan struct{})
	var res interact.Result
	var err error
	go func() {
		defer close(done)
		res, err = interact.Run(context.Background(), s, c, o)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatalf("Run did not return; screen:\n%s", c.shown())
	}
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return res
}

func TestTypedLinesAndEscapes(t *testing.T) {
	s, got := server(t, "220 hi\x01there\r\n", func(l string) string { return "250 " + l + "\r\n" })
	c := newConsole()
	c.typed <- "NOOP"
	c.typed <- "~~tilde"
	go func() {
		time.Sleep(300 * time.Millisecond)
		c.typed <- "~."
	}()
	res := run(t, s, c, interact.Options{})
	if res.Reason != interact.Escape {
		t.Errorf("reason %q, want escape", res.Reason)
	}
	if want := []string{"NOOP\r\n", "~tilde\r\n"}; strings.Join(got(), "|") != strings.Join(want, "|") {
		t.Errorf("server got %q, want %q", got(), want)
	}
	for _, want := range []string{"220 hi\\x01there\n", "250 NOOP\n", "250 ~tilde\n"} {
		if !strings.Contains(c.shown(), want) {
			t.Errorf("screen lacks %q:\n%s", want, c.shown())
		}
	}
}

// answers is a server's reply function that answers the lines in m and
// says nothing to the others.
func answers(m map[string]string) func(string) string {
	return func(l string) string { return m[l] }
}

func TestUntilPatternGivesTheSessionBack(t *testing.T) {
	s, _ := server(t, "", answers(map[string]string{"GO": "a\r\nDONE 42\r\nafter\r\n"}))
	c := newConsole()
	c.typed <- "GO"
	res := run(t, s, c, interact.Options{Until: []expect.Case{{Pattern: expect.MustCompile(`^DONE (\d+)$`)}}})
	if res.Reason != interact.Match || res.Match == nil || res.Match.Groups[1] != "42" {
		t.Fatalf("result %+v, want a match with 42", res)
	}
	// The line after the match arrived with it: shown, and still unread
	// for the caller.
	if l, err := s.ReadLine(context.Background(), time.Second); err != nil || l != "after" {
		t.Errorf("next line for the caller: %q, %v", l, err)
	}
}

func TestServerCloses(t *testing.T) {
	s, _ := server(t, "+OK\r\n", answers(map[string]string{"QUIT": "CLOSE"}))
	c := newConsole()
	c.typed <- "QUIT"
	if res := run(t, s, c, interact.Options{}); res.Reason != interact.Closed {
		t.Errorf("reason %q, want closed", res.Reason)
	}
}

func TestCommands(t *testing.T) {
	s, got := server(t, "", func(l string) string { return "" })
	c := newConsole()
	c.passwords = []string{"s3cret"}
	var ran []string
	cmds := []interact.Command{{Name: "login", Args: "[user]", Help: "log in", Run: func(args string) error {
		p, err := c.ReadPassword("password: ")
		if err != nil {
			return err
		}
		ran = append(ran, args+"/"+p)
		return errors.New("refused by the server")
	}}}
	for _, l := range []string{"~?", "~login bob", "~nope", "~."} {
		c.typed <- l
	}
	if res := run(t, s, c, interact.Options{Commands: cmds}); res.Reason != interact.Escape {
		t.Errorf("reason %q", res.Reason)
	}
	if len(ran) != 1 || ran[0] != "bob/s3cret" {
		t.Errorf("login ran %q", ran)
	}
	if len(got()) != 0 {
		t.Errorf("local commands reached the server: %q", got())
	}
	for _, want := range []string{"~login [user]  log in", "~login: refused by the server", `unknown local command "~nope"`} {
		if !strings.Contains(c.shown(), want) {
			t.Errorf("screen lacks %q:\n%s", want, c.shown())
		}
	}
}

func TestInputEnd(t *testing.T) {
	// On a terminal Ctrl-D returns at once.
	s, _ := server(t, "", func(string) string { return "" })
	c := newConsole()
	close(c.typed)
	if res := run(t, s, c, interact.Options{}); res.Reason != interact.Input {
		t.Errorf("reason %q, want eof", res.Reason)
	}
	// From a pipe, the answer to the last line is still shown.
	s, _ = server(t, "", func(l string) string {
		time.Sleep(100 * time.Millisecond)
		return "221 bye\r\n"
	})
	c = newConsole()
	c.typed <- "QUIT"
	close(c.typed)
	res := run(t, s, c, interact.Options{InputEndWait: 2 * time.Second})
	if !strings.Contains(c.shown(), "221 bye") {
		t.Errorf("the reply after the input ended is not shown (%s):\n%s", res.Reason, c.shown())
	}
}

func TestPartialLineShownWhenIdle(t *testing.T) {
	s, _ := server(t, "Password: ", func(l string) string { return "rest of it\r\n" })
	c := newConsole()
	go func() {
		time.Sleep(200 * time.Millisecond)
		c.typed <- "x"
		time.Sleep(200 * time.Millisecond)
		c.typed <- "~."
	}()
	run(t, s, c, interact.Options{})
	if want := "Password: \n… rest of it\n"; !strings.Contains(c.shown(), want) {
		t.Errorf("screen %q lacks %q", c.shown(), want)
	}
}

func TestMaskAndHelp(t *testing.T) {
	s, _ := server(t, "334 hunter2 echoed\r\n", func(string) string { return "" })
	c := newConsole()
	go func() { time.Sleep(200 * time.Millisecond); c.typed <- "~." }()
	run(t, s, c, interact.Options{Mask: func(x string) string { return strings.ReplaceAll(x, "hunter2", "***") }})
	if strings.Contains(c.shown(), "hunter2") || !strings.Contains(c.shown(), "334 *** echoed") {
		t.Errorf("not masked: %q", c.shown())
	}
	if h := interact.Help(nil); !strings.Contains(h, "~.") || !strings.Contains(h, "~~text") {
		t.Errorf("help: %q", h)
	}
}
