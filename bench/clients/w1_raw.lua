-- W1, mailexpect raw primitives: log in, RETR 1, stream the unstuffed body
-- to a file with s:read_dot{file=}, QUIT.
-- usage: mailexpect w1_raw.lua POP3ADDR OUTFILE
local raw = require "raw_common"
local addr, out = arg[1], arg[2]
local s = raw.login(addr, "big")
s:sendline("RETR 1")
s:expect([[^\+OK]])
local n = s:read_dot{file = out}
raw.quit(s)
print(string.format("octets=%d", n))
