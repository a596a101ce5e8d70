-- config: max-time=0.3
-- want-exit: 1
-- want-error: testdata/max_time_module.lua:7: --max-time 300ms reached during s:readline
-- The module catches the error to close its session and re-raises it in a
-- cancelled VM: the error must still name this line and the call.
local pop3 = require "pop3"
local p = pop3.open{url = "pop3://" .. SERVER, tls = "none", user = "u", pass = "p", allow_plaintext_auth = true}
