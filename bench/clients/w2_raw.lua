-- W2, mailexpect raw primitives: N x (NOOP, expect +OK).
-- usage: mailexpect w2_raw.lua POP3ADDR N
local raw = require "raw_common"
local addr, n = arg[1], tonumber(arg[2])
local s = raw.login(addr, "noop")
for _ = 1, n do
  s:sendline("NOOP")
  s:expect([[^\+OK]])
end
raw.quit(s)
print(string.format("noops=%d", n))
