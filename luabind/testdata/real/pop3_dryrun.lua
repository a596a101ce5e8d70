-- config: dry-run
-- Under --dry-run p:dele only reports, p:quit sends RSET and closes (no
-- QUIT), raw DELE and QUIT raise; the messages are still there afterwards.
local pop3 = require "pop3"
local smtp = require "smtp"

local l = smtp.open{url = "lmtp://" .. STACK.lmtp, tls = "none"}
for i = 1, 2 do l:send{from = "seed@" .. STACK.domain, to = STACK.address, subject = "dry " .. i, body = "x"} end
l:quit()

local function open()
  return pop3.open{url = "pop3s://" .. STACK.pop3s, ca_file = STACK.ca_file, user = STACK.user, pass = STACK.pass}
end
local p = open()
T.eq(p:stat(), 2)
local r = p:dele(1)
T.eq(r.dry_run, true)
T.eq(r.ok, true)
T.eq(p.deleted[1], 1, "recorded")
T.eq(p:stat(), 2, "not marked on the server")
-- what a real DELE would refuse is refused too
local e = T.fails(function() p:dele(1) end)
T.eq(e.kind, "reply")
T.eq(e.reply.text, "message 1 already deleted (dry-run)")
T.eq(T.fails(function() p:dele(99) end).kind, "reply")
p:rset()
T.eq(p:dele(1).dry_run, true, "p:rset() unmarks: message 1 may be marked again")
T.eq(T.fails(function() p:dele(1) end).reply.text, "message 1 already deleted (dry-run)", "and then not twice")
-- raw destructive verbs raise
local e = T.fails(function() p:cmd("DELE 2") end)
T.eq(e.kind, "usage")
T.eq(e.message:find("DELE refused under --dry-run", 1, true) ~= nil, true, e.message)
T.eq(T.fails(function() p:cmd("dele 2") end).kind, "usage", "any case")
T.eq(T.fails(function() p:cmd("QUIT") end).kind, "usage")
r = p:quit()
T.eq(r.dry_run, true)
T.eq(r.text, "dry-run: RSET and close, no QUIT")

-- a second session finds both messages
p = open()
T.eq(p:stat(), 2, "nothing deleted")
p:quit()
print("ok")
