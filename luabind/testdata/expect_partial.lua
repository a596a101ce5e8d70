-- want-stdout: sent ***
local s = connect(SERVER)
-- a prompt has no line end: only a partial case sees it
s:expect{ {[[login: $]], partial = true} }
s:sendline("alice")
s:expect{ {[[Password: ]], partial = true} }
local pw = secret("s3cret-pw")
s:sendline(pw, {secret = true})
print("sent " .. pw)
-- "Password: " had no line end, so "welcome" continues that line:
-- after a partial match, ^ does not match mid-line
s:expect([[welcome$]])
