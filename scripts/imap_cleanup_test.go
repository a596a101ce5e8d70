package scripts_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// imap-cleanup.lua against Dovecot (the package's shared stack): the
// IMAP twin of pop3-cleanup.lua, searching on the server and deleting by
// UID.

// imapCleanupSeed fills u's INBOX: message k has Message-ID
// <k.user@imap-cleanup.test>. With --older-than 365 --subject newsletter,
// 1, 2, 3, 8 and 9 go; 4 (wrong subject), 5 (recent), 6 (no Date), 7 (bad
// Date), 10 (dated in the future) and 11 (old newsletter, but flagged
// \Deleted by another client and not expunged: not in the script's
// search... and never expunged by it) stay.
func imapCleanupSeed(t *testing.T, st *mailstack.Stack, u mailstack.User) {
	t.Helper()
	seedNewsletters(t, st, u, "imap-cleanup.test", "A004 OK not a reply\n* BYE not a goodbye\n",
		newsletter{time.Now().AddDate(0, 0, -500).Format(time.RFC1123Z), "Someone else's"})
	// Another client flags message 11 \Deleted and leaves it there.
	r := run(t, stackEnv(st, u), []string{u.Password}, "-e", `
local imap = require "imap"
local i = imap.open{url = "imap://" .. env("MAILEXPECT_IMAP"), user = env("MAILEXPECT_USER"),
                    pass = secret_env("MAILEXPECT_PASS"), ca_file = env("MAILEXPECT_CA_FILE")}
i:select("INBOX")
local uids = i:uid_search{"HEADER", "Message-ID", imap.string("<11.")}
assert(#uids == 1, "message 11 not found")
i:uid_store(uids, "+FLAGS.SILENT", "(\\Deleted)")
i:logout()`)
	wantCode(t, r, 0)
}

var imapBytesRE = regexp.MustCompile(`\(\d+ bytes\)`)

// imapWantLine is wantLine with the byte count shown as N.
func imapWantLine(t *testing.T, r result, want string) {
	t.Helper()
	if got := imapBytesRE.ReplaceAllString(r.firstLine(), "(N bytes)"); got != want {
		t.Errorf("status line\n got %q\nwant %q\n%s", got, want, r)
	}
}

func imapCleanupArgs(extra ...string) []string {
	return append([]string{script("imap-cleanup.lua"), "--older-than", "365", "--subject", "newsletter"}, extra...)
}

// TestIMAPCleanupDryRunThenReal: the dry run changes nothing and reports
// what the real run then deletes; the real run leaves the non-matching
// messages, and the one another client flagged \Deleted, in place.
func TestIMAPCleanupDryRunThenReal(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	imapCleanupSeed(t, st, u)
	all := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}

	// -v: the transcript shows EXAMINE under --dry-run, and no password.
	dry := run(t, stackEnv(st, u), []string{u.Password}, append([]string{"--dry-run", "-v"}, imapCleanupArgs("--list-uids")...)...)
	wantCode(t, dry, 0)
	imapWantLine(t, dry, "would delete 5 (N bytes), kept 6 (2 undated)")
	sentRE := regexp.MustCompile(`>> A\d+ (UID )?(SELECT|STORE|EXPUNGE|MOVE)`)
	if !strings.Contains(dry.stderr, `>> A004 EXAMINE "INBOX"`) || sentRE.MatchString(dry.stderr) ||
		!strings.Contains(dry.stderr, "--- dry-run: would send UID STORE 1:3,8:9 +FLAGS.SILENT (\\Deleted)") {
		t.Errorf("the dry run's transcript:\n%s", dry.stderr)
	}
	if got := mailboxNumbers(t, st, u); fmt.Sprint(got) != fmt.Sprint(all) {
		t.Fatalf("the dry run changed the mailbox: %v", got)
	}

	real := run(t, stackEnv(st, u), []string{u.Password}, append([]string{"-v"}, imapCleanupArgs()...)...)
	wantCode(t, real, 0)
	imapWantLine(t, real, "deleted 5 (N bytes), kept 6 (2 undated)")
	for _, want := range []string{" UID STORE ", " +FLAGS.SILENT (\\Deleted)", " UID EXPUNGE "} {
		if !strings.Contains(real.stderr, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, real.stderr)
		}
	}
	if regexp.MustCompile(`>> A\d+ EXPUNGE`).MatchString(real.stderr) {
		t.Errorf("a bare EXPUNGE was sent:\n%s", real.stderr)
	}
	if got := mailboxNumbers(t, st, u); fmt.Sprint(got) != fmt.Sprint([]int{4, 5, 6, 7, 10, 11}) {
		t.Errorf("after the real run the mailbox holds %v, want [4 5 6 7 10 11]", got)
	}

	// Nothing left to do.
	again := run(t, stackEnv(st, u), []string{u.Password}, imapCleanupArgs()...)
	wantCode(t, again, 0)
	imapWantLine(t, again, "deleted 0 (N bytes), kept 6 (2 undated)")
}

// TestIMAPCleanupMoveAndGuards: --move-to with --create over implicit TLS,
// --received-older-than on INTERNALDATE, and --max-delete refusing a
// criterion wider than meant.
func TestIMAPCleanupMoveAndGuards(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	u := st.TakeUser(t)
	imapCleanupSeed(t, st, u)
	env := replaceEnv(stackEnv(st, u), "MAILEXPECT_IMAP", "imaps://"+st.IMAPS)

	wide := run(t, env, []string{u.Password}, script("imap-cleanup.lua"), "--all", "--max-delete", "3")
	wantCode(t, wide, 1)
	if !strings.Contains(wide.stderr, "11 messages match, more than --max-delete 3: nothing deleted") {
		t.Errorf("stderr:\n%s", wide.stderr)
	}
	if got := mailboxNumbers(t, st, u); len(got) != 11 {
		t.Fatalf("--max-delete: the mailbox holds %v", got)
	}

	mv := run(t, env, []string{u.Password}, script("imap-cleanup.lua"), "--subject", "invoice", "--move-to", "Trash", "--create")
	wantCode(t, mv, 0)
	imapWantLine(t, mv, "moved 1 (N bytes) to Trash, kept 10")
	if got := mailboxNumbers(t, st, u); fmt.Sprint(got) != fmt.Sprint([]int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("after the move the INBOX holds %v", got)
	}

	// An old arrival date (APPEND with INTERNALDATE), then
	// --received-older-than: the seeded messages arrived today and stay.
	add := run(t, env, []string{u.Password}, "-e", `
local imap = require "imap"
local i = imap.open{url = env("MAILEXPECT_IMAP"), user = env("MAILEXPECT_USER"),
                    pass = secret_env("MAILEXPECT_PASS"), ca_file = env("MAILEXPECT_CA_FILE")}
i:append("INBOX", "Message-ID: <12.x@imap-cleanup.test>\r\nSubject: archived\r\n\r\nold\r\n", {date = "01-Jan-2020 10:00:00 +0000"})
assert(i:status("Trash").MESSAGES == 1, "the invoice is in Trash")
i:logout()`)
	wantCode(t, add, 0)
	old := run(t, env, []string{u.Password}, script("imap-cleanup.lua"), "--received-older-than", "30", "--list-uids")
	wantCode(t, old, 0)
	imapWantLine(t, old, "deleted 1 (N bytes), kept 10")
	if got := mailboxNumbers(t, st, u); fmt.Sprint(got) != fmt.Sprint([]int{1, 2, 3, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("after --received-older-than the INBOX holds %v", got)
	}

	bad := run(t, env, nil, script("imap-cleanup.lua"))
	wantCode(t, bad, 2)
	if !strings.Contains(bad.stderr, "no criterion") {
		t.Errorf("no criterion: %s", bad)
	}
}

// TestIMAPCleanupBulk: --each over three mailboxes with --journal: the
// dry run journals exactly what the real run deletes, with the details
// the journal promises, and the outcomes say none and committed.
func TestIMAPCleanupBulk(t *testing.T) {
	st := mailstack.Require(t)
	t.Parallel()
	dir := t.TempDir()
	f, err := os.OpenFile(filepath.Join(dir, "rows.csv"), os.O_WRONLY|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write([]string{"user", "pass", "host"})
	var users []mailstack.User
	for k := 0; k < 3; k++ {
		u := st.TakeUser(t)
		imapCleanupSeed(t, st, u)
		users = append(users, u)
		w.Write([]string{u.Name, u.Password, st.IMAP})
	}
	w.Flush()
	f.Close()
	env := []string{"MAILEXPECT_CA_FILE=" + st.CAFile}
	scriptPath, _ := filepath.Abs(script("imap-cleanup.lua"))
	rows := filepath.Join(dir, "rows.csv")

	for _, pass := range []struct {
		flags   []string
		journal string
		action  string
		outcome string
	}{
		{[]string{"--dry-run"}, "dry.jsonl", "would-delete", "none"},
		{nil, "real.jsonl", "delete", "committed"},
	} {
		args := append(append([]string{"--each", rows, "--jobs", "3"}, pass.flags...),
			"--journal", filepath.Join(dir, pass.journal), scriptPath, "--older-than", "365", "--subject", "newsletter")
		r := run(t, env, []string{users[0].Password}, args...)
		wantCode(t, r, 0)
		data, err := os.ReadFile(filepath.Join(dir, pass.journal))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(data), users[0].Password) {
			t.Errorf("the journal holds the password")
		}
		ids, outcomes := map[string][]string{}, map[string]string{}
		for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var e struct {
				Key, UID, MessageID, Subject, Mailbox, Action, Outcome string
				UIDValidity                                            uint32
				Size                                                   int64
			}
			var raw map[string]any
			json.Unmarshal([]byte(line), &raw)
			e.Key, _ = raw["key"].(string)
			e.UID, _ = raw["uid"].(string)
			e.MessageID, _ = raw["message_id"].(string)
			e.Subject, _ = raw["subject"].(string)
			e.Mailbox, _ = raw["mailbox"].(string)
			e.Action, _ = raw["action"].(string)
			e.Outcome, _ = raw["outcome"].(string)
			if v, ok := raw["uidvalidity"].(float64); ok {
				e.UIDValidity = uint32(v)
			}
			if v, ok := raw["size"].(float64); ok {
				e.Size = int64(v)
			}
			if e.Action == "" {
				outcomes[e.Key] = e.Outcome
				continue
			}
			if e.Action != pass.action || e.Mailbox != "INBOX" || e.UID == "" || e.UIDValidity == 0 || e.Size <= 0 || e.Subject == "" {
				t.Errorf("%s: journal entry %s", pass.journal, line)
			}
			ids[e.Key] = append(ids[e.Key], strings.Split(strings.Trim(e.MessageID, "<>"), ".")[0])
		}
		for _, u := range users {
			sort.Strings(ids[u.Name])
			if fmt.Sprint(ids[u.Name]) != "[1 2 3 8 9]" || outcomes[u.Name] != pass.outcome {
				t.Errorf("%s, %s: journaled %v, outcome %q; want [1 2 3 8 9], %q", pass.journal, u.Name, ids[u.Name], outcomes[u.Name], pass.outcome)
			}
			want := []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}
			if pass.action == "delete" {
				want = []int{4, 5, 6, 7, 10, 11}
			}
			if got := mailboxNumbers(t, st, u); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%s after %s: %v, want %v", u.Name, pass.journal, got, want)
			}
		}
	}
}
