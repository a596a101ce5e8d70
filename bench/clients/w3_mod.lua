-- W3, mailexpect pop3 module, one process looping over the mailboxes.
-- usage: mailexpect w3_mod.lua POP3ADDR BOXES
local pop3 = require "pop3"
local addr, boxes = arg[1], tonumber(arg[2])
local deleted = 0
for b = 0, boxes - 1 do
  local p = pop3.open{url = "pop3://" .. addr, user = "box" .. b, pass = "pw", auth = "user",
                      tls = "none", allow_plaintext_auth = true}
  local count = p:stat()
  local uids = p:uidl()
  assert(#uids == count, "UIDL lists " .. #uids .. ", STAT says " .. count)
  for i = 1, count do
    p:dele(i)
    deleted = deleted + 1
  end
  p:quit()
end
print(string.format("deleted=%d", deleted))
