-- check: the monitoring-plugin conventions that Nagios, Icinga, Naemon,
-- Zabbix, Sensu and friends read (monitoring-plugins "Development
-- Guidelines"). A check prints one status line, then long output:
--
--   SERVICE STATE - message | label=value[uom];warn;crit;min;max ...
--   long output line
--   ...
--
-- and exits 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
--
-- Requiring this module switches the run to plugin mode (docs/DESIGN.md "The
-- CLI"): an uncaught typed error (connect, tls, timeout, eof, reply,
-- protocol) ends CRITICAL, anything else (a bug, a bad command line)
-- UNKNOWN, and the module prints the status line whenever the run ends,
-- so even a failed check tells the monitor what it measured so far.
--
-- The final state is the worst of the explicit ones (check.ok/warning/
-- critical/unknown) and the metrics' thresholds, ranked as the
-- monitoring-plugins' max_state_alt does: CRITICAL > WARNING > UNKNOWN >
-- OK. check.exit(state) forces a state.
--
-- The module owns three flags of the script's command line and takes them
-- out of arg before the script parses the rest with options(arg, spec):
--   --json          print the result as one JSON object instead
--   -t SECONDS      a deadline for the whole check (--timeout SECONDS)
--   -v              live transcript on stderr, secrets masked (--verbose)
local rt = require "mailexpect.internal"

-- Captured now: a script that redefines print or exit must not change
-- how the plugin reports.
local print, exit, now, json, log, unpack = print, exit, now, json, log, unpack
local floor, huge = math.floor, math.huge

local M = {OK = 0, WARNING = 1, CRITICAL = 2, UNKNOWN = 3}

local NAMES = {[0] = "OK", "WARNING", "CRITICAL", "UNKNOWN"}
-- Severity for "worst of": CRITICAL > WARNING > UNKNOWN > OK.
local RANK = {[0] = 0, 2, 3, 1}

-- What the check has collected; the status line is rendered from it.
local messages = {}  -- {state =, text =}, in call order
local metrics = {}   -- {label =, value =, uom =, warn =, crit =, min =, max =, state =}
                     -- or {timings = client, prefix =}: expanded when rendered
local details = {}   -- long output lines
local forced         -- state given to check.exit
local done = false   -- the status line is out
local failed_step    -- {name =, elapsed =} of the step an error escaped from
local caught         -- {kind =, message =, where =}: the first check.error

M.service = nil      -- "SMTP": the first word of the status line

local function usage(fmt, ...)
  rt.raise("usage", "check: " .. string.format(fmt, ...))
end

-- state turns 0..3 or "ok"/"warning"/"critical"/"unknown" into 0..3.
local function state(s, fname)
  if type(s) == "number" and NAMES[s] then return s end
  if type(s) == "string" then
    local n = M[s:upper()]
    if n then return n end
  end
  usage("%s: state must be 0-3 or ok, warning, critical, unknown; got %s", fname, tostring(s))
end

local function worse(a, b)
  if RANK[b] > RANK[a] then return b end
  return a
end

function M.state_name(s) return NAMES[state(s, "state_name")] end

-- Numbers ----------------------------------------------------------------

-- num formats a perfdata number: integers as integers, others with up to
-- six decimals, no exponent (plugins' parsers differ on "1e-05").
local function num(v)
  if v ~= v then return "U" end
  if v == huge then return "inf" elseif v == -huge then return "-inf" end
  if v == floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
  local s = string.format("%.6f", v):gsub("0+$", ""):gsub("%.$", "")
  if s == "-0" then s = "0" end
  return s
end

-- short formats a number for a message: at most three decimals.
local function short(v)
  if v ~= v then return "unknown" end
  if v == floor(v) and math.abs(v) < 2^53 then return string.format("%d", v) end
  local s = string.format("%.3f", v):gsub("0+$", ""):gsub("%.$", "")
  if s == "-0" then s = "0" end
  return s
end

-- Ranges -----------------------------------------------------------------
-- The monitoring-plugins threshold syntax:
--   10      alert if the value is outside 0..10 (< 0 or > 10)
--   10:     alert if < 10 (10..infinity)
--   ~:10    alert if > 10 (-infinity..10)
--   10:20   alert if < 10 or > 20
--   @10:20  alert if 10 <= value <= 20 (inside, the @ inverts)
-- A Lua number n means "n". nil or "" means no threshold.

local Range = {}
Range.__index = Range
Range.__tostring = function(r) return r.text end

local function bound(s, spec, default)
  if s == "" then return default end
  local n = tonumber(s)
  if not n or n ~= n then usage("bad threshold %q: %q is not a number", spec, s) end
  return n
end

function M.range(spec)
  if spec == nil or spec == "" then return nil end
  if getmetatable(spec) == Range then return spec end
  if type(spec) == "number" then
    if spec ~= spec then usage("bad threshold: NaN") end
    spec = num(spec)
  end
  if type(spec) ~= "string" then usage("a threshold must be a string or a number, got %s", type(spec)) end
  local text = spec:match("^%s*(.-)%s*$")
  local body, inside = text, false
  if body:sub(1, 1) == "@" then body, inside = body:sub(2), true end
  local lo, hi
  local a, b = body:match("^([^:]*):(.*)$")
  if a then
    lo = (a == "~") and -huge or bound(a, text, 0)
    hi = bound(b, text, huge)
  else
    lo, hi = 0, bound(body, text, nil)
    if hi == nil then usage("bad threshold %q", text) end
  end
  if lo > hi then usage("bad threshold %q: start %s is above end %s", text, num(lo), num(hi)) end
  return setmetatable({text = text, lo = lo, hi = hi, inside = inside}, Range)
end

-- alert reports whether value raises an alert under the range, and why:
-- "> 10", "< 5", "inside 10:20".
function Range:alert(value)
  if self.inside then
    if value >= self.lo and value <= self.hi then
      return true, "inside " .. self.text:sub(2)
    end
    return false
  end
  if value < self.lo then return true, "< " .. num(self.lo) end
  if value > self.hi then return true, "> " .. num(self.hi) end
  return false
end

-- threshold returns the state of value under the warn and crit ranges
-- (CRITICAL wins) and why, e.g. 1, "> 10".
function M.threshold(value, warn, crit)
  if type(value) ~= "number" then usage("threshold: value must be a number, got %s", type(value)) end
  local c, w = M.range(crit), M.range(warn)
  if value ~= value then return M.UNKNOWN, "is unknown" end
  if c then
    local hit, why = c:alert(value)
    if hit then return M.CRITICAL, why end
  end
  if w then
    local hit, why = w:alert(value)
    if hit then return M.WARNING, why end
  end
  return M.OK
end

-- Messages ---------------------------------------------------------------

local function add_message(s, text, lead)
  messages[#messages + 1] = {state = s, text = text ~= nil and tostring(text) or nil, lead = lead}
end

function M.ok(text) add_message(M.OK, text) end
function M.warning(text) add_message(M.WARNING, text) end
function M.critical(text) add_message(M.CRITICAL, text) end
function M.unknown(text) add_message(M.UNKNOWN, text) end

-- TYPED are the error kinds that mean "the service is broken" (docs/DESIGN.md
-- "The CLI": CRITICAL); anything else is a bug or a bad command line.
local TYPED = {connect = true, tls = true, timeout = true, eof = true, reply = true, protocol = true}

-- error reports an error the script caught (pcall) and goes on: a check
-- of several servers says which one failed and checks the others. A typed
-- error (connect, tls, timeout, eof, reply, protocol) becomes a CRITICAL
-- message, prefix .. ": " .. its message, and the result's error (the
-- first one: --json shows its kind). Anything else is raised again: a bug
-- stays UNKNOWN.
function M.error(e, prefix)
  if type(e) ~= "table" or not TYPED[e.kind] then error(e, 0) end
  local text = tostring(e.message)
  if prefix and prefix ~= "" then text = prefix .. ": " .. text end
  add_message(M.CRITICAL, text)
  caught = caught or {kind = e.kind, message = text, where = e.where}
end

-- detail adds long output: lines after the status line (a multi-line
-- text is several lines).
function M.detail(text)
  -- (A local, not "(tostring(text) .. x):gmatch()" in the for: that form
  -- crashes gopher-lua 1.1.)
  local lines = tostring(text) .. "\n"
  for line in lines:gmatch("(.-)\r?\n") do
    details[#details + 1] = line
  end
end

-- Metrics ----------------------------------------------------------------

-- Labels may hold anything but "=" and "'"... except that the guidelines
-- let a quote in as two quotes, and a label with spaces must be quoted.
local function label_text(label)
  if label:find("[%s']") then return "'" .. label:gsub("'", "''") .. "'" end
  return label
end

local function check_label(label, fname)
  if type(label) ~= "string" or label == "" then usage("%s: the label must be a non-empty string", fname) end
  if label:find("=", 1, true) or label:find("[\r\n]") then
    usage("%s: label %q may not contain '=' or a line break", fname, label)
  end
end

-- metric adds perfdata label=value[uom];warn;crit;min;max and returns the
-- metric's state. A value outside a threshold raises the check's state
-- with a message such as "delivery 12.3s > 10 (critical)". Also callable with one
-- table: check.metric{label =, value =, uom =, warn =, crit =, min =, max =,
-- quiet = true} (quiet: the state still counts, the script words the
-- message itself).
function M.metric(label, value, uom, warn, crit, min, max)
  local quiet
  if type(label) == "table" then
    local t = label
    label, value, uom, warn, crit, min, max = t.label or t.name, t.value, t.uom, t.warn, t.crit, t.min, t.max
    quiet = t.quiet
  end
  check_label(label, "metric")
  if value == nil then value = 0 / 0 end -- "U": the value could not be measured
  if type(value) ~= "number" then usage("metric %s: value must be a number, got %s", label, type(value)) end
  uom = uom or ""
  if type(uom) ~= "string" or not uom:match("^[%a%%]*$") then
    usage("metric %s: unit %q must be letters or %% (s, ms, us, %%, B, KB, MB, TB, c)", label, tostring(uom))
  end
  for name, v in pairs{min = min, max = max} do
    if v ~= nil and type(v) ~= "number" then usage("metric %s: %s must be a number", label, name) end
  end
  local w, c = M.range(warn), M.range(crit)
  local s, why = M.OK, nil
  if value ~= value then
    -- Nothing to compare: UNKNOWN if it was meant to be judged.
    if w or c then s, why = M.UNKNOWN, label .. " could not be measured" end
  else
    s, why = M.threshold(value, w, c)
    -- Which threshold fired, with the value: "time 6.2s > 5 (critical)".
    if why then why = label .. " " .. short(value) .. uom .. " " .. why .. " (" .. NAMES[s]:lower() .. ")" end
  end
  metrics[#metrics + 1] = {label = label, value = value, uom = uom, warn = w, crit = c,
                           min = min, max = max, state = s}
  if s ~= M.OK then add_message(s, not quiet and why or nil) end
  return s
end

-- timings adds a protocol client's step times (c.timings of the smtp,
-- pop3 and imap modules) as perfdata PREFIX_connect, PREFIX_banner (the
-- greeting), PREFIX_ehlo, PREFIX_starttls, PREFIX_auth, PREFIX_mail,
-- PREFIX_rcpt, PREFIX_data, PREFIX_quit, in seconds: the steps of a
-- session that a monitor graphs. Modules time single commands too (capa,
-- uidl, ...); names = {"connect", "uidl", ...} picks others. The times
-- are read when the check ends, so the steps that completed before a
-- failure still show.
function M.timings(client, prefix, names)
  if type(client) ~= "table" or type(client.timings) ~= "table" then
    usage("timings: want a client with .timings (smtp, pop3, imap)")
  end
  if names ~= nil and type(names) ~= "table" then usage("timings: names must be a list of step names") end
  metrics[#metrics + 1] = {timings = client.timings, prefix = prefix or "", names = names}
end

local STEPS = {"connect", "greeting", "ehlo", "starttls", "auth", "mail", "rcpt", "data", "quit"}
local STEP_LABEL = {greeting = "banner"}

local function expand_timings(m, out)
  for _, k in ipairs(m.names or STEPS) do
    local v = m.timings[k]
    if type(v) == "number" then
      local label = (m.prefix ~= "" and (m.prefix .. "_") or "") .. (STEP_LABEL[k] or k)
      out[#out + 1] = {label = label, value = v, uom = "s", min = 0, state = M.OK, step = true}
    end
  end
end

local function all_metrics()
  local out = {}
  for _, m in ipairs(metrics) do
    if m.timings then expand_timings(m, out) else out[#out + 1] = m end
  end
  return out
end

local function pack(...) return {n = select("#", ...), ...} end

-- step runs fn(...) as a named step: its duration becomes perfdata
-- name=...s, and an error escaping it is reported with the step's name.
-- It returns what fn returns.
function M.step(name, fn, ...)
  check_label(name, "step")
  if type(fn) ~= "function" and not (type(fn) == "table" and getmetatable(fn) and getmetatable(fn).__call) then
    usage("step %s: want a function, got %s", name, type(fn))
  end
  local t0 = now()
  local res = pack(pcall(fn, ...))
  local elapsed = now() - t0
  if not res[1] then
    failed_step = failed_step or {name = name, elapsed = elapsed}
    error(res[2], 0)
  end
  metrics[#metrics + 1] = {label = name, value = elapsed, uom = "s", min = 0, state = M.OK, step = true}
  return unpack(res, 2, res.n)
end

-- Rendering --------------------------------------------------------------

local function perf_item(m)
  local fields = {
    m.warn and m.warn.text or "", m.crit and m.crit.text or "",
    m.min and num(m.min) or "", m.max and num(m.max) or "",
  }
  while #fields > 0 and fields[#fields] == "" do fields[#fields] = nil end
  local s = label_text(m.label) .. "=" .. num(m.value) .. ((m.value == m.value) and m.uom or "")
  if #fields > 0 then s = s .. ";" .. table.concat(fields, ";") end
  return s
end

function M.perfdata()
  local items = {}
  for _, m in ipairs(all_metrics()) do items[#items + 1] = perf_item(m) end
  return table.concat(items, " ")
end

-- A "|" would start the perfdata in the monitor's parser, and the status
-- is one line: both are replaced in text output (JSON keeps them). A
-- server's bytes in a message (an error quoting a reply) have their
-- control characters and invalid UTF-8 escaped, as in the transcript.
local function clean(text)
  text = text:gsub("\r?\n", " / ")
  return (rt.printable(text):gsub("|", "¦"))
end

-- result is what the check would report now (or with the outcome of a
-- failed run): {state, service, message, messages, metrics, details, error}.
local function result(outcome)
  local s = M.OK
  for _, m in ipairs(messages) do s = worse(s, m.state) end
  local ms = all_metrics()
  for _, m in ipairs(ms) do s = worse(s, m.state) end
  local msgs = {}
  for i, m in ipairs(messages) do msgs[i] = m end
  local err = caught
  if outcome and outcome.kind ~= nil and outcome.message then
    -- An uncaught error decides the state (Go says which: 2 typed, 3
    -- anything else) and leads the message. A script bug names its line.
    s = NAMES[outcome.exit] and outcome.exit or M.UNKNOWN
    local text = outcome.message
    if outcome.usage then
      -- options.usage(msg): the command line is wrong, not a line of the
      -- script; the usage line goes to the long output.
      M.detail(outcome.usage)
    elseif s == M.UNKNOWN and outcome.where ~= "" and text:sub(1, #outcome.where + 1) ~= outcome.where .. ":" then
      text = outcome.where .. ": " .. text
    end
    table.insert(msgs, 1, {state = s, text = text})
    err = {kind = outcome.kind ~= "" and outcome.kind or "error", message = outcome.message, where = outcome.where}
    if failed_step then err.step = failed_step.name end
  end
  if forced then s = forced end
  -- Worst first, call order among equals; check.exit's message leads.
  local order = {}
  for i, m in ipairs(msgs) do order[i] = {m = m, i = i} end
  table.sort(order, function(a, b)
    if (a.m.lead or false) ~= (b.m.lead or false) then return a.m.lead == true end
    if RANK[a.m.state] ~= RANK[b.m.state] then return RANK[a.m.state] > RANK[b.m.state] end
    return a.i < b.i
  end)
  local texts = {}
  for _, o in ipairs(order) do
    if o.m.text and o.m.text ~= "" then texts[#texts + 1] = o.m.text end
  end
  return {state = s, service = M.service, message = table.concat(texts, ", "),
          metrics = ms, details = details, error = err}
end

local function status_text(r)
  local line = (r.service and (r.service .. " ") or "") .. NAMES[r.state]
  if r.message ~= "" then line = line .. " - " .. clean(r.message) end
  local perf = {}
  for _, m in ipairs(r.metrics) do perf[#perf + 1] = perf_item(m) end
  if #perf > 0 then line = line .. " | " .. table.concat(perf, " ") end
  local out = {line}
  if r.error and r.error.step then
    out[#out + 1] = clean(string.format("error in step %s after %ss (%s)", r.error.step,
                                        short(failed_step.elapsed), r.error.kind))
  end
  for _, d in ipairs(r.details) do out[#out + 1] = clean(d) end
  return table.concat(out, "\n")
end

-- rounded is v as perfdata shows it (at most six decimals), so JSON says
-- 0.000156, not 0.00015596799999999982; infinities and NaN stay as they are.
local function rounded(v)
  if v == nil or v ~= v or v == huge or v == -huge then return v end
  return tonumber(num(v))
end

local function json_text(r)
  local ms = {}
  for i, m in ipairs(r.metrics) do
    ms[i] = {label = m.label, value = (m.value == m.value) and rounded(m.value) or json.null,
             uom = m.uom ~= "" and m.uom or nil, warn = m.warn and m.warn.text, crit = m.crit and m.crit.text,
             min = rounded(m.min), max = rounded(m.max), state = NAMES[m.state], step = m.step}
  end
  return json.encode{
    service = r.service, state = NAMES[r.state], exit_code = r.state, message = r.message,
    perfdata = M.perfdata(),
    metrics = json.array(ms), details = json.array(r.details), error = r.error,
  }
end

-- status_line renders the output as it stands (for tests and previews).
function M.status_line() return status_text(result()) end

local function emit(r)
  done = true
  local j = json_text(r)
  rt.report(j) -- the prober (mailexpect serve) and --prom read it
  print(M.json and j or status_text(r))
end

-- exit prints the result and ends the run. With a state, that state is
-- the result whatever the thresholds say (and message, when given, is
-- added with it).
function M.exit(s, text)
  if s ~= nil then
    forced = state(s, "exit")
    if text ~= nil then add_message(forced, text, true) end
  end
  local r = result()
  emit(r)
  exit(r.state)
end

-- at_end: the run is over (returned, raised, or exit(n) without
-- check.exit). Print the status line unless check.exit did, and return
-- the exit code.
rt.at_end(function(outcome)
  if done then return nil end
  if outcome.exited then
    -- A plain exit(n) wins (docs/DESIGN.md); report under it, unless nothing
    -- was collected (e.g. -h printed the usage and left).
    if #messages == 0 and #metrics == 0 and #details == 0 then return nil end
    forced = NAMES[outcome.exit] and outcome.exit or M.UNKNOWN
    emit(result())
    return outcome.exit
  end
  local r = result(outcome)
  if r.error and M.verbose then
    log(string.format("check: %s error at %s: %s", r.error.kind, r.error.where, r.error.message))
  end
  emit(r)
  return r.state
end)

-- The module's own flags, taken out of arg (up to a "--").
local function take_flags()
  if type(arg) ~= "table" then return end
  local kept, i, n = {}, 1, #arg
  local function seconds(v, flag)
    local t = tonumber(v)
    if not t or not (t > 0) then usage("%s wants a number of seconds > 0, got %s", flag, tostring(v)) end
    return t
  end
  while i <= n do
    local a = arg[i]
    if a == "--" then
      for j = i, n do kept[#kept + 1] = arg[j] end
      break
    elseif a == "--json" then
      M.json = true
    elseif a == "--verbose" or a:match("^%-v+$") then
      M.verbose = (M.verbose or 0) + (a == "--verbose" and 1 or #a - 1)
    elseif a == "-t" or a == "--timeout" then
      M.timeout = seconds(arg[i + 1], a)
      i = i + 1
    elseif a:match("^%-t.") or a:match("^%-%-timeout=") then
      M.timeout = seconds(a:match("^%-t=?(.*)$") or a:match("=(.*)$"), "-t")
    else
      kept[#kept + 1] = a
    end
    i = i + 1
  end
  for j = 1, n do arg[j] = kept[j] end
end

take_flags()
if M.verbose then rt.verbose() end
if M.timeout then rt.max_time(M.timeout, "-t") end

return M
