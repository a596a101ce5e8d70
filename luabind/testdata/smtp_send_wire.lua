-- c:send's message: From/To/Subject from the fields first, then the given
-- headers in order, Date and Message-ID only when missing; every line end
-- CRLF, leading dots doubled; BODY=8BITMIME for 8-bit data, SMTPUTF8 for a
-- UTF-8 address, SIZE= (SIZE 0: no limit, but the parameter is sent).
local smtp = require "smtp"
local c = smtp.open{url = "smtp://" .. SERVER, tls = "none"}
local r = c:send{from = "a@x.test", to = {"bø@x.test", "<c@x.test>"}, subject = "grüße",
                 headers = {{"X-First", "1"}, {"Date", "Mon, 01 Jan 2024 00:00:00 +0000"},
                            {"X-Last", "2"}, {"Message-ID", "<fixed@x.test>"}},
                 body = "line1\n.dot\r\nbare\rcr\nüber", rcpt_params = {NOTIFY = "NEVER"}}
T.eq(r.code, 250)
c:rset()
-- the null reverse-path; Date and Message-ID generated
T.eq(c:send{from = "", to = "c@x.test", subject = "bounce", body = "x"}.code, 250)
-- header injection is refused
local e = T.fails(function() c:send{from = "a@x.test", to = "c@x.test", subject = "x\r\nBcc: evil@x.test", body = "x"} end)
T.eq(e.kind, "injection")
local e = T.fails(function() c:send{from = "a@x.test", to = "c@x.test", headers = {{"Bad Name", "x"}}} end)
T.eq(e.kind, "usage")
local e = T.fails(function() c:send{from = "a@x.test", to = "c@x.test", raw = "x", subject = "y"} end)
T.eq(e.kind, "usage")
local e = T.fails(function() c:send{from = "a@x.test", to = "c@x.test", bdoy = "typo"} end)
T.eq(e.message, "c:send: unknown option 'bdoy' (did you mean 'body'?); known: raw, params, rcpt_params, allow_partial, pipelining, chunking, from, to, subject, body, headers")
local e = T.fails(function() c:send{from = "a@x.test", to = "c@x>.test", body = "x"} end)
T.eq(e.kind, "usage")
local e = T.fails(function() c:send{from = "a@x.test", to = {}, body = "x"} end)
T.eq(e.kind, "usage")
c:quit()
