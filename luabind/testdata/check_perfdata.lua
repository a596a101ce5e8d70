-- want-exit: 1
-- want-stdout: PERF WARNING - mail queue 12 > 10 (warning), u could not be measured, measured | time=0.5s;1;2;0 'mail queue'=12;10;20;0;100 'it''s'=3 size=10240000B bytes=1.5B u=U;1 minmax=7;;;0;9 neg=-0.25 big=123456789012 tiny=0.000001s
-- Perfdata: label=value[uom];warn;crit;min;max, trailing empty fields
-- dropped, labels with spaces or quotes quoted (a quote doubled), integers
-- without decimals, at most six decimals otherwise, U for "not measured".
-- Messages: worst state first, then call order.
local check = require "check"
check.service = "PERF"
T.eq(check.metric("time", 0.5, "s", 1, 2, 0), check.OK)
T.eq(check.metric("mail queue", 12, "", 10, 20, 0, 100), check.WARNING)
check.metric("it's", 3)
check.metric("size", 10240000, "B")
check.metric("bytes", 1.5, "B")
T.eq(check.metric{label = "u", value = nil, warn = 1}, check.UNKNOWN) -- not measured
check.metric{label = "minmax", value = 7, min = 0, max = 9}
check.metric("neg", -0.25)
check.metric("big", 123456789012)
check.metric("tiny", 0.0000014, "s")

-- Bad metrics are usage errors.
local e = T.fails(function() check.metric("a=b", 1) end)
T.eq(e.message, "check: metric: label \"a=b\" may not contain '=' or a line break")
e = T.fails(function() check.metric("x", 1, "s s") end)
T.eq(e.message, 'check: metric x: unit "s s" must be letters or % (s, ms, us, %, B, KB, MB, TB, c)')
e = T.fails(function() check.metric("x", "1") end)
T.eq(e.message, "check: metric x: value must be a number, got string")
e = T.fails(function() check.metric("x", 1, nil, nil, nil, "0") end)
T.eq(e.message, "check: metric x: min must be a number")

check.ok("measured")
