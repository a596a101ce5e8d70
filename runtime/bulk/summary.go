package bulk

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// maxFirstFailures is how many failures the summary lists.
const maxFirstFailures = 10

// Summary is the outcome of a bulk run.
type Summary struct {
	Total      int // rows read (of this shard)
	OK         int
	Failed     int
	Stopped    int // interrupted while running (status "interrupted")
	Skipped    int // done in the run --resume continues
	NotStarted int // never started: the run was interrupted first

	// CommitUnknown counts rows whose commit was sent but never
	// confirmed: the journal says which messages may be gone.
	CommitUnknown int

	Duration      time.Duration
	FirstFailures []Failure // the first failed rows, in the order they failed

	Interrupted bool  // the run's context ended before every row was done
	Cause       error // context.Cause of the run's context, when Interrupted

	ResultsPath string // for the "run again with --resume" hint

	// Unread says the run stopped before reading all of its input: the
	// rows after the last one read are in no count.
	Unread bool
	Shard  Shard // the part of the input the run ran (--shard)

	// Usage is the first usage error of the script's command line (a
	// job error marked ErrScriptUsage: an unknown option after the script
	// name): the run stopped there, since every row would fail alike.
	// Rows failed by it are not in FirstFailures.
	Usage *Failure

	// Credentials says where the rows' logins came from (the job's
	// Attempt.UsedCredentials): the rows' columns, or, for a script that
	// ignores its row, the environment's one user for every row.
	Credentials []CredentialCount
}

// Failure is one failed row, as the summary lists it. Message is masked
// and made one line.
type Failure struct {
	Key     string
	Kind    failure.Kind
	Message string
}

// Status is what a run came to, as a whole; the CLI turns it into its
// exit code.
type Status int

const (
	RunOK          Status = iota // every row ok, or done before (--resume)
	RunFailed                    // a row failed or did not run, or the run's deadline passed
	RunInterrupted               // the run was interrupted (a signal) before every row was done
	RunUsage                     // a usage error of the script's command line stopped the run (Summary.Usage)
)

// Status is RunInterrupted when the run was interrupted (RunFailed when
// it was its deadline that ended it), else RunUsage when a usage error
// stopped it, else RunFailed when any row failed
// or did not run, else RunOK.
func (s Summary) Status() Status {
	switch {
	case s.Interrupted && errors.Is(s.Cause, context.DeadlineExceeded):
		return RunFailed
	case s.Interrupted:
		return RunInterrupted
	case s.Usage != nil:
		return RunUsage
	case s.Failed > 0 || s.Stopped > 0 || s.NotStarted > 0:
		return RunFailed
	}
	return RunOK
}

// Write prints the human summary:
//
//	5000 rows in 1m23s: 4997 ok, 3 failed
//	first failures:
//	  bob@example.com: timeout: pop3#1: timeout after 10s waiting for ^\+OK
//	interrupted: 120 rows not started, 2 stopped before their commit point; run again with --resume results.jsonl to finish them
func (s Summary) Write(w io.Writer) error {
	var b strings.Builder
	parts := []string{fmt.Sprintf("%d ok", s.OK)}
	if s.Failed > 0 || s.Stopped+s.Skipped+s.NotStarted == 0 {
		parts = append(parts, fmt.Sprintf("%d failed", s.Failed))
	}
	if s.Stopped > 0 {
		parts = append(parts, fmt.Sprintf("%d stopped", s.Stopped))
	}
	if s.Skipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped (done before)", s.Skipped))
	}
	if s.NotStarted > 0 {
		parts = append(parts, fmt.Sprintf("%d not started", s.NotStarted))
	}
	of := ""
	if s.Shard.Count > 0 {
		of = fmt.Sprintf(" of shard %s", s.Shard)
	}
	fmt.Fprintf(&b, "%s%s in %v: %s\n", plural(s.Total, "row"), of, s.Duration.Round(time.Millisecond), strings.Join(parts, ", "))
	if len(s.FirstFailures) > 0 {
		if s.Failed > len(s.FirstFailures) {
			fmt.Fprintf(&b, "first %d failures:\n", len(s.FirstFailures))
		} else {
			b.WriteString("failures:\n")
		}
		for _, f := range s.FirstFailures {
			if f.Kind != "" {
				fmt.Fprintf(&b, "  %s: %s: %s\n", f.Key, f.Kind, f.Message)
			} else {
				fmt.Fprintf(&b, "  %s: %s\n", f.Key, f.Message)
			}
		}
	}
	writeCredentials(&b, s.Credentials)
	if s.Usage != nil {
		fmt.Fprintf(&b, "stopped at a usage error in the script (row %s): %s\n", s.Usage.Key, s.Usage.Message)
		if s.NotStarted > 0 || s.Unread {
			b.WriteString("the other rows did not run: fix the command line and run again (--resume to skip the rows done)\n")
		}
	}
	if s.CommitUnknown > 0 {
		fmt.Fprintf(&b, "%s sent a commit that was never confirmed (QUIT or EXPUNGE without a reply): the journal lists the messages that may be gone\n", plural(s.CommitUnknown, "row"))
	}
	if s.Interrupted {
		var undone []string
		if s.NotStarted > 0 {
			undone = append(undone, plural(s.NotStarted, "row")+" not started")
		}
		if s.Stopped > 0 {
			undone = append(undone, fmt.Sprintf("%d stopped before their commit point or after finishing it", s.Stopped))
		}
		if s.Unread {
			undone = append(undone, "the rest of the input not read")
		}
		why := "interrupted"
		if s.Cause != nil && !errors.Is(s.Cause, context.Canceled) {
			why = "interrupted (" + s.Cause.Error() + ")"
		}
		if len(undone) == 0 {
			fmt.Fprintf(&b, "%s: every row had finished\n", why)
		} else {
			fmt.Fprintf(&b, "%s: %s", why, strings.Join(undone, ", "))
			if s.ResultsPath != "" {
				fmt.Fprintf(&b, "; run again with --resume %s to finish them", s.ResultsPath)
			}
			b.WriteString("\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// oneLine flattens a message for the summary: line breaks (a Lua
// traceback) become " | ".
func oneLine(s string) string {
	s = strings.TrimSpace(s)
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.ReplaceAll(s, "\n", " | ")
}
