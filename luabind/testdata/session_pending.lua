local s = connect(SERVER)
-- expect "^250" eats only the first 250- line (docs/DESIGN.md: Consumption)
local m = s:expect([[^250]])
T.eq(m.line, "250-one")
-- the rest arrives in the same segment or soon after; wait for it
s:expect{{[[^250 three]], partial = false}}
T.eq(s:pending(), 0)
