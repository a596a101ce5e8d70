---@meta check
-- require "check", for lua-language-server. Generated from luabind/apispec; do not edit.

---Monitoring-plugin conventions: one status line, perfdata, exit 0/1/2/3.
---
---Requiring it switches the run to plugin mode: an uncaught typed error ends
---CRITICAL, a bug UNKNOWN, and the status line is printed however the run
---ends. The module takes --json, -t SECONDS and -v out of arg.
---
---    local check = require "check"
---    check.service = "SMTP"
---    local c = check.step("connect", smtp.open, {host = "mx.example.com"})
---    check.timings(c, "smtp")
---    check.metric("delivery", 0.25, "s", 5, 30)
---    check.ok("mx.example.com answers")
local check = {}

---Add a CRITICAL message.
---
---    if n > 1000 then check.critical("queue length " .. n) end
---@param text? string
function check.critical(text) end

---Add long output: lines after the status line.
---@param text string
function check.detail(text) end

---Record a caught typed error as CRITICAL and go on; anything else is raised again.
---
---    local ok, err = pcall(smtp.open, {host = h})
---    if not ok then check.error(err, h) end
---@param e? any
---@param prefix? string
function check.error(e, prefix) end

---Print the result and end the run; with a state, that state wins.
---
---    check.exit("critical", "no route to the mailbox")
---@param s? integer|"ok"|"warning"|"critical"|"unknown"|"OK"|"WARNING"|"CRITICAL"|"UNKNOWN"
---@param text? string
function check.exit(s, text) end

---Add perfdata label=value[uom];warn;crit;min;max; a value over a threshold raises the state.
---
---    check.metric("delivery", 12.3, "s", 10, 30)   -- WARNING: delivery 12.3s > 10 (warning)
---    check.metric{label = "queue", value = n, warn = "~:100", quiet = true}
---@param label string|check.MetricOptions
---@param value? number
---@param uom? string
---@param warn? string|number|check.Range
---@param crit? string|number|check.Range
---@param min? number
---@param max? number
---@return integer
function check.metric(label, value, uom, warn, crit, min, max) end

---Add an OK message.
---
---    check.ok("queue length " .. n)
---@param text? string
function check.ok(text) end

---The perfdata part of the status line so far.
---@return string
function check.perfdata() end

---Parse a range (10, 10:, ~:10, @10:20).
---@param spec? string|number|check.Range
---@return check.Range|nil
function check.range(spec) end

---"OK", "WARNING", "CRITICAL" or "UNKNOWN".
---@param s integer|"ok"|"warning"|"critical"|"unknown"|"OK"|"WARNING"|"CRITICAL"|"UNKNOWN"
---@return string
function check.state_name(s) end

---The status line as it would be printed now.
---@return string
function check.status_line() end

---Run fn(...) as a timed step (perfdata name=…s); an error is reported with the step's name.
---
---    local c = check.step("connect", smtp.open, {host = host})
---@param name string
---@param fn function
---@param ... any
---@return any ...
function check.step(name, fn, ...) end

---The state of value under warn and crit (CRITICAL wins).
---@param value number
---@param warn? string|number|check.Range
---@param crit? string|number|check.Range
---@return integer state
---@return string|nil why
function check.threshold(value, warn, crit) end

---Report a module client's step times as perfdata PREFIX_connect, PREFIX_ehlo, ....
---
---    check.timings(c, "smtp")   -- smtp_connect=...s smtp_ehlo=...s ...
---@param client table
---@param prefix? string
---@param names? string[]
function check.timings(client, prefix, names) end

---Add an UNKNOWN message.
---@param text? string
function check.unknown(text) end

---Add a WARNING message.
---@param text? string
function check.warning(text) end

---2.
---@type integer
check.CRITICAL = nil

---0.
---@type integer
check.OK = nil

---3.
---@type integer
check.UNKNOWN = nil

---1.
---@type integer
check.WARNING = nil

---True when --json was given.
---@type boolean|nil
check.json = nil

---The first word of the status line ("SMTP"); set it.
---@type string|nil
check.service = nil

---The -t SECONDS deadline.
---@type number|nil
check.timeout = nil

---The -v count.
---@type integer|nil
check.verbose = nil

---Check.metric's table form.
---@class check.MetricOptions
---@field label? string the perfdata label
---@field name? string the same as label
---@field value? number nil: could not be measured (U)
---@field uom? string s, ms, us, %, B, KB, MB, TB, c
---@field warn? string|number|check.Range
---@field crit? string|number|check.Range
---@field min? number
---@field max? number
---@field quiet? boolean the state counts, but no message is added

---A monitoring-plugins range: check.range("10:20").
---@class check.Range
---@field text string as written
---@field lo number
---@field hi number
---@field inside boolean @ ranges
local check_Range = {}

---Whether value alerts under the range, and why ("> 10").
---@param value number
---@return boolean alert
---@return string|nil why
function check_Range:alert(value) end

return check
