-- lib/cleanup.lua: what pop3-cleanup.lua and imap-cleanup.lua share (a
-- module next to the scripts: require "lib.cleanup"). The rules a cleanup
-- run must never get wrong live here once: the criteria are checked before
-- any mailbox is opened, a message without a usable Date is never "old",
-- and --max-delete refuses a mailbox before anything is marked.
local credentials = require "credentials"
local regex = require "regex"

local M = {}

local DAY = 86400

-- OPTIONS are the options this module reads, which every cleanup script
-- takes besides its criteria: the mailbox (--host, --tls, --ca-file), the
-- guard (--max-delete) and the report (--list-uids, --show, --json).
local OPTIONS = {
  host = options.string,
  tls = options.string,
  ["ca-file"] = options.string,
  ["max-delete"] = options.number,
  ["list-uids"] = false,
  show = options.string,
  json = false,
}

-- options parses the script's command line: options(arg, spec), with
-- OPTIONS added to the script's own spec (its help, usage and criteria).
function M.options(spec)
  for k, v in pairs(OPTIONS) do spec[k] = v end
  return options(arg, spec)
end

-- alternatives joins names as "a, b or c".
local function alternatives(names)
  if #names == 1 then return names[1] end
  return table.concat(names, ", ", 1, #names - 1) .. " or " .. names[#names]
end

-- criteria checks the criterion options of opt (before the row is read:
-- a bad command line stops a bulk run at its first row) and returns the regular
-- expressions compiled, by option name. spec lists option names:
-- criteria (all of them, in the order the "no criterion" message names
-- them), days (numbers > 0), regex (Go RE2 patterns) and text (non-empty
-- strings). --larger-than and --max-delete are numbers >= 0; --all
-- deletes everything and excludes the other criteria.
function M.criteria(opt, spec)
  for _, f in ipairs(spec.days or {}) do
    if opt[f] ~= nil and not (opt[f] > 0) then options.usage("--" .. f .. " wants a number of days > 0") end
  end
  if opt["larger-than"] ~= nil and not (opt["larger-than"] >= 0) then options.usage("--larger-than wants a number of bytes >= 0") end
  if opt["max-delete"] ~= nil and not (opt["max-delete"] >= 0) then options.usage("--max-delete wants a number >= 0") end
  if opt.show ~= nil and opt.show ~= "all" then
    local n = tonumber(opt.show)
    if not (n and n >= 0 and n == math.floor(n)) then options.usage("--show wants a number of messages >= 0, or all") end
  end
  local compiled = {}
  for _, f in ipairs(spec.regex or {}) do
    if opt[f] then
      local ok, re = pcall(regex.compile, opt[f])
      if not ok then options.usage("--" .. f .. ": " .. (type(re) == "table" and re.message or tostring(re))) end
      compiled[f] = re
    end
  end
  for _, f in ipairs(spec.text or {}) do
    if opt[f] == "" then options.usage("--" .. f .. " wants a non-empty value") end
  end
  local any, flags = false, {}
  for _, f in ipairs(spec.criteria) do
    any = any or opt[f] ~= nil
    flags[#flags + 1] = "--" .. f
  end
  if not (any or opt.all) then
    options.usage("no criterion: give " .. alternatives(flags) .. " (or --all to delete every message)")
  end
  if opt.all and any then options.usage("--all deletes every message: it cannot be combined with other criteria") end
  return compiled
end

-- mailbox is the mailbox to clean (credentials.mailbox: the bulk row's
-- columns, else the environment) as connection options for proto.open:
-- the server as a proto:// URL unless it is one, the login, --tls and
-- --ca-file (else $MAILEXPECT_CA_FILE).
function M.mailbox(opt, proto)
  local mb, missing = credentials.mailbox{host = opt.host, env = "MAILEXPECT_" .. proto:upper(), what = proto:upper()}
  if not mb then options.usage(missing) end
  local url = mb.host
  if not url:match("^" .. proto .. "s?://") then url = proto .. "://" .. url end
  return {url = url, user = mb.user, pass = mb.pass, tls = opt.tls,
          ca_file = credentials.setting(opt["ca-file"], "MAILEXPECT_CA_FILE")}
end

-- older says whether a message whose Date header is date was sent more
-- than days before ref. A missing or unparsable Date is never old: false,
-- "undated" (such a message is kept, and counted).
function M.older(date, ref, days)
  local t = mail.parse_date(date)
  if not t then return false, "undated" end
  return ref - t > days * DAY
end

-- guard refuses a mailbox where more than --max-delete messages match:
-- close() ends the session with nothing marked, and the row fails.
function M.guard(opt, n, close)
  local cap = opt["max-delete"]
  if cap and n > cap then
    close()
    error(string.format("%d messages match, more than --max-delete %d: nothing deleted", n, cap), 0)
  end
end

-- SHOW is how many messages a dry run lists on the terminal unless --show
-- says otherwise: enough to check a criterion, few enough to read.
M.SHOW = 20

-- listed is how many of the messages to be deleted the run lists, and so
-- describes (a POP3 TOP each): every one with --json, else --show N
-- ("all": every one), by default SHOW under --dry-run and none in a real
-- run (its journal names them).
function M.listed(opt)
  if opt.json or opt.show == "all" then return math.huge end
  return tonumber(opt.show) or (dry_run and M.SHOW or 0)
end

-- message describes a message to be deleted for the listing: uid (IMAP
-- UID or POP3 UIDL), n (POP3 message number), size, and date and subject
-- from its header (raw: the header as fetched), decoded.
function M.message(uid, n, size, raw)
  local h = type(raw) == "table" and raw or mail.parse_headers(raw or "") or {}
  return {uid = uid, n = n, size = size, date = h.date, subject = h.subject}
end

-- clip cuts s (printable, so valid UTF-8) to about max bytes, never in
-- the middle of a character.
local function clip(s, max)
  if #s <= max then return s end
  local cut = max
  while cut > 0 and s:byte(cut + 1) and s:byte(cut + 1) >= 0x80 and s:byte(cut + 1) < 0xC0 do cut = cut - 1 end
  return s:sub(1, cut) .. "..."
end

-- day shows a Date header on the terminal: UTC to the minute, "-" when
-- there is none, the value itself (escaped, cut) when it does not parse.
local function day(date)
  local t = mail.parse_date(date)
  if t then return os.date("!%Y-%m-%d %H:%M", t) end
  return date and clip(mail.printable(date), 16) or "-"
end

-- list prints the messages to be deleted, one line each, after the
-- summary line: the first of them only, then how many more there are.
-- POP3 shows the message number before the UIDL.
local function list(msgs, total, pop3)
  if total == 0 then return end
  local w, nw = 3, 1
  for _, m in ipairs(msgs) do
    w = math.max(w, #mail.printable(tostring(m.uid)))
    nw = math.max(nw, #tostring(m.n or ""))
  end
  local row = "  %-" .. w .. "s  %-16s  %8s  %s"
  if pop3 then row = "  %" .. nw .. "s  " .. row:sub(3) end
  local function line(...)
    if pop3 then print(string.format(row, ...)) else print(string.format(row, select(2, ...))) end
  end
  line("#", pop3 and "UIDL" or "UID", "DATE (UTC)", "SIZE", "SUBJECT")
  for _, m in ipairs(msgs) do
    line(m.n or "", mail.printable(tostring(m.uid)), day(m.date), m.size or "", clip(mail.printable(m.subject or ""), 100))
  end
  if total > #msgs then
    print(string.format("  ... and %d more (--show all lists every one)", total - #msgs))
  end
end

-- report prints the summary line (with --json: the result, as JSON) and
-- the listing (see listed); it returns the row's result (--results):
-- {deleted (under --dry-run: would_delete), kept, undated, bytes, uids
-- with --list-uids, messages with --json} plus s.extra. s: n, bytes,
-- kept, undated, uids, to (the --move-to mailbox), msgs (the first
-- listed(opt) messages to be deleted, as message() makes them), pop3.
function M.report(opt, s)
  local result = {kept = s.kept, undated = s.undated, bytes = s.bytes}
  -- A dry run's count says so in its name: a script reading results
  -- must never take what would go for what went.
  result[dry_run and "would_delete" or "deleted"] = s.n
  for k, v in pairs(s.extra or {}) do result[k] = v end
  if opt["list-uids"] then result.uids = s.uids end
  if opt.json then
    local msgs = {}
    for k, m in ipairs(s.msgs or {}) do msgs[k] = json.object(m) end
    result.messages = json.array(msgs)
    print(json.encode(result))
    return result
  end
  local verb = s.to and "move" or "delete"
  verb = dry_run and ("would " .. verb) or (verb .. "d")
  print(string.format("%s %d (%d bytes)%s, kept %d%s", verb, s.n, s.bytes, s.to and (" to " .. s.to) or "", s.kept,
    s.undated > 0 and string.format(" (%d undated)", s.undated) or ""))
  if M.listed(opt) > 0 then list(s.msgs or {}, s.n, s.pop3) end
  return result
end

return M
