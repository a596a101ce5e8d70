local s = connect(SERVER, {servername = "mx.test"})
s:expect("^220")
T.eq(s.tls, nil)
s:sendline("STARTTLS")
s:expect("^220")
-- the certificate is self-signed: verification is on by default
local e = T.fails(function() s:starttls() end)
T.eq(e.kind, "tls")
