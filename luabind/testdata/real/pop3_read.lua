-- Reading a maildrop: STAT, LIST, UIDL, TOP, RETR (to a string and to a
-- file), raw p:cmd, DELE/RSET. Seeded over LMTP, which delivers at once.
local pop3 = require "pop3"
local smtp = require "smtp"

local bodies = {
  "plain body\r\n",
  "a\r\n.\r\n..\r\n.leading\r\nb\r\n",            -- "." and ".." lines: stuffed on the wire
  string.rep("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\r\n", 2000),
}
local l = smtp.open{url = "lmtp://" .. STACK.lmtp, tls = "none"}
for i, b in ipairs(bodies) do
  l:send{from = "seed@" .. STACK.domain, to = STACK.address, subject = "seed " .. i, body = b}
end
l:quit()

local p = pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
local n, octets = p:stat()
T.eq(n, 3, "STAT count")
local list = p:list()
T.eq(#list, 3)
local total = 0
for i, m in ipairs(list) do
  T.eq(m.n, i)
  total = total + m.size
  T.eq(p:list(i), m.size, "LIST n")
end
T.eq(octets, total, "STAT octets = sum of LIST sizes")

local uidl = p:uidl()
T.eq(#uidl, 3)
T.eq(uidl[1].uid ~= uidl[2].uid and uidl[2].uid ~= uidl[3].uid, true, "unique ids")
T.eq(p:uidl(2), uidl[2].uid, "UIDL n")

for i, m in ipairs(list) do
  local msg = p:retr(i)
  T.eq(#msg, m.size, "RETR size = LIST size")
  T.eq(msg:sub(-#bodies[i]), bodies[i], "body byte-exact, unstuffed")
  T.eq(msg:find("\r\nSubject: seed " .. i .. "\r\n", 1, true) ~= nil, true)
  local head = p:top(i, 0)
  T.eq(head:sub(-4), "\r\n\r\n", "TOP n 0: headers and the blank line")
  T.eq(head, msg:sub(1, #head), "TOP is the start of the message")
end
T.eq(p:top(2, 2):sub(-10), "\r\n\r\na\r\n.\r\n", "TOP n 2: two body lines, unstuffed")

-- RETR to a file: streamed, the same bytes, 0600
local path = STACK.tmpdir .. "/retr.eml"
T.eq(p:retr(3, {file = path}), list[3].size, "octets written")
local f = assert(io.open(path, "rb"))
local data = f:read("*a")
f:close()
os.remove(path)
T.eq(data, p:retr(3), "the file holds the message")

-- p:cmd: raw, multi-line decided by the command, never raising
local r = p:cmd("LIST")
T.eq(r.ok, true)
T.eq(#r.lines, 3, "LIST without argument is multi-line")
r = p:cmd("LIST 2")
T.eq(r.body, nil, "LIST n is single-line")
T.eq(r.text, "2 " .. list[2].size)
r = p:cmd("RETR 2")
T.eq(r.body:sub(-#bodies[2]), bodies[2])
T.eq(r.lines[#r.lines], "b", "lines on demand")
r = p:cmd("RETR 99")
T.eq(r.ok, false, "-ERR returned")
T.eq(r.status, "-ERR")
r = p:cmd("UIDL", {multiline = true})
T.eq(#r.lines, 3)
r = p:cmd("STAT")
T.eq(r.text, "3 " .. octets)
local e = T.fails(function() p:retr(99) end)
T.eq(e.kind, "reply")
T.eq(e.reply.status, "-ERR")
T.eq(T.fails(function() p:retr(0) end).kind, "usage")

-- DELE marks, RSET unmarks
p:dele(1)
T.eq(p:stat(), 2)
T.eq(T.fails(function() p:list(1) end).kind, "reply", "a deleted message is gone for this session")
p:rset()
T.eq(p:stat(), 3)
p:quit()
print("ok")
