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

// TestUnreadColumns: ReadColumn's notes give the columns never read.
func TestUnreadColumns(t *testing.T) {
	a := &Attempt{row: Row{Fields: map[string]string{"user": "u", "pass": "p", "host": "h"}}}
	if got := fmt.Sprint(a.unreadColumns()); got != "[host pass user]" {
		t.Errorf("nothing read: %s", got)
	}
	a.ReadColumn("user", false)
	a.ReadColumn("nope", false)
	if got := fmt.Sprint(a.unreadColumns()); got != "[host pass]" {
		t.Errorf("user read: %s", got)
	}
	a.ReadColumn("", true)
	if got := a.unreadColumns(); got != nil {
		t.Errorf("all read: %v", got)
	}
	var none *Attempt
	none.ReadColumn("x", false) // outside a bulk run: nothing to note
}
