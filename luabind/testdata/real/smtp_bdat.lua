-- CHUNKING/BDAT (RFC 3030) against Postfix, which offers CHUNKING since
-- 3.4: chunking = true sends BDAT (a message over one chunk is split, the
-- byte counts done by the module), binary content goes by BDAT unasked,
-- chunking = false keeps DATA; VRFY, EXPN and HELP return the reply.
local smtp = require "smtp"
local pop3 = require "pop3"

local token = "bdat" .. md5(tostring(now())) -- no "-": it is matched as a Lua pattern below
local c = smtp.open{url = "smtp://" .. STACK.smtp, tls = "none", helo = "client.test"}
T.eq(c.caps.CHUNKING, true, "Postfix offers CHUNKING")

-- 1.5 MiB: two chunks (1 MiB and the rest, LAST)
local big = string.rep("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 24000)
local r = c:send{from = STACK.address, to = STACK.address, subject = token .. "-big", body = big, chunking = true}
T.eq(r.code, 250)
T.eq(c.chunked, true, "sent with BDAT")

-- binary content (a NUL) goes by BDAT without being asked
c.chunked = nil
r = c:send{from = STACK.address, to = STACK.address, raw = "Subject: " .. token .. "-bin\r\n\r\nnul:\0:end\r\nbare lf\n"}
T.eq(r.code, 250)
T.eq(c.chunked, true, "binary content: BDAT")

-- chunking = false: DATA
c.chunked = nil
r = c:send{from = STACK.address, to = STACK.address, subject = token .. "-data", body = "by DATA", chunking = false}
T.eq(r.code, 250)
T.eq(c.chunked, nil, "DATA")

-- the step helper: MAIL, RCPT, then BDAT chunks counted by the module
c:mail(STACK.address)
c:rcpt(STACK.address)
T.eq(c:bdat("Subject: " .. token .. "-steps\r\n\r\nfirst part, ").code, 250)
r = c:bdat("second part\r\n", {last = true})
T.eq(r.code, 250)

-- VRFY, EXPN, HELP: the reply, never raised
T.eq(c:vrfy(STACK.user).code, 252)
T.eq(c:expn("nolist").code >= 250, true)
T.eq(c:help().code >= 200, true)
local e = T.fails(function() c:vrfy({}) end)
T.eq(e.kind, "usage")
c:quit()

-- Poll until Postfix has delivered all four (bounded), then check bodies.
local p, got
for _ = 1, 50 do
  p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
  got = {}
  for _, m in ipairs(p:list()) do
    local head = p:top(m.n, 0)
    local which = head:match(token .. "%-(%a+)")
    if which then got[which] = m end
  end
  if got.big and got.bin and got.data and got.steps then break end
  p:quit()
  sleep(0.1)
end
T.eq(got.big ~= nil and got.bin ~= nil and got.data ~= nil and got.steps ~= nil, true, "all four delivered")
T.eq(p:retr(got.big.n):find(big, 1, true) ~= nil, true, "the big body arrived whole")
T.eq(p:retr(got.steps.n):find("first part, second part", 1, true) ~= nil, true, "chunks joined")
p:quit()
print("ok")
