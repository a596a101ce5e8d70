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

// BenchmarkEachRow is one row of `mailexpect --each rows.csv --jobs 1`
// through the bulk pool and BulkJob, as the CLI runs it: a fresh state
// per row. "w3" is the W3 mailbox through the pop3 module against a
// loopback server in this process; "require" only loads the module (the
// per-row cost before the first command).
func BenchmarkEachRow(b *testing.B) {
	addr := answerServer(b, "+OK ready\r\n", mailboxAnswers)
	for _, bc := range []struct{ name, src string }{
		{"w3", eachScript(b)},
		{"require", `local pop3 = require "pop3"; return row.user`},
	} {
		b.Run(bc.name, func(b *testing.B) {
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
			sum, err := bulk.Run(context.Background(), bulk.Config{Jobs: 1, Secrets: secrets, Stdout: io.Discard}, rs, BulkJob(cfg, proto))
			if err != nil {
				b.Fatal(err)
			}
			if sum.Status() != bulk.RunOK {
				b.Fatalf("run status %v: %+v", sum.Status(), sum)
			}
		})
	}
}
