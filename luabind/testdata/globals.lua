-- args: one two --flag
-- want-stdout: hello	1	nil	true
-- want-stdout: *** is masked
-- config: dry-run
print("hello", 1, nil, true)
T.eq(arg[0], "testdata/globals.lua", "arg[0]")
T.eq(arg[1], "one")
T.eq(arg[3], "--flag")
T.eq(#arg, 3, "#arg")
local a, b = ...
T.eq(a, "one", "chunk varargs")
T.eq(dry_run, true, "dry_run")
local e = T.fails(function() dry_run = false end)
T.eq(e.kind, "usage")
T.eq(e.message, "dry_run is read-only")
T.eq(dry_run, true, "dry_run after the failed write")
-- other globals still work
newglobal = 5
T.eq(newglobal, 5)
T.eq(collectgarbage, nil, "collectgarbage removed")
T.eq(os.exit, exit, "os.exit is exit")
T.eq(type(now()), "number")
local t0 = now()
sleep(0.01)
assert(now() - t0 >= 0.01, "sleep/now")
assert(math.abs(time() - os.time()) < 2, "time() is wall clock")
T.eq(env("MAILEXPECT_SURELY_UNSET_VAR"), nil)
T.eq(type(env("PATH")), "string")
local pw = secret("hunter2")
T.eq(pw, "hunter2")
print(pw .. " is masked")
-- the contract's errors: usage errors are objects
local e = T.fails(function() sleep("x") end)
T.eq(e.kind, "usage")
T.eq(tostring(e), 'testdata/globals.lua:33: sleep: seconds: expected number, got string "x"')
T.eq(e.where, "testdata/globals.lua:33")
-- a script's own error stays a string
local ok, s = pcall(function() error("plain") end)
T.eq(s, "testdata/globals.lua:38: plain")
