---@meta imap
-- require "imap", for lua-language-server. Generated from luabind/apispec; do not edit.

---IMAP client (RFC 3501, 9051) on a Go wire reader: literals framed by byte count, deletes by UID only.
---
---    local imap = require "imap"
---    local i = imap.open{host = "mail.example.com", user = "me", pass = secret_env("PASS")}
---    i:select("INBOX")
---    local uids = i:uid_search{"SUBJECT", imap.string("report")}
---    for _, m in ipairs(i:uid_fetch(uids, "(UID RFC822.SIZE)")) do print(m.UID, m["RFC822.SIZE"]) end
---    i:logout()
local imap = {}

---Connect and read the greeting only.
---@param opts imap.OpenOptions
---@return imap.Client
function imap.connect(opts) end

---The UTC day of epoch as SEARCH wants it: "1-Jan-2024".
---
---    i:uid_search{"BEFORE", imap.date(time() - 365 * 86400)}
---@param epoch number
---@return string
function imap.date(epoch) end

---A FETCH ENVELOPE value as {date, subject, from, to, cc, ..., message_id}.
---@param v? any
---@return table|nil
function imap.envelope(v) end

---An INTERNALDATE as epoch seconds, or nil.
---@param s? string
---@return integer|nil
function imap.internaldate(s) end

---Always a literal (APPEND's message).
---@param x string
---@param opts? imap.ArgOptions
---@return imap.Arg
function imap.literal(x, opts) end

---Connect, STARTTLS (unless tls is implicit or none) and log in (when user is given).
---
---    local i = imap.open{url = "imaps://mail.example.com", user = "me", pass = secret_env("PASS")}
---@param opts imap.OpenOptions
---@return imap.Client
function imap.open(opts) end

---Sent as is.
---@param x string
---@return imap.Arg
function imap.raw(x) end

---An IMAP string masked as *** and registered as a secret.
---@param x string
---@return imap.Arg
function imap.secret(x) end

---An IMAP string: quoted when safe, else a literal.
---
---    i:cmd{"SELECT", imap.string("Sent Items")}
---@param x string
---@param opts? imap.ArgOptions
---@return imap.Arg
function imap.string(x, opts) end

---IMAP NIL in fetched data.
---@type any
imap.NIL = nil

---Options of i:append.
---@class imap.AppendOptions
---@field flags? string|string[] "(\\Seen)" or {"\\Seen"}
---@field date? string INTERNALDATE
---@field timeout? number seconds

---An argument built by imap.string, imap.literal, imap.secret, imap.raw.
---@class imap.Arg

---Options of imap.string and imap.literal.
---@class imap.ArgOptions
---@field secret? boolean mask the value in transcripts

---An IMAP client: imap.open, imap.connect.
---@class imap.Client: Client
---@field caps table<string, string|boolean> capabilities, upper-cased
---@field mailbox? table the selected mailbox: name, exists, uidvalidity, readonly, ...
---@field state string "not authenticated", "authenticated", "selected", "logout"
---@field utf8? boolean true once ENABLE UTF8=ACCEPT succeeded: mailbox names travel as UTF-8
local imap_Client = {}

---APPEND a message; uid and uidvalidity from APPENDUID when given.
---
---    local r = i:append("Drafts", raw, {flags = {"\\Draft"}})   -- r.uid with UIDPLUS
---@param name string|imap.Arg
---@param message string
---@param opts? imap.AppendOptions
---@return imap.Result
function imap_Client:append(name, message, opts) end

---Log in with the open options' user/pass/token and mechanism.
---@return imap.Result
function imap_Client:auth() end

---CAPABILITY (kept as i.caps).
---@return table<string, string|boolean> caps
---@return imap.Result result
function imap_Client:capability() end

---Close the connection (not IMAP CLOSE, which expunges).
function imap_Client:close() end

---Send one command (a line, or a table of arguments) and return its result; NO/BAD are returned.
---
---    i:cmd("NOOP")
---    i:cmd{"UID", "SEARCH", "SUBJECT", imap.string(x)}   -- quoted or a literal
---@param cmd string|table
---@param opts? imap.CmdOptions
---@return imap.Result
function imap_Client:cmd(cmd, opts) end

---CREATE a mailbox.
---
---    i:create("Entwürfe")   -- sent as "Entw&APw-rfe"
---@param name string|imap.Arg
---@return imap.Result
function imap_Client:create(name) end

---DELETE a mailbox and its messages: journaled; under --dry-run only reported.
---@param name string|imap.Arg
---@return imap.RetireResult
function imap_Client:delete(name) end

---ENABLE UTF8=ACCEPT when offered (done after login unless utf8 = false); whether names travel as UTF-8.
---@return boolean
function imap_Client:enable_utf8() end

---EXAMINE: open a mailbox read-only.
---@param name string|imap.Arg
---@param opts? imap.SelectOptions
---@return imap.Mailbox
function imap_Client:examine(name, opts) end

---FETCH: records keyed by the server's item names, upper-cased.
---
---    for _, r in ipairs(i:fetch("1:5", "(UID FLAGS RFC822.SIZE)")) do print(r.seq, r.UID, r["RFC822.SIZE"]) end
---@param set integer|string|table
---@param items string|string[]
---@param opts? imap.FetchOptions
---@return imap.FetchResult
function imap_Client:fetch(set, items, opts) end

---Wait for mailbox updates with IDLE (NOOP polling without it); fn(event) true ends it.
---
---    local events = i:idle(60, function(ev) return ev.name == "EXISTS" end)
---@param timeout number
---@param fn? function
---@param opts? imap.IdleOptions
---@return table[]
function imap_Client:idle(timeout, fn, opts) end

---LIST mailboxes (default pattern "*"); names in UTF-8.
---
---    for _, mb in ipairs(i:list("", "*")) do print(mb.name, table.concat(mb.flags, " ")) end
---@param ref? string|imap.Arg
---@param pattern? string|imap.Arg
---@return imap.ListEntry[]
function imap_Client:list(ref, pattern) end

---The same as i:auth().
---@return imap.Result
function imap_Client:login() end

---LOGOUT and close (never expunges).
---@return imap.Result|nil
function imap_Client:logout() end

---LSUB: the subscribed mailboxes.
---@param ref? string|imap.Arg
---@param pattern? string|imap.Arg
---@return imap.ListEntry[]
function imap_Client:lsub(ref, pattern) end

---NOOP (collects mailbox updates).
---@return imap.Result
function imap_Client:noop() end

---Send several commands before reading; results in order.
---@param cmds (string|table)[]
---@param opts? imap.TimeoutOptions
---@return imap.Result[]
function imap_Client:pipeline(cmds, opts) end

---RENAME a mailbox: journaled like a deletion; under --dry-run only reported.
---@param from string|imap.Arg
---@param to string|imap.Arg
---@return imap.RetireResult
function imap_Client:rename(from, to) end

---SEARCH: message numbers.
---@param criteria? string|(string|number|imap.Arg)[]
---@param opts? imap.TimeoutOptions
---@return imap.UIDList
function imap_Client:search(criteria, opts) end

---SELECT a mailbox (EXAMINE under --dry-run or readonly).
---
---    local box = i:select("INBOX")   -- box.exists, box.uidvalidity, box.readonly
---@param name string|imap.Arg
---@param opts? imap.SelectOptions
---@return imap.Mailbox
function imap_Client:select(name, opts) end

---STARTTLS, the handshake (i.session.tls) and CAPABILITY again.
---@return imap.Result
function imap_Client:starttls() end

---STATUS items of a mailbox (default MESSAGES UIDNEXT UIDVALIDITY UNSEEN).
---
---    local st = i:status("INBOX")   -- st.MESSAGES, st.UNSEEN
---@param name string|imap.Arg
---@param items? string|string[]
---@return table<string, integer>
function imap_Client:status(name, items) end

---SUBSCRIBE.
---@param name string|imap.Arg
---@return imap.Result
function imap_Client:subscribe(name) end

---UID COPY to another mailbox.
---@param uids integer|string|table
---@param dest string|imap.Arg
---@param opts? imap.UIDOptions
---@return table
function imap_Client:uid_copy(uids, dest, opts) end

---UID EXPUNGE exactly these UIDs (needs UIDPLUS); a commit point.
---
---    i:uid_expunge(uids)     -- only these UIDs, never others' \Deleted
---@param uids integer|string|table
---@param opts? imap.UIDOptions
---@return integer[]|imap.DryRun
function imap_Client:uid_expunge(uids, opts) end

---UID FETCH: records keyed by the server's item names, upper-cased.
---
---    local recs = i:uid_fetch(uids, {"UID", "BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)]"})
---@param set integer|string|table
---@param items string|string[]
---@param opts? imap.FetchOptions
---@return imap.FetchResult
function imap_Client:uid_fetch(set, items, opts) end

---UID MOVE (or COPY + STORE + UID EXPUNGE of exactly those UIDs); a commit point.
---
---    i:uid_move(uids, "Archive")
---@param uids integer|string|table
---@param dest string|imap.Arg
---@param opts? imap.UIDOptions
---@return table|imap.DryRun
function imap_Client:uid_move(uids, dest, opts) end

---UID SEARCH: UIDs (the list carries the mailbox's uidvalidity).
---
---    local uids = i:uid_search("UNSEEN")
---    local uids = i:uid_search{"FROM", imap.string(addr), "SINCE", imap.date(time() - 86400)}
---@param criteria? string|(string|number|imap.Arg)[]
---@param opts? imap.TimeoutOptions
---@return imap.UIDList
function imap_Client:uid_search(criteria, opts) end

---UID STORE flags; \Deleted is a commit point; under --dry-run it reports.
---
---    i:uid_store(uids, "+FLAGS.SILENT", {"\\Deleted"})
---    i:uid_expunge(uids)
---@param uids integer|string|table
---@param op string
---@param flags string|string[]
---@param opts? imap.UIDOptions
---@return table[]|imap.DryRun
function imap_Client:uid_store(uids, op, flags, opts) end

---UNSUBSCRIBE.
---@param name string|imap.Arg
---@return imap.Result
function imap_Client:unsubscribe(name) end

---Options of i:cmd.
---@class imap.CmdOptions
---@field timeout? number seconds until the tagged completion (a deadline: untagged data does not extend it)
---@field file? string|function FETCH message literals to files (a path, or function(info) -> path); written as PATH.partial, renamed when complete
---@field continue? function continue(cont) -> line|nil: answers "+" requests
---@field secret_continue? boolean mask the continuation lines

---What a destructive helper returns under --dry-run instead of acting.
---@class imap.DryRun
---@field status string "OK"
---@field text string "dry-run"
---@field dry_run? boolean true
---@field uids integer[] the UIDs it would have acted on

---Options of i:fetch and i:uid_fetch.
---@class imap.FetchOptions
---@field timeout? number seconds
---@field file? string|function message literals to files; the item's value is then its byte count

---FETCH records in the server's order ([1], [2], ...: {seq =, UID =, ["RFC822.SIZE"] =, ...}), and uidvalidity.
---@class imap.FetchResult
---@field uidvalidity? integer the selected mailbox's UIDVALIDITY

---Options of i:idle.
---@class imap.IdleOptions
---@field poll? number NOOP interval without IDLE, seconds (default 5)
---@field ready? function called each time the server idles

---A mailbox from i:list or i:lsub.
---@class imap.ListEntry
---@field name string UTF-8 (decoded from modified UTF-7; kept as sent when it is not)
---@field raw string the name as the server sent it
---@field delimiter? string hierarchy delimiter (nil: flat)
---@field flags string[] \HasChildren, \Noselect, ...

---What i:select returns.
---@class imap.Mailbox
---@field name string
---@field exists integer
---@field recent? integer
---@field uidvalidity integer
---@field uidnext? integer
---@field flags string[]
---@field permanentflags? string[]
---@field unseen? integer
---@field highestmodseq? integer
---@field readonly boolean

---Options of imap.open and imap.connect.
---@class imap.OpenOptions: ClientOptions
---@field max_literal? integer largest literal accepted in memory, bytes
---@field utf8? boolean false: never ENABLE UTF8=ACCEPT (mailbox names stay modified UTF-7 on the wire)

---A command's completion: i:cmd.
---@class imap.Result
---@field status string "OK", "NO" or "BAD"
---@field code? string response code: APPENDUID, READ-ONLY, ...
---@field code_args? table
---@field code_text? string
---@field text string
---@field tag string
---@field command string the command as sent (secrets masked)
---@field untagged table[] the untagged responses that belong to it

---What i:delete and i:rename return.
---@class imap.RetireResult: imap.Result
---@field dry_run? boolean --dry-run: nothing was sent
---@field messages? integer --dry-run or --journal: how many messages the mailbox held

---Options of i:select and i:examine.
---@class imap.SelectOptions
---@field readonly? boolean EXAMINE instead of SELECT
---@field timeout? number seconds

---{timeout = seconds}.
---@class imap.TimeoutOptions
---@field timeout? number seconds until the tagged completion (a deadline: untagged data does not extend it)

---Numbers from a search, in order ([1], [2], ...), and the mailbox's uidvalidity for UIDs.
---@class imap.UIDList
---@field uidvalidity? integer the UIDVALIDITY the UIDs belong to (checked by the destructive helpers)

---Options of the destructive helpers.
---@class imap.UIDOptions
---@field timeout? number seconds
---@field uidvalidity? integer the UIDVALIDITY the UIDs belong to (checked)

return imap
