---@meta credentials
-- require "credentials", for lua-language-server. Generated from luabind/apispec; do not edit.

---The login lookup of the example scripts: options, MAILEXPECT_USER/PASS, a secret file, ~/.netrc, bulk rows.
local credentials = {}

---The user (option, MAILEXPECT_USER, netrc) and password (secret file, MAILEXPECT_PASS, ~/.netrc).
---
---    local user, pass = credentials.lookup{user = opt.user, secret_file = opt.secret_file, address = host}
---@param opts credentials.LookupOptions
---@return string|nil user
---@return string|nil pass
function credentials.lookup(opts) end

---A cleanup run's mailbox: the bulk row's columns, else the environment.
---
---    local mb, missing = credentials.mailbox{host = opt.host, env = "MAILEXPECT_POP3", what = "POP3"}
---    if not mb then error(missing) end
---@param opts credentials.MailboxOptions
---@return {user: string, pass: string, host: string}|nil
---@return string|nil missing
function credentials.mailbox(opts) end

---Value when given and not empty, else the environment variable env_name when set and not empty, else nil.
---
---How the example scripts read a setting that an option or the environment
---may give: credentials.setting(opt["ca-file"], "MAILEXPECT_CA_FILE").
---Under --restricted only value counts.
---@param value? string|nil
---@param env_name? string
---@return string|nil
function credentials.setting(value, env_name) end

---Options of credentials.lookup.
---@class credentials.LookupOptions
---@field user? string an option's value (nil or "" when not given)
---@field secret_file? string a file holding the password
---@field address? string the server as connect takes it, for ~/.netrc

---Options of credentials.mailbox.
---@class credentials.MailboxOptions
---@field host? string the server from an option
---@field env? string the variable naming the server ("MAILEXPECT_POP3")
---@field what? string the protocol in messages ("POP3")

return credentials
