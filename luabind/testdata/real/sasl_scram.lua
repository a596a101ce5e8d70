-- SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677) against Dovecot for
-- IMAP and POP3, and Postfix submission (Dovecot SASL): the server's
-- signature is checked, nothing of the password or the proof reaches the
-- transcript (TestRealServers checks the password and its base64 forms),
-- and without TLS SCRAM is the default: it never sends the password.
local imap, pop3, smtp = require "imap", require "pop3", require "smtp"
local base = {ca_file = STACK.ca_file, servername = "localhost", user = STACK.user, pass = STACK.pass}
local function with(t)
  local o = {}
  for k, v in pairs(base) do o[k] = v end
  for k, v in pairs(t) do o[k] = v end
  return o
end

for _, mech in ipairs{"scram-sha-256", "scram-sha-1"} do
  local i = imap.open(with{url = "imaps://" .. STACK.imaps, auth = mech})
  T.eq(i.auth_mechanism, mech, "imap " .. mech)
  T.eq(i.state, "authenticated", "imap " .. mech .. " logged in")
  i:logout()
  local p = pop3.open(with{url = "pop3s://" .. STACK.pop3s, auth = mech})
  T.eq(p.auth_mechanism, mech, "pop3 " .. mech)
  T.eq(type(p:stat()), "number", "pop3 " .. mech .. " logged in")
  p:quit()
end

-- Without TLS: chosen by default, no allow_plaintext_auth needed.
local i = imap.open(with{url = "imap://" .. STACK.imap, tls = "none"})
T.eq(i.auth_mechanism, "scram-sha-256", "imap default without TLS")
i:logout()
local p = pop3.open(with{url = "pop3://" .. STACK.pop3, tls = "none"})
T.eq(p.auth_mechanism, "scram-sha-256", "pop3 default without TLS")
p:quit()

local s = smtp.open(with{url = "submission://" .. STACK.submission, auth = "scram-sha-256"})
T.eq(s.auth_mechanism, "SCRAM-SHA-256", "smtp submission")
s:quit()

-- A wrong password is the server's refusal.
local e = T.fails(function() imap.open(with{url = "imaps://" .. STACK.imaps, auth = "scram-sha-256", pass = "wrong"}) end)
T.eq(e.kind, "reply", "imap wrong password")
e = T.fails(function() pop3.open(with{url = "pop3s://" .. STACK.pop3s, auth = "scram-sha-1", pass = "wrong"}) end)
T.eq(e.kind, "reply", "pop3 wrong password")
print("ok")
