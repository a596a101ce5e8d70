package scripts_test

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
)

// The bulk cleanup, end to end: the real binary with --each over many
// Dovecot mailboxes (a private stack per test), seeded with messages whose
// dates and subjects decide their fate.

// cleanupPassword is every mailbox's password: a double quote makes the
// CSV quote it, and it is odd enough to grep for in every output.
const cleanupPassword = `Bk"pw-9Zr.q`

// The seeded mailbox: message k has Message-ID <k.user@cleanup.test>.
// With --older-than 365 --subject '(?i)newsletter', 1, 2, 3, 8 and 9 go;
// 4 (wrong subject), 5 (recent), 6 (no Date), 7 (bad Date) and 10 (dated
// in the future) stay.
var (
	cleanupCriteria = []string{"--older-than", "365", "--subject", "(?i)newsletter"}
	doomed          = []int{1, 2, 3, 8, 9}
	survivors       = []int{4, 5, 6, 7, 10}
)

func seedCleanup(t *testing.T, st *mailstack.Stack, u mailstack.User) {
	t.Helper()
	seedNewsletters(t, st, u, "cleanup.test", "")
}

// newsletter is one seeded message; an empty date leaves out the Date
// header.
type newsletter struct{ date, subject string }

// seedNewsletters fills u's INBOX with the ten messages both cleanup
// scripts are tested on, then extra: message k has Message-ID
// <k.user@domain>, and trailer ends every body.
func seedNewsletters(t *testing.T, st *mailstack.Stack, u mailstack.User, domain, trailer string, extra ...newsletter) {
	t.Helper()
	now := time.Now()
	days := func(n int) string { return now.AddDate(0, 0, -n).Format(time.RFC1123Z) }
	msgs := append([]newsletter{
		1:  {days(400), "Newsletter 1"},
		2:  {days(400), "Newsletter 2"},
		3:  {days(3000), "Newsletter 3"},
		4:  {days(400), "Invoice"},
		5:  {days(10), "newsletter, recent"},
		6:  {"", "Newsletter without a date"},
		7:  {"yesterday-ish", "Newsletter with a bad date"},
		8:  {days(800), "=?UTF-8?Q?Newsletter_=C3=A9t=C3=A9?="},
		9:  {days(366), "NEWSLETTER in capitals"},
		10: {now.AddDate(0, 0, 400).Format(time.RFC1123Z), "Newsletter from the future"},
	}, extra...)
	for k := 1; k < len(msgs); k++ {
		m := msgs[k]
		var b strings.Builder
		fmt.Fprintf(&b, "Message-ID: <%d.%s@%s>\n", k, u.Name, domain)
		if m.date != "" {
			fmt.Fprintf(&b, "Date: %s\n", m.date)
		}
		fmt.Fprintf(&b, "From: News <news@example.com>\nTo: %s\nSubject: %s\n\nbody %d\n%s", u.Address, m.subject, k, trailer)
		if err := st.Seed(u.Name, []byte(b.String())); err != nil {
			t.Fatal(err)
		}
	}
}

var messageIDRE = regexp.MustCompile(`(?m)^Message-ID: <(\d+)\.`)

// mailboxNumbers returns the k of every message left in u's INBOX.
func mailboxNumbers(t *testing.T, st *mailstack.Stack, u mailstack.User) []int {
	t.Helper()
	paths, err := st.Mailbox(u.Name)
	if err != nil {
		t.Fatal(err)
	}
	var ks []int
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		m := messageIDRE.FindSubmatch(data)
		if m == nil {
			t.Fatalf("%s: no Message-ID", p)
		}
		var k int
		fmt.Sscan(string(m[1]), &k)
		ks = append(ks, k)
	}
	sort.Ints(ks)
	return ks
}

func intsEqual(a, b []int) bool { return fmt.Sprint(a) == fmt.Sprint(b) }

// cleanupStack starts a private stack of n seeded mailboxes and writes
// rows.csv (user, pass, host) for them.
func cleanupStack(t *testing.T, n int, extra func(i int) []string, extraCols ...string) (*mailstack.Stack, string) {
	t.Helper()
	st := mailstack.NewStack(t, mailstack.Options{Users: n, Password: cleanupPassword})
	dir := t.TempDir()
	f, err := os.Create(filepath.Join(dir, "rows.csv"))
	if err != nil {
		t.Fatal(err)
	}
	w := csv.NewWriter(f)
	w.Write(append([]string{"user", "pass", "host"}, extraCols...))
	for i, u := range st.Users {
		seedCleanup(t, st, u)
		rec := []string{u.Name, u.Password, st.POP3}
		if extra != nil {
			rec = append(rec, extra(i)...)
		}
		w.Write(rec)
	}
	w.Flush()
	if err := f.Close(); err != nil || w.Error() != nil {
		t.Fatal(err, w.Error())
	}
	return st, dir
}

// bulkEnv is the environment of a bulk run against st: only its CA.
func bulkEnv(st *mailstack.Stack) []string {
	return []string{"MAILEXPECT_CA_FILE=" + st.CAFile}
}

// bulkRun runs the binary in dir and checks that the password appears in
// no output and no file the run wrote there.
func bulkRun(t *testing.T, st *mailstack.Stack, dir string, args ...string) result {
	t.Helper()
	return bulkRunEnv(t, st, dir, nil, args...)
}

// bulkRunEnv is bulkRun with more environment variables.
func bulkRunEnv(t *testing.T, st *mailstack.Stack, dir string, env []string, args ...string) result {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append(append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TZ=UTC"}, bulkEnv(st)...), env...)
	r := runCmd(t, cmd)
	if testing.Verbose() {
		t.Logf("mailexpect %s\n%s", strings.Join(args, " "), r)
	}
	noLeaks(t, dir, r)
	return r
}

// noLeaks fails the test if the password, in any form a client sends it,
// is in the output or in a file of dir other than rows.csv.
func noLeaks(t *testing.T, dir string, r result) {
	t.Helper()
	texts := map[string]string{"stdout": r.stdout, "stderr": r.stderr}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		if filepath.Base(f) == "rows.csv" || strings.HasSuffix(f, ".lua") {
			continue
		}
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		texts[filepath.Base(f)] = string(data)
		if fi, _ := os.Stat(f); fi.Mode().Perm() != 0o600 {
			t.Errorf("%s has mode %v, want 0600", f, fi.Mode().Perm())
		}
	}
	for name, text := range texts {
		for _, form := range leakForms(cleanupPassword) {
			if strings.Contains(text, form) {
				t.Errorf("%s leaks the password (form %q):\n%s", name, form, text)
			}
		}
	}
}

// resultLine is a line of --results, as far as the tests read it.
type resultLine struct {
	Key     string            `json:"key"`
	Columns map[string]string `json:"columns"`
	Status  string            `json:"status"`
	Commit  string            `json:"commit"`
	Error   *struct {
		Kind    string `json:"kind"`
		Message string `json:"message"`
	} `json:"error"`
	Result map[string]any `json:"result"`
}

func readResults(t *testing.T, path string) []resultLine {
	t.Helper()
	var out []resultLine
	for _, line := range readLines(t, path) {
		var l resultLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%s: %v: %s", path, err, line)
		}
		out = append(out, l)
	}
	return out
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var lines []string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		if sc.Text() != "" {
			lines = append(lines, sc.Text())
		}
	}
	return lines
}

// journalLine is an entry or an outcome line of --journal.
type journalLine struct {
	Key       string `json:"key"`
	Row       int    `json:"row"`
	UID       string `json:"uid"`
	Size      int64  `json:"size"`
	MessageID string `json:"message_id"`
	Date      string `json:"date"`
	Subject   string `json:"subject"`
	Action    string `json:"action"`
	Outcome   string `json:"outcome"`
	Entries   int    `json:"entries"`
}

// journal reads a journal: the messages it names per row key ("k.user"
// from the Message-ID), and the outcome that settled each row.
func readJournal(t *testing.T, path, action string) (msgs map[string][]string, outcomes map[string]string) {
	t.Helper()
	msgs, outcomes = map[string][]string{}, map[string]string{}
	pending := map[string]int{}
	for _, line := range readLines(t, path) {
		var l journalLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatalf("%s: %v: %s", path, err, line)
		}
		if l.Action != "" {
			if l.Action != action || l.Outcome != "pending" {
				t.Errorf("journal entry %s: action %q outcome %q, want %q pending", line, l.Action, l.Outcome, action)
			}
			if l.UID == "" || l.Size <= 0 || l.MessageID == "" || l.Subject == "" {
				t.Errorf("journal entry lacks uid, size, message_id or subject: %s", line)
			}
			if pending[l.Key] == 0 && outcomes[l.Key] != "" {
				// A later attempt (a resumed row) starts a new batch: an
				// earlier batch that was not committed (a commit point the
				// interrupted run refused) deleted nothing, and what the
				// mailbox lost is what the last batch says.
				if outcomes[l.Key] == "committed" {
					t.Errorf("%s: a new batch of %s entries after a committed one: %s", l.Key, action, line)
				}
				msgs[l.Key] = nil
			}
			msgs[l.Key] = append(msgs[l.Key], strings.Trim(l.MessageID, "<>"))
			pending[l.Key]++
			continue
		}
		if l.Entries != pending[l.Key] {
			t.Errorf("outcome line settles %d entries of %s, %d pending: %s", l.Entries, l.Key, pending[l.Key], line)
		}
		pending[l.Key] = 0
		outcomes[l.Key] = l.Outcome
	}
	for k, n := range pending {
		if n > 0 {
			t.Errorf("%d journal entries of %s never settled", n, k)
		}
	}
	for k := range msgs {
		sort.Strings(msgs[k])
	}
	return msgs, outcomes
}

func wantDoomed(u mailstack.User) []string {
	var ids []string
	for _, k := range doomed {
		ids = append(ids, fmt.Sprintf("%d.%s@cleanup.test", k, u.Name))
	}
	sort.Strings(ids)
	return ids
}

// TestCleanupDryRunEqualsRealRun: 40 mailboxes, --jobs 8. The dry run
// changes nothing and journals exactly the messages the real run then
// deletes; the mailboxes keep exactly the messages that do not match (an
// undated or badly dated message is never old).
func TestCleanupDryRunEqualsRealRun(t *testing.T) {
	st, dir := cleanupStack(t, 40, nil)
	script, _ := filepath.Abs(script("pop3-cleanup.lua"))

	dry := bulkRun(t, st, dir, append([]string{"--each", "rows.csv", "--jobs", "8", "--dry-run",
		"--journal", "dry-journal.jsonl", "--results", "dry-results.jsonl", script}, cleanupCriteria...)...)
	wantCode(t, dry, 0)
	for _, u := range st.Users {
		if got := mailboxNumbers(t, st, u); !intsEqual(got, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}) {
			t.Fatalf("the dry run changed %s: %v", u.Name, got)
		}
	}
	if !strings.Contains(dry.stdout, "[user7] would delete 5 (") || !strings.Contains(dry.stdout, "kept 5 (2 undated)") {
		t.Errorf("dry run's print lines:\n%s", dry.stdout)
	}
	if !strings.Contains(dry.stderr, "40 rows in ") || !strings.Contains(dry.stderr, ": 40 ok, 0 failed") {
		t.Errorf("summary:\n%s", dry.stderr)
	}
	// Each row lists its five messages, under its key.
	listedPerRow := map[string]int{}
	for _, line := range strings.Split(dry.stdout, "\n") {
		key, rest, _ := strings.Cut(line, "] ")
		if pop3ListedRE.MatchString(rest) {
			listedPerRow[strings.TrimPrefix(key, "[")]++
		}
	}
	for _, u := range st.Users {
		if listedPerRow[u.Name] != 5 {
			t.Errorf("%s: the dry run listed %d messages, want 5:\n%s", u.Name, listedPerRow[u.Name], dry.stdout)
			break
		}
	}

	real := bulkRun(t, st, dir, append([]string{"--each", "rows.csv", "--jobs", "8",
		"--journal", "journal.jsonl", "--results", "results.jsonl", script}, cleanupCriteria...)...)
	wantCode(t, real, 0)

	wouldGo, dryOutcomes := readJournal(t, filepath.Join(dir, "dry-journal.jsonl"), "would-delete")
	gone, outcomes := readJournal(t, filepath.Join(dir, "journal.jsonl"), "delete")
	for _, u := range st.Users {
		want := wantDoomed(u)
		if fmt.Sprint(wouldGo[u.Name]) != fmt.Sprint(want) {
			t.Errorf("%s: dry run journaled %v, want %v", u.Name, wouldGo[u.Name], want)
		}
		if fmt.Sprint(gone[u.Name]) != fmt.Sprint(wouldGo[u.Name]) {
			t.Errorf("%s: the real run deleted %v, the dry run reported %v", u.Name, gone[u.Name], wouldGo[u.Name])
		}
		if dryOutcomes[u.Name] != "none" || outcomes[u.Name] != "committed" {
			t.Errorf("%s: outcomes dry %q real %q, want none and committed", u.Name, dryOutcomes[u.Name], outcomes[u.Name])
		}
		if got := mailboxNumbers(t, st, u); !intsEqual(got, survivors) {
			t.Errorf("%s keeps %v, want %v", u.Name, got, survivors)
		}
	}
	// The count is named for what happened: would_delete in the dry run,
	// deleted in the real one, never both.
	for _, pair := range []struct {
		file, commit, count, not string
	}{{"dry-results.jsonl", "none", "would_delete", "deleted"}, {"results.jsonl", "committed", "deleted", "would_delete"}} {
		lines := readResults(t, filepath.Join(dir, pair.file))
		if len(lines) != 40 {
			t.Fatalf("%s: %d lines, want 40", pair.file, len(lines))
		}
		for _, l := range lines {
			_, both := l.Result[pair.not]
			if l.Status != "ok" || l.Commit != pair.commit || l.Result[pair.count] != 5.0 || l.Result["kept"] != 5.0 ||
				l.Result["undated"] != 2.0 || both {
				t.Errorf("%s: %+v", pair.file, l)
			}
			if _, ok := l.Columns["pass"]; ok || l.Columns["host"] != st.POP3 || l.Key != l.Columns["user"] {
				t.Errorf("%s: columns %v", pair.file, l.Columns)
			}
		}
	}
}

// TestCleanupScriptErrorMidRow: a script that marks every message and then
// fails (for every third row) deletes nothing in those mailboxes - POP3
// forgets DELE without QUIT - while the other rows commit. The results say
// which, and the run exits 1.
func TestCleanupScriptErrorMidRow(t *testing.T) {
	st, dir := cleanupStack(t, 12, func(i int) []string {
		if i%3 == 1 {
			return []string{"yes"}
		}
		return []string{"no"}
	}, "fail")
	src := `local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. row.host, user = row.user, pass = row.pass, ca_file = env("MAILEXPECT_CA_FILE")}
local n = p:stat()
for i = 1, n do p:dele(i) end
if row.fail == "yes" then error("changed my mind after " .. n .. " DELEs") end
p:quit()
return {deleted = n}
`
	if err := os.WriteFile(filepath.Join(dir, "dele-all.lua"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := bulkRun(t, st, dir, "--each", "rows.csv", "--jobs", "8", "--journal", "journal.jsonl", "--results", "results.jsonl", "dele-all.lua")
	wantCode(t, r, 1)
	_, outcomes := readJournal(t, filepath.Join(dir, "journal.jsonl"), "delete")
	byUser := map[string]resultLine{}
	for _, l := range readResults(t, filepath.Join(dir, "results.jsonl")) {
		byUser[l.Key] = l
	}
	for i, u := range st.Users {
		l := byUser[u.Name]
		got := mailboxNumbers(t, st, u)
		if i%3 == 1 {
			if len(got) != 10 {
				t.Errorf("%s: the row failed after DELE, yet the mailbox holds %v", u.Name, got)
			}
			if l.Status != "failed" || l.Commit != "none" || l.Error == nil || !strings.Contains(l.Error.Message, "changed my mind after 10 DELEs") {
				t.Errorf("%s: result %+v", u.Name, l)
			}
			if outcomes[u.Name] != "none" {
				t.Errorf("%s: journal outcome %q, want none", u.Name, outcomes[u.Name])
			}
			if !strings.Contains(r.stderr, u.Name+": dele-all.lua:5: changed my mind") {
				t.Errorf("summary lacks %s's failure:\n%s", u.Name, r.stderr)
			}
		} else {
			if len(got) != 0 {
				t.Errorf("%s keeps %v, want nothing", u.Name, got)
			}
			if l.Status != "ok" || l.Commit != "committed" || outcomes[u.Name] != "committed" {
				t.Errorf("%s: result %+v, journal %q", u.Name, l, outcomes[u.Name])
			}
		}
	}
	if !strings.Contains(r.stderr, "12 rows in ") || !strings.Contains(r.stderr, ": 8 ok, 4 failed") {
		t.Errorf("summary:\n%s", r.stderr)
	}
}

// TestCleanupInterruptAndResume: SIGINT in the middle of a run. Every
// mailbox is either untouched or fully cleaned, and the results say which;
// the exit code is 130. --resume then does the rest, with the first run's
// reference time, and skips what was done.
func TestCleanupInterruptAndResume(t *testing.T) {
	st, dir := cleanupStack(t, 40, nil)
	script, _ := filepath.Abs(script("pop3-cleanup.lua"))
	args := append([]string{"--each", "rows.csv", "--jobs", "4", "--rate", "10", "--journal", "journal.jsonl",
		"--results", "results.jsonl", script}, cleanupCriteria...)

	cmd := exec.Command(bin, args...)
	cmd.Dir = dir
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + t.TempDir(), "TZ=UTC"}, bulkEnv(st)...)
	var stdout, stderr strings.Builder
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Interrupt once a few rows are done: at --rate 10 the run would take
	// 4 s, so most rows have not started and some are running.
	deadline := time.Now().Add(20 * time.Second)
	for {
		data, _ := os.ReadFile(filepath.Join(dir, "results.jsonl"))
		if strings.Count(string(data), "\n") >= 8 {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no progress:\n%s", stderr.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	cmd.Process.Signal(syscall.SIGINT)
	err := cmd.Wait()
	r := result{stdout: stdout.String(), stderr: stderr.String()}
	if ee, ok := err.(*exec.ExitError); ok {
		r.code = ee.ExitCode()
	}
	wantCode(t, r, 130)
	noLeaks(t, dir, r)
	if !strings.Contains(r.stderr, "SIGINT: starting no new rows") || !strings.Contains(r.stderr, "interrupted (SIGINT): ") ||
		!strings.Contains(r.stderr, "run again with --resume results.jsonl") {
		t.Errorf("stderr does not say what was left undone:\n%s", r.stderr)
	}

	lines := readResults(t, filepath.Join(dir, "results.jsonl"))
	if len(lines) != 40 {
		t.Fatalf("%d result lines, want one per row (40)", len(lines))
	}
	done, statuses := 0, map[string]int{}
	for _, l := range lines {
		statuses[l.Status]++
		u, _ := st.User(l.Key)
		got := mailboxNumbers(t, st, u)
		switch {
		case l.Commit == "committed":
			done++
			if !intsEqual(got, survivors) {
				t.Errorf("%s: results say committed (%s), mailbox holds %v", u.Name, l.Status, got)
			}
		case l.Commit == "none" && l.Status != "ok":
			if len(got) != 10 {
				t.Errorf("%s: results say %s with nothing committed, mailbox holds %v", u.Name, l.Status, got)
			}
		default:
			t.Errorf("%s: status %s commit %s", u.Name, l.Status, l.Commit)
		}
	}
	t.Logf("after SIGINT: %v, %d mailboxes cleaned", statuses, done)
	if statuses["not_started"] == 0 || done == 0 {
		t.Errorf("the interrupt came too late or too early to test anything: %v", statuses)
	}

	// Resume: the rest is done, the done rows are skipped.
	r2 := bulkRun(t, st, dir, append([]string{"--each", "rows.csv", "--jobs", "8", "--journal", "journal.jsonl",
		"--resume", "results.jsonl", script}, cleanupCriteria...)...)
	wantCode(t, r2, 0)
	if want := fmt.Sprintf("skipped (done before)"); !strings.Contains(r2.stderr, fmt.Sprintf("%d %s", statuses["ok"], want)) {
		t.Errorf("resume summary, want %d skipped:\n%s", statuses["ok"], r2.stderr)
	}
	for _, u := range st.Users {
		if got := mailboxNumbers(t, st, u); !intsEqual(got, survivors) {
			t.Errorf("after resume %s keeps %v, want %v", u.Name, got, survivors)
		}
	}
	gone, outcomes := readJournal(t, filepath.Join(dir, "journal.jsonl"), "delete")
	for _, u := range st.Users {
		if fmt.Sprint(gone[u.Name]) != fmt.Sprint(wantDoomed(u)) || outcomes[u.Name] != "committed" {
			t.Errorf("%s: journal over both runs: %v %q", u.Name, gone[u.Name], outcomes[u.Name])
		}
	}
}

// TestCleanupUsage: bad command lines exit 2 before any mailbox is
// touched, a bulk run too (stopped at its first row, said once); a
// criterion is required. A usage error from a row's values (no password
// column value) fails that row only: exit 1.
func TestCleanupUsage(t *testing.T) {
	st, dir := cleanupStack(t, 2, nil)
	script, _ := filepath.Abs(script("pop3-cleanup.lua"))
	// Outside dir, which noLeaks reads: it holds a password.
	partial := filepath.Join(t.TempDir(), "partial.csv")
	var rows bytes.Buffer
	w := csv.NewWriter(&rows)
	w.WriteAll([][]string{{"user", "pass", "host"}, {st.Users[0].Name, st.Users[0].Password, st.POP3}, {st.Users[1].Name, "", st.POP3}})
	if err := os.WriteFile(partial, rows.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--jobs", "4", script, "--all"}, 2, "error: --jobs needs --each ROWS"},
		{[]string{"--each", "missing.csv", script, "--all"}, 2, "error: --each: missing.csv: no such file or directory"},
		{[]string{"--each", "rows.csv", "--jobs", "0", script, "--all"}, 2, "error: --jobs wants a whole number >= 1"},
		{[]string{"--each", "rows.csv", "--resume", "nothing.jsonl", script, "--all"}, 2, "error: resume: open nothing.jsonl: no such file or directory"},
		{[]string{"--each", "rows.csv", script}, 2, "no criterion: give --older-than"},
		{[]string{"--each", "rows.csv", script, "--older-than", "0"}, 2, "--older-than wants a number of days > 0"},
		{[]string{"--each", "rows.csv", script, "--bogus"}, 2, "unknown option --bogus"},
		{[]string{"--each", "rows.csv", script, "--max-delete", "3", "--all"}, 1, "10 messages match, more than --max-delete 3: nothing deleted"},
		{[]string{"--each", partial, "--dry-run", script, "--all"}, 1, st.Users[1].Name + ": usage: pop3-cleanup.lua: the row has no pass column"},
	} {
		r := bulkRun(t, st, dir, tt.args...)
		wantCode(t, r, tt.code)
		if !strings.Contains(r.stderr, tt.want) {
			t.Errorf("%v: stderr lacks %q:\n%s", tt.args, tt.want, r.stderr)
		}
		if n := strings.Count(r.stderr, tt.want); tt.code == 2 && n != 1 {
			t.Errorf("%v: the usage error said %d times, want once:\n%s", tt.args, n, r.stderr)
		}
		if tt.code == 2 && !strings.HasPrefix(tt.want, "error:") && !strings.Contains(r.stderr, "stopped at a usage error in the script") {
			t.Errorf("%v: the run did not stop at the usage error:\n%s", tt.args, r.stderr)
		}
	}
	for _, u := range st.Users {
		if got := mailboxNumbers(t, st, u); len(got) != 10 {
			t.Errorf("%s: %v", u.Name, got)
		}
	}
}

// TestCleanupRsetWithdrawsJournal: messages marked, then unmarked by RSET
// (p:rset() or a raw p:cmd("RSET")), are not deleted at QUIT, and the
// journal must not say they were: RSET settles their entries as "none",
// and QUIT's "committed" covers only what was marked after it, a raw
// p:cmd("DELE n") included (journaled as p:dele() is). Against real
// Dovecot, which keeps exactly the unmarked messages.
func TestCleanupRsetWithdrawsJournal(t *testing.T) {
	st, dir := cleanupStack(t, 2, nil)
	src := `local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. row.host, user = row.user, pass = row.pass, ca_file = env("MAILEXPECT_CA_FILE")}
p:dele(1)
p:dele(2)
if row.user:match("1$") then p:cmd("RSET") else p:rset() end
p:dele(3)
assert(p:cmd("DELE 4").ok)
p:quit()
`
	if err := os.WriteFile(filepath.Join(dir, "rset.lua"), []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	r := bulkRun(t, st, dir, "--each", "rows.csv", "--journal", "journal.jsonl", "rset.lua")
	wantCode(t, r, 0)
	gone, _ := readJournal(t, filepath.Join(dir, "journal.jsonl"), "delete")
	settled := map[string][]string{} // per row: its outcome lines, "outcome:entries"
	for _, line := range readLines(t, filepath.Join(dir, "journal.jsonl")) {
		var l journalLine
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Action == "" {
			settled[l.Key] = append(settled[l.Key], fmt.Sprintf("%s:%d", l.Outcome, l.Entries))
		}
	}
	for _, u := range st.Users {
		if got := mailboxNumbers(t, st, u); !intsEqual(got, []int{1, 2, 5, 6, 7, 8, 9, 10}) {
			t.Errorf("%s keeps %v, want all but 3 and 4", u.Name, got)
		}
		if want := []string{"3." + u.Name + "@cleanup.test", "4." + u.Name + "@cleanup.test"}; fmt.Sprint(gone[u.Name]) != fmt.Sprint(want) {
			t.Errorf("%s: the journal's last batch names %v, want %v (what QUIT deleted)", u.Name, gone[u.Name], want)
		}
		if got, want := strings.Join(settled[u.Name], " "), "none:2 committed:2"; got != want {
			t.Errorf("%s: outcome lines %q, want %q (RSET withdraws 1 and 2, QUIT commits 3 and 4)", u.Name, got, want)
		}
	}
}
