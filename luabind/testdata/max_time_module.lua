-- config: max-time=1
-- want-exit: 1
-- want-error: testdata/max_time_module.lua:9: --max-time 1s reached during s:readline
-- The module catches the error to close its session and re-raises it in a
-- cancelled VM: the error must still name this line and the call. (1 s,
-- not 0.3: on a loaded machine the resplit greeting was still arriving at
-- 0.3 s, and the message then ended in "; received ...".)
local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. SERVER, tls = "none", user = "u", pass = "p", allow_plaintext_auth = true}
