-- MAIL/RCPT parameters against Postfix: BODY=8BITMIME (RFC 6152),
-- SMTPUTF8 (RFC 6531) with a UTF-8 address, DSN (RFC 3461), SIZE (RFC
-- 1870); c:send adds SIZE, BODY and SMTPUTF8 by itself when needed.
local smtp = require "smtp"

local c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none"}
T.eq(c.caps["8BITMIME"], true)
T.eq(c.caps.SMTPUTF8, true)
T.eq(c.caps.DSN, true)
T.eq(c.caps.SIZE, "104857600")

-- by steps, parameters named
local utf8_rcpt = STACK.user .. "+tëst@" .. STACK.domain
T.eq(c:mail(STACK.address, {BODY = "8BITMIME", SMTPUTF8 = true, SIZE = 100, RET = "HDRS", ENVID = "env-1"}).code, 250)
T.eq(c:rcpt(utf8_rcpt, {NOTIFY = "FAILURE,DELAY"}).code, 250, "UTF-8 address accepted")
T.eq(c:rcpt(STACK.address, {NOTIFY = "NEVER", ORCPT = "rfc822;" .. STACK.address}).code, 250)
T.eq(c:data("Subject: grüße\r\n\r\nÄrger über Öl\r\n").code, 250)

-- c:send works the parameters out: SMTPUTF8 for the address, BODY for
-- the 8-bit body, SIZE from the message
local r = c:send{from = STACK.address, to = utf8_rcpt, subject = "grüße", body = "Ärger\r\n"}
T.eq(r.code, 250)
-- a parameter string goes out as written
T.eq(c:mail(STACK.address, "BODY=7BIT").code, 250)
c:rset()

-- bad values are refused before sending
local e = T.fails(function() c:mail(STACK.address, {ENVID = "two words"}) end)
T.eq(e.kind, "usage")
local e = T.fails(function() c:mail(STACK.address, {ENVID = "a=b"}) end)
T.eq(e.kind, "usage")
-- a SIZE over the server's limit is refused before sending
local e = T.fails(function() c:mail(STACK.address, {SIZE = 104857601}) end)
T.eq(e.kind, "usage")
T.eq(e.message, STACK.smtp .. ": message of 104857601 bytes exceeds the server's SIZE limit of 104857600; not sent")
T.eq(c:cmd("NOOP").code, 250, "nothing was pending")
c:quit()

-- Dovecot's LMTP offers neither SMTPUTF8 nor DSN: those parameters are
-- refused before sending (c:cmd would send them anyway).
local l = smtp.open{url = "lmtp://" .. STACK.lmtp, tls = "none"}
T.eq(l.caps.SMTPUTF8, nil)
local e = T.fails(function() l:mail(STACK.address, {SMTPUTF8 = true}) end)
T.eq(e.kind, "usage")
T.eq(e.message, "MAIL: parameter SMTPUTF8 needs the SMTPUTF8 extension, which the server does not offer (c:cmd sends it anyway)")
local e = T.fails(function() l:send{from = STACK.address, to = utf8_rcpt, body = "x"} end)
T.eq(e.kind, "usage")
T.eq(l:cmd("MAIL FROM:<" .. STACK.address .. "> SMTPUTF8").code, 555, "c:cmd sends it; Dovecot refuses")
l:quit()
print("ok")
