-- c:cmd sends every command of an SMTP how-to and returns the reply table;
-- 4xx/5xx replies are returned, never raised.
local smtp = require "smtp"

local c = smtp.connect{url = "smtp://" .. STACK.smtp, tls = "none"}
T.eq(c.greeting.code, 220)
local r = c:cmd("HELO client.test")
T.eq(r.code, 250)
T.eq(r.enhanced, nil, "HELO reply has no enhanced code")
T.eq(next(c.caps), nil, "HELO: no extensions")

r = c:cmd("EHLO client.test")
T.eq(r.code, 250)
T.eq(r.lines[1], "mail." .. STACK.domain)
T.eq(c.caps.SIZE, "104857600", "raw EHLO refreshes c.caps")
T.eq(c.caps.PIPELINING, true)
T.eq(c.caps.AUTH, "PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256")

r = c:cmd("VRFY " .. STACK.user)
T.eq(r.code, 252)
T.eq(r.enhanced, "2.0.0")
r = c:cmd("VRFY nobody-here")
T.eq(r.code, 550, "refusal returned")
T.eq(r.enhanced, "5.1.1")
r = c:cmd("EXPN " .. STACK.user)
T.eq(r.code, 500, "Postfix does not know EXPN")
T.eq(r.enhanced, "5.5.2")
r = c:cmd("HELP")
T.eq(r.code, 500, "nor HELP")
r = c:cmd("NOOP")
T.eq(r.code, 250)
T.eq(r.text, "2.0.0 Ok")
T.eq(r.lines[1], "2.0.0 Ok")
r = c:cmd("RSET")
T.eq(r.code, 250)

-- a whole transaction by hand
T.eq(c:cmd("MAIL FROM:<" .. STACK.address .. ">").code, 250)
T.eq(c:cmd("RCPT TO:<nobody-here@" .. STACK.domain .. ">").code, 550)
T.eq(c:cmd("RCPT TO:<" .. STACK.address .. ">").code, 250)
r = c:cmd("DATA")
T.eq(r.code, 354)
T.eq(r.enhanced, nil)
c.session:send_dot("Subject: by hand\r\n\r\n.dot\r\n")
r = c.session:reply()
T.eq(r.code, 250)
-- bad syntax, and a command out of sequence
T.eq(c:cmd("MAIL").code, 501)
T.eq(c:cmd("DATA").code, 503)
-- injection is refused before sending
local e = T.fails(function() c:cmd("NOOP\r\nQUIT") end)
T.eq(e.kind, "injection")
r = c:cmd("QUIT")
T.eq(r.code, 221)
T.eq(r.enhanced, "2.0.0")
c:close()
print("ok")
