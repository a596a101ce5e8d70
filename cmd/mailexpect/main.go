// Command mailexpect runs Lua scripts that talk to mail servers: expect
// for SMTP, POP3 and IMAP. See usage.go for the command line and
// docs/DESIGN.md for the Lua API.
package main

import (
	"os"

	"github.com/mailexpect/mailexpect/internal/gcpolicy"
)

func main() {
	gcpolicy.DeferFirstGC()
	ownProcess = true
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
