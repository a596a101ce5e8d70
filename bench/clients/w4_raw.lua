-- W4, mailexpect raw primitives: one SMTP session, EHLO, N x
-- (MAIL, RCPT, DATA, s:send_dot(message)), QUIT; replies matched with expect.
-- usage: mailexpect w4_raw.lua SMTPADDR N MSGFILE
local addr, n = arg[1], tonumber(arg[2])
local f = assert(io.open(arg[3], "rb"))
local msg = f:read("*a")
f:close()
local s = connect(addr)
s:expect([[^220 ]])
s:sendline("EHLO client.example")
s:expect([[^250 ]])
for _ = 1, n do
  s:sendline("MAIL FROM:<bench@example.com>")
  s:expect([[^250 ]])
  s:sendline("RCPT TO:<user@example.com>")
  s:expect([[^250 ]])
  s:sendline("DATA")
  s:expect([[^354 ]])
  s:send_dot(msg)
  s:expect([[^250 ]])
end
s:sendline("QUIT")
s:expect([[^221 ]])
s:close()
print(string.format("sent=%d", n))
