package testutil

import (
	"bufio"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// Server is a child process that serves until it is signalled (mailexpect
// sandbox, mailexpect replay), as StartServer left it: its banner read.
type Server struct {
	Cmd    *exec.Cmd
	Banner string      // stdout up to the blank line after the export line
	Env    []string    // the export line's NAME=value pairs, unquoted
	Stderr *SyncBuffer // all of stderr, as it comes
}

// exportedRE is one NAME=value of an export line, the value a shell word
// as the servers quote it: bare, or single-quoted (a quote inside is
// closed, escaped and reopened).
var exportedRE = regexp.MustCompile(`([A-Za-z_][A-Za-z0-9_]*)=('(?:[^']|'\\'')*'|[^\s'\\]+)`)

// StartServer starts cmd and reads its banner: stdout up to the blank line
// after the line that starts with "export " (continued by lines ending in
// " \"). The rest of stdout is discarded. A banner that is not complete
// within a minute fails tb. When the test ends the process gets SIGINT (and
// SIGKILL 10s later) and is waited for; a test may stop it and wait first.
func StartServer(tb testing.TB, cmd *exec.Cmd) *Server {
	tb.Helper()
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	s := &Server{Cmd: cmd, Stderr: new(SyncBuffer)}
	cmd.Stderr = s.Stderr
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		deaf := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
		cmd.Wait()
		deaf.Stop()
	})
	// A server that never finishes its banner is killed, which ends the
	// read below.
	stuck := time.AfterFunc(time.Minute, func() { cmd.Process.Kill() })
	defer stuck.Stop()
	var banner strings.Builder
	sc := bufio.NewScanner(stdout)
	export, done := "", false
	for !done && sc.Scan() {
		line := sc.Text()
		banner.WriteString(line + "\n")
		switch {
		case export == "" && strings.HasPrefix(strings.TrimSpace(line), "export "):
			export = line
		case export != "" && strings.HasSuffix(export, " \\"):
			export += "\n" + line
		case export != "" && line == "":
			done = true
		}
	}
	s.Banner = banner.String()
	if !done {
		tb.Fatalf("%s: no export line and blank line after it in its output (%v):\n%s\nstderr:\n%s",
			cmd.Path, sc.Err(), s.Banner, s.Stderr.String())
	}
	go func() { // the rest of stdout, so that the server never blocks writing it
		for sc.Scan() {
		}
	}()
	for _, m := range exportedRE.FindAllStringSubmatch(export, -1) {
		v := m[2]
		if strings.HasPrefix(v, "'") {
			v = strings.ReplaceAll(v[1:len(v)-1], `'\''`, `'`)
		}
		s.Env = append(s.Env, m[1]+"="+v)
	}
	return s
}
