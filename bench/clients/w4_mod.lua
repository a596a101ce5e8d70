-- W4, mailexpect smtp module: smtp.open, N x (c:mail, c:rcpt, c:data), c:quit.
-- usage: mailexpect w4_mod.lua SMTPADDR N MSGFILE
local smtp = require "smtp"
local addr, n = arg[1], tonumber(arg[2])
local f = assert(io.open(arg[3], "rb"))
local msg = f:read("*a")
f:close()
local c = smtp.open{url = "smtp://" .. addr, helo = "client.example", tls = "none"}
for _ = 1, n do
  c:mail("bench@example.com")
  c:rcpt("user@example.com")
  c:data(msg)
end
c:quit()
print(string.format("sent=%d", n))
