package bulk

import (
	"context"
	"encoding/hex"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/failure"
)

// runRecording runs rows with a job that fails the rows in fail and
// returns the rows it ran and the reference times it saw.
func runRecording(t *testing.T, cfg Config, rows []Row, fail ...int) (Summary, []int, []time.Time) {
	t.Helper()
	var mu sync.Mutex
	var ran []int
	var refs []time.Time
	sum, err := Run(context.Background(), cfg, rows, func(ctx context.Context, at *Attempt) (any, error) {
		row := at.Row()
		ref, ok := at.RefTime()
		if !ok {
			t.Error("no RefTime in a row's context")
		}
		mu.Lock()
		ran = append(ran, row.Index)
		refs = append(refs, ref)
		mu.Unlock()
		if slices.Contains(fail, row.Index) {
			return nil, failure.New(failure.Reply, "-ERR mailbox locked")
		}
		return nil, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(ran)
	return sum, ran, refs
}

func at(hour int) func() time.Time {
	return func() time.Time { return time.Date(2026, 3, 1, hour, 0, 0, 0, time.UTC) }
}

func TestResume(t *testing.T) {
	path := t.TempDir() + "/results.jsonl"
	rows := makeRows(t, 6)

	// First run, at 01:00: rows 2 and 4 fail.
	sum, ran, refs := runRecording(t, Config{Jobs: 3, Results: path, Now: at(1)}, rows, 2, 4)
	if sum.OK != 4 || sum.Failed != 2 || len(ran) != 6 || !refs[0].Equal(at(1)()) {
		t.Fatalf("first run: %+v ran %v", sum, ran)
	}
	assertMode0600(t, path)

	// Resumed at 02:00 into the same file: only 2 and 4 run, with the
	// first run's reference time.
	sum, ran, refs = runRecording(t, Config{Jobs: 3, Results: path, Resume: path, Now: at(2)}, makeRows(t, 6), 4)
	if !slices.Equal(ran, []int{2, 4}) || sum.Skipped != 4 || sum.OK != 1 || sum.Failed != 1 {
		t.Fatalf("resume: ran %v summary %+v", ran, sum)
	}
	for _, r := range refs {
		if !r.Equal(at(1)()) {
			t.Errorf("resumed row saw reference time %v, want the first run's %v", r, at(1)())
		}
	}

	// Again: only 4 is left.
	_, ran, _ = runRecording(t, Config{Results: path, Resume: path, Now: at(3)}, makeRows(t, 6))
	if !slices.Equal(ran, []int{4}) {
		t.Fatalf("second resume ran %v", ran)
	}
	// And then nothing.
	sum, ran, _ = runRecording(t, Config{Results: path, Resume: path, Now: at(4)}, makeRows(t, 6))
	if len(ran) != 0 || sum.Skipped != 6 || sum.Status() != RunOK {
		t.Fatalf("third resume ran %v summary %+v", ran, sum)
	}

	// A new run appended to the same file starts a new chain: a resume
	// after it does not take last chain's successes for its own.
	runRecording(t, Config{Results: path, Now: at(5)}, makeRows(t, 6), 1, 6)
	_, ran, refs = runRecording(t, Config{Results: path, Resume: path, Now: at(6)}, makeRows(t, 6))
	if !slices.Equal(ran, []int{1, 6}) || !refs[0].Equal(at(5)()) {
		t.Fatalf("resume of the new chain ran %v refs %v", ran, refs)
	}
}

func TestResumeTellsRowsApart(t *testing.T) {
	dir := t.TempDir()
	read := func(text string) []Row {
		rows, err := ReadRows(strings.NewReader(text), FormatCSV)
		if err != nil {
			t.Fatal(err)
		}
		return rows
	}
	path := dir + "/r.jsonl"
	// Two identical rows are two pieces of work; the key is the same for
	// rows 3 and 4 but the host differs.
	first := "user,pass,host\nann,p1,mx\nann,p1,mx\nbob,p2,mx1\nbob,p2,mx2\n"
	runRecording(t, Config{Results: path, Now: at(1)}, read(first), 2, 4)
	_, ran, _ := runRecording(t, Config{Resume: path, Now: at(2)}, read(first))
	if !slices.Equal(ran, []int{2, 4}) {
		t.Errorf("ran %v, want the second ann and bob@mx2", ran)
	}
	// A changed password is the same row; a changed column is not.
	second := "user,pass,host\nann,NEW,mx\nann,p1,mx\nbob,p2,mx1\nbob,p2,mx9\n"
	_, ran, _ = runRecording(t, Config{Resume: path, Now: at(2)}, read(second))
	if !slices.Equal(ran, []int{2, 4}) {
		t.Errorf("ran %v", ran)
	}
}

func TestParseResume(t *testing.T) {
	ok := `{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","status":"ok","ref_time":"2026-03-01T01:00:00Z"}` + "\n"
	tests := []struct {
		name    string
		text    string
		wantErr string
		done    []string
	}{
		{"empty", "", "", nil},
		{"torn last line ignored", ok + `{"id":"bbbbbbbbbbbbbbbbbbbbbbbb","status":"o`, "", []string{"aaaaaaaaaaaaaaaaaaaaaaaa"}},
		{"garbage mid-file", ok + "not json\n" + ok, "2: ", nil},
		{"an id that is not one", `{"id":"a","status":"ok","ref_time":"2026-03-01T01:00:00Z"}` + "\n", "1: not a results line (id \"a\"", nil},
		{"not a results file", `{"user":"x"}` + "\n", "1: not a results line", nil},
		{"failed rows are not done", ok + `{"id":"bbbbbbbbbbbbbbbbbbbbbbbb","status":"failed","ref_time":"2026-03-01T01:00:00Z"}` + "\n" +
			`{"id":"cccccccccccccccccccccccc","status":"skipped","ref_time":"2026-03-01T01:00:00Z"}` + "\n", "", []string{"aaaaaaaaaaaaaaaaaaaaaaaa", "cccccccccccccccccccccccc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := parseResume(strings.NewReader(tt.text))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var done []string
			for id := range st.done {
				done = append(done, hex.EncodeToString(id[:]))
			}
			slices.Sort(done)
			if !slices.Equal(done, tt.done) {
				t.Errorf("done %v, want %v", done, tt.done)
			}
		})
	}
}

func TestResumeMissingFile(t *testing.T) {
	dir := t.TempDir()
	_, err := Run(context.Background(), Config{Resume: dir + "/nope.jsonl", Results: dir + "/new.jsonl"}, makeRows(t, 1),
		func(context.Context, *Attempt) (any, error) { t.Error("ran"); return nil, nil })
	if err == nil || !strings.Contains(err.Error(), "resume:") {
		t.Errorf("err %v", err)
	}
	if _, serr := os.Stat(dir + "/new.jsonl"); serr == nil {
		t.Error("the results file was created although the run never started")
	}
}
