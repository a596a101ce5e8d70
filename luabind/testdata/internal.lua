-- config: dry-run
-- The embedded modules' view of the run's flags
local rt = require "mailexpect.internal"
T.eq(rt.dry_run(), true)
T.eq(rt.restricted(), false)
