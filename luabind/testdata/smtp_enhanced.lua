-- Enhanced status codes are taken only when they are RFC 3463 codes whose
-- class agrees with the reply code (RFC 2034 4); c:cmd never raises on a
-- 4xx/5xx reply, even an unsolicited 421.
local smtp = require "smtp"
local c = smtp.connect{url = "smtp://" .. SERVER, tls = "none"}
local function enh(code)
  local r = c:cmd("NOOP")
  T.eq(r.code, code)
  return r.enhanced
end
T.eq(enh(250), "2.0.0")
T.eq(enh(550), nil, "an IP address is not a code")
T.eq(enh(550), nil, "class 2 in a 5xx reply")
T.eq(enh(250), "2.1.0", "multi-line")
T.eq(enh(452), "4.2.2")
T.eq(enh(550), "5.1.10", "three-digit detail")
T.eq(enh(550), nil, "four-digit subject")
T.eq(enh(550), "5.1.1", "code without text")
T.eq(enh(554), nil, "bare code")
T.eq(enh(250), nil, "not followed by a space")
local r = c:cmd("NOOP")
T.eq(r.code, 421)
T.eq(r.enhanced, "4.4.2")
T.eq(c:quit(), nil, "the server closed: quit returns nil, no error")
