-- Shared by the mailexpect raw-primitive POP3 clients (as common.exp and
-- pexpect_common.py are by the Tcl Expect and pexpect ones): the session
-- with the load server around the work, written with connect, sendline and
-- expect as a user would.
local M = {}

-- login connects to addr (opts as for connect) and logs in as user with
-- USER/PASS; every reply must be +OK.
function M.login(addr, user, opts)
  local s = connect(addr, opts)
  s:expect([[^\+OK]])
  s:sendline("USER " .. user)
  s:expect([[^\+OK]])
  s:sendline("PASS pw")
  s:expect([[^\+OK]])
  return s
end

-- quit ends the session with QUIT (the load server commits DELEs there).
function M.quit(s)
  s:sendline("QUIT")
  s:expect([[^\+OK]])
  s:close()
end

return M
