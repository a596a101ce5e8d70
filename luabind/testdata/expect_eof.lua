-- want-exit: 1
-- want-error: testdata/expect_eof.lua:10: mx: connection closed by the server while waiting for "^250 "; nothing unread received
local s = connect(SERVER, {label = "mx"})
-- at EOF the incomplete last line is tried as a complete line
local m = s:expect([[^no (\w+)$]])
T.eq(m[1], "newline")
local r = s:expect{ [[^250 ]], on_eof = function(e) return e.kind end }
T.eq(r, "eof")
T.eq(s:readline(), nil)
s:expect([[^250 ]])
