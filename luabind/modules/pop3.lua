-- pop3: POP3 (RFC 1939) with CAPA and response codes (RFC 2449), STLS
-- (RFC 2595) and SASL AUTH (RFC 5034), on the session primitives.
-- Multi-line responses are framed and unstuffed in Go by s:read_dot(), so
-- a message line such as "+OK" or "." is body text, never a status.
local rt = require "mailexpect.internal"
local sasl = require "mailexpect.sasl"
local client = require "mailexpect.client"
local safety = require "mailexpect.safety"
-- --dry-run, read from Go once: safety.dry_run is a field a script could
-- write, and the modules must not send DELE or QUIT (EXPUNGE...) then.
local dry_run = rt.dry_run()

-- The globals this module uses, captured once (see smtp.lua).
local now, base64, md5 = now, base64, md5
local timed = client.timed
local command = rt.command
local os_remove = os and os.remove
local byte, sub, lower = string.byte, string.sub, string.lower
local tonumber, tostring = tonumber, tostring

local M = {}
local Client = {}
Client.__index = Client

-- Which commands answer with a multi-line response (RFC 1939, 2449,
-- 5034): a generic client must know, or it hangs (curl's DELE) or
-- desynchronises. LIST, UIDL and AUTH are multi-line only without an
-- argument.
local MULTILINE = {CAPA = true, RETR = true, TOP = true}
local MULTILINE_NOARG = {LIST = true, UIDL = true, AUTH = true}

-- Lines that carry credentials are always sent marked secret, even
-- through p:cmd.
local SECRET_VERBS = {PASS = true, APOP = true, AUTH = true}

-- Lazily split multi-line bodies into r.lines: a RETR body is held once,
-- as r.body, unless the script asks for the lines.
local lazy_lines = {__index = function(r, k)
  if k ~= "lines" or type(r.body) ~= "string" then return nil end
  local lines = {}
  for l in r.body:gmatch("(.-)\r\n") do lines[#lines + 1] = l end
  rawset(r, "lines", lines)
  return lines
end}

-- status parses "+OK text" / "-ERR text". RFC 1939 3 spells the
-- indicators in upper case, but servers vary, so they are matched
-- case-insensitively; the text is optional. A response code in brackets
-- (RFC 2449 8: [IN-USE], [LOGIN-DELAY], [SYS/TEMP], [AUTH]) is r.code.
-- The common "+OK" in upper case is recognised from its first bytes,
-- read in one call, without a pattern: this runs once per command.
-- first is the first byte of text (nil: text is empty).
local function response(ok, ind, text, line, first)
  local code = first == 91 and text:match("^%[([%w/%-]+)%]") or nil -- 91 = "["
  return {ok = ok, status = ind, text = text, line = line, code = code}
end

local function status(c, line)
  if line == nil then rt.raise("eof", c.label .. ": connection closed while waiting for a status line") end
  local b1, b2, b3, sep, first = byte(line, 1, 5)
  if b1 == 43 and b2 == 79 and b3 == 75 then -- "+OK"
    if sep == nil then return {ok = true, status = "+OK", text = "", line = line} end
    if sep == 32 and first ~= 91 then return {ok = true, status = "+OK", text = sub(line, 5), line = line} end
    if sep == 32 then return response(true, "+OK", sub(line, 5), line, first) end
  end
  local ind, text = line:match("^([%+%-]%a+)(.*)$")
  if ind then
    ind = ind:upper()
    if (ind == "+OK" or ind == "-ERR") and (text == "" or byte(text, 1) == 32) then
      return response(ind == "+OK", ind, sub(text, 2), line, byte(text, 2))
    end
  end
  rt.raise("protocol", c.label .. ": expected +OK or -ERR, got " .. string.format("%q", line:sub(1, 200)))
end

local function readstatus(c, timeout)
  return status(c, c.session:readline(timeout or c.timeouts.command))
end

-- fail raises the reply error of a -ERR. POP3 replies have no numeric
-- code: err.reply.status is "-ERR", err.reply.text the text (with any
-- [RESP-CODE] in it).
local function fail(c, stage, r, what)
  rt.raise("reply", string.format("%s: %s refused: %s %s", c.label, what or stage, r.status, r.text),
           {reply = {status = r.status, text = r.text, lines = {r.text}}, stage = stage})
end

-- How a POP3 client is opened (mailexpect.client): url = "pop3://host" or
-- "pop3s://host" with an optional port, or host/port. The TLS mode
-- defaults to implicit for pop3s and port 995 (RFC 8314), else STLS,
-- required; "none" must be said.
local OPENING = {
  endpoint = {name = "pop3", schemes = {"pop3", "pop3s"}, port = 110, implicit_port = 995},
}

-- The greeting (RFC 1939 4): a msg-id in it is the APOP timestamp (RFC
-- 1939 7), kept as c.timestamp.
function OPENING.welcome(c, g)
  if not g.ok then
    rt.raise("reply", string.format("%s: the server refused the session in its greeting: %s %s", c.label, g.status, g.text),
             {reply = {status = g.status, text = g.text, lines = {g.text}}, stage = "greeting"})
  end
  -- Most greetings have none: a plain search first (a pattern is tried
  -- at every position of the text).
  c.timestamp = g.text:find("<", 1, true) and g.text:match("(<[^<>]*@[^<>]*>)") or nil
end

function OPENING.init(c) c.deleted = {} end

-- M.connect opens the connection and reads the greeting.
local function connect(o)
  return client.connect(o, OPENING, Client)
end
M.connect = connect

-- read_to_file streams a multi-line body to path (created 0600). A body
-- cut short (EOF, timeout, a failed write) removes the partial file: it
-- must not pass for the message. A file that could not be opened is left
-- alone (it may be someone else's) and the body is read and dropped.
local function read_to_file(c, path, timeout)
  local ok, n = pcall(c.session.read_dot, c.session, {file = path, timeout = timeout})
  if not ok then
    local partial = type(n) ~= "table" or n.kind ~= "usage" or tostring(n.message):find("writing the body", 1, true)
    if partial then
      if os_remove then os_remove(path) end
    else
      pcall(c.session.read_dot, c.session, {timeout = timeout}) -- skip the body: the session stays in step
    end
    error(n, 0)
  end
  return n
end

-- ask sends one command line (secret: a boolean, the line carries
-- credentials; nil: the greeting, nothing is sent) and reads its status
-- line: the response, and the seconds that took (for c.timings). Every command comes here, ten or more per
-- mailbox, so the line goes out, its answer comes back and is timed in
-- one call (rt.command), which also splits the common answer, "+OK "
-- and its text. That text is the response's unless it starts with "["
-- (a response code, see status): a string that does not is below "[" or
-- from "\\" (the byte after it) on, compared without a call. A bare
-- "+OK" is as common.
local function ask(c, line, secret, timeout)
  local answer, took, text = command(c.session, line, secret, timeout or c.timeouts.command, "+OK ")
  if text and (text < "[" or text >= "\\") then
    return {ok = true, status = "+OK", text = text, line = answer}, took
  end
  if answer == "+OK" then return {ok = true, status = "+OK", text = "", line = answer}, took end
  return status(c, answer), took
end

function OPENING.greeting(c) return ask(c, nil, false, c.timeouts.greeting) end

-- body reads a multi-line response's body into r (RFC 1939 3), or with
-- o.file streams it there, and returns the seconds that took.
local function body(c, r, verb, o, timeout)
  local t0 = now()
  setmetatable(r, lazy_lines)
  if o and o.file then
    r.octets = read_to_file(c, o.file, timeout)
  else
    -- RETR's "+OK 1234 octets" lets read_dot reserve the body's memory
    -- once instead of growing (and copying) it. The count is optional:
    -- a bare "+OK" is a valid answer (RFC 1939 7).
    local size = verb == "RETR" and r.text:match("^(%d+)") or nil
    r.body = c.session:read_dot((timeout or size) and {timeout = timeout, size = size and tonumber(size)} or nil)
  end
  return now() - t0
end

-- exchange runs a command line the way p:cmd (and QUIT, PASS, APOP)
-- send it: the response, what a +OK does to the session (DELE marks
-- message arg, RSET unmarks them all) and, when multiline, the body. o
-- is {timeout =, file =} or nil. Returns the response and the seconds
-- it took.
local function exchange(c, verb, arg, line, multiline, secret, o)
  -- Under --dry-run nothing destructive goes out, whichever way a DELE or
  -- QUIT came (p:dele() and p:quit() report instead and never get here).
  if dry_run and (verb == "DELE" or verb == "QUIT") then
    safety.refuse(c, verb, "p:dele() only reports; p:quit() ends with RSET and a close")
  end
  local timeout = o and o.timeout
  local r, took = ask(c, line, secret, timeout)
  if not r.ok then return r, took end
  if verb == "DELE" then
    local deleted = c.deleted
    deleted[#deleted + 1] = arg
  elseif verb == "RSET" then
    c.deleted = {}
    safety.unmarked()
  end
  if multiline then took = took + body(c, r, verb, o, timeout) end
  return r, took
end

-- describe is the journal entry of message n (defined below, with DELE).
local describe

-- exec is p:cmd's command (verb upper-cased, arg the rest): what the
-- line is (destructive, multi-line, secret) is decided from the verb.
local function exec(c, verb, arg, line, o)
  -- A raw QUIT is the same commit point as p:quit(): route it there, so a
  -- bulk run can still refuse it and the journal gets its outcome (under
  -- --dry-run exchange refuses it).
  if verb == "QUIT" and not dry_run then return c:quit() end
  -- A raw DELE marks a message like p:dele(): QUIT becomes a commit point,
  -- and with --journal the message is journaled first, as p:dele() does
  -- (the journal names every message QUIT may delete).
  if verb == "DELE" then
    arg = tonumber(arg) or arg
    if safety.journaling and not dry_run and type(arg) == "number" then
      return safety.mark(c, {verb = "DELE", describe = describe,
        send = function(_, num) return (exchange(c, verb, num, line, false, false, o)) end}, arg)
    end
  end
  local multiline = o.multiline
  if multiline == nil then
    multiline = MULTILINE[verb] or (arg == "" and MULTILINE_NOARG[verb]) or false
  end
  return (exchange(c, verb, arg, line, multiline, (o.secret or (arg ~= "" and SECRET_VERBS[verb])) and true or false, o))
end

local NO_OPTS = {}

-- The commands the helpers send, each described once: its verb, its
-- c.timings key (the verb in lower case), and whether its response is
-- multi-line without an argument and with one.
local CMD = {}
for verb in ("USER STAT LIST UIDL RETR TOP DELE RSET NOOP STLS"):gmatch("%S+") do
  CMD[verb] = {verb = verb, key = lower(verb), multiline = MULTILINE[verb] or MULTILINE_NOARG[verb] or false,
               multiline_arg = MULTILINE[verb] or false}
end

-- cmd sends a raw command and returns its response: {ok, status, text,
-- code, line} plus, for a multi-line response, body (unstuffed, CRLF line
-- ends) and lines (split on first use), or octets with {file = path}. It
-- never raises on -ERR. multiline: nil decides by the command (CAPA,
-- RETR, TOP, and LIST / UIDL / AUTH without argument); true or false
-- forces it. Under --dry-run the destructive DELE, and QUIT (which would
-- commit deletions), raise instead of being sent.
function Client:cmd(line, o)
  local verb, arg = line:match("^%s*(%S*)%s*(.-)%s*$")
  return exec(self, (verb or ""):upper(), arg, line, o or NO_OPTS)
end

-- must runs the helpers' commands: cmd (from CMD) and an optional
-- argument; a -ERR is a reply error (o.what: the stage it names). The
-- time taken is added to c.timings under cmd.key. They go through
-- exchange as p:cmd's do (a DELE +OK marks, a RSET +OK unmarks); under
-- --dry-run none of them is DELE (that only pretends, see pretend_dele).
local function must(c, cmd, arg, o)
  local verb = cmd.verb
  local line, multiline
  if arg then line, multiline = verb .. " " .. arg, cmd.multiline_arg else line, multiline = verb, cmd.multiline end
  local r, took = exchange(c, verb, arg, line, multiline, false, o)
  if not r.ok then fail(c, o and o.what or verb, r) end
  local timings, key = c.timings, cmd.key
  timings[key] = (timings[key] or 0) + took
  return r
end

-- The module calls its own methods through locals (capa, stls, top,
-- auth, connect): the argument check of p:capa() or pop3.connect is for
-- the script's calls, and costs a trip through Go.

-- capa returns capability -> argument string or true (RFC 2449 5); a
-- server without CAPA gives an empty table. The result is kept as p.caps.
local function capa(c)
  local r = timed(c, "capa", exec, c, "CAPA", "", "CAPA", NO_OPTS)
  local caps = {}
  if r.ok then
    for _, l in ipairs(r.lines) do
      local k, v = l:match("^(%S+)%s*(.-)%s*$")
      if k then caps[k:upper()] = (v ~= "" and v) or true end
    end
  end
  c.caps = caps
  return caps
end
Client.capa = capa

-- stls upgrades to TLS (RFC 2595 4). It is sent only when CAPA lists STLS:
-- otherwise an error, never a silent fallback. Capabilities seen before TLS
-- are discarded and asked again; the new ones are returned.
local function upgrade(c)
  client.offers_tls(c, "STLS", (c.caps or capa(c)).STLS)
  c.caps = nil
  must(c, CMD.STLS)
  c.session:starttls()
  return capa(c)
end

local function stls(c)
  client.plaintext(c)
  return timed(c, "starttls", upgrade, c)
end
Client.stls, Client.starttls = stls, stls

-- Logging in (RFC 1939 7, RFC 5034) through the shared SASL stack
-- (mailexpect.sasl), which chooses the method and applies the plaintext
-- rule. POP3's own commands, USER/PASS and APOP, sit next to the SASL
-- mechanisms; names show in lower case (p.auth_mechanism, -v).

-- How POP3 frames SASL (RFC 5034 4): "AUTH mech [initial-response]", then
-- "+ challenge" lines answered in base64 until +OK or -ERR, "*" to cancel.
-- The initial response goes on the command line unless that would exceed
-- 255 octets; then after the first (empty) challenge.
local function challenge(c, l)
  if l ~= nil and (l == "+" or sub(l, 1, 2) == "+ ") then return sub(l, 3) end
  return nil, status(c, l)
end

local FRAME = {challenge = "+"}
local SECRET = {secret = true}

function FRAME.start(c, mech, ir)
  local line, owed = "AUTH " .. mech, ir
  if ir then
    local l = line .. " " .. (ir == "" and "=" or base64.encode(ir))
    if #l + 2 <= 255 then line, owed = l, nil end
  end
  c.session:sendline(line, {secret = ir ~= nil and owed == nil})
  local text, final = challenge(c, c.session:readline(c.timeouts.command))
  return c, text, final, owed
end

function FRAME.respond(c, line)
  c.session:sendline(line, SECRET)
  return challenge(c, c.session:readline(c.timeouts.command))
end

function FRAME.cancel(c, why)
  c.session:sendline("*")
  local r = readstatus(c)
  rt.raise("protocol", string.format("%s: AUTH cancelled: %s (%s %s)", c.label, why, r.status, r.text), {stage = "AUTH"})
end

local METHODS = {}
local USER = {what = "USER"} -- must's options for USER

-- USER/PASS (RFC 1939 7): offered when CAPA lists USER, or there is no CAPA.
METHODS.USER = {
  offered = function(c) return next(c.caps) == nil or c.caps.USER ~= nil end,
  run = function(c, cred)
    must(c, CMD.USER, cred.user, USER)
    local r = exchange(c, "PASS", cred.pass, "PASS " .. cred.pass, false, true)
    if not r.ok then fail(c, "AUTH", r, "PASS") end
    return r
  end,
}

-- APOP (RFC 1939 7): the digest is MD5(timestamp .. secret) in lower-case
-- hex; the password itself never leaves.
METHODS.APOP = {
  digest = true,
  offered = function(c) return c.timestamp ~= nil end,
  run = function(c, cred)
    if not c.timestamp then rt.raise("protocol", c.label .. ": auth = \"apop\" but the greeting has no timestamp", {stage = "AUTH"}) end
    local r = exchange(c, "APOP", cred.user, "APOP " .. cred.user .. " " .. md5(c.timestamp .. cred.pass), false, true)
    if not r.ok then fail(c, "AUTH", r, "APOP") end
    return r
  end,
}

-- The default: over TLS USER, SASL PLAIN, APOP; without TLS the digests
-- first, SASL SCRAM, APOP, then SASL CRAM-MD5, then (only with
-- allow_plaintext_auth) USER, PLAIN.
local ORDER_TLS = {"USER", "PLAIN", "APOP"}
local ORDER_PLAIN = {"SCRAM-SHA-256", "SCRAM-SHA-1", "APOP", "CRAM-MD5", "USER", "PLAIN"}

local SASL = {
  name = "pop3", stage = "AUTH", frame = FRAME, methods = METHODS,
  display = lower,
  mechanisms = {PLAIN = true, LOGIN = true, ["CRAM-MD5"] = true, ["SCRAM-SHA-1"] = true, ["SCRAM-SHA-256"] = true,
                XOAUTH2 = true, OAUTHBEARER = true},
  known = {"USER", "APOP", "PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"},
  -- CAPA is an extension (RFC 2449) many servers lack: a named mechanism
  -- is tried, not checked against it.
  trust_named = true,
  offered = function(c, name)
    if not c.caps then capa(c) end
    return sasl.offered_in(c.caps.SASL, name)
  end,
  advertised = function(c) return c.caps and c.caps.SASL end,
  order = function(c)
    if not c.caps then capa(c) end
    return c.session.tls and ORDER_TLS or ORDER_PLAIN
  end,
  accepted = function(r) return r.ok == true end,
}

-- auth logs in with opts user/pass: auth = "user" (USER/PASS), "apop",
-- "plain", "login" or "cram-md5" (SASL, RFC 5034), or the default (see
-- ORDER_TLS). The password is registered as a secret; -v names the method.
local function login(c)
  local r, mech = sasl.authenticate(c, SASL)
  if not r.ok then fail(c, "AUTH", r, "AUTH " .. mech:upper()) end
  c.caps = nil -- CAPA may differ after login (RFC 2449 5)
  return r
end

local function auth(c) return timed(c, "auth", login, c) end
Client.auth = auth

-- A listing holds at most one entry per 32 bytes of match_max (262,144
-- by default; kind full past it): each entry is a Lua table of several
-- hundred bytes, so the 8 MiB a LIST body may hold ("1 1" lines) would
-- otherwise cost over a gigabyte. A larger match_max allows more.
local function max_listing(c)
  return math.floor((c.opts.match_max or 8388608) / 32)
end

local function too_many(c, verb)
  rt.raise("full", string.format("%s: %s lists more than %d messages (one per 32 bytes of match_max); raise match_max, or ask for one message at a time (%s n)",
           c.label, verb, max_listing(c), verb))
end

-- msgnum is message number n, checked: a whole number from 1 to
-- MAX_MSGNUM (k % 1 == 0 says whole without a library call; it also
-- refuses inf and nan). Such a number is written into a command line
-- ("DELE " .. k) in digits; a larger one would be written with an
-- exponent ("DELE 1e+19"), which a lenient server reads as message 1.
-- RFC 1939 sets no bound; no maildrop holds 2^32 messages.
local MAX_MSGNUM = 4294967295
local function msgnum(n, what)
  local k = tonumber(n or "")
  if not k or k < 1 or k % 1 ~= 0 or k > MAX_MSGNUM then
    rt.raise("usage", string.format("pop3: %s: message number must be a whole number from 1 to %d, got %s", what, MAX_MSGNUM, tostring(n)))
  end
  return k
end

-- stat returns the message count and the maildrop size in octets.
function Client:stat()
  local r = must(self, CMD.STAT)
  local n, octets = r.text:match("^(%d+)%s+(%d+)")
  if not n then rt.raise("protocol", self.label .. ": unparsable STAT reply (want +OK COUNT OCTETS): " .. r.text) end
  return tonumber(n), tonumber(octets)
end

-- listing is LIST or UIDL (RFC 1939 5, 7), whose answers have one form:
-- with n, "+OK n value" for message n, and its value is returned;
-- without, a body of "n value" lines, returned as {{n =, [field] =
-- value}, ...}. kind says, per verb, the value's Lua pattern, the field and
-- conv, what turns the value into the result (nil: the string as it is);
-- its two patterns are made once. The body is read in one pass: each
-- match starts at a line start (the "\n" before it), and a line that does
-- not parse is skipped.
local function listing_of(verb, value, field, conv)
  return {verb = verb, cmd = CMD[verb], field = field, conv = conv,
          one = "^%d+%s+(" .. value .. ")", each = "\n(%d+)[ \t]+(" .. value .. ")"}
end
local LIST = listing_of("LIST", "%d+", "size", tonumber)
local UIDL = listing_of("UIDL", "%S+", "uid", nil)

local function listing(c, kind, n)
  local verb, field, conv = kind.verb, kind.field, kind.conv
  if n then
    local num = msgnum(n, lower(verb))
    local r = must(c, kind.cmd, num)
    local v = r.text:match(kind.one)
    if not v then
      rt.raise("protocol", string.format("%s: unparsable %s reply (want +OK %s %s): %s", c.label, verb, num, field:upper(), r.text))
    end
    if conv then return conv(v) end
    return v
  end
  local out, max = {}, max_listing(c)
  for k, v in ("\n" .. must(c, kind.cmd).body):gmatch(kind.each) do
    if #out == max then too_many(c, verb) end
    if conv then v = conv(v) end
    out[#out + 1] = {n = tonumber(k), [field] = v}
  end
  return out
end

-- list: with n, the size of message n; without, {{n=, size=}, ...}.
function Client:list(n) return listing(self, LIST, n) end

-- uidl: with n, the unique id of message n; without, {{n=, uid=}, ...}.
-- UIDs are the only ids stable across sessions (RFC 1939 7).
function Client:uidl(n) return listing(self, UIDL, n) end

-- retr returns message n, unstuffed, held once; with {file = path} it
-- streams the message to the file (0600) and returns its size in octets.
-- o goes to must as it is: the API spec lets it hold file and timeout
-- only (pop3.RetrOptions).
function Client:retr(n, o)
  local r = must(self, CMD.RETR, msgnum(n, "retr"), o)
  if o and o.file then return r.octets end
  return r.body
end

-- top returns the headers, the blank line and the first `lines` body
-- lines of message n (RFC 1939 7; 0 = headers only).
local function top(c, n, lines)
  local k = tonumber(lines or 0)
  if not k or k < 0 or k % 1 ~= 0 or k > MAX_MSGNUM then -- inf would go as TOP n -9223372036854775808
    rt.raise("usage", "pop3: top: line count must be a whole number >= 0, got " .. tostring(lines))
  end
  -- Both are whole numbers below 2^32: .. writes them in digits.
  return must(c, CMD.TOP, msgnum(n, "top") .. " " .. k).body
end
Client.top = top

-- describe is the journal entry of message n, asked before DELE (RFC
-- 1939 7: a message marked deleted cannot be asked about): LIST n, then
-- UIDL n and TOP n 0, which are optional: a -ERR leaves the field empty;
-- anything else (EOF, timeout) ends the row.
local AS_DELE = {what = "DELE"} -- must's options: a refusal names DELE

function describe(c, num)
  local l = must(c, CMD.LIST, num, AS_DELE)
  local function optional(ok, v)
    if ok then return v end
    if type(v) == "table" and v.kind == "reply" then return nil end
    error(v, 0)
  end
  return {mailbox = c.opts.user or c.label, size = tonumber(l.text:match("^%d+%s+(%d+)") or ""),
          uidl = optional(pcall(listing, c, UIDL, num)), headers = optional(pcall(top, c, num, 0))}
end

-- pretend_dele is DELE under --dry-run: what the server would refuse is
-- refused (a number LIST does not know, a message already marked), and
-- the mark is kept only here.
local function pretend_dele(c, num)
  local k = tonumber(num)
  -- The numbers marked so far as a set, made for the current list (p:rset()
  -- starts another): a dry run over a large maildrop must not search the
  -- list at every message.
  local marked = c.dry_marked
  if not marked or marked.list ~= c.deleted then
    marked = {list = c.deleted, set = {}}
    for _, d in ipairs(c.deleted) do marked.set[d] = true end
    c.dry_marked = marked
  end
  if marked.set[k] then
    fail(c, "DELE", {status = "-ERR", text = "message " .. num .. " already deleted (dry-run)"}, "DELE")
  end
  must(c, CMD.LIST, num, AS_DELE)
  c.deleted[#c.deleted + 1] = k
  marked.set[k] = true
  return {ok = true, status = "+OK", text = "dry-run: message " .. num .. " would be deleted"}
end

-- DELE as a step of mailexpect.safety: journaled before QUIT, only
-- reported under --dry-run. must sends it (exchange records the mark).
local DELE_CMD = CMD.DELE
local dele = safety.marker{verb = "DELE", describe = describe, pretend = pretend_dele,
                           send = function(c, num) return must(c, DELE_CMD, num) end}

-- dele marks message n for deletion; it takes effect only at QUIT (RFC
-- 1939 6).
function Client:dele(n)
  return dele(self, msgnum(n, "dele"))
end

-- rset unmarks every message marked for deletion (RFC 1939 5). Only a
-- +OK unmarks (exchange): after a -ERR the server may still hold the
-- marks, and QUIT must stay a commit point.
function Client:rset() return must(self, CMD.RSET) end

function Client:noop() return must(self, CMD.NOOP) end

-- quit ends the session; the server then deletes the marked messages
-- (RFC 1939 6, the UPDATE state). With messages marked it is the commit
-- point (mailexpect.safety): a bulk run may refuse it, and the session
-- then closes without QUIT, which unmarks them; +OK means committed, no
-- reply or -ERR ("some deleted messages not removed") unknown. Under
-- --dry-run the session ends with RSET and a close instead.
local function quit(c)
  local r, took = exchange(c, "QUIT", "", "QUIT", false, false)
  c.timings.quit = (c.timings.quit or 0) + took
  return r, r.ok and "committed" or "unknown"
end

function Client:quit()
  if dry_run then
    pcall(exec, self, "RSET", "", "RSET", NO_OPTS)
    self.session:close()
    return safety.would(self, "QUIT", {ok = true, status = "+OK", text = "dry-run: RSET and close, no QUIT"})
  end
  local ok, r
  if #self.deleted > 0 then ok, r = pcall(safety.commit, self, quit) else ok, r = pcall(quit, self) end
  self.session:close()
  if not ok then error(r, 0) end
  if not r.ok then fail(self, "QUIT", r) end
  return r
end

function Client:close() self.session:close() end

-- open = connect + STLS (unless tls is "implicit" or "none") + auth (when
-- user is given). A failure after connecting closes the session without
-- QUIT, so nothing is ever committed by a failed open.
local OPEN = {starttls = stls, login = auth}

function M.open(o) return client.open(connect, o, OPEN) end

return M
