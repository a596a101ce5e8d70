package bulk

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// TestUsageErrorStopsRun: the first usage error of the script's command
// line (ErrScriptUsage) stops the run; the summary says it once, and the
// status is RunUsage. A usage error not marked so (a row's bad value)
// fails its row only.
func TestUsageErrorStopsRun(t *testing.T) {
	sum, err := Run(context.Background(), Config{Jobs: 1}, makeRows(t, 50), func(ctx context.Context, a *Attempt) (any, error) {
		return nil, &failure.Error{Kind: failure.Usage, Message: "unknown option --bogus", Err: ErrScriptUsage}
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status() != RunUsage || sum.Failed != 1 || sum.NotStarted != 49 || len(sum.FirstFailures) != 0 || sum.Usage == nil {
		t.Fatalf("%+v", sum)
	}
	var out strings.Builder
	sum.Write(&out)
	if strings.Count(out.String(), "unknown option --bogus") != 1 || !strings.Contains(out.String(), "stopped at a usage error in the script") {
		t.Errorf("summary:\n%s", out.String())
	}

	sum, err = Run(context.Background(), Config{Jobs: 2}, makeRows(t, 50), func(ctx context.Context, a *Attempt) (any, error) {
		if a.Row().Index == 7 {
			return nil, &failure.Error{Kind: failure.Usage, Message: "option --n wants a number, got \"x\""}
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Status() != RunFailed || sum.Failed != 1 || sum.OK != 49 || sum.Usage != nil || len(sum.FirstFailures) != 1 {
		t.Fatalf("a row's usage error: %+v", sum)
	}
}

// TestUnreadColumns: ReadColumn's notes give the columns never read;
// a job that tells nothing is not tracked.
func TestUnreadColumns(t *testing.T) {
	a := &Attempt{row: Row{Fields: map[string]string{"user": "u", "pass": "p", "host": "h"}}}
	unread := func() string {
		u, tracked := a.unreadLocked()
		return fmt.Sprint(u, tracked)
	}
	if got := unread(); got != "[] false" {
		t.Errorf("not tracked: %s", got)
	}
	a.TrackColumns()
	if got := unread(); got != "[host pass user] true" {
		t.Errorf("nothing read: %s", got)
	}
	a.ReadColumn("user", false)
	a.ReadColumn("nope", false)
	if got := unread(); got != "[host pass] true" {
		t.Errorf("user read: %s", got)
	}
	a.ReadColumn("", true)
	if got := unread(); got != "[] true" {
		t.Errorf("all read: %s", got)
	}
	var none *Attempt
	none.ReadColumn("x", false) // outside a bulk run: nothing to note
	none.TrackColumns()
	none.UsedCredentials(CredentialsEnvironment, "bob")
}

// TestUnreadWarningAndCredentials: one warning for the whole run when a
// job leaves columns unread (none when it reads them all, or does not
// tell); the summary counts the rows' logins by source.
func TestUnreadWarningAndCredentials(t *testing.T) {
	for _, tt := range []struct {
		name  string
		job   func(a *Attempt)
		warns int
		creds string
	}{
		{"ignores the row", func(a *Attempt) {
			a.TrackColumns()
			a.UsedCredentials(CredentialsEnvironment, "bob")
		}, 1, "credentials: the environment, user bob (20 rows)\n"},
		{"reads the row", func(a *Attempt) {
			readAllColumns(a)
			a.UsedCredentials(CredentialsRow, a.Row().Key())
			if a.Row().Index == 3 {
				a.UsedCredentials(CredentialsFlags, "admin")
			}
		}, 0, "credentials: the rows' columns (20 rows); the script's arguments, user admin (1 row)\n"},
		{"a user per row, not from the row", func(a *Attempt) {
			readAllColumns(a)
			a.UsedCredentials(CredentialsEnvironment, a.Row().Key())
		}, 0, "; the environment, other users (10 rows)\n"}, // 10 users listed, then the rest counted
		{"does not tell", func(a *Attempt) {}, 0, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var warnings strings.Builder
			sum, err := Run(context.Background(), Config{Jobs: 4, Warnings: &warnings}, makeRows(t, 20), func(ctx context.Context, a *Attempt) (any, error) {
				tt.job(a)
				return nil, nil
			})
			if err != nil || sum.OK != 20 {
				t.Fatalf("%+v %v", sum, err)
			}
			if n := strings.Count(warnings.String(), "warning:"); n != tt.warns {
				t.Errorf("%d warnings, want %d:\n%s", n, tt.warns, warnings.String())
			}
			var out strings.Builder
			sum.Write(&out)
			if tt.creds == "" && strings.Contains(out.String(), "credentials") || !strings.Contains(out.String(), tt.creds) {
				t.Errorf("summary:\n%s", out.String())
			}
		})
	}
}

// readAllColumns is a script that tracks and reads every column of its row.
func readAllColumns(a *Attempt) {
	a.TrackColumns()
	for col := range a.Row().Fields {
		a.ReadColumn(col, false)
	}
}
