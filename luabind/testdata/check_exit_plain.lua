-- want-exit: 3
-- want-stdout: UNKNOWN - gave up
-- A plain exit(n) wins (docs/DESIGN.md), and the status line is printed under
-- it: the state is n.
local check = require "check"
check.ok("gave up")
exit(3)
