// Package bulk runs a job once per row of a rows file, in parallel, with
// the limits, retries, records and safety a mailbox cleanup across
// thousands of accounts needs (`mailexpect --each rows.csv --jobs 32
// SCRIPT.lua`). It knows nothing of Lua: luabind supplies the Job
// (one Lua state per row, the compiled script shared) and the CLI the
// Config.
//
//	rows, err := bulk.ReadRowsFile("rows.csv")         // a usage error
//	sum, err := bulk.Run(ctx, bulk.Config{Jobs: 32, PerHost: 4, Retries: 2,
//		Results: "results.jsonl", Journal: "journal.jsonl", Secrets: secrets,
//		Progress: os.Stderr, IsTerminal: bulk.IsTerminal(os.Stderr),
//		Stdout: os.Stdout, StdoutIsTerminal: bulk.IsTerminal(os.Stdout)},
//		rows, job)
//	sum.Write(os.Stderr)
//	switch sum.Status() { ... }                         // RunOK, RunFailed, RunInterrupted: the caller's exit code
//
// # Rows
//
// CSV with a header line, or JSON Lines (one object of scalar values per
// line), told apart by the file extension or else the first byte. Every
// row is read before the run starts, so a syntax error on line 4000 stops
// the run before any mailbox is touched. A row's key (Row.Key) names it
// in print lines, progress, results and the summary: the key column, else
// user, username, login, email or mailbox, else "row N".
//
// Columns named like passwords (pass, password, passwd, passphrase, pwd,
// secret, token, or with one of them as a word: imap_password) and those
// named in Config.SecretColumns are secret: their values are registered
// with the run's transcript.Secrets, so every output masks them, and they
// are never written to results, the journal or the summary.
//
// # Commit point and cancellation
//
// A commit runs from MarkCommit (called by a protocol module right before
// sending POP3 QUIT after DELE, or an IMAP \Deleted store, EXPUNGE or
// MOVE) to SetCommitOutcome (its reply came: committed, or it did not:
// unknown). Before a row's first commit, stopping it or running it again
// loses nothing: POP3 rolls DELE back without QUIT, and nothing
// destructive went to IMAP. During a commit, stopping would leave its
// outcome unknown, and after one, a retry would select against a mailbox
// that already changed.
//
// So a row's context keeps the values of the run's context but not its
// cancellation. When the run is interrupted (the caller cancels its
// context on SIGINT or SIGTERM, or its deadline passes), or the row's own
// timeout passes:
//   - a row with no commit under way is cancelled at once;
//   - a row with a commit under way finishes it: it is cancelled as soon
//     as SetCommitOutcome ends the commit, or when Config.CommitGrace runs
//     out, whichever is first;
//   - MarkCommit refuses to begin another commit.
//
// No new row starts once the run is interrupted. A row is retried
// (Config.Retries, waiting Config.Backoff) only when its error is of kind
// connect or timeout (failure.KindOf; a row timeout counts as timeout)
// and MarkCommit was never called in the attempt; any other error, or
// any error after the commit point, fails the row at once.
//
// # The attempt: what the job gets
//
// The job is handed the row's *Attempt, and passes it on to whatever
// needs it (nothing travels in the context):
//
//   - AcquireHost(ctx, host): session.Options.Acquire; the session calls
//     it before connecting and releases on close; it enforces --per-host.
//   - RecordDeletion(entry): a module journals each message before
//     MarkCommit, and does not commit if it fails.
//   - MarkCommit() before the destructive command; do not send it if
//     MarkCommit fails. SetCommitOutcome(OutcomeCommitted or
//     OutcomeUnknown) when its reply came or did not.
//   - RefTime(): the run's reference time for age criteria, the same in
//     a resumed run as in the run it continues.
//   - Stdout(): the row's print output, lines prefixed with the key.
//
// Every method works on a nil *Attempt and then does nothing harmful, so
// code that runs both in and outside a bulk run holds one pointer.
//
// # Outputs
//
// --results (see resultLine) gets one JSON line per row as rows finish;
// --resume reads such a file and skips the rows that were ok in the run
// it continues, reusing that run's reference time; --journal (see
// Journal) records each message deleted, fsynced before the commit. Each
// is created 0600 and appended to, and everything written is masked with
// the run's secrets. Progress goes to Config.Progress: a live bar (mpb)
// on a terminal, else a line every Config.ProgressInterval and one at
// the end:
//
//	progress: 1200/5000 done, 3 failed, 85.2 rows/s, ETA 44s
package bulk
