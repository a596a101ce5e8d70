-- pop3: POP3 (RFC 1939) with CAPA (RFC 2449), STLS (RFC 2595) and SASL
-- AUTH (RFC 5034), on the session primitives. Multi-line responses are
-- framed and unstuffed in Go by s:read_dot(), so a message line such as
-- "+OK" or "." is body text, never a status.
local rt = require "mailexpect.internal"

local M = {}
local Client = {}
Client.__index = Client

-- Which commands answer with a multi-line response (RFC 1939, 2449): a
-- generic client must know, or it hangs (curl's DELE) or desynchronises.
local MULTILINE = {CAPA = true, RETR = true, TOP = true}
local MULTILINE_NOARG = {LIST = true, UIDL = true}

-- resolve works out the address and TLS mode of o: url = "pop3://host"
-- or "pop3s://host" (with an optional port), or host/port. The default TLS
-- mode is implicit for pop3s and port 995, else STLS (required).
local function resolve(o)
  local a
  if o.url then
    a = rt.address(o.url)
    if a.scheme ~= "pop3" and a.scheme ~= "pop3s" then
      rt.raise("usage", "pop3: url must be pop3://host[:port] or pop3s://host[:port], got " .. tostring(o.url))
    end
  else
    if not o.host then rt.raise("usage", "pop3: host (or url) is required") end
    a = rt.address((o.host:find(":", 1, true) and ("[" .. o.host .. "]") or o.host) .. ":" .. (tonumber(o.port) or 110))
  end
  local tls = o.tls
  if tls == true then tls = "implicit" elseif tls == false then tls = "none" end
  if tls == nil then tls = (a.tls or a.port == 995) and "implicit" or "starttls" end
  if tls ~= "implicit" and tls ~= "starttls" and tls ~= "none" then
    rt.raise("usage", "pop3: tls must be \"implicit\", \"starttls\" or \"none\", got " .. tostring(tls))
  end
  return a.hostport, tls
end

-- status parses "+OK text" / "-ERR text" (case-insensitively, RFC 1939
-- says the indicators are upper case but servers vary).
local function status(line, label)
  if line == nil then rt.raise("eof", label .. ": connection closed while waiting for a status line") end
  local ind, text = line:match("^([%+%-]%a+)%s?(.*)$")
  if ind then
    ind = ind:upper()
    if ind == "+OK" or ind == "-ERR" then
      local code = text:match("^%[([%w/%-]+)%]")
      return {ok = ind == "+OK", status = ind, text = text, code = code, line = line}
    end
  end
  rt.raise("protocol", label .. ": expected +OK or -ERR, got " .. string.format("%q", line:sub(1, 200)))
end

local function fail(c, stage, r, what)
  rt.raise("reply", string.format("%s: %s refused: %s %s", c.label, what or stage, r.status, r.text),
             {reply = {status = r.status, text = r.text, lines = {r.text}, code = 0}, stage = stage})
end

local function timed(c, name, fn, ...)
  local t0 = now()
  local a, b = fn(...)
  c.timings[name] = (c.timings[name] or 0) + (now() - t0)
  return a, b
end

function M.connect(o)
  o = o or {}
  local addr, tls = resolve(o)
  local c = setmetatable({opts = o, tlsmode = tls, timings = {}, timeouts = o.timeouts or {},
                          label = o.label or addr, deleted = {}}, Client)
  c.session = timed(c, "connect", connect, addr, {
    timeout = o.timeout, connect_timeout = o.connect_timeout,
    tls = (tls == "implicit") and "implicit" or nil,
    servername = o.servername, insecure = o.insecure, ca_file = o.ca_file,
    match_max = o.match_max, label = o.label,
  })
  c.greeting = timed(c, "greeting", function() return status(c.session:readline(c.timeouts.greeting), c.label) end)
  if not c.greeting.ok then
    c.session:close()
    fail(c, "greeting", c.greeting, "connection")
  end
  -- APOP timestamp: a msg-id in the greeting (RFC 1939 7).
  c.timestamp = c.greeting.text:match("(<[^<>]*@[^<>]*>)")
  return c
end

-- cmd sends a raw command and returns its response table: {ok, status,
-- text, code, lines (multi-line only), body}. It never raises on -ERR.
-- multiline: nil means "decide by the command" (CAPA, RETR, TOP, and LIST
-- / UIDL without argument); true or false forces it.
function Client:cmd(line, o)
  o = o or {}
  local verb, arg = line:match("^(%S+)%s*(.*)$")
  verb = (verb or ""):upper()
  if rt.dry_run() and verb == "DELE" and not o.allow_in_dry_run then
    rt.raise("usage", self.label .. ": DELE refused under --dry-run (p:dele() reports instead)")
  end
  local multiline = o.multiline
  if multiline == nil then
    multiline = MULTILINE[verb] or (MULTILINE_NOARG[verb] and arg == "") or false
  end
  self.session:sendline(line, {secret = o.secret})
  local r = status(self.session:readline(o.timeout or self.timeouts.command), self.label)
  if r.ok and multiline then
    r.body = self.session:read_dot(o.file and {file = o.file} or nil)
    if not o.file then
      local lines = {}
      for l in (r.body):gmatch("(.-)\r\n") do lines[#lines + 1] = l end
      r.lines = lines
    end
  end
  return r
end

local function must(c, stage, line, o)
  local r = c:cmd(line, o)
  if not r.ok then fail(c, stage, r, o and o.what or line:match("^%S+")) end
  return r
end

-- capa returns capability -> argument string or true (RFC 2449).
function Client:capa()
  local r = self:cmd("CAPA")
  if not r.ok then self.caps = {}; return self.caps end
  local caps = {}
  for _, l in ipairs(r.lines) do
    local k, v = l:match("^(%S+)%s*(.*)$")
    if k then caps[k:upper()] = (v ~= "" and v) or true end
  end
  self.caps = caps
  return caps
end

-- stls upgrades to TLS (RFC 2595 4); capabilities are asked again after.
function Client:stls()
  return timed(self, "starttls", function()
    local caps = self.caps or self:capa()
    if not caps.STLS then
      rt.raise("tls", self.label .. ": the server does not offer STLS (tls = \"none\" must be said to go on without TLS)", {stage = "STLS"})
    end
    must(self, "STLS", "STLS")
    self.session:starttls()
    self.caps = nil
    return self:capa()
  end)
end
Client.starttls = Client.stls

-- auth logs in: "user" (USER/PASS), "apop" (digest of the greeting's
-- timestamp, RFC 1939 7) or "plain" (SASL PLAIN, RFC 5034). The default is
-- the first that works from: apop when the greeting has a timestamp and
-- the session is not encrypted, else user.
function Client:auth()
  local o = self.opts
  if not o.user then rt.raise("usage", "pop3: auth needs user =") end
  local pass = o.pass or ""
  return timed(self, "auth", function()
    local mech = o.auth and o.auth:lower()
    if not mech then
      mech = (self.timestamp and not self.session.tls) and "apop" or "user"
    end
    if mech ~= "apop" and not self.session.tls and not o.allow_plaintext_auth then
      rt.raise("usage", self.label .. ": refusing to send the password without TLS (allow_plaintext_auth = true permits it)", {stage = "AUTH"})
    end
    if self.session.tls and o.insecure then
      rt.warn(self.label .. ": sending credentials over TLS without certificate verification (insecure = true)")
    end
    rt.note(self.session, "AUTH mechanism " .. mech)
    self.auth_mechanism = mech
    local r
    if mech == "user" then
      r = must(self, "USER", "USER " .. o.user)
      r = self:cmd("PASS " .. pass, {secret = true})
      if not r.ok then fail(self, "AUTH", r, "PASS") end
    elseif mech == "apop" then
      if not self.timestamp then rt.raise("protocol", self.label .. ": auth = \"apop\" but the greeting has no timestamp", {stage = "AUTH"}) end
      r = self:cmd("APOP " .. o.user .. " " .. hex.encode(md5(self.timestamp .. pass)))
      if not r.ok then fail(self, "AUTH", r, "APOP") end
    elseif mech == "plain" then
      local ir = base64.encode("\0" .. o.user .. "\0" .. pass)
      self.session:sendline("AUTH PLAIN " .. ir, {secret = true})
      local line = self.session:readline(self.timeouts.command)
      if line == "+" or (line and line:sub(1, 2) == "+ ") then
        -- a server that ignores the initial response asks for it (RFC 5034 4)
        self.session:sendline(ir, {secret = true})
        line = self.session:readline(self.timeouts.command)
      end
      r = status(line, self.label)
      if not r.ok then fail(self, "AUTH", r, "AUTH PLAIN") end
    else
      rt.raise("usage", "pop3: unknown auth " .. mech .. " (user, apop, plain)")
    end
    return r
  end)
end

function Client:stat()
  local r = must(self, "STAT", "STAT")
  local n, octets = r.text:match("^(%d+)%s+(%d+)")
  if not n then rt.raise("protocol", self.label .. ": unparsable STAT reply: " .. r.text) end
  return tonumber(n), tonumber(octets)
end

-- list: with n, the size of message n; without, {{n=, size=}, ...}.
function Client:list(n)
  if n then
    local r = must(self, "LIST", "LIST " .. n)
    return tonumber(r.text:match("^%d+%s+(%d+)"))
  end
  local r = must(self, "LIST", "LIST")
  local out = {}
  for _, l in ipairs(r.lines) do
    local k, size = l:match("^(%d+)%s+(%d+)")
    if k then out[#out + 1] = {n = tonumber(k), size = tonumber(size)} end
  end
  return out
end

function Client:uidl(n)
  if n then
    local r = must(self, "UIDL", "UIDL " .. n)
    return r.text:match("^%d+%s+(%S+)")
  end
  local r = must(self, "UIDL", "UIDL")
  local out = {}
  for _, l in ipairs(r.lines) do
    local k, uid = l:match("^(%d+)%s+(%S+)")
    if k then out[#out + 1] = {n = tonumber(k), uid = uid} end
  end
  return out
end

-- retr returns message n, unstuffed; with {file = path} it streams the
-- message to the file and returns its size in octets.
function Client:retr(n, o)
  local r = timed(self, "retr", must, self, "RETR", "RETR " .. n, {file = o and o.file, timeout = o and o.timeout})
  return r.body
end

function Client:top(n, lines)
  return must(self, "TOP", "TOP " .. n .. " " .. (lines or 0)).body
end

-- dele marks message n for deletion; it takes effect only at QUIT. Under
-- --dry-run it only records the number.
function Client:dele(n)
  self.deleted[#self.deleted + 1] = n
  if rt.dry_run() then
    rt.note(self.session, "dry-run: would DELE " .. n)
    return {ok = true, status = "+OK", text = "dry-run", dry_run = true}
  end
  return must(self, "DELE", "DELE " .. n)
end

function Client:rset()
  self.deleted = {}
  return must(self, "RSET", "RSET")
end

function Client:noop() return must(self, "NOOP", "NOOP") end

-- quit commits the deletions (RFC 1939 6). Under --dry-run the session
-- ends with RSET and a close instead, so nothing can be committed.
function Client:quit()
  if rt.dry_run() then
    pcall(self.cmd, self, "RSET")
    self.session:close()
    return {ok = true, status = "+OK", text = "dry-run: RSET and close, no QUIT"}
  end
  local r = self:cmd("QUIT")
  self.session:close()
  if not r.ok then fail(self, "QUIT", r) end
  return r
end

function Client:close() self.session:close() end

-- open = connect + STLS (per tls mode) + auth.
function M.open(o)
  local c = M.connect(o)
  if c.tlsmode == "starttls" then c:stls() end
  if o.user then c:auth() end
  return c
end

return M
