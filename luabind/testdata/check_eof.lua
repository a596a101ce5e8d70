-- want-exit: 2
-- want-error: testdata/check_eof.lua:12: mx: connection closed by the server while waiting for "^250 "; nothing unread received
-- want-stdout: MX CRITICAL - mx: connection closed by the server while waiting for "^250 "; nothing unread received, banner ok | banner=220
-- A typed error (here eof) is CRITICAL; the message of the error leads,
-- and what was measured before it still shows.
local check = require "check"
check.service = "MX"
local s = connect(SERVER, {label = "mx"})
local m = s:expect([[^(\d+) ]])
check.metric("banner", tonumber(m[1]))
check.ok("banner ok")
s:expect([[^250 ]])
