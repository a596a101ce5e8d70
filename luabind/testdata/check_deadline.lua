-- args: -t 0.1
-- want-exit: 2
-- want-error: testdata/check_deadline.lua:8: -t 100ms reached during sleep(5s)
-- want-stdout: CRITICAL - -t 100ms reached during sleep(5s)
-- -t SECONDS is a deadline for the whole check, like --max-time: when it
-- passes the check is CRITICAL, as check_smtp's socket timeout is.
local check = require "check"
sleep(5)
