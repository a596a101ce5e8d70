package bulk

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/mailexpect/mailexpect/runtime/transcript"
)

// Journal is the --journal file: one JSON line for every message a row is
// about to delete (or, under --dry-run, would delete), written and fsynced
// before the commit point, then a line with the outcome of the commit.
// After a crash, a power cut or a QUIT that got no reply, it says exactly
// which messages may be gone.
//
//	{"time":"…","row":3,"key":"alice@example.com","mailbox":"INBOX","uid":"4711","uidvalidity":1700000000,"size":2048,"message_id":"<a@b>","date":"Tue, 1 Oct 2024 10:00:00 +0000","subject":"old newsletter","action":"delete","outcome":"pending"}
//	{"time":"…","row":3,"key":"alice@example.com","outcome":"committed","entries":1}
//
// An outcome line settles every earlier entry of the same row (same "row"
// number) that no earlier outcome line settled. Outcomes: "committed" (the
// server confirmed), "unknown" (the commit was sent and not confirmed:
// check the mailbox), "none" (the row ended before its commit point:
// nothing was deleted). Entries with no outcome line at all were written
// by a run that died: treat them as unknown.
//
// Strings are masked with the run's secrets. A write or fsync error is
// sticky: every later Record fails, and so every later commit is refused.
// The file is created 0600 and appended to. A nil *Journal records nothing.
type Journal struct {
	mu      sync.Mutex
	f       syncWriter
	secrets *transcript.Secrets
	now     func() time.Time
	err     error
}

// syncWriter is what the journal writes to: an *os.File, or a fake in
// tests that checks the order of writes and syncs.
type syncWriter interface {
	io.Writer
	Sync() error
	Close() error
}

// JournalEntry describes one message to be deleted.
type JournalEntry struct {
	Time        time.Time `json:"time"`                  // set by Record when zero
	Row         int       `json:"row,omitempty"`         // row number; set by RecordDeletion
	Key         string    `json:"key"`                   // row key; set by RecordDeletion
	Mailbox     string    `json:"mailbox,omitempty"`     // IMAP mailbox; for POP3 the account, as the module names it
	UID         string    `json:"uid"`                   // IMAP UID or POP3 UIDL
	UIDValidity uint32    `json:"uidvalidity,omitempty"` // IMAP: the UID is meaningless without it
	Size        int64     `json:"size"`                  // octets, as the server reports them
	MessageID   string    `json:"message_id"`
	Date        string    `json:"date"` // the Date header as sent, not reparsed
	Subject     string    `json:"subject"`
	// A whole mailbox (IMAP DELETE, RENAME) is one entry with UID "*":
	// Messages is how many it held, Target where RENAME takes them.
	Messages int64  `json:"messages,omitempty"`
	Target   string `json:"target,omitempty"`
	Action   string `json:"action"`  // ActionDelete or ActionWouldDelete
	Outcome  string `json:"outcome"` // written as "pending"
}

// Journal actions.
const (
	ActionDelete      = "delete"
	ActionWouldDelete = "would-delete" // --dry-run
)

// journalOutcome is the line that settles a row's pending entries.
type journalOutcome struct {
	Time    time.Time `json:"time"`
	Row     int       `json:"row,omitempty"`
	Key     string    `json:"key"`
	Outcome string    `json:"outcome"`
	Entries int       `json:"entries,omitempty"` // how many entries it settles
}

// OpenJournal opens (creating it 0600) the journal file at path for
// appending. A file it creates is made durable in its directory at once,
// so that a crash cannot lose the journal along with the deletions.
func OpenJournal(path string, secrets *transcript.Secrets) (*Journal, error) {
	f, created, err := openAppend(path)
	if err != nil {
		return nil, fmt.Errorf("journal: %w", err)
	}
	if created {
		if err := syncDir(filepath.Dir(path)); err != nil {
			f.Close()
			return nil, fmt.Errorf("journal: %w", err)
		}
	}
	return newJournal(f, secrets), nil
}

func newJournal(f syncWriter, secrets *transcript.Secrets) *Journal {
	return &Journal{f: f, secrets: secrets, now: time.Now}
}

// openAppend opens path for appending, creating it with mode 0600 (as
// every output file of a bulk run: they name mailboxes and what was in
// them). created says whether this call created it.
func openAppend(path string) (f *os.File, created bool, err error) {
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|os.O_EXCL, 0o600)
	if err == nil {
		return f, true, nil
	}
	if !errors.Is(err, os.ErrExist) {
		return nil, false, err
	}
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	return f, false, err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// Record writes e with outcome "pending" and returns only once the line
// is on disk (fsync), so that a commit point reached after it is covered.
func (j *Journal) Record(e JournalEntry) error {
	if j == nil {
		return nil
	}
	if e.Action != ActionDelete && e.Action != ActionWouldDelete {
		return fmt.Errorf("journal: action %q: want %q or %q", e.Action, ActionDelete, ActionWouldDelete)
	}
	e.Outcome = "pending"
	j.mu.Lock()
	defer j.mu.Unlock()
	if e.Time.IsZero() {
		e.Time = j.now()
	}
	return j.writeLocked(e)
}

// Outcome appends an outcome line (OutcomeCommitted, OutcomeUnknown or
// OutcomeNone) for the row of this key, settling its pending entries, and
// fsyncs. Bulk runs write these lines themselves through SetCommitOutcome.
func (j *Journal) Outcome(key, outcome string) error {
	return j.outcome(Row{}, key, outcome, 0)
}

func (j *Journal) outcome(row Row, key, outcome string, entries int) error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.writeLocked(journalOutcome{Time: j.now(), Row: row.Index, Key: key, Outcome: outcome, Entries: entries})
}

func (j *Journal) writeLocked(v any) error {
	if j.err != nil {
		return j.err
	}
	line, err := maskedJSONLine(v, j.secrets)
	if err != nil {
		return fmt.Errorf("journal: %w", err)
	}
	if _, err := j.f.Write(append(line, '\n')); err != nil {
		j.err = fmt.Errorf("journal: %w", err)
		return j.err
	}
	if err := j.f.Sync(); err != nil {
		j.err = fmt.Errorf("journal: fsync: %w", err)
		return j.err
	}
	return nil
}

// Err returns the first write or fsync error, if any.
func (j *Journal) Err() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.err
}

// Close syncs and closes the file.
func (j *Journal) Close() error {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	serr := j.f.Sync()
	cerr := j.f.Close()
	if j.err != nil {
		return j.err
	}
	if serr != nil {
		return serr
	}
	return cerr
}

// RecordDeletion is how a protocol module journals a message it is about
// to delete (or, under --dry-run, would delete) in a bulk run: the entry
// gets the row's number and key, is written and fsynced, and counts as
// pending until the commit's outcome settles it. Call it for every
// message before MarkCommit; if it fails, do not commit. Without
// --journal, or on a nil Attempt, it does nothing.
func (a *Attempt) RecordDeletion(e JournalEntry) error {
	if a == nil || a.run.journal == nil {
		return nil
	}
	e.Row, e.Key = a.row.Index, a.key
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.run.journal.Record(e); err != nil {
		if a.journalErr == nil {
			a.journalErr = err
		}
		return err
	}
	a.pending++
	if a.inCommit {
		a.pendingCommitted = true
	}
	return nil
}

// WithdrawDeletions says that the row's pending journal entries will not
// be deleted: the server unmarked them before any commit point (POP3
// RSET answered +OK, RFC 1939 5). They are settled at once as
// OutcomeNone, so a later commit settles only what is marked after it.
// Entries recorded after a commit began are left to that commit's
// outcome.
func (a *Attempt) WithdrawDeletions() error {
	if a == nil || a.run.journal == nil {
		return nil
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.pendingCommitted {
		return a.journalErr
	}
	a.settleLocked(OutcomeNone)
	return a.journalErr
}
