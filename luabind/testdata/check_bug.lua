-- want-exit: 3
-- want-error: testdata/check_bug.lua:9: attempt to index a non-table object(nil) with key 'field'
-- want-stdout: BUG UNKNOWN - testdata/check_bug.lua:9: attempt to index a non-table object(nil) with key 'field', step one done | one=1s
-- A bug in the script is UNKNOWN, named by its line; what was measured
-- before it still shows.
local check = require "check"
check.service = "BUG"
check.ok("step one done") check.metric("one", 1, "s")
local x = nil; local y = x.field
