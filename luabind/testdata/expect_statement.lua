-- s:expect called as a statement builds no match object (LState.WantedResults
-- is 0): the data is consumed exactly as when the match is kept.
local s = connect(SERVER)
s:expect([[^220 ]])
s:sendline("EHLO x")
s:expect([[^250 ]])                 -- statement: skips 250-PIPELINING, consumes 250 SIZE
local m = s:expect([[^250 (\w+)]])  -- kept: the next line
T.eq(m[1], "OK")
T.eq(m.before, "")
-- a statement with a table of cases and no handler
s:expect{ [[^354 ]], [[^550 ]] }
T.eq(s:readline(), "after 550")
-- a statement whose case has a handler still runs it
local seen
s:expect{ {[[^421 (.*)]], function(m) seen = m[1] end} }
T.eq(seen, "bye soon")
-- a guard with a handler wins in a statement: its handler gets the match
local guarded
s:guard{ {[[^452 ]], function(m) guarded = m.line end} }
s:expect([[^250 ]])
T.eq(guarded, "452 full")
-- the rest of the results are all there when the caller keeps them
local ok, m2 = pcall(s.expect, s, [[^250 (\d)]])
T.eq(ok, true)
T.eq(m2[1], "2")
local function tail() return s:expect([[^(\w+) end]]) end
T.eq(tail()[1], "the")
s:close()
