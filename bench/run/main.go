// Command run is the benchmark of issue 10: mailexpect against a
// hand-written Go client, Python's poplib/smtplib, pexpect, Tcl Expect and
// curl, on workloads W1..W5 against bench/loadserver.
//
//	go run ./bench/run                  full run, writes bench/RESULTS.md
//	go run ./bench/run -install         apt-get install expect, python3-pexpect, curl first
//	go run ./bench/run -quick           tiny sizes, 1 repetition: a correctness check
//	go run ./bench/run -only W2,W5 -clients go,mx-raw -reps 3
//
// The table goes to stdout; progress to stderr.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/bench/runner"
)

func main() {
	var o runner.Options
	var only, clients, out string
	flag.BoolVar(&o.Quick, "quick", false, "tiny sizes, 1 repetition, skip tools not installed (correctness only)")
	flag.IntVar(&o.Reps, "reps", 0, "repetitions per cell (default 5; quick 1)")
	flag.DurationVar(&o.Cap, "cap", 0, "time cap of one run (default 120s; quick 30s)")
	flag.StringVar(&only, "only", "", "comma-separated workloads: W1,W2,W3,W4,W5 or W5-16MiB")
	flag.StringVar(&clients, "clients", "", "comma-separated clients (go,mx-raw,mx-mod,mx-modfile,mx-each,python,pexpect,pexpect-re,pexpect-exact,tcl,tcl-re-default,tcl-re-big,tcl-ex-big,curl)")
	flag.BoolVar(&o.Install, "install", false, "install missing Debian packages (expect, python3-pexpect, curl) with apt-get")
	flag.StringVar(&o.BinDir, "bin", "", "directory with prebuilt mailexpect and goclient (default: build them)")
	flag.IntVar(&o.StartupReps, "startup-reps", 0, "runs of `mailexpect -e ''` (default 20; quick 3)")
	flag.StringVar(&out, "out", "", "write the markdown here (default: bench/RESULTS.md for a full run of everything, none otherwise)")
	flag.Parse()
	if only != "" {
		o.Only = strings.Split(only, ",")
	}
	if clients != "" {
		o.Clients = strings.Split(clients, ",")
	}
	o.Log = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	start := time.Now()
	rep, err := runner.Run(ctx, o)
	if err != nil && rep == nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	md := rep.Markdown()
	fmt.Print(md)
	if out == "" && !o.Quick && only == "" && clients == "" && err == nil {
		out = filepath.Join("bench", "RESULTS.md")
	}
	if out != "" {
		if werr := os.WriteFile(out, []byte(md), 0o644); werr != nil {
			fmt.Fprintln(os.Stderr, "bench:", werr)
			os.Exit(1)
		}
		fmt.Fprintf(os.Stderr, "wrote %s\n", out)
	}
	fmt.Fprintf(os.Stderr, "bench: done in %s\n", time.Since(start).Round(time.Second))
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
	if f := rep.Failures(); len(f) > 0 {
		fmt.Fprintf(os.Stderr, "bench: %d failed run(s):\n  %s\n", len(f), strings.Join(f, "\n  "))
		if o.Quick {
			os.Exit(1)
		}
	}
}
