package bulk

import (
	"context"
	"time"
)

// Single is the attempt of a run of one mailbox outside a bulk run (a
// script run without --each, given --journal): the commit point and the
// journal of a bulk row, so that a lone cleanup is as recoverable as one
// row of a thousand. Its journal lines carry key and no row number.
//
// It returns the attempt, the context to run the job under — ctx's
// values, stopped as a row's is: at once when ctx ends before the commit
// point, after the commit under way otherwise (within a minute), with
// ctx's own cause — and end, to call when the job returned: it settles
// the journal entries no outcome settled (none, or unknown when a commit
// began and was never confirmed) and returns the commit's outcome
// (OutcomeNone, OutcomeCommitted or OutcomeUnknown) and the first journal
// error, if any. The caller opens and closes journal.
//
//	j, err := bulk.OpenJournal("journal.jsonl", secrets)
//	a, actx, end := bulk.Single(ctx, j, "alice@example.com")
//	result, err := job(actx, a)
//	outcome, jerr := end()
func Single(ctx context.Context, journal *Journal, key string) (a *Attempt, actx context.Context, end func() (outcome string, err error)) {
	a = &Attempt{key: key, number: 1, run: &pool{journal: journal, refTime: time.Now()}, grace: defaultCommitGrace}
	// The cause as it is: the caller tells a signal from a deadline by it.
	stop := a.begin(ctx, context.WithoutCancel(ctx), func() error { return context.Cause(ctx) }, 0)
	return a, a.ctx, func() (string, error) {
		stop()
		a.mu.Lock()
		defer a.mu.Unlock()
		outcome := OutcomeNone
		if a.committed {
			outcome = a.outcome
		}
		return outcome, a.journalErr
	}
}
