-- args: --nope
-- want-exit: 2
-- want-error: testdata/options_bad.lua:4: unknown option --nope; usage: options_bad.lua [--json]
local o = options(arg, {_usage = "options_bad.lua [--json]", json = false})
