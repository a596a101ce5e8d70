#!/usr/bin/env mailexpect
-- imap-cleanup.lua: delete (or move to a Trash mailbox) the IMAP messages
-- that match criteria, one mailbox per row of a bulk run (or one from the
-- environment). The IMAP twin of pop3-cleanup.lua.
--
--   mailexpect --each users.csv --jobs 16 --per-host 4 --dry-run \
--     --journal would.jsonl --results dry.jsonl \
--     imap-cleanup.lua --older-than 365 --subject newsletter
--
-- Rows (CSV with a header, or JSON Lines): user (or login, username,
-- email), pass (or password), and optionally host: the IMAP server as
-- host:port, imap://host or imaps://host (default --host, else
-- $MAILEXPECT_IMAP). Without --each the mailbox is $MAILEXPECT_USER /
-- $MAILEXPECT_PASS on $MAILEXPECT_IMAP.
--
-- The server does the searching (UID SEARCH): --subject and --from are
-- IMAP's case-insensitive substring matches, --larger-than is LARGER,
-- the dates narrow the search by day (SENTBEFORE, BEFORE). The candidates'
-- headers are then fetched and checked exactly: dates against the run's
-- reference time (the start of the first run; a --resume'd run uses the
-- same one), --subject-re / --from-re as regular expressions on the
-- decoded headers. A missing or unparsable Date is never "old": such a
-- message is kept and counted as undated.
--
-- Safety: deletion is by UID only - UID STORE +FLAGS.SILENT (\Deleted) of
-- exactly the matching messages, then UID EXPUNGE of exactly those (the
-- server must offer UIDPLUS): a message another client flagged \Deleted is
-- left alone. --move-to MAILBOX uses UID MOVE instead. The UIDs are checked
-- against the mailbox's UIDVALIDITY before anything is sent. Nothing is
-- flagged until every candidate has been examined; the \Deleted store is
-- the commit point (journal written first). If the run dies between the
-- store and the expunge, the messages stay flagged \Deleted: running again
-- finishes the job. --max-delete N refuses (the row fails, nothing
-- deleted) a mailbox where more than N messages match. Under --dry-run the
-- mailbox is opened read-only (EXAMINE) and nothing is flagged, moved or
-- expunged; the journal and the result name exactly what a real run
-- deletes, and the messages are listed: UID, date, size and subject
-- (fetched with BODY.PEEK: nothing is marked \Seen), the first --show N
-- (default 20) on the terminal, every one with --json.
--
-- The row's result (--results): {deleted= (under --dry-run:
-- would_delete=), kept=, undated=, bytes=, mailbox=, uidvalidity=,
-- moved_to= with --move-to, uids={...} with --list-uids, messages={...}
-- with --json}.
local imap = require "imap"
local cleanup = require "lib.cleanup"

local HELP = [==[
usage: mailexpect [--each ROWS [bulk flags]] imap-cleanup.lua CRITERIA... [options]

Delete (or move) IMAP messages that match every criterion given.

Criteria (at least one):
  --older-than DAYS     Date header more than DAYS days before the run's
                        reference time (missing or bad Date: kept)
  --received-older-than DAYS
                        arrived (INTERNALDATE) more than DAYS days before it
  --subject TEXT        the Subject contains TEXT (server-side, any case)
  --from TEXT           the From header contains TEXT (server-side, any case)
  --subject-re REGEX    the decoded Subject matches (Go RE2; (?i) ignores case)
  --from-re REGEX       the decoded From header matches
  --larger-than BYTES   the message is larger than BYTES
  --search KEYS         extra IMAP SEARCH keys, as is (e.g. "UNFLAGGED SEEN")
  --all                 every message (no other criterion needed)
Options:
  --mailbox NAME        the mailbox to clean (default INBOX)
  --move-to MAILBOX     move the messages there (UID MOVE) instead of deleting
  --create              create the --move-to mailbox when it does not exist
  --host ADDR           IMAP server when the row has no host column
                        (default $MAILEXPECT_IMAP): host:port, imap://, imaps://
  --tls MODE            starttls, implicit or none (default: implicit for
                        imaps:// and port 993, else starttls, required)
  --ca-file FILE        extra CA to verify the server ($MAILEXPECT_CA_FILE)
  --max-delete N        fail the mailbox, deleting nothing, when more than N
                        messages match
  --list-uids           put the UIDs of the deleted messages in the result
  --show N              list the first N messages deleted (all: every one;
                        default: 20 under --dry-run, else none)
  --json                print the result as one JSON object, listing every
                        message (UID, date, subject, size)
  -h, --help            this help
Rows: user (login, username, email), pass (password), host (optional).
Without --each: $MAILEXPECT_USER, $MAILEXPECT_PASS, $MAILEXPECT_IMAP.
--dry-run reports what would be deleted and lists it (EXAMINE: the
mailbox is read-only; headers are fetched with BODY.PEEK, never \Seen).
]==]

-- The script's own options; lib/cleanup adds those it reads itself (--host,
-- --tls, --ca-file, --max-delete, --list-uids, --show, --json).
local opt = cleanup.options{
  _help = HELP,
  _usage = "imap-cleanup.lua [--older-than DAYS] [--subject TEXT] [--from TEXT] [--larger-than BYTES] [--all] (-h for help)",
  ["older-than"] = options.number,
  ["received-older-than"] = options.number,
  subject = options.string,
  from = options.string,
  ["subject-re"] = options.string,
  ["from-re"] = options.string,
  ["larger-than"] = options.number,
  search = options.string,
  all = false,
  mailbox = "INBOX",
  ["move-to"] = options.string,
  create = false,
}
-- The criteria, checked before the row is read (a bad command line ends
-- the run with exit 2; a bulk run stops at its first row, said once).
local re = cleanup.criteria(opt, {
  criteria = {"older-than", "received-older-than", "subject", "from", "subject-re", "from-re", "larger-than", "search"},
  days = {"older-than", "received-older-than"}, regex = {"subject-re", "from-re"}, text = {"subject", "from", "search"}})
local older, received, larger = opt["older-than"], opt["received-older-than"], opt["larger-than"]
local subject_re, from_re = re["subject-re"], re["from-re"]
if opt.create and not opt["move-to"] then options.usage("--create goes with --move-to") end
if opt["move-to"] == opt.mailbox then options.usage("--move-to names the mailbox being cleaned") end

local ref = ref_time()

-- The server-side search. Dates by day, with two days of margin for time
-- zones (the Date header's day is taken in its own zone): a superset of
-- the exact criterion, checked on the fetched headers below.
local keys = {}
local function add(...) for _, k in ipairs({...}) do keys[#keys + 1] = k end end
if older then add("SENTBEFORE", imap.date(ref - older * 86400 + 2 * 86400)) end
if received then add("BEFORE", imap.date(ref - received * 86400 + 2 * 86400)) end
if larger then add("LARGER", string.format("%d", larger)) end
if opt.subject then add("SUBJECT", imap.string(opt.subject)) end
if opt.from then add("FROM", imap.string(opt.from)) end
if opt.search then add(opt.search) end
if #keys == 0 then add("ALL") end

local FIELDS = "BODY.PEEK[HEADER.FIELDS (DATE FROM SUBJECT MESSAGE-ID)]"
local HEADER_ITEM = "BODY[HEADER.FIELDS (DATE FROM SUBJECT MESSAGE-ID)]"
local BATCH = 500

local i = imap.open(cleanup.mailbox(opt, "imap"))
local mbox = opt.mailbox
local sel = i:select(mbox)
local candidates = i:uid_search(keys)

-- Examine every candidate first; flag none until all are known.
local doomed, undated, bytes = {}, 0, 0
local listed, msgs = cleanup.listed(opt), {}
local function examine(rec)
  local h = mail.parse_headers(rec[HEADER_ITEM] or "") or {}
  rec.header = h
  if older then
    local old, why = cleanup.older(h.date, ref, older)
    if not old then return false, why end
  end
  if received then
    local t = imap.internaldate(rec.INTERNALDATE)
    if not t or not (ref - t > received * 86400) then return false end
  end
  if larger and not ((tonumber(rec["RFC822.SIZE"]) or 0) > larger) then return false end
  if subject_re and not subject_re:find(h.subject or "") then return false end
  if from_re and not from_re:find(h.from or "") then return false end
  return true
end
for first = 1, #candidates, BATCH do
  local batch = {}
  for k = first, math.min(first + BATCH - 1, #candidates) do batch[#batch + 1] = candidates[k] end
  batch.uidvalidity = candidates.uidvalidity
  for _, rec in ipairs(i:uid_fetch(batch, "(UID RFC822.SIZE INTERNALDATE " .. FIELDS .. ")")) do
    local yes, why = examine(rec)
    if yes then
      doomed[#doomed + 1] = rec
      bytes = bytes + (tonumber(rec["RFC822.SIZE"]) or 0)
    elseif why == "undated" then
      undated = undated + 1
    end
  end
end
table.sort(doomed, function(a, b) return a.UID < b.UID end)
for k = 1, math.min(#doomed, listed) do
  local rec = doomed[k]
  msgs[k] = cleanup.message(rec.UID, nil, tonumber(rec["RFC822.SIZE"]), rec.header)
end

cleanup.guard(opt, #doomed, function() i:logout() end) -- nothing was flagged

local dest = opt["move-to"]
if #doomed > 0 then
  if dest then
    if opt.create and not dry_run then
      local found = false
      for _, b in ipairs(i:list("", dest)) do if b.name == dest then found = true end end
      if not found then
        local r = i:cmd{"CREATE", imap.string(dest)}
        if r.status ~= "OK" then error("cannot create " .. dest .. ": " .. r.status .. " " .. tostring(r.text), 0) end
      end
    end
    i:uid_move(doomed, dest) -- the commit point (under --dry-run: reported)
  else
    i:uid_store(doomed, "+FLAGS.SILENT", "(\\Deleted)") -- the commit point
    i:uid_expunge(doomed) -- exactly these UIDs: UIDPLUS
  end
end
i:logout()

local uids = {}
for k, rec in ipairs(doomed) do uids[k] = rec.UID end
return cleanup.report(opt, {n = #doomed, bytes = bytes, kept = (sel.exists or 0) - #doomed, undated = undated,
                            uids = uids, to = dest, msgs = msgs,
                            extra = {mailbox = mbox, uidvalidity = sel.uidvalidity, moved_to = dest}})
