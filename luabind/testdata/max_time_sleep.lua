-- config: max-time=0.1
-- want-exit: 1
-- want-error: testdata/max_time_sleep.lua:5: --max-time 100ms reached during sleep(5s)
-- (pcall cannot catch it: the run's context is done)
sleep(5)
