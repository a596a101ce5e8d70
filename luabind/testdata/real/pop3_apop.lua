-- APOP (RFC 1939 7) and CRAM-MD5 over plaintext: digests, so they need no
-- allow_plaintext_auth; USER/PASS and PLAIN do, and are refused before
-- anything is sent without it.
local pop3 = require "pop3"
local smtp = require "smtp"

local l = smtp.open{url = "lmtp://" .. STACK.lmtp, tls = "none"}
l:send{from = "seed@" .. STACK.domain, to = STACK.address, subject = "apop", body = "x"}
l:quit()

local p = pop3.open{url = "pop3://" .. STACK.pop3, tls = "none", user = STACK.user, pass = STACK.pass}
T.eq(p.session.tls, nil)
T.eq(p.auth_mechanism, "scram-sha-256", "default without TLS: SCRAM")
T.eq(p:stat(), 1)
p:quit()

p = pop3.open{url = "pop3://" .. STACK.pop3, tls = "none", user = STACK.user, pass = STACK.pass, auth = "apop"}
T.eq(p.auth_mechanism, "apop", "APOP without TLS")
T.eq(p:stat(), 1)
p:quit()

p = pop3.open{url = "pop3://" .. STACK.pop3, tls = "none", user = STACK.user, pass = STACK.pass, auth = "cram-md5"}
T.eq(p.auth_mechanism, "cram-md5")
T.eq(p:stat(), 1)
p:quit()

for _, mech in ipairs{"user", "plain", "login"} do
  p = pop3.connect{url = "pop3://" .. STACK.pop3, tls = "none", user = STACK.user, pass = STACK.pass, auth = mech}
  local e = T.fails(function() p:auth() end)
  T.eq(e.kind, "usage", mech)
  T.eq(e.message, STACK.pop3 .. ": refusing to send the password without TLS (allow_plaintext_auth = true permits it)")
  -- nothing went out: the next response is CAPA's
  sleep(0.05)
  T.eq(p.session:pending(), 0, mech)
  T.eq(p:cmd("CAPA").ok, true, mech)
  p:close()
  -- allowed when said
  p = pop3.open{url = "pop3://" .. STACK.pop3, tls = "none", user = STACK.user, pass = STACK.pass, auth = mech,
                allow_plaintext_auth = true}
  T.eq(p:stat(), 1, mech)
  p:quit()
end

-- a wrong password through APOP
local e = T.fails(function()
  pop3.open{url = "pop3://" .. STACK.pop3, tls = "none", user = STACK.user, pass = "wrong", auth = "apop"}
end)
T.eq(e.kind, "reply")
T.eq(e.reply.status, "-ERR")
print("ok")
