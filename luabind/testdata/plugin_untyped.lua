-- config: plugin
-- want-exit: 3
-- want-error: testdata/plugin_untyped.lua:4: boom
error("boom")
