package luabind

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/interact"
	"github.com/mailexpect/mailexpect/runtime/recording"
	"github.com/mailexpect/mailexpect/runtime/session"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// Exit codes of docs/DESIGN.md "The CLI".
const (
	ExitOK          = 0   // the script finished
	ExitFailure     = 1   // an uncaught error
	ExitUsage       = 2   // a usage or syntax error
	ExitInterrupted = 130 // SIGINT
	ExitTerminated  = 143 // SIGTERM

	// Plugin mode (monitoring plugins): a typed error is CRITICAL, any
	// other failure (a bug in the script, a syntax error) is UNKNOWN.
	PluginCritical = 2
	PluginUnknown  = 3
)

// Causes for cancelling a run's context from outside (the CLI's signal
// handler): context.WithCancelCause(ctx) then cancel(ErrInterrupted).
var (
	ErrInterrupted = errors.New("interrupted")
	ErrTerminated  = errors.New("terminated")
)

// Config holds what a run needs from its caller. The zero value runs a
// script with output discarded and the default timeouts.
type Config struct {
	Stdout io.Writer // print; nil: discarded
	// PrintPrefix starts every print() line (the row key in bulk runs).
	PrintPrefix string
	// LabelPrefix starts the default transcript label of every session
	// (the row key in bulk runs, so parallel rows stay apart under -v).
	LabelPrefix string
	Stderr      io.Writer // log, warnings; nil: discarded

	Transcript *transcript.Log     // sessions' transcript (-v, --log); nil: none
	Secrets    *transcript.Secrets // nil: the transcript's, else a fresh one per run

	Timeout time.Duration // default expect timeout (--timeout); 0: session default
	// SyscallWait is session.Options.SyscallWait for every connect: set
	// for a run that talks to one server at a time (a single run, --each
	// --jobs 1), left off where many sessions wait at once.
	SyscallWait bool
	MaxTime     time.Duration // deadline of the whole run (--max-time); 0: none

	DryRun     bool // the global dry_run; modules read it from Go
	Restricted bool // no os, io, debug, dofile, loadfile (scripts from elsewhere)
	Plugin     bool // monitoring-plugin exit codes from the start (--plugin)
	LuaPath    bool // let require search LUA_PATH on disk (--lua-path)
	Quiet      bool // no log() lines or warnings on stderr (-q)
	Verbose    bool // the transcript is on stderr (-v): log() goes there only

	// ReadOnly adds read-only globals (row, sandbox): plain Go data
	// (string, number, bool, []any, map[string]any ...) converted per state.
	ReadOnly map[string]any

	// RootCAs, when set, is what every connect and s:starttls verifies
	// against instead of the system roots (a ca_file option adds to it):
	// under --sandbox, the system roots plus the sandbox's CA.
	RootCAs *x509.CertPool

	// Stdin is the terminal s:interact hands sessions to and getpass
	// reads from (a pipe: s:interact{pipe = true} only); nil: none.
	Stdin *os.File

	ScriptName string   // arg[0]
	Args       []string // arg[1..n] and the chunk's varargs

	// ScriptDir is the directory of the script file: require "helper"
	// finds helper.lua there (not under Restricted). "" for -e and stdin.
	ScriptDir string

	// Probe hooks (mailexpect serve, --prom, --plugin). OnSession gets
	// every session the script opens, so the caller can read its TLS
	// state when the run is over. OnCheckResult gets the check module's
	// result as the JSON object --json prints, just before the module
	// prints its status line.
	OnSession     func(*session.Session)
	OnCheckResult func(json []byte)

	// Record, when set, gets every session the run opens, connect and
	// spawn alike (--record FILE).
	Record *recording.Writer
	// Replay, when set, serves every connect (and spawn) from a
	// recording, in-process, with no network (--replay FILE).
	Replay *recording.Replay

	// Attempt is the commit tracker, journal and per-host limit the
	// modules' deletion-safety hooks call: a bulk row's (BulkJob sets it),
	// or a single run's with --journal (bulk.Single; run the script under
	// the context Single returns). nil: none (a single run without
	// --journal).
	Attempt *bulk.Attempt

	// allowed is --restricted's hosts from the arguments and the
	// read-only globals other than row, found once and shared by the rows
	// of a bulk run (BulkJob sets it): under --sandbox --users 1000 they
	// are 3000 strings, not to be parsed again at every connect.
	allowed *allowedHosts

	// statePool, when set, is where BulkJob keeps its workers' states
	// (tests count them); nil: a pool of its own.
	statePool *statePool
}

// Runner runs compiled scripts with one Config. It is safe for concurrent
// use: every Run builds its own Lua state.
type Runner struct {
	cfg Config

	testHook func(*run, *lua.LState) // tests add helpers to each state

	// onReturn, when set, gets the chunk's first return value after a
	// normal end (bulk rows: the row's result; see bulk.go).
	onReturn func(*run, *lua.LState, lua.LValue)
}

// NewRunner returns a Runner for cfg.
func NewRunner(cfg Config) *Runner {
	if cfg.Stdout == nil {
		cfg.Stdout = io.Discard
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	return &Runner{cfg: cfg}
}

// Config returns the runner's configuration.
func (rn *Runner) Config() Config { return rn.cfg }

// RunError is how a run that did not finish normally ended. Error() is the
// one line the CLI prints: "file:line: message".
type RunError struct {
	Kind    failure.Kind // "" for a script bug or error("...") with a string
	Where   string       // "check.lua:12", or "" when unknown
	Message string       // masked, one line
	Hint    string       // optional second line for the user
	Usage   string       // the script's usage line, after options.usage(msg)

	// Reported: the check module has already shown this error in the
	// plugin's status line on stdout, so the CLI need not print it again.
	Reported bool

	// CommandLine: a usage error of the script's own command line that
	// cannot depend on the bulk row (see raiseScriptUsage); it is
	// bulk.ErrScriptUsage (errors.Is), which stops a bulk run.
	CommandLine bool
}

// Is makes a command-line usage error bulk.ErrScriptUsage.
func (e *RunError) Is(target error) bool {
	return target == bulk.ErrScriptUsage && e.CommandLine
}

func (e *RunError) Error() string {
	if e.Where != "" && !strings.HasPrefix(e.Message, e.Where+":") {
		return e.Where + ": " + e.Message
	}
	return e.Message
}

// errExit cancels a run's context when the script calls exit(n): cancelling
// makes the exit unstoppable, because pcall cannot swallow cancellation.
var errExit = errors.New("exit")

// maxTimeError is the context cause when --max-time (or the check
// module's -t, named by flag) passes.
type maxTimeError struct {
	d    time.Duration
	flag string // "" is --max-time
}

func (e maxTimeError) Error() string {
	flag := e.flag
	if flag == "" {
		flag = "--max-time"
	}
	return fmt.Sprintf("%s %s reached", flag, e.d)
}

// Run runs proto in a fresh state and returns the exit code and, for a
// failed run, a *RunError to show the user. exit(n) in the script returns
// (n, nil).
func (rn *Runner) Run(ctx context.Context, proto *lua.FunctionProto) (int, error) {
	r := newRun(rn.cfg)
	L, err := r.newState()
	if err != nil {
		return ExitFailure, err
	}
	defer L.Close()
	if rn.testHook != nil {
		rn.testHook(r, L)
	}
	return rn.runIn(ctx, r, L, proto)
}

// runIn runs proto in L, a state of r (fresh, or a bulk worker's ready
// for its next row), with r's row already begun.
func (rn *Runner) runIn(ctx context.Context, r *run, L *lua.LState, proto *lua.FunctionProto) (int, error) {
	defer r.closeAll()
	defer func() {
		for _, f := range r.cleanups {
			f()
		}
	}()

	if rn.cfg.MaxTime > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeoutCause(ctx, rn.cfg.MaxTime, maxTimeError{d: rn.cfg.MaxTime})
		defer cancel()
	}
	// A bulk row's context is its attempt's, which ends with the row: exit
	// cancels it (Attempt.Canceler) rather than a context made for that.
	cancel := rn.cfg.Attempt.Canceler(ctx)
	if cancel == nil {
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
	}
	r.ctx, r.cancel = ctx, cancel
	L.SetContext(ctx)

	L.Push(L.NewFunctionFromProto(proto))
	for _, a := range rn.cfg.Args {
		L.Push(lua.LString(a))
	}
	nret := 0
	if rn.onReturn != nil {
		nret = 1
	}
	callErr := L.PCall(len(rn.cfg.Args), nret, nil)
	if callErr == nil && rn.onReturn != nil {
		rn.onReturn(r, L, L.Get(-1))
		L.Pop(1)
	}

	code, err := rn.outcome(ctx, r, L, callErr)
	if r.atEnd != nil {
		// A signal ends the run as it is: the monitor killed the plugin.
		if _, signalled := signalExitCode(ctx); !signalled {
			code, err = r.finish(L, code, err)
		}
	}
	return code, err
}

// RunValue is Run that also returns the chunk's first return value as
// plain Go data (string, int64, float64, bool, []any, map[string]any; nil
// when the run failed or returned nothing): how a subcommand written in
// Lua (mailexpect send) hands its result to the CLI.
func (rn *Runner) RunValue(ctx context.Context, proto *lua.FunctionProto) (int, any, error) {
	var value any
	once := *rn
	once.onReturn = func(r *run, L *lua.LState, v lua.LValue) { value = luaToGo(v, 0, nil, r.through(L)) }
	code, err := once.Run(ctx, proto)
	return code, value, err
}

// outcome maps how the chunk ended to an exit code and, for a failed run,
// a *RunError.
func (rn *Runner) outcome(ctx context.Context, r *run, L *lua.LState, callErr error) (int, error) {
	if r.exited {
		return r.exitCode, nil
	}
	if callErr == nil {
		if code, signalled := signalExitCode(ctx); signalled {
			return code, &RunError{Message: context.Cause(ctx).Error()}
		}
		return ExitOK, nil
	}
	re := r.runError(L, callErr)
	return rn.codeFor(r, re.Kind), re
}

// finish calls the function registered with rt.at_end (the check module:
// it prints the plugin's status line) with how the run ended:
//
//	{exit = code, exited = true|nil, kind =, message =, where =}
//
// A number it returns becomes the exit code. It runs under a context of
// its own, since the run's may be spent (--max-time, -t, exit); a failure
// in it is UNKNOWN, as for any plugin bug.
func (r *run) finish(L *lua.LState, code int, err error) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	L.SetContext(ctx)
	outcome := L.CreateTable(0, 5)
	outcome.RawSetString("exit", lua.LNumber(code))
	if r.exited {
		outcome.RawSetString("exited", lua.LTrue)
	}
	var re *RunError
	if errors.As(err, &re) {
		outcome.RawSetString("kind", lua.LString(re.Kind))
		outcome.RawSetString("message", lua.LString(re.Message))
		outcome.RawSetString("where", lua.LString(re.Where))
		if re.Usage != "" {
			outcome.RawSetString("usage", lua.LString(re.Usage))
		}
	}
	if ferr := L.CallByParam(lua.P{Fn: r.atEnd, NRet: 1, Protect: true}, outcome); ferr != nil {
		msg := ferr.Error()
		var ae *lua.ApiError
		if errors.As(ferr, &ae) {
			if t, ok := isErrorObject(L, ae.Object); ok {
				msg = errorObjectString(t)
			}
		}
		return PluginUnknown, &RunError{Message: r.mask(oneLine("check: " + msg))}
	}
	if n, ok := L.Get(-1).(lua.LNumber); ok {
		code = int(n)
	}
	L.Pop(1)
	if re != nil {
		re.Reported = true
	}
	return code, err
}

// shortenDeadline gives the rest of the run a deadline, as --max-time
// does (the earlier of the two wins): the check module's -t SECONDS. The
// flag names it in the error: "-t 10s reached during s:reply".
func (r *run) shortenDeadline(L *lua.LState, secs float64, flag string) {
	if !(secs > 0) {
		r.usage(L, "max_time: seconds must be > 0, got %v", secs)
	}
	d := seconds(secs)
	ctx, cancelTimer := context.WithTimeoutCause(r.ctx, d, maxTimeError{d: d, flag: flag})
	ctx, cancel := context.WithCancelCause(ctx)
	r.cleanups = append(r.cleanups, cancelTimer, func() { cancel(nil) })
	r.ctx, r.cancel = ctx, cancel
	L.SetContext(ctx)
}

// startVerbose turns on the live transcript on stderr from inside the run
// (the check module's -v: a flag after the script name). Sessions opened
// from then on are shown.
func (r *run) startVerbose() {
	if r.cfg.Verbose && r.cfg.Transcript != nil {
		return
	}
	if r.cfg.Transcript == nil {
		r.cfg.Transcript = transcript.New(r.cfg.Stderr, transcript.Text, r.secrets)
	} else {
		r.cfg.Transcript.AddOutput(r.cfg.Stderr, transcript.Text)
	}
	r.cfg.Verbose = true
}

// signalExitCode maps a run cancelled by a signal to 130 or 143.
func signalExitCode(ctx context.Context) (int, bool) {
	switch context.Cause(ctx) {
	case ErrInterrupted:
		return ExitInterrupted, true
	case ErrTerminated:
		return ExitTerminated, true
	}
	return 0, false
}

// RunSource compiles src under name and runs it: the one-call form for
// the CLI and tests. A syntax error exits 2 (3 in plugin mode).
func (rn *Runner) RunSource(ctx context.Context, name string, src []byte) (int, error) {
	proto, err := Compile(name, src)
	if err != nil {
		return SyntaxExitCode(rn.cfg.Plugin), err
	}
	return rn.Run(ctx, proto)
}

// SyntaxExitCode is the exit code for a script that does not compile.
func SyntaxExitCode(plugin bool) int {
	if plugin {
		return PluginUnknown
	}
	return ExitUsage
}

// codeFor maps how a run failed to its exit code.
func (rn *Runner) codeFor(r *run, kind failure.Kind) int {
	if code, signalled := signalExitCode(r.ctx); signalled {
		return code
	}
	if r.scriptUsage || kind == failure.Usage {
		// A bad argument (timeout = -1, an unknown option) is a usage
		// error wherever it is raised: exit 2, UNKNOWN for a plugin.
		return SyntaxExitCode(rn.cfg.Plugin || r.plugin)
	}
	if rn.cfg.Plugin || r.plugin {
		switch kind {
		case failure.Connect, failure.TLS, failure.Timeout, failure.EOF, failure.Reply, failure.Protocol:
			return PluginCritical
		}
		return PluginUnknown
	}
	return ExitFailure
}

// runError turns what PCall returned into a RunError. Its message may
// carry a server's bytes (a reply quoted in an error): control
// characters and invalid UTF-8 are escaped as in the transcript, so that
// the last line of a run cannot move the cursor, retitle the terminal or
// hide what came before.
func (r *run) runError(L *lua.LState, err error) *RunError {
	re := r.runError1(L, err)
	re.Message = transcript.Escape(re.Message)
	re.Where = transcript.Escape(re.Where)
	return re
}

func (r *run) runError1(L *lua.LState, err error) *RunError {
	var ae *lua.ApiError
	if !errors.As(err, &ae) {
		return &RunError{Message: r.mask(oneLine(err.Error()))}
	}
	cause := context.Cause(r.ctx)
	if t, ok := isErrorObject(L, ae.Object); ok {
		for _, u := range r.usageErrors {
			if u == t {
				r.scriptUsage = true
			}
		}
		commandLine := false
		for _, u := range r.commandLineErrors {
			commandLine = commandLine || u == t
		}
		re := &RunError{
			Kind:    failure.Kind(lua.LVAsString(t.RawGetString("kind"))),
			Where:   lua.LVAsString(t.RawGetString("where")),
			Message: lua.LVAsString(t.RawGetString("message")),

			CommandLine: commandLine,
		}
		if u, ok := t.RawGetString("usage").(lua.LString); ok && r.scriptUsage {
			re.Usage = string(u)
		}
		return re
	}
	var msg string
	switch v := ae.Object.(type) {
	case lua.LString:
		msg = string(v)
	case *lua.LTable:
		// error{...} with a table of the script's own: show what we can.
		if s, ok := L.GetMetaField(v, "__tostring").(*lua.LFunction); ok && s != nil {
			if err := L.CallByParam(lua.P{Fn: s, NRet: 1, Protect: true}, v); err == nil {
				msg = L.ToStringMeta(L.Get(-1)).String()
				L.Pop(1)
				break
			}
		}
		msg = "error object is a table value"
	default:
		msg = fmt.Sprintf("error object is a %s value", ae.Object.Type())
	}
	if ae.Type == lua.ApiErrorPanic {
		msg = "internal error (please report): " + msg
	}
	msg = r.mask(oneLine(msg))
	// Cancellation raised by the VM between instructions reads "f:3:
	// context deadline exceeded"; say what actually stopped the run.
	if cause != nil && cause != errExit {
		for _, ctxMsg := range []string{context.DeadlineExceeded.Error(), context.Canceled.Error()} {
			if strings.HasSuffix(msg, ctxMsg) {
				if t := r.cancelErr; t != nil {
					return &RunError{
						Kind:    failure.Kind(lua.LVAsString(t.RawGetString("kind"))),
						Where:   lua.LVAsString(t.RawGetString("where")),
						Message: lua.LVAsString(t.RawGetString("message")),
					}
				}
				msg = strings.TrimSuffix(msg, ctxMsg) + cause.Error()
				if op := r.moduleOp; op.chunk != "" && strings.HasPrefix(msg, op.chunk+":") {
					// Stopped inside the module's own code, whose line
					// means nothing to the script: name the command, as a
					// stop during the wait itself does (raiseOp).
					msg = r.mask(oneLine(cause.Error() + " during " + op.op))
				}
				var mt maxTimeError
				if errors.As(cause, &mt) {
					return &RunError{Kind: failure.Timeout, Message: msg}
				}
				return &RunError{Message: msg}
			}
		}
	}
	return &RunError{Message: msg}
}

// moduleOp is a module command in progress: chunk is the module's chunk
// name (a line of it in an error starts "chunk:"), op what raiseOp calls
// the command ("imap A001 SELECT INBOX").
type moduleOp struct{ chunk, op string }

// imapModuleChunk is the imap module's chunk name.
const imapModuleChunk = moduleChunkPrefix + "imap.lua"

// run is the state of one Run: everything the Lua-facing functions share.
// Its first fields belong to the Lua state and live as long as it does:
// a bulk worker may run its next row in the same state (bulkstate.go).
// Everything else is the row's, in rowRun, which beginRow replaces whole:
// a field added there later starts fresh for every row without anyone
// remembering to reset it.
type run struct {
	expCont   lua.LValue              // the exp_continue sentinel of this state
	proxies   map[*lua.LTable]*roData // read-only proxy -> what it serves (readonly.go)
	roMeta    *lua.LTable             // the proxies' metatable
	roGlobals map[string]lua.LValue   // the read-only globals (row, dry_run, sandbox) _G serves
	argTable  *lua.LTable             // the global arg as the run set it
	apis      *apiState               // the spec's checkers for this state (argcheck.go)
	json      *jsonState              // json.object / json.array marks (json.go)
	reuse     *stateSnapshot          // a reusable bulk state's record of what a row may not change; nil otherwise
	envWrites uint64                  // calls of setfenv, debug.setfenv and module: what changes a function's environment (bulkstate.go)

	rowRun
}

// rowRun is the part of a run that belongs to one script run (a bulk row).
type rowRun struct {
	cfg     Config
	ctx     context.Context
	cancel  context.CancelCauseFunc
	secrets *transcript.Secrets
	start   time.Time
	attempt *bulk.Attempt // Config.Attempt: a bulk row's, or a single run's with --journal; nil without

	mu       sync.Mutex
	sessions []*session.Session // closed when the run ends

	exited   bool
	exitCode int
	plugin   bool           // set by require "check" (the check module's hook)
	atEnd    *lua.LFunction // rt.at_end: the check module's status line
	cleanups []func()       // run when Run returns (timers of rt.max_time)

	cancelErr         *lua.LTable       // the error a cancelled session call raised (see raiseOp)
	moduleOp          moduleOp          // the module command last waited for
	scriptUsage       bool              // the uncaught error is a bad command line for the script
	usageErrors       []*lua.LTable     // raised by options(): exit 2 when uncaught
	commandLineErrors []*lua.LTable     // those of them that cannot depend on the bulk row
	rowRead           bool              // the script read a column of the bulk row
	readCols          map[string]bool   // which columns (readColumn)
	readAll           bool              // all of them
	valueSources      map[string]string // values read from the environment or a file, by value: where a login came from (credentialSource)
	optUsage          string            // the last options() spec's _usage, for options.usage
	active            interact.Console  // the console of an s:interact in progress
	tainted           string            // what the row did that the state cannot be checked for (bulkstate.go); "": nothing
}

func newRun(cfg Config) *run {
	r := &run{}
	r.beginRow(cfg)
	return r
}

// beginRow gives r a fresh rowRun for cfg.
func (r *run) beginRow(cfg Config) {
	r.rowRun = rowRun{cfg: cfg, ctx: context.Background(), start: time.Now(), attempt: cfg.Attempt}
	r.secrets = cfg.Secrets
	if r.secrets == nil {
		r.secrets = cfg.Transcript.Secrets()
	}
	if r.secrets == nil {
		r.secrets = transcript.NewSecrets()
	}
}

// mask hides every registered secret in s.
func (r *run) mask(s string) string { return r.secrets.Mask(s) }

// SetPluginMode switches the run to monitoring-plugin exit codes; the check
// module calls it when it is required.
func (r *run) setPluginMode() { r.plugin = true }

// closeAll closes the sessions the script left open.
func (r *run) closeAll() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, s := range r.sessions {
		s.Close()
	}
	r.sessions = nil
}

// logLine writes a log() line, already masked, to the transcript and,
// unless -q or -v (the transcript is on stderr already), to stderr.
func (r *run) logLine(line string) {
	r.cfg.Transcript.Logf("log", "%s", line)
	if !r.cfg.Quiet && !(r.cfg.Verbose && r.cfg.Transcript != nil) {
		fmt.Fprintf(r.cfg.Stderr, "%s\n", line)
	}
}

// warn writes a warning to stderr unless -q.
func (r *run) warn(format string, args ...any) {
	if r.cfg.Quiet {
		return
	}
	fmt.Fprintf(r.cfg.Stderr, "warning: %s\n", transcript.Escape(r.mask(fmt.Sprintf(format, args...))))
}
