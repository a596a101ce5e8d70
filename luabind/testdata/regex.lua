local re = regex.compile([[^(?P<code>\d{3})([ -])(.*)$]])
T.eq(tostring(re), [[^(?P<code>\d{3})([ -])(.*)$]])
T.eq(re.pattern, [[^(?P<code>\d{3})([ -])(.*)$]])
local m = re:match("250-SIZE 100\r\n250 OK\r\n")
T.eq(m[0], "250-SIZE 100")
T.eq(m.code, "250")
T.eq(m[3], "SIZE 100", "$ stops before CRLF")
T.eq(m.n, 3)
T.eq(re:match("nothing"), nil)
-- find: 1-based inclusive, Lua style
local s, e = regex.compile("b+"):find("aabbbc")
T.eq(s, 3)
T.eq(e, 5)
T.eq(regex.compile("b"):find("abcb", 3), 4)
T.eq(regex.compile("x"):find("abc"), nil)
-- gmatch
local codes = {}
for m in regex.compile([[^(\d{3})]]):gmatch("250-a\r\n251-b\r\n252 c\r\n") do
  codes[#codes + 1] = m[1]
end
T.eq(table.concat(codes, ","), "250,251,252")
-- replace with templates and functions
local r = regex.compile([[(?P<user>\w+)@(\w+)]])
T.eq(r:replace("a@x b@y", "${user} at $2"), "a at x b at y")
T.eq(select(2, r:replace("a@x b@y", "$1")), 2, "count")
T.eq(r:replace("a@x b@y", function(m) return m.user:upper() end), "A B")
T.eq(r:replace("a@x b@y", function(m) if m.user == "a" then return "A" end end), "A b@y")
T.eq(regex.compile("x*"):replace("abc", "-"), "-a-b-c-")
-- split
local parts = regex.compile([[\s*,\s*]]):split("a , b,c")
T.eq(#parts, 3)
T.eq(parts[2], "b")
T.eq(#regex.compile(","):split("a,b,c", 2), 2)
-- the same CR/LF rules as expect: '.' never matches CR or LF
T.eq(regex.compile("a.b"):match("a\nb"), nil)
T.eq(regex.compile("(?s)a.b"):match("a\nb")[0], "a\nb")
-- quote and exact
T.eq(regex.quote("a.b*"), [[a\.b\*]])
T.eq(exact("a.b"):match("axb a.b")[0], "a.b")
T.eq(require("regex"), regex)
-- errors
local e = T.fails(function() regex.compile("(") end)
T.eq(e.kind, "usage")
T.eq(e.where, "testdata/regex.lua:42")
local e = T.fails(function() regex.compile([[(?P<line>x)]]) end)
T.eq(e.kind, "usage")
local e = T.fails(function() re.match("x") end)
T.eq(e.message, "re:match: called with '.' instead of ':' (write re:match(...))")
local e = T.fails(function() re:nosuch() end)
T.eq(e.message, "regex has no method 'nosuch' (methods: find, gmatch, match, replace, split)")

-- a template without $ (replaced literally, built in one piece)
local unstuff = regex.compile("^\\.\\.")
T.eq(unstuff:replace("..a\r\nb..\r\n...\r\n.\r\n..", "."), ".a\r\nb..\r\n..\r\n.\r\n.")
T.eq(select(2, unstuff:replace("..a\r\n..b\r\nc", ".")), 2, "count")
T.eq(unstuff:replace("none here", "."), "none here")
T.eq(select(2, unstuff:replace("none here", ".")), 0, "no match")
T.eq(regex.compile("o"):replace("foo boo", "0"), "f00 b00")
T.eq(regex.compile("b(o)"):replace("foo boo", ""), "foo o")
-- large subjects: the search runs under the deadline, a result of MiBs is
-- built in one (huge-page) allocation
local big = string.rep("..x\r\nplain\r\n", 600000) -- 7.2 MB
local out, n = unstuff:replace(big, ".")
T.eq(n, 600000, "count over a large body")
T.eq(out, string.rep(".x\r\nplain\r\n", 600000), "large body unstuffed")
T.eq(#big, 600000 * 12, "the subject is unchanged")
T.eq(big:sub(1, 12), "..x\r\nplain\r\n", "the subject is unchanged")

-- no match, template with groups or a function: the subject comes back
T.eq(r:replace("nothing", "$1"), "nothing")
T.eq(select(2, r:replace("nothing", "$1")), 0, "no match, template")
T.eq(r:replace("nothing", function() error("not called") end), "nothing")
