-- config: restricted
-- --restricted removes spawn: a local program is outside what it allows.
T.eq(spawn, nil)
