-- The safety net of every cleanup job, and big messages:
--   * a 20 MiB message with "." and ".." lines, RETR to memory and to a
--     file, byte-exact;
--   * UIDL ids stable across sessions;
--   * DELE + RSET + QUIT keeps the message;
--   * DELE then a script error (no QUIT) keeps the message;
--   * DELE + QUIT removes it.
local pop3 = require "pop3"
local smtp = require "smtp"

-- 20 MiB body of 64-byte lines, every 1000th line a lone "." or "..x".
local chunk = {}
for i = 1, 1000 do
  if i == 500 then chunk[i] = ".\r\n" elseif i == 999 then chunk[i] = "..x\r\n"
  else chunk[i] = string.rep("y", 62) .. "\r\n" end
end
chunk = table.concat(chunk)
local big = string.rep(chunk, math.ceil(20 * 1024 * 1024 / #chunk))
local l = smtp.open{url = "lmtp://" .. STACK.lmtp, tls = "none"}
l:send{from = "seed@" .. STACK.domain, to = STACK.address, subject = "big", body = big}
l:send{from = "seed@" .. STACK.domain, to = STACK.address, subject = "small", body = "keep me\r\n"}
l:quit()

local function open()
  return pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user,
                   pass = STACK.pass, timeout = 60}
end

local p = open()
local list = p:list()
T.eq(#list, 2, "two messages")
T.eq(list[1].size > 20 * 1024 * 1024, true, "the big one is over 20 MiB")
local msg = p:retr(1)
T.eq(#msg, list[1].size, "RETR to memory: size")
T.eq(msg:sub(-#big), big, "RETR to memory: byte-exact, unstuffed")
msg = nil
local path = STACK.tmpdir .. "/retr.eml"
local octets = p:retr(1, {file = path})
T.eq(octets, list[1].size, "RETR to a file: size")
local f = assert(io.open(path, "rb"))
local content = f:read("*a")
f:close()
os.remove(path)
T.eq(content:sub(-#big), big, "RETR to a file: byte-exact")
content = nil
local ids = p:uidl()
p:quit()

-- UIDL stable across sessions; DELE + RSET keeps.
p = open()
local again = p:uidl()
T.eq(again[1].uid, ids[1].uid, "UIDL stable")
T.eq(again[2].uid, ids[2].uid, "UIDL stable")
p:dele(2)
p:rset()
p:quit()
p = open()
T.eq(p:stat(), 2, "DELE + RSET + QUIT keeps")

-- DELE, then the script fails before QUIT: nothing is deleted.
local err = T.fails(function()
  p:dele(2)
  error("the script failed after DELE")
end)
T.eq(tostring(err):find("failed after DELE", 1, true) ~= nil, true)
p:close()
p = open()
T.eq(p:stat(), 2, "DELE without QUIT keeps")

-- DELE + QUIT removes exactly that message.
p:dele(2)
p:quit()
p = open()
T.eq(p:stat(), 1, "DELE + QUIT removes")
T.eq(p:uidl(1), ids[1].uid, "the other message is untouched")
p:quit()
print("ok")
