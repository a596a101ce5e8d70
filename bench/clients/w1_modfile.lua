-- W1, mailexpect pop3 module, message streamed to a file:
-- p:retr(1, {file = path}).
-- usage: mailexpect w1_modfile.lua POP3ADDR OUTFILE
local pop3 = require "pop3"
local addr, out = arg[1], arg[2]
local p = pop3.open{url = "pop3://" .. addr, user = "big", pass = "pw", auth = "user",
                    tls = "none", allow_plaintext_auth = true}
local n = p:retr(1, {file = out})
p:quit()
print(string.format("octets=%d", n))
