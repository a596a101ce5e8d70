-- args: $SERVER
-- want-stdout: greeting:	220	mx.test ESMTP ready
-- want-stdout:   offers: SIZE 10240000
-- The first script of the README, run against a canned server.
-- first.lua: say hello to an SMTP server and show what it offers.
-- usage: mailexpect first.lua HOST[:PORT]
local host = arg[1] or error("usage: mailexpect first.lua HOST[:PORT]")
if not host:find(":") then host = host .. ":25" end

local s = connect(host, {timeout = 10})
local greeting = s:reply()                 -- the whole 220 banner
print("greeting:", greeting.code, greeting.text)

s:sendline("EHLO mailexpect.invalid")
local ehlo = s:reply()                     -- all the 250- lines
for _, line in ipairs(ehlo.lines) do
  print("  offers: " .. line)
end

if ehlo.text:find("STARTTLS") then
  s:sendline("STARTTLS")
  s:expect([[^220 ]])
  local tls = s:starttls()                 -- certificate verified by default
  print("TLS:", tls.version, tls.cipher, tls.peer.subject)
end

s:sendline("QUIT")
s:expect{ [[^221 ]], on_eof = function() end }   -- some servers just hang up
print("done")
