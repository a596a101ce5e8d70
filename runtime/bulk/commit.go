package bulk

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// Causes of a row's context being cancelled, as context.Cause reports them
// (wrapped with details; test with errors.Is).
var (
	ErrInterrupted = errors.New("bulk run interrupted")
	ErrRowTimeout  = errors.New("row timeout")
	ErrCommitGrace = errors.New("commit did not finish within its grace period")
	errAttemptOver = errors.New("row attempt over")
)

// Commit outcomes, as results and the journal write them.
const (
	OutcomeNone      = "none"      // the commit point was never reached: nothing was deleted
	OutcomeCommitted = "committed" // the server confirmed the commit
	OutcomeUnknown   = "unknown"   // the commit was sent but not confirmed (QUIT got no reply)
)

// Attempt is one try at a row, handed to the Job: the row, the row's
// print output, the run's reference time, and the collaborators a
// protocol module needs in a bulk run — the commit tracker (MarkCommit,
// SetCommitOutcome), the journal (RecordDeletion) and the per-host limit
// (AcquireHost, for session.Options.Acquire). The tracker decides, when
// the run is interrupted or the row times out, whether to cancel the row
// now or let its commit finish (see "Commit point and cancellation" in
// the package documentation).
//
// Every method works on a nil *Attempt, as outside a bulk run: nothing to
// commit, journal or limit, and no reference time.
type Attempt struct {
	row    Row
	key    string
	number int // counts from 1
	run    *pool
	ctx    context.Context
	cancel context.CancelCauseFunc
	grace  time.Duration
	out    *PrefixedWriter // the row's print output, shared by its attempts

	mu          sync.Mutex
	over        bool        // the job returned: stop and the timers do nothing more
	committed   bool        // MarkCommit was called in this attempt
	inCommit    bool        // between MarkCommit and SetCommitOutcome
	outcome     string      // "", committed or unknown; unknown is sticky
	interrupted bool        // the run was interrupted while the attempt ran
	timedOut    bool        // the row timeout passed while the attempt ran
	stopCause   error       // why the attempt is being stopped, once it is
	graceTimer  *time.Timer // running while a stopped row finishes its commit

	// Journal entries recorded and not yet settled by an outcome line,
	// and whether a commit began after they were recorded.
	pending          int
	pendingCommitted bool
	journalErr       error

	holds map[string]*hostHold // per-host slots held by this attempt

	read    map[string]bool // the row's columns the job read (ReadColumn); nil: it does not tell
	readAll bool            // ... all of them
	creds   []Credential    // the logins (UsedCredentials)
}

// Row returns the row this attempt runs.
func (a *Attempt) Row() Row {
	if a == nil {
		return Row{}
	}
	return a.row
}

// Key returns the row's key (Row.Key) as the run shows it everywhere:
// masked once, when the row was read.
func (a *Attempt) Key() string {
	if a == nil {
		return ""
	}
	return a.key
}

// Number counts the row's attempts from 1; 0 outside a bulk run.
func (a *Attempt) Number() int {
	if a == nil {
		return 0
	}
	return a.number
}

// Canceler returns the cancel function of ctx when ctx is the context
// the Job was given, else nil: a job that would derive a context only to
// cancel it itself (a script's exit) cancels the attempt's instead, one
// context less per row. Cancelling it ends the attempt's work, as the
// job returning does.
func (a *Attempt) Canceler(ctx context.Context) context.CancelCauseFunc {
	if a == nil || ctx != a.ctx {
		return nil
	}
	return a.cancel
}

// Journaling reports whether the run writes a journal (--journal), so a
// module can skip the round trips that only feed it.
func (a *Attempt) Journaling() bool {
	return a != nil && a.run.journal != nil
}

// begin makes the attempt's context as "Commit point and cancellation"
// in the package documentation says: not a child of runCtx, whose
// interrupt must not cancel a commit under way, but with its values, and
// stopped (with the cause interrupted gives) when runCtx ends, or when
// timeout (if > 0) passes. detached is context.WithoutCancel(runCtx),
// made once for all attempts. end stops the watchers and finishes the
// attempt.
func (a *Attempt) begin(runCtx, detached context.Context, interrupted func() error, timeout time.Duration) (end func()) {
	a.ctx, a.cancel = context.WithCancelCause(detached)
	stopOnInterrupt := context.AfterFunc(runCtx, func() { a.stop(interrupted(), true) })
	var timer *time.Timer
	if timeout > 0 {
		timer = time.AfterFunc(timeout, func() {
			a.stop(fmt.Errorf("%w (%v)", ErrRowTimeout, timeout), false)
		})
	}
	return func() {
		stopOnInterrupt()
		if timer != nil {
			timer.Stop()
		}
		a.finish()
	}
}

// stop is called when the run is interrupted or the row timeout passes.
func (a *Attempt) stop(cause error, interrupt bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.over {
		return
	}
	if interrupt {
		a.interrupted = true
	} else {
		a.timedOut = true
	}
	if a.stopCause == nil {
		a.stopCause = cause
	}
	if !a.inCommit {
		a.cancel(cause)
		return
	}
	if a.graceTimer == nil {
		a.graceTimer = time.AfterFunc(a.grace, func() {
			a.cancel(fmt.Errorf("%w (%v), after %v", ErrCommitGrace, a.grace, cause))
		})
	}
}

// finish ends the attempt: timers stopped, unsettled journal entries
// settled, host slots released, the context cancelled.
func (a *Attempt) finish() {
	a.mu.Lock()
	a.over = true
	if a.graceTimer != nil {
		a.graceTimer.Stop()
	}
	if a.committed && a.outcome == "" {
		a.outcome = OutcomeUnknown // begun and never confirmed
	}
	a.settleLocked(a.unsettledOutcome())
	holds := a.holds
	a.holds = nil
	a.mu.Unlock()
	for _, h := range holds {
		h.releaseAll()
	}
	a.cancel(errAttemptOver)
}

// unsettledOutcome is what the pending journal entries came to when the
// attempt ends without SetCommitOutcome settling them: if a commit began
// after they were recorded its result is unknown, else nothing was sent.
func (a *Attempt) unsettledOutcome() string {
	if a.pendingCommitted {
		return OutcomeUnknown
	}
	return OutcomeNone
}

// settleLocked writes the outcome line for the pending journal entries.
func (a *Attempt) settleLocked(outcome string) {
	if a.pending == 0 {
		return
	}
	if err := a.run.journal.outcome(a.row, a.key, outcome, a.pending); err != nil && a.journalErr == nil {
		a.journalErr = err
	}
	a.pending, a.pendingCommitted = 0, false
}

// MarkCommit says that the row is about to send a command after which it
// can no longer be stopped or retried safely: POP3 QUIT after DELE, an
// IMAP STORE of \Deleted, EXPUNGE, MOVE. Protocol modules call it right
// before sending, and must not send when it returns an error: the run was
// interrupted or the row timed out (a *failure.Error of kind timeout,
// wrapping the cause), or the journal could not be written.
//
// A commit lasts until SetCommitOutcome; calls within it (EXPUNGE after
// the STORE) are part of the same commit and are not refused. On a nil
// Attempt (outside a bulk run) it returns nil.
func (a *Attempt) MarkCommit() error {
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.inCommit {
		return nil
	}
	if a.journalErr != nil {
		return fmt.Errorf("commit refused: the journal could not be written: %w", a.journalErr)
	}
	if a.stopCause != nil || a.ctx.Err() != nil {
		cause := a.stopCause
		if cause == nil {
			cause = context.Cause(a.ctx)
		}
		return &failure.Error{Kind: failure.Timeout, Stage: "commit", Err: cause,
			Message: fmt.Sprintf("commit refused, nothing sent: %v", cause)}
	}
	a.committed, a.inCommit = true, true
	if a.pending > 0 {
		a.pendingCommitted = true
	}
	return nil
}

// Committed reports whether the row has reached its commit point (in the
// current attempt; attempts after a commit never happen).
func (a *Attempt) Committed() bool {
	if a == nil {
		return false
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.committed
}

// SetCommitOutcome ends the commit under way with its outcome:
// OutcomeCommitted when the server confirmed it (+OK to QUIT, OK to the
// STORE/EXPUNGE), OutcomeUnknown when the reply never came. It writes the
// outcome line for the journal entries recorded so far, and if the row is
// being stopped, cancels its context now that the commit is over. A row
// with several commits reports unknown if any of them was. On a nil
// Attempt it only checks outcome.
func (a *Attempt) SetCommitOutcome(outcome string) error {
	if outcome != OutcomeCommitted && outcome != OutcomeUnknown {
		return fmt.Errorf("bulk: commit outcome %q: want %q or %q", outcome, OutcomeCommitted, OutcomeUnknown)
	}
	if a == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.outcome != OutcomeUnknown {
		a.outcome = outcome
	}
	a.inCommit = false
	a.settleLocked(outcome)
	if a.stopCause != nil && !a.over {
		a.cancel(a.stopCause)
	}
	if a.journalErr != nil {
		return fmt.Errorf("journal: %w", a.journalErr)
	}
	return nil
}

// RefTime returns the run's reference time: when the first run of this
// row set started, reused by --resume, so that "older than 30 days" means
// the same messages in a resumed run as in the run it continues. ok is
// false on a nil Attempt; callers then use the current time.
func (a *Attempt) RefTime() (t time.Time, ok bool) {
	if a == nil {
		return time.Time{}, false
	}
	return a.run.refTime, true
}
