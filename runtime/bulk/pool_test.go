package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
	"github.com/mailexpect/mailexpect/runtime/transcript"

	"github.com/mailexpect/mailexpect/internal/testutil"
)

// makeRows returns n rows with columns user, pass and host; host cycles
// through hosts.
func makeRows(t *testing.T, n int, hosts ...string) []Row {
	t.Helper()
	if len(hosts) == 0 {
		hosts = []string{"mx.example"}
	}
	var b strings.Builder
	b.WriteString("user,pass,host\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "user%d@example.com,Pw-%d-zq,%s\n", i, i, hosts[(i-1)%len(hosts)])
	}
	rows, err := ReadRows(strings.NewReader(b.String()), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// noWait is a sleep that does not sleep: backoff and rate waits in tests
// that are not about them.
func noWait(ctx context.Context, d time.Duration) error { return ctx.Err() }

// parsedLine is a results line as a test reads it back.
type parsedLine struct {
	Key         string            `json:"key"`
	Row         int               `json:"row"`
	ID          string            `json:"id"`
	Columns     map[string]string `json:"columns"`
	Status      string            `json:"status"`
	Attempts    int               `json:"attempts"`
	DurationMS  int64             `json:"duration_ms"`
	Error       *lineError        `json:"error"`
	Commit      string            `json:"commit"`
	Result      any               `json:"result"`
	ResultError string            `json:"result_error"`
	RefTime     time.Time         `json:"ref_time"`
}

// parseResults reads results lines, by row number.
func parseResults(t *testing.T, text string) map[int]parsedLine {
	t.Helper()
	out := map[int]parsedLine{}
	for _, l := range strings.Split(strings.TrimSpace(text), "\n") {
		if l == "" {
			continue
		}
		var p parsedLine
		if err := json.Unmarshal([]byte(l), &p); err != nil {
			t.Fatalf("results line %q: %v", l, err)
		}
		if _, dup := out[p.Row]; dup {
			t.Fatalf("row %d has two results lines", p.Row)
		}
		out[p.Row] = p
	}
	return out
}

func TestRunAllOK(t *testing.T) {
	rows := makeRows(t, 40)
	var results testutil.SyncBuffer
	var g testutil.Gauge
	sum, err := Run(context.Background(), Config{Jobs: 6, ResultsWriter: &results}, rows,
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			g.Enter()
			defer g.Leave()
			time.Sleep(time.Millisecond)
			return map[string]any{"user": row.Fields["user"], "deleted": row.Index}, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if sum.OK != 40 || sum.Failed != 0 || sum.Total != 40 || sum.Status() != RunOK {
		t.Errorf("summary %+v, status %d", sum, sum.Status())
	}
	if p := g.Peak(); p > 6 || p < 2 {
		t.Errorf("peak concurrency %d, want 2..6", p)
	}
	lines := parseResults(t, results.String())
	if len(lines) != 40 {
		t.Fatalf("%d results lines", len(lines))
	}
	ref := lines[1].RefTime
	for i, l := range lines {
		if l.Status != StatusOK || l.Attempts != 1 || l.Commit != OutcomeNone || l.Error != nil || !l.RefTime.Equal(ref) {
			t.Errorf("row %d: %+v", i, l)
		}
		if want := fmt.Sprintf("user%d@example.com", i); l.Key != want || l.Columns["user"] != want || l.Columns["host"] != "mx.example" {
			t.Errorf("row %d: key %q columns %v", i, l.Key, l.Columns)
		}
		if _, ok := l.Columns["pass"]; ok {
			t.Errorf("row %d: the secret column was written", i)
		}
		if r, _ := l.Result.(map[string]any); r["deleted"] != float64(i) {
			t.Errorf("row %d: result %v", i, l.Result)
		}
	}
}

func TestRunNoRows(t *testing.T) {
	var progress bytes.Buffer
	sum, err := Run(context.Background(), Config{Jobs: 4, Progress: &progress}, nil,
		func(context.Context, *Attempt) (any, error) { t.Error("job ran"); return nil, nil })
	if err != nil || sum.Status() != RunOK || sum.Total != 0 {
		t.Errorf("sum %+v err %v", sum, err)
	}
}

func TestRetries(t *testing.T) {
	connectErr := failure.New(failure.Connect, "connect to mx:110 failed: connection refused")
	timeoutErr := failure.New(failure.Timeout, "pop3#1: timeout after 10s waiting for ^\\+OK")
	tests := []struct {
		name         string
		retries      int
		errs         []error // the error of each attempt; nil: ok; past the end: the last
		commitBefore bool    // the job calls MarkCommit before failing
		wantAttempts int
		wantStatus   string
		wantKind     failure.Kind
		wantCommit   string
	}{
		{"connect retried until retries run out", 2, []error{connectErr}, false, 3, StatusFailed, failure.Connect, OutcomeNone},
		{"timeout retried until retries run out", 3, []error{timeoutErr}, false, 4, StatusFailed, failure.Timeout, OutcomeNone},
		{"connect then ok", 2, []error{connectErr, nil}, false, 2, StatusOK, "", OutcomeNone},
		{"no retries configured", 0, []error{connectErr}, false, 1, StatusFailed, failure.Connect, OutcomeNone},
		{"reply not retried", 5, []error{failure.New(failure.Reply, "-ERR auth failed")}, false, 1, StatusFailed, failure.Reply, OutcomeNone},
		{"eof not retried", 5, []error{failure.New(failure.EOF, "closed")}, false, 1, StatusFailed, failure.EOF, OutcomeNone},
		{"tls not retried", 5, []error{failure.New(failure.TLS, "bad cert")}, false, 1, StatusFailed, failure.TLS, OutcomeNone},
		{"script error not retried", 5, []error{errors.New("script.lua:3: boom")}, false, 1, StatusFailed, "", OutcomeNone},
		{"wrapped timeout retried", 1, []error{fmt.Errorf("step: %w", timeoutErr)}, false, 2, StatusFailed, failure.Timeout, OutcomeNone},
		{"timeout after commit not retried", 5, []error{timeoutErr}, true, 1, StatusFailed, failure.Timeout, OutcomeUnknown},
		{"connect after commit not retried", 5, []error{connectErr}, true, 1, StatusFailed, failure.Connect, OutcomeUnknown},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var attempts atomic.Int32
			var backoffs []int
			var results testutil.SyncBuffer
			cfg := Config{Retries: tt.retries, ResultsWriter: &results, sleep: noWait,
				Backoff: func(n int) time.Duration { backoffs = append(backoffs, n); return time.Hour }}
			sum, err := Run(context.Background(), cfg, makeRows(t, 1), func(ctx context.Context, at *Attempt) (any, error) {
				attempt := at.Number()
				n := int(attempts.Add(1))
				if attempt != n {
					t.Errorf("attempt argument %d on call %d", attempt, n)
				}
				if tt.commitBefore {
					if err := at.MarkCommit(); err != nil {
						t.Error(err)
					}
				}
				e := tt.errs[min(n, len(tt.errs))-1]
				if e == nil {
					return "done", nil
				}
				return nil, e
			})
			if err != nil {
				t.Fatal(err)
			}
			if got := int(attempts.Load()); got != tt.wantAttempts {
				t.Errorf("attempts = %d, want %d", got, tt.wantAttempts)
			}
			if len(backoffs) != tt.wantAttempts-1 {
				t.Errorf("backoffs %v for %d attempts", backoffs, tt.wantAttempts)
			}
			l := parseResults(t, results.String())[1]
			if l.Status != tt.wantStatus || l.Attempts != tt.wantAttempts || l.Commit != tt.wantCommit {
				t.Errorf("result line %+v", l)
			}
			if tt.wantStatus == StatusFailed && (l.Error == nil || l.Error.Kind != tt.wantKind) {
				t.Errorf("error %+v, want kind %q", l.Error, tt.wantKind)
			}
			wantRun := RunOK
			if tt.wantStatus == StatusFailed {
				wantRun = RunFailed
			}
			if sum.Status() != wantRun {
				t.Errorf("status %d, want %d", sum.Status(), wantRun)
			}
		})
	}
}

func TestDefaultBackoff(t *testing.T) {
	for n, want := range map[int]time.Duration{1: time.Second, 2: 2 * time.Second, 3: 4 * time.Second, 5: 16 * time.Second, 6: 30 * time.Second, 40: 30 * time.Second, 0: 30 * time.Second} {
		for range 50 {
			if d := DefaultBackoff(n); d < want/2 || d > want {
				t.Fatalf("DefaultBackoff(%d) = %v, want within [%v, %v]", n, d, want/2, want)
			}
		}
	}
}

func TestPanicFailsOnlyItsRow(t *testing.T) {
	var results testutil.SyncBuffer
	sum, err := Run(context.Background(), Config{Jobs: 3, ResultsWriter: &results}, makeRows(t, 5),
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			if row.Index == 2 {
				var m map[string]int
				m["x"] = 1 // a bug in the job
			}
			return nil, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	if sum.OK != 4 || sum.Failed != 1 || sum.FirstFailures[0].Key != "user2@example.com" ||
		!strings.Contains(sum.FirstFailures[0].Message, "panic in row job: assignment to entry in nil map") {
		t.Errorf("summary %+v", sum)
	}
	if strings.Contains(sum.FirstFailures[0].Message, "\n") {
		t.Errorf("failure message is not one line: %q", sum.FirstFailures[0].Message)
	}
}

func TestResultNotJSON(t *testing.T) {
	var results testutil.SyncBuffer
	_, err := Run(context.Background(), Config{ResultsWriter: &results}, makeRows(t, 1),
		func(context.Context, *Attempt) (any, error) { return func() {}, nil })
	if err != nil {
		t.Fatal(err)
	}
	l := parseResults(t, results.String())[1]
	if l.Status != StatusOK || l.Result != nil || !strings.Contains(l.ResultError, "cannot be written as JSON") {
		t.Errorf("line %+v", l)
	}
}

// failingWriter fails every write after the first n.
type failingWriter struct {
	mu sync.Mutex
	n  int
}

func (w *failingWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.n == 0 {
		return 0, errors.New("disk full")
	}
	w.n--
	return len(p), nil
}

func TestResultsWriteErrorStopsNewRows(t *testing.T) {
	var ran atomic.Int32
	sum, err := Run(context.Background(), Config{Jobs: 1, ResultsWriter: &failingWriter{n: 2}}, makeRows(t, 10),
		func(context.Context, *Attempt) (any, error) { ran.Add(1); return nil, nil })
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v", err)
	}
	if r := ran.Load(); r > 4 {
		t.Errorf("%d rows ran after the results file failed", r)
	}
	if sum.NotStarted < 6 || sum.Status() != RunFailed {
		t.Errorf("summary %+v status %d", sum, sum.Status())
	}
}

func TestSecretsNeverWritten(t *testing.T) {
	dir := t.TempDir()
	resultsPath, journalPath := dir+"/results.jsonl", dir+"/journal.jsonl"
	rows, err := ReadRows(strings.NewReader(
		"user,imap_password,pin,host\n"+
			"alice,Alice-Pw-77,4711x,mx\n"+
			"bob,Bob-Pw-88,4712x,mx\n"), FormatCSV)
	if err != nil {
		t.Fatal(err)
	}
	secrets := transcript.NewSecrets()
	var progress testutil.SyncBuffer
	cfg := Config{Jobs: 2, Results: resultsPath, Journal: journalPath, Secrets: secrets,
		SecretColumns: []string{"pin"}, Progress: &progress, sleep: noWait}
	sum, err := Run(context.Background(), cfg, rows, func(ctx context.Context, at *Attempt) (any, error) {
		row := at.Row()
		pw, pin := row.Fields["imap_password"], row.Fields["pin"]
		if err := at.RecordDeletion(JournalEntry{Mailbox: "INBOX", UID: "1", Subject: "your password is " + pw, Action: ActionDelete}); err != nil {
			return nil, err
		}
		if err := at.MarkCommit(); err != nil {
			return nil, err
		}
		if err := at.SetCommitOutcome(OutcomeCommitted); err != nil {
			return nil, err
		}
		if row.Fields["user"] == "bob" {
			return nil, failure.New(failure.Reply, "LOGIN %q %q refused (pin %s)", row.Fields["user"], pw, pin)
		}
		return map[string]any{"echo": pw, pw: pin, "nested": []any{pin, "x" + pw + "y"}}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var summary bytes.Buffer
	sum.Write(&summary)
	outputs := map[string]string{"summary": summary.String(), "progress": progress.String()}
	for name, path := range map[string]string{"results": resultsPath, "journal": journalPath} {
		b, err := readFile(path)
		if err != nil {
			t.Fatal(err)
		}
		outputs[name] = b
		assertMode0600(t, path)
	}
	for name, out := range outputs {
		for _, secret := range []string{"Alice-Pw-77", "Bob-Pw-88", "4711x", "4712x"} {
			if strings.Contains(out, secret) {
				t.Errorf("%s holds the secret %q:\n%s", name, secret, out)
			}
		}
	}
	for _, want := range []string{`"key":"alice"`, `"echo":"***"`, `"status":"failed"`, `"kind":"reply"`, `"commit":"committed"`} {
		if !strings.Contains(outputs["results"], want) {
			t.Errorf("results lack %s:\n%s", want, outputs["results"])
		}
	}
	if !strings.Contains(outputs["journal"], `"subject":"your password is ***"`) {
		t.Errorf("journal:\n%s", outputs["journal"])
	}
	if !strings.Contains(outputs["summary"], `bob: reply: LOGIN "bob" "***" refused (pin ***)`) {
		t.Errorf("summary:\n%s", outputs["summary"])
	}
	if sum.OK != 1 || sum.Failed != 1 {
		t.Errorf("summary %+v", sum)
	}
}

func TestPrintLinesCarryTheKey(t *testing.T) {
	var stdout testutil.SyncBuffer
	_, err := Run(context.Background(), Config{Jobs: 4, Stdout: &stdout}, makeRows(t, 8),
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			w := at.Stdout()
			fmt.Fprintf(w, "first line of %d\nsecond ", row.Index)
			fmt.Fprintf(w, "line of %d\nunterminated %d", row.Index, row.Index)
			return nil, nil
		})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
	if len(lines) != 24 {
		t.Fatalf("%d lines:\n%s", len(lines), stdout.String())
	}
	for i := 1; i <= 8; i++ {
		for _, want := range []string{"first line of %d", "second line of %d", "unterminated %d"} {
			line := fmt.Sprintf("[user%d@example.com] "+want, i, i)
			if !strings.Contains(stdout.String(), line+"\n") {
				t.Errorf("missing %q", line)
			}
		}
	}
	if w := (*Attempt)(nil).Stdout(); w == nil {
		t.Error("Stdout outside a run is nil")
	}
}

func readFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	return string(b), err
}

func assertMode0600(t *testing.T, path string) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if m := fi.Mode().Perm(); m != 0o600 {
		t.Errorf("%s has mode %v, want 0600", path, m)
	}
}
