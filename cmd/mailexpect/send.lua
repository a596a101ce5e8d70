-- mailexpect send: one message (or a conversation cut short with
-- --quit-after) through the smtp module, stage by stage. The CLI parses
-- the flags (send.go) and hands them over as one JSON argument; this
-- chunk returns {exit =, line =, result =}: the exit code, the line to
-- print and the object --json prints.
local smtp = require "smtp"
local mime = require "mime"
local credentials = require "credentials"

local o = assert(json.decode((...)))

-- Exit codes by failing stage, numbered like swaks' where they mean the
-- same (docs/send.md), except that usage is 2 as everywhere in mailexpect.
local EXIT = {
  usage = 2, connect = 3, closed = 6, greeting = 21, ehlo = 22, mail = 23, rcpt = 24,
  data = 25, message = 26, auth = 28, tls = 29, ehlo_tls = 32,
}

local result = {server = o.server, stages = {}, ok = false}
local step = "connect"

local function brief(r)
  if type(r) ~= "table" or not r.code then return nil end
  return {code = r.code, enhanced = r.enhanced, text = r.text}
end

local function oneline(r) return (tostring(r.code) .. " " .. r.text:gsub("\n", " / ")) end

local function record(name, reply, seconds)
  result.stages[#result.stages + 1] = {name = name, reply = brief(reply), seconds = seconds}
end

-- queue_id finds the queue id in the final reply: Postfix "queued as
-- 4XyZ", Exim "id=1abc-...", Sendmail "x1AB2cd Message accepted".
local function queue_id(text)
  return text:match("queued as ([%w%-%.]+)") or text:match("[Ii][Dd]=([%w%-%.]+)")
         or text:match("([%w]+) Message accepted") or text:match("^%d%.%d%.%d ([%w]+) ")
end

local function tls_info(c)
  local t = c.session.tls
  if not t then return nil end
  local peer = t.peer or {}
  return {version = t.version, cipher = t.cipher, server_name = t.server_name,
          verified = t.verified, verify_error = t.verify_error,
          peer = {subject = peer.subject, issuer = peer.issuer, not_after = peer.not_after}}
end

-- exit_for maps an error raised at step to the exit code.
local function exit_for(err)
  if type(err) ~= "table" or not err.kind then return 1 end
  local k, st = err.kind, (err.stage or ""):upper()
  if k == "connect" then return EXIT.connect end
  if k == "timeout" or k == "eof" then return EXIT.closed end
  if k == "tls" then return EXIT.tls end
  if k == "usage" then
    -- the server's SIZE limit, or refusing a password without TLS
    if st == "MAIL" then return EXIT.mail end
    if st == "AUTH" then return EXIT.auth end
    return EXIT.usage
  end
  if step == "connect" then return EXIT.greeting end
  if step == "ehlo" then return EXIT.ehlo end
  if step == "tls" then
    if st == "EHLO" or st == "HELO" or st == "LHLO" then return EXIT.ehlo_tls end
    return EXIT.tls
  end
  if step == "auth" then return EXIT.auth end
  if st == "MAIL" or step == "mail" then return EXIT.mail end
  if st == "RCPT" or step == "rcpt" then return EXIT.rcpt end
  if st == "DATA" then
    if (err.message or ""):find(": message refused:", 1, true) then return EXIT.message end
    return EXIT.data
  end
  return 1
end

local recipients = {}
for _, list in ipairs{o.to, o.cc, o.bcc} do
  for _, a in ipairs(list) do recipients[#recipients + 1] = a end
end

-- The login and the message come before any connection: a missing
-- password, a bad header or a missing attachment is a usage error, never
-- a half-finished transaction.
local user, pass, token, msg
local bearer = {XOAUTH2 = true, OAUTHBEARER = true}
local prepared, perr = pcall(function()
  if o.auth then
    -- A bearer token (--token-file, stdin read and masked by mailexpect
    -- send, or MAILEXPECT_TOKEN) logs in instead of a password.
    if o.auth == "auto" or bearer[o.auth] then
      token = o.token or (o.token_file and secret_file(o.token_file))
              or (not o.secret_file and credentials.setting(secret_env("MAILEXPECT_TOKEN", nil)))
    end
    -- A token is one line (--token-file - is checked as it is read): a
    -- second line would go into the SASL response.
    if token and token:find("[\r\n]") then
      error((o.token_file and "--token-file " .. o.token_file or "MAILEXPECT_TOKEN") ..
            " holds more than one line; a token is one line", 0)
    end
    if token then
      user = credentials.setting(o.user, "MAILEXPECT_USER")
      if not user then error("--auth needs a user: --user or MAILEXPECT_USER", 0) end
    elseif bearer[o.auth] then
      error("--auth=" .. o.auth .. " needs a token: --token-file FILE (- reads stdin) or MAILEXPECT_TOKEN (never a flag)", 0)
    else
      user, pass = credentials.lookup{user = o.user, secret_file = o.secret_file, address = o.server}
      if not user then error("--auth needs a user: --user or MAILEXPECT_USER (or a login in ~/.netrc)", 0) end
      if not pass then error("--auth needs a password: MAILEXPECT_PASS, --secret-file FILE or ~/.netrc (never a flag)", 0) end
    end
  end
  if o.quit_after then return end
  if o.data then
    msg = assert(base64.decode(o.data)) -- base64 in the JSON: 8-bit bytes as they are
    return
  end
  local attachments = {}
  for i, a in ipairs(o.attach) do
    -- data: stdin's bytes (--attach -), base64 in the JSON
    attachments[i] = {file = a.file, data = a.data and assert(base64.decode(a.data)), name = a.name, type = a.type}
  end
  msg = mime.message{from = o.from, to = o.to, cc = o.cc, subject = o.subject,
                     headers = o.headers, body = o.body, attachments = attachments}
end)
if not prepared then
  local message = type(perr) == "table" and perr.message or tostring(perr)
  local code = (type(perr) ~= "table" or perr.kind == "usage" or perr.kind == "injection") and EXIT.usage or 1
  result.exit, result.stage = code, "prepare"
  result.error = {kind = type(perr) == "table" and perr.kind or "usage", message = message}
  return {exit = code, line = message, result = result}
end

local c
local ok, err = pcall(function()
  local pin = (type(o.pin) == "table" and #o.pin > 0) and o.pin or nil
  local opts = {url = o.url, tls = o.tls, helo = o.helo, ca_file = o.ca_file, insecure = o.insecure or nil,
                cert_file = o.cert_file, key_file = o.key_file, min_version = o.min_version, pin = pin,
                proxy = o.proxy, unix_socket = o.unix_socket, resolver = o.resolver, chunking = o.chunking,
                lmtp = o.lmtp or nil, pipelining = o.pipeline or nil, user = user, pass = pass, token = token,
                auth = (o.auth and o.auth ~= "auto") and o.auth or nil,
                allow_plaintext_auth = o.allow_plaintext_auth or nil}
  if o.timeout then opts.timeout = o.timeout end
  step = "connect"
  c = smtp.connect(opts)
  record("connect", nil, c.timings.connect)
  record("greeting", c.greeting, c.timings.greeting)
  if o.quit_after == "connect" then return end

  step = "ehlo"
  local r = c:ehlo(o.helo)
  record(c.lmtp and "lhlo" or "ehlo", r, c.timings.ehlo)
  if o.quit_after == "ehlo" then return end

  step = "tls"
  if c.tlsmode == "starttls" then
    local go, again = c:starttls()
    record("starttls", go, c.timings.starttls)
    record(c.lmtp and "lhlo" or "ehlo", again)
  end
  result.tls = tls_info(c)
  if o.quit_after == "tls" then return end

  step = "auth"
  if o.auth then
    record("auth", c:auth(), c.timings.auth)
  end
  if o.quit_after == "auth" then return end

  if o.quit_after == "mail" or o.quit_after == "rcpt" then
    step = "mail"
    local params = {}
    for _, a in ipairs(recipients) do
      if a:find("[\128-\255]") and c.caps.SMTPUTF8 then params.SMTPUTF8 = true end
    end
    record("mail", c:mail(o.from, params), c.timings.mail)
    if o.quit_after == "mail" then return end
    step = "rcpt"
    result.recipients = {}
    local first_err
    for i, a in ipairs(recipients) do
      local t0 = now()
      local rok, r = pcall(c.rcpt, c, a)
      local reply = rok and r or (type(r) == "table" and r.reply)
      result.recipients[i] = {address = a, accepted = rok, reply = brief(reply), seconds = now() - t0}
      if not rok then
        if not (type(r) == "table" and r.kind == "reply") then error(r, 0) end
        first_err = first_err or r
      end
    end
    record("rcpt", nil, c.timings.rcpt)
    if first_err then error(first_err, 0) end
    return
  end

  step = "send"
  local last, per = c:send{from = o.from, to = recipients, raw = msg}
  result.reply = brief(last)
  result.queue_id = queue_id(last.text)
  result.timings = c.timings
  if c.lmtp and per then
    result.recipients = {}
    for i, a in ipairs(recipients) do result.recipients[i] = {address = a, accepted = true, reply = brief(per[i])} end
  end
  record("mail", nil, c.timings.mail)
  record("rcpt", nil, c.timings.rcpt)
  record("data", last, c.timings.data)
end)

-- QUIT in every case where the connection is still there: a clean end
-- after --quit-after, and after a refusal (the error is kept).
if c then
  local qok, q = pcall(c.quit, c)
  if qok and q then record("quit", q, c.timings.quit) end
  result.timings = c.timings
  if result.tls == nil then result.tls = tls_info(c) end
end

if not ok then
  local code = exit_for(err)
  local message = type(err) == "table" and err.message or tostring(err)
  result.exit, result.stage = code, step
  local typed = type(err) == "table"
  result.error = {kind = typed and err.kind or nil, message = message,
                  stage = typed and err.stage or nil, reply = typed and brief(err.reply) or nil}
  return {exit = code, line = message, result = result}
end

result.ok, result.exit = true, 0
local n = #recipients
local line
if o.quit_after then
  local last = result.stages[#result.stages]
  for i = #result.stages, 1, -1 do
    if result.stages[i].name ~= "quit" and result.stages[i].reply then last = result.stages[i]; break end
  end
  if o.quit_after == "rcpt" then
    line = string.format("all %d recipient%s accepted; quit after rcpt", n, n == 1 and "" or "s")
    local r = result.recipients[#result.recipients]
    if r and r.reply then line = line .. ": " .. oneline(r.reply) end
  elseif o.quit_after == "tls" then
    local t = result.tls
    if not t then
      line = "quit after tls: no TLS (--tls none)"
    else
      line = string.format("quit after tls: %s %s, %s", t.version, t.cipher,
                           t.verified and "certificate verified" or ("certificate NOT verified: " .. tostring(t.verify_error)))
    end
  else
    line = "quit after " .. o.quit_after
    if last and last.reply then line = line .. ": " .. oneline(last.reply) end
  end
else
  line = string.format("sent to %d recipient%s: %s", n, n == 1 and "" or "s", oneline(result.reply))
  if result.queue_id then line = line .. " (queue id " .. result.queue_id .. ")" end
end
result.line = line
return {exit = 0, line = line, result = result}
