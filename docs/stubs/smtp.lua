---@meta smtp
-- require "smtp", for lua-language-server. Generated from luabind/apispec; do not edit.

---SMTP, submission and LMTP client (RFC 5321, 6409, 2033): EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA, PIPELINING.
---
---    local smtp = require "smtp"
---    local c = smtp.open{host = "mx.example.com", port = 587, user = "me", pass = secret_env("PASS")}
---    c:send{from = "me@example.com", to = {"you@example.org"}, subject = "hi", body = "hello",
---           headers = {{"X-Probe", "1"}}}
---    c:quit()
local smtp = {}

---Connect and read the greeting only; the steps are then c:ehlo, c:starttls, c:auth.
---
---    local c = smtp.connect{host = "mx.example.com"}
---    c:ehlo("client.example")
---    c:starttls()
---    c:auth()
---@param opts smtp.OpenOptions
---@return smtp.Client
function smtp.connect(opts) end

---Build an RFC 5322 message with mime.message: From/To/Subject, the headers in order, Date and Message-ID when missing, RFC 2047 words.
---
---    local raw = smtp.message{from = "a@example.com", to = {"b@example.org"}, subject = "hi",
---                             body = "hello\n", headers = {{"X-Probe", "1"}}}
---    c:send{from = "a@example.com", to = "b@example.org", raw = raw}
---@param opts smtp.MessageOptions
---@return string
function smtp.message(opts) end

---Connect, EHLO, STARTTLS (unless tls is implicit or none) and AUTH (when user is given).
---
---A failure after connecting closes the session (QUIT first).
---
---    local c = smtp.open{url = "submission://mx.example.com", user = "me", pass = secret_env("PASS")}
---@param opts smtp.OpenOptions
---@return smtp.Client
function smtp.open(opts) end

---Options of c:bdat.
---@class smtp.BdatOptions
---@field last? boolean BDAT ... LAST: the message ends with this chunk
---@field allow_partial? boolean LMTP, last chunk: raise only when every recipient refused

---An SMTP client: smtp.open, smtp.connect.
---@class smtp.Client: Client
---@field greeting Reply the banner's reply
---@field caps table<string, string|boolean> EHLO keywords upper-cased -> parameter string or true (c.caps.SIZE)
---@field lmtp boolean LMTP mode
---@field chunked? boolean true once a message went by BDAT (c:send, c:bdat)
local smtp_Client = {}

---AUTH with the open options' user/pass/token and mechanism (RFC 4954).
---@return Reply
function smtp_Client:auth() end

---One BDAT chunk (RFC 3030), its byte count done here; {last = true} ends the message and returns the final reply (LMTP: one per recipient).
---
---    c:mail("a@example.com")
---    c:rcpt("b@example.org")
---    c:bdat("Subject: hi\r\n\r\nfirst part, ")
---    c:bdat("second part\r\n", {last = true})
---@param data string
---@param opts? smtp.BdatOptions
---@return Reply|Reply[]
function smtp_Client:bdat(data, opts) end

---Close the connection without QUIT.
function smtp_Client:close() end

---Send one command line and return the reply; 4xx/5xx are returned, never raised.
---
---    local r = c:cmd("VRFY postmaster")
---    if r.code == 252 then print("cannot verify, will accept") end
---@param line string
---@param opts? smtp.CmdOptions
---@return Reply
function smtp_Client:cmd(line, opts) end

---DATA and the message, dot-stuffed; LMTP: one reply per recipient.
---@param msg string
---@param opts? smtp.DataOptions
---@return Reply|Reply[]
function smtp_Client:data(msg, opts) end

---EHLO (LHLO for LMTP), HELO when EHLO is unknown; fills c.caps.
---
---    local r = c:ehlo("client.example")
---    if c.caps.PIPELINING then print("pipelining") end
---@param name? string
---@return Reply
function smtp_Client:ehlo(name) end

---EXPN: the reply as it is (the members on 250 lines, or a refusal).
---@param list string
---@return Reply
function smtp_Client:expn(list) end

---HELP [topic]: the reply as it is.
---@param topic? string
---@return Reply
function smtp_Client:help(topic) end

---MAIL FROM:<from>; raises a reply error when refused.
---
---    c:mail("a@example.com", {RET = "HDRS"})
---    c:rcpt("b@example.org", {NOTIFY = "FAILURE"})
---    c:data("Subject: hi\r\n\r\nhello\r\n")
---@param from string
---@param params? string|table<string, string|boolean>
---@return Reply
function smtp_Client:mail(from, params) end

---NOOP.
---@return Reply
function smtp_Client:noop() end

---QUIT and close; nil when the server just hung up.
---
---    c:quit()
---@return Reply|nil
function smtp_Client:quit() end

---RCPT TO:<to>; raises a reply error when refused.
---
---    local ok, err = pcall(c.rcpt, c, "nobody@example.org")
---    if not ok then print(err.reply.code, err.reply.enhanced) end
---@param to string
---@param params? string|table<string, string|boolean>
---@return Reply
function smtp_Client:rcpt(to, params) end

---RSET: abort the transaction.
---@return Reply
function smtp_Client:rset() end

---One transaction: MAIL, RCPT per recipient, DATA; returns the final reply.
---
---from/to are the envelope; the message is raw, or built from subject, body
---and headers (see smtp.message). SIZE, SMTPUTF8 and BODY=8BITMIME are added
---when needed and offered. After a refusal RSET is sent before raising.
---With allow_partial = true it returns one reply per recipient, then the
---final reply, and raises only when nobody got the message.
---
---    c:send{from = "a@example.com", to = "b@example.org", subject = "test",
---           body = "hello\n", headers = {{"X-Probe", "1"}}}
---@param opts smtp.SendOptions
---@return Reply|Reply[]
---@return Reply|Reply[]|nil
function smtp_Client:send(opts) end

---STARTTLS, the TLS handshake (c.session.tls) and EHLO again (RFC 3207).
---@return Reply go_ahead
---@return Reply ehlo
function smtp_Client:starttls() end

---VRFY: the reply as it is (250/251/252 or a refusal, never raised).
---
---    local r = c:vrfy("postmaster")
---    print(r.code, r.text)
---@param who string
---@return Reply
function smtp_Client:vrfy(who) end

---Options of c:cmd.
---@class smtp.CmdOptions
---@field secret? boolean mask the line in transcripts
---@field timeout? number seconds

---Options of c:data.
---@class smtp.DataOptions
---@field allow_partial? boolean LMTP: raise only when every recipient refused

---The fields smtp.message builds a message from.
---@class smtp.MessageOptions
---@field from? string From: (and the envelope sender in c:send)
---@field to? string|string[] To: (and the envelope recipients in c:send)
---@field subject? string
---@field body? string
---@field headers? [string, string][] ordered {name, value} pairs: {{"X-Probe", "1"}}

---Options of smtp.open and smtp.connect.
---@class smtp.OpenOptions: ClientOptions
---@field helo? string the EHLO name (default localhost)
---@field lmtp? boolean speak LMTP (LHLO; one reply per recipient after DATA)
---@field pipelining? boolean send MAIL/RCPT/DATA as one group when offered
---@field chunking? boolean c:send uses BDAT (RFC 3030): true requires CHUNKING, false never; unset: for binary content when offered

---Options of c:send.
---@class smtp.SendOptions: smtp.MessageOptions
---@field raw? string the whole message as bytes (excludes subject, body, headers)
---@field params? string|table<string, string|boolean> MAIL FROM parameters (DSN: RET, ENVID)
---@field rcpt_params? string|table<string, string|boolean> RCPT TO parameters (DSN: NOTIFY, ORCPT)
---@field allow_partial? boolean return one reply per recipient instead of raising on a refusal
---@field pipelining? boolean MAIL/RCPT/DATA as one group when offered
---@field chunking? boolean BDAT instead of DATA: true requires CHUNKING, false never; unset: the open option, else BDAT for binary content (a NUL, a line over 998 octets) when offered, with BODY=BINARYMIME when that is offered too

return smtp
