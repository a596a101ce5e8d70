package luabind

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	lua "github.com/mailexpect/mailexpect/third_party/gopher-lua"

	"github.com/mailexpect/mailexpect/runtime/bulk"
	"github.com/mailexpect/mailexpect/runtime/failure"
)

// BulkJob returns the job of a bulk run (`mailexpect --each rows.csv
// SCRIPT.lua`): for every row, a Lua state runs proto (compiled once,
// shared by all rows) with
//
//   - the read-only global row: the row's columns, every value a string
//     (a JSON null leaves its column out, so the script sees nil);
//   - print going to the attempt's Stdout (lines prefixed with the row
//     key, above the progress bar on a terminal), and log lines and
//     warnings on cfg.Stderr with the same prefix;
//   - the attempt wired to the modules' hooks (mailexpect.internal
//     commit_point, commit_outcome, journal, journal_enabled, ref_time)
//     and to every connect's per-host limit (session.Options.Acquire).
//
// The row's result is the chunk's first return value (a table becomes a
// JSON-able map or slice). A failed row returns a *failure.Error keeping
// the error's kind, so the pool retries only connect and timeout errors;
// an error without a kind (a script bug, error("...")) stays kind-less. A
// script's exit(0) is a success, exit(n) any other code a failure.
//
// A row runs in a state of its own, as if fresh: a worker's state is
// reused for its next row only when the row ended normally and left the
// state exactly as it was before the row (bulkstate.go); else the next
// row gets a new state.
//
// cfg.Secrets must be the registry given to bulk.Config.Secrets: the pool
// registers the secret columns there, and every output of the rows masks
// with it. cfg.MaxTime, if set, bounds each row; a whole-run deadline belongs on
// the run's context instead.
func BulkJob(cfg Config, proto *lua.FunctionProto) bulk.Job {
	if cfg.Secrets == nil {
		panic("luabind.BulkJob: cfg.Secrets is nil; give the run's registry (the one in bulk.Config.Secrets)")
	}
	if cfg.Stderr == nil {
		cfg.Stderr = io.Discard
	}
	if cfg.Restricted {
		cfg.allowed = &allowedHosts{} // found once for every row
	}
	states, modules := &statePool{}, scriptModules(proto)
	if cfg.statePool != nil {
		states = cfg.statePool // a test counts the states
	}
	return func(ctx context.Context, a *bulk.Attempt) (any, error) {
		a.TrackColumns() // the global row tells what the script reads
		row := a.Row()
		key := a.Key() // masked, as the pool shows it
		c := cfg
		c.Stdout = a.Stdout()
		c.PrintPrefix = "" // the attempt's Stdout prefixes the key
		c.LabelPrefix = "[" + key + "]"
		stderr := bulk.PrefixWriter(cfg.Stderr, key)
		defer stderr.Flush()
		c.Stderr = stderr
		fields := make(map[string]any, len(row.Fields))
		for k, v := range row.Fields {
			fields[k] = v
		}
		c.ReadOnly = make(map[string]any, len(cfg.ReadOnly)+1)
		for k, v := range cfg.ReadOnly {
			c.ReadOnly[k] = v
		}
		c.ReadOnly["row"] = fields
		if c.Transcript != nil { // the arguments would be boxed for nothing
			c.Transcript.Logf("bulk", "row %d (%s), attempt %d", row.Index, key, a.Number())
		}

		var result any
		c.Attempt = a
		rn := NewRunner(c)
		rn.onReturn = func(r *run, L *lua.LState, v lua.LValue) { result = luaToGo(v, 0, nil, r.through(L)) }
		code, err := states.run(ctx, rn, proto, modules)
		if err != nil {
			var re *RunError
			if errors.As(err, &re) && re.Kind != "" {
				return result, &failure.Error{Kind: re.Kind, Message: re.Error(), Err: re}
			}
			return result, err
		}
		if code != ExitOK {
			return result, fmt.Errorf("the script called exit(%d)", code)
		}
		return result, nil
	}
}

// maxResultDepth bounds the nesting of a row's result.
const maxResultDepth = 32

// luaToGo converts a row's return value into plain data that
// encoding/json writes: nil, bool, string, int64 or float64 (NaN and
// infinities as strings), []any for a sequence 1..n, map[string]any for
// any other table (keys written as strings). Functions and other values
// that have no data are written as their type name in angle brackets; a
// table met again inside itself, or nested too deep, as "<cycle>" or
// "<too deep>". A read-only proxy (row, sandbox) shows its table, which
// through gives (nil: no proxies).
func luaToGo(v lua.LValue, depth int, seen map[*lua.LTable]bool, through func(*lua.LTable) *lua.LTable) any {
	switch v := v.(type) {
	case *lua.LNilType:
		return nil
	case lua.LBool:
		return bool(v)
	case lua.LString:
		return string(v)
	case lua.LNumber:
		f := float64(v)
		switch {
		case math.IsNaN(f) || math.IsInf(f, 0):
			return v.String()
		case f == math.Trunc(f) && math.Abs(f) < 1<<53:
			return int64(f)
		}
		return f
	case *lua.LTable:
		if depth >= maxResultDepth {
			return "<too deep>"
		}
		if seen[v] {
			return "<cycle>"
		}
		if seen == nil {
			seen = map[*lua.LTable]bool{}
		}
		seen[v] = true
		defer delete(seen, v)
		if through != nil {
			if target := through(v); target != nil {
				v = target
			}
		}
		n, count := v.Len(), 0
		v.ForEach(func(lua.LValue, lua.LValue) { count++ })
		if n > 0 && n == count {
			out := make([]any, n)
			for i := 1; i <= n; i++ {
				out[i-1] = luaToGo(v.RawGetInt(i), depth+1, seen, through)
			}
			return out
		}
		out := make(map[string]any, count)
		v.ForEach(func(k, val lua.LValue) {
			var name string
			switch k := k.(type) {
			case lua.LString:
				name = string(k)
			case lua.LNumber, lua.LBool:
				name = k.String()
			default:
				name = "<" + k.Type().String() + ">"
			}
			out[name] = luaToGo(val, depth+1, seen, through)
		})
		return out
	}
	return "<" + v.Type().String() + ">"
}

// addBulkHooks adds the bulk run's hooks to mailexpect.internal, for the
// deletion-safety policy of the protocol modules, which only
// modules/mailexpect.safety.lua calls (see "Commit point and
// cancellation" in runtime/bulk);
// they call the run's *bulk.Attempt (Config.Attempt: a bulk row's, or a
// single run's with --journal; nil otherwise):
//
//	rt.commit_point()            before POP3 QUIT after DELE, an IMAP \Deleted
//	                             STORE, EXPUNGE or MOVE; raises (kind timeout,
//	                             or the journal's error) when the row may not
//	                             commit: then send nothing
//	rt.commit_outcome(outcome)   "committed" (the reply came) or "unknown"
//	rt.journal{mailbox=, uid= | uidl=, uidvalidity=, size=, message_id=,
//	           date=, subject=, headers=}
//	                             journal a message about to be deleted (under
//	                             --dry-run: that would be), before commit_point;
//	                             headers (TOP n 0, a FETCH of the header) fills
//	                             in message_id, date and subject when not given
//	rt.journal_withdraw()        the messages journaled so far are no longer
//	                             marked (POP3 RSET answered +OK): settled as
//	                             "none" at once
//	rt.journal_enabled()         whether the run has --journal
//	rt.ref_time()                the run's reference time, epoch seconds: the
//	                             same in a --resume'd run as in the first one
//	rt.credentials_used(user, secret)
//	                             a login (mailexpect.sasl): the summary says
//	                             where the row's credentials came from
//
// Without an attempt they are harmless: commit_point raises only when the
// run itself was stopped, commit_outcome and journal do nothing,
// journal_enabled is false and ref_time is the run's start.
func (r moduleHooks) addBulkHooks(L *lua.LState, t *lua.LTable) {
	t.RawSetString("commit_point", L.NewFunction(func(L *lua.LState) int {
		err := r.attempt.MarkCommit()
		if r.attempt == nil {
			err = r.ctx.Err() // outside a bulk run: refused only when the run was stopped
		}
		if err != nil {
			var fe *failure.Error
			if !errors.As(err, &fe) {
				kind := failure.Usage // the journal could not be written
				if r.ctx.Err() != nil {
					kind = failure.Timeout
				}
				fe = &failure.Error{Kind: kind, Stage: "commit", Err: err,
					Message: "commit refused, nothing sent: " + err.Error()}
			}
			// Not raiseOp: the message already says what stopped it.
			L.Error(newErrorObject(L, fe, r.mask), 0)
		}
		return 0
	}))
	t.RawSetString("commit_outcome", L.NewFunction(func(L *lua.LState) int {
		outcome := r.checkString(L, 1, "commit_outcome")
		if outcome != bulk.OutcomeCommitted && outcome != bulk.OutcomeUnknown {
			r.usage(L, "commit_outcome: want %q or %q, got %q", bulk.OutcomeCommitted, bulk.OutcomeUnknown, outcome)
		}
		if err := r.attempt.SetCommitOutcome(outcome); err != nil {
			L.Error(newErrorObject(L, &failure.Error{Kind: failure.Usage, Stage: "commit", Err: err,
				Message: "the commit is done (" + outcome + "), but " + err.Error()}, r.mask), 0)
		}
		return 0
	}))
	t.RawSetString("journal", L.NewFunction(func(L *lua.LState) int {
		e := r.journalEntry(L, r.checkTable(L, 1, "journal"))
		if err := r.attempt.RecordDeletion(e); err != nil {
			L.Error(newErrorObject(L, &failure.Error{Kind: failure.Usage, Stage: "journal", Err: err,
				Message: err.Error() + "; nothing will be committed"}, r.mask), 0)
		}
		return 0
	}))
	t.RawSetString("journal_withdraw", L.NewFunction(func(L *lua.LState) int {
		if err := r.attempt.WithdrawDeletions(); err != nil {
			L.Error(newErrorObject(L, &failure.Error{Kind: failure.Usage, Stage: "journal", Err: err,
				Message: err.Error() + "; nothing will be committed"}, r.mask), 0)
		}
		return 0
	}))
	t.RawSetString("journal_enabled", L.NewFunction(func(L *lua.LState) int {
		L.Push(lua.LBool(r.attempt.Journaling()))
		return 1
	}))
	t.RawSetString("ref_time", L.NewFunction(r.refTime))
	t.RawSetString("credentials_used", L.NewFunction(func(L *lua.LState) int {
		if r.attempt != nil {
			user, secret := lua.LVAsString(L.Get(1)), lua.LVAsString(L.Get(2))
			r.attempt.UsedCredentials(r.credentialSource(user, secret), user)
		}
		return 0
	}))
}

// credentialSource says where a login's secret (else its user) came
// from, by its value: a column of the row the script read, an
// environment variable the script read (env, secret_env, os.getenv), the
// script's arguments, a secret file or ~/.netrc, else the script itself. For the bulk summary: a script that
// ignores its row logs in with the environment's user on every row.
func (r moduleHooks) credentialSource(user, secret string) string {
	v := secret
	if v == "" {
		v = user
	}
	if v == "" {
		return bulk.CredentialsScript
	}
	for col, val := range r.attempt.Row().Fields {
		if val == v && (r.readAll || r.readCols[col]) {
			return bulk.CredentialsRow
		}
	}
	source := r.valueSources[v]
	if source == bulk.CredentialsEnvironment {
		return source
	}
	for _, a := range r.cfg.Args {
		if a == v || strings.HasSuffix(a, "="+v) {
			return bulk.CredentialsFlags
		}
	}
	if source == bulk.CredentialsFile {
		return source
	}
	return bulk.CredentialsScript
}

// refTime is the global ref_time() (and rt.ref_time()): the run's
// reference time in epoch seconds, what "older than N days" is measured
// from. It is the run's start; in a bulk run the start of the first run,
// which a --resume'd run reuses, so that both mean the same messages.
func (r *run) refTime(L *lua.LState) int {
	ref, ok := r.attempt.RefTime()
	if !ok {
		ref = r.start
	}
	L.Push(lua.LNumber(float64(ref.UnixNano()) / 1e9))
	return 1
}

// journalEntry reads rt.journal's table.
func (r moduleHooks) journalEntry(L *lua.LState, t *lua.LTable) bulk.JournalEntry {
	r.checkKeys(L, t, "journal", "mailbox", "uid", "uidl", "uidvalidity", "size", "message_id", "date", "subject", "headers", "messages", "target")
	str := func(name string) string {
		switch v := t.RawGetString(name).(type) {
		case lua.LString:
			return string(v)
		case lua.LNumber:
			return v.String()
		}
		return ""
	}
	num := func(name string) int64 {
		switch v := t.RawGetString(name).(type) {
		case lua.LNumber:
			return int64(v)
		case lua.LString:
			n, _ := strconv.ParseInt(strings.TrimSpace(string(v)), 10, 64)
			return n
		}
		return 0
	}
	e := bulk.JournalEntry{
		Mailbox:     str("mailbox"),
		UID:         str("uid"),
		UIDValidity: uint32(num("uidvalidity")),
		Size:        num("size"),
		MessageID:   str("message_id"),
		Date:        str("date"),
		Subject:     str("subject"),
		Messages:    num("messages"),
		Target:      str("target"),
		Action:      bulk.ActionDelete,
	}
	if e.UID == "" {
		e.UID = str("uidl")
	}
	if r.cfg.DryRun {
		e.Action = bulk.ActionWouldDelete
	}
	if h := str("headers"); h != "" {
		id, date, subject := journalHeaders(h)
		if e.MessageID == "" {
			e.MessageID = id
		}
		if e.Date == "" {
			e.Date = date
		}
		if e.Subject == "" {
			e.Subject = subject
		}
	}
	return e
}

// journalHeaders picks Message-ID, Date (as sent) and Subject (RFC 2047
// decoded) out of a message's header. A header that does not parse gives
// what it can: nothing, rather than a guess.
func journalHeaders(raw string) (messageID, date, subject string) {
	_, msg, err := readHeader(raw)
	if err != nil {
		return "", "", ""
	}
	return strings.TrimSpace(msg.Header.Get("Message-Id")), strings.TrimSpace(msg.Header.Get("Date")),
		decodeHeader(strings.TrimSpace(msg.Header.Get("Subject")))
}
