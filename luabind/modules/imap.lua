-- imap: IMAP4rev1/IMAP4rev2 (RFC 3501, RFC 9051) client steps on the Go
-- wire reader (mailexpect.imapwire, runtime/imapwire): tagged commands,
-- untagged data attributed in arrival order, literals framed by byte count
-- both ways. A message line such as "A004 OK" or "* BYE" inside a literal is
-- data; it can never complete a command or end the session.
--
-- Extensions used when offered: STARTTLS (RFC 9051 6.2.1), SASL-IR (RFC
-- 4959), LITERAL+/LITERAL- (RFC 7888), UIDPLUS (RFC 4315: UID EXPUNGE,
-- required to delete), MOVE (RFC 6851), IDLE (RFC 2177).
--
-- Safety rules (docs/DESIGN.md "Safety and trust"):
--   * Helpers delete only by UID: UID STORE +FLAGS (\Deleted) then UID
--     EXPUNGE, or UID MOVE. Never a bare EXPUNGE (it also takes messages
--     other clients flagged \Deleted); uid_expunge is refused without UIDPLUS;
--     a "*" is refused in the UID set of a destructive helper.
--   * UIDVALIDITY: UIDs are checked against the mailbox's current
--     UIDVALIDITY before anything destructive (see check_uids).
--   * --dry-run: mailboxes are opened with EXAMINE (read-only); the
--     journal, the commit point, dry-run reports and refusals are
--     mailexpect.safety's (a \Deleted store, UID EXPUNGE and MOVE are
--     commit points, and so is a raw command that removes messages).
local rt = require "mailexpect.internal"
local sasl = require "mailexpect.sasl"
local client = require "mailexpect.client"
local safety = require "mailexpect.safety"
-- --dry-run, read from Go once: safety.dry_run is a field a script could
-- write, and the modules must not send DELE or QUIT (EXPUNGE...) then.
local dry_run = rt.dry_run()
local w = require "mailexpect.imapwire"

-- The globals this module uses, captured once: a script that later
-- assigns to one of them must not change how credentials are handled.
local now, sleep, base64, mail = now, sleep, base64, mail

local M = {}
local Client = {}
Client.__index = Client

M.NIL = w.NIL

-- ---------------------------------------------------------------------
-- Arguments of the table form.

local ARG = {}
ARG.__tostring = function(a)
  return "imap." .. (a.secret and "secret" or a._imap) .. "(" .. (a.secret and "***" or string.format("%q", a.value)) .. ")"
end

local function mkarg(form, x, fname, sec)
  if type(x) == "number" then x = string.format("%d", x) end
  if type(x) ~= "string" then
    rt.raise("usage", string.format("imap.%s: expected a string, got %s", fname, type(x)))
  end
  return setmetatable({_imap = form, value = x, secret = sec or nil}, ARG)
end

local function secret_opt(o, fname)
  if o == nil then return nil end
  if type(o) ~= "table" then rt.raise("usage", "imap." .. fname .. ": options must be a table ({secret = true})") end
  for k in pairs(o) do
    if k ~= "secret" then rt.raise("usage", "imap." .. fname .. ": unknown option '" .. tostring(k) .. "' (known: secret)") end
  end
  return o.secret and true or nil
end

-- imap.string(x [, {secret = true}]): an IMAP string, quoted when that is
-- safe, else a literal (synchronizing unless the server has LITERAL+).
function M.string(x, o) return mkarg("string", x, "string", secret_opt(o, "string")) end
-- imap.literal(x [, {secret = true}]): always a literal (APPEND's message).
function M.literal(x, o) return mkarg("literal", x, "literal", secret_opt(o, "literal")) end
-- imap.secret(x): an IMAP string masked as *** everywhere, and registered
-- with the run's secrets.
function M.secret(x) return mkarg("string", x, "secret", true) end
-- imap.raw(x): sent as is (the same as a plain string in the table form).
function M.raw(x) return mkarg("raw", x, "raw") end

local function is_arg(v) return getmetatable(v) == ARG end

-- imap.date(epoch) is the day of epoch (UTC) as SEARCH wants it:
-- "1-Jan-2024" (RFC 9051 date). SINCE/BEFORE compare INTERNALDATE by day.
M.date = w.format_date

-- imap.internaldate(s) is an INTERNALDATE (" 1-Jan-2024 10:00:00 +0000")
-- as epoch seconds, or nil when s is not one.
M.internaldate = w.parse_date_time

local function nn(v) if v == M.NIL then return nil end return v end

-- imap.envelope(v) turns a FETCH ENVELOPE value (RFC 9051 7.5.2) into
-- {date, subject, from, sender, reply_to, to, cc, bcc, in_reply_to,
-- message_id}; addresses are arrays of {name, mailbox, host, address}.
-- NIL fields are nil. Header texts are not RFC 2047 decoded
-- (mail.decode_header does that).
function M.envelope(v)
  if type(v) ~= "table" then return nil end
  local function addrs(list)
    if type(list) ~= "table" then return nil end
    local out = {}
    for _, a in ipairs(list) do
      if type(a) == "table" then
        local mb, host = nn(a[3]), nn(a[4])
        out[#out + 1] = {name = nn(a[1]), mailbox = mb and tostring(mb), host = host and tostring(host),
                         address = (mb and host) and (tostring(mb) .. "@" .. tostring(host)) or nil}
      end
    end
    return out
  end
  local function str(x) x = nn(x); return x ~= nil and tostring(x) or nil end
  return {date = str(v[1]), subject = str(v[2]), from = addrs(v[3]), sender = addrs(v[4]),
          reply_to = addrs(v[5]), to = addrs(v[6]), cc = addrs(v[7]), bcc = addrs(v[8]),
          in_reply_to = str(v[9]), message_id = str(v[10])}
end

-- ---------------------------------------------------------------------
-- Options, addresses, errors.

local timed = client.timed

local function describe(r)
  local s = r.status
  if r.code then s = s .. " [" .. r.code .. ((r.code_text and r.code_text ~= "") and (" " .. r.code_text) or "") .. "]" end
  if r.text and r.text ~= "" then s = s .. " " .. r.text end
  return s
end

-- fail raises a reply error: err.reply = {status, code, code_args, text,
-- lines, tag, command}.
local function fail(c, stage, r, what)
  w.reply_error(string.format("%s: %s refused: %s", c.label, what or stage, describe(r)), r, stage)
end

-- ---------------------------------------------------------------------
-- Capabilities and mailbox state, from every response that passes.

local function set_caps(c, list)
  local caps, auth = {}, {}
  for _, v in ipairs(list or {}) do
    local cap = tostring(v):upper()
    caps[cap] = true
    local mech = cap:match("^AUTH=(.+)$")
    if mech then auth[#auth + 1] = mech end
  end
  if #auth > 0 then caps.AUTH = table.concat(auth, " ") end
  c.caps, c.caps_known = caps, true
  c.w:literal_mode(caps["LITERAL+"] or false, caps["LITERAL-"] or false)
end

-- absorb updates the client from one response: capabilities, alerts and
-- the selected mailbox (EXISTS, RECENT, EXPUNGE, FLAGS, the UIDVALIDITY,
-- UIDNEXT, PERMANENTFLAGS, UNSEEN, HIGHESTMODSEQ codes).
local function absorb(c, r)
  local code = r.code
  if code == "CAPABILITY" then set_caps(c, r.code_args) end
  if code == "ALERT" then rt.warn(c.label .. ": server alert: " .. tostring(r.text)) end
  if r.type ~= "untagged" then return end
  local name = r.name
  if name == "CAPABILITY" then set_caps(c, r.fields) return end
  local mb = c.mailbox
  if not mb then return end
  if name == "EXISTS" then mb.exists = r.number
  elseif name == "RECENT" then mb.recent = r.number
  elseif name == "EXPUNGE" then
    if mb.exists then mb.exists = mb.exists - 1 end
  elseif name == "FLAGS" then mb.flags = r.fields and r.fields[1] or {}
  elseif code == "UIDVALIDITY" and r.code_args then
    local v = r.code_args[1]
    if mb.uidvalidity ~= nil and v ~= mb.uidvalidity then
      -- The mailbox changed under the session: every UID known so far is
      -- void (RFC 9051 2.3.1.1).
      rt.warn(string.format("%s: UIDVALIDITY of %s changed from %s to %s: earlier UIDs are void",
              c.label, mb.name, tostring(mb.uidvalidity), tostring(v)))
      mb.changed = mb.changed or mb.uidvalidity
    end
    mb.uidvalidity = v
    c.known_uidvalidity[mb.name] = v
  elseif code == "UIDNEXT" and r.code_args then mb.uidnext = r.code_args[1]
  elseif code == "PERMANENTFLAGS" and r.code_args then mb.permanentflags = r.code_args[1]
  elseif code == "UNSEEN" and r.code_args then mb.unseen = r.code_args[1]
  elseif code == "HIGHESTMODSEQ" and r.code_args then mb.highestmodseq = r.code_args[1]
  elseif code == "READ-ONLY" then mb.readonly = true
  elseif code == "READ-WRITE" then mb.readonly = false
  end
end

local function absorb_result(c, res)
  for _, r in ipairs(res.untagged) do absorb(c, r) end
  absorb(c, res)
end

-- ---------------------------------------------------------------------
-- Mailbox names (RFC 3501 5.1.3, RFC 6855): scripts name mailboxes in
-- UTF-8 ("Entwürfe"); on the wire they are modified UTF-7
-- ("Entw&APw-rfe"), or UTF-8 once the session enabled UTF8=ACCEPT. An
-- imap.raw(name) or imap.string(name) is sent as given (a name already in
-- modified UTF-7).

local function mailbox_arg(c, name, what)
  if is_arg(name) then return name end
  if type(name) ~= "string" then
    rt.raise("usage", string.format("%s: mailbox name must be a string, got %s", what, type(name)))
  end
  if c.utf8 then return setmetatable({_imap = "utf8", value = name}, ARG) end
  local enc, why = w.mailbox_encode(name)
  if not enc then rt.raise("usage", string.format("%s: mailbox name %q: %s", what, name, why)) end
  return M.string(enc)
end

-- mailbox_name turns a name the server sent into UTF-8; one that is not
-- modified UTF-7 (a server sending 8-bit names unasked) stays as sent.
local function mailbox_name(c, wire)
  if c.utf8 then return wire end
  return (w.mailbox_decode(wire)) or wire
end

local function shown_name(name)
  if is_arg(name) then return name.value end
  return tostring(name)
end

-- ---------------------------------------------------------------------
-- Commands.

-- removes says why a command would remove messages, or nil: what its
-- own words say (read in Go from the arguments as they will be sent,
-- w.classify: EXPUNGE, MOVE, DELETE, RENAME, a STORE that sets \Deleted),
-- and CLOSE on a read-write mailbox, which expunges it. Under --dry-run
-- such a command is refused (mailexpect.safety).
local function removes(c, class)
  local why = class.removes
  if class.verb == "CLOSE" and c.mailbox and not c.mailbox.readonly then
    why = "CLOSE (it expunges the selected mailbox)"
  end
  if why and dry_run then
    safety.refuse(c, why, "the helpers uid_store, uid_expunge and uid_move report instead")
  end
  return why
end

-- await waits for h's completion, answering continuation requests with
-- o.continue(cont) (a line, or nil to cancel with "*"). Without a handler
-- a continuation is a protocol error: the server waits for data that will
-- not come, so the session is closed.
local function await(c, h, o)
  local steps = 0
  while true do
    local timeout, file = o.timeout or c.timeouts.command, o.file
    local res, cont = c.w:wait(h, (timeout or file) and {timeout = timeout, file = file} or nil)
    if res then
      absorb_result(c, res)
      return res
    end
    steps = steps + 1
    if not o.continue or steps > 20 then
      c.session:close()
      rt.raise("protocol", string.format("%s: the server asks for more (+ %s) but %s has nothing more to send",
               c.label, tostring(cont.text), h.text), {stage = h.name})
    end
    local line = o.continue(cont)
    if line == nil then line = "*" end
    c.w:send_line(line, o.secret_continue or false)
  end
end

-- cmd sends one command, as a line ("UID SEARCH ALL", sent as is) or a
-- table of arguments ({"UID", "SEARCH", "SUBJECT", imap.string(x)}), and
-- returns {status = "OK"|"NO"|"BAD", code, code_args, text, tag, command,
-- untagged = {...}}. NO and BAD are returned, never raised. Options:
-- timeout, file (FETCH message literals to files), continue (answers "+"
-- continuation requests), secret_continue. The module's own commands
-- come here through the local command, and its own calls of its methods
-- through locals too (capability, auth, enable_utf8, connect): the
-- argument check of i:cmd or i:auth() is for the script's calls, and
-- costs a trip through Go.
local function exchange(c, cmd, o)
  -- No options table when there is nothing to say (the usual case: the
  -- session's timeout): one less table per command.
  local timeout = o.timeout or c.timeouts.command
  local h = c.w:start(cmd, timeout and {timeout = timeout} or nil)
  return await(c, h, o)
end

local NO_OPTS = {} -- command and await only read the options

local function command(self, cmd, o)
  o = o or NO_OPTS
  local class = w.classify(cmd)
  local why, verb = removes(self, class), class.verb
  local selecting = verb == "SELECT" or verb == "EXAMINE"
  local previous
  if selecting then
    -- The mailbox state is rebuilt from the responses (RFC 9051 6.3.2: a
    -- SELECT deselects first, and a failed one leaves none selected).
    local name = mailbox_name(self, class.mailbox or "")
    previous = self.known_uidvalidity[name]
    self.mailbox = {name = name, flags = {}, readonly = verb == "EXAMINE"}
    self.state = "authenticated"
  end
  local r
  if why then
    r = safety.commit(self, function() return exchange(self, cmd, o) end)
  else
    r = exchange(self, cmd, o)
  end
  if selecting then
    local mb = self.mailbox
    if r.status ~= "OK" then
      self.mailbox = nil
    else
      self.state = "selected"
      mb.readonly = (r.code == "READ-ONLY") or (verb == "EXAMINE" and r.code ~= "READ-WRITE")
      if previous ~= nil and mb.uidvalidity ~= previous then
        -- Selected again in this session with another UIDVALIDITY: the
        -- mailbox was recreated, and UIDs from before name other messages.
        rt.warn(string.format("%s: UIDVALIDITY of %s is %s, was %s earlier in this session: earlier UIDs are void",
                self.label, mb.name, tostring(mb.uidvalidity), tostring(previous)))
        mb.changed = previous
      end
    end
  elseif (verb == "CLOSE" or verb == "UNSELECT") and r.status == "OK" then
    self.mailbox, self.state = nil, "authenticated"
  elseif verb == "LOGOUT" then
    self.state = "logout"
  end
  return r
end
Client.cmd = command

-- pipeline sends every command before reading any reply (the completions
-- are matched by tag) and returns their results in order. A command that
-- needs a continuation (IDLE, AUTHENTICATE) cannot be pipelined.
function Client:pipeline(cmds, o)
  o = o or {}
  if type(cmds) ~= "table" then rt.raise("usage", "i:pipeline: expected an array of commands") end
  local any
  for _, cmd in ipairs(cmds) do any = removes(self, w.classify(cmd)) or any end
  local function run()
    local hs = {}
    for k, cmd in ipairs(cmds) do hs[k] = self.w:start(cmd, {timeout = o.timeout or self.timeouts.command}) end
    local out = {}
    for k, h in ipairs(hs) do out[k] = await(self, h, {timeout = o.timeout}) end
    return out
  end
  if any then return safety.commit(self, run) end
  return run()
end

local function must(c, stage, cmd, o)
  local r = command(c, cmd, o)
  if r.status ~= "OK" then fail(c, stage, r, o and o.what or stage) end
  return r
end

-- ---------------------------------------------------------------------
-- Connection, TLS, authentication.

-- How an IMAP client is opened (mailexpect.client): url =
-- "imap://host[:port]" or "imaps://host[:port]", or host/port. The TLS mode
-- defaults to implicit for imaps and port 993, else STARTTLS, required;
-- "none" must be said.
local OPENING = {
  endpoint = {name = "imap", schemes = {"imap", "imaps"}, port = 143, implicit_port = 993},
  wrap = function(c) c.w = w.client(c.session, {max_literal = c.opts.max_literal}) end,
  greeting = function(c)
    local t0 = now()
    local g = c.w:greeting(c.timeouts.greeting)
    return g, now() - t0
  end,
}

-- The greeting (RFC 9051 7.1): OK, or PREAUTH (already authenticated);
-- BYE is raised by the wire reader.
function OPENING.init(c)
  c.caps, c.caps_known, c.known_uidvalidity, c.journaled = {}, false, {}, {}
end

function OPENING.welcome(c, g)
  absorb(c, g)
  c.state = g.name == "PREAUTH" and "authenticated" or "not-authenticated"
  if g.name == "PREAUTH" and c.tlsmode == "starttls" then
    -- STARTTLS is only valid before authentication: a PREAUTH session
    -- cannot be encrypted, and going on would be a silent downgrade.
    rt.raise("tls", c.label .. ": the server greeted with PREAUTH, so STARTTLS is impossible; refusing an unencrypted session (tls = \"none\" accepts it)",
             {stage = "greeting"})
  end
end

local function connect(o)
  return client.connect(o, OPENING, Client)
end
M.connect = connect

-- capability asks for the capabilities (RFC 9051 6.1.1) and returns c.caps:
-- upper-cased capability -> true, and AUTH = "PLAIN LOGIN" (the AUTH=
-- mechanisms, space-separated).
local function capability(c)
  local r = must(c, "CAPABILITY", "CAPABILITY")
  if not c.caps_known then set_caps(c, {}) end
  return c.caps, r
end
Client.capability = capability

local function ensure_caps(c)
  if not c.caps_known then capability(c) end
  return c.caps
end

-- starttls upgrades the connection (RFC 9051 6.2.1), only when offered:
-- a server that does not is an error, never a silent fallback. Bytes the
-- server sent after its go-ahead are refused in Go (CVE-2011-0411 class).
-- Capabilities learnt before TLS are discarded and asked again.
local function upgrade(c)
  client.offers_tls(c, "STARTTLS", ensure_caps(c).STARTTLS)
  local r = must(c, "STARTTLS", "STARTTLS")
  c.session:starttls()
  c.caps, c.caps_known = {}, false
  c.w:literal_mode(false, false)
  capability(c)
  return r
end

local function starttls(c)
  client.plaintext(c)
  return timed(c, "starttls", upgrade, c)
end
Client.starttls = starttls

-- Logging in (RFC 9051 6.2.2, 6.2.3) through the shared SASL stack
-- (mailexpect.sasl), which chooses the method and applies the plaintext
-- rule; the LOGIN command sits next to the SASL mechanisms. Names show in
-- lower case (i.auth_mechanism, -v).

-- How IMAP frames SASL: AUTHENTICATE mech, the initial response on the
-- command line with SASL-IR (RFC 4959), else after the server's empty
-- "+"; "+ challenge" continuation requests answered with base64 lines.
-- Every line the client sends here is secret.
local function sasl_arg(v) return setmetatable({_imap = "raw", value = v, secret = true}, ARG) end

local function challenge(x)
  local res, cont = x.c.w:wait(x.h, {timeout = x.c.timeouts.command})
  if res then
    absorb_result(x.c, res)
    return nil, res
  end
  return cont.text or ""
end

local FRAME = {challenge = "+"}

function FRAME.start(c, mech, ir)
  local args, owed = {"AUTHENTICATE", mech}, ir
  if ir and c.caps["SASL-IR"] then
    local b = base64.encode(ir)
    args[3] = sasl_arg(b == "" and "=" or b)
    owed = nil
  end
  local x = {c = c, h = c.w:start(args, {timeout = c.timeouts.command})}
  local text, final = challenge(x)
  return x, text, final, owed
end

function FRAME.respond(x, line)
  x.c.w:send_line(line, true)
  return challenge(x)
end

-- The server answers "*" with BAD (RFC 9051 6.2.2): the login is refused
-- like any other, with the server's words; -v shows why.
function FRAME.cancel(x, why)
  rt.note(x.c.session, "AUTHENTICATE cancelled: " .. why)
  x.c.w:send_line("*", false)
  local text, final = challenge(x)
  if final then return final end
  x.c.session:close()
  rt.raise("protocol", string.format("%s: the server goes on after AUTHENTICATE was cancelled (+ %s)", x.c.label, text),
           {stage = "AUTHENTICATE"})
end

-- LOGIN command (RFC 9051 6.2.3): both arguments are IMAP strings, quoted
-- or sent as literals, so a password with a quote, a backslash or 8-bit
-- bytes arrives exactly. Not with LOGINDISABLED.
local METHODS = {}
METHODS["LOGIN-COMMAND"] = {
  offered = function(c) return not c.caps.LOGINDISABLED end,
  run = function(c, cred)
    if c.caps.LOGINDISABLED then
      rt.raise("protocol", c.label .. ": the server says LOGINDISABLED: the LOGIN command is refused here" ..
               (c.session.tls and "" or " (before TLS)"), {stage = "LOGIN"})
    end
    return command(c, {"LOGIN", M.string(cred.user), M.secret(cred.pass)})
  end,
}

-- The default: over TLS PLAIN when advertised, then the LOGIN command;
-- without TLS SCRAM, then CRAM-MD5, which never put the password on the
-- wire.
local ORDER_TLS = {"PLAIN", "LOGIN-COMMAND"}
local ORDER_PLAIN = {"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN-COMMAND"}

local SASL = {
  name = "imap", stage = "AUTHENTICATE", frame = FRAME, methods = METHODS,
  display = string.lower,
  mechanisms = {PLAIN = true, LOGIN = true, ["CRAM-MD5"] = true, XOAUTH2 = true, OAUTHBEARER = true,
                ["SCRAM-SHA-1"] = true, ["SCRAM-SHA-256"] = true},
  known = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER", "LOGIN-COMMAND"},
  offered = function(c, name) return c.caps["AUTH=" .. name] == true end,
  advertised = function(c) return c.caps.AUTH end,
  order = function(c) return c.session.tls and ORDER_TLS or ORDER_PLAIN end,
  accepted = function(r) return r.status == "OK" end,
}

-- auth logs in with opts user/pass (or token): auth = "plain", "login",
-- "cram-md5", "xoauth2" (AUTHENTICATE) or "login-command" (LOGIN), or the
-- default (see ORDER_TLS). Credentials never travel in clear unless
-- allow_plaintext_auth = true; they are registered as secrets and every
-- line carrying them goes out marked secret.
local enable_utf8

local function login(c)
  local before = ensure_caps(c)
  local r, mech = sasl.authenticate(c, SASL)
  if r.status ~= "OK" then
    local verb = mech == "login-command" and "LOGIN" or "AUTHENTICATE"
    fail(c, verb, r, verb == "LOGIN" and verb or (verb .. " " .. mech:upper()))
  end
  c.state = "authenticated"
  -- The OK may carry the new capabilities (set_caps makes a new table);
  -- else they are asked for.
  if c.caps == before then capability(c) end
  enable_utf8(c)
  return r
end

local function auth(c)
  if c.state ~= "not-authenticated" then
    rt.raise("usage", c.label .. ": already authenticated (" .. tostring(c.state) .. ")")
  end
  return timed(c, "auth", login, c)
end
Client.auth, Client.login = auth, auth

-- enable_utf8 sends ENABLE UTF8=ACCEPT (RFC 6855) when the server offers
-- it and the script did not say utf8 = false: mailbox names then travel
-- as UTF-8 both ways. Done once, right after login (ENABLE belongs to the
-- authenticated state). Returns whether the session speaks UTF-8.
function enable_utf8(c)
  if c.utf8 ~= nil then return c.utf8 end
  if c.opts.utf8 == false or not ensure_caps(c)["UTF8=ACCEPT"] then
    c.utf8 = false
    return false
  end
  local r = must(c, "ENABLE", "ENABLE UTF8=ACCEPT")
  for _, u in ipairs(r.untagged) do
    if u.name == "ENABLED" then
      for _, f in ipairs(u.fields or {}) do
        if tostring(f):upper() == "UTF8=ACCEPT" then c.utf8 = true end
      end
    end
  end
  c.utf8 = c.utf8 or false
  return c.utf8
end
Client.enable_utf8 = enable_utf8

-- open = connect + STARTTLS (per tls mode) + login (when user is given).
-- A failure after connecting closes the session.
local OPEN = {
  starttls = starttls,
  login = function(c)
    if c.state == "authenticated" then
      rt.note(c.session, "PREAUTH: already authenticated, not logging in")
      enable_utf8(c)
    else
      auth(c)
    end
  end,
}

function M.open(o) return client.open(connect, o, OPEN) end

-- ---------------------------------------------------------------------
-- Mailboxes.

local function enter(c, verb, name, arg, timeout)
  local r = command(c, {verb, arg}, {timeout = timeout})
  if r.status ~= "OK" then fail(c, verb, r, verb .. " " .. shown_name(name)) end
  local mb = c.mailbox
  return {name = mb.name, exists = mb.exists, recent = mb.recent, uidvalidity = mb.uidvalidity,
          uidnext = mb.uidnext, flags = mb.flags, permanentflags = mb.permanentflags,
          unseen = mb.unseen, highestmodseq = mb.highestmodseq, readonly = mb.readonly}
end

local function open_mailbox(c, verb, name, o)
  o = o or {}
  local arg = mailbox_arg(c, name, "i:" .. verb:lower())
  return timed(c, "select", enter, c, verb, name, arg, o.timeout)
end

-- select opens a mailbox read-write (RFC 9051 6.3.2); under --dry-run, or
-- with {readonly = true}, read-only with EXAMINE. Returns {exists, recent,
-- uidvalidity, uidnext, flags, permanentflags, unseen, highestmodseq,
-- readonly}.
function Client:select(name, o)
  local verb = (dry_run or (o and o.readonly)) and "EXAMINE" or "SELECT"
  if verb == "EXAMINE" and dry_run then rt.note(self.session, "dry-run: EXAMINE instead of SELECT") end
  return open_mailbox(self, verb, name, o)
end

function Client:examine(name, o) return open_mailbox(self, "EXAMINE", name, o) end

-- listing sends LIST or LSUB (RFC 3501 6.3.8, 6.3.9) and returns the
-- mailboxes: {name (UTF-8), raw (as the server sent it), delimiter,
-- flags}. The reference and pattern are mailbox names too (encoded).
local function listing(c, verb, ref, pattern)
  local what = "i:" .. verb:lower()
  local r = must(c, verb, {verb, mailbox_arg(c, ref or "", what), mailbox_arg(c, pattern or "*", what)})
  local out = {}
  for _, u in ipairs(r.untagged) do
    if u.name == verb and u.fields and #u.fields >= 3 then
      local f = u.fields
      local raw = tostring(f[3])
      out[#out + 1] = {flags = type(f[1]) == "table" and f[1] or {}, delimiter = nn(f[2]),
                       name = mailbox_name(c, raw), raw = raw}
    end
  end
  return out
end

-- list returns the mailboxes matching pattern (default "*") under ref
-- (default ""): array of {name, raw, delimiter, flags}, names in UTF-8.
function Client:list(ref, pattern) return listing(self, "LIST", ref, pattern) end

-- lsub is list for the subscribed mailboxes (LSUB).
function Client:lsub(ref, pattern) return listing(self, "LSUB", ref, pattern) end

-- create makes a mailbox (RFC 3501 6.3.3); the result is returned.
function Client:create(name)
  return must(self, "CREATE", {"CREATE", mailbox_arg(self, name, "i:create")}, {what = "CREATE " .. shown_name(name)})
end

-- subscribe and unsubscribe (RFC 3501 6.3.6, 6.3.7) change the
-- subscription list only; the mailbox is untouched.
function Client:subscribe(name)
  return must(self, "SUBSCRIBE", {"SUBSCRIBE", mailbox_arg(self, name, "i:subscribe")}, {what = "SUBSCRIBE " .. shown_name(name)})
end

function Client:unsubscribe(name)
  return must(self, "UNSUBSCRIBE", {"UNSUBSCRIBE", mailbox_arg(self, name, "i:unsubscribe")}, {what = "UNSUBSCRIBE " .. shown_name(name)})
end

-- whole_mailbox describes a mailbox a DELETE or RENAME is about to take
-- away from its name, for the journal and the dry-run report: one entry
-- {mailbox, uid = "*" (every message), uidvalidity, size, messages,
-- target}, from STATUS (SIZE when the server has STATUS=SIZE, RFC 8438).
-- A STATUS refusal is returned as the second result.
local function whole_mailbox(c, name, arg, target)
  local items = ensure_caps(c)["STATUS=SIZE"] and "(MESSAGES UIDVALIDITY SIZE)" or "(MESSAGES UIDVALIDITY)"
  local r = command(c, {"STATUS", arg, items})
  if r.status ~= "OK" then return nil, r end
  local st = {}
  for _, u in ipairs(r.untagged) do
    local list = u.name == "STATUS" and u.fields and u.fields[#u.fields]
    if type(list) == "table" then
      for k = 1, #list - 1, 2 do st[tostring(list[k]):upper()] = list[k + 1] end
    end
  end
  return {mailbox = shown_name(name), uid = "*", uidvalidity = st.UIDVALIDITY, size = tonumber(st.SIZE) or 0,
          messages = tonumber(st.MESSAGES), target = target}
end

-- retire runs a DELETE or RENAME, which take every message away from a
-- name: destructive, so through mailexpect.safety like a deletion. The
-- mailbox is described first (journal, dry-run), the command is the
-- commit point, and under --dry-run nothing is sent: a mailbox the
-- server would not know is the STATUS refusal, raised as DELETE's would
-- be; else a report {status = "OK", text = "dry-run", dry_run = true,
-- messages}.
local function retire(c, verb, name, args, target)
  local what = verb .. " " .. shown_name(name) .. (target and (" to " .. shown_name(target)) or "")
  local entry, refused
  if safety.journaling or dry_run then
    entry, refused = whole_mailbox(c, name, args[2], target and shown_name(target))
    if refused and dry_run then fail(c, verb, refused, what) end
  end
  return safety.remove(c, "send " .. what, function() return {entry} end,
                       function() return must(c, verb, args, {what = what}) end,
                       {status = "OK", text = "dry-run", messages = entry and entry.messages})
end

-- delete removes a mailbox and every message in it (RFC 3501 6.3.4).
function Client:delete(name)
  return retire(self, "DELETE", name, {"DELETE", mailbox_arg(self, name, "i:delete")})
end

-- rename renames a mailbox (RFC 3501 6.3.5): its messages leave the old
-- name (for INBOX: move to the new one), so it counts as a deletion.
function Client:rename(from, to)
  return retire(self, "RENAME", from, {"RENAME", mailbox_arg(self, from, "i:rename"), mailbox_arg(self, to, "i:rename")}, to)
end

-- status returns the STATUS items of a mailbox (RFC 9051 6.3.11) as
-- {MESSAGES = n, UIDNEXT = n, ...}; items default to MESSAGES UIDNEXT
-- UIDVALIDITY UNSEEN.
function Client:status(name, items)
  if type(items) == "table" then items = "(" .. table.concat(items, " ") .. ")" end
  items = items or "(MESSAGES UIDNEXT UIDVALIDITY UNSEEN)"
  if not items:match("^%(") then items = "(" .. items .. ")" end
  local r = must(self, "STATUS", {"STATUS", mailbox_arg(self, name, "i:status"), items})
  local out = {}
  for _, u in ipairs(r.untagged) do
    if u.name == "STATUS" and u.fields then
      local list = u.fields[#u.fields]
      if type(list) == "table" then
        for k = 1, #list - 1, 2 do out[tostring(list[k]):upper()] = list[k + 1] end
      end
    end
  end
  return out
end

-- append adds a message to a mailbox (RFC 9051 6.3.12), sent as a
-- literal; o.flags ("(\\Seen)" or {"\\Seen"}), o.date (an INTERNALDATE
-- string). Returns the result with uid and uidvalidity from APPENDUID
-- (UIDPLUS) when the server gives them.
function Client:append(name, message, o)
  o = o or {}
  if type(message) ~= "string" then rt.raise("usage", "i:append: message must be a string") end
  local args = {"APPEND", mailbox_arg(self, name, "i:append")}
  if o.flags then
    args[#args + 1] = type(o.flags) == "table" and ("(" .. table.concat(o.flags, " ") .. ")") or o.flags
  end
  if o.date then args[#args + 1] = M.string(o.date) end
  args[#args + 1] = M.literal(message)
  local r = must(self, "APPEND", args, {timeout = o.timeout, what = "APPEND to " .. shown_name(name)})
  if r.code == "APPENDUID" and r.code_args then
    r.uidvalidity, r.uid = r.code_args[1], r.code_args[2]
  end
  return r
end

function Client:noop() return must(self, "NOOP", "NOOP") end

-- ---------------------------------------------------------------------
-- Sets, searches and fetches.

-- int writes a whole number (a UID, a sequence number) as IMAP wants it:
-- tostring writes whole numbers without exponent or fraction, as "%d"
-- does, without string.format's parsing. It is given numbers from 1 to
-- MAX_NUMBER only (nz-number, RFC 3501 9: unsigned 32-bit); a larger one
-- would be written with an exponent ("1e+19").
local function int(n) return tostring(n) end
local MAX_NUMBER = 4294967295

-- set_string checks a sequence set given as a number or a string
-- ("1:5,7", "1:*") and returns it as a string.
local function set_string(v, what)
  if type(v) == "number" then
    if v < 1 or v % 1 ~= 0 or v > MAX_NUMBER then rt.raise("usage", what .. ": bad number " .. tostring(v)) end
    return int(v)
  end
  if type(v) == "string" then
    if not v:match("^[%d:,*]+$") then rt.raise("usage", what .. ": bad sequence set " .. string.format("%q", v)) end
    return v
  end
  rt.raise("usage", what .. ": expected a number, a set string such as \"1:5,7\" or an array, got " .. type(v))
end

-- collect returns the numbers in uids (array of numbers, numeric strings
-- or records carrying key) sorted and distinct, and the records by number.
local function collect(uids, key, what)
  local nums, recs, seen = {}, {}, {}
  for k, v in ipairs(uids) do
    local n, rec = v, nil
    if type(v) == "table" then rec, n = v, v[key] end
    n = tonumber(n)
    if not n or n < 1 or n % 1 ~= 0 or n > MAX_NUMBER then
      rt.raise("usage", string.format("%s: element %d is not a %s", what, k, key == "UID" and "UID" or "number"))
    end
    if not seen[n] then
      seen[n] = true
      nums[#nums + 1] = n
    end
    if rec then recs[n] = rec end
  end
  table.sort(nums)
  return nums, recs
end

-- compress renders sorted numbers as sets ("1:5,7"), each at most about
-- MAX_SET characters: a long selection goes out in several commands
-- instead of one line a server would refuse.
local MAX_SET = 4000
local function compress(nums)
  local sets, parts, len = {}, {}, 0
  local k = 1
  while k <= #nums do
    local a, b = nums[k], nums[k]
    while nums[k + 1] == b + 1 do k = k + 1; b = nums[k] end
    local p = a == b and int(a) or (int(a) .. ":" .. int(b))
    if len + #p + 1 > MAX_SET and #parts > 0 then
      sets[#sets + 1] = table.concat(parts, ",")
      parts, len = {}, 0
    end
    parts[#parts + 1] = p
    len = len + #p + 1
    k = k + 1
  end
  if #parts > 0 then sets[#sets + 1] = table.concat(parts, ",") end
  return sets
end

-- set_ranges reads a sequence set once, for in_ranges: "*" is star (the
-- highest number), and a:b means the numbers between, either way round;
-- a part that is neither is skipped. The ranges come sorted, overlapping
-- ones merged: a FETCH's records are each looked up in a set that may
-- have thousands of parts (i:uid_fetch of a list of UIDs).
local function set_ranges(set, star)
  local ranges = {}
  for part in set:gmatch("[^,]+") do
    local a, b = part:match("^([^:]+):([^:]+)$")
    a = a or part
    b = b or part
    a = a == "*" and star or tonumber(a)
    b = b == "*" and star or tonumber(b)
    if a and b and a == a and b == b then -- not nan, which is in no range
      if a > b then a, b = b, a end
      ranges[#ranges + 1] = {a, b}
    end
  end
  table.sort(ranges, function(x, y) return x[1] < y[1] end)
  local merged = {}
  for _, r in ipairs(ranges) do
    local last = merged[#merged]
    if last and r[1] <= last[2] then
      if r[2] > last[2] then last[2] = r[2] end
    else
      merged[#merged + 1] = r
    end
  end
  return merged
end

-- in_ranges reports whether n is in set_ranges' ranges (a binary search:
-- they are sorted and apart).
local function in_ranges(n, ranges)
  local lo, hi = 1, #ranges
  while lo <= hi do
    local mid = lo + (hi - lo - (hi - lo) % 2) / 2
    local r = ranges[mid]
    if n < r[1] then hi = mid - 1
    elseif n > r[2] then lo = mid + 1
    else return true end
  end
  return false
end

local function has_non_ascii(v)
  if is_arg(v) then return v.value:find("[\128-\255]") ~= nil end
  return type(v) == "string" and v:find("[\128-\255]") ~= nil
end

local function search(c, uid, criteria, o)
  o = o or {}
  local args = {}
  if uid then args[1] = "UID" end
  args[#args + 1] = "SEARCH"
  local crit = criteria
  if crit == nil then crit = "ALL" end
  if type(crit) ~= "table" then crit = {crit} end
  if #crit == 0 then rt.raise("usage", "i:search: empty criteria") end
  local utf8, charset = false, false
  for k, v in ipairs(crit) do
    if has_non_ascii(v) then utf8 = true end
    if k == 1 and type(v) == "string" and v:upper():match("^CHARSET") then charset = true end
  end
  if utf8 and not charset then
    -- Non-ASCII search text needs a charset (RFC 9051 6.4.4).
    args[#args + 1] = "CHARSET"
    args[#args + 1] = "UTF-8"
  end
  for _, v in ipairs(crit) do args[#args + 1] = v end
  local what = uid and "UID SEARCH" or "SEARCH"
  local r = timed(c, "search", must, c, what, args, {timeout = o.timeout})
  local out = {}
  for _, u in ipairs(r.untagged) do
    if u.name == "SEARCH" and u.fields then
      for _, n in ipairs(u.fields) do
        if type(n) == "number" then out[#out + 1] = n end
      end
    end
  end
  if uid and c.mailbox then out.uidvalidity = c.mailbox.uidvalidity end
  return out
end

-- search / uid_search: criteria as a string sent as is ("SUBJECT x
-- SINCE 1-Jan-2024"), or a table of arguments ({"SUBJECT", imap.string(x)}):
-- non-ASCII imap.string values add CHARSET UTF-8. Returns an array of
-- numbers (message numbers / UIDs); uid_search's array carries the
-- mailbox's uidvalidity as a field, checked by the destructive helpers.
function Client:search(criteria, o) return search(self, false, criteria, o) end
function Client:uid_search(criteria, o) return search(self, true, criteria, o) end

-- updates_only: FETCH items that unsolicited updates carry.
local UPDATE_ITEMS = {seq = true, uidvalidity = true, UID = true, FLAGS = true, MODSEQ = true}

local function wants_more(items)
  local s = items:upper():gsub("%b[]", "")
  for word in s:gmatch("[%w%.]+") do
    if word ~= "UID" and word ~= "FLAGS" and word ~= "MODSEQ" then return true end
  end
  return false
end

local function fetch(c, uid, set, items, o)
  o = o or {}
  local what = uid and "i:uid_fetch" or "i:fetch"
  if type(set) == "table" then
    local nums = collect(set, uid and "UID" or "seq", what)
    if #nums == 0 then return {} end
    set = table.concat(compress(nums), ",") -- a fetch set may be long
  else
    set = set_string(set, what)
  end
  if type(items) == "table" then items = "(" .. table.concat(items, " ") .. ")" end
  if type(items) ~= "string" then rt.raise("usage", what .. ": items must be a string or an array") end
  local args = {}
  if uid then args[1] = "UID" end
  args[#args + 1] = "FETCH"
  args[#args + 1] = set
  args[#args + 1] = items
  local r = timed(c, "fetch", must, c, uid and "UID FETCH" or "FETCH", args, {timeout = o.timeout, file = o.file})
  local more = wants_more(items)
  local mb = c.mailbox
  local out, byseq = {}, {}
  for _, u in ipairs(r.untagged) do
    local f = u.fetch
    if f then
      local rec = byseq[f.seq]
      if rec then
        for k, v in pairs(f) do rec[k] = v end
      else
        byseq[f.seq] = f
        out[#out + 1] = f
      end
    end
  end
  -- Keep the records of the messages asked for: unsolicited FLAGS updates
  -- for other messages may arrive during a FETCH.
  local kept = {}
  local ranges = set_ranges(set, uid and math.huge or (mb and mb.exists or math.huge))
  local any_uid = uid and set:find("*", 1, true) ~= nil
  for _, rec in ipairs(out) do
    local ours
    if uid then
      ours = rec.UID ~= nil and (any_uid or in_ranges(rec.UID, ranges))
    else
      ours = in_ranges(rec.seq, ranges)
    end
    if ours and more then
      local only_update = true
      for k in pairs(rec) do if not UPDATE_ITEMS[k] then only_update = false break end end
      ours = not only_update
    end
    if ours then
      if mb and mb.uidvalidity then rec.uidvalidity = mb.uidvalidity end
      kept[#kept + 1] = rec
    end
  end
  if mb then kept.uidvalidity = mb.uidvalidity end
  return kept
end

-- fetch / uid_fetch: set (number, "1:5,7", or an array of numbers or
-- records), items ("(UID FLAGS RFC822.SIZE BODY.PEEK[])" or an array).
-- Returns an array of records in the server's order: {seq = n, UID = u,
-- ["RFC822.SIZE"] = n, ["BODY[]"] = bytes, ...} keyed by the item names
-- the server sends, upper-cased (BODY.PEEK[...] comes back as BODY[...]),
-- NIL as imap.NIL, plus uidvalidity when a mailbox is selected. Records
-- for messages outside the set (unsolicited FLAGS updates) are left out.
-- o.file: message literals to files (a path for one, a function(info)
-- returning a path per literal); the item's value is then its byte count.
function Client:fetch(set, items, o) return fetch(self, false, set, items, o) end
function Client:uid_fetch(set, items, o) return fetch(self, true, set, items, o) end

-- ---------------------------------------------------------------------
-- Destructive helpers.

-- selected_mailbox returns the selected mailbox or raises.
local function selected_mailbox(c, what)
  local mb = c.mailbox
  if not mb or c.state ~= "selected" then rt.raise("usage", c.label .. ": " .. what .. " needs a selected mailbox (i:select first)") end
  return mb
end

-- check_uids returns the UID list and records of a destructive helper's
-- argument after the UIDVALIDITY rule: the UIDs must belong to the
-- mailbox's current UIDVALIDITY. A uidvalidity they carry (uid_search and
-- fetch results, their records, or o.uidvalidity) must equal it; UIDs that
-- carry none are refused once the UIDVALIDITY changed in this session (an
-- untagged change, or a reselect that found another value).
local function check_uids(c, uids, o, what)
  local mb = selected_mailbox(c, what)
  local nums, recs
  if type(uids) == "string" or type(uids) == "number" then
    local s = set_string(uids, what)
    if s:find("*", 1, true) then
      rt.raise("usage", what .. ": \"*\" is refused in the UIDs of a destructive helper (it means whatever is newest when the server reads it)")
    end
    nums = {}
    for part in s:gmatch("[^,]+") do
      local a, b = part:match("^(%d+):(%d+)$")
      a, b = tonumber(a or part), tonumber(b or part)
      if not a or not b then rt.raise("usage", what .. ": bad UID set " .. s) end
      if a > b then a, b = b, a end
      if b - a > 1000000 then rt.raise("usage", what .. ": UID range " .. part .. " is too wide; pass the UIDs found by a search") end
      for n = a, b do nums[#nums + 1] = n end
    end
    nums = collect(nums, "UID", what)
    recs = {}
  elseif type(uids) == "table" then
    nums, recs = collect(uids, "UID", what)
  else
    rt.raise("usage", what .. ": expected UIDs (an array, a number or a set string), got " .. type(uids))
  end
  local cur = mb.uidvalidity
  if cur == nil then
    rt.raise("protocol", c.label .. ": " .. what .. ": the server gave no UIDVALIDITY for " .. mb.name .. ", so UIDs cannot be trusted", {stage = what})
  end
  local claims = {}
  if o and o.uidvalidity ~= nil then claims[#claims + 1] = o.uidvalidity end
  if type(uids) == "table" and uids.uidvalidity ~= nil then claims[#claims + 1] = uids.uidvalidity end
  for _, rec in pairs(recs) do
    if rec.uidvalidity ~= nil then claims[#claims + 1] = rec.uidvalidity break end
  end
  for _, v in ipairs(claims) do
    if tonumber(v) ~= tonumber(cur) then
      rt.raise("protocol", string.format("%s: %s refused: the UIDs belong to UIDVALIDITY %s but %s now has %s (the mailbox was recreated; search again)",
               c.label, what, tostring(v), mb.name, tostring(cur)), {stage = what})
    end
  end
  if #claims == 0 and mb.changed ~= nil then
    rt.raise("protocol", string.format("%s: %s refused: UIDVALIDITY of %s changed from %s to %s in this session; pass UIDs from a new search (or {uidvalidity = %s})",
             c.label, what, mb.name, tostring(mb.changed), tostring(cur), tostring(cur)), {stage = what})
  end
  return nums, recs, mb
end

-- header_fields returns the text of a BODY[HEADER...] item of a record.
local function header_fields(rec)
  for k, v in pairs(rec) do
    if type(k) == "string" and type(v) == "string" and k:match("^BODY%[HEADER") then return v end
  end
end

-- entries are the journal entries of the messages a helper is about to
-- delete: {mailbox, uid, uidvalidity, size, message_id, date, subject,
-- headers}, with the details the records passed to the helper carry
-- (RFC822.SIZE, ENVELOPE, or a BODY[HEADER.FIELDS (...)] item). A UID is
-- journaled once per session.
local function entries(c, mb, nums, recs)
  local out = {}
  for _, n in ipairs(nums) do
    local key = tostring(mb.uidvalidity) .. "/" .. mb.name .. "/" .. int(n)
    if not c.journaled[key] then
      local rec = recs[n] or {}
      local env = rec.ENVELOPE and M.envelope(rec.ENVELOPE) or {}
      out[#out + 1] = {
        mailbox = mb.name, uid = int(n), uidvalidity = mb.uidvalidity,
        size = tonumber(rec["RFC822.SIZE"]) or 0,
        message_id = env.message_id, date = env.date,
        subject = env.subject and mail.decode_header(env.subject),
        headers = header_fields(rec),
      }
      c.journaled[key] = true
    end
  end
  return out
end

-- destroy runs a helper's deleting step through mailexpect.safety: the
-- messages journaled, then send() as the commit point; under --dry-run
-- what it would send is reported instead ({status = "OK", text =
-- "dry-run", dry_run = true, uids}).
local function destroy(c, verb, nums, recs, mb, extra, send)
  return safety.remove(c, "send " .. verb .. " " .. table.concat(compress(nums), ",") .. (extra or ""),
                       function() return entries(c, mb, nums, recs) end, send,
                       {status = "OK", text = "dry-run", uids = nums})
end

local function flag_list(flags, what)
  if type(flags) == "table" then flags = "(" .. table.concat(flags, " ") .. ")" end
  if type(flags) ~= "string" then rt.raise("usage", what .. ": flags must be a string or an array") end
  if not flags:match("^%(") then flags = "(" .. flags .. ")" end
  return flags
end

-- uid_store changes flags by UID (RFC 9051 6.4.6 with UID): op is FLAGS,
-- +FLAGS or -FLAGS, optionally .SILENT; flags "(\\Deleted)" or an array.
-- Setting \Deleted is the session's commit point (journal first). Under
-- --dry-run nothing is sent (the mailbox is read-only anyway): it reports.
-- Returns the FETCH records the server sent back (none with .SILENT).
function Client:uid_store(uids, op, flags, o)
  o = o or {}
  if type(op) ~= "string" or not op:upper():match("^[+%-]?FLAGS$") and not op:upper():match("^[+%-]?FLAGS%.SILENT$") then
    rt.raise("usage", "i:uid_store: op must be FLAGS, +FLAGS or -FLAGS (optionally .SILENT), got " .. tostring(op))
  end
  op = op:upper()
  flags = flag_list(flags, "i:uid_store")
  local nums, recs, mb = check_uids(self, uids, o, "UID STORE")
  if #nums == 0 then return {} end
  local function run()
    local out = {}
    for _, set in ipairs(compress(nums)) do
      local r = timed(self, "store", must, self, "UID STORE", {"UID", "STORE", set, op, flags}, {timeout = o.timeout})
      for _, u in ipairs(r.untagged) do if u.fetch then out[#out + 1] = u.fetch end end
    end
    return out
  end
  if op:sub(1, 1) ~= "-" and flags:upper():find("\\DELETED", 1, true) then
    return destroy(self, "UID STORE", nums, recs, mb, " " .. op .. " " .. flags, run)
  end
  if dry_run then -- the mailbox is read-only (EXAMINE): only report
    return safety.would(self, "send UID STORE " .. table.concat(compress(nums), ",") .. " " .. op .. " " .. flags,
                        {status = "OK", text = "dry-run", uids = nums})
  end
  return run()
end

-- uid_expunge removes the given UIDs, and only them, if they are flagged
-- \Deleted (UID EXPUNGE, RFC 4315): messages other clients flagged
-- \Deleted stay. Refused without UIDPLUS: a bare EXPUNGE would take those
-- too. Returns the message numbers the server reported expunged.
function Client:uid_expunge(uids, o)
  o = o or {}
  local nums, recs, mb = check_uids(self, uids, o, "UID EXPUNGE")
  ensure_caps(self)
  if not self.caps.UIDPLUS then
    rt.raise("protocol", self.label .. ": uid_expunge needs UIDPLUS (RFC 4315), which the server does not offer; a bare EXPUNGE would also remove messages other clients flagged \\Deleted",
             {stage = "UID EXPUNGE"})
  end
  if #nums == 0 then return {} end
  return destroy(self, "UID EXPUNGE", nums, recs, mb, nil, function()
    local out = {}
    for _, set in ipairs(compress(nums)) do
      local r = timed(self, "expunge", must, self, "UID EXPUNGE", {"UID", "EXPUNGE", set}, {timeout = o.timeout})
      for _, u in ipairs(r.untagged) do
        if u.name == "EXPUNGE" then out[#out + 1] = u.number end
      end
    end
    return out
  end)
end

-- copyuid reads COPYUID (RFC 4315) from a result: {uidvalidity, from,
-- to} with the source and destination UID sets as strings.
local function copyuid(r, into)
  local function scan(x)
    if x.code == "COPYUID" and x.code_args and #x.code_args >= 3 then
      into.copyuid = {uidvalidity = x.code_args[1], from = tostring(x.code_args[2]), to = tostring(x.code_args[3])}
    end
  end
  scan(r)
  for _, u in ipairs(r.untagged) do scan(u) end
end

-- copy sends UID COPY of one set to dest (timed as key) and keeps its
-- COPYUID in out.
local function copy(c, key, set, dest, timeout, out)
  local r = timed(c, key, must, c, "UID COPY", {"UID", "COPY", set, mailbox_arg(c, dest, "i:uid_copy")},
                  {timeout = timeout, what = "UID COPY to " .. shown_name(dest)})
  copyuid(r, out)
  return r
end

-- uid_copy copies messages by UID to another mailbox; returns {copyuid =
-- {uidvalidity, from, to}} when the server says (UIDPLUS). Not in the
-- destructive set: it runs under --dry-run too.
function Client:uid_copy(uids, dest, o)
  o = o or {}
  mailbox_arg(self, dest, "i:uid_copy")
  local nums = check_uids(self, uids, o, "UID COPY")
  local out = {}
  for _, set in ipairs(compress(nums)) do copy(self, "copy", set, dest, o.timeout, out) end
  return out
end

-- uid_move moves messages by UID (RFC 6851 UID MOVE). Without MOVE, with
-- UIDPLUS: UID COPY, UID STORE +FLAGS.SILENT (\Deleted), UID EXPUNGE of
-- exactly those UIDs. A commit point; journaled; under --dry-run it
-- reports. Returns {expunged = {message numbers}, copyuid = {...}}.
function Client:uid_move(uids, dest, o)
  o = o or {}
  mailbox_arg(self, dest, "i:uid_move")
  local nums, recs, mb = check_uids(self, uids, o, "UID MOVE")
  ensure_caps(self)
  if not self.caps.MOVE and not self.caps.UIDPLUS then
    rt.raise("protocol", self.label .. ": uid_move needs MOVE (RFC 6851) or UIDPLUS (RFC 4315); the server offers neither", {stage = "UID MOVE"})
  end
  if #nums == 0 then return {expunged = {}} end
  local r = destroy(self, "UID MOVE", nums, recs, mb, " to " .. shown_name(dest), function()
    local out = {expunged = {}}
    for _, set in ipairs(compress(nums)) do
      if self.caps.MOVE then
        local r = timed(self, "move", must, self, "UID MOVE", {"UID", "MOVE", set, mailbox_arg(self, dest, "i:uid_move")},
                        {timeout = o.timeout, what = "UID MOVE to " .. shown_name(dest)})
        copyuid(r, out)
        for _, u in ipairs(r.untagged) do
          if u.name == "EXPUNGE" then out.expunged[#out.expunged + 1] = u.number end
        end
      else
        copy(self, "move", set, dest, o.timeout, out)
        must(self, "UID STORE", {"UID", "STORE", set, "+FLAGS.SILENT", "(\\Deleted)"}, {timeout = o.timeout})
        local r = must(self, "UID EXPUNGE", {"UID", "EXPUNGE", set}, {timeout = o.timeout})
        for _, u in ipairs(r.untagged) do
          if u.name == "EXPUNGE" then out.expunged[#out.expunged + 1] = u.number end
        end
      end
    end
    return out
  end)
  if r.dry_run then r.expunged = {} end
  return r
end

-- ---------------------------------------------------------------------
-- IDLE, LOGOUT.

-- A server may drop an IDLE after 30 minutes (RFC 2177): it is renewed
-- every IDLE_CYCLE seconds.
local IDLE_CYCLE = 25 * 60

-- idle waits up to timeout seconds for mailbox updates (RFC 2177). Each
-- untagged response (a table as in r.untagged: name "EXISTS", "EXPUNGE",
-- "FETCH" ...) is passed to fn(event); a true result ends the wait.
-- Without fn the first update ends it. Returns the array of events. A
-- server without IDLE is polled with NOOP every o.poll seconds (5).
-- o.ready(), if given, is called each time the server has said "+ idling"
-- (for a round-trip check: send the mail then, and time its arrival).
function Client:idle(timeout, fn, o)
  o = o or {}
  if type(timeout) ~= "number" or timeout <= 0 then rt.raise("usage", "i:idle: timeout must be a number of seconds > 0") end
  if fn ~= nil and type(fn) ~= "function" then rt.raise("usage", "i:idle: fn must be a function") end
  ensure_caps(self)
  local events, stop = {}, false
  local function deliver(ev)
    events[#events + 1] = ev
    if stop then return end
    if fn then stop = fn(ev) and true or false else stop = true end
  end
  local t0 = now()
  local deadline = t0 + timeout
  local function finish()
    self.timings.idle = (self.timings.idle or 0) + (now() - t0)
    return events
  end
  if not self.caps.IDLE then
    local poll = o.poll or 5
    local readied = false
    while true do
      local r = must(self, "NOOP", "NOOP")
      for _, ev in ipairs(r.untagged) do deliver(ev) end
      local left = deadline - now()
      if stop or left <= 0 then return finish() end
      if o.ready and not readied then readied = true; o.ready() end
      sleep(math.min(poll, left))
    end
  end
  while true do
    local cycle_end = math.min(deadline, now() + IDLE_CYCLE)
    local h = self.w:start("IDLE", {timeout = self.timeouts.command})
    local res, _, early = self.w:wait(h, {timeout = self.timeouts.command})
    if res then
      -- Refused, or completed without a "+".
      absorb_result(self, res)
      for _, ev in ipairs(res.untagged) do deliver(ev) end
      if res.status ~= "OK" then fail(self, "IDLE", res) end
      return finish()
    end
    -- The script's callbacks run while the server idles: if one raises,
    -- IDLE is still ended (DONE) before the error goes on, so the session
    -- stays usable.
    local ok, err = pcall(function()
      for _, ev in ipairs(early) do
        absorb(self, ev)
        deliver(ev)
      end
      if o.ready and not stop then o.ready() end
      while not stop and not h.done do
        local left = cycle_end - now()
        if left < 0.001 then break end
        local ev = self.w:next(left)
        if ev == nil then break end
        if ev.type == "untagged" then
          absorb(self, ev)
          deliver(ev)
        end
      end
    end)
    if not ok then
      -- End IDLE if the session still can; the script's error comes first.
      pcall(function()
        if not h.done then self.w:send_line("DONE") end
        absorb_result(self, self.w:wait(h, {timeout = self.timeouts.command}))
      end)
      error(err, 0)
    end
    if not h.done then self.w:send_line("DONE") end
    res = self.w:wait(h, {timeout = self.timeouts.command})
    absorb_result(self, res)
    for _, ev in ipairs(res.untagged) do deliver(ev) end
    if res.status ~= "OK" then fail(self, "IDLE", res) end
    if stop or now() >= deadline then return finish() end
  end
end

-- logout ends the session (RFC 9051 6.1.3): the server's BYE is expected
-- here. It never expunges. Returns the result, or nil if the server had
-- already gone.
function Client:logout()
  local ok, r = pcall(timed, self, "logout", command, self, "LOGOUT")
  self.session:close()
  self.state = "logout"
  if ok then return r end
end

-- close closes the connection without a word. (It is not IMAP's CLOSE
-- command, which expunges the selected mailbox: send that with i:cmd.)
function Client:close() self.session:close() end

return M
