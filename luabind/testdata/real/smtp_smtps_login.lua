-- SMTPS (implicit TLS, RFC 8314) with AUTH LOGIN, then a message to the
-- user's own mailbox.
local smtp = require "smtp"

local c = smtp.open{url = "smtps://" .. STACK.smtps, ca_file = STACK.ca_file,
                    user = STACK.user, pass = STACK.pass, auth = "login", helo = "client.test"}
T.eq(c.tlsmode, "implicit", "smtps:// means implicit TLS")
T.eq(c.session.tls ~= nil, true, "encrypted from the start")
T.eq(c.session.tls.verified, true, "certificate verified against the stack CA")
T.eq(c.caps.STARTTLS, nil, "no STARTTLS inside TLS")
T.eq(c.auth_mechanism, "LOGIN", "the named mechanism")
T.eq(c.timings.starttls, nil, "no STARTTLS step")
local r = c:send{from = STACK.address, to = STACK.address, subject = "smtps login", body = "hello\n"}
T.eq(r.code, 250, "queued")
T.eq(r.text:find("queued as", 1, true) ~= nil, true, "the queue id is in the reply text")
T.eq(c:quit().code, 221, "quit")

-- The same with host/port: port 465 is implicit TLS too (here the stack's
-- SMTPS port is not 465, so tls = "implicit" is said).
local host, port = STACK.smtps:match("^(.*):(%d+)$")
c = smtp.open{host = host, port = tonumber(port), tls = "implicit", ca_file = STACK.ca_file,
              user = STACK.user, pass = STACK.pass}
T.eq(c.auth_mechanism, "PLAIN", "default over TLS: PLAIN")
c:quit()
print("ok")
