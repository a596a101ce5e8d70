-- Submission with STARTTLS + AUTH, a message with a dot-leading line, then
-- POP3 over STLS reads it back byte-exact and deletes it.
local smtp = require "smtp"
local pop3 = require "pop3"

local token = "probe-" .. hex.encode(md5(tostring(now())))
local c = smtp.open{url = "submission://" .. STACK.submission, ca_file = STACK.ca_file,
                    servername = "localhost", user = STACK.user, pass = STACK.pass, helo = "client.test"}
T.eq(c.greeting.code, 220, "greeting")
T.eq(c.session.tls ~= nil, true, "tls after starttls")
T.eq(c.caps.AUTH ~= nil, true, "AUTH advertised after TLS")
T.eq(c.auth_mechanism, "PLAIN", "default mechanism over TLS")
local r = c:send{from = STACK.address, to = {STACK.address}, subject = token,
                 body = "first line\r\n.leading dot\r\n..two dots\r\nlast line\r\n"}
T.eq(r.code, 250, "end of data")
T.eq(r.enhanced, "2.0.0", "enhanced code")
c:quit()
for _, step in ipairs{"connect", "greeting", "ehlo", "starttls", "auth", "mail", "rcpt", "data"} do
  T.eq(type(c.timings[step]), "number", "timing " .. step)
end

-- Poll the mailbox until Postfix has delivered it (bounded).
local p, found
for _ = 1, 50 do
  p = pop3.open{url = "pop3://" .. STACK.pop3, ca_file = STACK.ca_file, servername = "localhost",
                user = STACK.user, pass = STACK.pass}
  for _, m in ipairs(p:list()) do
    local head = p:top(m.n, 0)
    if head:find(token, 1, true) then found = m end
  end
  if found then break end
  p:quit()
  sleep(0.1)
end
T.eq(found ~= nil, true, "message delivered")
local msg = p:retr(found.n)
T.eq(#msg, found.size, "RETR size equals LIST size")
T.eq(msg:find("\r\n.leading dot\r\n..two dots\r\nlast line\r\n", 1, true) ~= nil, true, "unstuffed body")
T.eq(p:uidl(found.n) ~= nil, true, "uidl")
p:dele(found.n)
p:quit()

p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, servername = "localhost",
              user = STACK.user, pass = STACK.pass}
T.eq(p:stat(), 0, "deleted after QUIT")
p:quit()
print("ok")
