-- STARTTLS is required unless tls = "none" is said (RFC 3207; docs/DESIGN.md
-- "Protocol modules"): a server that does not offer it is an error.
local smtp = require "smtp"

local e = T.fails(function() smtp.open{url = "smtp://" .. SERVER, user = "alice", pass = "s3cret"} end)
T.eq(e.kind, "tls")
T.eq(e.stage, "STARTTLS")
T.eq(e.message, SERVER .. ": the server does not offer STARTTLS (tls = \"none\" must be said to go on without TLS)")

local e = T.fails(function() smtp.open{url = "smtp://" .. SERVER} end)
T.eq(e.kind, "tls")

local c = smtp.open{url = "smtp://" .. SERVER, tls = "none"}
T.eq(c.ehlo_reply.code, 250)
T.eq(next(c.caps), nil, "HELO: no extensions")
T.eq(c:send{from = "a@x.test", to = "b@x.test", raw = "Subject: hi\r\n\r\nx\r\n"}.code, 250)
c:quit()

local e = T.fails(function() smtp.open{url = "smtp://" .. SERVER} end)
T.eq(e.kind, "reply")
T.eq(e.stage, "STARTTLS")
T.eq(e.reply.code, 454)
