-- W5, mailexpect expect over a large output: GEN SIZE, then one
-- s:expect for "^250 END$" while everything before it stays buffered
-- (m.before). match_max is set above the output size: mailexpect never
-- drops data silently, so a smaller bound would be an error.
-- usage: mailexpect w5_raw.lua LINESADDR SIZE
local addr, size = arg[1], tonumber(arg[2])
local s = connect(addr, {match_max = size + 1048576})
s:sendline("GEN " .. size)
local m = s:expect([[^250 END$]])
s:close()
print(string.format("before=%d", #m.before))
