-- Refusals carry the server's reply: an unknown local user (550 5.1.1 from
-- Postfix's virtual mailbox table) and relaying to another domain without
-- AUTH (554 5.7.1). The transaction is reset, so the connection goes on.
local smtp = require "smtp"
local F = "testdata/real/smtp_rcpt_refused.lua:"
local function here() return F .. debug.getinfo(2, "l").currentline end

local c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none"}
local nobody = "nobody-here@" .. STACK.domain
local msg = {from = STACK.address, to = {STACK.address, nobody}, subject = "x", body = "x"}
local e, where = T.fails(function() c:send(msg) end), here()
T.eq(e.kind, "reply")
T.eq(e.stage, "RCPT")
T.eq(e.where, where)
T.eq(e.reply.code, 550)
T.eq(e.reply.enhanced, "5.1.1")
T.eq(e.reply.text:find("User unknown", 1, true) ~= nil, true, e.reply.text)
T.eq(e.message, STACK.smtp .. ": RCPT TO:<" .. nobody .. "> refused: 550 " .. e.reply.text)

-- relay denied
local e = T.fails(function() c:send{from = STACK.address, to = "someone@elsewhere.example", body = "x"} end)
T.eq(e.kind, "reply")
T.eq(e.reply.code, 554)
T.eq(e.reply.enhanced, "5.7.1")
T.eq(e.reply.text:find("Relay access denied", 1, true) ~= nil, true, e.reply.text)

-- the helpers raise the same way
c:mail(STACK.address)
local e = T.fails(function() c:rcpt("someone@elsewhere.example") end)
T.eq(e.reply.code, 554)
c:rset()

-- after the refusals (and the RSET send did), the session still works
local r = c:send{from = STACK.address, to = STACK.address, subject = "after refusals", body = "x"}
T.eq(r.code, 250)
T.eq(r.enhanced, "2.0.0")
c:quit()
print("ok")
