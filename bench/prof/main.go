// Command prof runs a mailexpect script in-process, the way the CLI does
// (luabind.Compile + Runner.Run), with a CPU and/or heap profile, so that
// a benchmark client can be profiled without a flag in the CLI:
//
//	go run ./bench/loadserver/cmd/loadserver &      # prints its addresses
//	go run ./bench/prof -cpu cpu.prof bench/clients/w2_raw.lua 127.0.0.1:P 20000
//	go tool pprof -top cpu.prof
//
// -each ROWS [-jobs J] runs the script once per row through the bulk pool,
// as `mailexpect --each ROWS --jobs J` does.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

func main() {
	cpu := flag.String("cpu", "", "write a CPU profile here")
	mem := flag.String("mem", "", "write a heap (alloc) profile here")
	timeout := flag.Duration("timeout", 600*time.Second, "default expect timeout")
	rowsFile := flag.String("each", "", "rows file: a bulk run as `mailexpect --each FILE` does (bulk.Run + luabind.BulkJob)")
	jobs := flag.Int("jobs", 1, "with -each: --jobs")
	flag.Parse()
	if flag.NArg() < 1 {
		fmt.Fprintln(os.Stderr, "usage: prof [-cpu FILE] [-mem FILE] SCRIPT.lua [args...]")
		os.Exit(2)
	}
	script := flag.Arg(0)
	src, err := os.ReadFile(script)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	proto, err := luabind.Compile(script, src)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	if *mem != "" {
		runtime.MemProfileRate = 64 << 10
	}
	if *cpu != "" {
		f, err := os.Create(*cpu)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		pprof.StartCPUProfile(f)
	}
	start := time.Now()
	cfg := luabind.Config{
		Stdout: os.Stdout, Stderr: os.Stderr, Timeout: *timeout,
		ScriptName: script, Args: flag.Args()[1:],
	}
	var code int
	if *rowsFile != "" {
		rows, rerr := bulk.ReadRowsFile(*rowsFile)
		if rerr != nil {
			fmt.Fprintln(os.Stderr, rerr)
			os.Exit(2)
		}
		cfg.Stdout = nil
		cfg.Secrets = transcript.NewSecrets()
		var sum bulk.Summary
		sum, err = bulk.Run(context.Background(), bulk.Config{Jobs: *jobs, Secrets: cfg.Secrets, Stdout: os.Stdout},
			rows, luabind.BulkJob(cfg, proto))
		if sum.Status() != bulk.RunOK {
			code = 1 // a profile run: any row not ok is a failure
		}
	} else {
		code, err = luabind.NewRunner(cfg).Run(context.Background(), proto)
	}
	elapsed := time.Since(start)
	if *cpu != "" {
		pprof.StopCPUProfile()
	}
	if *mem != "" {
		f, err := os.Create(*mem)
		if err == nil {
			// The profile shows allocations as of the last completed
			// collection: without one, the script's last big allocations
			// (a regex replace over a whole message) would be missing.
			runtime.GC()
			pprof.Lookup("allocs").WriteTo(f, 0)
			f.Close()
		}
	}
	fmt.Fprintf(os.Stderr, "prof: %v, exit %d\n", elapsed, code)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	os.Exit(code)
}
