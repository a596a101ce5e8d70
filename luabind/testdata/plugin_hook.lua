-- want-exit: 3
-- want-error: testdata/plugin_hook.lua:6: a bug
-- what require "check" will do: from here on, plugin exit codes
local rt = require "mailexpect.internal"
rt.plugin_mode()
error("a bug")
