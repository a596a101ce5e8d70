-- args: --bogus
-- want-exit: 3
-- want-error: testdata/check_usage.lua:7: unknown option --bogus; usage: check_usage.lua [-w N] HOST
-- want-stdout: UNKNOWN - testdata/check_usage.lua:7: unknown option --bogus; usage: check_usage.lua [-w N] HOST
-- A bad command line is UNKNOWN, as the monitoring plugins do.
local check = require "check"
local o = options(arg, {_usage = "check_usage.lua [-w N] HOST", ["w|warn"] = 1})
