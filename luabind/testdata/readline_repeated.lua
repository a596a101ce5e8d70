-- s:readline returns each line as it came, whether the server repeats
-- itself (the same value is reused then) or not.
local s = connect(SERVER)
T.eq(s:readline(), "+OK ready")
local got = {}
for i = 1, 3 do
  s:sendline("DELE " .. i)
  got[#got + 1] = s:readline()
end
T.eq(table.concat(got, "|"), "+OK|+OK|+OK")
T.eq(s:readline(), "+OK x")
T.eq(s:readline(), "+OK")
T.eq(s:readline(), "")
T.eq(s:readline(), "+OK")
T.eq(s:readline(), "+OK")
T.eq(s:readline(), nil)
s:close()
