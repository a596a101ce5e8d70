-- PIPELINING (RFC 2920): MAIL/RCPT/DATA as one group, replies mapped by
-- position (a multi-line reply is one reply); without the extension the
-- commands go one at a time.
local smtp = require "smtp"
local msg = {from = "a@x.test", to = {"b@x.test", "nobody@x.test"}, body = "x", allow_partial = true}
local c = smtp.open{url = "smtp://" .. SERVER, tls = "none", pipelining = true}
local per, final = c:send(msg)
T.eq(c.pipelined, true)
T.eq(per[1].code, 250)
T.eq(per[1].text, "2.0.0 queued", "an accepted recipient: the final reply")
T.eq(per[2].code, 550)
T.eq(per[2].text, "5.1.1 no such user\n5.1.1 really")
T.eq(final.code, 250)
local e = T.fails(function() c:send{from = "a@x.test", to = "b@x.test", body = "x"} end)
T.eq(e.kind, "reply")
T.eq(e.stage, "MAIL")
T.eq(e.reply.code, 452)
c:quit()

c = smtp.open{url = "smtp://" .. SERVER, tls = "none"}
T.eq(c:send{from = "a@x.test", to = "b@x.test", body = "x", pipelining = true}.code, 250)
T.eq(c.pipelined, nil, "not offered: not pipelined")
c:quit()
