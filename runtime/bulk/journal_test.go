package bulk

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// fakeFile records the order of writes and syncs, and can fail either.
type fakeFile struct {
	mu        sync.Mutex
	ops       []string // "write <line>", "sync", "close"
	failWrite error
	failSync  error
}

func (f *fakeFile) Write(p []byte) (int, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failWrite != nil {
		return 0, f.failWrite
	}
	f.ops = append(f.ops, "write "+string(p))
	return len(p), nil
}

func (f *fakeFile) Sync() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failSync != nil {
		return f.failSync
	}
	f.ops = append(f.ops, "sync")
	return nil
}

func (f *fakeFile) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.ops = append(f.ops, "close")
	return nil
}

func (f *fakeFile) lastOp() string {
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.ops) == 0 {
		return ""
	}
	return f.ops[len(f.ops)-1]
}

func (f *fakeFile) writes() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var w []string
	for _, op := range f.ops {
		if line, ok := strings.CutPrefix(op, "write "); ok {
			w = append(w, line)
		}
	}
	return w
}

func TestJournalRecordSyncsBeforeReturning(t *testing.T) {
	f := &fakeFile{}
	s := transcript.NewSecrets()
	s.Add("Hunter-22")
	j := newJournal(f, s)
	j.now = func() time.Time { return time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC) }
	err := j.Record(JournalEntry{Key: "alice", Mailbox: "INBOX", UID: "4711", UIDValidity: 17, Size: 2048,
		MessageID: "<a@b>", Date: "Tue, 1 Oct 2024 10:00:00 +0000", Subject: "pw Hunter-22 <&>", Action: ActionDelete})
	if err != nil {
		t.Fatal(err)
	}
	if len(f.ops) != 2 || !strings.HasPrefix(f.ops[0], "write ") || f.ops[1] != "sync" {
		t.Fatalf("ops %q, want one write then a sync", f.ops)
	}
	want := `{"time":"2026-03-01T00:00:00Z","key":"alice","mailbox":"INBOX","uid":"4711","uidvalidity":17,"size":2048,"message_id":"<a@b>","date":"Tue, 1 Oct 2024 10:00:00 +0000","subject":"pw *** <&>","action":"delete","outcome":"pending"}` + "\n"
	if got := strings.TrimPrefix(f.ops[0], "write "); got != want {
		t.Errorf("line\n%s\nwant\n%s", got, want)
	}
	if err := j.Outcome("alice", OutcomeCommitted); err != nil || f.lastOp() != "sync" {
		t.Errorf("Outcome: %v, ops %q", err, f.ops)
	}
	if err := j.Record(JournalEntry{UID: "1", Action: "purge"}); err == nil {
		t.Error("an unknown action was recorded")
	}
	if err := j.Close(); err != nil || f.lastOp() != "close" {
		t.Errorf("Close: %v %q", err, f.ops)
	}
}

func TestJournalErrorsAreSticky(t *testing.T) {
	for _, tt := range []struct {
		name string
		f    *fakeFile
	}{
		{"write", &fakeFile{failWrite: errors.New("disk full")}},
		{"sync", &fakeFile{failSync: errors.New("EIO")}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			j := newJournal(tt.f, nil)
			if err := j.Record(JournalEntry{UID: "1", Action: ActionDelete}); err == nil {
				t.Fatal("no error")
			}
			tt.f.failWrite, tt.f.failSync = nil, nil
			if err := j.Record(JournalEntry{UID: "2", Action: ActionDelete}); err == nil || j.Err() == nil {
				t.Error("a journal that failed once accepted another entry")
			}
		})
	}
}

// synced reports whether the line holding text was written and a sync
// followed it.
func (f *fakeFile) synced(text string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i, op := range f.ops {
		if strings.HasPrefix(op, "write ") && strings.Contains(op, text) {
			for _, later := range f.ops[i+1:] {
				if later == "sync" {
					return true
				}
			}
			return false
		}
	}
	return false
}

func TestCommitComesAfterTheJournalSync(t *testing.T) {
	f := &fakeFile{}
	secrets := transcript.NewSecrets()
	var mu sync.Mutex
	var commits int
	sum, err := Run(context.Background(), Config{Jobs: 4, Secrets: secrets, journal: newJournal(f, secrets)}, makeRows(t, 20),
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			for _, uid := range []string{"a", "b", "c"} {
				if err := at.RecordDeletion(JournalEntry{UID: uid, Action: ActionDelete}); err != nil {
					return nil, err
				}
				if line := fmt.Sprintf(`"row":%d,"key":"user%d@example.com","uid":"%s"`, row.Index, row.Index, uid); !f.synced(line) {
					t.Errorf("RecordDeletion returned before %s was synced", line)
				}
			}
			if err := at.MarkCommit(); err != nil {
				return nil, err
			}
			mu.Lock()
			commits++
			mu.Unlock()
			return nil, at.SetCommitOutcome(OutcomeCommitted)
		})
	if err != nil || sum.OK != 20 || commits != 20 {
		t.Fatalf("summary %+v, %d commits, err %v", sum, commits, err)
	}
	// Each row: 3 pending lines, then an outcome line settling all 3.
	settled := map[int]int{}
	for _, line := range f.writes() {
		var l struct {
			Row     int
			Outcome string
			Entries int
		}
		if err := json.Unmarshal([]byte(line), &l); err != nil {
			t.Fatal(err)
		}
		if l.Outcome == OutcomeCommitted {
			settled[l.Row] += l.Entries
		}
	}
	for row := 1; row <= 20; row++ {
		if settled[row] != 3 {
			t.Errorf("row %d: %d entries settled", row, settled[row])
		}
	}
}

func TestJournalFailureRefusesCommits(t *testing.T) {
	f := &fakeFile{}
	var commits []int
	sum, err := Run(context.Background(), Config{Jobs: 1, journal: newJournal(f, nil)}, makeRows(t, 5),
		func(ctx context.Context, at *Attempt) (any, error) {
			row := at.Row()
			if row.Index == 3 {
				f.mu.Lock()
				f.failSync = errors.New("EIO")
				f.mu.Unlock()
			}
			rerr := at.RecordDeletion(JournalEntry{UID: "1", Action: ActionDelete})
			if err := at.MarkCommit(); err != nil {
				if !strings.Contains(err.Error(), "journal") {
					t.Errorf("MarkCommit refused for another reason: %v", err)
				}
				return nil, err
			}
			if rerr != nil {
				t.Errorf("row %d: MarkCommit allowed after RecordDeletion failed", row.Index)
			}
			commits = append(commits, row.Index)
			return nil, at.SetCommitOutcome(OutcomeCommitted)
		})
	if err == nil || !strings.Contains(err.Error(), "EIO") {
		t.Errorf("Run error %v: a journal failure must fail the run", err)
	}
	if !slices.Equal(commits, []int{1, 2}) || sum.OK != 2 || sum.Failed != 3 {
		t.Errorf("commits %v summary %+v", commits, sum)
	}
}

func TestOpenJournalFile(t *testing.T) {
	dir := t.TempDir()
	path := dir + "/journal.jsonl"
	for i := range 2 { // created, then appended to
		j, err := OpenJournal(path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := j.Record(JournalEntry{Key: "k", UID: string(rune('1' + i)), Action: ActionWouldDelete}); err != nil {
			t.Fatal(err)
		}
		if err := j.Close(); err != nil {
			t.Fatal(err)
		}
	}
	assertMode0600(t, path)
	text, _ := readFile(path)
	if n := strings.Count(text, `"action":"would-delete","outcome":"pending"`); n != 2 {
		t.Errorf("journal after two opens:\n%s", text)
	}
	// A file the user made keeps its mode: the journal only creates 0600.
	other := dir + "/mine.jsonl"
	os.WriteFile(other, nil, 0o640)
	j, err := OpenJournal(other, nil)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	if fi, _ := os.Stat(other); fi.Mode().Perm() != 0o640 {
		t.Errorf("mode changed to %v", fi.Mode().Perm())
	}
	if _, err := OpenJournal(dir+"/no/such/dir/j.jsonl", nil); err == nil {
		t.Error("no error for a journal in a missing directory")
	}
	var none *Journal
	if none.Record(JournalEntry{}) != nil || none.Outcome("k", OutcomeNone) != nil || none.Close() != nil || none.Err() != nil {
		t.Error("nil journal")
	}
}
