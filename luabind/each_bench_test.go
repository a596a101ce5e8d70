package luabind

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// eachScript is bench/clients/w3_each.lua, the script bench/ runs: the
// pop3 module deletes a mailbox of ten messages, one run per row.
func eachScript(b *testing.B) string {
	src, err := os.ReadFile("../bench/clients/w3_each.lua")
	if err != nil {
		b.Fatal(err)
	}
	return string(src)
}

// rawEachScript is the W3 mailbox with the raw primitives: a line read
// per reply, no matching.
const rawEachScript = `local s = connect(arg[1])
s:readline()
s:sendline("USER " .. row.user); s:readline()
s:sendline("PASS pw", {secret=true}); s:readline()
s:sendline("STAT")
local count = tonumber(s:readline():match("^%+OK (%d+)"))
s:sendline("UIDL"); s:readline()
local uids = 0
for _ in s:read_dot():gmatch("[^\r\n]+") do uids = uids + 1 end
assert(uids == count, "UIDL lists " .. uids .. ", STAT says " .. count)
for i = 1, count do s:sendline("DELE " .. i); s:readline() end
s:sendline("QUIT"); s:readline()
s:close()
`

// BenchmarkEachRow is one row of `mailexpect --each rows.csv --jobs 1`
// through the bulk pool and BulkJob, as the CLI runs it: a fresh state
// per row. "w3" is the W3 mailbox through the pop3 module against a
// loopback server in this process; "require" only loads the module (the
// per-row cost before the first command); "raw" is the same mailbox
// written with connect / sendline / readline (the raw path's Go side),
// "raw-jobs8" that with 8 rows at once, as `--jobs 8` runs it.
func BenchmarkEachRow(b *testing.B) {
	addr := answerServer(b, "+OK ready\r\n", mailboxAnswers)
	for _, bc := range []struct {
		name, src string
		jobs      int
	}{
		{"w3", eachScript(b), 1},
		{"require", `local pop3 = require "pop3"; return row.user`, 1},
		{"raw", rawEachScript, 1},
		{"raw-jobs8", rawEachScript, 8},
	} {
		b.Run(bc.name, func(b *testing.B) {
			if bc.jobs > 1 || bc.src == rawEachScript {
				likeUserRun(b) // as a user's run: no return checks
			}
			proto, err := Compile("w3_each.lua", []byte(bc.src))
			if err != nil {
				b.Fatal(err)
			}
			var rows strings.Builder
			rows.WriteString("user\n")
			for i := range b.N {
				fmt.Fprintf(&rows, "box%d\n", i)
			}
			rs, err := bulk.ReadRows(strings.NewReader(rows.String()), bulk.FormatCSV)
			if err != nil {
				b.Fatal(err)
			}
			secrets := transcript.NewSecrets()
			cfg := Config{Secrets: secrets, Stderr: io.Discard, Timeout: time.Minute, Args: []string{addr}}
			b.ReportAllocs()
			b.ResetTimer()
			sum, err := bulk.Run(context.Background(), bulk.Config{Jobs: bc.jobs, Secrets: secrets, Stdout: io.Discard}, rs, BulkJob(cfg, proto))
			if err != nil {
				b.Fatal(err)
			}
			if sum.Status() != bulk.RunOK {
				b.Fatalf("run status %v: %+v", sum.Status(), sum)
			}
		})
	}
}
