package scripts_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// A single mailbox's dry run lists what it would delete; the real run
// then deletes exactly those messages and nothing else (Maildir files
// and the server's UIDs compared), and the dry run deletes nothing.

// listedRE is a line of the dry-run listing: POP3 "  N  UIDL  DATE  SIZE
// SUBJECT", IMAP "  UID  DATE  SIZE  SUBJECT"; DATE is "YYYY-MM-DD HH:MM"
// or "-".
var (
	pop3ListedRE = regexp.MustCompile(`^  +(\d+)  (\S+) +(\d{4}-\d\d-\d\d \d\d:\d\d|-) +(\d+)  (.*)$`)
	imapListedRE = regexp.MustCompile(`^  (\d+) +(\d{4}-\d\d-\d\d \d\d:\d\d|-) +(\d+)  (.*)$`)
)

// listedMessage is one message of a listing, text or --json.
type listedMessage struct {
	UID     string
	N       int
	Date    string
	Size    int64
	Subject string
}

// parseListing reads the text listing after the summary line: the
// messages, and the "... and M more" count (0 when every one is listed).
func parseListing(t *testing.T, r result, pop3 bool) (msgs []listedMessage, more int) {
	t.Helper()
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	for i, line := range lines[1:] {
		if i == 0 {
			want := regexp.MustCompile(`^  UID +DATE \(UTC\) +SIZE  SUBJECT$`)
			if pop3 {
				want = regexp.MustCompile(`^  +#  UIDL +DATE \(UTC\) +SIZE  SUBJECT$`)
			}
			if !want.MatchString(line) {
				t.Fatalf("the listing's header %q lacks %q\n%s", line, want, r)
			}
			continue
		}
		if n, err := fmt.Sscanf(line, "  ... and %d more (--show all lists every one)", &more); n == 1 && err == nil {
			continue
		}
		var m listedMessage
		if pop3 {
			f := pop3ListedRE.FindStringSubmatch(line)
			if f == nil {
				t.Fatalf("not a listing line: %q\n%s", line, r)
			}
			fmt.Sscan(f[1], &m.N)
			m.UID, m.Date, m.Subject = f[2], f[3], f[5]
			fmt.Sscan(f[4], &m.Size)
		} else {
			f := imapListedRE.FindStringSubmatch(line)
			if f == nil {
				t.Fatalf("not a listing line: %q\n%s", line, r)
			}
			m.UID, m.Date, m.Subject = f[1], f[2], f[4]
			fmt.Sscan(f[3], &m.Size)
		}
		msgs = append(msgs, m)
	}
	return msgs, more
}

// cleanupJSON is the --json output of a cleanup script.
type cleanupJSON struct {
	Deleted     *int  `json:"deleted"`
	WouldDelete *int  `json:"would_delete"`
	Kept        int   `json:"kept"`
	UIDs        []any `json:"uids"`
	Messages    []struct {
		UID     any    `json:"uid"`
		N       int    `json:"n"`
		Date    string `json:"date"`
		Size    int64  `json:"size"`
		Subject string `json:"subject"`
	} `json:"messages"`
}

func parseCleanupJSON(t *testing.T, r result) cleanupJSON {
	t.Helper()
	var out cleanupJSON
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("--json output: %v\n%s", err, r)
	}
	return out
}

func uidsOf(msgs []listedMessage) []string {
	var out []string
	for _, m := range msgs {
		out = append(out, m.UID)
	}
	sort.Strings(out)
	return out
}

func anyStrings(vs []any) []string {
	var out []string
	for _, v := range vs {
		out = append(out, fmt.Sprint(v))
	}
	sort.Strings(out)
	return out
}

// doomedSubjects are the decoded subjects of the messages 1, 2, 3, 8 and
// 9 that seedNewsletters makes and the criteria doom.
var doomedSubjects = []string{"NEWSLETTER in capitals", "Newsletter 1", "Newsletter 2", "Newsletter 3", "Newsletter été"}

// TestCleanupDryRunListsWhatGoes: for each cleanup script, against
// Dovecot, one mailbox (no --each): the dry run lists the five doomed
// messages (--show all, --show 2, --json) and changes nothing; the real
// run deletes exactly the UIDs listed.
func TestCleanupDryRunListsWhatGoes(t *testing.T) {
	st := mailstack.Require(t)
	for _, tc := range []struct {
		script string
		pop3   bool
		seed   func(*testing.T, *mailstack.Stack, mailstack.User)
		args   []string
		before int
	}{
		{"pop3-cleanup.lua", true, seedCleanup, cleanupCriteria, 10},
		{"imap-cleanup.lua", false, imapCleanupSeed, []string{"--older-than", "365", "--subject", "newsletter"}, 11},
	} {
		t.Run(tc.script, func(t *testing.T) {
			t.Parallel()
			u := st.TakeUser(t)
			tc.seed(t, st, u)
			env := stackEnv(st, u)
			args := func(extra ...string) []string {
				return append(append([]string{script(tc.script)}, tc.args...), extra...)
			}
			// files counts the Maildir files; none may carry the Seen flag
			// (the dry run reads headers with TOP and BODY.PEEK).
			files := func() int {
				paths, err := st.Mailbox(u.Name)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range paths {
					if _, flags, _ := strings.Cut(filepath.Base(p), ":2,"); strings.Contains(flags, "S") {
						t.Errorf("%s is marked seen", p)
					}
				}
				return len(paths)
			}

			dir := t.TempDir()
			dryJournal, realJournal := filepath.Join(dir, "dry.jsonl"), filepath.Join(dir, "real.jsonl")
			dry := run(t, env, []string{u.Password}, append([]string{"--dry-run", "--journal", dryJournal}, args("--show", "all")...)...)
			wantCode(t, dry, 0)
			if !strings.HasPrefix(dry.firstLine(), "would delete 5 (") {
				t.Errorf("summary line %q", dry.firstLine())
			}
			listed, more := parseListing(t, dry, tc.pop3)
			if len(listed) != 5 || more != 0 {
				t.Fatalf("--show all listed %d messages (and %d more), want 5:\n%s", len(listed), more, dry)
			}
			var subjects []string
			for _, m := range listed {
				subjects = append(subjects, m.Subject)
				if m.Size <= 0 || m.Date == "-" || (tc.pop3 && m.N <= 0) {
					t.Errorf("listed %+v", m)
				}
			}
			sort.Strings(subjects)
			if fmt.Sprint(subjects) != fmt.Sprint(doomedSubjects) {
				t.Errorf("listed subjects %q, want %q", subjects, doomedSubjects)
			}
			if got := files(); got != tc.before {
				t.Fatalf("the dry run left %d Maildir files of %d", got, tc.before)
			}

			short := run(t, env, []string{u.Password}, append([]string{"--dry-run"}, args("--show", "2")...)...)
			wantCode(t, short, 0)
			if two, more := parseListing(t, short, tc.pop3); len(two) != 2 || more != 3 ||
				fmt.Sprint(two) != fmt.Sprint(listed[:2]) {
				t.Errorf("--show 2 listed %v and %d more, want %v and 3 more", two, more, listed[:2])
			}

			js := parseCleanupJSON(t, run(t, env, []string{u.Password}, append([]string{"--dry-run"}, args("--json")...)...))
			if js.Deleted != nil || js.WouldDelete == nil || *js.WouldDelete != 5 || len(js.Messages) != 5 {
				t.Fatalf("--json dry run: deleted %v would_delete %v, %d messages", js.Deleted, js.WouldDelete, len(js.Messages))
			}
			var jsUIDs []any
			for k, m := range js.Messages {
				jsUIDs = append(jsUIDs, m.UID)
				if fmt.Sprint(m.UID) != listed[k].UID || m.Size != listed[k].Size || m.Date == "" || m.Subject == "" {
					t.Errorf("--json message %d %+v, the listing has %+v", k, m, listed[k])
				}
			}
			if got := files(); got != tc.before {
				t.Fatalf("the dry runs left %d Maildir files of %d", got, tc.before)
			}

			// The real run deletes exactly what was listed.
			real := run(t, env, []string{u.Password}, append([]string{"--journal", realJournal}, args("--json", "--list-uids")...)...)
			wantCode(t, real, 0)
			done := parseCleanupJSON(t, real)
			if done.WouldDelete != nil || done.Deleted == nil || *done.Deleted != 5 {
				t.Errorf("--json real run: deleted %v would_delete %v", done.Deleted, done.WouldDelete)
			}
			if got, want := anyStrings(done.UIDs), uidsOf(listed); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the real run deleted UIDs %v, the dry run listed %v", got, want)
			}
			if got, want := anyStrings(jsUIDs), uidsOf(listed); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("--json listed UIDs %v, the text listing %v", got, want)
			}
			if got := files(); got != tc.before-5 {
				t.Errorf("after the real run %d Maildir files, want %d", got, tc.before-5)
			}

			// --journal without --each: the same entries and outcomes as a
			// bulk row's, keyed by the mailbox.
			for _, j := range []struct{ path, action, outcome string }{
				{dryJournal, "would-delete", "none"}, {realJournal, "delete", "committed"},
			} {
				uids, outcome := singleJournal(t, j.path, u.Name, j.action)
				if fmt.Sprint(uids) != fmt.Sprint(uidsOf(listed)) || outcome != j.outcome {
					t.Errorf("%s: journaled %v, outcome %q; the dry run listed %v, want outcome %q",
						filepath.Base(j.path), uids, outcome, uidsOf(listed), j.outcome)
				}
			}
		})
	}
}

// singleJournal reads the journal of a single run: the UIDs of its
// entries (each of key and action, pending) and the outcome line that
// settles them all.
func singleJournal(t *testing.T, path, key, action string) (uids []string, outcome string) {
	t.Helper()
	for _, line := range readLines(t, path) {
		var l journalLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%s: %v: %s", path, err, line)
		}
		switch {
		case l.Key != key || l.Row != 0:
			t.Errorf("%s: key %q row %d, want %q and no row: %s", path, l.Key, l.Row, key, line)
		case outcome != "":
			t.Errorf("%s: a line after the outcome: %s", path, line)
		case l.Action == "":
			outcome = l.Outcome
			if l.Entries != len(uids) {
				t.Errorf("%s: the outcome settles %d entries, %d written: %s", path, l.Entries, len(uids), line)
			}
		case l.Action != action || l.Outcome != "pending" || l.Size <= 0 || l.Subject == "":
			t.Errorf("%s: entry %s, want action %q pending with size and subject", path, line, action)
		default:
			uids = append(uids, l.UID)
		}
	}
	sort.Strings(uids)
	return uids, outcome
}

// TestCleanupDryRunListsSandbox: the same against the sandbox, with a
// Subject that carries a terminal escape sequence and a bidi override:
// listed escaped, never raw.
func TestCleanupDryRunListsSandbox(t *testing.T) {
	for _, name := range []string{"pop3-cleanup.lua", "imap-cleanup.lua"} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			srv := startSandbox(t)
			seedMessages(t, srv, 4) // seed 1 and 3 are two years old
			evil := "From: x@example.org\r\nTo: demo1@sandbox.test\r\nSubject: =?UTF-8?Q?=1B]0;pwned=07=1B[2J_=E2=80=AEfdp.exe?=\r\n" +
				"Date: " + time.Now().AddDate(-3, 0, 0).Format(time.RFC1123Z) + "\r\n\r\nold\r\n"
			if err := srv.Store().Deliver("demo1@sandbox.test", []byte(evil)); err != nil {
				t.Fatal(err)
			}
			pop3 := name == "pop3-cleanup.lua"
			for _, bad := range []string{"x", "-1", "2.5"} {
				r := run(t, srv.Env(), demoPasswords, "--dry-run", script(name), "--older-than", "365", "--show", bad)
				wantCode(t, r, 2)
				if !strings.Contains(r.stderr, "--show wants a number of messages >= 0, or all") {
					t.Errorf("--show %s: %s", bad, r)
				}
			}
			dry := run(t, srv.Env(), demoPasswords, "--dry-run", script(name), "--older-than", "365")
			wantCode(t, dry, 0)
			listed, more := parseListing(t, dry, pop3)
			if len(listed) != 3 || more != 0 {
				t.Fatalf("listed %d (and %d more), want 3:\n%s", len(listed), more, dry)
			}
			if strings.ContainsAny(dry.stdout, "\x1b\x07") || strings.Contains(dry.stdout, "\u202e") ||
				listed[2].Subject != `\x1b]0;pwned\x07\x1b[2J \u202efdp.exe` {
				t.Errorf("the listing shows a subject raw, or not as escaped: %q", dry.stdout)
			}
			if got := srv.Store().Count("demo1", "INBOX"); got != 5 {
				t.Fatalf("the dry run left %d messages of 5", got)
			}
			real := parseCleanupJSON(t, run(t, srv.Env(), demoPasswords, script(name), "--older-than", "365", "--json", "--list-uids"))
			if got, want := anyStrings(real.UIDs), uidsOf(listed); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("the real run deleted %v, the dry run listed %v", got, want)
			}
			if got := srv.Store().Count("demo1", "INBOX"); got != 2 {
				t.Errorf("after the real run %d messages, want 2", got)
			}
		})
	}
}
