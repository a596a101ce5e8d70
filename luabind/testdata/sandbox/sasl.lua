-- SCRAM, OAUTHBEARER and XOAUTH2 against the sandbox in all three
-- protocols (its bearer token is the account's password), and Unicode
-- mailbox names in its IMAP server. Run by TestSASLSandbox.
local imap, pop3, smtp = require "imap", require "pop3", require "smtp"
local S = SANDBOX
local function opts(url, t)
  local o = {url = url, ca_file = S.ca_file, user = S.user, pass = S.pass}
  for k, v in pairs(t or {}) do o[k] = v end
  return o
end
local function token(url, mech, tok)
  return {url = url, ca_file = S.ca_file, user = S.user, token = tok or S.pass, auth = mech}
end

for _, mech in ipairs{"scram-sha-1", "scram-sha-256"} do
  local i = imap.open(opts("imap://" .. S.imap, {auth = mech}))
  T.eq(i.auth_mechanism, mech, "imap " .. mech)
  i:logout()
  local p = pop3.open(opts("pop3://" .. S.pop3, {auth = mech}))
  T.eq(p.auth_mechanism, mech, "pop3 " .. mech)
  p:quit()
  local s = smtp.open(opts("smtp://" .. S.smtp, {auth = mech}))
  T.eq(s.auth_mechanism, mech:upper(), "smtp " .. mech)
  s:quit()
  local e = T.fails(function() imap.open(opts("imap://" .. S.imap, {auth = mech, pass = "wrong"})) end)
  T.eq(e.kind, "reply", "imap " .. mech .. " wrong password")
  e = T.fails(function() pop3.open(opts("pop3://" .. S.pop3, {auth = mech, pass = "wrong"})) end)
  T.eq(e.kind, "reply", "pop3 " .. mech .. " wrong password")
  e = T.fails(function() smtp.open(opts("smtp://" .. S.smtp, {auth = mech, pass = "wrong"})) end)
  T.eq(e.kind, "reply", "smtp " .. mech .. " wrong password")
end

for _, mech in ipairs{"oauthbearer", "xoauth2"} do
  local i = imap.open(token("imap://" .. S.imap, mech))
  T.eq(i.auth_mechanism, mech, "imap " .. mech)
  i:logout()
  local p = pop3.open(token("pop3://" .. S.pop3, mech))
  T.eq(p.auth_mechanism, mech, "pop3 " .. mech)
  p:quit()
  local s = smtp.open(token("smtp://" .. S.smtp, mech))
  T.eq(s.auth_mechanism, mech:upper(), "smtp " .. mech)
  s:quit()
  -- A refused token: the server's JSON error challenge is kept as
  -- i.auth_error, then its final refusal raised.
  i = imap.connect(token("imap://" .. S.imap, mech, "expired"))
  i:starttls()
  local e = T.fails(function() i:auth() end)
  T.eq(e.kind, "reply", "imap " .. mech .. " refused")
  T.eq(i.auth_error.status, mech == "xoauth2" and "401" or "invalid_token", "imap " .. mech .. " auth_error")
  i:close()
  e = T.fails(function() smtp.open(token("smtp://" .. S.smtp, mech, "expired")) end)
  T.eq(e.kind, "reply", "smtp " .. mech .. " refused")
  e = T.fails(function() pop3.open(token("pop3://" .. S.pop3, mech, "expired")) end)
  T.eq(e.kind, "reply", "pop3 " .. mech .. " refused")
end

-- token = without auth =: OAUTHBEARER, the standard, when offered.
local i = imap.open(token("imap://" .. S.imap, nil))
T.eq(i.auth_mechanism, "oauthbearer", "token picks OAUTHBEARER")

i:logout()

-- Unicode mailbox names: as UTF-8 (the sandbox offers UTF8=ACCEPT), and
-- in modified UTF-7 when the script says utf8 = false.
for _, utf8 in ipairs{true, false} do
  i = imap.open(opts("imap://" .. S.imap, {utf8 = utf8}))
  T.eq(i.utf8, utf8, "UTF8=ACCEPT enabled: " .. tostring(utf8))
  T.eq(i:create("Entwürfe").status, "OK", "create")
  local raw = {}
  for _, b in ipairs(i:list("", "*")) do raw[b.name] = b.raw end
  T.eq(raw["Entwürfe"], utf8 and "Entwürfe" or "Entw&APw-rfe", "listed in UTF-8, raw as sent")
  i:append("Entwürfe", "Subject: x\r\n\r\nx\r\n")
  T.eq(i:select("Entwürfe").exists, 1, "select")
  T.eq(i:rename("Entwürfe", "日本語").status, "OK", "rename")
  T.eq(i:status("日本語").MESSAGES, 1, "status")
  T.eq(i:delete("日本語").status, "OK", "delete")
  T.eq(#i:list("", "日本語"), 0, "gone")
  i:logout()
end
print("ok")
