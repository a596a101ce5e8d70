-- err.where is the user's line, not a line inside an embedded module
local mod = require("testmod")
local e = T.fails(function() mod.bad_pattern() end)
T.eq(e.where, "testdata/where_module.lua:3")
local e = T.fails(function()
  mod.nested()
end)
T.eq(e.where, "testdata/where_module.lua:6")
T.eq(e.kind, "usage")
