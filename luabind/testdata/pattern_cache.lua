-- Lua string patterns and expect/regex patterns are compiled once per
-- process and then reused: results never change, and a bad pattern fails
-- on every use (failures are not cached).
local regex = require "regex"
for _ = 1, 3 do
  T.eq(("+OK 12 octets"):match("^%+OK (%d+)"), "12")
  T.eq(("a.b.c"):gsub("%.", "/"), "a/b/c")
  local ok, err = pcall(string.match, "x", "[a")
  T.eq(ok, false)
  T.eq(tostring(err):find("unexpected EOS", 1, true) ~= nil, true, tostring(err))
  T.eq(regex.compile([[^(\d+) ]]):match("250 ok")[1], "250")
  local e = T.fails(function() regex.compile([[(]]) end)
  T.eq(e.kind, "usage")
end
