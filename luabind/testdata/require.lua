-- require finds the Go modules and nothing on disk
T.eq(require("json"), json)
T.eq(require("base64"), base64)
T.eq(package.path, "")
local ok, e = pcall(require, "nosuchmodule")
T.eq(ok, false)
T.eq(e.kind, "usage")
T.eq(e.message, "require: module 'nosuchmodule' not found in mailexpect's embedded modules (LUA_PATH is searched only with --lua-path)")
-- errors inside a loaded module pass through unchanged
local ok, e = pcall(function() require("testmod").raise_string() end)
assert(tostring(e):find("module said no", 1, true), tostring(e))
