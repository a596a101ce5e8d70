-- args: -h
-- want-stdout: Does what it says.
-- _help is printed whole for -h/--help, instead of the usage line.
options(arg, {_usage = "options_help_text.lua [--json]", _help = "usage: options_help_text.lua [--json]\n\nDoes what it says.\n", json = false})
error("not reached")
