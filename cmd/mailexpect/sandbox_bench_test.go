package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

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
