package spawn_test

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/expect"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/spawn"
)

func start(t *testing.T, o spawn.Options, argv ...string) (*spawn.Process, *session.Session) {
	t.Helper()
	p, err := spawn.Start(argv, o)
	if err != nil {
		t.Fatalf("Start(%q): %v", argv, err)
	}
	s := session.New(p, session.Options{Timeout: 5 * time.Second})
	t.Cleanup(func() { s.Close() })
	return p, s
}

func expectLine(t *testing.T, s *session.Session, pat string) *expect.Match {
	t.Helper()
	m, err := s.Expect(context.Background(), []expect.Case{{Pattern: mustCompile(t, pat)}}, 0)
	if err != nil {
		t.Fatalf("expect %q: %v", pat, err)
	}
	return m
}

func mustCompile(t *testing.T, pat string) *expect.Pattern {
	t.Helper()
	p, err := expect.Compile(pat)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCatEchoesAndCloseReaps(t *testing.T) {
	p, s := start(t, spawn.Options{}, "cat")
	if !strings.HasPrefix(s.Label(), "cat[") {
		t.Errorf("label = %q, want cat[pid]", s.Label())
	}
	ctx := context.Background()
	if err := s.SendLine(ctx, "EHLO spawn.test"); err != nil {
		t.Fatal(err)
	}
	m := expectLine(t, s, `^EHLO (\S+)$`)
	if m.Groups[1] != "spawn.test" {
		t.Errorf("group = %q", m.Groups[1])
	}
	if _, done := p.Exit(); done {
		t.Fatal("cat exited before its input closed")
	}
	s.Close()
	st, done := p.Exit()
	if !done || st.Code != 0 || st.Signal != "" {
		t.Errorf("after Close: status %+v done %v, want exit 0", st, done)
	}
}

func TestEarlyExitIsEOFWithStatus(t *testing.T) {
	_, s := start(t, spawn.Options{}, "sh", "-c", "echo '220 hello'; exit 3")
	expectLine(t, s, `^220 `)
	_, err := s.Expect(context.Background(), []expect.Case{{Pattern: mustCompile(t, `^250 `)}}, 0)
	if !failure.Is(err, failure.EOF) {
		t.Fatalf("err = %v, want kind eof", err)
	}
	var ee *spawn.ExitError
	if !errors.As(err, &ee) || ee.Status.Code != 3 {
		t.Fatalf("err = %v, want an ExitError with status 3", err)
	}
	if !strings.Contains(err.Error(), "exited with status 3") {
		t.Errorf("message %q does not name the status", err)
	}
}

func TestCleanExitReadLineEOF(t *testing.T) {
	_, s := start(t, spawn.Options{}, "sh", "-c", "echo one")
	ctx := context.Background()
	if l, err := s.ReadLine(ctx, 0); err != nil || l != "one" {
		t.Fatalf("ReadLine = %q, %v", l, err)
	}
	if _, err := s.ReadLine(ctx, 0); !errors.Is(err, io.EOF) {
		t.Fatalf("ReadLine at the end = %v, want io.EOF", err)
	}
}

func TestWriteToDeadProgramNamesStatus(t *testing.T) {
	p, s := start(t, spawn.Options{}, "sh", "-c", "exit 5")
	<-p.Done()
	err := s.SendLine(context.Background(), "hello")
	if !failure.Is(err, failure.EOF) || !strings.Contains(err.Error(), "exited with status 5") {
		t.Fatalf("send to a dead program: %v, want kind eof naming status 5", err)
	}
}

func TestIgnoringStdinCloseIsKilled(t *testing.T) {
	// The shell ignores TERM too, so only SIGKILL ends it.
	p, s := start(t, spawn.Options{Grace: 200 * time.Millisecond}, "sh", "-c", `trap '' TERM; echo ready; while :; do sleep 1; done`)
	expectLine(t, s, `^ready$`)
	t0 := time.Now()
	s.Close()
	took := time.Since(t0)
	st, done := p.Exit()
	if !done || st.Signal != "SIGKILL" || st.Code != 137 {
		t.Errorf("status %+v done %v, want killed by SIGKILL (137)", st, done)
	}
	if took < 200*time.Millisecond || took > 3*time.Second {
		t.Errorf("Close took %v, want the grace (200ms) plus the TERM grace", took)
	}
}

func TestTimeoutOnSilentProgram(t *testing.T) {
	_, s := start(t, spawn.Options{}, "sleep", "30")
	t0 := time.Now()
	_, err := s.Expect(context.Background(), []expect.Case{{Pattern: mustCompile(t, `x`)}}, 150*time.Millisecond)
	if !failure.Is(err, failure.Timeout) {
		t.Fatalf("err = %v, want kind timeout", err)
	}
	if d := time.Since(t0); d > 2*time.Second {
		t.Errorf("timeout took %v", d)
	}
}

func TestPTY(t *testing.T) {
	p, s := start(t, spawn.Options{PTY: true}, "sh", "-c", `if [ -t 0 ]; then echo "tty yes"; else echo "tty no"; fi; read x; echo "got $x"`)
	expectLine(t, s, `^tty yes`)
	if err := s.SendLine(context.Background(), "line1"); err != nil {
		t.Fatal(err)
	}
	expectLine(t, s, `^got line1`)
	_, err := s.Expect(context.Background(), []expect.Case{{Pattern: mustCompile(t, `never`)}}, 0)
	var ee *spawn.ExitError
	if !failure.Is(err, failure.EOF) || !errors.As(err, &ee) || ee.Status.Code != 0 {
		t.Fatalf("after the program ended: %v, want kind eof with status 0", err)
	}
	s.Close()
	if st, done := p.Exit(); !done || st.Code != 0 {
		t.Errorf("status %+v done %v", st, done)
	}
}

func TestStartErrors(t *testing.T) {
	if _, err := spawn.Start(nil, spawn.Options{}); !failure.Is(err, failure.Usage) {
		t.Errorf("empty argv: %v, want usage", err)
	}
	_, err := spawn.Start([]string{"/nonexistent/mailexpect-no-such-program"}, spawn.Options{})
	if !failure.Is(err, failure.Connect) || !strings.Contains(err.Error(), "no-such-program") {
		t.Errorf("missing program: %v, want kind connect naming it", err)
	}
}

func TestMergeStderrAndEnv(t *testing.T) {
	_, s := start(t, spawn.Options{MergeStderr: true, Env: []string{"MAILEXPECT_SPAWN_TEST=v42"}},
		"sh", "-c", `echo "err $MAILEXPECT_SPAWN_TEST" >&2`)
	expectLine(t, s, `^err v42$`)
}

// On a pty, Close types Ctrl-D: cat ends by itself (status 0, not a
// hangup), sent lines end once (CR LF is one line end) and are not echoed.
func TestPTYLinesAndClose(t *testing.T) {
	p, s := start(t, spawn.Options{PTY: true}, "sh", "-c", `read a; read b; echo "[$a][$b]"; exec cat`)
	ctx := context.Background()
	s.SendLine(ctx, "one")
	s.SendLine(ctx, "two")
	m := expectLine(t, s, `^\[(.*)\]\[(.*)\]`)
	if m.Groups[1] != "one" || m.Groups[2] != "two" {
		t.Errorf("the program read %q and %q, want one and two", m.Groups[1], m.Groups[2])
	}
	if strings.Contains(m.Before, "one") {
		t.Errorf("what was sent came back (echo): %q", m.Before)
	}
	t0 := time.Now()
	s.Close()
	st, done := p.Exit()
	if !done || st.Code != 0 || st.Signal != "" {
		t.Errorf("cat on a pty after Close: %+v (done %v), want exit 0 from Ctrl-D", st, done)
	}
	if d := time.Since(t0); d > time.Second {
		t.Errorf("Close took %v", d)
	}
}
