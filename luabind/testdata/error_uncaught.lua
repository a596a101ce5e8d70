-- want-exit: 1
-- want-error: testdata/error_uncaught.lua:5: attempt to call a non-function object
local function f() end
f()
nosuchfunction()
