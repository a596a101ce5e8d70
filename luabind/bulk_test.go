package luabind

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/mailexpect/mailexpect/internal/fakeserver"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/transcript"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

// fakePOP3 is a POP3 server with three messages per login, recording the
// commands of each session. quit decides how QUIT is answered.
type fakePOP3 struct {
	addr string
	quit func(user string) (reply string, delay time.Duration) // "" closes without a reply

	mu       sync.Mutex
	sessions map[string][][]string // user -> commands of each of its sessions
	seen     chan string           // "user CMD" as commands arrive, when not nil
}

func newFakePOP3(t *testing.T) *fakePOP3 {
	t.Helper()
	f := &fakePOP3{sessions: map[string][][]string{},
		quit: func(string) (string, time.Duration) { return "+OK bye", 0 }}
	f.addr = fakeserver.Serve(t, f.serve)
	return f
}

func (f *fakePOP3) commands(user string) [][]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.sessions[user]
}

func (f *fakePOP3) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	w := func(s string) { c.Write([]byte(s + "\r\n")) }
	w("+OK fake POP3")
	user, idx := "", -1
	msg := func(n string) string {
		return fmt.Sprintf("Message-ID: <%s.%s@fake>\r\nDate: Mon, 1 Jan 2001 00:00:00 +0000\r\nSubject: =?UTF-8?Q?caf=C3=A9?= %s\r\n", n, user, n)
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		line = strings.TrimRight(line, "\r\n")
		verb, arg, _ := strings.Cut(line, " ")
		verb = strings.ToUpper(verb)
		if verb == "USER" {
			user = arg
			f.mu.Lock()
			f.sessions[user] = append(f.sessions[user], nil)
			idx = len(f.sessions[user]) - 1
			f.mu.Unlock()
		}
		if idx >= 0 {
			f.mu.Lock()
			f.sessions[user][idx] = append(f.sessions[user][idx], line)
			f.mu.Unlock()
		}
		if f.seen != nil {
			f.seen <- user + " " + verb
		}
		switch verb {
		case "CAPA":
			w("+OK\r\nUSER\r\nUIDL\r\nTOP\r\n.")
		case "USER", "PASS", "DELE", "RSET", "NOOP":
			w("+OK")
		case "STAT":
			w("+OK 3 300")
		case "LIST":
			w("+OK " + arg + " 100")
		case "UIDL":
			w("+OK " + arg + " uid-" + user + "-" + arg)
		case "TOP":
			n, _, _ := strings.Cut(arg, " ")
			w("+OK\r\n" + msg(n) + "\r\n.")
		case "QUIT":
			reply, delay := f.quit(user)
			time.Sleep(delay)
			if reply != "" {
				w(reply)
			}
			return
		default:
			w("-ERR unknown")
		}
	}
}

// deleteAll marks every message and quits; row.hold sleeps between.
const deleteAll = `local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. row.host, tls = "none", user = row.user, pass = row.pass, allow_plaintext_auth = true}
local n = p:stat()
for i = 1, n do p:dele(i) end
print("marked", n, "of", row.user, "pass", row.pass)
if row.hold then sleep(tonumber(row.hold)) end
p:quit()
return {deleted = n, user = row.user, list = {1, "two", {x = true}}, empty = {}}
`

type bulkRun struct {
	results []map[string]any
	journal []map[string]any
	stdout  string
	stderr  string
	sum     bulk.Summary
}

// runBulk runs src over rows (a CSV text) with the fake server's address
// as every row's host, and returns what it wrote.
func runBulk(t *testing.T, ctx context.Context, src, rows string, cfg Config, bc bulk.Config) bulkRun {
	t.Helper()
	proto, err := Compile("job.lua", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := bulk.ReadRows(strings.NewReader(rows), bulk.FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	var stdout, stderr, results testutil.SyncBuffer
	cfg.Secrets = transcript.NewSecrets()
	cfg.Stderr = &stderr
	bc.Secrets = cfg.Secrets
	bc.Stdout = &stdout
	bc.ResultsWriter = &results
	bc.Backoff = func(int) time.Duration { return time.Millisecond }
	if bc.Journal == "" {
		bc.Journal = filepath.Join(t.TempDir(), "journal.jsonl")
	}
	sum, err := bulk.Run(ctx, bc, rs, BulkJob(cfg, proto))
	if err != nil {
		t.Fatal(err)
	}
	out := bulkRun{stdout: stdout.String(), stderr: stderr.String(), sum: sum}
	for _, l := range strings.Split(strings.TrimSpace(results.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		out.results = append(out.results, m)
	}
	data, err := os.ReadFile(bc.Journal)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		if l == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("%v: %s", err, l)
		}
		out.journal = append(out.journal, m)
	}
	all := out.stdout + out.stderr + results.String() + string(data)
	if strings.Contains(all, "pw-") {
		t.Errorf("a password leaked:\n%s", all)
	}
	return out
}

func rowsFor(host string, users ...string) string {
	var b strings.Builder
	b.WriteString("user,pass,host\n")
	for _, u := range users {
		fmt.Fprintf(&b, "%s,pw-%s,%s\n", u, u, host)
	}
	return b.String()
}

func byKey(lines []map[string]any) map[string]map[string]any {
	m := map[string]map[string]any{}
	for _, l := range lines {
		m[l["key"].(string)] = l
	}
	return m
}

// TestBulkJobCommits: every row marks, journals and commits; the result is
// the script's table; print carries the row key and masks the password.
func TestBulkJobCommits(t *testing.T) {
	srv := newFakePOP3(t)
	p := &statePool{} // a later row runs in a state an earlier row left
	out := runBulk(t, context.Background(), deleteAll, rowsFor(srv.addr, "ann", "bob", "cy"), Config{statePool: p}, bulk.Config{Jobs: 2})
	if out.sum.OK != 3 || out.sum.Status() != bulk.RunOK || p.reused.Load() == 0 {
		t.Fatalf("summary %+v, %d rows in a reused state\nstderr: %s", out.sum, p.reused.Load(), out.stderr)
	}
	for _, u := range []string{"ann", "bob", "cy"} {
		l := byKey(out.results)[u]
		want := map[string]any{"deleted": 3.0, "user": u, "list": []any{1.0, "two", map[string]any{"x": true}}, "empty": map[string]any{}}
		if diff := cmp.Diff(want, l["result"]); diff != "" || l["status"] != "ok" || l["commit"] != "committed" {
			t.Errorf("%s: %v (result diff %s)", u, l, diff)
		}
		if !strings.Contains(out.stdout, "["+u+"] marked\t3\tof\t"+u+"\tpass\t***\n") {
			t.Errorf("stdout lacks %s's line:\n%s", u, out.stdout)
		}
		cmds := srv.commands(u)
		if len(cmds) != 1 || cmds[0][len(cmds[0])-1] != "QUIT" {
			t.Errorf("%s: %v", u, cmds)
		}
	}
	// Journal: three entries per row, described before DELE, then the
	// outcome line.
	entries := map[string]int{}
	for _, j := range out.journal {
		key := j["key"].(string)
		if j["action"] != nil {
			entries[key]++
			n := fmt.Sprint(entries[key])
			want := map[string]any{"uid": "uid-" + key + "-" + n, "size": 100.0, "message_id": "<" + n + "." + key + "@fake>",
				"date": "Mon, 1 Jan 2001 00:00:00 +0000", "subject": "café " + n, "action": "delete", "outcome": "pending", "mailbox": key}
			for k, v := range want {
				if j[k] != v {
					t.Errorf("journal %v: %s = %v, want %v", j, k, j[k], v)
				}
			}
			continue
		}
		if j["outcome"] != "committed" || j["entries"] != 3.0 || entries[key] != 3 {
			t.Errorf("outcome line %v after %d entries", j, entries[key])
		}
	}
}

// TestBulkJobQuitWithoutReply: QUIT answered by a closed connection leaves
// the commit unknown, in the results and the journal.
func TestBulkJobQuitWithoutReply(t *testing.T) {
	srv := newFakePOP3(t)
	srv.quit = func(string) (string, time.Duration) { return "", 0 }
	out := runBulk(t, context.Background(), deleteAll, rowsFor(srv.addr, "ann"), Config{}, bulk.Config{Retries: 3})
	l := out.results[0]
	if l["status"] != "failed" || l["commit"] != "unknown" || l["attempts"] != 1.0 || l["error"].(map[string]any)["kind"] != "eof" {
		t.Errorf("result %v", l)
	}
	if last := out.journal[len(out.journal)-1]; last["outcome"] != "unknown" {
		t.Errorf("journal ends %v", last)
	}
	if out.sum.CommitUnknown != 1 {
		t.Errorf("summary %+v", out.sum)
	}
}

// TestBulkJobInterruptBeforeCommit: interrupted after its DELEs, a row
// stops without QUIT: nothing is deleted, and the results say so.
func TestBulkJobInterruptBeforeCommit(t *testing.T) {
	srv := newFakePOP3(t)
	srv.seen = make(chan string, 100)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for s := range srv.seen {
			if s == "ann DELE" {
				time.Sleep(100 * time.Millisecond) // the row is asleep by now
				cancel(fmt.Errorf("SIGINT"))
			}
		}
	}()
	rows := "user,pass,host,hold\nann,pw-a," + srv.addr + ",30\nbob,pw-b," + srv.addr + ",0\n"
	start := time.Now()
	out := runBulk(t, ctx, deleteAll, rows, Config{}, bulk.Config{Jobs: 1})
	close(srv.seen)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v", el)
	}
	ann := byKey(out.results)["ann"]
	if ann["status"] != "interrupted" || ann["commit"] != "none" {
		t.Errorf("ann: %v", ann)
	}
	if bob := byKey(out.results)["bob"]; bob["status"] != "not_started" {
		t.Errorf("bob: %v", bob)
	}
	for _, c := range srv.commands("ann")[0] {
		if c == "QUIT" {
			t.Errorf("QUIT sent after the interrupt: %v", srv.commands("ann"))
		}
	}
	if len(srv.commands("bob")) != 0 {
		t.Errorf("bob's row ran: %v", srv.commands("bob"))
	}
	if last := out.journal[len(out.journal)-1]; last["outcome"] != "none" {
		t.Errorf("journal ends %v", last)
	}
	if !out.sum.Interrupted || out.sum.Status() != bulk.RunInterrupted {
		t.Errorf("summary %+v", out.sum)
	}
	if msg := ann["error"].(map[string]any)["message"].(string); !strings.Contains(msg, "SIGINT") {
		t.Errorf("the error does not say what stopped the row: %s", msg)
	}
}

// TestBulkJobInterruptDuringCommit: an interrupt that comes while QUIT
// waits for its reply lets the commit finish: committed.
func TestBulkJobInterruptDuringCommit(t *testing.T) {
	srv := newFakePOP3(t)
	srv.quit = func(string) (string, time.Duration) { return "+OK bye", 300 * time.Millisecond }
	srv.seen = make(chan string, 100)
	ctx, cancel := context.WithCancelCause(context.Background())
	go func() {
		for s := range srv.seen {
			if s == "ann QUIT" {
				cancel(fmt.Errorf("SIGINT"))
			}
		}
	}()
	out := runBulk(t, ctx, deleteAll, rowsFor(srv.addr, "ann"), Config{}, bulk.Config{})
	close(srv.seen)
	ann := out.results[0]
	if ann["commit"] != "committed" {
		t.Errorf("ann: %v", ann)
	}
	if last := out.journal[len(out.journal)-1]; last["outcome"] != "committed" {
		t.Errorf("journal ends %v", last)
	}
}

// TestBulkJobDryRun: the same script under --dry-run journals would-delete
// entries and never sends DELE or QUIT, also when it wrote the safety
// module's dry_run field: the modules read the flag from Go.
func TestBulkJobDryRun(t *testing.T) {
	for _, src := range []string{deleteAll, "require(\"mailexpect.safety\").dry_run = false\n" + deleteAll} {
		testBulkJobDryRun(t, src)
	}
}

func testBulkJobDryRun(t *testing.T, src string) {
	srv := newFakePOP3(t)
	out := runBulk(t, context.Background(), src, rowsFor(srv.addr, "ann"), Config{DryRun: true}, bulk.Config{})
	if l := out.results[0]; l["status"] != "ok" || l["commit"] != "none" {
		t.Errorf("result %v", l)
	}
	n := 0
	for _, j := range out.journal {
		if j["action"] != nil {
			n++
			if j["action"] != "would-delete" {
				t.Errorf("journal %v", j)
			}
		} else if j["outcome"] != "none" {
			t.Errorf("journal %v", j)
		}
	}
	if n != 3 {
		t.Errorf("%d entries", n)
	}
	for _, c := range srv.commands("ann")[0] {
		if strings.HasPrefix(c, "DELE") || c == "QUIT" {
			t.Errorf("dry run sent %s: %v", c, srv.commands("ann"))
		}
	}
}

// TestBulkJobErrors: failure kinds survive (connect errors are retried,
// other kinds are not); row is read-only; exit(n) decides.
func TestBulkJobErrors(t *testing.T) {
	closed := fakeserver.ClosedAddr(t)
	src := `if row.case == "connect" then connect(row.host, {timeout = 1}) end
if row.case == "write" then row.user = "x" end
if row.case == "exit0" then exit(0) end
if row.case == "exit3" then exit(3) end
if row.case == "error" then error("plain", 0) end
return row.case`
	rows := "user,case,host\na,connect," + closed + "\nb,write,\nc,exit0,\nd,exit3,\ne,error,\nf,fine,\n"
	out := runBulk(t, context.Background(), src, rows, Config{}, bulk.Config{Jobs: 3, Retries: 2})
	want := map[string]struct {
		status, kind, msg string
		attempts          float64
	}{
		"a": {"failed", "connect", "connect to " + closed + " failed", 3},
		"b": {"failed", "usage", "job.lua:2: attempt to change a read-only table (key user)", 1},
		"c": {"ok", "", "", 1},
		"d": {"failed", "", "the script called exit(3)", 1},
		"e": {"failed", "", "plain", 1},
		"f": {"ok", "", "", 1},
	}
	for key, w := range want {
		l := byKey(out.results)[key]
		var kind, msg string
		if e, ok := l["error"].(map[string]any); ok {
			kind, _ = e["kind"].(string)
			msg, _ = e["message"].(string)
		}
		if l["status"] != w.status || kind != w.kind || !strings.Contains(msg, w.msg) || l["attempts"] != w.attempts {
			t.Errorf("%s: %v", key, l)
		}
	}
	if r := byKey(out.results)["f"]["result"]; r != "fine" {
		t.Errorf("f's result %v", r)
	}
}

// TestBulkHooksOutsideBulk: the hooks do nothing harmful in a plain run.
func TestBulkHooksOutsideBulk(t *testing.T) {
	src := `local rt = require "mailexpect.internal"
assert(rt.journal_enabled() == false)
rt.journal{mailbox = "INBOX", uid = 7, size = 10, headers = "Subject: x\r\n\r\n"}
rt.commit_point()
rt.commit_outcome("committed")
local ok, err = pcall(rt.commit_outcome, "maybe")
assert(not ok and err.kind == "usage", tostring(err))
local ok, err = pcall(rt.journal, {bogus = 1})
assert(not ok and err.kind == "usage", tostring(err))
assert(math.abs(rt.ref_time() - time()) < 5, "ref_time is the run's start")
print("fine")`
	var stdout bytes.Buffer
	code, err := NewRunner(Config{Stdout: &stdout}).RunSource(context.Background(), "hooks.lua", []byte(src))
	if code != 0 || err != nil || stdout.String() != "fine\n" {
		t.Fatalf("exit %d, %v, %q", code, err, stdout.String())
	}
}

func TestLuaToGo(t *testing.T) {
	L := lua.NewState()
	defer L.Close()
	if err := L.DoString(`
		local cyc = {}
		cyc.self = cyc
		local deep = {}
		local d = deep
		for i = 1, 40 do d.next = {}; d = d.next end
		v = {1, 2.5, "x", true, n = 0/0, f = print, [3.5] = "float key", cyc = cyc, deep = deep, big = 2^60, neg = -3}
	`); err != nil {
		t.Fatal(err)
	}
	got := luaToGo(L.GetGlobal("v"), 0, nil, nil).(map[string]any)
	if got["1"] != int64(1) || got["2"] != 2.5 || got["3"] != "x" || got["4"] != true || (got["n"] != "nan" && got["n"] != "-nan") ||
		got["f"] != "<function>" || got["3.5"] != "float key" || got["big"] != float64(1<<60) || got["neg"] != int64(-3) {
		t.Errorf("%#v", got)
	}
	if c := got["cyc"].(map[string]any); c["self"] != "<cycle>" {
		t.Errorf("cycle: %#v", c)
	}
	if _, err := json.Marshal(got); err != nil {
		t.Errorf("not JSON-able: %v", err)
	}
	d := got["deep"].(map[string]any)
	for i := 0; i < maxResultDepth-2; i++ {
		d = d["next"].(map[string]any)
	}
	if d["next"] != "<too deep>" {
		t.Errorf("depth: %#v", d)
	}
}

// Under -v parallel rows write to one transcript: every session's label
// carries its row key.
func TestBulkJobTranscriptLabels(t *testing.T) {
	srv := newFakePOP3(t)
	var tr testutil.SyncBuffer
	cfg := Config{Transcript: transcript.New(&tr, transcript.Text, nil)}
	p := &statePool{}
	cfg.statePool = p
	users := []string{"ann", "bob", "cy", "dee"}
	out := runBulk(t, context.Background(), deleteAll, rowsFor(srv.addr, users...), cfg, bulk.Config{Jobs: 2})
	if out.sum.OK != 4 || p.reused.Load() == 0 {
		t.Fatalf("summary %+v, %d rows in a reused state", out.sum, p.reused.Load())
	}
	for _, u := range users {
		if !strings.Contains(tr.String(), " ["+u+"]"+srv.addr+" >>> USER "+u) {
			t.Errorf("no %s-labelled USER line in the transcript:\n%s", u, tr.String())
		}
	}
}

// credentials.mailbox in a bulk run takes the row's columns (any of the
// accepted names), the option's host when the row has none, and says
// which column is missing; the environment is not consulted for rows.
func TestCredentialsMailboxFromRows(t *testing.T) {
	t.Setenv("MAILEXPECT_USER", "env-user")
	t.Setenv("MAILEXPECT_PASS", "env-pass")
	src := `
		local mb, missing = require("credentials").mailbox{host = "opt-host", env = "MAILEXPECT_POP3", what = "POP3"}
		return {user = mb and mb.user or "-", host = mb and mb.host or "-", missing = missing or "-"}`
	rows := "login,password,host\nann,pw1,\nbob,,h2\n,pw3,h3\n"
	out := runBulk(t, context.Background(), src, rows, Config{}, bulk.Config{Jobs: 1})
	want := []string{
		"ann opt-host -",
		"- - the row has no pass column (pass or password)",
		"- - the row has no user column (user, login, username or email)",
	}
	if len(out.results) != len(want) {
		t.Fatalf("%d results, want %d: %v", len(out.results), len(want), out.results)
	}
	for i, r := range out.results {
		res, _ := r["result"].(map[string]any)
		if got := fmt.Sprintf("%v %v %v", res["user"], res["host"], res["missing"]); got != want[i] {
			t.Errorf("row %d: got %q, want %q", i+1, got, want[i])
		}
	}
}

// TestHooksOutsideABulkRun: without an attempt, the modules' hooks do
// nothing harmful.
func TestHooksOutsideABulkRun(t *testing.T) {
	src := `local rt = require "mailexpect.internal"
rt.commit_point()
rt.commit_outcome("committed")
rt.journal{uid = "1", mailbox = "INBOX"}
assert(rt.journal_enabled() == false, "journal_enabled outside a bulk run")
assert(math.abs(rt.ref_time() - time()) < 60, "ref_time is not the run's start")
local ok, err = pcall(rt.commit_outcome, "maybe")
assert(not ok and err.kind == "usage", "commit_outcome maybe: " .. tostring(err))
print("ok")
`
	var stdout bytes.Buffer
	code, err := NewRunner(Config{Stdout: &stdout}).RunSource(context.Background(), "hooks.lua", []byte(src))
	if code != 0 || err != nil || stdout.String() != "ok\n" {
		t.Fatalf("exit %d: %v\n%s", code, err, stdout.String())
	}
}

// TestBulkJobCommandLineUsage: a usage error that cannot depend on the
// row (options() on the script's own arguments, options.usage before any
// column was read) is bulk.ErrScriptUsage and stops the run at the first
// row; one that may come from the row's values (options() over a
// column's value, options.usage after reading the row, a write to row)
// fails its row only.
func TestBulkJobCommandLineUsage(t *testing.T) {
	rows := "user,flag\na,--num=1\nb,--num=x\nc,--num=2\nd,--num=3\n"
	for _, tt := range []struct {
		name, src string
		args      []string
		stop      bool // the run stops at the first row
		failed    string
	}{
		{"unknown option", `local o = options(arg, {n = 1}); return row.user`, []string{"--bogus"}, true, ""},
		{"option read after the row", `local u = row.user; local o = options(arg, {n = 1}); return u`, []string{"--n", "x"}, true, ""},
		{"options.usage before the row", `local o = options(arg, {n = options.number}); if not o.n then options.usage("no --n") end; return row.user`, nil, true, ""},
		{"options over a column", `local o = options({row.flag}, {num = 1}); return o.num`, nil, false, "b"},
		{"options.usage after the row", `if row.user == "c" then options.usage("not c") end; return row.user`, nil, false, "c"},
		{"write to row", `if row.user == "d" then row.user = "x" end; return 1`, nil, false, "d"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := runBulk(t, context.Background(), tt.src, rows, Config{Args: tt.args}, bulk.Config{Jobs: 1})
			if tt.stop {
				if out.sum.Status() != bulk.RunUsage || out.sum.Usage == nil || out.sum.Failed != 1 || out.sum.NotStarted != 3 {
					t.Fatalf("did not stop at the first row: %+v", out.sum)
				}
				return
			}
			if out.sum.Usage != nil || out.sum.Failed != 1 || out.sum.OK != 3 {
				t.Fatalf("%+v", out.sum)
			}
			if l := byKey(out.results)[tt.failed]; l["status"] != "failed" || l["error"].(map[string]any)["kind"] != "usage" {
				t.Errorf("row %s: %v", tt.failed, l)
			}
		})
	}
}

// rowIsolation looks for what an earlier row left behind, then leaves
// its own password everywhere a script can write: globals, the standard
// library tables, the string metatable, package.loaded and preload, a
// module table. Every row must find nothing.
const rowIsolation = `local seen, wrote = {}, {}
local function look(name, f) local ok, v = pcall(f); if ok and v ~= nil then seen[name] = tostring(v) end end
local function leave(name, f) if pcall(f) then wrote[#wrote + 1] = name end end
look("global", function() return leaked_global end)
look("rawget _G", function() return rawget(_G, "leaked_raw") end)
look("string", function() return string.leaked end)
look("string metatable", function() return getmetatable("").leaked end)
look("method on a string", function() return ("x").leaked end)
look("table", function() return table.leaked end)
look("io", function() return io.leaked end)
look("package.loaded", function() return package.loaded.leaked end)
look("package.preload", function() return package.preload.leaked end)
look("math", function() return math.leaked end)
look("pop3 module", function() return require("pop3").leaked end)
look("pop3 client class", function() return require("pop3").Client.leaked end)
look("print", function() return print == leaked_print or nil end)
leave("global", function() leaked_global = row.pass end)
leave("rawset _G", function() rawset(_G, "leaked_raw", row.pass) end)
leave("string", function() string.leaked = row.pass end)
leave("string metatable", function() getmetatable("").leaked = row.pass end)
leave("table", function() table.leaked = row.pass end)
leave("io", function() io.leaked = row.pass end)
leave("package.loaded", function() package.loaded.leaked = row.pass end)
leave("package.preload", function() package.preload.leaked = function() return row.pass end end)
leave("math", function() math.leaked = row.pass end)
leave("pop3 module", function() require("pop3").leaked = row.pass end)
leave("print", function() leaked_print = print end)
return {seen = seen, wrote = #wrote, names = table.concat(wrote, ",")}`

// TestBulkJobRowIsolation: rows run one after the other in the same
// worker, and none sees a global, a library change or a credential of the
// row before it: every row has a state of its own.
func TestBulkJobRowIsolation(t *testing.T) {
	out := runBulk(t, context.Background(), rowIsolation, rowsFor("127.0.0.1:1", "ann", "bob", "cy"), Config{}, bulk.Config{Jobs: 1})
	if out.sum.OK != 3 {
		t.Fatalf("summary %+v\nstderr: %s", out.sum, out.stderr)
	}
	for _, u := range []string{"ann", "bob", "cy"} {
		res, _ := byKey(out.results)[u]["result"].(map[string]any)
		if seen := res["seen"]; !cmp.Equal(seen, map[string]any{}) {
			t.Errorf("row %s saw what an earlier row left: %v", u, seen)
		}
		if res["wrote"] != 11.0 {
			t.Errorf("row %s could leave %v of 11 things behind (%v); the test no longer tries them all", u, res["wrote"], res["names"])
		}
	}
}

// TestBulkRestrictedHosts: under --restricted a row may connect to a
// host named in its own columns, the arguments or the other read-only
// globals, and not to another row's: the hosts found once for the run
// hold no row's values.
func TestBulkRestrictedHosts(t *testing.T) {
	closed := fakeserver.ClosedAddr(t) // 127.0.0.1:port, nothing listens
	src := `local target = row.target
if row.user == "b" then target = "127.0.0.2:25" end -- a's host: refused
local ok, err = pcall(connect, target, {timeout = 1})
return err.kind`
	rows := "user,host,target\n" +
		"a,127.0.0.2:25,127.0.0.2:25\n" + // its own host column
		"b,127.0.0.3:25,\n" +
		"c,,srv.invalid:25\n" + // a read-only global names it
		"d,," + closed + "\n" // the arguments name it (name=value)
	cfg := Config{Restricted: true, Args: []string{"--server=" + closed},
		ReadOnly: map[string]any{"sandbox": map[string]any{"smtp": "srv.invalid:25"}}}
	out := runBulk(t, context.Background(), src, rows, cfg, bulk.Config{Jobs: 1})
	for key, want := range map[string]string{"a": "connect", "b": "usage", "c": "connect", "d": "connect"} {
		if got := byKey(out.results)[key]["result"]; got != want {
			t.Errorf("row %s: %v, want %s", key, got, want)
		}
	}
}

// stateLeaks: each case leaves the row's password (or, for a sort, an
// order a row could choose by it) in one place a reused state would
// carry to the next row; look is where the next row finds it.
var stateLeaks = []struct{ name, leave, look string }{
	{"global", `leaked = row.pass`, `leaked`},
	{"library field", `string.trim = function() return row.pass end`, `string.trim and string.trim()`},
	{"module field", `require("pop3").leaked = row.pass`, `require("pop3").leaked`},
	{"module local table", `local _, client = upvalue(require("pop3").connect, "Client"); client.leaked = row.pass`,
		`select(2, upvalue(require("pop3").connect, "Client")).leaked`},
	{"module local value", `local i, _, f = upvalue(require("mailexpect.safety").would, "rt"); debug.setupvalue(f, i, {note = row.pass})`,
		`type(select(2, upvalue(require("mailexpect.safety").would, "rt")).note) == "string" and select(2, upvalue(require("mailexpect.safety").would, "rt")).note`},
	{"package.loaded", `package.loaded.leaked = row.pass`, `package.loaded.leaked`},
	{"user module", `require("helper").leaked = row.pass`, `package.loaded.helper and package.loaded.helper.leaked`},
	{"require's environment, from a module that failed", `pcall(require, "tamper")`,
		`(function() local v = require("peek").v; package.loaded.peek = nil; return v end)()`},
	{"userdata class in the registry", `getmetatable(io.stdout).leaked = row.pass`, `getmetatable(io.stdout).leaked`},
	{"userdata metatable", `debug.setmetatable(exp_continue, {__index = {leaked = row.pass}})`, `exp_continue.leaked`},
	{"setfenv of a module function", `setfenv(require("credentials").mailbox, {leaked = row.pass})`,
		`getfenv(require("credentials").mailbox).leaked`},
	// setfenv by level, called by a module's own function: level 1 is
	// the module function that called it (mailexpect.client.timed)
	{"setfenv by level of a module function", `require("mailexpect.client").timed({timings = {}}, "x", setfenv, 1, {leaked = row.pass})`,
		`getfenv(require("mailexpect.client").timed).leaked`},
	{"setfenv of the thread", `local pw = row.pass; setfenv(0, setmetatable({leaked = pw}, {__index = _G}))`, `leaked`},
	{"string metatable", `getmetatable("").__index = setmetatable({leaked = row.pass}, {__index = string})`, `("x").leaked`},
	{"string metatable behind __metatable", `local old = getmetatable(""); local pw = row.pass
debug.setmetatable("", {__index = function(s, k) if k == "leaked" then return pw end return string[k] end, __metatable = old})`,
		`("x").leaked`},
	{"environment of a userdata type's method", `debug.setfenv(regex.compile("x").match, {leaked = row.pass})`,
		`debug.getfenv(regex.compile("x").match).leaked`},
	{"method of a userdata type", `local pw = row.pass; getmetatable(regex.compile("x")).__methods.match = function() return pw end`,
		`regex.compile("x"):match("y")`},
	{"environment of pairs' step function", `debug.setfenv((pairs(sandbox)), {leaked = row.pass})`,
		`debug.getfenv((pairs(sandbox))).leaked`},
	// pairs and ipairs over a plain table hand out gopher-lua's own
	// step functions, upvalues of the original pairs and ipairs,
	// which only the Go wrapper holds
	{"environment of pairs' own step function", `debug.setfenv((pairs({})), {leaked = row.pass})`,
		`debug.getfenv((pairs({}))).leaked`},
	{"environment of ipairs' own step function", `debug.setfenv((ipairs({})), {leaked = row.pass})`,
		`debug.getfenv((ipairs({}))).leaked`},
	{"number metatable", `debug.setmetatable(0, {__index = {leaked = row.pass}})`, `(1).leaked`},
	{"function metatable", `debug.setmetatable(print, {__index = {leaked = row.pass}})`, `print.leaked`},
	{"table metatable", `setmetatable(math, {__index = {leaked = row.pass}})`, `math.leaked`},
	{"suspended coroutine", `local pw = row.pass; math.leaked = coroutine.create(function() coroutine.yield(pw) end); coroutine.resume(math.leaked)`,
		`math.leaked and coroutine.status(math.leaked)`},
	{"json mark", `json.array(arg)`, `not pcall(json.encode, arg) and "arg marked as an array" or nil`},
	{"class method", `local _, client = upvalue(require("pop3").connect, "Client"); local stat = client.stat; client.stat = function(...) return row.pass end`,
		`select(2, upvalue(require("pop3").connect, "Client")).stat ~= nil and pcall(select(2, upvalue(require("pop3").connect, "Client")).stat) and select(2, pcall(select(2, upvalue(require("pop3").connect, "Client")).stat))`},
	// a checked module function's argument check (its PreCall) is a Go
	// function an error handler finds on the stack when the check raises
	{"environment of an argument check", `debug.setfenv(argCheck(), {leaked = row.pass})`, `debug.getfenv(argCheck()).leaked`},
	// table.sort writes a table's array in place, not through RawSetInt
	// (pop3's order of SASL mechanisms without TLS)
	{"sorted module local", `table.sort(orderPlain())`, `orderPlain()[1] == "APOP" and "sorted"`},
	// a small table (credentials: 3 keys) keeps a deleted key's place:
	// set again, only its value differs
	{"small module table, key deleted and set again", `local c = require("credentials"); c.setting = nil; c.setting = row.pass`,
		`type(require("credentials").setting) == "string" and require("credentials").setting`},
}

// leakUpvalue defines upvalue, which finds a module's local by name,
// through the argument checker's wrapper if there is one, argCheck and
// orderPlain.
const leakUpvalue = `local function upvalue(f, name, depth)
  for i = 1, 60 do
    local n, v = debug.getupvalue(f, i)
    if n == nil then break end
    if n == name then return i, v, f end
    if type(v) == "function" and (depth or 0) < 2 then
      local j, w, g = upvalue(v, name, (depth or 0) + 1)
      if j then return j, w, g end
    end
  end
end
local function argCheck()
  local pre
  xpcall(function() require("pop3").connect(123) end, function(e) pre = debug.getinfo(2, "f").func; return e end)
  assert(debug.getinfo(pre, "S").what == "G", "not the check")
  return pre
end
local function orderPlain()
  local _, client = upvalue(require("pop3").connect, "Client")
  local _, sasl = upvalue(client.auth, "SASL")
  return (select(2, upvalue(sasl.order, "ORDER_PLAIN")))
end
`

// leakModules writes the user modules the leak cases require into a
// directory for ScriptDir.
func leakModules(t *testing.T) string {
	dir := t.TempDir()
	for name, src := range map[string]string{
		"helper.lua": "return {}\n",
		// a module that plants something in require itself (it is on
		// the stack while the module loads), then fails (gopher-lua
		// leaves its loading sentinel in package.loaded, which the
		// check sees as well)
		"tamper.lua": `debug.setfenv(debug.getinfo(2, "f").func, {leaked = row.pass}); error("no")`,
		"peek.lua":   `return {v = debug.getfenv(debug.getinfo(2, "f").func).leaked}`,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestBulkStateLeaks: each case of stateLeaks leaves something where the
// next row looks. Every row must find nothing: the row's state is not
// reused (a naive reuse of the worker's state fails every case). Rows run
// one after the other in one worker.
func TestBulkStateLeaks(t *testing.T) {
	dir := leakModules(t)
	for _, tc := range stateLeaks {
		t.Run(tc.name, func(t *testing.T) {
			src := leakUpvalue + `local ok, seen = pcall(function() return ` + tc.look + ` end)
local left, err = pcall(function() ` + tc.leave + ` end)
assert(left, "could not leave: " .. tostring(err))
return {seen = ok and seen or nil}`
			p := &statePool{}
			cfg := Config{statePool: p, ScriptDir: dir, ReadOnly: map[string]any{"sandbox": map[string]any{"smtp": "srv.invalid:25"}}}
			out := runBulk(t, context.Background(), src, rowsFor("127.0.0.1:1", "ann", "bob", "cy"), cfg, bulk.Config{Jobs: 1})
			if out.sum.OK != 3 {
				t.Fatalf("summary %+v\nstderr: %s\nresults: %v", out.sum, out.stderr, out.results)
			}
			for _, u := range []string{"ann", "bob", "cy"} {
				res, _ := byKey(out.results)[u]["result"].(map[string]any)
				if res["seen"] != nil {
					t.Errorf("row %s saw what an earlier row left: %v", u, res["seen"])
				}
			}
			if n := p.built.Load(); n != 3 {
				t.Errorf("%d states for 3 rows that each changed theirs", n)
			}
		})
	}
}

// TestBulkStateReused: a script that leaves its state as it found it
// runs every row of a worker in one state; one that fails, exits or
// makes a temporary file drops it. The speed-up of --each rests on the
// first half.
func TestBulkStateReused(t *testing.T) {
	srv := newFakePOP3(t)
	closed := fakeserver.ClosedAddr(t)
	for _, tc := range []struct {
		name, src string
		built     int64
	}{
		{"pop3 cleanup", deleteAll, 1},
		{"row only", `return row.user .. #row.pass`, 1},
		{"pcall of an error", `pcall(error, {row.pass}); local t = {}; t[row.user] = row.pass; return t`, 1},
		{"caught connect error", `local ok, err = pcall(connect, "` + closed + `", {timeout = 1}); return tostring(err.kind)`, 1},
		{"failed row", `if row.user == "bob" then error("no") end; return 1`, 2},
		{"exit", `if row.user == "bob" then exit(0) end; return 1`, 2},
		{"tmpfile", `if row.user == "bob" then io.tmpfile():close() end; return 1`, 2},
		{"setvbuf", `if row.user == "bob" then io.stdout:setvbuf("full") end; return 1`, 2},
		{"global every row", `leaked = row.pass`, 4},
		{"recorded tables written back", `local c = require("credentials"); local f = c.setting; c.setting = nil; c.setting = f
string.trim = string.trim
local at = {}; for i, f in ipairs(package.loaders) do at[f] = i end
table.sort(package.loaders, function(a, b) return at[a] > at[b] end); table.sort(package.loaders, function(a, b) return at[a] < at[b] end)`, 1},
		{"sandbox read", `local u = sandbox.users[#row.user % 2 + 1]; return u.name .. sandbox.smtp`, 1},
		{"sandbox traversed", `local n = 0; for _, u in ipairs(sandbox.users) do for k in pairs(u) do n = n + 1 end end; return n + #json.encode(sandbox)`, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &statePool{}
			sandbox := map[string]any{"smtp": "127.0.0.1:25", "users": []any{map[string]any{"name": "u1"}, map[string]any{"name": "u2"}}}
			out := runBulk(t, context.Background(), tc.src, rowsFor(srv.addr, "ann", "bob", "cy", "dee"),
				Config{statePool: p, ReadOnly: map[string]any{"sandbox": sandbox}}, bulk.Config{Jobs: 1})
			if tc.built == 1 && out.sum.OK != 4 {
				t.Fatalf("summary %+v", out.sum)
			}
			if got := p.built.Load(); got != tc.built {
				t.Errorf("%d states built for 4 rows, want %d", got, tc.built)
			}
		})
	}
}

// TestBulkStateWrittenBack: a row that writes a recorded table's values
// back as they were keeps its state (the table is compared entry by
// entry, and found as recorded); a later row that writes another value
// there does not, although its state had been kept before.
func TestBulkStateWrittenBack(t *testing.T) {
	p := &statePool{}
	src := `local c = require("credentials")
local seen = type(c.setting) == "string" and c.setting or nil
local f = c.setting
c.setting = nil
c.setting = (row.user == "bob") and row.pass or f
return {seen = seen}`
	out := runBulk(t, context.Background(), src, rowsFor("127.0.0.1:1", "ann", "bob", "cy", "dee"), Config{statePool: p}, bulk.Config{Jobs: 1})
	if out.sum.OK != 4 {
		t.Fatalf("summary %+v", out.sum)
	}
	for _, u := range []string{"ann", "bob", "cy", "dee"} {
		if res, _ := byKey(out.results)[u]["result"].(map[string]any); res["seen"] != nil {
			t.Errorf("row %s saw what an earlier row left: %v", u, res["seen"])
		}
	}
	// ann's state is reused by bob, whose change drops it; cy's by dee
	if built, reused := p.built.Load(), p.reused.Load(); built != 2 || reused != 2 {
		t.Errorf("%d states built, %d rows in a reused one; want 2 and 2", built, reused)
	}
}

// TestBulkStateRecordsSparingly: a script that changes its state in every
// row stops paying for a record of it after a few rows.
func TestBulkStateRecordsSparingly(t *testing.T) {
	p := &statePool{}
	users := make([]string, 40)
	for i := range users {
		users[i] = fmt.Sprint("u", i)
	}
	runBulk(t, context.Background(), `leaked = row.pass`, rowsFor("127.0.0.1:1", users...), Config{statePool: p}, bulk.Config{Jobs: 1})
	if built, recorded := p.built.Load(), p.dropped.Load(); built != 40 || recorded > missLimit+40/retryEvery {
		t.Errorf("%d states built, %d recorded, want 40 and at most %d", built, recorded, missLimit+40/retryEvery)
	}
}

// TestBulkStateGoSide: what a row leaves on the Go side is the row's
// alone: here, the environment value ann's row read, which makes a
// login with it "from the environment"; bob's row, run in ann's state,
// did not read it.
func TestBulkStateGoSide(t *testing.T) {
	t.Setenv("MXTEST_SECRET", "s3cret")
	p := &statePool{}
	src := `local rt = require "mailexpect.internal"
if row.user == "ann" then env("MXTEST_SECRET") end
rt.credentials_used("someone", "s3cret")
return row.user`
	out := runBulk(t, context.Background(), src, rowsFor("127.0.0.1:1", "ann", "bob"), Config{statePool: p}, bulk.Config{Jobs: 1})
	if p.reused.Load() != 1 {
		t.Fatalf("bob's row did not run in ann's state (%d reused): the test proves nothing", p.reused.Load())
	}
	for key, want := range map[string]string{"ann": "environment", "bob": "script"} {
		creds, _ := byKey(out.results)[key]["credentials"].([]any)
		if len(creds) != 1 || creds[0].(map[string]any)["source"] != want {
			t.Errorf("row %s: credentials %v, want source %s", key, creds, want)
		}
	}
}

// TestBulkStateNotReusedSaysWhy: under -v the transcript says what a row
// that ended well changed, so that a slow --each can be told why.
func TestBulkStateNotReusedSaysWhy(t *testing.T) {
	for src, want := range map[string]string{
		`counter = (counter or 0) + 1`:                    "the row's state is not reused: it changed the globals, key counter",
		`string.trim = function(s) return s end`:          "it changed module string, key trim",
		`setmetatable(math, {})`:                          "it changed module math, its metatable",
		`debug.setmetatable(0, {})`:                       "it changed the metatable of number values",
		`require("pop3").extra = row.pass`:                "it changed module pop3, key extra",
		`local t = {}; t[row.pass] = 1; _G[row.pass] = 1`: "it changed the globals, key ***",
	} {
		var tr testutil.SyncBuffer
		cfg := Config{Transcript: transcript.New(&tr, transcript.Text, nil)}
		runBulk(t, context.Background(), src, rowsFor("127.0.0.1:1", "ann"), cfg, bulk.Config{Jobs: 1})
		if !strings.Contains(tr.String(), want) {
			t.Errorf("%s: the transcript lacks %q:\n%s", src, want, tr.String())
		}
	}
}
