-- credentials: where a script finds a login for a server, in the order the
-- example scripts document: the user from an option or MAILEXPECT_USER;
-- the password from a secret file, else MAILEXPECT_PASS, else ~/.netrc
-- for the server's address (which may also give the user). Whatever is
-- found is registered as a secret by secret_file, secret_env and netrc.
local rt = require "mailexpect.internal"

-- Captured once, like the other modules' globals.
local env, secret_env, secret_file, netrc, secret = env, secret_env, secret_file, netrc, secret

local M = {}

local function nonempty(v) if v ~= nil and v ~= "" then return v end end

-- setting is value when given (not nil or ""), else the environment
-- variable name (if any) when set and not empty, else nil: an option and
-- its variable, as the example scripts read them (--ca-file or
-- MAILEXPECT_CA_FILE). Under --restricted only value counts.
function M.setting(value, name)
  return nonempty(value) or (name and env and nonempty(env(name))) or nil
end

-- lookup returns user, pass; either is nil when nothing gave it. o.user
-- is an option's value (nil or "" when not given), o.secret_file a path
-- (or nil), o.address the server as connect takes it, for ~/.netrc.
function M.lookup(o)
  if not env then rt.raise("usage", "credentials.lookup: the environment, secret files and ~/.netrc are not available under --restricted") end
  local user = M.setting(o.user, "MAILEXPECT_USER")
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

-- mailbox finds the mailbox a cleanup run works on: in a bulk run the
-- row's columns (user, login, username or email; pass or password; host),
-- else the environment (MAILEXPECT_USER, MAILEXPECT_PASS); the server from
-- the row's host, else o.host (an option), else the variable o.env
-- ("MAILEXPECT_POP3"). o.what names the protocol in messages. Returns
-- {user =, pass =, host =} with the password registered as a secret, or
-- nil and what is missing. Under --restricted only rows and o.host count.
function M.mailbox(o)
  local getenv = env or function() return nil end
  local function column(...)
    if not row then return nil end
    for _, name in ipairs({...}) do
      local v = row[name]
      if v ~= nil and v ~= "" then return v end
    end
  end
  local user = column("user", "login", "username", "email") or (not row and getenv("MAILEXPECT_USER"))
  local pass = column("pass", "password")
  if not pass and not row then pass = getenv("MAILEXPECT_PASS") end
  local host = column("host") or o.host or getenv(o.env)
  if not user then return nil, row and "the row has no user column (user, login, username or email)" or "no mailbox: run with --each ROWS, or set MAILEXPECT_USER" end
  if not pass then return nil, row and "the row has no pass column (pass or password)" or "no password: set MAILEXPECT_PASS" end
  if not host then return nil, string.format("no %s server: a host column, --host, or %s", o.what, o.env) end
  secret(pass)
  return {user = user, pass = pass, host = host}
end

return M
