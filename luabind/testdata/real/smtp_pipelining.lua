-- PIPELINING (RFC 2920) against Postfix: MAIL, RCPT, RCPT, DATA go out as
-- one group and the replies are mapped to them by position.
local smtp = require "smtp"
local pop3 = require "pop3"

local tok = "pipe-" .. md5(tostring(now()))
local bad = "nobody-here@" .. STACK.domain
local c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none", pipelining = true}
T.eq(c.caps.PIPELINING, true)
local r = c:send{from = STACK.address, to = {STACK.address, STACK.other}, subject = tok .. "-1", body = "one"}
T.eq(c.pipelined, true, "sent as a group")
T.eq(r.code, 250)
T.eq(r.text:find("queued as", 1, true) ~= nil, true)
for _, step in ipairs{"mail", "rcpt", "data"} do T.eq(type(c.timings[step]), "number", step) end

-- allow_partial: the refused recipient's reply is in its place
local per, final = c:send{from = STACK.address, to = {STACK.address, bad, STACK.other},
                          subject = tok .. "-2", body = "two", allow_partial = true}
T.eq(per[1].code, 250)
T.eq(per[2].code, 550)
T.eq(per[2].enhanced, "5.1.1")
T.eq(per[3].code, 250)
T.eq(final.code, 250)

-- every recipient refused: Postfix refuses DATA itself (554 no valid
-- recipients); the error names the first refusal, and the session goes on
local e = T.fails(function() c:send{from = STACK.address, to = {bad}, body = "x"} end)
T.eq(e.kind, "reply")
T.eq(e.reply.code, 550)
T.eq(c:send{from = STACK.address, to = STACK.address, subject = tok .. "-3", body = "three"}.code, 250)

-- a refused recipient without allow_partial after DATA was accepted: the
-- message is aborted by closing the connection, never delivered
local e = T.fails(function()
  c:send{from = STACK.address, to = {STACK.other, bad}, subject = tok .. "-aborted", body = "x"}
end)
T.eq(e.kind, "reply")
T.eq(e.stage, "RCPT")
T.eq(e.reply.code, 550)
c:quit()

-- Wait for what must arrive at STACK.other (-1, -2 and a later -4), then
-- make sure the aborted message is not there.
c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none", pipelining = true}
c:send{from = STACK.address, to = STACK.other, subject = tok .. "-4", body = "four"}
c:quit()
local subjects
for _ = 1, 100 do
  subjects = {}
  local p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file,
                      user = STACK.other_user, pass = STACK.pass}
  for _, m in ipairs(p:list()) do
    local s = p:top(m.n, 0):match("\r\nSubject: ([^\r]*)")
    if s then subjects[s] = true end
  end
  p:quit()
  if subjects[tok .. "-4"] and subjects[tok .. "-1"] and subjects[tok .. "-2"] then break end
  sleep(0.05)
end
T.eq(subjects[tok .. "-1"], true)
T.eq(subjects[tok .. "-2"], true)
T.eq(subjects[tok .. "-4"], true)
T.eq(subjects[tok .. "-aborted"], nil, "the aborted message was not delivered")
print("ok")
