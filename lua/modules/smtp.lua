-- smtp: SMTP (RFC 5321), ESMTP submission (RFC 6409) and LMTP (RFC 2033)
-- client steps on top of the session primitives. Reply framing (ddd-/ddd)
-- is done in Go by s:reply(); this module reads like the RFC: connect and
-- greeting, EHLO, STARTTLS, AUTH, MAIL, RCPT, DATA, RSET, QUIT.
local rt = require "mailexpect.internal"

local M = {}
local Client = {}
Client.__index = Client

local DEFAULT_PORTS = {smtp = 25, submission = 587, smtps = 465, lmtp = 24}

-- reply_ok: 2xx (and 3xx where the step expects an intermediate reply).
local function is2(r) return r.code >= 200 and r.code < 300 end

local function fail(c, stage, r, what)
  local msg = string.format("%s: %s refused: %d %s", c.label, what or stage, r.code, (r.text:gsub("\n", " / ")))
  rt.raise("reply", msg, {reply = r, stage = stage})
end

-- timed runs fn and records its duration in c.timings[name].
local function timed(c, name, fn, ...)
  local t0 = now()
  local a, b, d = fn(...)
  c.timings[name] = (c.timings[name] or 0) + (now() - t0)
  return a, b, d
end

-- resolve works out the address, TLS mode and LMTP-ness of o: url =
-- "smtp://host[:port]" (submission, smtps, lmtp too) or host/port.
-- The default TLS mode is implicit for smtps and port 465, else STARTTLS
-- (required); "none" must be said.
local function resolve(o)
  local a
  if o.url then
    a = rt.address(o.url)
    if not DEFAULT_PORTS[a.scheme] then
      rt.raise("usage", "smtp: url scheme must be smtp, submission, smtps or lmtp, got " .. tostring(o.url))
    end
  else
    if not o.host then rt.raise("usage", "smtp: host (or url) is required") end
    local port = tonumber(o.port) or (o.lmtp and 24 or 25)
    a = rt.address((o.host:find(":", 1, true) and ("[" .. o.host .. "]") or o.host) .. ":" .. port)
    a.scheme = o.lmtp and "lmtp" or "smtp"
  end
  local tls = o.tls
  if tls == true then tls = "implicit" elseif tls == false then tls = "none" end
  if tls == nil then tls = (a.tls or a.port == 465) and "implicit" or "starttls" end
  if tls ~= "implicit" and tls ~= "starttls" and tls ~= "none" then
    rt.raise("usage", "smtp: tls must be \"implicit\", \"starttls\" or \"none\", got " .. tostring(tls))
  end
  return a.hostport, tls, (o.lmtp or a.scheme == "lmtp")
end

local function session_opts(o, tls)
  return {
    timeout = o.timeout, connect_timeout = o.connect_timeout,
    tls = (tls == "implicit") and "implicit" or nil,
    servername = o.servername, insecure = o.insecure, ca_file = o.ca_file,
    match_max = o.match_max, label = o.label,
  }
end

-- M.connect opens the connection and reads the greeting (RFC 5321 3.1):
-- 220 is a welcome, 554 (or 521, RFC 7504) a refusal.
function M.connect(o)
  o = o or {}
  local addr, tls, lmtp = resolve(o)
  local c = setmetatable({opts = o, tlsmode = tls, lmtp = lmtp, caps = {}, timings = {},
                          timeouts = o.timeouts or {}, label = o.label or addr}, Client)
  c.session = timed(c, "connect", connect, addr, session_opts(o, tls))
  c.greeting = timed(c, "greeting", function() return c.session:reply(c.timeouts.greeting) end)
  if c.greeting.code ~= 220 then
    pcall(function() c.session:sendline("QUIT") end)
    c.session:close()
    fail(c, "greeting", c.greeting, "connection")
  end
  return c
end

-- cmd sends one command line and returns the reply; 4xx/5xx are returned,
-- not raised. Options: secret (mask the line), timeout.
function Client:cmd(line, o)
  o = o or {}
  self.session:sendline(line, {secret = o.secret})
  return self.session:reply(o.timeout or self.timeouts.command)
end

-- parse_ehlo turns EHLO reply lines 2..n into caps: keyword upper-cased ->
-- parameter string, or true when the keyword has none. "AUTH=PLAIN" (the
-- pre-RFC form some servers still send) is merged into AUTH.
local function parse_ehlo(r)
  local caps = {}
  for i = 2, #r.lines do
    local kw, params = r.lines[i]:match("^([%w%-=]+)%s*(.*)$")
    if kw then
      local legacy = kw:match("^[Aa][Uu][Tt][Hh]=(.+)$")
      if legacy then
        kw, params = "AUTH", legacy .. (params ~= "" and (" " .. params) or "")
        if caps.AUTH and caps.AUTH ~= true then params = caps.AUTH .. " " .. params end
      end
      kw = kw:upper()
      caps[kw] = (params ~= "" and params) or (caps[kw] or true)
    end
  end
  return caps
end

-- ehlo says hello (LHLO for LMTP); a server that does not know EHLO (500,
-- 502) gets HELO, with no extensions.
function Client:ehlo(name)
  name = name or self.opts.helo or "localhost"
  return timed(self, "ehlo", function()
    local verb = self.lmtp and "LHLO" or "EHLO"
    local r = self:cmd(verb .. " " .. name)
    if is2(r) then
      self.caps = parse_ehlo(r)
      self.ehlo_reply = r
      return r
    end
    if not self.lmtp and (r.code == 500 or r.code == 502) then
      r = self:cmd("HELO " .. name)
      if is2(r) then self.caps = {}; self.ehlo_reply = r; return r end
    end
    fail(self, verb, r)
  end)
end

-- starttls upgrades the connection (RFC 3207). What the server advertised
-- before TLS is void afterwards, so EHLO is sent again.
function Client:starttls()
  return timed(self, "starttls", function()
    if not self.caps.STARTTLS then
      rt.raise("tls", self.label .. ": the server does not offer STARTTLS (tls = \"none\" must be said to go on without TLS)", {stage = "STARTTLS"})
    end
    local r = self:cmd("STARTTLS")
    if r.code ~= 220 then fail(self, "STARTTLS", r) end
    self.session:starttls()
    self.caps = {}
    self.ehlo_reply = nil
    return r
  end), self:ehlo()
end

-- AUTH mechanisms in order of preference when the script names none. PLAIN
-- first: one round trip, supported everywhere, and it only ever travels
-- over TLS unless allow_plaintext_auth. Without TLS CRAM-MD5 goes first,
-- since it does not expose the password.
local ORDER_TLS = {"PLAIN", "LOGIN", "CRAM-MD5"}
local ORDER_PLAIN = {"CRAM-MD5", "PLAIN", "LOGIN"}

local function offered(caps, mech)
  if type(caps.AUTH) ~= "string" then return false end
  for m in caps.AUTH:gmatch("%S+") do
    if m:upper() == mech then return true end
  end
  return false
end

local function choose_mech(c)
  local want = c.opts.auth
  if want then return want:upper() end
  if c.opts.token then return "XOAUTH2" end
  local order = c.session.tls and ORDER_TLS or ORDER_PLAIN
  for _, m in ipairs(order) do
    if offered(c.caps, m) then return m end
  end
  rt.raise("protocol", c.label .. ": the server offers no AUTH mechanism mailexpect knows (AUTH " .. tostring(c.caps.AUTH or "not advertised") .. ")", {stage = "AUTH"})
end

-- continue answers a 334 challenge; the answer is always secret.
local function answer(c, payload)
  c.session:sendline(payload, {secret = true})
  return c.session:reply(c.timeouts.command)
end

local mechanisms = {}

function mechanisms.PLAIN(c, user, pass)
  local ir = base64.encode("\0" .. user .. "\0" .. pass)
  local r = c:cmd("AUTH PLAIN " .. ir, {secret = true})
  if r.code == 334 then r = answer(c, ir) end -- servers that refuse an initial response
  return r
end

function mechanisms.LOGIN(c, user, pass)
  local r = c:cmd("AUTH LOGIN")
  if r.code ~= 334 then return r end
  r = answer(c, base64.encode(user))
  if r.code ~= 334 then return r end
  return answer(c, base64.encode(pass))
end

mechanisms["CRAM-MD5"] = function(c, user, pass)
  local r = c:cmd("AUTH CRAM-MD5")
  if r.code ~= 334 then return r end
  local challenge = base64.decode(r.text)
  return answer(c, base64.encode(user .. " " .. hmac_md5(pass, challenge)))
end

function mechanisms.XOAUTH2(c, user, _, token)
  if not token then rt.raise("usage", "smtp: auth = \"xoauth2\" needs token =") end
  local r = c:cmd("AUTH XOAUTH2 " .. base64.encode("user=" .. user .. "\1auth=Bearer " .. token .. "\1\1"), {secret = true})
  if r.code == 334 then
    -- The error arrives as a base64 JSON challenge; an empty answer ends it.
    c.last_auth_error = base64.decode(r.text)
    r = answer(c, "")
  end
  return r
end

-- auth authenticates (RFC 4954) with o.user / o.pass (or token). Passwords
-- never travel in clear unless allow_plaintext_auth = true.
function Client:auth()
  local o = self.opts
  local user, pass = o.user, o.pass
  if not user then rt.raise("usage", "smtp: auth needs user =") end
  return timed(self, "auth", function()
    if not self.session.tls and not o.allow_plaintext_auth then
      rt.raise("usage", self.label .. ": refusing to send credentials without TLS (allow_plaintext_auth = true permits it)", {stage = "AUTH"})
    end
    if self.session.tls and o.insecure then
      rt.warn(self.label .. ": sending credentials over TLS without certificate verification (insecure = true)")
    end
    local mech = choose_mech(self)
    local fn = mechanisms[mech]
    if not fn then rt.raise("usage", "smtp: unknown auth mechanism " .. mech .. " (plain, login, cram-md5, xoauth2)") end
    rt.note(self.session, "AUTH mechanism " .. mech)
    self.auth_mechanism = mech
    local r = fn(self, user, pass or "", o.token)
    if r.code ~= 235 then fail(self, "AUTH", r, "AUTH " .. mech) end
    return r
  end)
end

local function params_string(params)
  if not params then return "" end
  if type(params) == "string" then return params ~= "" and (" " .. params) or "" end
  local keys, out = {}, {}
  for k in pairs(params) do keys[#keys + 1] = k end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local v = params[k]
    out[#out + 1] = (v == true) and k:upper() or (k:upper() .. "=" .. tostring(v))
  end
  return #out > 0 and (" " .. table.concat(out, " ")) or ""
end

-- mail starts a transaction (RFC 5321 3.3). params: string or table
-- ({SIZE = n, BODY = "8BITMIME", SMTPUTF8 = true, RET = "HDRS"}).
function Client:mail(from, params)
  return timed(self, "mail", function()
    local r = self:cmd("MAIL FROM:<" .. (from or "") .. ">" .. params_string(params))
    if not is2(r) then fail(self, "MAIL", r, "MAIL FROM:<" .. (from or "") .. ">") end
    return r
  end)
end

function Client:rcpt(to, params, raw)
  return timed(self, "rcpt", function()
    local r = self:cmd("RCPT TO:<" .. to .. ">" .. params_string(params))
    if not raw and not is2(r) then fail(self, "RCPT", r, "RCPT TO:<" .. to .. ">") end
    return r
  end)
end

-- data sends the message (RFC 5321 4.1.1.4): 354, then the dot-stuffed
-- body. For LMTP there is one reply per accepted recipient (RFC 2033 4.2):
-- data returns them as an array.
function Client:data(msg, nrcpt)
  return timed(self, "data", function()
    local r = self:cmd("DATA")
    if r.code ~= 354 then fail(self, "DATA", r) end
    self.session:send_dot(msg)
    if self.lmtp then
      local replies = {}
      for i = 1, (nrcpt or 1) do
        replies[i] = self.session:reply(self.timeouts.data_end or 600)
      end
      return replies
    end
    r = self.session:reply(self.timeouts.data_end or 600)
    if not is2(r) then fail(self, "DATA", r, "message") end
    return r
  end)
end

function Client:rset()
  local r = self:cmd("RSET")
  if not is2(r) then fail(self, "RSET", r) end
  return r
end

function Client:noop() return self:cmd("NOOP") end

-- quit ends the session politely; a server that just closes is fine.
function Client:quit()
  local ok, r = pcall(function() return timed(self, "quit", self.cmd, self, "QUIT") end)
  self.session:close()
  if ok then return r end
end

function Client:close() self.session:close() end

-- message builds an RFC 5322 message from o: headers are ordered; Date
-- and Message-ID are added when missing.
local function header_value_ok(v)
  return not tostring(v):find("[\r\n]")
end

function M.message(o)
  local headers = {}
  local have = {}
  local function add(name, value)
    if not header_value_ok(value) then rt.raise("injection", "smtp: header " .. name .. " contains CR or LF") end
    headers[#headers + 1] = name .. ": " .. tostring(value)
    have[name:lower()] = true
  end
  for _, h in ipairs(o.headers or {}) do add(h[1], h[2]) end
  if not have.from and o.from then add("From", o.header_from or ("<" .. o.from .. ">")) end
  if not have.to and o.to then
    local to = type(o.to) == "table" and o.to or {o.to}
    local list = {}
    for i, a in ipairs(to) do list[i] = "<" .. a .. ">" end
    add("To", table.concat(list, ", "))
  end
  if not have.subject and o.subject then add("Subject", o.subject) end
  if not have.date then add("Date", rt.date()) end
  if not have["message-id"] then
    local domain = (o.from or ""):match("@([^>]+)$") or "mailexpect.invalid"
    add("Message-ID", string.format("<%s.%d@%s>", md5(tostring(now()) .. tostring(math.random())):sub(1, 16), math.floor(time()), domain))
  end
  local body = o.body or ""
  return table.concat(headers, "\r\n") .. "\r\n\r\n" .. body
end

-- send is MAIL + RCPT for each recipient + DATA. It raises on a refused
-- RCPT unless allow_partial, in which case it returns the data reply and
-- one reply per RCPT.
function Client:send(o)
  local to = type(o.to) == "table" and o.to or {o.to}
  if #to == 0 then rt.raise("usage", "smtp: send needs at least one recipient (to =)") end
  local msg = o.raw or M.message(o)
  local size = tonumber(self.caps.SIZE)
  if size and size > 0 and #msg > size then
    rt.raise("usage", string.format("%s: message of %d bytes exceeds the server's SIZE limit of %d", self.label, #msg, size), {stage = "MAIL"})
  end
  local params = o.params or {}
  if size and type(params) == "table" and params.SIZE == nil then params.SIZE = #msg end
  self:mail(o.from or "", params)
  local rcpts, accepted = {}, 0
  for i, addr in ipairs(to) do
    rcpts[i] = self:rcpt(addr, o.rcpt_params, o.allow_partial)
    if is2(rcpts[i]) then accepted = accepted + 1 end
  end
  if accepted == 0 then
    self:rset()
    rt.raise("reply", self.label .. ": every recipient was refused", {reply = rcpts[1], stage = "RCPT"})
  end
  local r = self:data(msg, accepted)
  if o.allow_partial then return r, rcpts end
  return r
end

-- open = connect + EHLO + STARTTLS (per tls mode) + AUTH (when user given).
function M.open(o)
  local c = M.connect(o)
  c:ehlo(o.helo)
  if c.tlsmode == "starttls" then c:starttls() end
  if o.user then c:auth() end
  return c
end

return M
