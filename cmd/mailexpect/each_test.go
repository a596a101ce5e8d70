package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/mailexpect/mailexpect/internal/fakeserver"
	"github.com/mailexpect/mailexpect/runtime/bulk"
)

// countingServer greets every connection with "+OK" and holds it until
// the client closes, recording when each was open.
type countingServer struct {
	addr  string
	mu    sync.Mutex
	spans [][2]time.Time
}

func newCountingServer(t *testing.T) *countingServer {
	t.Helper()
	s := &countingServer{}
	s.addr = fakeserver.Serve(t, func(c net.Conn) {
		start := time.Now()
		c.Write([]byte("+OK hello\r\n"))
		c.Read(make([]byte, 1)) // until the client closes
		s.mu.Lock()
		s.spans = append(s.spans, [2]time.Time{start, time.Now()})
		s.mu.Unlock()
	})
	return s
}

// stats returns the most connections open at once and how many there
// were. A close takes a moment to reach the server, so a connection
// counts as closed 10 ms before the server saw it go: the rows hold
// theirs for 50 ms, so a limit that is not kept still shows.
func (s *countingServer) stats() (maxOpen, seen int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.spans {
		open := 0
		for _, b := range s.spans {
			if !b[0].After(a[0]) && b[1].Add(-10*time.Millisecond).After(a[0]) {
				open++
			}
		}
		maxOpen = max(maxOpen, open)
	}
	return maxOpen, len(s.spans)
}

const holdScript = `local s = connect(row.host)
s:expect([[^\+OK]])
sleep(0.05)
s:close()
print("done", row.n)
return {n = tonumber(row.n)}
`

// rowsFile writes a --each rows file: writeScript, named for what it holds.
func rowsFile(t *testing.T, name, text string) string {
	t.Helper()
	return writeScript(t, name, text)
}

func hostRows(t *testing.T, host string, n int) string {
	var b strings.Builder
	b.WriteString("n,host\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%d,%s\n", i, host)
	}
	return rowsFile(t, "rows.csv", b.String())
}

// TestEachPerHost: --per-host 2 holds connections to one host to two at a
// time, whatever --jobs; two names of the same port count once each.
func TestEachPerHost(t *testing.T) {
	script := writeScript(t, "hold.lua", holdScript)
	for _, tt := range []struct {
		perHost []string
		want    func(int) bool
	}{
		{[]string{"--per-host", "2"}, func(m int) bool { return m == 2 }},
		{nil, func(m int) bool { return m > 2 }},
	} {
		srv := newCountingServer(t)
		rows := hostRows(t, srv.addr, 16)
		var stdout, stderr bytes.Buffer
		args := append(append([]string{"--each", rows, "--jobs", "8"}, tt.perHost...), script)
		code := run(args, nil, &stdout, &stderr)
		maxOpen, seen := srv.stats()
		for deadline := time.Now().Add(2 * time.Second); seen < 16 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond) // the last closes are on their way
			maxOpen, seen = srv.stats()
		}
		if code != 0 || seen != 16 || !tt.want(maxOpen) {
			t.Errorf("%v: exit %d, %d connections, at most %d at once\nstderr: %s", tt.perHost, code, seen, maxOpen, stderr.String())
		}
		for i := 1; i <= 16; i++ {
			if !strings.Contains(stdout.String(), fmt.Sprintf("[row %d] done\t%d\n", i, i)) {
				t.Errorf("stdout lacks row %d:\n%s", i, stdout.String())
			}
		}
	}
}

// TestEachOutputs: JSON Lines on stdin, inline code, secret columns
// (password-like and --secret-columns) masked in print, results and
// stderr, result file mode 0600, exit 1 when a row fails.
func TestEachOutputs(t *testing.T) {
	dir := t.TempDir()
	results := filepath.Join(dir, "results.jsonl")
	rows := `{"user": "ann", "password": "pw-ann-1", "api": "tok-ann-2"}
{"user": "bob", "password": "pw-bob-1", "api": "tok-bob-2"}
`
	code := `print(row.user, row.password, row.api)
log("logging " .. row.api)
if row.user == "bob" then error("bob fails with " .. row.password) end
return {echo = row.api, n = 1}`
	var stdout, stderr bytes.Buffer
	got := run([]string{"--each", "-", "--secret-columns", "api", "--results", results, "-e", code}, strings.NewReader(rows), &stdout, &stderr)
	if got != 1 {
		t.Errorf("exit %d, want 1\nstderr: %s", got, stderr.String())
	}
	data, err := os.ReadFile(results)
	if err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(results); fi.Mode().Perm() != 0o600 {
		t.Errorf("results mode %v", fi.Mode().Perm())
	}
	all := stdout.String() + stderr.String() + string(data)
	for _, leak := range []string{"pw-ann-1", "tok-ann-2", "pw-bob-1", "tok-bob-2"} {
		if strings.Contains(all, leak) {
			t.Errorf("%s leaked:\n%s", leak, all)
		}
	}
	for _, want := range []string{"[ann] ann\t***\t***\n", "[bob] bob\t***\t***\n"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("stdout lacks %q:\n%s", want, stdout.String())
		}
	}
	for _, want := range []string{"[ann] logging ***\n", "2 rows in ", ": 1 ok, 1 failed\n", "  bob: (command line):3: bob fails with ***\n"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
	var lines []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("results:\n%s", data)
	}
	for _, l := range lines {
		cols := l["columns"].(map[string]any)
		if len(cols) != 1 || cols["user"] != l["key"] {
			t.Errorf("columns %v", cols)
		}
		if l["key"] == "ann" && (l["status"] != "ok" || fmt.Sprint(l["result"]) != "map[echo:*** n:1]") {
			t.Errorf("ann: %v", l)
		}
	}
}

// TestEachUsage: bad bulk command lines exit 2 and run nothing.
func TestEachUsage(t *testing.T) {
	script := writeScript(t, "s.lua", "print('ran')\n")
	syntax := writeScript(t, "syntax.lua", "local x = = 1\n")
	rows := rowsFile(t, "rows.csv", "user\nann\n")
	bad := rowsFile(t, "bad.csv", "user,pass\nann\n")
	for _, tt := range []struct {
		args  []string
		stdin string
		want  string
	}{
		// --journal works without --each (TestSingleJournal); the other bulk flags need it.
		{[]string{"--rate", "5", script}, "", "error: --rate needs --each ROWS\n"},
		{[]string{"--journal", "/nonexistent/dir/j.jsonl", script}, "", "error: --journal: /nonexistent/dir/j.jsonl: no such file or directory\n"},
		{[]string{"--each", rows, "--plugin", script}, "", "error: --plugin cannot be combined with --each\n"},
		{[]string{"--each", "-", "-"}, "", "error: --each - and the script - cannot both be read from stdin\n"},
		{[]string{"--each", rows, "--rate", "fast", script}, "", "error: --rate wants rows per second > 0 (10 or 10/s), got \"fast\"\n"},
		{[]string{"--each", rows, "--retries", "-1", script}, "", "error: --retries wants a whole number >= 0, got \"-1\"\n"},
		{[]string{"--each", bad, script}, "", "error: --each: " + bad + ":2: 1 fields, but the header has 2 columns\n"},
		{[]string{"--each", rows, syntax}, "", "syntax.lua:1:"},
		{[]string{"--each", rows, "--results", "/nonexistent/dir/r.jsonl", script}, "", "error: results: open /nonexistent/dir/r.jsonl: no such file or directory\n"},
		{[]string{"--each", rows, "--journal", "same.jsonl", "--results", "same.jsonl", script}, "", "error: --journal and --results must be different files\n"},
	} {
		var stdout, stderr bytes.Buffer
		code := run(tt.args, strings.NewReader(tt.stdin), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), tt.want) || stdout.Len() != 0 {
			t.Errorf("%v: exit %d, stdout %q, stderr:\n%s\nwant %q", tt.args, code, stdout.String(), stderr.String(), tt.want)
		}
	}
}

// TestEachMaxTime: --max-time is the deadline of the whole bulk run: the
// rows not started are said, and the exit code is 1, not 130.
func TestEachMaxTime(t *testing.T) {
	rows := hostRows(t, "unused", 6)
	var stdout, stderr bytes.Buffer
	code := run([]string{"--each", rows, "--jobs", "1", "--max-time", "0.3", "-e", "sleep(0.2)"}, nil, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "interrupted (--max-time 300ms reached): ") || !strings.Contains(stderr.String(), "not started") {
		t.Errorf("exit %d\nstderr: %s", code, stderr.String())
	}
}

// TestEachSignals: the built binary, interrupted mid-run: 130 for SIGINT,
// 143 for SIGTERM, the rows left undone said, results written for all.
func TestEachSignals(t *testing.T) {
	bin := buildBinary(t)
	for _, tt := range []struct {
		sig  syscall.Signal
		name string
		want int
	}{{syscall.SIGINT, "SIGINT", 130}, {syscall.SIGTERM, "SIGTERM", 143}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			rows := hostRows(t, "unused", 50)
			cmd := exec.Command(bin, "--each", rows, "--jobs", "2", "--results", "r.jsonl", "-e", "print('go', row.n) sleep(0.1)")
			cmd.Dir = dir
			out, _ := cmd.StdoutPipe()
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(out)
			for i := 0; i < 5; i++ {
				if _, err := br.ReadString('\n'); err != nil {
					t.Fatal(err)
				}
			}
			cmd.Process.Signal(tt.sig)
			go func() { br.WriteTo(new(bytes.Buffer)) }()
			err := cmd.Wait()
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != tt.want {
				t.Fatalf("exit %v, want %d\nstderr: %s", err, tt.want, stderr.String())
			}
			for _, want := range []string{tt.name + ": starting no new rows", "interrupted (" + tt.name + "): ", "not started", "run again with --resume r.jsonl"} {
				if !strings.Contains(stderr.String(), want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
				}
			}
			data, _ := os.ReadFile(filepath.Join(dir, "r.jsonl"))
			if n := strings.Count(string(data), "\n"); n != 50 {
				t.Errorf("%d result lines, want 50", n)
			}
		})
	}
}

// TestEachRowsShapes: sloppy rows files. A file without a header is
// refused (exit 2) without quoting its first line; JSON Lines are found
// by content, in a .csv or on stdin; a file with no rows warns.
func TestEachRowsShapes(t *testing.T) {
	script := writeScript(t, "s.lua", "print(row.user)\n")
	jsonl := `{"user":"ann","pass":"pw-ann"}` + "\n" + `{"user":"bob","pass":"pw-bob"}` + "\n"
	for _, tt := range []struct {
		name       string
		file       string // rows file content; "" with stdin set: --each -
		stdin      string
		wantCode   int
		wantStdout []string
		wantStderr string
		notStderr  string
	}{
		{name: "no header", file: "ann,Secr3t!pw,mx1\nbob,x,mx2\n", wantCode: 2,
			wantStderr: "the first line is not a header: field 2 is not a column name", notStderr: "Secr3t!pw"},
		{name: "JSON Lines named .csv", file: jsonl, wantCode: 0, wantStdout: []string{"ann", "bob"}},
		{name: "JSON Lines on stdin", stdin: jsonl, wantCode: 0, wantStdout: []string{"ann", "bob"}},
		{name: "header only", file: "user,pass\n", wantCode: 0, wantStderr: "warning: --each"},
		{name: "a data line that looks like names", file: "ann,pwann,mx1\nbob,pwbob,mx2\n", wantCode: 0,
			wantStderr: "warning: --each", wantStdout: []string{"nil"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			file := "-"
			if tt.file != "" {
				file = rowsFile(t, "rows.csv", tt.file)
			}
			results := filepath.Join(t.TempDir(), "results.jsonl")
			var stdout, stderr bytes.Buffer
			code := run([]string{"--each", file, "--results", results, script}, strings.NewReader(tt.stdin), &stdout, &stderr)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstderr: %s", code, tt.wantCode, stderr.String())
			}
			for _, w := range tt.wantStdout {
				if !strings.Contains(stdout.String(), w) {
					t.Errorf("stdout lacks %q: %s", w, stdout.String())
				}
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr lacks %q: %s", tt.wantStderr, stderr.String())
			}
			if tt.notStderr != "" && strings.Contains(stderr.String(), tt.notStderr) {
				t.Errorf("stderr shows %q: %s", tt.notStderr, stderr.String())
			}
			if data, err := os.ReadFile(results); err == nil && strings.Contains(string(data), "pw-") {
				t.Errorf("a password reached the results: %s", data)
			}
		})
	}
}

// TestEachEscapesServerBytes: the summary and progress lines of a bulk
// run quote errors that carry a server's bytes: escaped, like the
// transcript.
func TestEachEscapesServerBytes(t *testing.T) {
	addr := fakeserver.Serve(t, func(c net.Conn) {
		c.Write([]byte("554 \x1b]0;pwned\x07\x1b[31mred\x00\xff\r\n"))
	})
	script := writeScript(t, "s.lua", `local s = connect(row.host, {timeout = 2}); local g = s:reply(); error("refused: " .. g.text)`)
	rows := rowsFile(t, "rows.csv", "user,host\nann,"+addr+"\nbob,"+addr+"\n")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--each", rows, script}, nil, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	for _, out := range []string{stdout.String(), stderr.String()} {
		if strings.ContainsAny(out, "\x1b\x00\x07") || !utf8.ValidString(out) {
			t.Errorf("output holds raw server bytes: %q", out)
		}
	}
	if !strings.Contains(stderr.String(), `\x1b]0;pwned`) {
		t.Errorf("the error is not shown escaped: %s", stderr.String())
	}
}

// TestEachStdinInterrupted: rows on stdin from a pipe that never ends:
// --max-time stops the run although no line is coming; the total is "?".
func TestEachStdinInterrupted(t *testing.T) {
	pr, pw := io.Pipe()
	defer pw.Close()
	go io.WriteString(pw, "user,pass\nann,pw-ann-1\n") // and then nothing, never EOF
	script := writeScript(t, "s.lua", "print(row.user)\n")
	var stdout, stderr bytes.Buffer
	start := time.Now()
	code := run([]string{"--each", "-", "--max-time", "0.5", script}, pr, &stdout, &stderr)
	if el := time.Since(start); el > 5*time.Second {
		t.Errorf("took %v after a --max-time of 0.5 s", el)
	}
	if code != 1 || !strings.Contains(stdout.String(), "ann") {
		t.Fatalf("exit %d, stdout %q\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"1/? done", "the rest of the input not read"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
		}
	}
}

// TestEachSyntaxErrorLater: a broken line far into the file stops the run
// (exit 2, the line named); the rows before it ran.
func TestEachSyntaxErrorLater(t *testing.T) {
	var rows strings.Builder
	rows.WriteString("user,pass\n")
	for i := range 3000 {
		fmt.Fprintf(&rows, "u%d,pw\n", i)
	}
	rows.WriteString("broken,line,extra\n")
	file := rowsFile(t, "rows.csv", rows.String())
	script := writeScript(t, "s.lua", "\n")
	var stdout, stderr bytes.Buffer
	code := run([]string{"--each", file, script}, strings.NewReader(""), &stdout, &stderr)
	if code != 2 || !strings.Contains(stderr.String(), ":3002: 3 fields, but the header has 2 columns") {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
}

func TestEachShardFlag(t *testing.T) {
	file := rowsFile(t, "rows.csv", "user,pass\nann,pw-a-1\nbob,pw-b-2\ncid,pw-c-3\ndan,pw-d-4\n")
	script := writeScript(t, "s.lua", "print(row.user)\n")
	dir := t.TempDir()
	seen := map[string]int{}
	for i := range 2 {
		var stdout, stderr bytes.Buffer
		t.Setenv("JOB_COMPLETION_INDEX", fmt.Sprint(i))
		code := run([]string{"--each", file, "--shard", "2", "--results", filepath.Join(dir, "r-{shard}.jsonl"), script}, strings.NewReader(""), &stdout, &stderr)
		if code != 0 {
			t.Fatalf("shard %d: exit %d\n%s", i, code, stderr.String())
		}
		for _, u := range []string{"ann", "bob", "cid", "dan"} {
			if strings.Contains(stdout.String(), "["+u+"] "+u) {
				seen[u]++
			}
		}
		if _, err := os.Stat(filepath.Join(dir, fmt.Sprintf("r-%d.jsonl", i))); err != nil {
			t.Error(err)
		}
	}
	if len(seen) != 4 || seen["ann"] != 1 || seen["bob"] != 1 || seen["cid"] != 1 || seen["dan"] != 1 {
		t.Errorf("rows run per shard: %v", seen)
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"results", "merge", filepath.Join(dir, "r-0.jsonl"), filepath.Join(dir, "r-1.jsonl")}, strings.NewReader(""), &stdout, &stderr); code != 0 ||
		stdout.String() != "2 files, 2 of 2 shards: 4 rows: 4 ok\n" {
		t.Errorf("merge: exit %d %q %s", code, stdout.String(), stderr.String())
	}

	t.Setenv("JOB_COMPLETION_INDEX", "")
	for _, tt := range []struct{ args, want string }{
		{"--shard 2", "JOB_COMPLETION_INDEX is not set"},
		{"--shard 2/2", "not from 0 to 1"},
	} {
		var stdout, stderr bytes.Buffer
		args := append([]string{"--each", file}, strings.Fields(tt.args)...)
		if code := run(append(args, script), strings.NewReader(""), &stdout, &stderr); code != 2 || !strings.Contains(stderr.String(), tt.want) {
			t.Errorf("%s: exit %d\n%s", tt.args, code, stderr.String())
		}
	}
	for _, args := range [][]string{{"results"}, {"results", "merge"}, {"results", "merge", filepath.Join(dir, "nope.jsonl")}, {"results", "merge", file}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, strings.NewReader(""), &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d\n%s", args, code, stderr.String())
		}
	}
}

// TestBulkExitCode: a bulk run's exit code, decided here and only here.
func TestBulkExitCode(t *testing.T) {
	tests := []struct {
		s         bulk.Summary
		outputErr error
		want      int
	}{
		{bulk.Summary{Total: 3, OK: 3}, nil, 0},
		{bulk.Summary{Total: 3, OK: 1, Skipped: 2}, nil, 0},
		{bulk.Summary{Total: 3, OK: 3}, errors.New("results: disk full"), 1},
		{bulk.Summary{Total: 3, OK: 2, Failed: 1}, nil, 1},
		{bulk.Summary{Total: 3, OK: 2, NotStarted: 1}, nil, 1},
		{bulk.Summary{Total: 3, OK: 1, NotStarted: 2, Interrupted: true, Cause: errSIGINT}, nil, 130},
		{bulk.Summary{Total: 3, OK: 1, NotStarted: 2, Interrupted: true, Cause: errSIGTERM}, nil, 143},
		{bulk.Summary{Total: 3, OK: 1, NotStarted: 2, Interrupted: true, Cause: fmt.Errorf("x: %w", context.DeadlineExceeded)}, nil, 1},
	}
	for _, tt := range tests {
		if got := bulkExitCode(tt.s, tt.outputErr); got != tt.want {
			t.Errorf("%+v (output error %v): exit %d, want %d", tt.s, tt.outputErr, got, tt.want)
		}
	}
}

// BenchmarkEachSandboxUsers: rows per second of a --sandbox --each run
// whose script looks up one demo user per row, with 3 and with 1000 demo
// users. A row's cost must not grow with --users: sandbox.users is
// converted to Lua as it is read, not whole for every row's state. One
// b.N is one row (the sandbox's start is amortised over b.N rows).
//
//	go test ./cmd/mailexpect -run '^$' -bench EachSandboxUsers -benchtime 3000x
func BenchmarkEachSandboxUsers(b *testing.B) {
	script := filepath.Join(b.TempDir(), "lookup.lua")
	src := `local users = sandbox.users
local u = users[(tonumber(row.n) - 1) % #users + 1]
assert(u.address:find("@"), "no address")
return {user = u.user, pop3 = sandbox.pop3 ~= nil}
`
	if err := os.WriteFile(script, []byte(src), 0o600); err != nil {
		b.Fatal(err)
	}
	rates := map[int]float64{}
	for _, users := range []int{3, 1000} {
		b.Run(fmt.Sprintf("users=%d", users), func(b *testing.B) {
			var rows strings.Builder
			rows.WriteString("n\n")
			for i := 1; i <= b.N; i++ {
				fmt.Fprintf(&rows, "%d\n", i)
			}
			file := filepath.Join(b.TempDir(), "rows.csv")
			if err := os.WriteFile(file, []byte(rows.String()), 0o600); err != nil {
				b.Fatal(err)
			}
			var stdout, stderr bytes.Buffer
			b.ResetTimer()
			start := time.Now()
			code := run([]string{"--sandbox", "--users", fmt.Sprint(users), "-q", "--each", file, "--jobs", "2", script},
				strings.NewReader(""), &stdout, &stderr)
			el := time.Since(start)
			b.StopTimer()
			if code != 0 {
				b.Fatalf("exit %d\n%s", code, stderr.String())
			}
			rate := float64(b.N) / el.Seconds()
			b.ReportMetric(rate, "rows/s")
			rates[users] = rate
		})
	}
	if rates[3] > 0 && rates[1000] > 0 {
		b.Logf("rows/s: %.0f with 3 users, %.0f with 1000: ratio %.2f", rates[3], rates[1000], rates[3]/rates[1000])
	}
}

// TestEachUsageErrorStopsRun, against the binary: an unknown option
// after the script name is a usage error in every row: the run stops at
// the first, says it once, and exits 2 (it was once reported 200 times,
// exit 1). A usage error that comes from a row's value fails that row
// only: the others run, exit 1.
func TestEachUsageErrorStopsRun(t *testing.T) {
	bin := buildBinary(t)
	var rows strings.Builder
	rows.WriteString("user,pass,days\n")
	for i := range 200 {
		days := "30"
		if i == 7 {
			days = "soon"
		}
		fmt.Fprintf(&rows, "u%d,pw-%d-x,%s\n", i, i, days)
	}
	file := rowsFile(t, "rows.csv", rows.String())
	script := writeScript(t, "s.lua", `local o = options(arg, {["older-than"] = 365})
local days = tonumber(row.days) or options.usage("the days column wants a number, got " .. row.days)
print(row.user, days)
`)
	runBin := func(args ...string) (code int, stdout, stderr string, results []map[string]any) {
		t.Helper()
		res := filepath.Join(t.TempDir(), "r.jsonl")
		cmd := exec.Command(bin, append([]string{"--each", file, "--jobs", "4", "--results", res, script}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		data, rerr := os.ReadFile(res)
		if rerr != nil {
			t.Fatal(rerr)
		}
		for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
			var m map[string]any
			if err := json.Unmarshal([]byte(l), &m); err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			results = append(results, m)
		}
		return cmd.ProcessState.ExitCode(), out.String(), errb.String(), results
	}

	code, stdout, stderr, results := runBin("--bogus")
	if code != 2 {
		t.Fatalf("exit %d, want 2\n%s", code, stderr)
	}
	if n := strings.Count(stderr, "unknown option --bogus"); n != 1 {
		t.Errorf("the usage error said %d times, want once:\n%s", n, stderr)
	}
	if !strings.Contains(stderr, "stopped at a usage error in the script") || !strings.Contains(stderr, "not started") {
		t.Errorf("summary:\n%s", stderr)
	}
	if stdout != "" {
		t.Errorf("rows ran past the usage error: %s", stdout)
	}
	status := map[string]int{}
	for _, r := range results {
		status[r["status"].(string)]++
	}
	if len(results) != 200 || status["ok"] != 0 || status["failed"] < 1 || status["failed"] > 4 || status["not_started"] < 196 {
		t.Errorf("results: %d lines, %v", len(results), status)
	}

	code, stdout, stderr, results = runBin("--older-than", "30")
	if code != 1 {
		t.Fatalf("a row's bad value: exit %d, want 1\n%s", code, stderr)
	}
	if strings.Count(stdout, "\n") != 199 || strings.Contains(stderr, "stopped at a usage error") ||
		!strings.Contains(stderr, "200 rows") || !strings.Contains(stderr, "199 ok, 1 failed") ||
		!strings.Contains(stderr, `u7: usage: s.lua: the days column wants a number, got soon`) {
		t.Errorf("stdout %d lines\nstderr:\n%s", strings.Count(stdout, "\n"), stderr)
	}
	if len(results) != 200 {
		t.Errorf("%d results", len(results))
	}
}

// TestEachUnreadRowWarns, against the binary and the sandbox: a script
// that never reads row logs in with the environment's user on every row.
// The run warns once, early, naming the columns it never read, and the
// summary and the results say the credentials came from the environment
// (user demo1). A script that reads its row is warned only about the
// column it did not read, and its credentials are the rows' columns.
func TestEachUnreadRowWarns(t *testing.T) {
	bin := buildBinary(t)
	file := rowsFile(t, "rows.csv", "user,pass,note\ndemo1,demo1-pass,a\ndemo2,demo2-pass,b\ndemo3,demo3-pass,c\n")
	for _, tt := range []struct {
		name, login string
		warn        string
		creds       string
		source      string
	}{
		{"environment", `user = env("MAILEXPECT_USER"), pass = secret_env("MAILEXPECT_PASS")`,
			"warning: the script never read row (row demo1, columns note, pass, user): every row does the same work, logging in with the same credentials\n",
			"credentials: the environment, user demo1 (3 rows)", "environment"},
		{"os.getenv", `user = os.getenv("MAILEXPECT_USER"), pass = os.getenv("MAILEXPECT_PASS")`,
			"warning: the script never read row (row demo1, columns note, pass, user): every row does the same work, logging in with the same credentials\n",
			"credentials: the environment, user demo1 (3 rows)", "environment"},
		// The same password as $MAILEXPECT_PASS, but never read from the
		// environment: where it came from is what the script read, not
		// which variable happens to hold the same value.
		{"sandbox users", `user = sandbox.users[1].user, pass = sandbox.users[1].pass`,
			"warning: the script never read row (row demo1, columns note, pass, user): every row does the same work, logging in with the same credentials\n",
			"credentials: the script itself, user demo1 (3 rows)", "script"},
		{"row", `user = row.user, pass = row.pass`,
			"warning: the script did not read the column note of row demo1 (a misspelt column name is ignored, not an error)\n",
			"credentials: the rows' columns (3 rows)", "row"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			script := writeScript(t, "s.lua", `local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. sandbox.pop3, `+tt.login+`}
p:quit()
`)
			res := filepath.Join(t.TempDir(), "r.jsonl")
			cmd := exec.Command(bin, "--sandbox", "--each", file, "--jobs", "1", "--results", res, script)
			var out, errb bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &errb
			if err := cmd.Run(); err != nil {
				t.Fatalf("%v\n%s", err, errb.String())
			}
			stderr := errb.String()
			if n := strings.Count(stderr, "warning: the script "); n != 1 || !strings.Contains(stderr, tt.warn) {
				t.Errorf("%d warnings, want %q:\n%s", n, tt.warn, stderr)
			}
			if !strings.Contains(stderr, tt.creds+"\n") {
				t.Errorf("summary lacks %q:\n%s", tt.creds, stderr)
			}
			if strings.Contains(stderr, "-pass") {
				t.Errorf("a password in stderr:\n%s", stderr)
			}
			data, err := os.ReadFile(res)
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				var line struct {
					Key         string
					Credentials []map[string]string
				}
				if err := json.Unmarshal([]byte(l), &line); err != nil {
					t.Fatal(err)
				}
				if len(line.Credentials) != 1 || line.Credentials[0]["source"] != tt.source ||
					tt.source != "row" && line.Credentials[0]["user"] != "demo1" || tt.source == "row" && line.Credentials[0]["user"] != "" {
					t.Errorf("%s: credentials %v", line.Key, line.Credentials)
				}
			}
		})
	}
}
