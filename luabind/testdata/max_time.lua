-- config: max-time=0.1
-- want-exit: 1
-- want-error: testdata/max_time.lua:5: --max-time 100ms reached
local x = 0
while true do x = x + 1 end
