package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"sync"
	"time"

	luabind "github.com/mailexpect/mailexpect/luabind"
	"github.com/mailexpect/mailexpect/runtime/bulk"
)

// eachOptions are --each and the bulk flags that go with it.
type eachOptions struct {
	file          string // --each FILE: rows (CSV with a header, or JSON Lines); "-" is stdin
	jobs          int
	perHost       int
	rate          float64 // row attempts per second; 0: no limit
	rowTimeout    time.Duration
	retries       int
	results       string
	resume        string
	journal       string
	secretColumns []string

	given []string // the bulk flags on the command line, for "needs --each"
}

// defaultJobs is --jobs without the flag: a few rows at once, so a run is
// not needlessly slow, and few enough not to surprise a mail server.
const defaultJobs = 4

// register adds the bulk flags to fs.
func (e *eachOptions) register(fs *flag.FlagSet) {
	e.jobs = defaultJobs
	note := func(name string, set func(string) error) {
		fs.Func(name, "", func(s string) error {
			e.given = append(e.given, "--"+name)
			return set(s)
		})
	}
	fs.Func("each", "", func(s string) error {
		if s == "" {
			return errors.New("--each needs a rows file (CSV with a header, or JSON Lines)")
		}
		e.file = s
		return nil
	})
	note("jobs", intFlag(&e.jobs, 1, "--jobs"))
	note("per-host", intFlag(&e.perHost, 1, "--per-host"))
	note("retries", intFlag(&e.retries, 0, "--retries"))
	note("rate", func(s string) error {
		v := strings.TrimSuffix(strings.TrimSpace(s), "/s")
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0) || math.IsInf(f, 0) {
			return fmt.Errorf("--rate wants rows per second > 0 (10 or 10/s), got %q", s)
		}
		e.rate = f
		return nil
	})
	note("row-timeout", durationFlag(&e.rowTimeout))
	note("results", func(s string) error { e.results = s; return nil })
	note("resume", func(s string) error { e.resume = s; return nil })
	note("journal", func(s string) error { e.journal = s; return nil })
	note("secret-columns", func(s string) error {
		for _, c := range strings.Split(s, ",") {
			if c = strings.TrimSpace(c); c != "" {
				e.secretColumns = append(e.secretColumns, c)
			}
		}
		return nil
	})
}

func intFlag(p *int, least int, name string) func(string) error {
	return func(s string) error {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil || n < least {
			return fmt.Errorf("%s wants a whole number >= %d, got %q", name, least, s)
		}
		*p = n
		return nil
	}
}

// validate checks the bulk flags against the rest of the command line.
func (e *eachOptions) validate(o *options) error {
	if e.file == "" {
		if len(e.given) > 0 {
			return usageErr("for one mailbox, use a rows file with one row", "%s needs --each ROWS", e.given[0])
		}
		return nil
	}
	if o.plugin {
		return usageErr("a bulk run's exit code is 0 all rows ok, 1 some failed, 130 interrupted", "--plugin cannot be combined with --each")
	}
	if e.file == "-" && o.script == "-" {
		return usageErr("", "--each - and the script - cannot both be read from stdin")
	}
	if e.resume != "" && e.results == "" {
		// The resumed run's results go to the same file, so that a
		// second interruption can be resumed in turn.
		e.results = e.resume
	}
	if e.journal != "" && (e.journal == e.results || e.journal == e.resume) {
		return usageErr("", "--journal and --results must be different files")
	}
	return nil
}

// Causes of a bulk run's end before all rows ran, as the summary names
// them.
var (
	errSIGINT  = errors.New("SIGINT")
	errSIGTERM = errors.New("SIGTERM")
)

// maxTimeCause is --max-time in a bulk run: the deadline of the whole
// run. It is a deadline (errors.Is context.DeadlineExceeded), so the run
// exits 1, not 130.
type maxTimeCause struct{ d time.Duration }

func (c maxTimeCause) Error() string        { return fmt.Sprintf("--max-time %v reached", c.d) }
func (c maxTimeCause) Is(target error) bool { return target == context.DeadlineExceeded }

// executeEach runs the script once per row of o.each.file and returns the
// bulk exit code: 0 all rows ok, 1 some failed (or did not run), 2 usage,
// 130 SIGINT (143 SIGTERM).
func executeEach(ctx context.Context, o *options, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &o.each
	rows, err := readRows(e.file, stdin)
	if err != nil {
		printError(stderr, usageErr("", "--each: %v", err))
		return luabind.ExitUsage
	}
	if len(rows) > 0 && !namedColumns(rows[0], e.secretColumns) {
		// A file whose first line is data ("alice,s3cret,mx1") has only
		// column names that look like names: say so before any mailbox is
		// touched, since its values would become column names.
		fmt.Fprintf(stderr, "warning: --each %s: no column is named like a mailbox (key, user, username, login, email, mailbox) or a password (pass, password, secret, token): is the first line a header?\n", e.file)
	}
	if len(rows) == 0 {
		// Not an error (a generated list may be empty), but never silent:
		// a file that was meant to hold rows and yields none says so.
		fmt.Fprintf(stderr, "warning: --each %s: no rows (a header and no data lines, or no objects): nothing to run\n", e.file)
	}
	name, src, err := loadScript(o, stdin)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitUsage
	}
	proto, err := luabind.Compile(name, src)
	if err != nil {
		printError(stderr, err)
		return luabind.ExitUsage
	}

	// Everything but the progress bar writes stderr through one lock:
	// rows print their log lines in parallel.
	errw := &lockedWriter{w: stderr}
	cfg := baseConfig(o, name)
	cfg.Stderr = errw
	cleanup, code, ok := prepareRun(&cfg, o, errw, stderr)
	if !ok {
		return code
	}
	defer cleanup()

	// The run's own context: the signal's cause renamed for the summary,
	// and --max-time as the deadline of the whole run.
	runCtx, cancel := context.WithCancelCause(context.WithoutCancel(ctx))
	defer cancel(nil)
	stop := context.AfterFunc(ctx, func() {
		cause := context.Cause(ctx)
		switch {
		case errors.Is(cause, luabind.ErrTerminated):
			cause = errSIGTERM
		case errors.Is(cause, luabind.ErrInterrupted):
			cause = errSIGINT
		}
		fmt.Fprintf(errw, "%v: starting no new rows; running rows stop before their commit point or finish it (a second signal stops at once)\n", cause)
		cancel(cause)
	})
	defer stop()
	if o.maxTime > 0 {
		var cancelTimer context.CancelFunc
		runCtx, cancelTimer = context.WithTimeoutCause(runCtx, o.maxTime, maxTimeCause{o.maxTime})
		defer cancelTimer()
	}

	bc := bulk.Config{
		Jobs:             e.jobs,
		PerHost:          e.perHost,
		Rate:             e.rate,
		RowTimeout:       e.rowTimeout,
		Retries:          e.retries,
		SecretColumns:    e.secretColumns,
		Secrets:          cfg.Secrets,
		Results:          e.results,
		Resume:           e.resume,
		Journal:          e.journal,
		Stdout:           stdout,
		StdoutIsTerminal: bulk.IsTerminal(stdout) && bulk.IsTerminal(stderr),
	}
	if !o.quiet {
		// A live bar only on a terminal, and not under -v, whose
		// transcript lines would tear it.
		bc.IsTerminal = bulk.IsTerminal(stderr) && !o.verbose
		bc.Progress = errw
		if bc.IsTerminal {
			bc.Progress = stderr
		}
	}
	job := luabind.BulkJob(cfg, proto)
	sum, err := bulk.Run(runCtx, bc, rows, job)
	if err != nil && sum.Duration == 0 && sum.OK+sum.Failed+sum.Stopped+sum.Skipped+sum.NotStarted == 0 {
		// Nothing ran: an output file could not be opened, or the
		// resume file not read.
		printError(stderr, usageErr("", "%v", err))
		return luabind.ExitUsage
	}
	sum.Write(errw)
	if err != nil {
		// Results or journal could not be written: no new row was started
		// after it, and the run is not ok.
		printError(errw, err)
	}
	return bulkExitCode(sum, err)
}

// bulkExitCode is the exit code of a bulk run (docs/DESIGN.md "The CLI"):
// 130 interrupted by SIGINT (143 SIGTERM); 1 when a row failed or did not
// run, the run's deadline passed, or its outputs could not be written
// (outputErr); else 0.
func bulkExitCode(sum bulk.Summary, outputErr error) int {
	switch sum.Status() {
	case bulk.RunInterrupted:
		if errors.Is(sum.Cause, errSIGTERM) {
			return luabind.ExitTerminated
		}
		return luabind.ExitInterrupted
	case bulk.RunFailed:
		return luabind.ExitFailure
	}
	if outputErr != nil {
		return luabind.ExitFailure
	}
	return luabind.ExitOK
}

// namedColumns reports whether a row has a key column or a secret
// column: what a rows file for mail work has, and a data line read as a
// header has not.
func namedColumns(r bulk.Row, secretColumns []string) bool {
	if r.Key() != "row "+strconv.Itoa(r.Index) {
		return true
	}
	for _, col := range r.Order {
		if bulk.IsSecretColumn(col, secretColumns...) {
			return true
		}
	}
	return false
}

// readRows reads the rows file, or stdin for "-".
func readRows(path string, stdin io.Reader) ([]bulk.Row, error) {
	if path == "-" {
		return bulk.ReadRows(stdin, bulk.FormatAuto)
	}
	rows, err := bulk.ReadRowsFile(path)
	if err != nil {
		return nil, unwrapPath(err)
	}
	return rows, nil
}

// lockedWriter serialises writes from the rows, the progress lines and
// the summary.
type lockedWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
