-- args: --json
-- want-exit: 2
-- want-stdout: {"details":[],"error":{"kind":"connect","message":"first: connect to 127.0.0.1:1 failed: dial tcp 127.0.0.1:1: connect: connection refused","where":"testdata/check_error.lua:9"},"exit_code":2,"message":"first: connect to 127.0.0.1:1 failed: dial tcp 127.0.0.1:1: connect: connection refused, second: again: connect to 127.0.0.1:1 failed: dial tcp 127.0.0.1:1: connect: connection refused, third fine","metrics":[],"perfdata":"","state":"CRITICAL"}
-- check.error reports a caught typed error as CRITICAL and goes on; the
-- first one is the result's error (--json shows its kind). An error that
-- is not typed (a bug) is raised again.
local check = require "check"
for _, name in ipairs{"first", "second"} do
  local ok, e = pcall(connect, "127.0.0.1:1")
  if name == "second" then e.message = "again: " .. e.message end
  check.error(e, name)
end
check.ok("third fine")
local e = T.fails(function() check.error("a string error") end)
T.eq(e, "a string error")
e = T.fails(function() check.error({kind = "usage", message = "x"}) end)
T.eq(e.kind, "usage")
