// Command mailexpect runs Lua scripts that talk to mail servers: expect
// for SMTP, POP3 and IMAP. See usage.go for the command line and
// docs/DESIGN.md for the Lua API.
package main

import (
	"os"

	"github.com/mailexpect/mailexpect/internal/gcpolicy"
	_ "github.com/mailexpect/mailexpect/internal/onep" // one P from the start (procs.go)
)

func main() {
	gcpolicy.DeferFirstGC()
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
