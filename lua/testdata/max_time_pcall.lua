-- config: max-time=0.1
-- want-exit: 1
-- want-error: testdata/max_time_pcall.lua:6: --max-time 100ms reached
-- pcall catches the sleep's error, but the next instruction stops the run
local ok, err = pcall(sleep, 5)
print("never", ok, err)
