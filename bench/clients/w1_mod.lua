-- W1, mailexpect pop3 module, message held in memory: p:retr(1) returns
-- the unstuffed message as one string, which is then written to a file.
-- usage: mailexpect w1_mod.lua POP3ADDR OUTFILE
local pop3 = require "pop3"
local addr, out = arg[1], arg[2]
local p = pop3.open{url = "pop3://" .. addr, user = "big", pass = "pw", auth = "user",
                    tls = "none", allow_plaintext_auth = true}
local body = p:retr(1)
p:quit()
local f = assert(io.open(out, "wb"))
f:write(body)
f:close()
print(string.format("octets=%d", #body))
