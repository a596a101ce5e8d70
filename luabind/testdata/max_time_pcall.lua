-- config: max-time=0.1
-- want-exit: 1
-- want-error: testdata/max_time_pcall.lua:6: --max-time 100ms reached during sleep(5s)
-- pcall catches the sleep's error, but the next instruction stops the run; the
-- error names the call that was running when the deadline passed
local ok, err = pcall(sleep, 5)
print("never", ok, err)
