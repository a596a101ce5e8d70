-- config: dry-run
-- Under --dry-run: p:dele checks the number with LIST and only reports;
-- raw DELE/QUIT raise; p:quit sends RSET and closes.
local pop3 = require "pop3"
local p = pop3.connect{url = "pop3://" .. SERVER, tls = "none"}
T.eq(p:dele(2).dry_run, true)
T.eq(p.deleted[1], 2)
local e = T.fails(function() p:dele(9) end)
T.eq(e.kind, "reply")
T.eq(e.stage, "DELE")
T.eq(T.fails(function() p:cmd("DELE 2") end).kind, "usage")
T.eq(T.fails(function() p:cmd("  quit") end).kind, "usage")
T.eq(p:quit().dry_run, true)
