-- want-exit: 2
-- want-stdout: SMTP CRITICAL - RCPT refused, two / lines ¦ here, banner ok | t=1s;;2
-- want-stdout: first detail
-- want-stdout: a
-- want-stdout: b ¦ c
-- want-stdout: 
-- want-stdout: last
-- CRITICAL beats everything; long output follows the status line, one
-- line per line, "|" replaced (it would start perfdata in the monitor).
-- In the status message a line break becomes " / ".
local check = require "check"
check.service = "SMTP"
check.ok("banner ok")
check.critical("RCPT refused")
T.eq(check.status_line(), "SMTP CRITICAL - RCPT refused, banner ok")
check.warning("two\nlines | here")
T.eq(check.status_line(), "SMTP CRITICAL - RCPT refused, two / lines ¦ here, banner ok")
check.metric("t", 1, "s", nil, 2)
check.detail("first detail")
check.detail("a\r\nb | c\n\nlast")
