-- lib/cleanup.lua: what pop3-cleanup.lua and imap-cleanup.lua share (a
-- module next to the scripts: require "lib.cleanup"). The rules a cleanup
-- run must never get wrong live here once: the criteria are checked before
-- any mailbox is opened, a message without a usable Date is never "old",
-- and --max-delete refuses a mailbox before anything is marked.
local credentials = require "credentials"
local regex = require "regex"

local M = {}

local DAY = 86400

-- alternatives joins names as "a, b or c".
local function alternatives(names)
  if #names == 1 then return names[1] end
  return table.concat(names, ", ", 1, #names - 1) .. " or " .. names[#names]
end

-- criteria checks the criterion options of opt (once for every row: a
-- bad command line fails every row the same way) and returns the regular
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

-- report prints the summary line and returns the row's result (--results):
-- {deleted, kept, undated, bytes, would_delete under --dry-run, uids with
-- --list-uids} plus s.extra. s: n, bytes, kept, undated, uids, to (the
-- --move-to mailbox).
function M.report(opt, s)
  local verb = s.to and "move" or "delete"
  verb = dry_run and ("would " .. verb) or (verb .. "d")
  print(string.format("%s %d (%d bytes)%s, kept %d%s", verb, s.n, s.bytes, s.to and (" to " .. s.to) or "", s.kept,
    s.undated > 0 and string.format(" (%d undated)", s.undated) or ""))
  local result = {deleted = s.n, kept = s.kept, undated = s.undated, bytes = s.bytes}
  for k, v in pairs(s.extra or {}) do result[k] = v end
  if dry_run then result.would_delete = true end
  if opt["list-uids"] then result.uids = s.uids end
  return result
end

return M
