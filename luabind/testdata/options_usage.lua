-- want-exit: 2
-- want-error: options_usage.lua: no server: give an ADDRESS
-- options.usage raises the script's own command-line errors: kind usage,
-- where is the script (not a line), the spec's _usage rides along.
local opt, rest = options(arg, {_usage = "options_usage.lua [ADDRESS]", json = false})
local e = T.fails(function() options.usage("one ADDRESS at a time") end)
T.eq(e.kind, "usage")
T.eq(e.where, "options_usage.lua")
T.eq(e.message, "one ADDRESS at a time")
T.eq(e.usage, "usage: mailexpect options_usage.lua [ADDRESS]")
T.eq(type(ref_time()), "number", "ref_time() is the run's reference time")
T.eq(math.abs(ref_time() - time()) < 60, true, "outside a bulk run: the run's start")
if not rest[1] then options.usage("no server: give an ADDRESS") end
