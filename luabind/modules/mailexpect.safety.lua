-- mailexpect.safety: the deletion-safety policy of the pop3 and imap
-- modules, in one place (docs/DESIGN.md "Safety and trust"). The protocol
-- verbs say what they send; this module decides what may be sent:
--
--   * --dry-run: nothing destructive goes out. A helper's destructive step
--     only reports ("dry-run: would ..." under -v, a reply with
--     dry_run = true); a raw destructive command is refused.
--   * The journal (--journal, bulk or single run): every message about to be
--     deleted (under --dry-run: that would be) is written, and fsynced,
--     before the commit point.
--   * The commit point: the step after which the server deletes (POP3 QUIT
--     with messages marked; an IMAP \Deleted store, UID EXPUNGE, UID MOVE).
--     The run may refuse it (interrupted, row timeout, journal not
--     written): then nothing is sent and the session is closed. After
--     it, the outcome is recorded: "committed" when the server answered,
--     "unknown" when it did not.
local rt = require "mailexpect.internal"

local M = {}

-- dry_run is --dry-run, fixed for the whole run.
local dry_run = rt.dry_run()
M.dry_run = dry_run

-- journaling says whether the run keeps a journal (fixed too): describing
-- a message for it costs round trips, spent only then. (Both are locals
-- too: mark reads them for every message.)
local journaling = rt.journal_enabled()
M.journaling = journaling

local function record(entries)
  for _, e in ipairs(entries or {}) do rt.journal(e) end
end

-- refuse raises the refusal of a raw destructive command (what) under
-- --dry-run; instead says what to use.
function M.refuse(c, what, instead)
  rt.raise("usage", string.format("%s: %s refused under --dry-run (%s)", c.label, what, instead))
end

-- would reports a step a dry run leaves out: a note for -v, and reply,
-- marked dry_run = true, for the caller.
function M.would(c, what, reply)
  rt.note(c.session, "dry-run: would " .. what)
  reply.dry_run = true
  return reply
end

-- commit runs fn(c) as the session's commit point (see above) and returns
-- its result. A reply error from fn means the server answered: the outcome
-- is still known. fn may give the outcome itself as a second result (POP3:
-- -ERR to QUIT leaves it unknown, RFC 1939 6).
function M.commit(c, fn)
  local ok, err = pcall(rt.commit_point)
  if not ok then
    c.session:close()
    error(err, 0)
  end
  local done, r, outcome = pcall(fn, c)
  if not done then
    rt.commit_outcome(type(r) == "table" and r.kind == "reply" and "committed" or "unknown")
    error(r, 0)
  end
  rt.commit_outcome(outcome or "committed")
  return r
end

-- mark runs a step that marks a message (arg) for deletion, which a
-- later commit point makes real (POP3 DELE, committed at QUIT). step, a
-- table made once (a step per message costs nothing more):
--   verb               its name, for the dry-run report ("DELE")
--   describe(c, arg)   the journal entry; asked only when journaling, and
--                      before the step (a marked message can no longer be
--                      described)
--   send(c, arg)       the step; its result is returned
--   pretend(c, arg)    under --dry-run, instead of send: checks what the
--                      server would refuse and returns the reply to report
-- The entry is journaled once the step went through (not when it returns
-- a reply with ok = false).
function M.mark(c, step, arg)
  local entry = journaling and step.describe(c, arg) or nil
  local r
  if dry_run then
    r = M.would(c, step.verb .. " " .. arg, step.pretend(c, arg))
  else
    r = step.send(c, arg)
  end
  -- A step that returns a refusal (a raw p:cmd("DELE n") answered -ERR)
  -- marked nothing.
  if entry and r.ok ~= false then rt.journal(entry) end
  return r
end

-- marker returns fn(c, arg), mark(c, step, arg) for the step, made once
-- per module: a run with neither --dry-run nor a journal (both fixed for
-- the run) has nothing to add to the step, which is then step.send itself.
function M.marker(step)
  if not dry_run and not journaling then return step.send end
  local mark = M.mark
  return function(c, arg) return mark(c, step, arg) end
end

-- unmarked says that every message marked so far is unmarked (POP3 RSET
-- answered +OK): their journal entries are settled as not deleted, so the
-- commit at QUIT covers only what is marked after it.
function M.unmarked()
  if journaling then rt.journal_withdraw() end
end

-- remove runs a step that removes messages at once (an IMAP \Deleted
-- store, UID EXPUNGE, UID MOVE): entries() (asked only when journaling)
-- are journaled first, then send() runs as the commit point. Under
-- --dry-run the entries are journaled (as would-delete) and report is
-- returned instead.
function M.remove(c, what, entries, send, report)
  if journaling then record(entries()) end
  if dry_run then return M.would(c, what, report) end
  return M.commit(c, send)
end

return M
