-- config: max-time=0.2
-- want-exit: 1
-- want-error: testdata/max_time_expect.lua:6: --max-time 200ms reached during s:expect waiting for "^250 "; received "220 ready\r\n"
local s = connect(SERVER)
-- the per-call timeout is longer: --max-time must still stop the run here
s:expect([[^250 ]], 30)
