package bench

import (
	"encoding/csv"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/internal/mailstack"
	"github.com/mailexpect/mailexpect/internal/testutil"
)

// BenchmarkPOP3CleanupRealStack prices a bulk cleanup against real
// Dovecot: `mailexpect --each rows.csv --jobs N scripts/pop3-cleanup.lua`
// over 40 mailboxes of 10 messages, half of them old newsletters to
// delete. It reports rows per second; the correctness of the cleanup
// itself is scripts/pop3cleanup_test.go's job.
//
//	go test ./bench -run XXX -bench POP3CleanupRealStack -benchtime 1x
func BenchmarkPOP3CleanupRealStack(b *testing.B) {
	bin := filepath.Join(testutil.GoBuild(b, "../cmd/mailexpect"), "mailexpect")
	script, err := filepath.Abs("../scripts/pop3-cleanup.lua")
	if err != nil {
		b.Fatal(err)
	}
	const mailboxes = 40
	for _, jobs := range []string{"1", "8"} {
		b.Run("jobs="+jobs, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				st, dir := seededStack(b, mailboxes)
				b.StartTimer()
				start := time.Now()
				cmd := exec.Command(bin, "-q", "--each", "rows.csv", "--jobs", jobs, script, "--older-than", "365", "--subject", "(?i)newsletter")
				cmd.Dir = dir
				cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + b.TempDir(), "MAILEXPECT_CA_FILE=" + st.CAFile}
				if out, err := cmd.CombinedOutput(); err != nil {
					b.Fatalf("%v\n%s", err, out)
				}
				total += time.Since(start)
				b.StopTimer()
				if left, err := st.Mailbox(st.Users[0].Name); err != nil || len(left) != 5 {
					b.Fatalf("%s holds %d messages after the cleanup, want 5 (%v)", st.Users[0].Name, len(left), err)
				}
			}
			b.ReportMetric(float64(mailboxes*b.N)/total.Seconds(), "rows/s")
		})
	}
}

// seededStack starts a private stack of n mailboxes, each with five old
// newsletters (to delete) and five other messages, and writes rows.csv.
func seededStack(b *testing.B, n int) (*mailstack.Stack, string) {
	st := mailstack.NewStack(b, mailstack.Options{Users: n, Password: "bench-pw"})
	dir := b.TempDir()
	old := time.Now().AddDate(-2, 0, 0).Format(time.RFC1123Z)
	recent := time.Now().AddDate(0, 0, -3).Format(time.RFC1123Z)
	for _, u := range st.Users {
		for k := 1; k <= 10; k++ {
			date, subject := recent, "Invoice"
			if k%2 == 1 {
				date, subject = old, "Newsletter"
			}
			msg := fmt.Sprintf("Message-ID: <%d.%s@bench.test>\nDate: %s\nFrom: n@example.com\nTo: %s\nSubject: %s %d\n\nbody\n", k, u.Name, date, u.Address, subject, k)
			if err := st.Seed(u.Name, []byte(msg)); err != nil {
				b.Fatal(err)
			}
		}
	}
	writeRows(b, filepath.Join(dir, "rows.csv"), st, []string{"user", "pass", "host"},
		func(u mailstack.User) []string { return []string{u.Name, u.Password, st.POP3} })
	return st, dir
}

// writeRows writes the rows file of an --each run over st's mailboxes:
// header, then row(u) for every user, as CSV.
func writeRows(b *testing.B, file string, st *mailstack.Stack, header []string, row func(u mailstack.User) []string) {
	var rows strings.Builder
	w := csv.NewWriter(&rows)
	w.Write(header)
	for _, u := range st.Users {
		w.Write(row(u))
	}
	w.Flush()
	if err := os.WriteFile(file, []byte(rows.String()), 0o600); err != nil {
		b.Fatal(err)
	}
}
