---@meta pop3
-- require "pop3", for lua-language-server. Generated from luabind/apispec; do not edit.

---POP3 client (RFC 1939, 2449, 2595, 5034): STLS, USER/PASS, APOP, SASL, STAT/LIST/UIDL/RETR/TOP/DELE.
---
---DELE only marks: deletions commit at p:quit(). A script that errors out
---closes without QUIT, so nothing is deleted.
---
---    local pop3 = require "pop3"
---    local p = pop3.open{host = "mail.example.com", user = "me", pass = secret_env("PASS")}
---    local count, octets = p:stat()
---    for _, m in ipairs(p:uidl()) do print(m.n, m.uid) end
---    p:quit()
local pop3 = {}

---Connect and read the greeting only.
---@param opts pop3.OpenOptions
---@return pop3.Client
function pop3.connect(opts) end

---Connect, STLS (unless tls is implicit or none) and log in (when user is given).
---
---    local p = pop3.open{url = "pop3s://mail.example.com", user = "me", pass = secret_env("PASS")}
---    local p = pop3.open{host = "mail.example.com", auth = "apop", user = "me", pass = pass}
---@param opts pop3.OpenOptions
---@return pop3.Client
function pop3.open(opts) end

---A POP3 client: pop3.open, pop3.connect.
---@class pop3.Client: Client
---@field greeting pop3.Response the banner
---@field caps? table<string, string|boolean> after p:capa()
local pop3_Client = {}

---Log in with the open options' user/pass and mechanism.
---@return pop3.Response
function pop3_Client:auth() end

---CAPA: capability -> argument string or true (kept as p.caps).
---@return table<string, string|boolean>
function pop3_Client:capa() end

---Close without QUIT: nothing marked is deleted.
function pop3_Client:close() end

---Send a raw command and return the response; -ERR is returned, never raised.
---
---Under --dry-run a raw DELE or QUIT raises.
---@param line string
---@param opts? pop3.CmdOptions
---@return pop3.Response
function pop3_Client:cmd(line, opts) end

---DELE: mark for deletion (committed only by p:quit); under --dry-run only reports.
---
---    p:dele(n)      -- marked; deleted only by p:quit()
---@param n integer
---@return pop3.Response
function pop3_Client:dele(n) end

---LIST: array of {n, size}; with n: that message's size.
---
---    for _, m in ipairs(p:list()) do print(m.n, m.size) end
---    local size = p:list(3)
---@param n? integer
---@return pop3.ListItem[]|integer
function pop3_Client:list(n) end

---NOOP.
---@return pop3.Response
function pop3_Client:noop() end

---QUIT: commits the deletions and closes (under --dry-run: RSET and close).
---
---    p:quit()       -- commits the DELEs
---@return pop3.Response|nil
function pop3_Client:quit() end

---RETR: the message, unstuffed; with file: its size.
---
---    local msg = p:retr(1)
---    local octets = p:retr(1, {file = "/tmp/1.eml"})
---@param n integer
---@param opts? pop3.RetrOptions
---@return string|integer
function pop3_Client:retr(n, opts) end

---RSET: unmark every message.
---@return pop3.Response
function pop3_Client:rset() end

---The same as p:stls().
---@return table<string, string|boolean> caps
function pop3_Client:starttls() end

---STAT: number of messages and their total size.
---
---    local count, octets = p:stat()
---@return integer count
---@return integer octets
function pop3_Client:stat() end

---STLS, the TLS handshake (p.session.tls) and CAPA again (RFC 2595).
---@return table<string, string|boolean> caps
function pop3_Client:stls() end

---TOP: the header, the blank line and the first lines of the body (0: header only).
---
---    local h = mail.parse_headers(p:top(n, 0))   -- headers only
---@param n integer
---@param lines? integer
---@return string
function pop3_Client:top(n, lines) end

---UIDL: array of {n, uid}; with n: that message's uid.
---
---    for _, m in ipairs(p:uidl()) do seen[m.uid] = m.n end
---@param n? integer
---@return pop3.UidlItem[]|string
function pop3_Client:uidl(n) end

---Options of p:cmd.
---@class pop3.CmdOptions
---@field multiline? boolean read a dot-terminated body (default: by the command)
---@field secret? boolean mask the line in transcripts
---@field timeout? number seconds
---@field file? string write a multi-line body to this file (0600)

---One p:list() entry.
---@class pop3.ListItem
---@field n integer message number
---@field size integer octets

---Options of pop3.open and pop3.connect: no keys of its own.
---@class pop3.OpenOptions: ClientOptions

---A POP3 response: p:cmd.
---@class pop3.Response
---@field ok boolean +OK
---@field status string "+OK" or "-ERR"
---@field text string after the status
---@field body? string a multi-line response's body, unstuffed
---@field lines? string[] the body's lines
---@field octets? integer with file: the bytes written

---Options of p:retr.
---@class pop3.RetrOptions
---@field file? string stream the message to this file (0600) and return its size
---@field timeout? number seconds

---One p:uidl() entry.
---@class pop3.UidlItem
---@field n integer message number
---@field uid string unique id

return pop3
