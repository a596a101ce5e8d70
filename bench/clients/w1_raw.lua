-- W1, mailexpect raw primitives: log in, RETR 1, stream the unstuffed body
-- to a file with s:read_dot{file=}, QUIT.
-- usage: mailexpect w1_raw.lua POP3ADDR OUTFILE
local addr, out = arg[1], arg[2]
local s = connect(addr)
s:expect([[^\+OK]])
s:sendline("USER big")
s:expect([[^\+OK]])
s:sendline("PASS pw")
s:expect([[^\+OK]])
s:sendline("RETR 1")
s:expect([[^\+OK]])
local n = s:read_dot{file = out}
s:sendline("QUIT")
s:expect([[^\+OK]])
s:close()
print(string.format("octets=%d", n))
