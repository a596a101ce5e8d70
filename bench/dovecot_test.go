package bench

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/internal/testutil"
)

// BenchmarkPOP3DeleteAllRealDovecot is issue 26's real-server bench: a
// private Dovecot (internal/mailstack) with N mailboxes of 10 messages,
// every message deleted over POP3 (log in, STAT, UIDL, DELE all, QUIT),
// J mailboxes at a time, by each client from the same state (the Go
// client, Python's poplib in J threads, mailexpect --each): the
// mailboxes are seeded again before every run and their Maildir files
// counted before and after. `doveadm expunge -A` (server-side, no POP3)
// is the floor beside them. It reports the wall time, the client's CPU
// (user+sys of the process, from wait4) and its context switches per run.
//
//	MAILEXPECT_BENCH_MAILBOXES=500 [MAILEXPECT_BENCH_JOBS=32] go test ./bench -run XXX -bench DeleteAllRealDovecot -benchtime 1x
//
// MAILEXPECT_BENCH_BEFORE=/path/to/mailexpect adds "mx-each-before": the
// same run with another build (an earlier commit's), so a change is
// measured against its starting point on the same seeded server, in the
// same run.
//
// The scale is 10,000 mailboxes, 32 at a time; the default here
// is 100 mailboxes, 8 at a time, small enough for a shared machine.
func BenchmarkPOP3DeleteAllRealDovecot(b *testing.B) {
	boxes := 100
	if v, err := strconv.Atoi(os.Getenv("MAILEXPECT_BENCH_MAILBOXES")); err == nil && v > 0 {
		boxes = v
	}
	const perBox = 10
	jobs := "8"
	if v, err := strconv.Atoi(os.Getenv("MAILEXPECT_BENCH_JOBS")); err == nil && v > 0 {
		jobs = strconv.Itoa(v)
	}
	dir := testutil.GoBuild(b, "../cmd/mailexpect", "./goclient")
	bin := map[string]string{"mailexpect": filepath.Join(dir, "mailexpect"), "goclient": filepath.Join(dir, "goclient")}
	st := mailstack.NewStack(b, mailstack.Options{Users: boxes, Password: "pw"})
	rowsFile := filepath.Join(b.TempDir(), "rows.csv")
	writeRows(b, rowsFile, st, []string{"user"}, func(u mailstack.User) []string { return []string{u.Name} })
	eachScript, _ := filepath.Abs("clients/w3_each.lua")
	pyScript, _ := filepath.Abs("clients/w3.py")
	each := func(mailexpect string) []string {
		return []string{mailexpect, "-q", "--timeout", "600", "--each", rowsFile, "--jobs", jobs, eachScript, st.POP3}
	}
	type client struct {
		name string
		argv []string
	}
	clients := []client{
		{"go", []string{bin["goclient"], "-w", "W3", "-addr", st.POP3, "-n", strconv.Itoa(boxes), "-jobs", jobs, "-user", "user%d", "-first", "1"}},
		{"python", []string{"python3", pyScript, st.POP3, strconv.Itoa(boxes), jobs, "user%d", "1"}},
		{"mx-each", each(bin["mailexpect"])},
	}
	if before := os.Getenv("MAILEXPECT_BENCH_BEFORE"); before != "" {
		clients = append(clients, client{"mx-each-before", each(before)})
	}
	clients = append(clients, client{"doveadm-expunge", []string{"doveadm", "-c", filepath.Join(st.Dir, "dovecot", "dovecot.conf"), "expunge", "-A", "mailbox", "INBOX", "all"}})
	count := func() int {
		n := 0
		for _, u := range st.Users {
			msgs, err := st.Mailbox(u.Name)
			if err != nil {
				b.Fatal(err)
			}
			n += len(msgs)
		}
		return n
	}
	for _, c := range clients {
		b.Run(c.name, func(b *testing.B) {
			var wall, cpu time.Duration
			var switches int64 // context switches, voluntary and not: a thread put to sleep and woken costs CPU
			for range b.N {
				b.StopTimer()
				for _, u := range st.Users {
					if err := st.SeedN(u.Name, perBox); err != nil {
						b.Fatal(err)
					}
				}
				if n := count(); n != boxes*perBox {
					b.Fatalf("%d messages seeded, want %d", n, boxes*perBox)
				}
				cmd := exec.Command(c.argv[0], c.argv[1:]...)
				b.StartTimer()
				start := time.Now()
				out, err := cmd.CombinedOutput()
				wall += time.Since(start)
				b.StopTimer()
				if err != nil {
					b.Fatalf("%s: %v\n%s", c.name, err, out)
				}
				if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
					cpu += time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
					switches += ru.Nvcsw + ru.Nivcsw
				}
				if n := count(); n != 0 {
					b.Fatalf("%s left %d of %d messages\n%s", c.name, n, boxes*perBox, out)
				}
			}
			b.ReportMetric(wall.Seconds()/float64(b.N), "s/run")
			b.ReportMetric(cpu.Seconds()/float64(b.N), "cpu-s/run")
			b.ReportMetric(float64(switches)/float64(b.N), "ctxsw/run")
		})
	}
}
