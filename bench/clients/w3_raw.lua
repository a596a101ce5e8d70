-- W3, mailexpect raw primitives, one process looping over the mailboxes:
-- connect, USER/PASS, STAT, UIDL, DELE every message, QUIT.
-- usage: mailexpect w3_raw.lua POP3ADDR BOXES
local raw = require "raw_common"
local addr, boxes = arg[1], tonumber(arg[2])
local deleted = 0
for b = 0, boxes - 1 do
  local s = raw.login(addr, "box" .. b)
  s:sendline("STAT")
  local count = tonumber(s:expect([[^\+OK (\d+) \d+]])[1])
  s:sendline("UIDL")
  s:expect([[^\+OK]])
  local uids = 0
  for _ in s:read_dot():gmatch("[^\r\n]+") do uids = uids + 1 end
  assert(uids == count, "UIDL lists " .. uids .. ", STAT says " .. count)
  for i = 1, count do
    s:sendline("DELE " .. i)
    s:expect([[^\+OK]])
    deleted = deleted + 1
  end
  raw.quit(s)
end
print(string.format("deleted=%d", deleted))
