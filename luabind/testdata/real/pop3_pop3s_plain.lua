-- POP3S (implicit TLS) with SASL PLAIN (RFC 5034), LOGIN and CRAM-MD5.
local pop3 = require "pop3"

for _, mech in ipairs{"plain", "login", "cram-md5"} do
  local p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file,
                      user = STACK.user, pass = STACK.pass, auth = mech}
  T.eq(p.tlsmode, "implicit")
  T.eq(p.session.tls.verified, true)
  T.eq(p.auth_mechanism, mech)
  T.eq(p:stat(), 0, mech)
  p:quit()
end

-- a wrong password through SASL
local e = T.fails(function()
  pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user, pass = "wrong", auth = "plain"}
end)
T.eq(e.kind, "reply")
T.eq(e.stage, "AUTH")
T.eq(e.reply.text:sub(1, 6), "[AUTH]")
-- STLS inside TLS makes no sense
local p = pop3.connect{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file}
T.eq(T.fails(function() p:stls() end).kind, "usage")
p:close()
print("ok")
