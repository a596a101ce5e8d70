-- want-exit: 0
-- want-stdout: RANGES OK - every range behaves
-- The monitoring-plugins threshold ranges: alert when the value is outside
-- start..end; "@" alerts inside instead; ~ is minus infinity; a missing
-- end is infinity; a bare number N is 0:N.
local check = require "check"
check.service = "RANGES"

local cases = {
  -- range, {value, alert?}...
  {"10", {-1, true}, {0, false}, {5, false}, {10, false}, {10.5, true}},
  {10, {-0.1, true}, {10, false}, {11, true}},
  {"10:", {9.9, true}, {10, false}, {1e9, false}},
  {"~:10", {-1e9, false}, {10, false}, {10.1, true}},
  {"10:20", {9, true}, {10, false}, {20, false}, {21, true}},
  {"@10:20", {9, false}, {10, true}, {15, true}, {20, true}, {21, false}},
  {"@~:0", {-5, true}, {0, true}, {0.1, false}},
  {":5", {-1, true}, {0, false}, {5, false}, {6, true}},
  {"-5:-1", {-6, true}, {-3, false}, {0, true}},
  {" 2.5 ", {2.5, false}, {2.6, true}},
}
for _, c in ipairs(cases) do
  local r = check.range(c[1])
  for i = 2, #c do
    local v, want = c[i][1], c[i][2]
    T.eq(r:alert(v) == true, want, string.format("range %q value %s", tostring(c[1]), tostring(v)))
  end
end

-- Why an alert fired, as the status message says it.
T.eq(select(2, check.range("10"):alert(11)), "> 10")
T.eq(select(2, check.range("10:"):alert(3)), "< 10")
T.eq(select(2, check.range("@10:20"):alert(15)), "inside 10:20")
T.eq(tostring(check.range(" ~:10 ")), "~:10")

-- No threshold at all.
T.eq(check.range(nil), nil)
T.eq(check.range(""), nil)

-- threshold: critical wins over warning; both optional.
T.eq(check.threshold(5, 10, 20), check.OK)
T.eq(check.threshold(15, 10, 20), check.WARNING)
T.eq(check.threshold(25, 10, 20), check.CRITICAL)
T.eq(check.threshold(25, nil, 20), check.CRITICAL)
T.eq(check.threshold(15, nil, 20), check.OK)
T.eq(check.threshold(3, "5:", "2:"), check.WARNING)
T.eq(check.threshold(1, "5:", "2:"), check.CRITICAL)
T.eq(select(2, check.threshold(1, "5:", "2:")), "< 2")

-- Bad ranges are usage errors (UNKNOWN when uncaught), said exactly.
local function bad(spec, msg)
  local e = T.fails(function() check.range(spec) end)
  T.eq(e.kind, "usage", "kind for " .. tostring(spec))
  T.eq(e.message, msg)
end
bad("abc", 'check: bad threshold "abc": "abc" is not a number')
bad("20:10", 'check: bad threshold "20:10": start 20 is above end 10')
bad("1:x", 'check: bad threshold "1:x": "x" is not a number')
bad("@", 'check: bad threshold "@"')
bad({}, "check.range: spec: expected string|number|check.Range, got an empty table")

check.ok("every range behaves")
