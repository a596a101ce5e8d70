-- LMTP straight to Dovecot (RFC 2033): LHLO, then one reply per accepted
-- recipient after the message. Delivery is done when the replies come.
local smtp = require "smtp"
local pop3 = require "pop3"

local token = "lmtp-" .. md5(tostring(now()))
local c = smtp.open{url = "lmtp://" .. STACK.lmtp, ca_file = STACK.ca_file, helo = "client.test"}
T.eq(c.lmtp, true)
T.eq(c.session.tls ~= nil, true, "STARTTLS is the default for LMTP too")
T.eq(c.caps.PIPELINING, true)
local last, per = c:send{from = STACK.address, to = {STACK.address, STACK.other}, subject = token, body = "x"}
T.eq(#per, 2, "one reply per recipient")
T.eq(per[1].code, 250)
T.eq(per[1].text:find(STACK.address, 1, true) ~= nil, true, per[1].text)
T.eq(per[2].code, 250)
T.eq(per[2].text:find(STACK.other, 1, true) ~= nil, true, per[2].text)
T.eq(last, per[2])
T.eq(#c.data_replies, 2)

-- an unknown user is refused at RCPT; allow_partial delivers to the rest
local bad = "nobody-here@" .. STACK.domain
per = c:send{from = STACK.address, to = {bad, STACK.address}, subject = token .. "-2", body = "x",
             allow_partial = true}
T.eq(per[1].code, 550)
T.eq(per[2].code, 250)
T.eq(per[2].text:find(STACK.address, 1, true) ~= nil, true)

-- the step helpers: data returns the per-recipient array
c:mail(STACK.address)
c:rcpt(STACK.address)
c:rcpt(STACK.other)
local rs = c:data("Subject: " .. token .. "-3\r\n\r\nby steps\r\n")
T.eq(#rs, 2)
T.eq(rs[1].code, 250)
T.eq(rs[2].code, 250)
c:quit()

-- lmtp = true with host/port
local host, port = STACK.lmtp:match("^(.*):(%d+)$")
c = smtp.open{host = host, port = tonumber(port), lmtp = true, tls = "none"}
T.eq(c.lmtp, true)
T.eq(c.ehlo_reply.code, 250, "LHLO")
c:quit()

-- no polling: LMTP has delivered already
local p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
T.eq(p:stat(), 3, "three messages for the user")
p:quit()
print("ok")
