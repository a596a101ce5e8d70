-- W2, mailexpect raw primitives: N x (NOOP, expect +OK).
-- usage: mailexpect w2_raw.lua POP3ADDR N
local addr, n = arg[1], tonumber(arg[2])
local s = connect(addr)
s:expect([[^\+OK]])
s:sendline("USER noop")
s:expect([[^\+OK]])
s:sendline("PASS pw")
s:expect([[^\+OK]])
for _ = 1, n do
  s:sendline("NOOP")
  s:expect([[^\+OK]])
end
s:sendline("QUIT")
s:expect([[^\+OK]])
s:close()
print(string.format("noops=%d", n))
