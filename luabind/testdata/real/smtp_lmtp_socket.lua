-- LMTP over Dovecot's Unix-domain socket, as a local delivery agent does:
-- unix_socket beside the URL (curl's --unix-socket), and connect("unix:").
local smtp = require "smtp"
local pop3 = require "pop3"

local token = "lmtp-sock-" .. md5(tostring(now()))
local c = smtp.open{url = "lmtp://localhost", unix_socket = STACK.lmtp_socket, tls = "none", helo = "client.test"}
T.eq(c.lmtp, true)
local last, per = c:send{from = STACK.address, to = {STACK.address}, subject = token, body = "over the socket"}
T.eq(per[1].code, 250)
-- BDAT over LMTP (Dovecot offers CHUNKING): one reply per recipient after LAST
T.eq(c.caps.CHUNKING, true)
last, per = c:send{from = STACK.address, to = {STACK.address, STACK.other}, subject = token .. "-bdat",
                   body = "chunked", chunking = true}
T.eq(c.chunked, true)
T.eq(#per, 2)
T.eq(per[1].code, 250)
T.eq(per[2].code, 250)
c:quit()

-- the raw form: connect("unix:/path") and speak LMTP by hand
local s = connect("unix:" .. STACK.lmtp_socket)
s:expect("^220 ")
s:sendline("LHLO client.test")
T.eq(s:reply().code, 250)
s:sendline("QUIT")
T.eq(s:reply().code, 221)
s:close()

-- a missing socket is a connect error naming it
local ok, err = pcall(smtp.open, {url = "lmtp://localhost", unix_socket = STACK.lmtp_socket .. ".none", tls = "none"})
T.eq(ok, false)
T.eq(err.kind, "connect")
T.eq(tostring(err):find(STACK.lmtp_socket .. ".none", 1, true) ~= nil, true, tostring(err))

local p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
T.eq(p:stat(), 2, "delivered over the socket")
p:quit()
print("ok")
