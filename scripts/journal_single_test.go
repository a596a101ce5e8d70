package scripts_test

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/sandbox"
)

// holdingProxy forwards connections to target, but holds the server's
// bytes from the moment hold() says so until release is closed (until
// the test ends, if it is nil): the client waits for the reply to what it
// sent last. It returns the proxy's address.
func holdingProxy(t *testing.T, target string, hold func() bool, release <-chan struct{}) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	ended := make(chan struct{}) // the test is over: a held reply goroutine ends too
	t.Cleanup(func() { close(ended) })
	var held atomic.Bool
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			t.Cleanup(func() { c.Close(); s.Close() })
			go io.Copy(s, c)
			go func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := s.Read(buf)
					if !held.Load() && hold() {
						held.Store(true)
						select { // release nil: held until the test ends, the connection open and silent
						case <-release:
						case <-ended:
						}
					}
					if n > 0 {
						if _, werr := c.Write(buf[:n]); werr != nil {
							return
						}
					}
					if err != nil {
						c.Close()
						return
					}
				}
			}()
		}
	}()
	return l.Addr().String()
}

// TestSingleJournalKill9: a single run (no --each) with --journal is
// killed with SIGKILL in mid-commit: QUIT reached the server, which
// deleted the marked messages, and its reply never came back. The
// journal on disk names exactly the messages gone, pending, with no
// outcome line (docs/bulk.md: such entries are "unknown": check the
// mailbox). The same holds for a bulk row; there the interrupt test
// (TestCleanupInterruptAndResume) uses SIGINT, which lets the commit
// finish.
func TestSingleJournalKill9(t *testing.T) {
	srv := startSandbox(t)
	seedMessages(t, srv, 4) // 1 and 3 are two years old
	inbox := func() int { return srv.Store().Count("demo1", "INBOX") }
	h := startHeldCleanup(t, srv, nil)
	time.Sleep(100 * time.Millisecond) // the client waits for the held reply
	select {
	case err := <-h.exited:
		t.Fatalf("the run ended without the QUIT reply (%v):\n%s\n%s", err, h.stdout.String(), h.stderr.String())
	default:
	}
	h.cmd.Process.Signal(os.Kill)
	<-h.exited

	if got := inbox(); got != 2 {
		t.Fatalf("the mailbox holds %d messages, want 2 (QUIT deleted 1 and 3)", got)
	}
	var ids []string
	for _, line := range readLines(t, h.journal) {
		var l journalLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%v: %s", err, line)
		}
		if l.Action != "delete" || l.Outcome != "pending" || l.Key != "demo1" {
			t.Errorf("journal line %s: want only delete entries, pending (no outcome: the run died in its commit)", line)
		}
		ids = append(ids, l.MessageID)
	}
	if strings.Join(ids, " ") != "<seed-1@example.org> <seed-3@example.org>" {
		t.Errorf("the journal names %v, the server deleted seed 1 and 3", ids)
	}
	// What is left is what the journal does not name.
	again := run(t, srv.Env(), demoPasswords, "--journal", h.journal, script("pop3-cleanup.lua"), "--older-than", "365")
	wantCode(t, again, 0)
	wantPrefix(t, again, "deleted 0 (0 bytes), kept 2")
}

// envValue is the value of NAME in env ("" when unset).
func envValue(env []string, name string) string {
	for _, e := range env {
		if v, ok := strings.CutPrefix(e, name+"="); ok {
			return v
		}
	}
	return ""
}

// TestSingleJournalSIGINTInCommit: SIGINT reaches a single run with
// --journal while its QUIT is in flight: the commit is let finish (the
// reply, held until after the signal, is read), the journal settles it
// as committed, and the run exits 130. Before its commit point the same
// signal stops it at once (bulk TestSingle).
func TestSingleJournalSIGINTInCommit(t *testing.T) {
	srv := startSandbox(t)
	seedMessages(t, srv, 4)
	inbox := func() int { return srv.Store().Count("demo1", "INBOX") }
	release := make(chan struct{})
	h := startHeldCleanup(t, srv, release)
	h.cmd.Process.Signal(os.Interrupt)
	select {
	case err := <-h.exited:
		t.Fatalf("SIGINT cut the commit under way (%v):\n%s\n%s", err, h.stdout.String(), h.stderr.String())
	case <-time.After(300 * time.Millisecond):
	}
	close(release) // the +OK to QUIT comes through
	var err error
	select {
	case err = <-h.exited:
	case <-time.After(30 * time.Second):
		h.cmd.Process.Kill()
		t.Fatalf("the run did not end after its commit:\n%s", h.stderr.String())
	}
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 130 {
		t.Errorf("exit %v, want 130\n%s", err, h.stderr.String())
	}
	if strings.Contains(h.stderr.String(), "never confirmed") {
		t.Errorf("stderr calls the commit unconfirmed:\n%s", h.stderr.String())
	}
	if got := inbox(); got != 2 {
		t.Errorf("the mailbox holds %d messages, want 2", got)
	}
	uids, outcome := singleJournal(t, h.journal, "demo1", "delete")
	if len(uids) != 2 || outcome != "committed" {
		t.Errorf("journal: %v, outcome %q; want 2 entries, committed", uids, outcome)
	}
}

// heldCleanup is a single pop3-cleanup run with --journal whose QUIT has
// reached the server and deleted, its reply held by a holdingProxy.
type heldCleanup struct {
	cmd            *exec.Cmd
	exited         chan error
	stdout, stderr *strings.Builder
	journal        string
}

// startHeldCleanup starts pop3-cleanup.lua --older-than 365 against srv
// through a proxy that holds the server's bytes once the sandbox has
// deleted (it deletes at QUIT before it answers) until release is
// closed, and returns when QUIT has reached the server.
func startHeldCleanup(t *testing.T, srv *sandbox.Server, release chan struct{}) heldCleanup {
	t.Helper()
	inbox := func() int { return srv.Store().Count("demo1", "INBOX") }
	before := inbox()
	env := replaceEnv(srv.Env(), "MAILEXPECT_POP3", holdingProxy(t, envValue(srv.Env(), "MAILEXPECT_POP3"),
		func() bool { return inbox() < before }, release))
	h := heldCleanup{journal: filepath.Join(t.TempDir(), "journal.jsonl"), exited: make(chan error, 1),
		stdout: new(strings.Builder), stderr: new(strings.Builder)}
	h.cmd = exec.Command(bin, "--journal", h.journal, script("pop3-cleanup.lua"), "--older-than", "365")
	h.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TZ=UTC"}, env...)
	h.cmd.Stdout, h.cmd.Stderr = h.stdout, h.stderr
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { h.exited <- h.cmd.Wait() }()
	deadline := time.After(30 * time.Second)
	for inbox() == before {
		select {
		case err := <-h.exited:
			t.Fatalf("the run ended before its commit (%v):\n%s\n%s", err, h.stdout.String(), h.stderr.String())
		case <-deadline:
			h.cmd.Process.Kill()
			t.Fatalf("QUIT never reached the server:\n%s", h.stderr.String())
		case <-time.After(time.Millisecond):
		}
	}
	return h
}
