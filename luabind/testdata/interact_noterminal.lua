-- s:interact needs a person: without a terminal it raises usage at once,
-- not after a timeout (a script run from cron must never wait).
local s = spawn{"cat"}
local t0 = now()
local err = T.fails(function() s:interact() end)
T.eq(err.kind, "usage")
T.eq(err.message:find("no terminal", 1, true) ~= nil, true, err.message)
T.eq(now() - t0 < 0.5, true, "at once")
T.eq(T.fails(function() s:interact{commands = {["."] = function() end}} end).kind, "usage")
T.eq(T.fails(function() s:interact{[[^x]], {[[^y]], function() end}} end).kind, "usage")
T.eq(T.fails(function() s:interact{bogus = true} end).kind, "usage")
T.eq(T.fails(function() getpass() end).kind, "usage")
s:close()
