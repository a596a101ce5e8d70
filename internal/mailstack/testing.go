package mailstack

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
)

// RequireEnv is the environment variable that turns "servers not
// available" from a skip into a failure. CI sets it to 1, so that a
// broken install cannot pass as a run with every server test skipped.
const RequireEnv = "MAILEXPECT_REQUIRE_SERVERS"

// shared is the stack that Require hands to every test of a package.
var shared struct {
	once  sync.Once
	stack *Stack
	err   error
}

var mainRunning atomic.Bool

// Main runs a package's tests and stops the stacks they started: the
// shared one (see Require) and any still running. Use it as
//
//	func TestMain(m *testing.M) { os.Exit(mailstack.Main(m)) }
//
// An interrupted test binary (SIGINT, SIGTERM) stops its stacks before it
// exits. A binary killed harder (SIGKILL, or -timeout's panic) leaves them
// running; the next Start in any package stops and removes them.
func Main(m *testing.M) int {
	mainRunning.Store(true)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		s := <-sig
		fmt.Fprintf(os.Stderr, "mailstack: %v: stopping mail servers\n", s)
		stopAll()
		os.Exit(1)
	}()
	code := m.Run()
	signal.Stop(sig)
	if code != 0 {
		// The state dirs go away with the stacks: show the servers' side
		// of the failure first.
		for _, s := range liveStacks() {
			fmt.Fprintf(os.Stderr, "mailstack: tests failed; end of the server logs of %s:\n%s", s.Dir, s.LogTail(30))
		}
	}
	if err := stopAll(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		if code == 0 {
			code = 1
		}
	}
	return code
}

// Require returns the package's shared stack (default Options, but 100
// users), starting it on first use; Main stops it after the last test. Tests
// that share it must not step on each other: take a user of your own with
// TakeUser, or use unique subjects.
//
// If the servers cannot run here (ErrUnavailable), Require skips the test
// with one line saying why, or fails it when MAILEXPECT_REQUIRE_SERVERS=1.
// Any other start failure fails the test.
func Require(t testing.TB) *Stack {
	t.Helper()
	if !mainRunning.Load() {
		t.Fatal("mailstack.Require needs the package's TestMain to call mailstack.Main: " +
			"func TestMain(m *testing.M) { os.Exit(mailstack.Main(m)) }")
	}
	shared.once.Do(func() {
		shared.stack, shared.err = Start(Options{Users: 100, Password: SharedPassword})
	})
	check(t, shared.err)
	return shared.stack
}

// SharedPassword is every user's password on the shared stack. It holds a
// double quote so that clients must quote it (IMAP LOGIN) or send it as a
// literal, and it is long and odd enough that a leak test can grep for it.
const SharedPassword = `Xq7"pa55-w0rd`

// NewStack starts a private stack for one test and stops it in
// t.Cleanup. Unavailable servers skip or fail the test as in Require.
func NewStack(t testing.TB, opts Options) *Stack {
	t.Helper()
	s, err := Start(opts)
	check(t, err)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("end of the server logs:\n%s", s.LogTail(30))
		}
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
	})
	return s
}

// check ends the test if err is not nil: a skip for ErrUnavailable
// (unless RequireEnv is set), a failure otherwise.
func check(t testing.TB, err error) {
	t.Helper()
	if err == nil {
		return
	}
	if errors.Is(err, ErrUnavailable) && !required() {
		t.Skipf("skipping: %v (set %s=1 to fail instead)", err, RequireEnv)
		return
	}
	t.Fatal(err)
}

func required() bool {
	v, _ := strconv.ParseBool(os.Getenv(RequireEnv))
	return v
}

// TakeUser hands out a user no earlier TakeUser call on this stack
// returned, so tests that run in parallel on a shared stack each get a
// mailbox of their own. It fails the test when all users are taken.
func (s *Stack) TakeUser(t testing.TB) User {
	t.Helper()
	i := s.taken.Add(1)
	if i > int64(len(s.Users)) {
		t.Fatalf("mailstack: all %d users of the stack are taken; start it with more Options.Users", len(s.Users))
	}
	return s.Users[i-1]
}
