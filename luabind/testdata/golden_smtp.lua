-- A golden transcript: what -v shows for a short SMTP dialog, with the
-- AUTH PLAIN token masked because its decoding holds a secret.
local pw = secret("s3cret-pw")
local s = connect(SERVER, {label = "mx"})
s:expect([[^220 ]])
s:sendline("EHLO client.test")
local r = s:reply()
T.eq(r.code, 250)
s:sendline("AUTH PLAIN " .. base64.encode("\0alice\0" .. pw))
T.eq(s:reply().code, 235)
log("authenticated")
s:sendline("QUIT")
s:expect([[^221 ]])
s:close()
