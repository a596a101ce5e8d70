#!/usr/bin/env mailexpect
-- pop3-cleanup.lua: delete messages that match criteria from POP3
-- mailboxes, one mailbox per row of a bulk run (or one from the
-- environment).
--
--   mailexpect --each users.csv --jobs 16 --per-host 4 --dry-run \
--     --journal would.jsonl --results dry.jsonl \
--     pop3-cleanup.lua --older-than 365 --subject '(?i)newsletter'
--
-- Rows (CSV with a header, or JSON Lines): user (or login, username,
-- email), pass (or password), and optionally host: the POP3 server as
-- host:port, pop3://host or pop3s://host (default --host, else
-- $MAILEXPECT_POP3). Without --each the mailbox is $MAILEXPECT_USER /
-- $MAILEXPECT_PASS on $MAILEXPECT_POP3.
--
-- A message is deleted when it matches every criterion given; at least one
-- is required (--all deletes everything). Dates come from the Date header,
-- compared with the run's reference time (the start of the first run; a
-- --resume'd run uses the same one, so "older than 30 days" means the same
-- messages in both). A missing or unparsable Date is never "old": such a
-- message is kept, and counted as undated.
--
-- Safety: messages are only marked (DELE) once the whole mailbox has been
-- examined, and the deletions take effect at QUIT, the commit point. An
-- error anywhere before it, a row timeout or Ctrl-C closes the session
-- without QUIT, and the server forgets the marks: a mailbox is either
-- untouched or cleaned as a whole. --max-delete N refuses (the row fails,
-- nothing deleted) a mailbox where more than N messages match: a guard
-- against a criterion that is wider than meant. Under --dry-run nothing is
-- marked; the journal and the result name exactly what a real run deletes,
-- and the messages are listed: number, UIDL, date, size and subject, the
-- first --show N (default 20) on the terminal, every one with --json.
--
-- The row's result (--results): {deleted= (under --dry-run: would_delete=),
-- kept=, undated=, bytes=, uids={...} with --list-uids, messages={...}
-- with --json}.
local pop3 = require "pop3"
local cleanup = require "lib.cleanup"

local HELP = [==[
usage: mailexpect [--each ROWS [bulk flags]] pop3-cleanup.lua CRITERIA... [options]

Delete POP3 messages that match every criterion given.

Criteria (at least one):
  --older-than DAYS     Date header more than DAYS days before the run's
                        reference time (missing or bad Date: kept)
  --subject REGEX       the Subject (decoded) matches (Go RE2; (?i) ignores case)
  --from REGEX          the From header (decoded) matches
  --larger-than BYTES   the message is larger than BYTES
  --all                 every message (no other criterion needed)
Options:
  --host ADDR           POP3 server when the row has no host column
                        (default $MAILEXPECT_POP3): host:port, pop3://, pop3s://
  --tls MODE            starttls, implicit or none (default: implicit for
                        pop3s:// and port 995, else starttls, required)
  --ca-file FILE        extra CA to verify the server ($MAILEXPECT_CA_FILE)
  --max-delete N        fail the mailbox, deleting nothing, when more than N
                        messages match
  --list-uids           put the UIDLs of the deleted messages in the result
  --show N              list the first N messages deleted (all: every one;
                        default: 20 under --dry-run, else none)
  --json                print the result as one JSON object, listing every
                        message (number, UIDL, date, subject, size)
  -h, --help            this help
Rows: user (login, username, email), pass (password), host (optional).
Without --each: $MAILEXPECT_USER, $MAILEXPECT_PASS, $MAILEXPECT_POP3.
--dry-run reports what would be deleted and lists it (RSET and close,
never QUIT; TOP n 0 reads the headers, nothing is marked).
]==]

-- The script's own options; lib/cleanup adds those it reads itself (--host,
-- --tls, --ca-file, --max-delete, --list-uids, --show, --json).
local opt = cleanup.options{
  _help = HELP,
  _usage = "pop3-cleanup.lua [--older-than DAYS] [--subject RE] [--from RE] [--larger-than BYTES] [--all] (-h for help)",
  ["older-than"] = options.number,
  subject = options.string,
  from = options.string,
  ["larger-than"] = options.number,
  all = false,
}
-- The criteria, checked before the row is read (a bad command line ends
-- the run with exit 2; a bulk run stops at its first row, said once).
local re = cleanup.criteria(opt, {criteria = {"older-than", "subject", "from", "larger-than"},
                                  days = {"older-than"}, regex = {"subject", "from"}})
local older, larger, subject_re, from_re = opt["older-than"], opt["larger-than"], re.subject, re.from
local need_headers = older or subject_re or from_re

local ref = ref_time()
local p = pop3.open(cleanup.mailbox(opt, "pop3"))

-- Examine every message first; mark none until the whole mailbox is known.
local sizes, uids = {}, {}
for _, m in ipairs(p:list()) do sizes[#sizes + 1] = m end
local uidl_ok, uidl = pcall(p.uidl, p)
if uidl_ok then
  for _, u in ipairs(uidl) do uids[u.n] = u.uid end
elseif not (type(uidl) == "table" and uidl.kind == "reply") then
  error(uidl, 0) -- EOF, timeout: the session is gone
end

-- matches says whether m goes, and gives the header it read (if any).
local function matches(m)
  if larger and not (m.size > larger) then return false end
  if not need_headers then return true end
  local h = mail.parse_headers(p:top(m.n, 0)) or {}
  if older then
    local old, why = cleanup.older(h.date, ref, older)
    if not old then return false, why end
  end
  if subject_re and not subject_re:find(h.subject or "") then return false end
  if from_re and not from_re:find(h.from or "") then return false end
  return true, nil, h
end

-- The listing's messages: the first `listed` to be deleted, described
-- from the header matches() read, else from TOP n 0 (asked before any
-- DELE: a marked message can no longer be asked about).
local listed, msgs = cleanup.listed(opt), {}
local function describe(m, h)
  if not h then
    local ok, top = pcall(p.top, p, m.n, 0)
    if not ok and not (type(top) == "table" and top.kind == "reply") then error(top, 0) end
    h = ok and top or "" -- TOP is optional (RFC 1939): no header, no date or subject
  end
  return cleanup.message(uids[m.n] or ("#" .. m.n), m.n, m.size, h)
end

local doomed, kept, undated, bytes = {}, 0, 0, 0
for _, m in ipairs(sizes) do
  local yes, why, h = matches(m)
  if yes then
    doomed[#doomed + 1] = m
    if h and #msgs < listed then msgs[#msgs + 1] = describe(m, h) end
    bytes = bytes + m.size
  else
    kept = kept + 1
    if why == "undated" then undated = undated + 1 end
  end
end

cleanup.guard(opt, #doomed, function() p:close() end) -- no QUIT: nothing was marked
for k = #msgs + 1, math.min(#doomed, listed) do msgs[k] = describe(doomed[k]) end

local deleted_uids = {}
for _, m in ipairs(doomed) do
  p:dele(m.n)
  deleted_uids[#deleted_uids + 1] = uids[m.n] or ("#" .. m.n)
end
p:quit() -- the commit point (under --dry-run: RSET and close)

return cleanup.report(opt, {n = #doomed, bytes = bytes, kept = kept, undated = undated, uids = deleted_uids,
                            msgs = msgs, pop3 = true})
