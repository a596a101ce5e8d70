-- Greetings (RFC 5321 3.1, RFC 7504): multi-line, refusals, garbage.
local smtp = require "smtp"
local F = "testdata/smtp_greeting.lua:"
local function here() return F .. debug.getinfo(2, "l").currentline end

local c = smtp.connect{url = "smtp://" .. SERVER, tls = "none"}
T.eq(c.greeting.code, 220)
T.eq(#c.greeting.lines, 3)
T.eq(c.greeting.lines[2], "policy: be nice")
T.eq(c.greeting.text, "mx.test ESMTP\npolicy: be nice\nready")
T.eq(type(c.timings.greeting), "number")
T.eq(c:quit().code, 221)

local e, where = T.fails(function() smtp.connect{url = "smtp://" .. SERVER, tls = "none"} end), here()
T.eq(e.kind, "reply")
T.eq(e.stage, "greeting")
T.eq(e.where, where)
T.eq(e.reply.code, 554)
T.eq(e.reply.enhanced, "5.7.1")
T.eq(e.message, SERVER .. ": the server refused the session in its greeting: 554 5.7.1 no service for you")

local e = T.fails(function() smtp.open{url = "smtp://" .. SERVER, tls = "none"} end)
T.eq(e.kind, "reply")
T.eq(e.reply.code, 421)

local e = T.fails(function() smtp.connect{url = "smtp://" .. SERVER, tls = "none"} end)
T.eq(e.kind, "protocol")
-- the session of the garbage greeting was closed: the server got to the next connection
T.eq(smtp.connect{url = "smtp://" .. SERVER, tls = "none"}:quit().code, 221)
