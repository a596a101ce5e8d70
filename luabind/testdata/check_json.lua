-- args: --json host1 -t 30 --rest
-- want-exit: 2
-- want-stdout: {"details":["more"],"exit_code":2,"message":"free 0.5% inside 0:1 (critical), mailbox full, banner ok","metrics":[{"crit":"@0:1","label":"free","max":100,"min":0,"state":"CRITICAL","uom":"%","value":0.5,"warn":"5:"},{"label":"n","state":"OK","value":3},{"label":"t","state":"OK","uom":"s","value":0.000156}],"perfdata":"free=0.5%;5:;@0:1;0;100 n=3 t=0.000156s","service":"IMAP","state":"CRITICAL"}
-- --json prints the same result as one JSON object. The module takes its
-- own flags (--json, -t, -v) out of arg; the rest stays for the script.
local check = require "check"
T.eq(check.json, true)
T.eq(check.timeout, 30)
T.eq(#arg, 2)
T.eq(arg[1], "host1")
T.eq(arg[2], "--rest")
local o, rest = options(arg, {rest = false})
T.eq(o.rest, true)
check.service = "IMAP"
check.ok("banner ok")
check.metric("free", 0.5, "%", "5:", "@0:1", 0, 100)
check.metric("n", 3)
-- Floats are rounded as perfdata shows them (six decimals at most).
check.metric("t", 0.00015596799999999982, "s")
check.critical("mailbox full")
check.detail("more")
