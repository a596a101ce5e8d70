package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// Job does the work of one row (a.Row()): the Lua side runs the script
// with the global row. a is the attempt, with the row's commit tracker,
// journal, per-host limit, reference time and print output; ctx is
// cancelled as "Commit point and cancellation" in the package
// documentation says. result is written to --results as JSON.
type Job func(ctx context.Context, a *Attempt) (result any, err error)

// Config says how to run the rows. The zero value runs one row at a time
// with no limits, files or progress display.
type Config struct {
	Jobs        int           // rows at once (--jobs); < 1 means 1
	PerHost     int           // rows connected to one host at once (--per-host), counted in Attempt.AcquireHost; 0: no limit
	Rate        float64       // row attempts started per second (--rate), retries included; 0: no limit
	RowTimeout  time.Duration // time for each attempt at a row (--row-timeout); 0: none
	CommitGrace time.Duration // how long a stopped row may take to finish a commit under way; 0: RowTimeout, or 1 minute without one
	Retries     int           // further attempts after a connect or timeout error before the commit point (--retries)

	// Backoff is the wait before retry n (n = 1 after the first
	// failure); nil: DefaultBackoff.
	Backoff func(attempt int) time.Duration

	SecretColumns []string            // column names that hold secrets, beyond the password-like ones (--secret-columns)
	Secrets       *transcript.Secrets // the run's registry, which masks everything written; nil: a new one

	Results       string    // --results FILE.jsonl: created 0600, appended to
	ResultsWriter io.Writer // results to a writer instead (used when Results is empty)
	Resume        string    // --resume FILE.jsonl: a results file whose ok rows are skipped
	Journal       string    // --journal FILE.jsonl: created 0600, appended to, fsynced

	// Shard runs only the rows whose key falls to it (--shard I/N); the
	// zero value runs every row.
	Shard Shard

	// Recount, when set, reads the input a second time, alongside the
	// run, for the progress total (which shows "?" until it is known)
	// and to find a syntax error ahead of the rows that run. It returns
	// a fresh reader of the same rows; nil leaves the total unknown until
	// the input is read (Run, with rows in memory, knows it at once).
	Recount func() (RowSource, error)

	// RecordUnread: when the run stops early, the rest of the input is
	// still read, for at most a second (DrainTime), and its rows written
	// to results as not_started, so that the results name every row. For
	// a file (a quick local read), not a pipe, which may not end. Run
	// (rows in memory) always does, without the bound.
	RecordUnread bool

	Progress         io.Writer     // where progress goes (stderr); nil: no progress
	Warnings         io.Writer     // where warnings about the run go (stderr: columns the script never reads); above a live bar; nil: none
	IsTerminal       bool          // Progress is a terminal: a live bar, else progress lines
	ProgressInterval time.Duration // between progress lines; 0: 10 s
	Stdout           io.Writer     // where rows' print lines go (see Stdout); nil: discarded
	StdoutIsTerminal bool          // Stdout is the terminal the bar is drawn on: print lines go above the bar

	Now func() time.Time // the clock for times written and measured; nil: time.Now

	sleep   func(ctx context.Context, d time.Duration) error // backoff and rate waits; tests replace it
	journal *Journal                                         // instead of Journal; tests give one over a fake file
}

// defaultCommitGrace bounds a stopped row's commit when there is no row
// timeout: enough for a QUIT reply from a busy server.
const defaultCommitGrace = time.Minute

const defaultProgressInterval = 10 * time.Second

// errUsage is why a run stops at a usage error in the script.
var errUsage = errors.New("a usage error in the script")

// drainTime bounds the reading of a file's rest after the run stopped
// (Config.RecordUnread): a million rows are not worth a wait after a
// signal or --max-time; --resume runs them whether recorded or not.
const drainTime = time.Second

// pool is one Run.
type pool struct {
	cfg     Config
	job     Job
	src     RowSource
	drain   bool // rows after an interruption are read and recorded as not started
	resume  *resumeState
	rowIDs  rowIDs
	reader  rowReader
	secrets secretColumns
	refTime time.Time

	runCtx      context.Context // the caller's: cancelled on SIGINT/SIGTERM
	detached    context.Context // context.WithoutCancel(runCtx): the attempts' contexts derive from it
	interrupted func() error    // interruptedErr, made once
	startCtx    context.Context // runCtx, also cancelled when results cannot be written: gates new rows
	stopNew     context.CancelCauseFunc

	hosts    *HostLimiter
	pacer    *pacer
	journal  *Journal
	results  *resultsWriter
	closers  []io.Closer
	progress progressDisplay
	stdout   io.Writer

	mu           sync.Mutex
	warnedUnread bool // the unread-columns warning was given
	sum          Summary
	stats        progressStats
	fatal        error
}

// RowSource is where a run's rows come from, one at a time: a *RowReader,
// or rows in memory (Run). Next returns io.EOF after the last row.
type RowSource interface {
	Next() (Row, error)
}

// sliceSource is rows in memory.
type sliceSource struct {
	rows []Row
	i    int
}

func (s *sliceSource) Next() (Row, error) {
	if s.i == len(s.rows) {
		return Row{}, io.EOF
	}
	s.i++
	return s.rows[s.i-1], nil
}

// item is a row read and made ready to run: its key (masked) and id,
// and the secret values registered for it while it runs.
type item struct {
	row     Row
	key     string
	id      string
	secrets []string
}

// Run runs job once per row, Config.Jobs at a time, and returns the
// summary. It returns an error without running anything when a file
// cannot be opened or the resume file cannot be read; and, after the run,
// when results or the journal could not be written (the run then started
// no new rows after the failure).
//
// When ctx ends (the caller cancels it on SIGINT/SIGTERM), no new row
// starts; running rows stop before their commit point or finish it (see
// the package documentation); results are written for every row,
// not_started for those that never ran; Summary.Interrupted is set.
func Run(ctx context.Context, cfg Config, rows []Row, job Job) (Summary, error) {
	if cfg.Recount == nil {
		cfg.Recount = func() (RowSource, error) { return &sliceSource{rows: rows}, nil }
	}
	return run(ctx, cfg, &sliceSource{rows: rows}, true, job)
}

// RunSource is Run with rows read from src as they are needed, so that
// memory stays flat whatever the size of the input and the first row
// starts at once. A syntax error in the input stops the run (no new row
// starts; running rows finish) and is returned. When the run is
// interrupted, the rest of the input is read only with
// Config.RecordUnread; without it, Summary.Unread says so, and --resume
// runs those rows later.
func RunSource(ctx context.Context, cfg Config, src RowSource, job Job) (Summary, error) {
	return run(ctx, cfg, src, cfg.RecordUnread, job)
}

func run(ctx context.Context, cfg Config, src RowSource, drain bool, job Job) (Summary, error) {
	p, err := newPool(ctx, cfg, src, job)
	if err != nil {
		return Summary{}, err
	}
	p.drain = drain
	sum := p.run()
	return sum, p.close()
}

func newPool(ctx context.Context, cfg Config, src RowSource, job Job) (_ *pool, err error) {
	if cfg.Jobs < 1 {
		cfg.Jobs = 1
	}
	if cfg.Retries < 0 {
		cfg.Retries = 0
	}
	if cfg.Backoff == nil {
		cfg.Backoff = DefaultBackoff
	}
	if cfg.Secrets == nil {
		cfg.Secrets = transcript.NewSecrets()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.sleep == nil {
		cfg.sleep = sleepCtx
	}
	if cfg.CommitGrace <= 0 {
		cfg.CommitGrace = cfg.RowTimeout
		if cfg.CommitGrace <= 0 {
			cfg.CommitGrace = defaultCommitGrace
		}
	}
	if cfg.ProgressInterval <= 0 {
		cfg.ProgressInterval = defaultProgressInterval
	}

	p := &pool{cfg: cfg, job: job, src: src, runCtx: ctx, detached: context.WithoutCancel(ctx), rowIDs: newRowIDs(), secrets: newSecretColumns(cfg.SecretColumns)}
	p.interrupted = p.interruptedErr
	p.hosts = NewHostLimiter(cfg.PerHost)
	p.pacer = newPacer(cfg.Rate, cfg.Now, cfg.sleep)
	defer func() {
		if err != nil {
			p.close()
		}
	}()

	// The resume file is read before the results file is opened: they
	// may be the same file.
	var resume *resumeState
	if cfg.Resume != "" {
		if resume, err = readResume(cfg.Resume); err != nil {
			return nil, err
		}
	}
	p.refTime = cfg.Now()
	if resume != nil && !resume.refTime.IsZero() {
		p.refTime = resume.refTime
	}
	p.resume = resume

	rw := cfg.ResultsWriter
	if cfg.Results != "" {
		f, _, err := openAppend(cfg.Results)
		if err != nil {
			return nil, fmt.Errorf("results: %w", err)
		}
		p.closers = append(p.closers, f)
		rw = f
	}
	if rw != nil {
		p.results = &resultsWriter{w: rw, secrets: cfg.Secrets}
	}
	p.journal = cfg.journal
	if cfg.Journal != "" {
		if p.journal, err = OpenJournal(cfg.Journal, cfg.Secrets); err != nil {
			return nil, err
		}
	}
	if p.journal != nil {
		p.journal.now = cfg.Now
	}
	return p, nil
}

// close closes the files and returns the first error of the run's
// outputs.
func (p *pool) close() error {
	errs := []error{p.fatal}
	if p.journal != nil {
		errs = append(errs, p.journal.Close())
	}
	for _, c := range p.closers {
		if s, ok := c.(interface{ Sync() error }); ok {
			errs = append(errs, s.Sync())
		}
		errs = append(errs, c.Close())
	}
	p.closers = nil
	return errors.Join(errs...)
}

func (p *pool) run() Summary {
	start := p.cfg.Now()
	p.sum = Summary{ResultsPath: p.cfg.Results, Shard: p.cfg.Shard}
	p.stats = progressStats{total: -1, start: start}
	p.startCtx, p.stopNew = context.WithCancelCause(p.runCtx)
	defer p.stopNew(nil)

	if _, inMemory := p.src.(*sliceSource); inMemory && p.cfg.Recount != nil {
		// Rows in memory: counting them costs nothing, so the total is
		// there from the first progress line.
		if n, err := p.count(); err == nil {
			p.stats.total = n
		}
	}
	p.progress = p.newProgress()
	p.stdout = p.cfg.Stdout
	if w := p.progress.printer(); w != nil && p.cfg.StdoutIsTerminal {
		p.stdout = w
	}
	if p.stdout == nil {
		p.stdout = io.Discard
	}
	countDone := make(chan struct{})
	if p.stats.total < 0 && p.cfg.Recount != nil {
		go func() {
			defer close(countDone)
			n, err := p.count()
			p.mu.Lock()
			defer p.mu.Unlock()
			if err != nil {
				if p.startCtx.Err() == nil {
					p.noteWriteError(err) // a syntax error ahead: no new row starts
				}
				return
			}
			if p.stats.total < 0 {
				p.stats.total = n
				p.progress.update(p.stats)
			}
		}()
	} else {
		close(countDone)
	}

	// Rows are read one at a time, by the worker ready for one: no
	// goroutine in between to hand each row over (and wake a thread for).
	p.reader = rowReader{inMemory: inMemory(p.src)}
	var wg sync.WaitGroup
	for range max(p.cfg.Jobs, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				it, ok := p.next()
				if !ok {
					return
				}
				p.runRow(it)
			}
		}()
	}
	wg.Wait()
	p.stopNew(nil) // the counting goroutine, if still at it, stops
	<-countDone

	p.mu.Lock()
	defer p.mu.Unlock()
	p.progress.finish(p.stats)
	p.sum.Duration = p.cfg.Now().Sub(start)
	if p.runCtx.Err() != nil {
		p.sum.Interrupted, p.sum.Cause = true, context.Cause(p.runCtx)
	}
	return p.sum
}

// rowReader is where the workers are in the input (next).
type rowReader struct {
	mu         sync.Mutex
	inMemory   bool
	n          int       // rows read
	drainUntil time.Time // a stopped run reads a file's rest until then
	done       bool      // the input is at its end, or no new row may start
}

func inMemory(src RowSource) bool {
	_, ok := src.(*sliceSource)
	return ok
}

// next reads the next row of this shard for a worker to run, and records
// on the way those done before (--resume) and, once no new row may start,
// those read (see Config.RecordUnread) as not started. It returns false
// at the end of the input, on a syntax error, or when no new row may
// start. Workers call it in turn: a row is read when one is ready for it.
func (p *pool) next() (item, bool) {
	rd := &p.reader
	rd.mu.Lock()
	defer rd.mu.Unlock()
	for !rd.done {
		n := rd.n
		rd.n++
		if p.startCtx.Err() != nil {
			if rd.drainUntil.IsZero() {
				rd.drainUntil = time.Now().Add(drainTime)
			}
			// A stopped run does not wait on its input: a file is read on
			// for a moment, to record its rows as not started.
			if !p.drain || !rd.inMemory && n%256 == 0 && time.Now().After(rd.drainUntil) {
				rd.done = true
				p.mu.Lock()
				p.sum.Unread = true
				p.mu.Unlock()
				break
			}
		}
		row, err := p.src.Next()
		if err == io.EOF {
			rd.done = true
			p.mu.Lock()
			if p.stats.total != p.sum.Total {
				p.stats.total = p.sum.Total // read to the end: the count is exact
				p.progress.update(p.stats)
			}
			p.mu.Unlock()
			break
		}
		if err != nil {
			rd.done = true
			p.mu.Lock()
			// runCtx, not only startCtx: the input (stdin) gives up when
			// runCtx ends, a moment before startCtx, its child, is
			// cancelled too; seen in between, the interruption read as an
			// error of the run's own ("error: context deadline exceeded").
			if (p.runCtx.Err() != nil || p.startCtx.Err() != nil) && !errors.As(err, new(*RowsError)) {
				p.sum.Unread = true // the read was cut short by the interruption
			} else {
				p.noteWriteError(err)
			}
			p.mu.Unlock()
			break
		}
		it, ok := p.prepare(row)
		if !ok {
			continue // another shard's
		}
		p.mu.Lock()
		p.sum.Total++
		p.mu.Unlock()
		if p.resume != nil && p.resume.has(it.id) {
			p.unrun(it, StatusSkipped)
			continue
		}
		if p.startCtx.Err() != nil {
			p.unrun(it, StatusNotStarted)
			continue
		}
		return it, true
	}
	return item{}, false
}

// prepare makes a row ready to run: its secret columns found and their
// values registered (until the row is recorded), its key and id. ok is
// false when the row is another shard's.
func (p *pool) prepare(row Row) (it item, ok bool) {
	row.Secret = p.secrets.of(row)
	if !p.cfg.Shard.Has(row) {
		return item{}, false
	}
	for col := range row.Secret {
		if v := row.Fields[col]; v != "" {
			p.cfg.Secrets.Add(v)
			it.secrets = append(it.secrets, v)
		}
	}
	it.row = row
	it.key = p.cfg.Secrets.Mask(row.Key())
	it.id = p.rowIDs.next(row)
	return it, true
}

// done forgets the secrets of a row that has been recorded: the registry
// stays the size of the rows running, not of the input.
func (p *pool) done(it item) {
	for _, v := range it.secrets {
		p.cfg.Secrets.Remove(v)
	}
}

// count reads the input a second time (Config.Recount) and returns the
// number of rows of this shard, or the input's syntax error.
func (p *pool) count() (int, error) {
	src, err := p.cfg.Recount()
	if err != nil {
		return 0, err
	}
	if c, ok := src.(io.Closer); ok {
		defer c.Close()
	}
	cols := newSecretColumns(p.cfg.SecretColumns) // not shared with read
	n := 0
	for i := 0; ; i++ {
		if i%1024 == 0 && p.startCtx.Err() != nil {
			return 0, p.startCtx.Err()
		}
		row, err := src.Next()
		if err == io.EOF {
			return n, nil
		}
		if err != nil {
			return 0, err
		}
		row.Secret = cols.of(row)
		if p.cfg.Shard.Has(row) {
			n++
		}
	}
}

func (p *pool) newProgress() progressDisplay {
	switch {
	case p.cfg.Progress == nil || p.stats.total == 0:
		return noProgress{}
	case p.cfg.IsTerminal:
		return newBarProgress(p.cfg.Progress, p.cfg.Now, p.stats)
	default:
		return newLineProgress(p.cfg.Progress, p.cfg.ProgressInterval, p.cfg.Now, p.stats)
	}
}

// rowRun is what one row came to, over all its attempts.
type rowRun struct {
	status    string
	attempts  int
	startedAt time.Time
	err       error
	kind      failure.Kind
	commit    string
	result    any
	last      attemptResult // the last attempt's reads and logins
}

// runRow runs one row: its attempts, waits between them, and the record
// of its outcome.
func (p *pool) runRow(it item) {
	row, key := it.row, it.key
	if err := p.pacer.wait(p.startCtx); err != nil || p.startCtx.Err() != nil {
		p.unrun(it, StatusNotStarted)
		return
	}

	out := PrefixWriter(p.stdout, key)
	defer out.Flush()
	rr := rowRun{startedAt: p.cfg.Now()}
	for n := 1; ; n++ {
		if n > 1 {
			err := p.cfg.sleep(p.startCtx, p.cfg.Backoff(n-1))
			if err == nil {
				err = p.pacer.wait(p.startCtx)
			}
			if err != nil {
				// Stopped while waiting to retry: the last attempt's
				// error stands, and nothing was committed.
				if p.runCtx.Err() != nil {
					rr.status = StatusInterrupted
				}
				break
			}
		}
		a := p.attempt(row, key, n, out)
		rr.attempts = n
		rr.result, rr.err, rr.commit, rr.last = a.result, a.err, a.commit, a
		if a.err == nil {
			rr.status = StatusOK
			break
		}
		rr.kind = a.kind
		if a.interrupted {
			rr.status = StatusInterrupted
			break
		}
		retryable := a.kind == failure.Connect || a.kind == failure.Timeout
		if !retryable || a.committed || n > p.cfg.Retries {
			rr.status = StatusFailed
			break
		}
		rr.status = StatusFailed // unless a retry does better
	}
	if rr.status == "" {
		rr.status = StatusFailed
	}
	p.record(it, rr)
}

// attemptResult is what one attempt came to.
type attemptResult struct {
	result      any
	err         error
	kind        failure.Kind
	committed   bool
	commit      string
	interrupted bool
	unread      []string // the row's columns the job did not read
	tracked     bool     // the job tells what it reads
	creds       []Credential
}

// interruptedErr is why an attempt stops when the run is interrupted.
func (p *pool) interruptedErr() error {
	return fmt.Errorf("%w: %v", ErrInterrupted, context.Cause(p.runCtx))
}

// attempt runs the job once, with the row's context built as "Commit
// point and cancellation" describes.
func (p *pool) attempt(row Row, key string, n int, out *PrefixedWriter) attemptResult {
	a := &Attempt{row: row, key: key, number: n, run: p, grace: p.cfg.CommitGrace, out: out}
	end := a.begin(p.runCtx, p.detached, p.interrupted, p.cfg.RowTimeout)
	result, err := p.call(a)
	end()

	a.mu.Lock()
	defer a.mu.Unlock()
	r := attemptResult{result: result, err: err, committed: a.committed, commit: OutcomeNone, interrupted: a.interrupted && err != nil, creds: a.creds}
	r.unread, r.tracked = a.unreadLocked()
	if a.committed {
		r.commit = a.outcome
	}
	if err != nil {
		r.kind = failure.KindOf(err)
		if a.timedOut && !a.interrupted {
			// The row's own deadline ended it, whatever the job made
			// of the cancellation.
			r.kind = failure.Timeout
			r.err = fmt.Errorf("row timeout (%v): %w", p.cfg.RowTimeout, err)
		}
	}
	if err == nil && a.journalErr != nil {
		r.err = a.journalErr // the job ignored it; the row is not ok
	}
	return r
}

// call runs the job, turning a panic into the row's error: one row's bug
// must not kill the rows running beside it, some in mid-commit.
func (p *pool) call(a *Attempt) (result any, err error) {
	defer func() {
		if r := recover(); r != nil {
			stack := string(debug.Stack())
			if i := strings.Index(stack, "panic("); i > 0 {
				stack = stack[i:]
			}
			err = fmt.Errorf("panic in row job: %v [%s]", r, firstLines(stack, 6))
		}
	}()
	return p.job(a.ctx, a)
}

func firstLines(s string, n int) string {
	lines := strings.SplitN(s, "\n", n+1)
	if len(lines) > n {
		lines = lines[:n]
	}
	return strings.Join(lines, " | ")
}

// record writes a finished row's result line and counts it.
func (p *pool) record(it item, rr rowRun) {
	defer p.done(it)
	var msg string
	if rr.err != nil {
		msg = p.cfg.Secrets.Mask(rr.err.Error())
	}
	var werr error
	if p.results != nil { // the line is built only to be written
		started := rr.startedAt
		line := p.line(it, rr.status)
		line.Attempts = rr.attempts
		line.StartedAt = &started
		line.DurationMS = p.cfg.Now().Sub(rr.startedAt).Milliseconds()
		line.Commit = rr.commit
		line.Result = rr.result
		line.Credentials = rr.last.creds
		if rr.err != nil {
			line.Error = &lineError{Kind: rr.kind, Message: msg}
		}
		werr = p.results.write(line)
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	p.noteWriteError(werr)
	switch rr.status {
	case StatusOK:
		p.sum.OK++
	case StatusInterrupted:
		p.sum.Stopped++
	default:
		p.sum.Failed++
		p.stats.failed++
		if errors.Is(rr.err, ErrScriptUsage) {
			// The script's command line is wrong (an unknown option):
			// the same for every row. Stop at the first, say it once.
			if p.sum.Usage == nil {
				p.sum.Usage = &Failure{Key: it.key, Kind: rr.kind, Message: oneLine(msg)}
				p.stopNew(errUsage)
			}
			break
		}
		if len(p.sum.FirstFailures) < maxFirstFailures {
			p.sum.FirstFailures = append(p.sum.FirstFailures, Failure{Key: it.key, Kind: rr.kind, Message: oneLine(msg)})
		}
	}
	if rr.commit == OutcomeUnknown {
		p.sum.CommitUnknown++
	}
	addCredentials(&p.sum.Credentials, rr.last.creds)
	if rr.last.tracked && (rr.status == StatusOK || len(rr.last.creds) > 0) && !errors.Is(rr.err, ErrScriptUsage) {
		// A row that ran through (or as far as a login) and left
		// columns unread: the script may not be using its row.
		p.warnUnread(it.key, rr.last.unread, len(it.row.Fields))
	}
	p.stats.done++
	p.stats.ran++
	p.progress.update(p.stats)
}

// line starts a result line for a row.
func (p *pool) line(it item, status string) resultLine {
	l := resultLine{Key: it.key, Row: it.row.Index, ID: it.id, Columns: publicColumns(it.row),
		Status: status, Commit: OutcomeNone, RefTime: p.refTime}
	if p.cfg.Shard.Count > 1 {
		l.Shard = p.cfg.Shard.String()
	}
	return l
}

// unrun records a row that runs no script: StatusSkipped, done in the run
// --resume continues (it counts as done in the progress), or
// StatusNotStarted, one the run never got to.
func (p *pool) unrun(it item, status string) {
	defer p.done(it)
	var werr error
	if p.results != nil {
		werr = p.results.write(p.line(it, status))
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.noteWriteError(werr)
	if status == StatusNotStarted {
		p.sum.NotStarted++
		return
	}
	p.sum.Skipped++
	p.stats.done++
	p.progress.update(p.stats)
}

// noteWriteError keeps the first results error (or the input's syntax
// error) and starts no new row after it: a run whose results cannot be
// written cannot be resumed safely. The caller holds p.mu.
func (p *pool) noteWriteError(err error) {
	if err == nil || p.fatal != nil {
		return
	}
	p.fatal = err
	if p.stopNew != nil {
		p.stopNew(err)
	}
}
