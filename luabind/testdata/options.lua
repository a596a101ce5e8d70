-- args: -w 5 host1 --json -c7 --name=x --rcpt a -r b -- -notopt
local o, rest = options(arg, {
  json = false,
  ["w|warn"] = 1,
  ["c|crit"] = 2,
  name = options.string,
  other = options.string,
  ["r|rcpt"] = options.list,
  verbose = true,
})
T.eq(o.json, true, "json")
T.eq(o.warn, 5, "warn")
T.eq(o.crit, 7, "crit")
T.eq(o.name, "x", "name")
T.eq(o.other, nil, "other")
T.eq(#o.rcpt, 2)
T.eq(o.rcpt[2], "b")
T.eq(o.verbose, true)
T.eq(#rest, 2)
T.eq(rest[1], "host1")
T.eq(rest[2], "-notopt")

local o = options({"--no-verbose", "-5"}, {verbose = true})
T.eq(o.verbose, false)

local e = T.fails(function() options({"--bogus"}, {json = false}) end)
T.eq(e.kind, "usage")
T.eq(e.message, "unknown option --bogus (options: --json)")
local e = T.fails(function() options({"-w", "x"}, {["w|warn"] = 1}) end)
T.eq(e.message, 'option -w wants a number, got "x" (options: -w/--warn N)')
local e = T.fails(function() options({"--warn"}, {_usage = "t.lua [--warn N]", ["w|warn"] = 1}) end)
T.eq(e.message, "option --warn needs a value; usage: t.lua [--warn N]")
