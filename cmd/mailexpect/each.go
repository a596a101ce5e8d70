package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/internal/gcpolicy"
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
	shard         bulk.Shard
	shardSpec     string

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
	// --journal works without --each too: a single run's commit point
	// is journaled as a row's (run.go openSingleJournal).
	fs.Func("journal", "", func(s string) error { e.journal = s; return nil })
	note("shard", func(s string) error { e.shardSpec = s; return nil })
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
		e.journal = bulk.ShardPath(e.journal, e.shard) // {shard}: "all", as in a bulk run without --shard
		return nil
	}
	if o.plugin {
		return usageErr("a bulk run's exit code is 0 all rows ok, 1 some failed, 130 interrupted", "--plugin cannot be combined with --each")
	}
	if e.file == "-" && o.script == "-" {
		return usageErr("", "--each - and the script - cannot both be read from stdin")
	}
	if e.shardSpec != "" {
		sh, err := bulk.ParseShard(e.shardSpec, os.Getenv("JOB_COMPLETION_INDEX"))
		if err != nil {
			return usageErr("each of N processes runs the rows whose key hashes to its index; docs/bulk.md", "%v", err)
		}
		e.shard = sh
	}
	// {shard} in a file name is the shard's index: shards sharing a
	// directory write their own files.
	e.results = bulk.ShardPath(e.results, e.shard)
	e.resume = bulk.ShardPath(e.resume, e.shard)
	e.journal = bulk.ShardPath(e.journal, e.shard)
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
	gcpolicy.Bulk()
	// The script is read first: with --each FILE it may come from stdin.
	name, proto, code := compileScript(o, stdin, stdout, stderr)
	if proto == nil {
		return code
	}
	// Rows are read as the run goes (the header is checked here); a
	// regular file is read a second time alongside, for the progress
	// total and to find a syntax error ahead of the rows that run.
	rows, recount, stdinCtx, err := openRows(ctx, e.file, stdin)
	if err != nil {
		printError(stderr, usageErr("", "--each: %v", err))
		return luabind.ExitUsage
	}
	defer rows.Close()
	if cols := rows.Columns(); cols != nil && !namedColumns(cols, e.secretColumns) {
		// A file whose first line is data ("alice,s3cret,mx1") has only
		// column names that look like names: say so before any mailbox is
		// touched, since its values would become column names.
		fmt.Fprintf(stderr, "warning: --each %s: no column is named like a mailbox (key, user, username, login, email, mailbox) or a password (pass, password, secret, token): is the first line a header?\n", e.file)
	}

	// Everything but the progress bar writes stderr through one lock:
	// rows print their log lines in parallel.
	errw := &lockedWriter{w: stderr}
	cfg := baseConfig(o, name)
	cfg.Stderr = errw
	// Rows at once wait in Go's network poller: a session waiting in its
	// own ppoll would hold a thread (session.Options.SyscallWait).
	cfg.SyscallWait = e.jobs == 1
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

	*stdinCtx = runCtx // reading stdin gives up at --max-time too

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
		Shard:            e.shard,
		Recount:          recount,
		RecordUnread:     recount != nil, // a file: quick to read to its end
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
	bc.Warnings = errw // also under -q: a run that ignores its rows is a trap, not chatter
	job := luabind.BulkJob(cfg, proto)
	sum, err := bulk.RunSource(runCtx, bc, rows, job)
	var rowsErr *bulk.RowsError
	if err != nil && sum.Duration == 0 && sum.OK+sum.Failed+sum.Stopped+sum.Skipped+sum.NotStarted == 0 {
		// Nothing ran: an output file could not be opened, or the
		// resume file not read.
		printError(stderr, usageErr("", "%v", err))
		return luabind.ExitUsage
	}
	if sum.Total == 0 && err == nil && !sum.Unread {
		// Not an error (a generated list may be empty), but never silent:
		// a file that was meant to hold rows and yields none says so.
		if e.shard.Count > 1 {
			fmt.Fprintf(errw, "warning: --each %s: no rows fall to shard %s: nothing to run\n", e.file, e.shard)
		} else {
			fmt.Fprintf(errw, "warning: --each %s: no rows (a header and no data lines, or no objects): nothing to run\n", e.file)
		}
	}
	sum.Write(errw)
	if errors.As(err, &rowsErr) {
		// A syntax error past the first rows: those before it ran (see
		// the results); fix the file and run again with --resume.
		printError(errw, usageErr("fix the line and run again with --resume to finish the rows", "--each: %v", unwrapPath(err)))
		return luabind.ExitUsage
	}
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
	case bulk.RunUsage:
		return luabind.ExitUsage
	}
	if outputErr != nil {
		return luabind.ExitFailure
	}
	return luabind.ExitOK
}

// namedColumns reports whether a CSV header has a key column or a secret
// column: what a rows file for mail work has, and a data line read as a
// header has not.
func namedColumns(columns []string, secretColumns []string) bool {
	for _, col := range columns {
		if bulk.IsKeyColumn(col) || bulk.IsSecretColumn(col, secretColumns...) {
			return true
		}
	}
	return false
}

// openRows starts reading the rows file, or stdin for "-". recount reads
// a regular file again from the start (nil for stdin, which can be read
// once: its progress total is "?" until its end). Reading stdin gives up
// when ctx ends, so that a signal is not held up by a pipe that has no
// line to give.
//
// stdinCtx is where the ctx of the stdin reader is set once the run's own
// context (with --max-time) exists.
func openRows(ctx context.Context, path string, stdin io.Reader) (rows *bulk.RowReader, recount func() (bulk.RowSource, error), stdinCtx *context.Context, err error) {
	if path == "-" {
		cr := &ctxReader{ctx: ctx, r: stdin}
		rows, err = bulk.NewRowReader(cr, bulk.FormatAuto)
		return rows, nil, &cr.ctx, err
	}
	rows, err = bulk.OpenRows(path)
	if err != nil {
		return nil, nil, nil, unwrapPath(err)
	}
	if fi, err := os.Stat(path); err == nil && fi.Mode().IsRegular() {
		recount = func() (bulk.RowSource, error) { return bulk.OpenRows(path) }
	}
	return rows, recount, new(context.Context), nil
}

// ctxReader is a reader that returns ctx's error when ctx ends, even in
// the middle of a Read that has no data yet (the Read goes on in its
// goroutine; the process is stopping).
type ctxReader struct {
	ctx  context.Context
	r    io.Reader
	res  chan readResult // the Read under way, if any
	rest []byte          // what a Read got beyond the caller's buffer
}

type readResult struct {
	buf []byte
	err error
}

func (c *ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	if len(c.rest) > 0 {
		n := copy(p, c.rest)
		c.rest = c.rest[n:]
		return n, nil
	}
	if c.res == nil {
		c.res = make(chan readResult, 1)
		buf := make([]byte, len(p))
		go func() {
			n, err := c.r.Read(buf)
			c.res <- readResult{buf[:n], err}
		}()
	}
	select {
	case r := <-c.res:
		c.res = nil
		n := copy(p, r.buf)
		if n < len(r.buf) {
			c.rest = r.buf[n:]
			return n, nil
		}
		return n, r.err
	case <-c.ctx.Done():
		return 0, c.ctx.Err()
	}
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
