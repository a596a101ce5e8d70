-- args: --help
-- want-stdout: usage: options_help.lua [--json]
options(arg, {_usage = "options_help.lua [--json]", json = false})
error("not reached")
