-- args: -vv x -t5 --timeout=7 -- -v --json
-- want-exit: 0
-- want-stdout: OK - flags taken
-- The module's own flags come out of arg wherever they stand, up to "--".
local check = require "check"
T.eq(check.verbose, 2)
T.eq(check.timeout, 7)
T.eq(check.json, nil)
T.eq(#arg, 4)
T.eq(arg[1], "x")
T.eq(arg[2], "--")
T.eq(arg[3], "-v")
T.eq(arg[4], "--json")
check.ok("flags taken")
