package luabind

import (
	"bufio"
	"context"
	"net"
	"strings"
	"sync"
	"testing"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/bulk"
)

// fakeIMAP is a PREAUTH IMAP server with UIDPLUS that says OK to every
// command, recording them (tag stripped).
type fakeIMAP struct {
	addr string
	mu   sync.Mutex
	cmds []string
}

func newFakeIMAP(t *testing.T) *fakeIMAP {
	f := &fakeIMAP{}
	f.addr = fakeserver.Serve(t, f.serve)
	return f
}

func (f *fakeIMAP) commands() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cmds...)
}

func (f *fakeIMAP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := func(s string) { c.Write([]byte(s + "\r\n")) }
	w("* PREAUTH [CAPABILITY IMAP4rev1 UIDPLUS] fake IMAP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		tag, cmd, _ := strings.Cut(strings.TrimRight(line, "\r\n"), " ")
		f.mu.Lock()
		f.cmds = append(f.cmds, cmd)
		f.mu.Unlock()
		switch verb, _, _ := strings.Cut(strings.ToUpper(cmd), " "); verb {
		case "SELECT", "EXAMINE":
			w("* 3 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" + tag + " OK [READ-WRITE] selected")
		case "STATUS":
			w("* STATUS x (MESSAGES 4 UIDVALIDITY 7)\r\n" + tag + " OK done")
		case "LOGOUT":
			w("* BYE bye\r\n" + tag + " OK done")
			return
		default:
			w(tag + " OK done")
		}
	}
}

// rawDelete deletes through raw commands, in both forms: each one that
// removes messages is a commit point (mailexpect.safety), recognised from
// its parsed arguments (imapwire.Classify).
const rawDelete = `local imap = require "imap"
local i = imap.open{url = "imap://" .. row.host, tls = "none"}
i:select("INBOX")
i:cmd("UID STORE 5 +FLAGS.SILENT (\\Deleted)")
i:cmd{"UID", "EXPUNGE", 5}
i:logout()
return "done"
`

// TestBulkJobIMAPRawCommit: raw destructive IMAP commands are commit
// points in a bulk run (the outcome is recorded) and are refused, with
// nothing sent, under --dry-run.
func TestBulkJobIMAPRawCommit(t *testing.T) {
	srv := newFakeIMAP(t)
	out := runBulk(t, context.Background(), rawDelete, rowsFor(srv.addr, "ann"), Config{}, bulk.Config{})
	if l := out.results[0]; l["status"] != "ok" || l["commit"] != "committed" || l["result"] != "done" {
		t.Errorf("result %v\nstderr: %s", l, out.stderr)
	}
	got := strings.Join(srv.commands(), "\n")
	for _, want := range []string{"UID STORE 5 +FLAGS.SILENT (\\Deleted)", "UID EXPUNGE 5", "LOGOUT"} {
		if !strings.Contains(got, want) {
			t.Errorf("commands lack %q:\n%s", want, got)
		}
	}

	dry := newFakeIMAP(t)
	out = runBulk(t, context.Background(), rawDelete, rowsFor(dry.addr, "bob"), Config{DryRun: true}, bulk.Config{})
	l := out.results[0]
	if l["status"] != "failed" || l["commit"] != "none" {
		t.Errorf("dry run: result %v", l)
	}
	if e, _ := l["error"].(map[string]any); e == nil || e["kind"] != "usage" ||
		!strings.Contains(e["message"].(string), `UID STORE of \Deleted refused under --dry-run`) {
		t.Errorf("dry run: error %v", l["error"])
	}
	for _, c := range dry.commands() {
		if strings.Contains(c, "STORE") || strings.Contains(c, "EXPUNGE") {
			t.Errorf("dry run sent %q: %v", c, dry.commands())
		}
	}
}

// mailboxRetire deletes and renames mailboxes with Unicode names.
const mailboxRetire = `local imap = require "imap"
local i = imap.open{url = "imap://" .. row.host, tls = "none"}
local d = i:delete("Entwürfe")
local r = i:rename("Alt", "日本語")
i:logout()
return tostring(d.dry_run) .. " " .. tostring(r.dry_run)
`

// TestBulkJobIMAPMailboxRetire: i:delete and i:rename take every message
// away from a name, so they are journaled first (one entry per mailbox,
// uid "*", with its message count and the rename's target) and are
// commit points; under --dry-run they are journaled as would-delete and
// nothing is sent.
func TestBulkJobIMAPMailboxRetire(t *testing.T) {
	for _, dry := range []bool{false, true} {
		srv := newFakeIMAP(t)
		out := runBulk(t, context.Background(), mailboxRetire, rowsFor(srv.addr, "ann"), Config{DryRun: dry}, bulk.Config{})
		l := out.results[0]
		wantResult, wantCommit, action := "nil nil", "committed", "delete"
		if dry {
			wantResult, wantCommit, action = "true true", "none", "would-delete"
		}
		if l["status"] != "ok" || l["commit"] != wantCommit || l["result"] != wantResult {
			t.Errorf("dry %v: result %v\nstderr: %s", dry, l, out.stderr)
		}
		var entries []map[string]any
		for _, j := range out.journal {
			if j["uid"] == "*" {
				entries = append(entries, j)
			}
		}
		if len(entries) != 2 {
			t.Fatalf("dry %v: journal %v", dry, out.journal)
		}
		for k, want := range []map[string]any{
			{"mailbox": "Entwürfe", "messages": 4.0, "uidvalidity": 7.0, "action": action},
			{"mailbox": "Alt", "target": "日本語", "messages": 4.0, "action": action},
		} {
			for f, v := range want {
				if entries[k][f] != v {
					t.Errorf("dry %v: journal entry %v: %s = %v, want %v", dry, entries[k], f, entries[k][f], v)
				}
			}
		}
		got := strings.Join(srv.commands(), "\n")
		for _, cmd := range []string{`DELETE "Entw&APw-rfe"`, `RENAME "Alt" "&ZeVnLIqe-"`} {
			if strings.Contains(got, cmd) == dry {
				t.Errorf("dry %v: %s sent = %v:\n%s", dry, cmd, !dry, got)
			}
		}
	}
}
