package bulk

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

func TestStatus(t *testing.T) {
	tests := []struct {
		s    Summary
		want Status
	}{
		{Summary{Total: 3, OK: 3}, RunOK},
		{Summary{Total: 3, OK: 1, Skipped: 2}, RunOK},
		{Summary{}, RunOK},
		{Summary{Total: 3, OK: 2, Failed: 1}, RunFailed},
		{Summary{Total: 3, OK: 2, NotStarted: 1}, RunFailed},
		{Summary{Total: 3, OK: 1, Stopped: 1, NotStarted: 1, Interrupted: true, Cause: context.Canceled}, RunInterrupted},
		{Summary{Total: 3, OK: 3, Interrupted: true, Cause: errors.New("interrupted")}, RunInterrupted},
		{Summary{Total: 3, OK: 1, NotStarted: 2, Interrupted: true, Cause: context.DeadlineExceeded}, RunFailed},
	}
	for _, tt := range tests {
		if got := tt.s.Status(); got != tt.want {
			t.Errorf("%+v: Status() = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestSummaryWrite(t *testing.T) {
	many := make([]Failure, maxFirstFailures)
	for i := range many {
		many[i] = Failure{Key: fmt.Sprintf("u%d", i), Kind: failure.Connect, Message: "refused"}
	}
	tests := []struct {
		name string
		s    Summary
		want string
	}{
		{"all ok", Summary{Total: 2, OK: 2, Duration: 1500 * time.Millisecond}, "2 rows in 1.5s: 2 ok, 0 failed\n"},
		{"one row", Summary{Total: 1, OK: 1, Duration: time.Second}, "1 row in 1s: 1 ok, 0 failed\n"},
		{"failures", Summary{Total: 3, OK: 1, Failed: 2, Duration: time.Second, FirstFailures: []Failure{
			{Key: "bob", Kind: failure.Timeout, Message: "pop3#1: timeout after 10s waiting for ^\\+OK"},
			{Key: "eve", Message: "script.lua:3: boom"},
		}}, "3 rows in 1s: 1 ok, 2 failed\nfailures:\n  bob: timeout: pop3#1: timeout after 10s waiting for ^\\+OK\n  eve: script.lua:3: boom\n"},
		{"more failures than listed", Summary{Total: 20, OK: 8, Failed: 12, Duration: time.Second, FirstFailures: many},
			"20 rows in 1s: 8 ok, 12 failed\nfirst 10 failures:\n  u0: connect: refused\n"},
		{"resumed", Summary{Total: 5, OK: 2, Skipped: 3, Duration: time.Second}, "5 rows in 1s: 2 ok, 3 skipped (done before)\n"},
		{"unknown commits", Summary{Total: 2, OK: 2, CommitUnknown: 2, Duration: time.Second},
			"2 rows sent a commit that was never confirmed (QUIT or EXPUNGE without a reply): the journal lists the messages that may be gone\n"},
		{"interrupted", Summary{Total: 10, OK: 5, Stopped: 1, NotStarted: 4, Interrupted: true, Cause: context.Canceled, ResultsPath: "r.jsonl", Duration: time.Second},
			"10 rows in 1s: 5 ok, 1 stopped, 4 not started\ninterrupted: 4 rows not started, 1 stopped before their commit point or after finishing it; run again with --resume r.jsonl to finish them\n"},
		{"interrupted with a cause", Summary{Total: 2, OK: 1, NotStarted: 1, Interrupted: true, Cause: errors.New("SIGTERM"), Duration: time.Second},
			"interrupted (SIGTERM): 1 row not started\n"},
		{"interrupted after everything", Summary{Total: 2, OK: 2, Interrupted: true, Cause: context.Canceled, Duration: time.Second},
			"interrupted: every row had finished\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := tt.s.Write(&b); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), tt.want) {
				t.Errorf("summary:\n%s\nwant it to contain:\n%s", b.String(), tt.want)
			}
		})
	}
}

func TestOneLine(t *testing.T) {
	if got := oneLine("a.lua:3: boom\r\nstack traceback:\n\t[C]: in ?\n"); got != "a.lua:3: boom | stack traceback: | \t[C]: in ?" {
		t.Errorf("oneLine = %q", got)
	}
}
