-- POP3 on the plain port: CAPA, STLS (RFC 2595) with the capabilities asked
-- again after TLS, then USER/PASS, the default over TLS.
local pop3 = require "pop3"

local p = pop3.connect{url = "pop3://" .. STACK.pop3, ca_file = STACK.ca_file,
                       user = STACK.user, pass = STACK.pass}
T.eq(p.greeting.ok, true)
T.eq(p.greeting.status, "+OK")
T.eq(p.timestamp ~= nil, true, "Dovecot's greeting carries an APOP timestamp")
local before = p:capa()
T.eq(before.STLS, true, "STLS offered in clear")
T.eq(before.UIDL, true)
T.eq(before.TOP, true)
T.eq(before["RESP-CODES"], true)
T.eq(before.SASL, "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256")
local after = p:stls()
T.eq(p.session.tls ~= nil, true)
T.eq(p.session.tls.verified, true)
T.eq(after.STLS, nil, "no STLS inside TLS: the capabilities were asked again")
T.eq(after.USER, true, "USER offered after STLS")
T.eq(p.caps, after)
p:auth()
T.eq(p.auth_mechanism, "user", "default over TLS: USER/PASS")
T.eq(p:stat(), 0, "a fresh mailbox")
T.eq(p:noop().ok, true)
T.eq(p:quit().ok, true)
for _, step in ipairs{"connect", "greeting", "starttls", "auth", "stat", "quit"} do
  T.eq(type(p.timings[step]), "number", "timing " .. step)
end

-- pop3.open does the same by default (STLS required)
p = pop3.open{url = "pop3://" .. STACK.pop3, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
T.eq(p.session.tls ~= nil, true)
T.eq(p.auth_mechanism, "user")
p:quit()

-- a wrong password: Dovecot's -ERR [AUTH] as a reply error
local e = T.fails(function()
  pop3.open{url = "pop3://" .. STACK.pop3, ca_file = STACK.ca_file, user = STACK.user, pass = "wrong-" .. STACK.pass}
end)
T.eq(e.kind, "reply")
T.eq(e.stage, "AUTH")
T.eq(e.reply.status, "-ERR")
T.eq(e.reply.text:sub(1, 6), "[AUTH]")
T.eq(e.message:find("PASS refused: -ERR [AUTH]", 1, true) ~= nil, true, e.message)
print("ok")
