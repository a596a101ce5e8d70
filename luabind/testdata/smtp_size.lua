-- SIZE (RFC 1870): the limit is respected before sending; SIZE= is the
-- size with CRLF line ends, without dot-stuffing.
local smtp = require "smtp"
local c = smtp.open{url = "smtp://" .. SERVER, tls = "none"}
T.eq(c.caps.SIZE, "100")
local e = T.fails(function() c:send{from = "a@x.test", to = "b@x.test", raw = "Subject: big\r\n\r\n" .. string.rep("x", 100)} end)
T.eq(e.kind, "usage")
T.eq(e.stage, "MAIL")
T.eq(e.message, SERVER .. ": message of 116 bytes exceeds the server's SIZE limit of 100; not sent")
-- bare LF counts as CRLF: "Subject: x\r\n" 12 + "\r\n" 2 + "hi\n" 4 = 18
T.eq(c:send{from = "a@x.test", to = "b@x.test", raw = "Subject: x\r\n\r\nhi\n"}.code, 250)
c:quit()
