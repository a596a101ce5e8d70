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
	argv   func(e *env, out string) ([]string, error)
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

// specs returns every cell of the benchmark, in table order.
func specs(p Params) []spec {
	var out []spec
	add := func(s spec) { out = append(out, s) }
	mx := func(script string, args ...string) func(e *env, out string) ([]string, error) {
		return func(e *env, _ string) ([]string, error) {
			return append([]string{e.bin["mailexpect"], "--timeout", "600", e.client(script)}, args...), nil
		}
	}

	// W1
	w1 := func(client, tool string, argv func(e *env, out string) ([]string, error)) {
		add(spec{w: "W1", group: "W1", client: client, tool: tool, argv: argv, check: checkW1})
	}
	w1("go", "goclient", func(e *env, out string) ([]string, error) {
		return []string{e.bin["goclient"], "-w", "W1", "-addr", e.srv.POP3, "-out", out}, nil
	})
	for _, c := range []struct{ client, script string }{{"mx-raw", "w1_raw.lua"}, {"mx-mod", "w1_mod.lua"}, {"mx-modfile", "w1_modfile.lua"}} {
		script := c.script
		w1(c.client, "mailexpect", func(e *env, out string) ([]string, error) {
			return mx(script, e.srv.POP3, out)(e, out)
		})
	}
	w1("mx-idiom", "mailexpect", func(e *env, out string) ([]string, error) {
		return mx("w1_idiom.lua", e.srv.POP3, out, itoa(p.BigSize))(e, out)
	})
	w1("python", "python", func(e *env, out string) ([]string, error) {
		return []string{e.bin["python"], e.client("w1.py"), e.srv.POP3, out}, nil
	})
	w1("pexpect", "pexpect", func(e *env, out string) ([]string, error) {
		return []string{e.bin["python"], e.client("w1_pexpect.py"), e.srv.POP3, out}, nil
	})
	w1("tcl", "expect", func(e *env, out string) ([]string, error) {
		return []string{e.bin["expect"], e.client("w1.exp"), e.srv.POP3, out}, nil
	})
	w1("curl", "curl", curlArgv("W1", func(e *env, out string) []string { return []string{e.srv.POP3, out} }))

	// W2
	n := itoa(p.Noops)
	w2 := func(client, tool string, argv func(e *env, out string) ([]string, error)) {
		add(spec{w: "W2", group: "W2", client: client, tool: tool, argv: argv, check: checkW2})
	}
	w2("go", "goclient", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["goclient"], "-w", "W2", "-addr", e.srv.POP3, "-n", n}, nil
	})
	w2("mx-raw", "mailexpect", func(e *env, o string) ([]string, error) { return mx("w2_raw.lua", e.srv.POP3, n)(e, o) })
	w2("mx-mod", "mailexpect", func(e *env, o string) ([]string, error) { return mx("w2_mod.lua", e.srv.POP3, n)(e, o) })
	w2("python", "python", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["python"], e.client("w2.py"), e.srv.POP3, n}, nil
	})
	w2("pexpect", "pexpect", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["python"], e.client("w2_pexpect.py"), e.srv.POP3, n}, nil
	})
	w2("tcl", "expect", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["expect"], e.client("w2.exp"), e.srv.POP3, n}, nil
	})
	w2("curl", "curl", curlArgv("W2", func(e *env, _ string) []string { return []string{e.srv.POP3, n} }))

	// W3
	b := itoa(p.Boxes)
	w3 := func(client, tool string, argv func(e *env, out string) ([]string, error)) {
		add(spec{w: "W3", group: "W3", client: client, tool: tool, argv: argv, check: checkW3})
	}
	w3("go", "goclient", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["goclient"], "-w", "W3", "-addr", e.srv.POP3, "-n", b}, nil
	})
	rowsFile := func(e *env) (string, error) {
		rows := filepath.Join(e.tmp, "w3-rows.csv")
		var sb strings.Builder
		sb.WriteString("user\n")
		for i := 0; i < p.Boxes; i++ {
			fmt.Fprintf(&sb, "box%d\n", i)
		}
		return rows, os.WriteFile(rows, []byte(sb.String()), 0o644)
	}
	w3("mx-raw", "mailexpect", func(e *env, o string) ([]string, error) { return mx("w3_raw.lua", e.srv.POP3, b)(e, o) })
	w3("mx-mod", "mailexpect", func(e *env, o string) ([]string, error) { return mx("w3_mod.lua", e.srv.POP3, b)(e, o) })
	w3("mx-each", "each", func(e *env, _ string) ([]string, error) {
		rows, err := rowsFile(e)
		if err != nil {
			return nil, err
		}
		return []string{e.bin["mailexpect"], "--timeout", "600", "-q", "--each", rows, "--jobs", itoa(p.EachJobs),
			e.client("w3_each.lua"), e.srv.POP3}, nil
	})
	w3("python", "python", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["python"], e.client("w3.py"), e.srv.POP3, b}, nil
	})
	w3("pexpect", "pexpect", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["python"], e.client("w3_pexpect.py"), e.srv.POP3, b}, nil
	})
	w3("tcl", "expect", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["expect"], e.client("w3.exp"), e.srv.POP3, b}, nil
	})
	w3("curl", "curl", curlArgv("W3", func(e *env, _ string) []string { return []string{e.srv.POP3, b, itoa(p.PerBox)} }))

	// W3-jobsN: the same, N mailboxes at a time
	if p.Jobs > 1 {
		id, j := "W3-jobs"+itoa(p.Jobs), itoa(p.Jobs)
		add(spec{w: id, group: "W3", client: "go", tool: "goclient", check: checkW3,
			argv: func(e *env, _ string) ([]string, error) {
				return []string{e.bin["goclient"], "-w", "W3", "-addr", e.srv.POP3, "-n", b, "-jobs", j}, nil
			}})
		add(spec{w: id, group: "W3", client: "mx-each", tool: "each", check: checkW3,
			argv: func(e *env, _ string) ([]string, error) {
				rows, err := rowsFile(e)
				if err != nil {
					return nil, err
				}
				return []string{e.bin["mailexpect"], "--timeout", "600", "-q", "--each", rows, "--jobs", j,
					e.client("w3_each.lua"), e.srv.POP3}, nil
			}})
	}

	// W4
	m := itoa(p.Messages)
	w4 := func(client, tool string, argv func(e *env, out string) ([]string, error)) {
		add(spec{w: "W4", group: "W4", client: client, tool: tool, argv: argv, check: checkW4})
	}
	w4("go", "goclient", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["goclient"], "-w", "W4", "-addr", e.srv.SMTP, "-n", m, "-msg", e.msgFile}, nil
	})
	w4("mx-raw", "mailexpect", func(e *env, o string) ([]string, error) { return mx("w4_raw.lua", e.srv.SMTP, m, e.msgFile)(e, o) })
	w4("mx-mod", "mailexpect", func(e *env, o string) ([]string, error) { return mx("w4_mod.lua", e.srv.SMTP, m, e.msgFile)(e, o) })
	w4("python", "python", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["python"], e.client("w4.py"), e.srv.SMTP, m, e.msgFile}, nil
	})
	w4("pexpect", "pexpect", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["python"], e.client("w4_pexpect.py"), e.srv.SMTP, m, e.msgFile}, nil
	})
	w4("tcl", "expect", func(e *env, _ string) ([]string, error) {
		return []string{e.bin["expect"], e.client("w4.exp"), e.srv.SMTP, m, e.msgFile}, nil
	})
	w4("curl", "curl", curlArgv("W4", func(e *env, _ string) []string { return []string{e.srv.SMTP, m, e.msgFile} }))

	// W5, one workload per size
	for _, sz := range p.LineSizes {
		s := itoa(sz)
		id := "W5-" + sizeID(sz)
		w5 := func(client, tool string, argv func(e *env, out string) ([]string, error)) {
			add(spec{w: id, group: "W5", client: client, tool: tool, argv: argv, check: checkW5, size: sz})
		}
		w5("go", "goclient", func(e *env, _ string) ([]string, error) {
			return []string{e.bin["goclient"], "-w", "W5", "-addr", e.srv.Lines, "-size", s}, nil
		})
		w5("mx-raw", "mailexpect", func(e *env, o string) ([]string, error) { return mx("w5_raw.lua", e.srv.Lines, s)(e, o) })
		for _, mode := range []string{"re", "exact"} {
			mode := mode
			w5("pexpect-"+mode, "pexpect", func(e *env, _ string) ([]string, error) {
				return []string{e.bin["python"], e.client("w5_pexpect.py"), e.srv.Lines, s, mode}, nil
			})
		}
		for _, v := range []struct{ client, mode, mm string }{
			{"tcl-re-default", "re", "2000"}, {"tcl-re-big", "re", "150000000"}, {"tcl-ex-big", "ex", "150000000"},
		} {
			v := v
			w5(v.client, "expect", func(e *env, _ string) ([]string, error) {
				return []string{e.bin["expect"], e.client("w5.exp"), e.srv.Lines, s, v.mode, v.mm}, nil
			})
		}
		out[len(out)-3].lossy = "Tcl Expect keeps only the last match_max (2000) bytes"
	}
	return out
}

// curlArgv prepares a curl config (untimed) and returns "curl.sh run CFG".
func curlArgv(w string, args func(e *env, out string) []string) func(e *env, out string) ([]string, error) {
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
