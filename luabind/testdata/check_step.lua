-- want-exit: 0
-- Steps: check.step times a function and adds NAME=...s;;;0; a client's
-- c.timings become PREFIX_connect, PREFIX_banner (the greeting), ... in
-- protocol order (other timed commands when named), read when the check
-- ends.
local check = require "check"
local a, b = check.step("nap", function(x) sleep(0.02) return x, "two" end, "one")
T.eq(a, "one")
T.eq(b, "two")
T.eq(select("#", check.step("nils", function() return nil, nil end)), 2)
local secs = check.perfdata():match("^nap=([%d.]+)s;;;0 ")
T.eq(secs ~= nil, true, "nap perfdata " .. check.perfdata())
T.eq(tonumber(secs) >= 0.02 and tonumber(secs) < 1, true, "nap took " .. tostring(secs))

local client = {timings = {}}
check.timings(client, "smtp")
client.timings.capa, client.timings.greeting, client.timings.connect = 0.25, 0.5, 0.125
client.timings.ehlo = 1
T.eq(check.perfdata():match("smtp.*$"), "smtp_connect=0.125s;;;0 smtp_banner=0.5s;;;0 smtp_ehlo=1s;;;0")
check.timings(client, "", {"capa", "nope"})
T.eq(check.perfdata():match("smtp_ehlo=1s;;;0 (.*)$"), "capa=0.25s;;;0")

-- An error escaping a step is re-raised as it was (kind and all).
local e = T.fails(function() check.step("dial", connect, "127.0.0.1:1") end)
T.eq(e.kind, "connect")
local e = T.fails(function() check.step("bad name=", print) end)
T.eq(e.kind, "usage")
check.ok("stepped")
