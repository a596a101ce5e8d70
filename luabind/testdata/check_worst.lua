-- want-exit: 1
-- want-stdout: WARNING - disk 95 > 90 (warning), cannot tell, fine | disk=95;90;98
-- The final state is the worst of the explicit ones and the metrics, in
-- the order CRITICAL > WARNING > UNKNOWN > OK (monitoring-plugins'
-- max_state_alt): an UNKNOWN part does not hide a WARNING. Messages come
-- worst first, then in call order. The status line is printed when the
-- script ends; check.exit is not needed.
local check = require "check"
T.eq(check.status_line(), "OK")
check.ok("fine")
T.eq(check.status_line(), "OK - fine")
check.unknown("cannot tell")
T.eq(check.status_line(), "UNKNOWN - cannot tell, fine")
check.metric("disk", 95, "", 90, 98)
T.eq(check.status_line(), "WARNING - disk 95 > 90 (warning), cannot tell, fine | disk=95;90;98")
check.warning() -- a state without a message
T.eq(check.status_line(), "WARNING - disk 95 > 90 (warning), cannot tell, fine | disk=95;90;98")
T.eq(check.state_name(2), "CRITICAL")
T.eq(check.state_name("warning"), "WARNING")
local e = T.fails(function() check.state_name(7) end)
T.eq(e.message, "check: state_name: state must be 0-3 or ok, warning, critical, unknown; got 7")
