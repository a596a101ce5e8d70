package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	luabind "github.com/mailexpect/mailexpect/luabind"
)

const testUsage = `usage: mailexpect test [--sandbox] [--record] [--timeout SECONDS] [DIR|FILE]...

Runs every *_test.lua under each DIR (default: the current directory, its
subdirectories too, hidden ones and testdata left out), one run each, and
reports PASS or FAIL per test (a test passes when its run exits 0) and a
summary line "N passed, N failed". Exit 0 when all pass, 1 otherwise.

A test NAME_test.lua runs against its recording NAME_test.rec beside it
(--replay: offline, no server). Without a recording it needs --sandbox.

  --sandbox           run against the sandbox instead of the recordings
  --record            with --sandbox: run against the sandbox and write each
                      test's recording (NAME_test.rec), replacing it
  --timeout SECONDS   default expect timeout inside the tests
  -v                  a failed test shows its transcript too
`

// runTests is the test subcommand.
func runTests(ctx context.Context, o *options, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	sandbox, record, verbose, help := o.sandbox, false, o.verbose, false
	timeout := o.timeout
	fs.BoolVar(&sandbox, "sandbox", sandbox, "")
	fs.BoolVar(&record, "record", false, "")
	fs.BoolVar(&verbose, "v", verbose, "")
	fs.Func("timeout", "", durationFlag(&timeout))
	fs.BoolVar(&help, "h", false, "")
	fs.BoolVar(&help, "help", false, "")
	err := parseFlags(fs, o.subArgs) // sets help: not in usageOrHelp's argument list
	if code, done := usageOrHelp(err, help, testUsage, stdout, stderr); done {
		return code
	}
	if record && !sandbox {
		printError(stderr, usageErr("mailexpect test --sandbox --record DIR", "test --record records against the sandbox: add --sandbox"))
		return luabind.ExitUsage
	}
	roots := fs.Args()
	if len(roots) == 0 {
		roots = []string{"."}
	}
	tests, err := findTests(roots)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitUsage
	}
	passed, failed := 0, 0
	for _, t := range tests {
		if ctx.Err() != nil {
			break
		}
		rec := strings.TrimSuffix(t, ".lua") + ".rec"
		args := []string{}
		if timeout > 0 {
			args = append(args, "--timeout", fmt.Sprint(timeout.Seconds()))
		}
		if verbose {
			args = append(args, "-v")
		}
		how := ""
		switch {
		case record:
			args = append(args, "--sandbox", "--record", rec)
			how = "sandbox, recording " + rec
		case sandbox:
			args = append(args, "--sandbox")
			how = "sandbox"
		default:
			if _, err := os.Stat(rec); err != nil {
				failed++
				fmt.Fprintf(stdout, "FAIL  %s: no recording %s (make one: mailexpect test --sandbox --record %s)\n", t, rec, filepath.Dir(t))
				continue
			}
			args = append(args, "--replay", rec)
			how = "replay " + rec
		}
		args = append(args, t)
		var out bytes.Buffer
		start := time.Now()
		code := run(args, strings.NewReader(""), &out, &out)
		took := time.Since(start).Seconds()
		if code == 0 {
			passed++
			fmt.Fprintf(stdout, "PASS  %s (%s, %.2fs)\n", t, how, took)
			// A replay's leftovers: the test passed, but the script
			// stopped before the recorded one did.
			for _, line := range strings.Split(out.String(), "\n") {
				if strings.HasPrefix(line, "warning: replay: ") {
					fmt.Fprintf(stdout, "      %s\n", line)
				}
			}
			continue
		}
		failed++
		fmt.Fprintf(stdout, "FAIL  %s (%s, exit %d, %.2fs)\n", t, how, code, took)
		for _, line := range strings.Split(strings.TrimRight(out.String(), "\n"), "\n") {
			fmt.Fprintf(stdout, "      %s\n", line)
		}
	}
	fmt.Fprintf(stdout, "%d passed, %d failed\n", passed, failed)
	if failed > 0 || ctx.Err() != nil {
		return luabind.ExitFailure
	}
	return luabind.ExitOK
}

// findTests lists the *_test.lua files under roots, sorted; a root may
// also name a test file.
func findTests(roots []string) ([]string, error) {
	var tests []string
	for _, root := range roots {
		fi, err := os.Stat(root)
		if err != nil {
			return nil, usageErr("", "test: %v", unwrapPath(err))
		}
		if !fi.IsDir() {
			if !strings.HasSuffix(root, "_test.lua") {
				return nil, usageErr("test files are named NAME_test.lua", "test: %s is not a *_test.lua file", root)
			}
			tests = append(tests, root)
			continue
		}
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && path != root && (strings.HasPrefix(d.Name(), ".") || d.Name() == "testdata") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(d.Name(), "_test.lua") {
				tests = append(tests, path)
			}
			return nil
		})
		if err != nil {
			return nil, usageErr("", "test: %v", unwrapPath(err))
		}
	}
	if len(tests) == 0 {
		return nil, usageErr("a test is a script named NAME_test.lua that exits 0 when it passes",
			"test: no *_test.lua under %s", strings.Join(roots, ", "))
	}
	sort.Strings(tests)
	return tests, nil
}
