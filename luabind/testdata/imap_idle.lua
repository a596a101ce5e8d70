-- i:idle: updates that come before "+ idling", a callback that raises,
-- a timeout with o.ready, and NOOP polling on a server without IDLE.
local imap = require "imap"

local i = imap.open{url = "imap://" .. SERVER, tls = "none"}
i:select("INBOX")
local evs = i:idle(5)
T.eq(#evs, 1, "one event")
T.eq(evs[1].name, "EXISTS", "EXISTS")
T.eq(evs[1].number, 2, "the update that came before + idling")

local e = T.fails(function() i:idle(5, function() error("boom", 0) end) end)
T.eq(e, "boom", "the callback's error")
T.eq(i.mailbox.exists, 4, "updates after DONE absorbed")
T.eq(i:noop().status, "OK", "the session goes on")

local readied = false
T.eq(#i:idle(0.2, nil, {ready = function() readied = true end}), 0, "no events")
T.eq(readied, true, "ready called")
i:logout()

i = imap.open{url = "imap://" .. SERVER, tls = "none"}
evs = i:idle(5, nil, {poll = 0.05})
T.eq(#evs, 1, "polled")
T.eq(evs[1].number, 5, "EXISTS from the second NOOP")
i:logout()
