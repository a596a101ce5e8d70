-- require finds the Go modules and nothing on disk
T.eq(require("json"), json)
T.eq(require("base64"), base64)
T.eq(package.path, "")
local ok, msg = pcall(require, "nosuchmodule")
T.eq(ok, false)
assert(not msg:find("stat"), "file searcher must be gone: " .. msg)
