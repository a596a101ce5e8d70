-- match_max bounds the buffer; on_full gets the data, then the buffer is empty
local s = connect(SERVER, {match_max = 64})
local n, kind = s:expect{ [[^END$]], on_full = function(data, e) return #data, e.kind end }
assert(n > 64, "on_full got the data: " .. n)
T.eq(kind, "full")
s:close()
-- without a handler, going past match_max is an error of kind full
local s2 = connect(SERVER, {match_max = 64})
local e = T.fails(function() s2:expect([[^END$]]) end)
T.eq(e.kind, "full")
