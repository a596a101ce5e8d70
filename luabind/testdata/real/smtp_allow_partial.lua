-- allow_partial: one good and one bad recipient. The result has one reply
-- per recipient, the one that decided it; the message reaches the good one.
local smtp = require "smtp"
local pop3 = require "pop3"

local token = "partial-" .. md5(tostring(now()))
local bad = "nobody-here@" .. STACK.domain
local c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none"}
local per, final = c:send{from = STACK.address, to = {bad, STACK.address}, subject = token,
                          body = "x", allow_partial = true}
T.eq(#per, 2)
T.eq(per[1].code, 550, "bad recipient: its RCPT refusal")
T.eq(per[1].enhanced, "5.1.1")
T.eq(per[2].code, 250, "good recipient: the end-of-data reply")
T.eq(per[2].text:find("queued as", 1, true) ~= nil, true)
T.eq(final, per[2], "the final reply")

-- every recipient refused: nothing to send, so even allow_partial raises
local e = T.fails(function()
  c:send{from = STACK.address, to = {bad, "x@elsewhere.example"}, body = "x", allow_partial = true}
end)
T.eq(e.kind, "reply")
T.eq(e.stage, "RCPT")
T.eq(e.reply.code, 550)
T.eq(e.message:find("every recipient was refused", 1, true) ~= nil, true, e.message)
c:quit()

-- the message arrived
local found
for _ = 1, 100 do
  local p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
  for _, m in ipairs(p:list()) do
    if p:top(m.n, 0):find(token, 1, true) then found = true end
  end
  p:quit()
  if found then break end
  sleep(0.05)
end
T.eq(found, true, "delivered to the good recipient")
print("ok")
