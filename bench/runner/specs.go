package runner

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/mailexpect/mailexpect/bench/loadserver"
)

// Params are the workload sizes.
type Params struct {
	BigSize   int   // W1: raw size of the message
	Noops     int   // W2
	Boxes     int   // W3: mailboxes ...
	PerBox    int   // ... of this many messages
	Messages  int   // W4: messages in one SMTP session ...
	MsgSize   int   // ... of this size
	LineSizes []int // W5: bytes of lines before the match
	EachJobs  int   // W3 with --each: --jobs
	Jobs      int   // W3-jobsN: mailboxes at a time (Go goroutines, --each --jobs)
}

// FullParams are the sizes of issue 10.
func FullParams() Params {
	return Params{BigSize: 64 << 20, Noops: 20000, Boxes: 500, PerBox: 10, Messages: 2000, MsgSize: 1024,
		LineSizes: []int{1 << 20, 16 << 20, 64 << 20}, EachJobs: 1, Jobs: 4}
}

// QuickParams are tiny sizes: the correctness mode CI runs.
func QuickParams() Params {
	return Params{BigSize: 256 << 10, Noops: 200, Boxes: 5, PerBox: 10, Messages: 20, MsgSize: 1024,
		LineSizes: []int{64 << 10, 256 << 10}, EachJobs: 1, Jobs: 4}
}

// A workload's description, for the table.
var workloadTitles = map[string]string{
	"W1": "log in, RETR one %s message (with .-starting and lone-. lines), unstuff, QUIT",
	"W2": "%s x NOOP -> +OK, one at a time",
	"W3": "%s: connect, USER/PASS, STAT, UIDL, DELE all, QUIT, one mailbox after the other",
	"W4": "one SMTP connection, EHLO, %s, QUIT",
	"W5": "expect \"250 END\" after %s of lines, everything before it kept",
}

// clientInfo describes a client for the table.
var clientInfo = map[string]string{
	"go":             "hand-written Go: bufio + net/textproto (the limit)",
	"go-mem":         "the Go client with W1's message held in memory (a slice sized once from RETR's octet count), then written: the limit for the clients that hold it (mx-mod, mx-idiom)",
	"mx-raw":         "mailexpect, raw primitives (connect/sendline/expect; W1: s:read_dot{file=})",
	"mx-mod":         "mailexpect, protocol modules (pop3/smtp); W1: p:retr(1) in memory",
	"mx-modfile":     "mailexpect, pop3 module, p:retr(1, {file=}) streams to a file",
	"mx-idiom":       "mailexpect as the README teaches: W1 m = s:expect([[^\\.$]]), regex.compile([[^\\.\\.]]):replace(m.before, \".\") (W2-W4: mx-raw is the same idiom)",
	"mx-each":        "mailexpect --each rows.csv --jobs J, pop3 module, one Lua state per mailbox (W3: --jobs 1; W3-jobsN: --jobs N, and the Go client with N goroutines)",
	"python":         "Python stdlib poplib / smtplib",
	"pexpect":        "pexpect fdspawn on a socket, default settings (maxread 2000, delayafterread 100 us); W1: expect_exact",
	"pexpect-re":     "pexpect fdspawn, c.expect (regex), buffer unbounded",
	"pexpect-exact":  "pexpect fdspawn, c.expect_exact",
	"tcl":            "Tcl Expect, spawn -open [socket]; W1: expect -ex, match_max 150e6",
	"tcl-re-default": "Tcl Expect expect -re, match_max 2000 (the default)",
	"tcl-re-big":     "Tcl Expect expect -re, match_max 150e6",
	"tcl-ex-big":     "Tcl Expect expect -ex, match_max 150e6",
	"curl":           "curl, one process, transfers chained with --next (-K config)",
}

// spec is one (workload, client) cell.
type spec struct {
	w      string // "W1", "W5-16MiB"
	group  string // "W1".."W5"
	client string
	tool   string // what must be installed: goclient, mailexpect, each, python, pexpect, expect, curl
	argv   argvFunc
	check  func(e *env, out, stdout string, c loadserver.Counters) error
	size   int // W5: bytes of lines
	// lossy: the client is known to drop data (Tcl Expect's default
	// match_max); a failed check is then the finding, not a bench failure.
	lossy string
}

func size(n int) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}

func sizeID(n int) string { return strings.ReplaceAll(size(n), " ", "") }

func itoa(n int) string { return strconv.Itoa(n) }

// argvFunc is a cell's command line, made when it runs (the load
// server's addresses and the output file are known then); argsFunc is
// the arguments a workload's client scripts all take, in the same order.
type (
	argvFunc func(e *env, out string) ([]string, error)
	argsFunc func(e *env, out string) []string
)

// goclient runs the hand-written Go client on workload w's arguments.
func goclient(w string, args argsFunc) argvFunc {
	return func(e *env, out string) ([]string, error) {
		return append([]string{e.bin["goclient"], "-w", w}, args(e, out)...), nil
	}
}

// script runs the client script file of clients/ with the tool bin on the
// workload's arguments (mailexpect with a timeout above any cap).
func script(bin, file string, args argsFunc) argvFunc {
	return func(e *env, out string) ([]string, error) {
		argv := []string{e.bin[bin]}
		if bin == "mailexpect" {
			argv = append(argv, "--timeout", "600")
		}
		return append(append(argv, e.client(file)), args(e, out)...), nil
	}
}

// plus is args followed by more words.
func plus(args argsFunc, more ...string) argsFunc {
	return func(e *env, out string) []string { return append(args(e, out), more...) }
}

// specs returns every cell of the benchmark, in table order.
func specs(p Params) []spec {
	var out []spec
	// cells returns the function that adds a client's cell of one workload.
	cells := func(w, group string, size int, check func(e *env, out, stdout string, c loadserver.Counters) error) func(client, tool string, argv argvFunc) {
		return func(client, tool string, argv argvFunc) {
			out = append(out, spec{w: w, group: group, client: client, tool: tool, argv: argv, check: check, size: size})
		}
	}
	// others adds the Python, pexpect and Tcl Expect clients of a workload
	// (W1-W4): their scripts are named wN.py, wN_pexpect.py and wN.exp.
	others := func(add func(client, tool string, argv argvFunc), w string, args argsFunc) {
		name := strings.ToLower(w)
		add("python", "python", script("python", name+".py", args))
		add("pexpect", "pexpect", script("python", name+"_pexpect.py", args))
		add("tcl", "expect", script("expect", name+".exp", args))
	}

	// W1
	w1 := cells("W1", "W1", 0, checkW1)
	w1args := func(e *env, out string) []string { return []string{e.srv.POP3, out} }
	w1("go", "goclient", goclient("W1", func(e *env, out string) []string { return []string{"-addr", e.srv.POP3, "-out", out} }))
	w1("go-mem", "goclient", goclient("W1", func(e *env, out string) []string { return []string{"-addr", e.srv.POP3, "-out", out, "-mem"} }))
	for _, c := range []struct{ client, script string }{{"mx-raw", "w1_raw.lua"}, {"mx-mod", "w1_mod.lua"}, {"mx-modfile", "w1_modfile.lua"}} {
		w1(c.client, "mailexpect", script("mailexpect", c.script, w1args))
	}
	w1("mx-idiom", "mailexpect", script("mailexpect", "w1_idiom.lua", plus(w1args, itoa(p.BigSize))))
	others(w1, "W1", w1args)
	w1("curl", "curl", curlArgv("W1", w1args))

	// W2
	n := itoa(p.Noops)
	w2 := cells("W2", "W2", 0, checkW2)
	w2args := func(e *env, _ string) []string { return []string{e.srv.POP3, n} }
	w2("go", "goclient", goclient("W2", func(e *env, _ string) []string { return []string{"-addr", e.srv.POP3, "-n", n} }))
	w2("mx-raw", "mailexpect", script("mailexpect", "w2_raw.lua", w2args))
	w2("mx-mod", "mailexpect", script("mailexpect", "w2_mod.lua", w2args))
	others(w2, "W2", w2args)
	w2("curl", "curl", curlArgv("W2", w2args))

	// W3, and W3-jobsN: the same, N mailboxes at a time
	b := itoa(p.Boxes)
	w3 := cells("W3", "W3", 0, checkW3)
	w3args := func(e *env, _ string) []string { return []string{e.srv.POP3, b} }
	w3go := func(jobs ...string) argvFunc {
		return goclient("W3", func(e *env, _ string) []string { return append([]string{"-addr", e.srv.POP3, "-n", b}, jobs...) })
	}
	each := func(jobs string) argvFunc {
		return func(e *env, _ string) ([]string, error) {
			rows := filepath.Join(e.tmp, "w3-rows.csv")
			var sb strings.Builder
			sb.WriteString("user\n")
			for i := 0; i < p.Boxes; i++ {
				fmt.Fprintf(&sb, "box%d\n", i)
			}
			if err := os.WriteFile(rows, []byte(sb.String()), 0o644); err != nil {
				return nil, err
			}
			return []string{e.bin["mailexpect"], "--timeout", "600", "-q", "--each", rows, "--jobs", jobs,
				e.client("w3_each.lua"), e.srv.POP3}, nil
		}
	}
	w3("go", "goclient", w3go())
	w3("mx-raw", "mailexpect", script("mailexpect", "w3_raw.lua", w3args))
	w3("mx-mod", "mailexpect", script("mailexpect", "w3_mod.lua", w3args))
	w3("mx-each", "each", each(itoa(p.EachJobs)))
	others(w3, "W3", w3args)
	w3("curl", "curl", curlArgv("W3", plus(w3args, itoa(p.PerBox))))
	if p.Jobs > 1 {
		jobs := cells("W3-jobs"+itoa(p.Jobs), "W3", 0, checkW3)
		jobs("go", "goclient", w3go("-jobs", itoa(p.Jobs)))
		jobs("mx-each", "each", each(itoa(p.Jobs)))
	}

	// W4
	m := itoa(p.Messages)
	w4 := cells("W4", "W4", 0, checkW4)
	w4args := func(e *env, _ string) []string { return []string{e.srv.SMTP, m, e.msgFile} }
	w4("go", "goclient", goclient("W4", func(e *env, _ string) []string { return []string{"-addr", e.srv.SMTP, "-n", m, "-msg", e.msgFile} }))
	w4("mx-raw", "mailexpect", script("mailexpect", "w4_raw.lua", w4args))
	w4("mx-mod", "mailexpect", script("mailexpect", "w4_mod.lua", w4args))
	others(w4, "W4", w4args)
	w4("curl", "curl", curlArgv("W4", w4args))

	// W5, one workload per size
	for _, sz := range p.LineSizes {
		s := itoa(sz)
		w5 := cells("W5-"+sizeID(sz), "W5", sz, checkW5)
		w5args := func(e *env, _ string) []string { return []string{e.srv.Lines, s} }
		w5("go", "goclient", goclient("W5", func(e *env, _ string) []string { return []string{"-addr", e.srv.Lines, "-size", s} }))
		w5("mx-raw", "mailexpect", script("mailexpect", "w5_raw.lua", w5args))
		for _, mode := range []string{"re", "exact"} {
			w5("pexpect-"+mode, "pexpect", script("python", "w5_pexpect.py", plus(w5args, mode)))
		}
		for _, v := range []struct{ client, mode, mm string }{
			{"tcl-re-default", "re", "2000"}, {"tcl-re-big", "re", "150000000"}, {"tcl-ex-big", "ex", "150000000"},
		} {
			w5(v.client, "expect", script("expect", "w5.exp", plus(w5args, v.mode, v.mm)))
		}
		out[len(out)-3].lossy = "Tcl Expect keeps only the last match_max (2000) bytes"
	}
	return out
}

// curlArgv prepares a curl config (untimed) and returns "curl.sh run CFG".
func curlArgv(w string, args argsFunc) argvFunc {
	return func(e *env, out string) ([]string, error) {
		cfg := filepath.Join(e.tmp, "curl-"+w+".cfg")
		prep := append([]string{e.client("curl.sh"), "prepare", w, cfg}, args(e, out)...)
		if b, err := exec.Command("bash", prep...).CombinedOutput(); err != nil {
			return nil, fmt.Errorf("curl.sh prepare: %v: %s", err, b)
		}
		return []string{"bash", e.client("curl.sh"), "run", cfg}, nil
	}
}

// --- checks: did the client do the work? ---

// want compares counters; each entry is name, got, want.
func want(pairs ...any) error {
	var bad []string
	for i := 0; i+2 < len(pairs); i += 3 {
		name, got, exp := pairs[i].(string), toInt64(pairs[i+1]), toInt64(pairs[i+2])
		if got != exp {
			bad = append(bad, fmt.Sprintf("%s=%d (want %d)", name, got, exp))
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("server counters: %s", strings.Join(bad, ", "))
	}
	return nil
}

func toInt64(v any) int64 {
	switch v := v.(type) {
	case int:
		return int64(v)
	case int64:
		return v
	}
	panic(fmt.Sprintf("want: %T is not a count", v))
}

// printed checks the client's "key=value" summary line, when it printed one
// (curl prints none; the server counters still decide).
func printed(stdout, key string, exp int64) error {
	for _, l := range strings.Split(stdout, "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(l), key+"="); ok {
			if v != strconv.FormatInt(exp, 10) {
				return fmt.Errorf("client reports %s=%s, want %d", key, v, exp)
			}
			return nil
		}
	}
	return nil
}

func checkW1(e *env, out, stdout string, c loadserver.Counters) error {
	big := e.srv.Big
	if err := want("conns", c.POP3Conns, 1, "logins", c.Logins, 1, "RETR", c.Retr, 1,
		"RETR bytes", c.RetrBytes, int64(len(big.Wire)), "QUIT", c.Quit, 1, "errors", c.Errors, 0); err != nil {
		return err
	}
	data, err := os.ReadFile(out)
	if err != nil {
		return fmt.Errorf("output: %v", err)
	}
	if len(data) != len(big.Raw) {
		return fmt.Errorf("output has %d bytes, the message %d", len(data), len(big.Raw))
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != big.SHA256 {
		return fmt.Errorf("output differs from the message (same size, other bytes)")
	}
	return printed(stdout, "octets", int64(len(big.Raw)))
}

func checkW2(e *env, _, stdout string, c loadserver.Counters) error {
	n := int64(e.p.Noops)
	if err := want("conns", c.POP3Conns, 1, "logins", c.Logins, 1, "NOOP", c.Noop, n, "QUIT", c.Quit, 1,
		"errors", c.Errors, 0); err != nil {
		return err
	}
	return printed(stdout, "noops", n)
}

func checkW3(e *env, _, stdout string, c loadserver.Counters) error {
	b, k := int64(e.p.Boxes), int64(e.p.PerBox)
	if err := want("conns", c.POP3Conns, b, "logins", c.Logins, b, "STAT", c.Stat, b, "UIDL", c.Uidl, b,
		"DELE", c.Dele, b*k, "deletions committed", c.DeleCommitted, b*k, "QUIT", c.Quit, b, "errors", c.Errors, 0); err != nil {
		return err
	}
	return printed(stdout, "deleted", b*k)
}

func checkW4(e *env, _, stdout string, c loadserver.Counters) error {
	n := int64(e.p.Messages)
	if err := want("conns", c.SMTPConns, 1, "MAIL", c.Mail, n, "RCPT", c.Rcpt, n, "messages", c.Data, n,
		"body bytes", c.DataBody, n*int64(len(e.msg)), "QUIT", c.SMTPQuit, 1, "errors", c.Errors, 0); err != nil {
		return err
	}
	return printed(stdout, "sent", n)
}

func checkW5(e *env, _, stdout string, c loadserver.Counters) error {
	sz := int64(e.cur.size)
	if err := want("conns", c.LinesConns, 1, "bytes", c.LinesBytes, sz, "errors", c.Errors, 0); err != nil {
		return err
	}
	if !strings.Contains(stdout, "before=") {
		return fmt.Errorf("client printed no before= line")
	}
	if err := printed(stdout, "before", sz); err != nil {
		return fmt.Errorf("data lost: %v", err)
	}
	return nil
}

// smtpMessage returns a message of exactly n bytes (n >= 200) with CRLF
// line ends, a line starting with ".", a ".." line and a lone "." line,
// so that every client must stuff dots.
func smtpMessage(n int) []byte {
	m := []byte("From: bench@example.com\r\nTo: user@example.com\r\nSubject: W4\r\n\r\n" +
		".a line starting with a dot\r\n..\r\n.\r\n")
	for len(m) < n-80 {
		m = append(m, strings.Repeat("x", 70)+"\r\n"...)
	}
	fill := n - len(m) - 2
	m = append(m, strings.Repeat("y", fill)+"\r\n"...)
	return m
}
