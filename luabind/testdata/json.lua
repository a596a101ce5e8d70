T.eq(json.encode({1, 2, "x"}), '[1,2,"x"]')
T.eq(json.encode({b = 1, a = {true, false}}), '{"a":[true,false],"b":1}')
T.eq(json.encode({}), "[]")
T.eq(json.encode(json.object({})), "{}")
T.eq(json.encode({x = json.null}), '{"x":null}')
T.eq(json.encode("a\"b\n"), '"a\\"b\\n"')
-- Nothing that is not a printable character reaches a terminal raw:
-- ESC, C1 (U+009B, a CSI on some terminals), a bidi override (U+202E),
-- U+2028, a non-BMP format character (U+E0001) come out as \u escapes;
-- printable non-ASCII stays as it is; invalid UTF-8 is U+FFFD as before.
T.eq(json.encode("\27[31m\194\155x\226\128\174y\226\128\168\243\160\128\129"),
  '"\\u001b[31m\\u009bx\\u202ey\\u2028\\udb40\\udc01"')
T.eq(json.encode("Grüße ✓ \t"), '"Grüße ✓ \\t"')
T.eq(json.encode("a\255b"), '"a\239\191\189b"')
for _, s in ipairs({"\27[31m\194\155x\226\128\174y", "\243\160\128\129 \0 \8\12", "Grüße"}) do
  T.eq(json.decode(json.encode(s)), s)
end
T.eq(json.encode(1.5), "1.5")
T.eq(json.encode(1e3), "1000")
T.eq(json.encode({[1] = "a", [3] = "c"}), '{"1":"a","3":"c"}')
local e = T.fails(function() json.encode({f = print}) end)
T.eq(e.kind, "usage")
local t = {}; t.self = t
local e = T.fails(function() json.encode(t) end)
assert(e.message:find("cycle"), e.message)

local v = json.decode('{"a": [1, 2, {"b": null}], "c": "d", "e": {}, "f": []}')
T.eq(v.a[2], 2)
T.eq(v.a[3].b, json.null)
T.eq(v.c, "d")
T.eq(json.encode(v.e), "{}")
T.eq(json.encode(v.f), "[]")
local v, err = json.decode("{bad")
T.eq(v, nil)
assert(err:find("json.decode"), err)
T.eq(json.encode({1, 2}, true), "[\n  1,\n  2\n]")
