-- want-exit: 1
-- want-stdout: FORCED WARNING - over the line, slow 9 > 5 (critical) | slow=9;1;5
-- check.exit(state, message) forces the state whatever the metrics say,
-- prints once and ends the run: nothing after it runs.
local check = require "check"
check.service = "FORCED"
check.metric("slow", 9, "", 1, 5)
check.exit("warning", "over the line")
error("not reached")
