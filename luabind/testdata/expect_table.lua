local s = connect(SERVER)
-- a case without handler returns the match object
local m = s:expect{ [[^\* OK]], {[[^\* BYE]], function() error("not this") end} }
T.eq(m.case, 1)
-- exp_continue restarts with the same cases, collecting lines
local seen = {}
local tag = s:expect{
  {[[^\* (\d+) EXISTS]], function(m) seen[#seen + 1] = tonumber(m[1]); return exp_continue end},
  {[[^A1 (OK|NO)]], function(m) return m[1], #seen end},
  timeout = 2,
}
T.eq(tag, "OK")
T.eq(#seen, 3)
T.eq(seen[3], 3)
-- several return values pass through
local a, b = s:expect{ {[[^250 (\w+)]], function(m) return m[1], m.before end} }
T.eq(a, "last")
T.eq(b, "250-first\r\n")
-- guards: tried on every later expect, numbered after the call's cases
s:guard{ {[[^421 ]], function(m) return "guard", m.case, m.line end} }
local what, case, line = s:expect([[^250 ]])
T.eq(what, "guard")
T.eq(case, 2)
T.eq(line, "421 going away")
-- an unmatched optional group is false; #m holds
local m = s:expect(regex.compile([[^(\d+) (x)?(\w+)]]))
T.eq(m[1], "550")
T.eq(m[2], false)
T.eq(m[3], "no")
T.eq(#m, 3)
-- exact"..." is a literal
local m = s:expect{exact"(optional)"}
T.eq(m[0], "(optional)")
