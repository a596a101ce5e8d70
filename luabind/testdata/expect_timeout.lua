-- want-exit: 1
-- want-error: testdata/expect_timeout.lua:17: mx: timeout after 200ms waiting for "^250 " or "^421 "; received "250 partial"
local s = connect(SERVER, {label = "mx", timeout = 0.2})
s:expect([[^220]])
-- on_timeout gets the error object; its return value is expect's
local got = s:expect{ [[^250 ]], timeout = 0.1, on_timeout = function(e)
  T.eq(e.kind, "timeout")
  T.eq(e.tail, [["250 partial"]])
  T.eq(e.awaited[1], "^250 ")
  return "timed out"
end }
T.eq(got, "timed out")
local e = T.fails(function() s:expect([[^250 ]], 0.1) end)
T.eq(e.kind, "timeout")
T.eq(e.where, "testdata/expect_timeout.lua:13")
s:guard{[[^421 ]]}
s:expect([[^250 ]])
