package bulk

import (
	"bytes"
	"context"
	"errors"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

// waitStopping waits until the attempt has been told to stop (the
// interrupt or the row timeout reached it), which the test cannot see
// from the context when the row is in mid-commit. It and waitDone run in
// the pool's goroutines, so they report with Error, not Fatal.
func waitStopping(t *testing.T, a *Attempt) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		a.mu.Lock()
		stopping := a.stopCause != nil
		a.mu.Unlock()
		if stopping {
			return
		}
	}
	t.Error("the row was never told to stop")
}

// waitDone waits for ctx to end, failing the test after a while.
func waitDone(t *testing.T, ctx context.Context, what string) {
	t.Helper()
	select {
	case <-ctx.Done():
	case <-time.After(5 * time.Second):
		t.Errorf("%s: the row's context was not cancelled", what)
	}
}

// sessionError is what the session returns when its context is
// cancelled: kind timeout, as runtime/session's ctxError makes it.
func sessionError(ctx context.Context) error {
	return &failure.Error{Kind: failure.Timeout, Message: "pop3#1: interrupted while waiting for ^\\+OK", Err: context.Cause(ctx)}
}

func TestInterruptStopsRowsBeforeCommitAndLetsCommitsFinish(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	committed, started := make(chan struct{}), make(chan struct{})
	var results testutil.SyncBuffer
	var ran atomic.Int32
	go func() { <-committed; <-started; cancel() }() // SIGINT
	sum, err := Run(ctx, Config{Jobs: 2, Retries: 3, ResultsWriter: &results, sleep: noWait}, makeRows(t, 10),
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			ran.Add(1)
			switch row.Index {
			case 1: // past its commit point when the interrupt comes
				if err := at.MarkCommit(); err != nil {
					t.Error(err)
				}
				close(committed)
				waitStopping(t, at)
				if ctx.Err() != nil {
					t.Error("a row in mid-commit was cancelled by the interrupt")
				}
				if err := at.MarkCommit(); err != nil {
					t.Errorf("MarkCommit within the commit under way: %v", err)
				}
				if err := at.SetCommitOutcome(OutcomeCommitted); err != nil {
					t.Error(err)
				}
				waitDone(t, ctx, "after its commit finished")
				if !errors.Is(context.Cause(ctx), ErrInterrupted) {
					t.Errorf("cause %v", context.Cause(ctx))
				}
				err := at.MarkCommit()
				if err == nil || failure.KindOf(err) != failure.Timeout || !errors.Is(err, ErrInterrupted) {
					t.Errorf("a second commit after the interrupt: MarkCommit = %v", err)
				}
				return "deleted 3", nil
			case 2: // before its commit point: cancelled at once
				close(started)
				waitDone(t, ctx, "before its commit point")
				return nil, sessionError(ctx)
			}
			t.Errorf("row %d started after the interrupt", row.Index)
			return nil, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if sum.OK != 1 || sum.Stopped != 1 || sum.NotStarted != 8 || sum.Failed != 0 || !sum.Interrupted || sum.Status() != RunInterrupted {
		t.Errorf("summary %+v, status %d", sum, sum.Status())
	}
	if ran.Load() != 2 {
		t.Errorf("%d rows ran", ran.Load())
	}
	lines := parseResults(t, results.String())
	if len(lines) != 10 {
		t.Fatalf("%d results lines", len(lines))
	}
	if l := lines[1]; l.Status != StatusOK || l.Commit != OutcomeCommitted || l.Result != "deleted 3" {
		t.Errorf("row 1: %+v", l)
	}
	if l := lines[2]; l.Status != StatusInterrupted || l.Commit != OutcomeNone || l.Attempts != 1 || l.Error.Kind != failure.Timeout {
		t.Errorf("row 2 (an interrupt is never retried): %+v", l)
	}
	for i := 3; i <= 10; i++ {
		if l := lines[i]; l.Status != StatusNotStarted || l.Attempts != 0 {
			t.Errorf("row %d: %+v", i, l)
		}
	}
	var out bytes.Buffer
	sum.ResultsPath = "r.jsonl"
	sum.Write(&out)
	for _, want := range []string{"10 rows in", "1 ok", "1 stopped", "8 not started", "interrupted: 8 rows not started, 1 stopped", "--resume r.jsonl"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("summary lacks %q:\n%s", want, out.String())
		}
	}
}

func TestInterruptWaitsForCommitThenCancels(t *testing.T) {
	// The same, driven from outside: cancel once row 1 is in mid-commit
	// and row 2 is running.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	inCommit, running := make(chan struct{}), make(chan struct{})
	go func() { <-inCommit; <-running; cancel() }()
	var rowCtx1 context.Context
	sum, err := Run(ctx, Config{Jobs: 2, sleep: noWait}, makeRows(t, 5), func(ctx context.Context, at *Attempt) (any, error) {
		row := at.Row()
		switch row.Index {
		case 1:
			rowCtx1 = ctx
			at.MarkCommit()
			close(inCommit)
			waitStopping(t, at)
			if ctx.Err() != nil {
				t.Error("cancelled in mid-commit")
			}
			at.SetCommitOutcome(OutcomeUnknown) // QUIT sent, no reply
			return nil, nil
		case 2:
			close(running)
			waitDone(t, ctx, "row 2")
			return nil, sessionError(ctx)
		}
		t.Errorf("row %d started after the interrupt", row.Index)
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if rowCtx1.Err() == nil {
		t.Error("row 1's context outlived the row")
	}
	if sum.OK != 1 || sum.Stopped != 1 || sum.NotStarted != 3 || sum.CommitUnknown != 1 || sum.Status() != RunInterrupted {
		t.Errorf("summary %+v", sum)
	}
	var out bytes.Buffer
	sum.Write(&out)
	if !strings.Contains(out.String(), "1 row sent a commit that was never confirmed") {
		t.Errorf("summary:\n%s", out.String())
	}
}

func TestInterruptedBeforeRun(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	var results testutil.SyncBuffer
	sum, err := Run(ctx, Config{Jobs: 3, ResultsWriter: &results}, makeRows(t, 4), func(context.Context, *Attempt) (any, error) {
		t.Error("a row started")
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.NotStarted != 4 || !sum.Interrupted || sum.Status() != RunInterrupted {
		t.Errorf("summary %+v", sum)
	}
	if n := len(parseResults(t, results.String())); n != 4 {
		t.Errorf("%d results lines", n)
	}
}

func TestCommitGraceExpires(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	journal := t.TempDir() + "/journal.jsonl"
	committed := make(chan struct{})
	go func() { <-committed; cancel() }()
	var results testutil.SyncBuffer
	sum, err := Run(ctx, Config{CommitGrace: 20 * time.Millisecond, Journal: journal, ResultsWriter: &results}, makeRows(t, 1),
		func(ctx context.Context, at *Attempt) (any, error) {
			if err := at.RecordDeletion(JournalEntry{Mailbox: "INBOX", UID: "7", Action: ActionDelete}); err != nil {
				t.Error(err)
			}
			at.MarkCommit()
			close(committed)
			waitDone(t, ctx, "grace")
			if !errors.Is(context.Cause(ctx), ErrCommitGrace) {
				t.Errorf("cause %v", context.Cause(ctx))
			}
			return nil, sessionError(ctx) // the QUIT reply never came
		})
	if err != nil {
		t.Fatal(err)
	}
	l := parseResults(t, results.String())[1]
	if l.Status != StatusInterrupted || l.Commit != OutcomeUnknown || sum.CommitUnknown != 1 {
		t.Errorf("line %+v, summary %+v", l, sum)
	}
	text, _ := readFile(journal)
	lines := strings.Split(strings.TrimSpace(text), "\n")
	if len(lines) != 2 || !strings.Contains(lines[0], `"outcome":"pending"`) || !strings.Contains(lines[1], `"outcome":"unknown","entries":1`) {
		t.Errorf("journal:\n%s", text)
	}
}

func TestRowTimeout(t *testing.T) {
	var results testutil.SyncBuffer
	_, err := Run(context.Background(), Config{RowTimeout: 20 * time.Millisecond, Retries: 1, ResultsWriter: &results, sleep: noWait}, makeRows(t, 1),
		func(ctx context.Context, at *Attempt) (any, error) {
			waitDone(t, ctx, "row timeout")
			if !errors.Is(context.Cause(ctx), ErrRowTimeout) {
				t.Errorf("cause %v", context.Cause(ctx))
			}
			return nil, ctx.Err() // a job that reports the bare context error
		})
	if err != nil {
		t.Fatal(err)
	}
	l := parseResults(t, results.String())[1]
	if l.Status != StatusFailed || l.Attempts != 2 || l.Error.Kind != failure.Timeout || !strings.Contains(l.Error.Message, "row timeout (20ms)") {
		t.Errorf("line %+v error %+v", l, l.Error)
	}
}

func TestRowTimeoutDuringCommit(t *testing.T) {
	var results testutil.SyncBuffer
	_, err := Run(context.Background(), Config{RowTimeout: 20 * time.Millisecond, CommitGrace: time.Hour, Retries: 3, ResultsWriter: &results, sleep: noWait}, makeRows(t, 1),
		func(ctx context.Context, at *Attempt) (any, error) {
			at.MarkCommit()
			waitStopping(t, at)
			if ctx.Err() != nil {
				t.Error("the row timeout cancelled a commit under way")
			}
			at.SetCommitOutcome(OutcomeCommitted)
			waitDone(t, ctx, "after the commit")
			return nil, sessionError(ctx) // LOGOUT after the commit fails
		})
	if err != nil {
		t.Fatal(err)
	}
	l := parseResults(t, results.String())[1]
	if l.Status != StatusFailed || l.Attempts != 1 || l.Commit != OutcomeCommitted || l.Error.Kind != failure.Timeout {
		t.Errorf("line %+v", l)
	}
}

func TestInterruptDuringBackoff(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var results testutil.SyncBuffer
	var attempts atomic.Int32
	cfg := Config{Retries: 5, ResultsWriter: &results, sleep: func(ctx context.Context, d time.Duration) error {
		cancel() // SIGINT while the row waits to retry
		<-ctx.Done()
		return ctx.Err()
	}}
	sum, err := Run(ctx, cfg, makeRows(t, 1), func(context.Context, *Attempt) (any, error) {
		attempts.Add(1)
		return nil, failure.New(failure.Connect, "connection refused")
	})
	if err != nil {
		t.Fatal(err)
	}
	l := parseResults(t, results.String())[1]
	if attempts.Load() != 1 || l.Status != StatusInterrupted || l.Error.Kind != failure.Connect || sum.Stopped != 1 {
		t.Errorf("attempts %d line %+v", attempts.Load(), l)
	}
}

// TestNilAttempt: outside a bulk run the bridge holds a nil *Attempt, and
// every hook is harmless on it.
func TestNilAttempt(t *testing.T) {
	var a *Attempt
	if err := a.MarkCommit(); err != nil {
		t.Error(err)
	}
	if a.Committed() {
		t.Error("Committed outside a run")
	}
	if err := a.SetCommitOutcome(OutcomeCommitted); err != nil {
		t.Error(err)
	}
	if err := a.SetCommitOutcome("maybe"); err == nil {
		t.Error("SetCommitOutcome accepted an unknown outcome")
	}
	if _, ok := a.RefTime(); ok {
		t.Error("RefTime outside a run")
	}
	if err := a.RecordDeletion(JournalEntry{}); err != nil {
		t.Error(err)
	}
	if a.Journaling() || a.Number() != 0 || a.Stdout() != io.Discard {
		t.Error("a nil Attempt journals, counts or prints")
	}
	release, err := a.AcquireHost(context.Background(), "mx:110")
	if err != nil {
		t.Fatal(err)
	}
	release()
}

func TestCommittedAndUnsettledJournal(t *testing.T) {
	journal := t.TempDir() + "/j.jsonl"
	var results testutil.SyncBuffer
	_, err := Run(context.Background(), Config{Journal: journal, ResultsWriter: &results}, makeRows(t, 2),
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			if at.Committed() {
				t.Error("committed before MarkCommit")
			}
			at.RecordDeletion(JournalEntry{UID: "1", Action: ActionDelete})
			at.RecordDeletion(JournalEntry{UID: "2", Action: ActionDelete})
			if row.Index == 1 {
				return nil, failure.New(failure.Reply, "-ERR no such message") // fails before the commit point
			}
			at.MarkCommit()
			if !at.Committed() {
				t.Error("not committed after MarkCommit")
			}
			return nil, nil // never says how the commit went
		})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := readFile(journal)
	for _, want := range []string{`"row":1,"key":"user1@example.com","outcome":"none","entries":2`, `"row":2,"key":"user2@example.com","outcome":"unknown","entries":2`} {
		if !strings.Contains(text, want) {
			t.Errorf("journal lacks %s:\n%s", want, text)
		}
	}
	lines := parseResults(t, results.String())
	if lines[1].Commit != OutcomeNone || lines[2].Commit != OutcomeUnknown {
		t.Errorf("commits %q %q", lines[1].Commit, lines[2].Commit)
	}
}
