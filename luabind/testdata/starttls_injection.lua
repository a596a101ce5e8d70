local s = connect(SERVER)
s:expect("^220")
s:sendline("STARTTLS")
s:expect("^220 go")
sleep(0.05)
local e = T.fails(function() s:starttls{insecure = true} end)
T.eq(e.kind, "tls")
-- When the injected bytes are already buffered, the session names the
-- attack; when they arrive during the handshake, TLS itself fails.
assert(e.message:find("CVE-2011-0411", 1, true) or e.message:find("handshake", 1, true), e.message)
