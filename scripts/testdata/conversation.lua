-- conversation.lua: one mail conversation over SMTP, POP3 and IMAP, for
-- the differential test (scripts/sandbox_test.go): the same steps against
-- the sandbox and against Postfix + Dovecot must have the same outcome.
--
--   mailexpect conversation.lua RECIPIENT UNKNOWN-RECIPIENT TOKEN
--
-- The servers and credentials come from MAILEXPECT_*; RECIPIENT is the
-- address of MAILEXPECT_USER, whose INBOX must be empty at the start.
-- Prints one JSON object: {steps = {{name =, ok =, kind =, code =, ...}}}.
-- Only what both servers must agree on goes in: counts, success and
-- failure, reply codes, message bytes minus the headers a server adds on
-- delivery (Received, Return-Path, Delivered-To); never server texts,
-- queue ids or UIDL strings.
local smtp = require "smtp"
local pop3 = require "pop3"
local has_imap, imap = pcall(require, "imap")

local rcpt, unknown, token = arg[1], arg[2], arg[3]
assert(rcpt and unknown and token, "usage: conversation.lua RECIPIENT UNKNOWN TOKEN")
local srv = {
  smtp = env("MAILEXPECT_SMTP"), pop3 = env("MAILEXPECT_POP3"), imap = env("MAILEXPECT_IMAP"),
  user = env("MAILEXPECT_USER"), pass = secret_env("MAILEXPECT_PASS"), ca_file = env("MAILEXPECT_CA_FILE"),
}

local steps = {}
-- step runs fn and records how it went: ok and fn's table of results, or
-- the error's kind and, for a refusal, the reply code. It returns fn's
-- second value (a client to go on with), or nil when fn failed.
local function step(name, fn)
  local ok, res, val = pcall(fn)
  local rec = {name = name, ok = ok}
  if ok then
    for k, v in pairs(res or {}) do rec[k] = v end
  elseif type(res) == "table" then
    rec.kind = res.kind
    if res.reply then
      -- IMAP: the status (NO, BAD); a response code such as
      -- [NONEXISTENT] is optional (RFC 5530), and Dovecot leaves it out.
      rec.code = res.reply.status or res.reply.code
      rec.enhanced = res.reply.enhanced
    end
  else
    rec.kind = "script: " .. tostring(res)
  end
  steps[#steps + 1] = rec
  if ok then return val end
end

-- strip removes the header fields a server adds on delivery.
local added = {received = true, ["return-path"] = true, ["delivered-to"] = true}
local function strip(raw)
  local head, body = raw:match("^(.-\r\n)(\r\n.*)$")
  if not head then return raw end
  local out, skipping = {}, false
  for line in head:gmatch("(.-\r\n)") do
    if line:match("^[ \t]") then
      if not skipping then out[#out + 1] = line end
    else
      local name = line:match("^([^:]+):")
      skipping = name ~= nil and added[name:lower()] == true
      if not skipping then out[#out + 1] = line end
    end
  end
  return table.concat(out) .. body
end

local function message(n)
  return table.concat({
    "From: Differential <" .. rcpt .. ">",
    "To: <" .. rcpt .. ">",
    "Subject: " .. token .. "-" .. n,
    "Date: Tue, 24 Nov 2026 12:00:00 +0000",
    "Message-ID: <" .. token .. "-" .. n .. "@mailexpect.test>",
    "MIME-Version: 1.0",
    "Content-Type: text/plain; charset=us-ascii",
    "",
    "Message " .. n .. " of the differential test.",
    ".a line that starts with a dot",
    "..two dots",
    "A004 OK not a tagged reply",
    "+OK not a status line",
    "",
    "last line",
    "",
  }, "\r\n")
end
local sent = {message(1), message(2)}

local function smtp_open(auth)
  return smtp.open{url = "smtp://" .. srv.smtp, user = srv.user, pass = srv.pass, auth = auth,
                   ca_file = srv.ca_file, servername = "localhost", helo = "client.test"}
end
local function pop3_open(auth, pass)
  return pop3.open{url = "pop3://" .. srv.pop3, user = srv.user, pass = pass or srv.pass, auth = auth,
                   ca_file = srv.ca_file, servername = "localhost"}
end

-- SMTP --------------------------------------------------------------------

for _, mech in ipairs{"plain", "login"} do
  step("smtp auth " .. mech, function()
    local c = smtp_open(mech)
    c:quit()
    return {tls = c.session.tls ~= nil, starttls_offered = c.caps.STARTTLS ~= nil}
  end)
end
step("smtp auth wrong password", function()
  local c = smtp.open{url = "smtp://" .. srv.smtp, user = srv.user, pass = srv.pass .. "x", auth = "plain",
                      ca_file = srv.ca_file, servername = "localhost"}
  c:quit()
end)
step("smtp rcpt unknown user", function()
  local c = smtp_open("plain")
  local ok, err = pcall(function()
    c:mail(rcpt)
    c:rcpt(unknown)
  end)
  c:quit()
  if not ok then error(err, 0) end
end)

-- wait_for polls POP3 until the INBOX holds n messages (Postfix delivers
-- after the 250; the sandbox before it).
local function wait_for(n)
  local deadline = now() + 20
  while true do
    local p = pop3_open("user")
    local count = p:stat()
    p:quit()
    if count >= n or now() > deadline then return count end
    sleep(0.1)
  end
end

for i = 1, 2 do
  step("smtp send " .. i, function()
    local c = smtp_open("plain")
    local r = c:send{from = rcpt, to = {rcpt}, raw = sent[i]}
    c:quit()
    return {code = r.code, enhanced = r.enhanced, delivered = wait_for(i)}
  end)
end

-- POP3 --------------------------------------------------------------------

for _, mech in ipairs{"user", "apop", "plain", "login", "cram-md5"} do
  step("pop3 auth " .. mech, function()
    local p = pop3_open(mech)
    local count = p:stat()
    p:quit()
    return {count = count}
  end)
end
step("pop3 auth wrong password", function() pop3_open("user", srv.pass .. "x"):quit() end)

local p = step("pop3 open", function() return {}, pop3_open("user") end)
if p then
  step("pop3 capa", function()
    local caps = p:capa()
    return {top = caps.TOP ~= nil, uidl = caps.UIDL ~= nil, user = caps.USER ~= nil}
  end)
  local list = {}
  step("pop3 stat list uidl", function()
    local count, octets = p:stat()
    list = p:list()
    local uidl = p:uidl()
    local sum, distinct, seen = 0, true, {}
    for _, m in ipairs(list) do sum = sum + m.size end
    for _, m in ipairs(uidl) do
      if seen[m.uid] then distinct = false end
      seen[m.uid] = true
    end
    return {count = count, octets_match_list = octets == sum, listed = #list, uids = #uidl,
            uids_distinct = distinct, list_1 = p:list(1) == list[1].size}
  end)
  for n = 1, 2 do
    step("pop3 retr " .. n, function()
      local raw = p:retr(n)
      return {body = strip(raw), same_as_sent = strip(raw) == sent[n], size_matches_list = #raw == list[n].size}
    end)
  end
  step("pop3 top 1 0", function()
    local head = p:top(1, 0)
    return {head = strip(head), ends_with_blank_line = head:sub(-4) == "\r\n\r\n"}
  end)
  step("pop3 top 2 2", function() return {text = strip(p:top(2, 2))} end)
  step("pop3 retr 3 (no such message)", function() p:retr(3) end)
  step("pop3 dele 1, rset, dele 1, quit", function()
    p:dele(1)
    p:rset()
    p:dele(1)
    p:quit()
  end)
  step("pop3 after quit", function()
    local p2 = pop3_open("user")
    local count = p2:stat()
    local raw = p2:retr(1)
    p2:quit()
    return {count = count, first_is_message_2 = strip(raw) == sent[2]}
  end)
end

-- IMAP --------------------------------------------------------------------

if has_imap then
  local function imap_open(auth, pass)
    return imap.open{url = "imap://" .. srv.imap, user = srv.user, pass = pass or srv.pass, auth = auth,
                     ca_file = srv.ca_file, servername = "localhost"}
  end
  for _, mech in ipairs{"login-command", "plain", "login", "cram-md5"} do
    step("imap auth " .. mech, function() imap_open(mech):logout() end)
  end
  step("imap auth wrong password", function() imap_open("plain", srv.pass .. "x"):logout() end)
  local i = step("imap open", function() return {}, imap_open() end)
  if i then
    step("imap select missing", function() i:select("NoSuchMailbox-" .. token) end)
    step("imap select", function()
      local box = i:select("INBOX")
      return {exists = box.exists, uidvalidity = type(box.uidvalidity) == "number",
              uidnext_above_1 = (box.uidnext or 0) > 1}
    end)
    step("imap search", function()
      return {hit = #i:search("SUBJECT " .. token .. "-2"), gone = #i:search("SUBJECT " .. token .. "-1"),
              all = #i:search("ALL"), unseen = #i:search("UNSEEN")}
    end)
    local uid
    step("imap fetch", function()
      local f = i:fetch("1", "(UID FLAGS RFC822.SIZE BODY.PEEK[])")
      local m = f[1]
      uid = m.UID
      local body = m["BODY[]"]
      return {n = #f, size_matches = m["RFC822.SIZE"] == #body,
              body = strip(body), same_as_sent = strip(body) == sent[2]}
    end)
    step("imap fetch header", function()
      local f = i:fetch("1", "(BODY.PEEK[HEADER.FIELDS (SUBJECT MESSAGE-ID)])")
      local text
      for k, v in pairs(f[1]) do
        if k:match("^BODY%[HEADER") then text = v end
      end
      return {fields = text}
    end)
    step("imap append", function()
      local r = i:append("INBOX", message(3))
      return {status = r.status}
    end)
    step("imap delete by uid", function()
      i:uid_store({uid}, "+FLAGS.SILENT", "(\\Deleted)")
      i:uid_expunge({uid})
      local box = i:select("INBOX")
      return {exists = box.exists}
    end)
    step("imap logout", function() i:logout() end)
    step("pop3 sees the append", function()
      local p3 = pop3_open("user")
      local count = p3:stat()
      local raw = p3:retr(1)
      p3:dele(1)
      p3:quit()
      return {count = count, same = strip(raw) == message(3)}
    end)
  end
end

print(json.encode{steps = steps, imap = has_imap})
