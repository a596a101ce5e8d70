-- Multi-line responses are framed in Go: "." alone ends them, a leading
-- dot is unstuffed (".." is a line ".", "..." is ".."), and lines such as
-- "+OK" or "-ERR" inside a message are body text.
local pop3 = require "pop3"
local p = pop3.connect{url = "pop3://" .. SERVER, tls = "none"}
local caps = p:capa()
T.eq(caps.USER, true)
T.eq(caps[".X-ODD"], true, "a dot-leading CAPA line is not the end")
local msg = p:retr(1)
T.eq(msg, "Subject: dots\r\n\r\n.\r\n..\r\n+OK not a status\r\n-ERR nor this\r\n.leading\r\n")
T.eq(p:top(1, 0), "Subject: dots\r\n\r\n")
local list = p:list()
T.eq(#list, 1)
T.eq(list[1].size, 60)
T.eq(p:dele(1).text, "marked")
T.eq(p.deleted[1], 1)
T.eq(p:quit().text, "bye")
