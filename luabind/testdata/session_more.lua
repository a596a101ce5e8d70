-- want-stdout: -ERR bad password ***
local s = connect(SERVER, {timeout = 2})
s:expect([[^\+OK]])
s:sendline("RETR 1")
s:expect([[^\+OK]])
-- read_dot with a file: created 0600, returns the bytes written
local path = os.tmpname()
local n = s:read_dot{file = path}
local f = io.open(path, "rb")
local body = f:read("*a")
f:close()
os.remove(path)
T.eq(body, "Subject: hi\r\n\r\n.dot line\r\n")
T.eq(n, #body)
-- pending counts unread lines; drain returns what it discards
s:expect([[^two$]], 1)
T.eq(s:pending(), 0)
-- secret sends are masked in print and errors, even when echoed back
local pw = secret("s3cret-pass")
s:sendline("PASS " .. pw, {secret = true})
local line = s:readline()
print(line)
T.eq(line, "-ERR bad password s3cret-pass", "the script itself sees the real value")
local e = T.fails(function() s:expect("never", 0.05) end)
assert(not e.message:find("s3cret"), e.message)
T.eq(s:drain(), "")
-- the session option timeout is the default for each call
local t0 = now()
local e = T.fails(function() s:readline(0.1) end)
T.eq(e.kind, "timeout")
assert(now() - t0 < 1, "per-call timeout wins over the session's 2 s")
