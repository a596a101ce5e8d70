package main

import (
	"context"
	"crypto/tls"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/mailexpect/mailexpect/internal/pki"
	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/recording"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

const replayUsage = `usage: mailexpect replay [-q] [--idle SECONDS] FILE

Serves the sessions of a recording (made with --record FILE) on 127.0.0.1,
each on its recorded port when it is free, else on an ephemeral one, for a
program in another process. TLS is real, from a CA generated at start. The
Nth connection to an address gets the Nth session recorded for it (after
the last, the first again). A client that sends something else than the
recording has is told nothing more: the session is closed and a line on
stderr names both lines. Ctrl-C stops it.

  -q              no line per session on stderr
  --idle SECONDS  close a session whose client says nothing this long (default 60)
`

// serveReplay is the replay subcommand.
func serveReplay(ctx context.Context, args []string, quiet bool, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("replay", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	var idle time.Duration
	help := false
	fs.BoolVar(&quiet, "q", quiet, "")
	fs.Func("idle", "", durationFlag(&idle))
	fs.BoolVar(&help, "h", false, "")
	fs.BoolVar(&help, "help", false, "")
	if err := fs.Parse(args); err != nil {
		printError(stderr, flagError(err, args))
		return luabind.ExitUsage
	}
	if help {
		io.WriteString(stdout, replayUsage)
		return luabind.ExitOK
	}
	if fs.NArg() != 1 {
		printError(stderr, usageErr("mailexpect replay --help", "replay wants one recording FILE, got %d arguments", fs.NArg()))
		return luabind.ExitUsage
	}
	file := fs.Arg(0)
	rp, err := recording.Open(file, transcript.NewSecrets())
	if err != nil {
		printError(stderr, usageErr("a recording is made with --record FILE; its format: docs/record-replay.md", "replay: %v", unwrapPath(err)))
		return luabind.ExitUsage
	}
	tlsCfg, caFile, cleanup, err := replayTLS(rp.Recording().ServerNames())
	if err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	defer cleanup()
	var logMu sync.Mutex
	logf := func(format string, args ...any) {
		if quiet {
			return
		}
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(stderr, "%s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
	}
	srv, err := recording.Serve(rp, recording.ServerConfig{TLS: tlsCfg, Idle: idle, Logf: logf})
	if err != nil {
		printError(stderr, err)
		return luabind.ExitFailure
	}
	defer srv.Close()
	printReplay(stdout, file, rp.Recording(), srv.Listeners(), caFile)
	<-ctx.Done()
	return luabind.ExitOK
}

// replayTLS makes the CA and the certificate the replay server presents:
// for 127.0.0.1, localhost and every name the recording's servers had.
func replayTLS(names []string) (cfg *tls.Config, caFile string, cleanup func(), err error) {
	now := time.Now()
	ca, err := pki.NewCA(pki.Name{CommonName: "mailexpect replay CA " + now.UTC().Format(time.RFC3339), Organization: "mailexpect replay"}, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	if err != nil {
		return nil, "", nil, err
	}
	hosts := append([]string{"127.0.0.1", "::1", "localhost"}, names...)
	cert, err := ca.Issue(pki.Name{CommonName: "localhost", Organization: "mailexpect replay"}, hosts, now.Add(-time.Hour), now.Add(90*24*time.Hour))
	if err != nil {
		return nil, "", nil, err
	}
	dir, err := os.MkdirTemp("", "mailexpect-replay-")
	if err != nil {
		return nil, "", nil, err
	}
	caFile = filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(caFile, ca.PEM(), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, "", nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}}, caFile, func() { os.RemoveAll(dir) }, nil
}

// printReplay writes the banner of `mailexpect replay`, as the sandbox
// does: addresses, CA file and an export line.
func printReplay(w io.Writer, file string, rec *recording.Recording, ls []recording.Listener, caFile string) {
	fmt.Fprintf(w, "mailexpect replay: serving %s (%d sessions); Ctrl-C stops it.\n\n", file, len(rec.Sessions))
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	var env []string
	seen := map[string]bool{}
	for _, l := range ls {
		proto := l.Protocol
		if proto == "" {
			proto = "?"
		}
		fmt.Fprintf(tw, "  %s\t%s\t(recorded %s, %d sessions)\n", proto, l.Addr, l.Recorded, l.Sessions)
		if l.Protocol != "" && !seen[l.Protocol] {
			seen[l.Protocol] = true
			env = append(env, "MAILEXPECT_"+strings.ToUpper(l.Protocol)+"="+shellQuote(l.Addr))
		}
	}
	tw.Flush()
	fmt.Fprintf(w, "  ca_file  %s (the generated CA; removed at exit)\n", caFile)
	for _, kv := range rec.Env {
		if name, value, _ := strings.Cut(kv, "="); name == "MAILEXPECT_USER" {
			env = append(env, name+"="+shellQuote(value))
		}
	}
	env = append(env, "MAILEXPECT_CA_FILE="+shellQuote(caFile))
	fmt.Fprintf(w, "\ntry it from another shell (any password matches a recorded ***):\n\n")
	fmt.Fprintf(w, "  export %s\n\n", strings.Join(env, " \\\n         "))
}
