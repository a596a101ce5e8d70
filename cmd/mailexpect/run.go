package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"syscall"
	"time"

	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/interact"
	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"
)

// version is set with -ldflags "-X main.version=v1.2.3"; otherwise the
// module version from the build info is shown.
var version = ""

// cliError is a usage error: printed as "error: ..." plus an optional
// "hint: ...", exit code 2.
type cliError struct {
	msg, hint string
}

func (e *cliError) Error() string { return e.msg }

func usageErr(hint, format string, args ...any) *cliError {
	return &cliError{msg: fmt.Sprintf(format, args...), hint: hint}
}

// options are the parsed command line.
type options struct {
	code       string // -e
	hasCode    bool
	verbose    bool
	quiet      bool
	logFile    string
	logFormat  string
	timeout    time.Duration
	maxTime    time.Duration
	dryRun     bool
	restricted bool
	plugin     bool
	prom       string // --prom FILE: the result for node_exporter's textfile collector
	luaPath    bool
	version    bool
	help       bool

	sandbox   bool         // --sandbox: run against the embedded server
	sbx       sandboxFlags // --fault, --users (sandbox.go)
	serve     bool         // the sandbox subcommand
	serveArgs []string     // its arguments
	probe     bool         // the serve subcommand (serve.go): the Prometheus prober
	probeArgs []string     // its arguments
	send      bool         // the send subcommand (send.go)
	sendArgs  []string     // its arguments
	doc       []string     // the doc subcommand's arguments (docs.go); nil: not given
	complete  []string     // the completion subcommand's arguments; nil: not given
	results   []string     // the results subcommand's arguments; nil: not given

	connect     bool     // the connect subcommand (connect.go)
	connectArgs []string // its arguments

	script string   // path, "-" for stdin; "" with -e
	args   []string // the script's arguments

	each eachOptions // --each ROWS and the bulk flags (each.go)

	record  string   // --record FILE (record.go)
	replay  string   // --replay FILE
	replayd bool     // the replay subcommand: serve a recording
	testCmd bool     // the test subcommand: run *_test.lua
	subArgs []string // the replay or test subcommand's arguments
}

func parseArgs(args []string) (*options, error) {
	o := &options{logFormat: "text"}
	fs := flag.NewFlagSet("mailexpect", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Func("e", "", func(s string) error { o.code, o.hasCode = s, true; return nil })
	fs.BoolVar(&o.verbose, "v", false, "")
	fs.BoolVar(&o.quiet, "q", false, "")
	fs.StringVar(&o.logFile, "log", "", "")
	fs.StringVar(&o.logFormat, "log-format", "text", "")
	fs.Func("timeout", "", durationFlag(&o.timeout))
	fs.Func("max-time", "", durationFlag(&o.maxTime))
	fs.BoolVar(&o.dryRun, "dry-run", false, "")
	fs.BoolVar(&o.restricted, "restricted", false, "")
	fs.BoolVar(&o.plugin, "plugin", false, "")
	fs.StringVar(&o.prom, "prom", "", "")
	fs.BoolVar(&o.luaPath, "lua-path", false, "")
	fs.BoolVar(&o.version, "version", false, "")
	fs.BoolVar(&o.help, "h", false, "")
	fs.BoolVar(&o.help, "help", false, "")
	o.each.register(fs)
	fs.BoolVar(&o.sandbox, "sandbox", false, "")
	fs.StringVar(&o.record, "record", "", "")
	fs.StringVar(&o.replay, "replay", "", "")
	o.sbx.register(fs)
	fs.Func("listen-public", "", func(string) error {
		return errors.New("--listen-public is for the sandbox subcommand: mailexpect sandbox --listen-public")
	})
	if err := fs.Parse(args); err != nil {
		return nil, flagError(err, args)
	}
	if o.help || o.version {
		return o, nil
	}
	rest := fs.Args()
	switch {
	case o.hasCode:
		o.args = rest
	case len(rest) == 0:
		return nil, usageErr("run 'mailexpect --help' for examples", "no script given")
	case rest[0] == "serve":
		// The prober; a script named serve runs as ./serve.
		o.probe, o.probeArgs = true, rest[1:]
		if o.sandbox {
			return nil, usageErr("", "--sandbox runs a script; mailexpect serve runs the prober: give one of them")
		}
		return o, nil
	case rest[0] == "connect":
		// The subcommand; a script named connect runs as ./connect.
		o.connect, o.connectArgs = true, rest[1:]
		if o.sandbox || o.each.file != "" {
			return nil, usageErr("", "connect is for a person at a terminal: --sandbox and --each do not apply (run 'mailexpect sandbox' in another shell)")
		}
		return o, nil
	case rest[0] == "doc":
		o.doc = append([]string{}, rest[1:]...)
		return o, nil
	case rest[0] == "completion":
		o.complete = append([]string{}, rest[1:]...)
		return o, nil
	case rest[0] == "results":
		// A script named results runs as ./results.
		o.results = append([]string{}, rest[1:]...)
		return o, nil
	case rest[0] == "sandbox":
		// The subcommand; a script named sandbox runs as ./sandbox.
		o.serve, o.serveArgs = true, rest[1:]
		if o.sandbox {
			return nil, usageErr("", "--sandbox runs a script; the sandbox subcommand serves: give one of them")
		}
		return o, checkSandboxFlags(o)
	case rest[0] == "replay":
		// The subcommand; a script named replay runs as ./replay.
		o.replayd, o.subArgs = true, rest[1:]
		return o, nil
	case rest[0] == "test":
		o.testCmd, o.subArgs = true, rest[1:]
		return o, nil
	case rest[0] == "send":
		// A script named send runs as ./send.
		o.send, o.sendArgs = true, rest[1:]
		return o, checkSandboxFlags(o)
	default:
		o.script, o.args = rest[0], takeDryRun(o, rest[1:])
	}
	if o.verbose && o.quiet {
		return nil, usageErr("use one of them", "-v and -q contradict each other")
	}
	if err := checkSandboxFlags(o); err != nil {
		return nil, err
	}
	if o.logFormat != "text" && o.logFormat != "json" {
		return nil, usageErr("", "--log-format must be text or json, not %q", o.logFormat)
	}
	if o.restricted && o.luaPath {
		return nil, usageErr("--restricted scripts load no modules from disk", "--restricted and --lua-path cannot be combined")
	}
	if err := o.each.validate(o); err != nil {
		return nil, err
	}
	if o.prom != "" {
		if o.each.file != "" {
			return nil, usageErr("--results FILE.jsonl has every row's outcome", "--prom writes one run's result: it cannot be combined with --each")
		}
		// Refused now, not after the check has run.
		if fi, err := os.Stat(filepath.Dir(o.prom)); err != nil || !fi.IsDir() {
			return nil, usageErr("node_exporter reads *.prom files from its --collector.textfile.directory",
				"--prom %s: the directory %s does not exist", o.prom, filepath.Dir(o.prom))
		}
	}
	return o, nil
}

// parseFlags parses args into fs; a refusal is flagError's usage error.
func parseFlags(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		return flagError(err, args)
	}
	return nil
}

// commandFlagError is flagError for a subcommand: an unknown flag gets
// hint (where that command's flags are listed) instead of the top-level one.
func commandFlagError(err error, args []string, hint string) error {
	err = flagError(err, args)
	var ce *cliError
	if errors.As(err, &ce) && strings.HasPrefix(ce.msg, "unknown flag") {
		ce.hint = hint
	}
	return err
}

// flagError rewrites the flag package's messages into the CLI's style.
func flagError(err error, args []string) error {
	msg := err.Error()
	switch {
	case strings.HasPrefix(msg, "flag provided but not defined: "):
		name := strings.TrimPrefix(msg, "flag provided but not defined: ")
		for _, a := range args {
			// Show the flag as the user spelt it (--bogus, not -bogus).
			if a == "-"+name || strings.HasPrefix(a, "-"+name+"=") {
				name = "-" + name
				break
			}
		}
		return usageErr("run 'mailexpect --help' for the flags; flags after the script name are the script's",
			"unknown flag %s", name)
	case strings.HasPrefix(msg, "flag needs an argument: "):
		return usageErr("", "flag %s needs a value", strings.TrimPrefix(msg, "flag needs an argument: "))
	}
	// "invalid value "x" for flag -timeout: ..." from our Func flags.
	if i := strings.Index(msg, ": "); i >= 0 && strings.HasPrefix(msg, "invalid value") {
		return usageErr("", "%s", msg[i+2:])
	}
	return usageErr("", "%s", msg)
}

func durationFlag(d *time.Duration) func(string) error {
	return func(s string) error {
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || f <= 0 || math.IsInf(f, 0) || math.IsNaN(f) {
			return fmt.Errorf("want a number of seconds > 0, got %q", s)
		}
		*d = time.Duration(f * float64(time.Second))
		return nil
	}
}

// run is main without os.Exit, so tests can call it.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	o, err := parseArgs(args)
	if err == nil {
		err = checkRecordFlags(o)
	}
	if code, done := usageOrHelp(err, o != nil && o.help, usage, stdout, stderr); done {
		return code
	}
	if o.version {
		io.WriteString(stdout, versionText())
		return luabind.ExitOK
	}
	if o.doc != nil {
		return runDoc(o.doc, stdout, stderr)
	}
	if o.complete != nil {
		return runCompletion(o.complete, stdout, stderr)
	}
	if o.results != nil {
		return runResults(o.results, stdout, stderr)
	}

	releaseProcs(o)
	ctx, cancel := context.WithCancelCause(context.Background())
	defer cancel(nil)
	stopSignals := cancelOnSignal(cancel)
	defer stopSignals()

	if o.serve {
		return serveSandbox(ctx, o.serveArgs, o.quiet, stdout, stderr)
	}
	if o.replayd {
		return serveReplay(ctx, o.subArgs, o.quiet, stdout, stderr)
	}
	if o.testCmd {
		return runTests(ctx, o, stdout, stderr)
	}
	if o.probe {
		return serveProbes(ctx, o.probeArgs, stdout, stderr)
	}
	if o.connect {
		return executeConnect(ctx, o, stdin, stdout, stderr)
	}
	if o.send {
		return executeSend(ctx, o, stdin, stdout, stderr)
	}
	if o.each.file != "" {
		return executeEach(ctx, o, stdin, stdout, stderr)
	}
	return execute(ctx, o, stdin, stdout, stderr)
}

// cancelOnSignal cancels the run on the first SIGINT or SIGTERM; a second
// one gets the default behaviour (the process dies at once).
func cancelOnSignal(cancel context.CancelCauseFunc) (stop func()) {
	ch := make(chan os.Signal, 1)
	signal.Notify(ch, os.Interrupt, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-ch:
			signal.Stop(ch)
			if sig == syscall.SIGTERM {
				cancel(luabind.ErrTerminated)
			} else {
				cancel(luabind.ErrInterrupted)
			}
		case <-done:
		}
	}()
	return func() {
		signal.Stop(ch)
		close(done)
	}
}

// baseConfig is the part of a run's Lua configuration that single and
// bulk runs share. A run waits for its servers in its own system calls
// (SyscallWait): it talks to one at a time; a bulk run with more than one
// job turns that off.
func baseConfig(o *options, name string) luabind.Config {
	return luabind.Config{
		SyscallWait: true,
		Timeout:     o.timeout,
		DryRun:      o.dryRun,
		Restricted:  o.restricted,
		LuaPath:     o.luaPath,
		Quiet:       o.quiet,
		ScriptName:  name,
		Args:        o.args,
		ScriptDir:   scriptDir(o),
	}
}

// scriptDir is where require looks for the script's own modules: the
// directory of the script file ("" for -e and stdin).
func scriptDir(o *options) string {
	if o.hasCode || o.script == "" || o.script == "-" {
		return ""
	}
	return filepath.Dir(o.script)
}

// takeDryRun turns a --dry-run among the script's arguments (before a
// "--") into mailexpect's own flag: a shebang script can take it only
// there, and the cleanup scripts' help says "--dry-run". It is taken out
// of arg, never passed on silently.
func takeDryRun(o *options, args []string) []string {
	out := args[:0:0]
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if a == "--dry-run" {
			o.dryRun = true
			continue
		}
		out = append(out, a)
	}
	return out
}

// prepareRun sets up what every run needs around cfg: the transcript (-v,
// --log, written to logw) and, under --sandbox, the sandbox. It returns
// the cleanup to defer, or ok = false and the exit code to return (the
// error is already printed on stderr).
func prepareRun(cfg *luabind.Config, o *options, logw, stderr io.Writer) (cleanup func(), code int, ok bool) {
	closeLog, err := setupTranscript(cfg, o, logw)
	if err != nil {
		printError(stderr, err)
		return nil, luabind.ExitUsage, false
	}
	stopSandbox := func() {}
	if o.sandbox {
		if stopSandbox, err = startSandbox(cfg, &o.sbx); err != nil {
			closeLog()
			printError(stderr, err)
			return nil, luabind.ExitFailure, false
		}
	}
	stopRecord, err := setupRecordReplay(cfg, o, stderr)
	if err != nil {
		stopSandbox()
		closeLog()
		printError(stderr, err)
		return nil, luabind.ExitUsage, false
	}
	if err := envCAFile(cfg); err != nil {
		stopRecord()
		stopSandbox()
		closeLog()
		printError(stderr, err)
		return nil, luabind.ExitUsage, false
	}
	return func() { stopRecord(); stopSandbox(); closeLog() }, 0, true
}

// execute runs the script of o under ctx and returns the exit code.
func execute(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) int {
	name, proto, code := compileScript(o, stdin, stdout, stderr)
	if proto == nil {
		return code
	}

	cfg := baseConfig(o, name)
	cfg.Stdout, cfg.Stderr = stdout, interact.AboveLine(stderr) // log() above a typed line
	if f, ok := stdin.(*os.File); ok && o.script != "-" {
		cfg.Stdin = f // s:interact's terminal
	}
	cfg.MaxTime = o.maxTime
	cfg.Plugin = o.plugin
	cleanup, code, ok := prepareRun(&cfg, o, stderr, stderr)
	if !ok {
		return code
	}
	defer cleanup()

	// --plugin holds the print output so that the status line comes
	// first; --prom and --plugin read the check's result and TLS state.
	var col collector
	if o.plugin || o.prom != "" {
		col.hook(&cfg)
	}
	if o.plugin {
		col.out = &limitedBuffer{max: maxPluginOutput}
		cfg.Stdout = col.out
	}
	runCtx, endJournal, err := openSingleJournal(ctx, &cfg, o, name)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitUsage
	}
	start := time.Now()
	code, err = luabind.NewRunner(cfg).Run(runCtx, proto)
	elapsed := time.Since(start)
	code = endJournal(code, stderr)
	if o.prom != "" {
		if perr := writeProm(o.prom, name, code, err, elapsed, &col); perr != nil {
			printError(stderr, fmt.Errorf("--prom: %w", unwrapPath(perr)))
			if code == 0 {
				code = luabind.ExitFailure
				if o.plugin {
					code = luabind.PluginUnknown
				}
			}
		}
	}
	if o.plugin {
		pluginReport(stdout, name, code, err, elapsed, &col)
		return code
	}
	var re *luabind.RunError
	if err != nil && !(errors.As(err, &re) && re.Reported) {
		// A check script (require "check") has shown the error in its
		// status line already: monitors such as Icinga 2 read stderr
		// too, and the line would show up twice.
		printError(stderr, err)
	}
	return code
}

// openSingleJournal gives a single run (no --each) its --journal: the
// commit point and journal of a bulk row (bulk.Single), in cfg.Attempt.
// It returns the context to run the script under and end, which settles
// and closes the journal once the script is over and returns the exit
// code: 1 instead of 0 when the journal could not be written; a commit
// never confirmed is said on stderr. Without --journal it returns ctx
// and an end that changes nothing.
//
// The journal's key is $MAILEXPECT_USER (the mailbox the cleanup scripts
// clean without --each), else the script's name.
func openSingleJournal(ctx context.Context, cfg *luabind.Config, o *options, name string) (context.Context, func(code int, stderr io.Writer) int, error) {
	path := o.each.journal
	if path == "" {
		return ctx, func(code int, _ io.Writer) int { return code }, nil
	}
	j, err := bulk.OpenJournal(path, cfg.Secrets)
	if err != nil {
		return nil, nil, usageErr("", "--journal: %v", unwrapPath(err))
	}
	key := os.Getenv("MAILEXPECT_USER")
	if key == "" {
		key = name
	}
	a, runCtx, end := bulk.Single(ctx, j, key)
	cfg.Attempt = a
	return runCtx, func(code int, stderr io.Writer) int {
		outcome, err := end()
		if cerr := j.Close(); err == nil {
			err = cerr
		}
		if outcome == bulk.OutcomeUnknown {
			fmt.Fprintf(stderr, "warning: the commit was sent and never confirmed: %s lists the messages that may be gone; check the mailbox\n", path)
		}
		if err != nil {
			printError(stderr, fmt.Errorf("--journal %s: %w", path, err))
			if code == luabind.ExitOK {
				code = luabind.ExitFailure
			}
		}
		return code
	}, nil
}

func pluginState(code int) string {
	switch code {
	case 0:
		return "OK"
	case 1:
		return "WARNING"
	case 2:
		return "CRITICAL"
	}
	return "UNKNOWN"
}

// compileScript reads and compiles the script of o. When either fails it
// reports the error and returns a nil proto with the exit code.
func compileScript(o *options, stdin io.Reader, stdout, stderr io.Writer) (string, *lua.FunctionProto, int) {
	name, src, err := loadScript(o, stdin)
	if err != nil {
		printError(stderr, err)
		return "", nil, luabind.ExitUsage
	}
	proto, err := luabind.Compile(name, src)
	if err != nil {
		if o.plugin {
			// Reported once, where the monitor reads the status.
			fmt.Fprintf(stdout, "UNKNOWN - %s\n", err)
		} else {
			printError(stderr, err)
		}
		return "", nil, luabind.SyntaxExitCode(o.plugin)
	}
	return name, proto, 0
}

// loadScript reads the script: -e code, a file, or "-" for stdin.
func loadScript(o *options, stdin io.Reader) (name string, src []byte, err error) {
	switch {
	case o.hasCode:
		return "(command line)", []byte(o.code), nil
	case o.script == "-":
		src, err = io.ReadAll(stdin)
		if err != nil {
			return "", nil, usageErr("", "reading the script from stdin: %v", err)
		}
		return "stdin", src, nil
	}
	src, err = os.ReadFile(o.script)
	if err != nil {
		hint := ""
		if errors.Is(err, os.ErrNotExist) && !strings.HasSuffix(o.script, ".lua") {
			hint = "flags go before the script name; -e runs inline code"
		}
		return "", nil, usageErr(hint, "cannot read script: %v", unwrapPath(err))
	}
	return o.script, src, nil
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s: %v", pe.Path, pe.Err)
	}
	return err
}

// printError writes err to stderr: usage errors as "error: ..." and
// "hint: ...", script errors as the one line "file:line: message".
// usageOrHelp ends a command line that is wrong (the error on stderr, exit
// 2) or asks for help (text on stdout, exit 0); done is false when the
// command goes on. help is read only without err: callers whose parser
// returns no options on error pass "o != nil && o.help".
func usageOrHelp(err error, help bool, text string, stdout, stderr io.Writer) (code int, done bool) {
	if err != nil {
		printError(stderr, err)
		return luabind.ExitUsage, true
	}
	if help {
		io.WriteString(stdout, text)
		return luabind.ExitOK, true
	}
	return 0, false
}

func printError(w io.Writer, err error) {
	var ce *cliError
	var se *luabind.SyntaxError
	var re *luabind.RunError
	switch {
	case errors.As(err, &ce):
		fmt.Fprintf(w, "error: %s\n", ce.msg)
		if ce.hint != "" {
			fmt.Fprintf(w, "hint: %s\n", ce.hint)
		}
	case errors.As(err, &se):
		fmt.Fprintf(w, "%s\n", se)
		if se.Hint != "" {
			fmt.Fprintf(w, "hint: %s\n", se.Hint)
		}
	case errors.As(err, &re):
		fmt.Fprintf(w, "%s\n", re)
		if re.Hint != "" {
			fmt.Fprintf(w, "hint: %s\n", re.Hint)
		}
		if re.Usage != "" {
			fmt.Fprintf(w, "%s\n", re.Usage)
		}
	default:
		fmt.Fprintf(w, "error: %s\n", err)
	}
}

func versionString() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}
