-- smtp: SMTP (RFC 5321), ESMTP submission (RFC 6409) and LMTP (RFC 2033)
-- client steps on top of the session primitives. Reply framing (ddd-/ddd)
-- is done in Go by s:reply(); this module reads like the RFCs: greeting,
-- EHLO, STARTTLS (RFC 3207), AUTH (RFC 4954), MAIL, RCPT, DATA, RSET, QUIT,
-- with SIZE (RFC 1870), 8BITMIME (RFC 6152), SMTPUTF8 (RFC 6531), DSN
-- (RFC 3461) parameters, PIPELINING (RFC 2920), CHUNKING/BDAT and
-- BINARYMIME (RFC 3030), and VRFY, EXPN, HELP (RFC 5321 3.5, 4.1.1.8).
local rt = require "mailexpect.internal"
local sasl = require "mailexpect.sasl"
local mime = require "mime"
local client = require "mailexpect.client"

-- The globals this module uses, captured once: a script that later
-- assigns to one of them must not change how credentials are handled.
local now, base64 = now, base64
local request = rt.request
local byte = string.byte

local M = {}
local Client = {}
Client.__index = Client

local NO_OPTS, SECRET = {}, {secret = true}

-- The options of open and c:send are checked by the API spec (names and
-- types: smtp.OpenOptions, smtp.SendOptions) before the function runs.

local function is2(r) return r.code >= 200 and r.code < 300 end

-- The module's replies come from rt.request (a command line and its reply
-- in one call, timed), which drops an enhanced code that does not agree
-- with the basic code: RFC 2034 4 says a 2xx reply carries 2.X.X, 4xx
-- 4.X.X, 5xx 5.X.X, and 3xx none. (The RFC 3463 syntax itself is checked
-- as the reply is read.) reply reads one without sending anything.
local function reply(c, timeout)
  return (request(c.session, nil, false, timeout or c.timeouts.command))
end

local function oneline(r) return (r.text:gsub("\n", " / ")) end

local function fail(c, stage, r, what)
  rt.raise("reply", string.format("%s: %s refused: %d %s", c.label, what or stage, r.code, oneline(r)),
           {reply = r, stage = stage})
end

local timed, took = client.timed, client.took

-- parse_ehlo turns EHLO reply lines 2..n (RFC 5321 4.1.1.1) into caps:
-- keyword upper-cased -> parameter string, or true when it has none.
-- Keywords are case-insensitive. "AUTH=PLAIN LOGIN", the pre-RFC 2554
-- form some servers still send next to or instead of "AUTH", is merged
-- into AUTH without duplicates.
local function parse_ehlo(r)
  local caps = {}
  local auth, seen = {}, {}
  for i = 2, #r.lines do
    local kw, params = r.lines[i]:match("^([%w][%w%-=]*)%s*(.-)%s*$")
    if kw then
      local legacy = kw:match("^[Aa][Uu][Tt][Hh]=(.+)$")
      if legacy then kw, params = "AUTH", legacy .. " " .. params end
      kw = kw:upper()
      if kw == "AUTH" then
        for m in params:gmatch("%S+") do
          m = m:upper()
          if not seen[m] then seen[m] = true; auth[#auth + 1] = m end
        end
      else
        caps[kw] = (params ~= "" and params) or true
      end
    end
  end
  if #auth > 0 then caps.AUTH = table.concat(auth, " ") end
  return caps
end

-- track follows the transaction state (RFC 5321 4.1.4) from the replies,
-- whichever way the commands went out (helpers, c:cmd, a pipelined
-- group), so that DATA knows how many LMTP replies to read. ok: the
-- reply to verb is a 2xx.
local function track(c, verb, ok)
  if not ok then return end
  if verb == "MAIL" then c.accepted = 0
  elseif verb == "RCPT" then c.accepted = (c.accepted or 0) + 1
  elseif verb == "RSET" or verb == "EHLO" or verb == "HELO" or verb == "LHLO" then c.accepted = nil
  end
end

local function verb_of(line) return (line:match("^%s*(%a+)") or ""):upper() end

-- How an SMTP client is opened (mailexpect.client): url =
-- "smtp://host[:port]" (submission, smtps, lmtp too) or host/port. The TLS
-- mode defaults to implicit for smtps and port 465 (RFC 8314), else
-- STARTTLS, required; "none" must be said.
local OPENING = {
  init = function(c) c.caps = {} end,
  greeting = function(c) return request(c.session, nil, false, c.timeouts.greeting or c.timeouts.command) end,
}

-- The greeting (RFC 5321 3.1) may span several lines. 220 is a welcome;
-- anything else refuses the session: after 554 the client should still
-- say QUIT, after 421 or 521 (RFC 7504) the server is closing anyway.
function OPENING.welcome(c, g)
  if g.code == 220 then return end
  if g.code ~= 421 and g.code ~= 521 then
    pcall(function()
      c.session:sendline("QUIT")
      c.session:reply(2)
    end)
  end
  rt.raise("reply", string.format("%s: the server refused the session in its greeting: %d %s",
           c.label, g.code, oneline(g)), {reply = g, stage = "greeting"})
end

-- M.connect opens the connection and reads the greeting. LMTP (RFC 2033)
-- is lmtp = true or an lmtp:// url.
-- The two openings differ in the default port only (LMTP: 24); both are
-- made once.
local function opening(port)
  return setmetatable({endpoint = {name = "smtp", schemes = {"smtp", "submission", "smtps", "lmtp"},
                                   port = port, implicit_port = 465}}, {__index = OPENING})
end
local OPENING_SMTP, OPENING_LMTP = opening(25), opening(24)

local function connect(o)
  local lmtp = type(o) == "table" and o.lmtp
  local c = client.connect(o, lmtp and OPENING_LMTP or OPENING_SMTP, Client)
  c.lmtp = (lmtp or c.scheme == "lmtp") and true or false
  return c
end
M.connect = connect

-- send sends one command line whose verb (upper case) is known and reads
-- the reply; see Client:cmd.
local function send(c, verb, line, o)
  -- an AUTH line may carry an initial response: always secret
  local r, secs = request(c.session, line, (o.secret or verb == "AUTH") and true or false, o.timeout or c.timeouts.command)
  local ok = r.code >= 200 and r.code < 300
  if ok and (verb == "EHLO" or verb == "LHLO") then
    c.caps, c.ehlo_reply = parse_ehlo(r), r
  elseif ok and verb == "HELO" then
    c.caps, c.ehlo_reply = {}, r
  elseif r.code == 220 and verb == "STARTTLS" then
    c.caps, c.ehlo_reply = {}, nil -- void once TLS starts (RFC 3207 4.2)
  end
  track(c, verb, ok)
  return r, secs
end

-- cmd sends one command line and returns the reply; 4xx and 5xx replies
-- are returned, never raised (only a broken connection, a timeout or a
-- line with CR/LF raises). Options: secret (mask the line in transcripts),
-- timeout. An accepted EHLO/LHLO/HELO also refreshes c.caps, so c:send
-- after a raw EHLO knows SIZE and PIPELINING; a raw STARTTLS go-ahead
-- empties them (then c.session:starttls() and EHLO again).
function Client:cmd(line, o)
  return (send(self, verb_of(line), line, o or NO_OPTS))
end

-- The module's own commands go to send with their verb, and its own calls
-- of its methods to locals (ehlo, starttls, auth, mail, connect): the
-- argument check of c:cmd or c:mail is for the script's calls, and costs
-- a trip through Go.

-- ehlo says hello (LHLO for LMTP, RFC 2033 4.1). A server that does not
-- know EHLO answers 500 or 502 and gets HELO, without extensions (RFC 5321
-- 3.2). LMTP has no HELO.
local function hello(c, name)
  local verb = c.lmtp and "LHLO" or "EHLO"
  local r = send(c, verb, verb .. " " .. name, NO_OPTS)
  if is2(r) then return r end
  if not c.lmtp and (r.code == 500 or r.code == 502) then
    r, verb = send(c, "HELO", "HELO " .. name, NO_OPTS), "HELO"
    if is2(r) then return r end
  end
  fail(c, verb, r, verb)
end

local function ehlo(c, name)
  name = name or c.helo_name or c.opts.helo or "localhost"
  c.helo_name = name
  return timed(c, "ehlo", hello, c, name)
end
Client.ehlo = ehlo

-- starttls upgrades the connection (RFC 3207 4). It is sent only when
-- EHLO offered it: a server that does not is an error, never a silent
-- fallback to plaintext. The Go side refuses bytes the server sent after
-- its go-ahead (CVE-2011-0411 class). Everything learnt before TLS is
-- void (RFC 3207 4.2), so EHLO is sent again; both replies are returned.
local function upgrade(c)
  client.offers_tls(c, "STARTTLS", c.caps.STARTTLS)
  local r = send(c, "STARTTLS", "STARTTLS", NO_OPTS)
  if r.code ~= 220 then fail(c, "STARTTLS", r) end
  c.session:starttls()
  c.caps, c.ehlo_reply = {}, nil
  return r
end

local function starttls(c)
  client.plaintext(c)
  if not c.ehlo_reply then rt.raise("usage", c.label .. ": STARTTLS needs c:ehlo() first (it must be advertised)") end
  local r = timed(c, "starttls", upgrade, c)
  return r, ehlo(c)
end
Client.starttls = starttls

-- AUTH (RFC 4954) through the shared SASL stack (mailexpect.sasl), which
-- chooses the mechanism and applies the plaintext rule; this is how SMTP
-- frames the exchange: "AUTH mech initial-response", "334 challenge"
-- replies, base64 response lines, "*" to cancel (RFC 4954 4).

-- Mechanisms in order of preference when the script names none (the first
-- the server advertises wins). Over TLS, PLAIN first: one round trip, and
-- supported everywhere. Without TLS, CRAM-MD5 first: a digest, so it may
-- run without allow_plaintext_auth; SCRAM before it (mutual, salted).
local ORDER_TLS = {"PLAIN", "LOGIN", "CRAM-MD5"}
local ORDER_PLAIN = {"SCRAM-SHA-256", "SCRAM-SHA-1", "CRAM-MD5", "PLAIN", "LOGIN"}

local function challenge(r)
  if r.code == 334 then return r.text end
  return nil, r
end

local FRAME = {challenge = "334"}

-- The initial response rides on the command unless the line would exceed
-- 512 octets (RFC 4954 4, RFC 5321 4.5.3.1.4): then it goes after the
-- server's empty "334 ". A server that does not take initial responses
-- asks for it with an empty 334, and gets it (once).
function FRAME.start(c, mech, ir)
  if ir == nil then return c, challenge(send(c, "AUTH", "AUTH " .. mech, NO_OPTS)) end
  local b = base64.encode(ir)
  local line = "AUTH " .. mech .. " " .. (b == "" and "=" or b)
  if #line + 2 > 512 then
    local text, final = challenge(send(c, "AUTH", "AUTH " .. mech, NO_OPTS))
    return c, text, final, ir
  end
  local r = send(c, "AUTH", line, SECRET)
  if r.code == 334 and r.text == "" then return c, "", nil, ir end
  return c, challenge(r)
end

function FRAME.respond(c, line)
  return challenge((request(c.session, line, true, c.timeouts.command)))
end

-- The server answers "*" with 501; the exchange failed on our side.
function FRAME.cancel(c, why)
  pcall(request, c.session, "*", true, c.timeouts.command)
  rt.raise("protocol", c.label .. ": AUTH cancelled: " .. why, {stage = "AUTH"})
end

local SASL = {
  name = "smtp", stage = "AUTH", frame = FRAME,
  display = function(name) return name end,
  mechanisms = {PLAIN = true, LOGIN = true, ["CRAM-MD5"] = true, XOAUTH2 = true, OAUTHBEARER = true,
                ["SCRAM-SHA-1"] = true, ["SCRAM-SHA-256"] = true},
  known = {"PLAIN", "LOGIN", "CRAM-MD5", "SCRAM-SHA-1", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER"},
  offered = function(c, name) return sasl.offered_in(c.caps.AUTH, name) end,
  advertised = function(c) return c.caps.AUTH end,
  order = function(c) return c.session.tls and ORDER_TLS or ORDER_PLAIN end,
  accepted = function(r) return r.code == 235 end,
}

-- auth authenticates (RFC 4954) with opts user/pass (or token): PLAIN,
-- LOGIN, CRAM-MD5 or XOAUTH2, named by auth = or chosen (see ORDER_TLS).
-- Passwords never travel in clear unless allow_plaintext_auth = true:
-- without TLS only CRAM-MD5 is allowed, anything else is refused before a
-- byte is sent. The password and token are registered as secrets, so they
-- (and their base64 forms) never reach a transcript.
local function login(c)
  local r, mech = sasl.authenticate(c, SASL)
  if r.code ~= 235 then fail(c, "AUTH", r, "AUTH " .. mech) end
  return r
end

local function auth(c) return timed(c, "auth", login, c) end
Client.auth = auth

-- Which EHLO keyword a MAIL/RCPT parameter needs (RFC 1870, 6152, 6531,
-- 3461, 3030 for BINARYMIME). A parameter the server did not advertise is
-- refused before sending; c:cmd sends anything.
local PARAM_EXT = {SIZE = "SIZE", BODY = "8BITMIME", SMTPUTF8 = "SMTPUTF8",
                   RET = "DSN", ENVID = "DSN", NOTIFY = "DSN", ORCPT = "DSN",
                   REQUIRETLS = "REQUIRETLS", AUTH = "AUTH"}

local function params_string(c, params, verb)
  if params == nil then return "" end
  local t = type(params)
  if t == "string" then return params ~= "" and (" " .. params) or "" end
  if t ~= "table" then rt.raise("usage", verb .. ": params must be a table or a string") end
  if next(params) == nil then return "" end -- c:send's, when the message needs none
  local keys, out = {}, {}
  for k, v in pairs(params) do
    if type(k) ~= "string" or not k:match("^%w[%w%-]*$") then
      rt.raise("usage", verb .. ": bad parameter name " .. tostring(k))
    end
    if v ~= false then keys[#keys + 1] = k end
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v, K = params[k], k:upper()
    local ext = PARAM_EXT[K]
    if K == "BODY" and tostring(v):upper() == "BINARYMIME" then ext = "BINARYMIME" end
    if ext and not c.caps[ext] then
      rt.raise("usage", string.format("%s: parameter %s needs the %s extension, which the server does not offer (c:cmd sends it anyway)", verb, K, ext))
    end
    if v == true then
      out[#out + 1] = K
    else
      v = tostring(v)
      -- esmtp-value (RFC 5321 4.1.2): no space, no "=", no control characters
      if v == "" or v:find("[%s=%c]") then
        rt.raise("usage", string.format("%s: bad value for %s: %q", verb, K, v))
      end
      out[#out + 1] = K .. "=" .. v
    end
  end
  return #out > 0 and (" " .. table.concat(out, " ")) or ""
end

-- path renders an address as a reverse- or forward-path: "<a@b>", "<>" for
-- the null sender. Angle brackets given by the caller are not doubled.
local function path(addr, what)
  if type(addr) ~= "string" then rt.raise("usage", what .. ": address must be a string, got " .. type(addr)) end
  local inner = addr
  if byte(addr, 1) == 60 and byte(addr, -1) == 62 then inner = addr:sub(2, -2) end -- <...>
  if inner:find("[<>]") then rt.raise("usage", what .. ": bad address " .. string.format("%q", addr)) end
  return "<" .. inner .. ">"
end

local function size_limit(c)
  local n = tonumber(type(c.caps.SIZE) == "string" and c.caps.SIZE:match("^%d+") or nil)
  if n and n > 0 then return n end -- SIZE 0 or without a number: no fixed limit (RFC 1870 4)
end

local function too_big(c, size)
  local limit = size_limit(c)
  if limit and size > limit then
    rt.raise("usage", string.format("%s: message of %d bytes exceeds the server's SIZE limit of %d; not sent", c.label, size, limit),
             {stage = "MAIL"})
  end
end

local function mail_line(c, from, params)
  if type(params) == "table" and tonumber(params.SIZE) then too_big(c, tonumber(params.SIZE)) end
  return "MAIL FROM:" .. path(from or "", "MAIL") .. params_string(c, params, "MAIL")
end

local function rcpt_line(c, to, params)
  return "RCPT TO:" .. path(to, "RCPT") .. params_string(c, params, "RCPT")
end

-- envelope sends a MAIL or RCPT line and raises on a refusal, naming the
-- path ("MAIL FROM:<a@b>") refused; the time goes to c.timings[key].
local function envelope(c, verb, key, line)
  local r, secs = send(c, verb, line, NO_OPTS)
  if not is2(r) then fail(c, verb, r, line:match("^%u+ %u+:%S*")) end
  local timings = c.timings
  timings[key] = (timings[key] or 0) + secs
  return r
end

-- mail starts a transaction (RFC 5321 3.3). params: a table ({SIZE = n,
-- BODY = "8BITMIME", SMTPUTF8 = true, RET = "HDRS", ENVID = "x"}) or a
-- string sent as is.
local function mail(c, from, params)
  return envelope(c, "MAIL", "mail", mail_line(c, from, params))
end
Client.mail = mail

-- rcpt adds a recipient; params e.g. {NOTIFY = "SUCCESS,FAILURE"}.
function Client:rcpt(to, params)
  return envelope(self, "RCPT", "rcpt", rcpt_line(self, to, params))
end

-- finish reads the verdict after the final dot (RFC 5321 4.1.1.4): one
-- reply, or for LMTP one per accepted recipient, in RCPT order (RFC 2033
-- 4.2). Timeout: timeouts.data_end, else the session's.
local function finish(c, n)
  local t = c.timeouts.data_end
  if not c.lmtp then return reply(c, t) end
  local replies = {}
  for i = 1, n do replies[i] = reply(c, t) end
  c.accepted = nil
  return replies
end

-- verdict judges what came after the final dot: one reply, or for LMTP
-- one per accepted recipient (kept in c.data_replies). It raises the first
-- refusal, unless allow_partial and someone got the message; it returns
-- the last reply.
local function verdict(c, fin, allow_partial)
  if not c.lmtp then
    if not is2(fin) then fail(c, "DATA", fin, "message") end
    return fin
  end
  c.data_replies = fin
  local okn, bad = 0, nil
  for _, x in ipairs(fin) do
    if is2(x) then okn = okn + 1 else bad = bad or x end
  end
  if bad and (okn == 0 or not allow_partial) then fail(c, "DATA", bad, "message") end
  return fin[#fin]
end

-- data sends DATA, waits for 354, then the message: line ends made CRLF,
-- leading dots doubled, ended by CRLF.CRLF (s:send_dot). SMTP: returns
-- the final reply, raising when it refuses. LMTP: returns the array of
-- per-recipient replies (also kept in c.data_replies), raising with the
-- first refusal unless {allow_partial = true} and at least one succeeded.
function Client:data(msg, o)
  if type(msg) ~= "string" then rt.raise("usage", "c:data: message must be a string") end
  local t0 = now()
  local n = self.accepted or 0
  local r = send(self, "DATA", "DATA", NO_OPTS)
  if r.code ~= 354 then fail(self, "DATA", r) end
  self.session:send_dot(msg)
  local fin = finish(self, n)
  self.accepted = nil
  verdict(self, fin, o and o.allow_partial)
  took(self, "data", t0)
  return fin
end

-- rset aborts the current transaction (RFC 5321 4.1.1.5).
function Client:rset()
  local r = timed(self, "rset", send, self, "RSET", "RSET", NO_OPTS)
  if not is2(r) then fail(self, "RSET", r) end
  return r
end

function Client:noop() return (send(self, "NOOP", "NOOP", NO_OPTS)) end

-- vrfy, expn and help ask about an address, a list and the server's help
-- (RFC 5321 4.1.1.6-8) and return the reply as it is: 250/251/252, or a
-- refusal (502, 550, 252 "cannot VRFY user") is an answer, not an error.
local function query(c, verb, arg, what)
  if arg ~= nil and type(arg) ~= "string" then
    rt.raise("usage", string.format("c:%s: %s must be a string, got %s", verb:lower(), what, type(arg)))
  end
  if arg == nil or arg == "" then return (send(c, verb, verb, NO_OPTS)) end
  return (send(c, verb, verb .. " " .. arg, NO_OPTS))
end

function Client:vrfy(addr)
  if addr == nil then rt.raise("usage", "c:vrfy: needs the user or address to verify") end
  return query(self, "VRFY", addr, "the user or address")
end

function Client:expn(list)
  if list == nil then rt.raise("usage", "c:expn: needs the mailing list to expand") end
  return query(self, "EXPN", list, "the mailing list")
end

function Client:help(topic) return query(self, "HELP", topic, "the topic") end

-- CHUNK is the size of one BDAT chunk: large enough that a message costs
-- few round trips, small enough that a refusal comes early.
local CHUNK = 1024 * 1024

-- bdat sends data as one BDAT chunk (RFC 3030 2), the byte count done
-- here; {last = true} ends the message. It returns the chunk's reply; for
-- the last chunk the final reply as c:data does (LMTP: one per accepted
-- recipient), raising when it refuses. A refused middle chunk raises.
function Client:bdat(data, o)
  if type(data) ~= "string" then rt.raise("usage", "c:bdat: data must be a string") end
  if not self.caps.CHUNKING then
    rt.raise("usage", self.label .. ": the server does not offer CHUNKING (BDAT)", {stage = "BDAT"})
  end
  local last = o and o.last
  local n = self.accepted or 0
  local t0 = now()
  self.session:send("BDAT " .. #data .. (last and " LAST" or "") .. "\r\n" .. data)
  local r
  if last then
    r = finish(self, n)
    self.accepted = nil
    verdict(self, r, o and o.allow_partial)
  else
    r = reply(self, self.timeouts.command)
    track(self, "BDAT", is2(r))
    if not is2(r) then fail(self, "BDAT", r) end
  end
  took(self, "data", t0)
  return r
end


-- quit ends the session politely (RFC 5321 4.1.1.10); a server that just
-- closes is fine. Returns the 221 reply, or nil.
function Client:quit()
  local ok, r = pcall(timed, self, "quit", send, self, "QUIT", "QUIT", NO_OPTS)
  self.session:close()
  if ok then return r end
end

function Client:close() self.session:close() end

local function recipients(to)
  if type(to) == "string" then return {to} end
  if type(to) ~= "table" then rt.raise("usage", "smtp: to = must be an address or a list of addresses") end
  return to
end

-- message builds the message (RFC 5322, MIME) with the mime module:
-- non-ASCII header text as RFC 2047 encoded words, bodies in 7bit or
-- quoted-printable, Date and Message-ID added when missing.
M.message = mime.message

-- message_shape(msg) -> wire_size, binary, eight_bit, in one pass in Go:
-- the size as RFC 1870 counts it (octets after line ends are made CRLF,
-- without the added dots and the final dot line); content DATA cannot
-- carry as it is (RFC 3030 3: a NUL or a line longer than 998 octets,
-- RFC 5321 4.5.3.1.6); an octet above 127 (RFC 6152).
local message_shape = rt.message_shape

-- fail_all raises when no recipient was accepted, with the first refusal.
local function fail_all(c, rlines, rcpts)
  for i, r in ipairs(rcpts) do
    if not is2(r) then
      rt.raise("reply", string.format("%s: every recipient was refused; %s: %d %s", c.label,
               rlines[i]:match("^RCPT TO:%S*"), r.code, oneline(r)), {reply = r, stage = "RCPT"})
    end
  end
end

-- caught returns the error fn(...) raises: a refusal to raise later.
local function caught(fn, ...)
  local _, err = pcall(fn, ...)
  return err
end

-- abandon ends a refused transaction with RSET, so the connection stays
-- usable, and raises err.
local function abandon(c, err)
  pcall(send, c, "RSET", "RSET", NO_OPTS)
  error(err, 0)
end

-- use_chunking decides between DATA and BDAT (RFC 3030): chunking = true
-- (on send or open) requires CHUNKING; false never; unset uses BDAT for
-- binary content (bin, see message_shape) when offered. The second result
-- says the message goes as it is, with BODY=BINARYMIME (offered, and
-- binary content); else its line ends are made CRLF, as DATA would.
local function use_chunking(c, o, bin)
  local want = o.chunking
  if want == nil then want = c.opts.chunking end
  if want == false then return false, false end
  if want == true then
    if not c.caps.CHUNKING then
      rt.raise("usage", c.label .. ": chunking = true, but the server does not offer CHUNKING (BDAT)", {stage = "BDAT"})
    end
  elseif not bin then
    return false, false
  elseif not c.caps.CHUNKING then
    rt.warn(c.label .. ": binary content (a NUL or a line over 998 octets) and no CHUNKING offered: sending with DATA")
    return false, false
  end
  return true, bin and c.caps.BINARYMIME ~= nil
end

-- crlf makes every line end CRLF (a bare CR or LF too), as s:send_dot
-- does for DATA.
local function crlf(msg)
  return (msg:gsub("\r\n", "\n"):gsub("\r", "\n"):gsub("\n", "\r\n"))
end

-- send_chunks sends msg as BDAT chunks, the last one marked LAST, and
-- returns what finish returns. A refused middle chunk is raised after
-- RSET (RFC 3030 2: the transaction is over; RSET makes it sure).
local function send_chunks(c, msg, n)
  local i = 1
  while #msg - i + 1 > CHUNK do
    local part = msg:sub(i, i + CHUNK - 1)
    c.session:send("BDAT " .. #part .. "\r\n" .. part)
    local r = reply(c, c.timeouts.command)
    track(c, "BDAT", is2(r))
    if not is2(r) then abandon(c, caught(fail, c, "BDAT", r)) end
    i = i + CHUNK
  end
  local part = msg:sub(i)
  c.session:send("BDAT " .. #part .. " LAST\r\n" .. part)
  c.chunked = true
  return finish(c, n)
end

local function utf8_addr(a) return a:find("[\128-\255]") ~= nil end

-- mail_params adds the MAIL parameters a message needs, when params is a
-- table or nil: SIZE=n (RFC 1870) when offered; SMTPUTF8 for a non-ASCII
-- envelope address (required, RFC 6531 3.4: a usage error when not
-- offered); BODY=8BITMIME for 8-bit content (eight_bit; RFC 6152; a warning
-- when not offered). A string is sent as it is.
local function mail_params(c, params, from, to, eight_bit, size, raw)
  if params ~= nil and type(params) ~= "table" then return params end
  local p = {}
  for k, v in pairs(params or {}) do p[type(k) == "string" and k:upper() or k] = v end
  if p.SIZE == nil and c.caps.SIZE then p.SIZE = size end
  local need8 = utf8_addr(from)
  for _, a in ipairs(to) do need8 = need8 or utf8_addr(a) end
  if need8 and p.SMTPUTF8 == nil then
    if not c.caps.SMTPUTF8 then
      rt.raise("usage", c.label .. ": a non-ASCII address needs SMTPUTF8, which the server does not offer", {stage = "MAIL"})
    end
    p.SMTPUTF8 = true
  end
  if p.BODY == nil and raw then p.BODY = "BINARYMIME"
  elseif p.BODY == nil and eight_bit then
    if c.caps["8BITMIME"] then p.BODY = "8BITMIME"
    elseif not p.SMTPUTF8 then rt.warn(c.label .. ": sending 8-bit data to a server that does not offer 8BITMIME") end
  end
  return p
end

-- send_group writes MAIL, every RCPT and DATA as one group (RFC 2920 3.1:
-- DATA may end a group) and maps the replies to the commands by position.
-- Returns the MAIL reply, the RCPT replies and the DATA reply.
local function send_group(c, mline, rlines)
  local lines = {mline}
  for i, l in ipairs(rlines) do lines[i + 1] = l end
  lines[#lines + 1] = "DATA"
  for _, l in ipairs(lines) do
    if l:find("[\r\n%z]") then rt.raise("injection", "smtp: refusing to send a command containing CR, LF or NUL") end
  end
  local t0 = now()
  c.session:send(table.concat(lines, "\r\n") .. "\r\n")
  local mr = reply(c)
  track(c, "MAIL", is2(mr))
  local t1 = now()
  c.timings.mail = (c.timings.mail or 0) + (t1 - t0)
  local rr = {}
  for i = 1, #rlines do
    rr[i] = reply(c)
    track(c, "RCPT", is2(rr[i]))
  end
  local t2 = now()
  c.timings.rcpt = (c.timings.rcpt or 0) + (t2 - t1)
  local dr = reply(c)
  c.timings.data = (c.timings.data or 0) + (now() - t2)
  c.pipelined = true
  return mr, rr, dr
end

-- envelope_pipelined is MAIL, RCPT... and DATA as one group. A refusal
-- that stops the transaction (MAIL, every recipient, one recipient without
-- allow_partial, DATA) is raised after RSET; when DATA was already
-- accepted it must be ended first: with an empty message when nobody was
-- accepted, else (a partial set of recipients) only dropping the
-- connection keeps the message from being delivered. Returns the RCPT
-- replies and how many were accepted.
local function envelope_pipelined(c, mline, rlines, allow_partial)
  local mr, rr, dr = send_group(c, mline, rlines)
  local accepted, first_bad = 0, nil
  for i, r in ipairs(rr) do
    if is2(r) then accepted = accepted + 1 else first_bad = first_bad or i end
  end
  local err
  if not is2(mr) then err = caught(fail, c, "MAIL", mr, mline:match("^MAIL FROM:%S*"))
  elseif accepted == 0 then err = caught(fail_all, c, rlines, rr)
  elseif first_bad and not allow_partial then
    err = caught(fail, c, "RCPT", rr[first_bad], rlines[first_bad]:match("^RCPT TO:%S*"))
  elseif dr.code ~= 354 then err = caught(fail, c, "DATA", dr)
  end
  if err then
    if dr.code == 354 and accepted > 0 then
      rt.note(c.session, "closing the connection to abort the message (a recipient was refused after DATA was pipelined)")
      c.session:close()
      error(err, 0)
    end
    if dr.code == 354 then
      pcall(function() c.session:send(".\r\n"); reply(c) end) -- RFC 2920 3.1
    end
    abandon(c, err)
  end
  c.accepted = accepted
  return rr, accepted
end

-- envelope_steps is MAIL, then RCPT per recipient, each answered before
-- the next; a refusal that stops the transaction is raised after RSET.
-- Returns the RCPT replies and how many were accepted.
local function steps(c, from, params, rlines, allow_partial, rcpts)
  local accepted = 0
  mail(c, from, params)
  for i, l in ipairs(rlines) do
    local r, secs = send(c, "RCPT", l, NO_OPTS)
    c.timings.rcpt = (c.timings.rcpt or 0) + secs
    rcpts[i] = r
    if is2(r) then accepted = accepted + 1
    elseif not allow_partial then fail(c, "RCPT", r, l:match("^RCPT TO:%S*")) end
  end
  if accepted == 0 then fail_all(c, rlines, rcpts) end
  return accepted
end

local function envelope_steps(c, from, params, rlines, allow_partial)
  local rcpts = {}
  local ok, accepted = pcall(steps, c, from, params, rlines, allow_partial, rcpts)
  if not ok then
    local err = accepted
    if type(err) == "table" and err.kind == "reply" then abandon(c, err) end
    error(err, 0)
  end
  return rcpts, accepted
end

-- per_recipient is, for each recipient, the reply that decided it: its
-- RCPT refusal, else the final reply (LMTP: its own).
local function per_recipient(c, rcpts, fin)
  local per, k = {}, 0
  for i, r in ipairs(rcpts) do
    if is2(r) then
      k = k + 1
      per[i] = c.lmtp and fin[k] or fin
    else
      per[i] = r
    end
  end
  return per
end

-- transfer sends the message: BDAT chunks, or DATA (unless it went with
-- the pipelined group) and the dot-stuffed message.
local function transfer(c, msg, accepted, chunking, pipelining)
  if chunking then return send_chunks(c, msg, accepted) end
  if not pipelining then -- else DATA was accepted with the group
    local r = send(c, "DATA", "DATA", NO_OPTS)
    if r.code ~= 354 then abandon(c, caught(fail, c, "DATA", r)) end
  end
  c.session:send_dot(msg)
  return finish(c, accepted)
end

-- send is MAIL, RCPT per recipient, DATA (RFC 5321 3.3). from/to are the
-- envelope; the message is raw, or built from subject/body/headers (a
-- message over the server's SIZE is refused before MAIL; see mail_params
-- for the parameters added).
--
-- Without allow_partial: returns the final reply (LMTP: the last
-- recipient's, plus the array of all), raising a reply error on any
-- refusal; a transaction left open is ended with RSET first.
-- With allow_partial = true: returns one reply per recipient of to (the
-- reply that decided it: its RCPT refusal, else the final reply, for LMTP
-- its own), then the final reply; raises only when nobody got the message.
--
-- pipelining = true (or on open) sends MAIL/RCPT.../DATA as one group when
-- the server offers PIPELINING (RFC 2920); see envelope_pipelined.
function Client:send(o)
  local to = recipients(o.to)
  if #to == 0 then rt.raise("usage", "c:send: needs at least one recipient (to =)") end
  if o.raw and (o.subject or o.body or o.headers) then
    rt.raise("usage", "c:send: raw = excludes subject, body and headers")
  end
  local msg = o.raw or mime.message{from = o.from, to = o.to, subject = o.subject, body = o.body, headers = o.headers}
  if type(msg) ~= "string" then rt.raise("usage", "c:send: raw must be a string") end
  local wire_size, bin, eight_bit = message_shape(msg)
  local chunking, raw = use_chunking(self, o, bin)
  -- crlf adds what wire_size counts already: the size is the same after it
  if chunking and not raw then msg = crlf(msg) end
  local size = raw and #msg or wire_size
  too_big(self, size)
  local from = o.from or ""
  local params = mail_params(self, o.params, from, to, eight_bit, size, raw)

  local pipelining = o.pipelining
  if pipelining == nil then pipelining = self.opts.pipelining end
  if pipelining and chunking then
    pipelining = false -- the group would end with DATA: BDAT goes step by step
  end
  if pipelining and not self.caps.PIPELINING then
    rt.note(self.session, "the server does not offer PIPELINING: one command at a time")
    pipelining = false
  end
  local rlines = {}
  for i, a in ipairs(to) do rlines[i] = rcpt_line(self, a, o.rcpt_params) end

  local rcpts, accepted
  if pipelining then
    rcpts, accepted = envelope_pipelined(self, mail_line(self, from, params), rlines, o.allow_partial)
  else
    rcpts, accepted = envelope_steps(self, from, params, rlines, o.allow_partial)
  end
  local fin = timed(self, "data", transfer, self, msg, accepted, chunking, pipelining)
  self.accepted = nil
  local last = verdict(self, fin, o.allow_partial)
  if o.allow_partial then return per_recipient(self, rcpts, fin), last end
  if self.lmtp then return last, per_recipient(self, rcpts, fin) end
  return last
end

-- open = connect + EHLO + STARTTLS (unless tls is "implicit" or "none") +
-- AUTH (when user is given). A failure after connecting says QUIT and
-- closes the session.
local OPEN = {
  hello = function(c, o) ehlo(c, o.helo) end,
  starttls = starttls, login = auth,
  abort = function(c) c.session:sendline("QUIT") end,
}

function M.open(o) return client.open(connect, o, OPEN) end

return M
