-- W3, mailexpect raw primitives, one process looping over the mailboxes:
-- connect, USER/PASS, STAT, UIDL, DELE every message, QUIT.
-- usage: mailexpect w3_raw.lua POP3ADDR BOXES
local addr, boxes = arg[1], tonumber(arg[2])
local deleted = 0
for b = 0, boxes - 1 do
  local s = connect(addr)
  s:expect([[^\+OK]])
  s:sendline("USER box" .. b)
  s:expect([[^\+OK]])
  s:sendline("PASS pw")
  s:expect([[^\+OK]])
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
  s:sendline("QUIT")
  s:expect([[^\+OK]])
  s:close()
end
print(string.format("deleted=%d", deleted))
