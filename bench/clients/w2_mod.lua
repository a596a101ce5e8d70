-- W2, mailexpect pop3 module: N x p:noop().
-- usage: mailexpect w2_mod.lua POP3ADDR N
local pop3 = require "pop3"
local addr, n = arg[1], tonumber(arg[2])
local p = pop3.open{url = "pop3://" .. addr, user = "noop", pass = "pw", auth = "user",
                    tls = "none", allow_plaintext_auth = true}
for _ = 1, n do p:noop() end
p:quit()
print(string.format("noops=%d", n))
