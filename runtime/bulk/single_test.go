package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// singleLines decodes the journal lines written to f.
func singleLines(t *testing.T, f *fakeFile) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, w := range f.writes() {
		var m map[string]any
		if err := json.Unmarshal([]byte(w), &m); err != nil {
			t.Fatalf("%v: %q", err, w)
		}
		out = append(out, m)
	}
	return out
}

// TestSingle: a lone run's attempt journals as a row does (entries, then
// the outcome that settles them, keyed with no row number), refuses the
// commit once stopped, and lets a commit under way finish, cancelling
// with the caller's own cause.
func TestSingle(t *testing.T) {
	entry := JournalEntry{Mailbox: "alice", UID: "u1", Size: 10, Action: ActionDelete}
	for _, tc := range []struct {
		name        string
		run         func(t *testing.T, a *Attempt, actx context.Context, interrupt func())
		outcome     string
		lines       []string // "action/outcome" of each journal line
		interrupted bool
	}{
		{"committed", func(t *testing.T, a *Attempt, actx context.Context, interrupt func()) {
			if !a.Journaling() || a.RecordDeletion(entry) != nil || a.MarkCommit() != nil || a.SetCommitOutcome(OutcomeCommitted) != nil {
				t.Error("the commit did not go through")
			}
		}, OutcomeCommitted, []string{"delete/pending", "/committed"}, false},
		{"no commit", func(t *testing.T, a *Attempt, actx context.Context, interrupt func()) {
			a.RecordDeletion(entry)
		}, OutcomeNone, []string{"delete/pending", "/none"}, false},
		{"never confirmed", func(t *testing.T, a *Attempt, actx context.Context, interrupt func()) {
			a.RecordDeletion(entry)
			a.MarkCommit() // QUIT sent, the process of the job ends without a reply
		}, OutcomeUnknown, []string{"delete/pending", "/unknown"}, false},
		{"interrupted before the commit", func(t *testing.T, a *Attempt, actx context.Context, interrupt func()) {
			a.RecordDeletion(entry)
			interrupt()
			waitDone(t, actx, "interrupted")
			if err := a.MarkCommit(); err == nil || !strings.Contains(err.Error(), "commit refused, nothing sent") {
				t.Errorf("MarkCommit after the interrupt: %v", err)
			}
		}, OutcomeNone, []string{"delete/pending", "/none"}, true},
		{"interrupted in mid-commit", func(t *testing.T, a *Attempt, actx context.Context, interrupt func()) {
			a.RecordDeletion(entry)
			a.MarkCommit()
			interrupt()
			waitStopping(t, a)
			if actx.Err() != nil {
				t.Error("the interrupt cancelled the commit under way")
			}
			a.SetCommitOutcome(OutcomeCommitted)
			waitDone(t, actx, "after the commit")
		}, OutcomeCommitted, []string{"delete/pending", "/committed"}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeFile{}
			j := newJournal(f, nil)
			sigint := errors.New("SIGINT, as the CLI names it")
			ctx, cancel := context.WithCancelCause(context.WithValue(context.Background(), ctxKey{}, "v"))
			defer cancel(nil)
			a, actx, end := Single(ctx, j, "alice@example.com")
			if actx.Value(ctxKey{}) != "v" {
				t.Error("the run's context lost the caller's values")
			}
			tc.run(t, a, actx, func() { cancel(sigint) })
			outcome, err := end()
			if outcome != tc.outcome || err != nil {
				t.Errorf("end: %q %v, want %q", outcome, err, tc.outcome)
			}
			if tc.interrupted && context.Cause(actx) != sigint {
				t.Errorf("cause %v, want the caller's own", context.Cause(actx))
			}
			lines := singleLines(t, f)
			var got []string
			for _, l := range lines {
				action, _ := l["action"].(string)
				got = append(got, action+"/"+l["outcome"].(string))
				if l["key"] != "alice@example.com" || l["row"] != nil {
					t.Errorf("line %v: want key alice@example.com and no row", l)
				}
			}
			if strings.Join(got, " ") != strings.Join(tc.lines, " ") {
				t.Errorf("journal %v, want %v", got, tc.lines)
			}
		})
	}
}

type ctxKey struct{}
