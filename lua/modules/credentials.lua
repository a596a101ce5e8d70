-- credentials: where a script finds a login for a server, in the order the
-- example scripts document: the user from an option or MAILEXPECT_USER;
-- the password from a secret file, else MAILEXPECT_PASS, else ~/.netrc
-- for the server's address (which may also give the user). Whatever is
-- found is registered as a secret by secret_file, secret_env and netrc.
local rt = require "mailexpect.internal"

-- Captured once, like the other modules' globals.
local env, secret_env, secret_file, netrc = env, secret_env, secret_file, netrc

local M = {}

local function nonempty(v) if v ~= nil and v ~= "" then return v end end

-- lookup returns user, pass; either is nil when nothing gave it. o.user
-- is an option's value (nil or "" when not given), o.secret_file a path
-- (or nil), o.address the server as connect takes it, for ~/.netrc.
function M.lookup(o)
  rt.check_options(o, "credentials.lookup", {"user", "secret_file", "address"})
  if not env then rt.raise("usage", "credentials.lookup: the environment, secret files and ~/.netrc are not available under --restricted") end
  local user = nonempty(o.user) or nonempty(env("MAILEXPECT_USER"))
  local pass
  if o.secret_file then
    pass = secret_file(o.secret_file)
  else
    pass = nonempty(secret_env("MAILEXPECT_PASS", nil))
  end
  if not pass then
    local login, p = netrc(o.address, user)
    if p then user, pass = user or login, p end
  end
  return user, pass
end

return M
