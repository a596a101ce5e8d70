package apispec

import "slices"

// The protocol modules (luabind/modules/*.lua), loaded with require.

var openKinds = []string{"connect", "tls", "timeout", "eof", "reply", "protocol", "usage"}
var cmdKinds = []string{"timeout", "eof", "injection", "usage"}
var stepKinds = []string{"timeout", "eof", "reply", "protocol", "usage"}

var clientAPI = API{
	Classes: []Class{
		{Name: "ClientOptions", Kind: Options, Summary: "the options every protocol module's open and connect take",
			Fields: slices.Concat([]Field{
				{"url?", "string", `"smtp://host[:port]", "submission://", "smtps://", "lmtp://", "pop3[s]://", "imap[s]://": port and TLS mode; smtp also "mx:domain[:port]" (the MX hosts in order)`},
				{"host?", "string", "the server (or url)"},
				{"port?", "integer|string", "default by protocol and TLS mode"},
				{"user?", "string", "login name; with it open authenticates"},
				{"pass?", "string", "password (registered as a secret)"},
				{"auth?", "string", "the mechanism: plain, login, cram-md5, scram-sha-1, scram-sha-256, oauthbearer, xoauth2, user, apop (pop3), login-command (imap)"},
				{"authzid?", "string", "authorization identity for SASL PLAIN, SCRAM and OAUTHBEARER"},
				{"token?", "string", "OAuth bearer token for OAUTHBEARER (when offered) or XOAUTH2 (registered as a secret)"},
				{"tls?", `"implicit"|"starttls"|"none"|boolean`, `default implicit for 465/993/995 and *s schemes, else starttls, required; "none" must be said`},
				{"allow_plaintext_auth?", "boolean", "allow PLAIN/LOGIN/USER without TLS"},
				{"timeout?", "number", "seconds per step (default --timeout, else 10)"},
				{"connect_timeout?", "number", "DNS + TCP + TLS, seconds"},
				{"timeouts?", "Timeouts", "per phase: greeting, command, data_end"},
			}, tlsOptions, netOptions, []Field{
				{"session?", "session", "run over this session (from connect or spawn) instead of connecting; TLS mode none unless tls = \"starttls\""},
			})},
		{Name: "Client", Kind: Object, Var: "c", Summary: "what every protocol client has: smtp.Client, pop3.Client and imap.Client extend it", Fields: []Field{
			{"session", "session", "the raw session"},
			{"timings", "table<string, number>", "seconds per step: connect, greeting, starttls, auth and the protocol's own (smtp: ehlo, mail, rcpt, data, rset, quit; pop3: user, capa, stls, stat, list, uidl, retr, top, dele, rset, noop, quit; imap: select, search, fetch, store, expunge, move); check.timings reports them"},
			{"label", "string", "the server as named in messages"},
		}},
		{Name: "Timeouts", Kind: Options, Summary: "per-phase timeouts in seconds", Fields: []Field{
			{"greeting?", "number", "the server's banner"},
			{"command?", "number", "each command's reply"},
			{"data_end?", "number", "SMTP: the reply after the message's final dot"},
		}},
	},
}

func init() {
	Register(clientAPI)
	registerSMTP()
	registerPOP3()
	registerIMAP()
}

var smtpAPI = API{
	Modules: []Module{{Name: "smtp", Require: true,
		Summary: "SMTP, submission and LMTP client (RFC 5321, 6409, 2033): EHLO, STARTTLS, AUTH, MAIL/RCPT/DATA, PIPELINING",
		Doc: `    local smtp = require "smtp"
    local c = smtp.open{host = "mx.example.com", port = 587, user = "me", pass = secret_env("PASS")}
    c:send{from = "me@example.com", to = {"you@example.org"}, subject = "hi", body = "hello",
           headers = {{"X-Probe", "1"}}}
    c:quit()`}},
	Classes: []Class{
		{Name: "smtp.OpenOptions", Kind: Options, Extends: "ClientOptions", Summary: "options of smtp.open and smtp.connect", Fields: []Field{
			{"helo?", "string", "the EHLO name (default localhost)"},
			{"lmtp?", "boolean", "speak LMTP (LHLO; one reply per recipient after DATA)"},
			{"pipelining?", "boolean", "send MAIL/RCPT/DATA as one group when offered"},
			{"chunking?", "boolean", "c:send uses BDAT (RFC 3030): true requires CHUNKING, false never; unset: for binary content when offered"},
		}},
		{Name: "smtp.Client", Kind: Object, Var: "c", Extends: "Client", Summary: "an SMTP client: smtp.open, smtp.connect", Fields: []Field{
			{"greeting", "Reply", "the banner's reply"},
			{"caps", "table<string, string|boolean>", "EHLO keywords upper-cased -> parameter string or true (c.caps.SIZE)"},
			{"lmtp", "boolean", "LMTP mode"},
			{"chunked?", "boolean", "true once a message went by BDAT (c:send, c:bdat)"},
		}},
		{Name: "smtp.BdatOptions", Kind: Options, Summary: "options of c:bdat", Fields: []Field{
			{"last?", "boolean", "BDAT ... LAST: the message ends with this chunk"},
			{"allow_partial?", "boolean", "LMTP, last chunk: raise only when every recipient refused"},
		}},
		{Name: "smtp.CmdOptions", Kind: Options, Summary: "options of c:cmd", Fields: []Field{
			{"secret?", "boolean", "mask the line in transcripts"},
			{"timeout?", "number", "seconds"},
		}},
		{Name: "smtp.DataOptions", Kind: Options, Summary: "options of c:data", Fields: []Field{
			{"allow_partial?", "boolean", "LMTP: raise only when every recipient refused"},
		}},
		{Name: "smtp.MessageOptions", Kind: Options, Summary: "the fields smtp.message builds a message from", Fields: []Field{
			{"from?", "string", "From: (and the envelope sender in c:send)"},
			{"to?", "string|string[]", "To: (and the envelope recipients in c:send)"},
			{"subject?", "string", ""},
			{"body?", "string", ""},
			{"headers?", "{string, string}[]", `ordered {name, value} pairs: {{"X-Probe", "1"}}`},
		}},
		{Name: "smtp.SendOptions", Kind: Options, Extends: "smtp.MessageOptions", Summary: "options of c:send", Fields: []Field{
			{"raw?", "string", "the whole message as bytes (excludes subject, body, headers)"},
			{"params?", "string|table<string, string|boolean>", "MAIL FROM parameters (DSN: RET, ENVID)"},
			{"rcpt_params?", "string|table<string, string|boolean>", "RCPT TO parameters (DSN: NOTIFY, ORCPT)"},
			{"allow_partial?", "boolean", "return one reply per recipient instead of raising on a refusal"},
			{"pipelining?", "boolean", "MAIL/RCPT/DATA as one group when offered"},
			{"chunking?", "boolean", "BDAT instead of DATA: true requires CHUNKING, false never; unset: the open option, else BDAT for binary content (a NUL, a line over 998 octets) when offered, with BODY=BINARYMIME when that is offered too"},
		}},
	},
	Funcs: []Func{
		{Sig: "smtp.open(opts: smtp.OpenOptions) -> smtp.Client", Summary: "connect, EHLO, STARTTLS (unless tls is implicit or none) and AUTH (when user is given)",
			Errors: openKinds,
			Doc: `A failure after connecting closes the session (QUIT first).

    local c = smtp.open{url = "submission://mx.example.com", user = "me", pass = secret_env("PASS")}`},
		{Sig: "smtp.connect(opts: smtp.OpenOptions) -> smtp.Client", Summary: "connect and read the greeting only; the steps are then c:ehlo, c:starttls, c:auth",
			Errors: openKinds,
			Doc: `    local c = smtp.connect{host = "mx.example.com"}
    c:ehlo("client.example")
    c:starttls()
    c:auth()`},
		{Sig: "smtp.message(opts: smtp.MessageOptions) -> string", Summary: "build an RFC 5322 message with mime.message: From/To/Subject, the headers in order, Date and Message-ID when missing, RFC 2047 words",
			Errors: []string{"usage", "injection"},
			Doc: `    local raw = smtp.message{from = "a@example.com", to = {"b@example.org"}, subject = "hi",
                             body = "hello\n", headers = {{"X-Probe", "1"}}}
    c:send{from = "a@example.com", to = "b@example.org", raw = raw}`},
		{Sig: "smtp.Client:cmd(line: string, opts?: smtp.CmdOptions) -> Reply", Summary: "send one command line and return the reply; 4xx/5xx are returned, never raised", Errors: cmdKinds,
			Doc: `    local r = c:cmd("VRFY postmaster")
    if r.code == 252 then print("cannot verify, will accept") end`},
		{Sig: "smtp.Client:ehlo(name?: string) -> Reply", Summary: "EHLO (LHLO for LMTP), HELO when EHLO is unknown; fills c.caps", Errors: stepKinds,
			Doc: `    local r = c:ehlo("client.example")
    if c.caps.PIPELINING then print("pipelining") end`},
		{Sig: "smtp.Client:starttls() -> go_ahead: Reply, ehlo: Reply", Summary: "STARTTLS, the TLS handshake (c.session.tls) and EHLO again (RFC 3207)", Errors: []string{"tls", "timeout", "eof", "reply", "protocol"}},
		{Sig: "smtp.Client:auth() -> Reply", Summary: "AUTH with the open options' user/pass/token and mechanism (RFC 4954)", Errors: stepKinds},
		{Sig: "smtp.Client:mail(from: string, params?: string|table<string, string|boolean>) -> Reply", Summary: "MAIL FROM:<from>; raises a reply error when refused", Errors: stepKinds,
			Doc: `    c:mail("a@example.com", {RET = "HDRS"})
    c:rcpt("b@example.org", {NOTIFY = "FAILURE"})
    c:data("Subject: hi\r\n\r\nhello\r\n")`},
		{Sig: "smtp.Client:rcpt(to: string, params?: string|table<string, string|boolean>) -> Reply", Summary: "RCPT TO:<to>; raises a reply error when refused", Errors: stepKinds,
			Doc: `    local ok, err = pcall(c.rcpt, c, "nobody@example.org")
    if not ok then print(err.reply.code, err.reply.enhanced) end`},
		{Sig: "smtp.Client:data(msg: string, opts?: smtp.DataOptions) -> Reply|Reply[]", Summary: "DATA and the message, dot-stuffed; LMTP: one reply per recipient", Errors: stepKinds},
		{Sig: "smtp.Client:send(opts: smtp.SendOptions) -> Reply|Reply[], Reply|Reply[]|nil", Summary: "one transaction: MAIL, RCPT per recipient, DATA; returns the final reply",
			Errors: stepKinds,
			Doc: `from/to are the envelope; the message is raw, or built from subject, body
and headers (see smtp.message). SIZE, SMTPUTF8 and BODY=8BITMIME are added
when needed and offered. After a refusal RSET is sent before raising.
With allow_partial = true it returns one reply per recipient, then the
final reply, and raises only when nobody got the message.

    c:send{from = "a@example.com", to = "b@example.org", subject = "test",
           body = "hello\n", headers = {{"X-Probe", "1"}}}`},
		{Sig: "smtp.Client:bdat(data: string, opts?: smtp.BdatOptions) -> Reply|Reply[]", Summary: "one BDAT chunk (RFC 3030), its byte count done here; {last = true} ends the message and returns the final reply (LMTP: one per recipient)",
			Errors: stepKinds,
			Doc: `    c:mail("a@example.com")
    c:rcpt("b@example.org")
    c:bdat("Subject: hi\r\n\r\nfirst part, ")
    c:bdat("second part\r\n", {last = true})`},
		{Sig: "smtp.Client:vrfy(who: string) -> Reply", Summary: "VRFY: the reply as it is (250/251/252 or a refusal, never raised)", Errors: cmdKinds,
			Doc: `    local r = c:vrfy("postmaster")
    print(r.code, r.text)`},
		{Sig: "smtp.Client:expn(list: string) -> Reply", Summary: "EXPN: the reply as it is (the members on 250 lines, or a refusal)", Errors: cmdKinds},
		{Sig: "smtp.Client:help(topic?: string) -> Reply", Summary: "HELP [topic]: the reply as it is", Errors: cmdKinds},
		{Sig: "smtp.Client:rset() -> Reply", Summary: "RSET: abort the transaction", Errors: stepKinds},
		{Sig: "smtp.Client:noop() -> Reply", Summary: "NOOP", Errors: cmdKinds},
		{Sig: "smtp.Client:quit() -> Reply|nil", Summary: "QUIT and close; nil when the server just hung up",
			Doc: `    c:quit()`},
		{Sig: "smtp.Client:close()", Summary: "close the connection without QUIT"},
	},
}

func registerSMTP() {
	Register(smtpAPI)
}

var pop3API = API{
	Modules: []Module{{Name: "pop3", Require: true,
		Summary: "POP3 client (RFC 1939, 2449, 2595, 5034): STLS, USER/PASS, APOP, SASL, STAT/LIST/UIDL/RETR/TOP/DELE",
		Doc: `DELE only marks: deletions commit at p:quit(). A script that errors out
closes without QUIT, so nothing is deleted.

    local pop3 = require "pop3"
    local p = pop3.open{host = "mail.example.com", user = "me", pass = secret_env("PASS")}
    local count, octets = p:stat()
    for _, m in ipairs(p:uidl()) do print(m.n, m.uid) end
    p:quit()`}},
	Classes: []Class{
		{Name: "pop3.OpenOptions", Kind: Options, Extends: "ClientOptions", Summary: "options of pop3.open and pop3.connect: no keys of its own"},
		{Name: "pop3.Client", Kind: Object, Var: "p", Extends: "Client", Summary: "a POP3 client: pop3.open, pop3.connect", Fields: []Field{
			{"greeting", "pop3.Response", "the banner"},
			{"caps?", "table<string, string|boolean>", "after p:capa()"},
		}},
		{Name: "pop3.Response", Kind: Record, Summary: "a POP3 response: p:cmd", Fields: []Field{
			{"ok", "boolean", "+OK"}, {"status", "string", `"+OK" or "-ERR"`}, {"text", "string", "after the status"},
			{"body?", "string", "a multi-line response's body, unstuffed"},
			{"lines?", "string[]", "the body's lines"},
			{"octets?", "integer", "with file: the bytes written"},
		}},
		{Name: "pop3.CmdOptions", Kind: Options, Summary: "options of p:cmd", Fields: []Field{
			{"multiline?", "boolean", "read a dot-terminated body (default: by the command)"},
			{"secret?", "boolean", "mask the line in transcripts"},
			{"timeout?", "number", "seconds"},
			{"file?", "string", "write a multi-line body to this file (0600)"},
		}},
		{Name: "pop3.RetrOptions", Kind: Options, Summary: "options of p:retr", Fields: []Field{
			{"file?", "string", "stream the message to this file (0600) and return its size"},
			{"timeout?", "number", "seconds"},
		}},
		{Name: "pop3.ListItem", Kind: Record, Summary: "one p:list() entry", Fields: []Field{{"n", "integer", "message number"}, {"size", "integer", "octets"}}},
		{Name: "pop3.UidlItem", Kind: Record, Summary: "one p:uidl() entry", Fields: []Field{{"n", "integer", "message number"}, {"uid", "string", "unique id"}}},
	},
	Funcs: []Func{
		{Sig: "pop3.open(opts: pop3.OpenOptions) -> pop3.Client", Summary: "connect, STLS (unless tls is implicit or none) and log in (when user is given)", Errors: openKinds,
			Doc: `    local p = pop3.open{url = "pop3s://mail.example.com", user = "me", pass = secret_env("PASS")}
    local p = pop3.open{host = "mail.example.com", auth = "apop", user = "me", pass = pass}`},
		{Sig: "pop3.connect(opts: pop3.OpenOptions) -> pop3.Client", Summary: "connect and read the greeting only", Errors: openKinds},
		{Sig: "pop3.Client:cmd(line: string, opts?: pop3.CmdOptions) -> pop3.Response", Summary: "send a raw command and return the response; -ERR is returned, never raised",
			Errors: cmdKinds, Doc: "Under --dry-run a raw DELE or QUIT raises."},
		{Sig: "pop3.Client:capa() -> table<string, string|boolean>", Summary: "CAPA: capability -> argument string or true (kept as p.caps)", Errors: stepKinds},
		{Sig: "pop3.Client:stls() -> caps: table<string, string|boolean>", Summary: "STLS, the TLS handshake (p.session.tls) and CAPA again (RFC 2595)", Errors: []string{"tls", "timeout", "eof", "reply", "protocol"}},
		{Sig: "pop3.Client:starttls() -> caps: table<string, string|boolean>", Summary: "the same as p:stls()", Errors: []string{"tls", "timeout", "eof", "reply", "protocol"}},
		{Sig: "pop3.Client:auth() -> pop3.Response", Summary: "log in with the open options' user/pass and mechanism", Errors: stepKinds},
		{Sig: "pop3.Client:stat() -> count: integer, octets: integer", Summary: "STAT: number of messages and their total size", Errors: stepKinds,
			Doc: `    local count, octets = p:stat()`},
		{Sig: "pop3.Client:list(n?: integer) -> pop3.ListItem[]|integer", Summary: "LIST: array of {n, size}; with n: that message's size", Errors: stepKinds,
			Doc: `    for _, m in ipairs(p:list()) do print(m.n, m.size) end
    local size = p:list(3)`},
		{Sig: "pop3.Client:uidl(n?: integer) -> pop3.UidlItem[]|string", Summary: "UIDL: array of {n, uid}; with n: that message's uid", Errors: stepKinds,
			Doc: `    for _, m in ipairs(p:uidl()) do seen[m.uid] = m.n end`},
		{Sig: "pop3.Client:retr(n: integer, opts?: pop3.RetrOptions) -> string|integer", Summary: "RETR: the message, unstuffed; with file: its size", Errors: stepKinds,
			Doc: `    local msg = p:retr(1)
    local octets = p:retr(1, {file = "/tmp/1.eml"})`},
		{Sig: "pop3.Client:top(n: integer, lines?: integer) -> string", Summary: "TOP: the header, the blank line and the first lines of the body (0: header only)", Errors: stepKinds,
			Doc: `    local h = mail.parse_headers(p:top(n, 0))   -- headers only`},
		{Sig: "pop3.Client:dele(n: integer) -> pop3.Response", Summary: "DELE: mark for deletion (committed only by p:quit); under --dry-run only reports", Errors: stepKinds,
			Doc: `    p:dele(n)      -- marked; deleted only by p:quit()`},
		{Sig: "pop3.Client:rset() -> pop3.Response", Summary: "RSET: unmark every message", Errors: stepKinds},
		{Sig: "pop3.Client:noop() -> pop3.Response", Summary: "NOOP", Errors: stepKinds},
		{Sig: "pop3.Client:quit() -> pop3.Response|nil", Summary: "QUIT: commits the deletions and closes (under --dry-run: RSET and close)", Errors: stepKinds,
			Doc: `    p:quit()       -- commits the DELEs`},
		{Sig: "pop3.Client:close()", Summary: "close without QUIT: nothing marked is deleted"},
	},
}

func registerPOP3() {
	Register(pop3API)
}

var imapAPI = API{
	Modules: []Module{{Name: "imap", Require: true,
		Summary: "IMAP client (RFC 3501, 9051) on a Go wire reader: literals framed by byte count, deletes by UID only",
		Doc: `    local imap = require "imap"
    local i = imap.open{host = "mail.example.com", user = "me", pass = secret_env("PASS")}
    i:select("INBOX")
    local uids = i:uid_search{"SUBJECT", imap.string("report")}
    for _, m in ipairs(i:uid_fetch(uids, "(UID RFC822.SIZE)")) do print(m.UID, m["RFC822.SIZE"]) end
    i:logout()`}},
	Values: []Value{
		{Name: "imap.NIL", TypeSrc: "any", Summary: "IMAP NIL in fetched data"},
	},
	Classes: []Class{
		{Name: "imap.OpenOptions", Kind: Options, Extends: "ClientOptions", Summary: "options of imap.open and imap.connect", Fields: []Field{
			{"max_literal?", "integer", "largest literal accepted in memory, bytes"},
			{"utf8?", "boolean", "false: never ENABLE UTF8=ACCEPT (mailbox names stay modified UTF-7 on the wire)"},
		}},
		{Name: "imap.Client", Kind: Object, Var: "i", Extends: "Client", Summary: "an IMAP client: imap.open, imap.connect", Fields: []Field{
			{"caps", "table<string, string|boolean>", "capabilities, upper-cased"},
			{"mailbox?", "table", "the selected mailbox: name, exists, uidvalidity, readonly, ..."},
			{"state", "string", `"not authenticated", "authenticated", "selected", "logout"`},
			{"utf8?", "boolean", "true once ENABLE UTF8=ACCEPT succeeded: mailbox names travel as UTF-8"},
		}},
		{Name: "imap.ListEntry", Kind: Record, Summary: "a mailbox from i:list or i:lsub", Fields: []Field{
			{"name", "string", "UTF-8 (decoded from modified UTF-7; kept as sent when it is not)"},
			{"raw", "string", "the name as the server sent it"},
			{"delimiter?", "string", "hierarchy delimiter (nil: flat)"},
			{"flags", "string[]", `\HasChildren, \Noselect, ...`},
		}},
		{Name: "imap.RetireResult", Kind: Record, Extends: "imap.Result", Summary: "what i:delete and i:rename return", Fields: []Field{
			{"dry_run?", "boolean", "--dry-run: nothing was sent"},
			{"messages?", "integer", "--dry-run or --journal: how many messages the mailbox held"},
		}},
		{Name: "imap.Arg", Kind: Record, Summary: "an argument built by imap.string, imap.literal, imap.secret, imap.raw"},
		{Name: "imap.Result", Kind: Record, Summary: "a command's completion: i:cmd", Fields: []Field{
			{"status", "string", `"OK", "NO" or "BAD"`},
			{"code?", "string", "response code: APPENDUID, READ-ONLY, ..."},
			{"code_args?", "table", ""},
			{"code_text?", "string", ""},
			{"text", "string", ""},
			{"tag", "string", ""},
			{"command", "string", "the command as sent (secrets masked)"},
			{"untagged", "table[]", "the untagged responses that belong to it"},
		}},
		{Name: "imap.ArgOptions", Kind: Options, Summary: "options of imap.string and imap.literal", Fields: []Field{
			{"secret?", "boolean", "mask the value in transcripts"},
		}},
		{Name: "imap.CmdOptions", Kind: Options, Summary: "options of i:cmd", Fields: []Field{
			{"timeout?", "number", "seconds until the tagged completion (a deadline: untagged data does not extend it)"},
			{"file?", "string|function", "FETCH message literals to files (a path, or function(info) -> path); written as PATH.partial, renamed when complete"},
			{"continue?", "function", "continue(cont) -> line|nil: answers \"+\" requests"},
			{"secret_continue?", "boolean", "mask the continuation lines"},
		}},
		{Name: "imap.TimeoutOptions", Kind: Options, Summary: "{timeout = seconds}", Fields: []Field{
			{"timeout?", "number", "seconds until the tagged completion (a deadline: untagged data does not extend it)"},
		}},
		{Name: "imap.SelectOptions", Kind: Options, Summary: "options of i:select and i:examine", Fields: []Field{
			{"readonly?", "boolean", "EXAMINE instead of SELECT"},
			{"timeout?", "number", "seconds"},
		}},
		{Name: "imap.AppendOptions", Kind: Options, Summary: "options of i:append", Fields: []Field{
			{"flags?", "string|string[]", `"(\\Seen)" or {"\\Seen"}`},
			{"date?", "string", "INTERNALDATE"},
			{"timeout?", "number", "seconds"},
		}},
		{Name: "imap.FetchOptions", Kind: Options, Summary: "options of i:fetch and i:uid_fetch", Fields: []Field{
			{"timeout?", "number", "seconds"},
			{"file?", "string|function", "message literals to files; the item's value is then its byte count"},
		}},
		{Name: "imap.UIDOptions", Kind: Options, Summary: "options of the destructive helpers", Fields: []Field{
			{"timeout?", "number", "seconds"},
			{"uidvalidity?", "integer", "the UIDVALIDITY the UIDs belong to (checked)"},
		}},
		{Name: "imap.IdleOptions", Kind: Options, Summary: "options of i:idle", Fields: []Field{
			{"poll?", "number", "NOOP interval without IDLE, seconds (default 5)"},
			{"ready?", "function", "called each time the server idles"},
		}},
		{Name: "imap.UIDList", Kind: Record, Summary: "numbers from a search, in order ([1], [2], ...), and the mailbox's uidvalidity for UIDs", Fields: []Field{
			{"uidvalidity?", "integer", "the UIDVALIDITY the UIDs belong to (checked by the destructive helpers)"},
		}},
		{Name: "imap.FetchResult", Kind: Record, Summary: "FETCH records in the server's order ([1], [2], ...: {seq =, UID =, [\"RFC822.SIZE\"] =, ...}), and uidvalidity", Fields: []Field{
			{"uidvalidity?", "integer", "the selected mailbox's UIDVALIDITY"},
		}},
		{Name: "imap.DryRun", Kind: Record, Summary: "what a destructive helper returns under --dry-run instead of acting", Fields: []Field{
			{"status", "string", `"OK"`}, {"text", "string", `"dry-run"`}, {"dry_run?", "boolean", "true"},
			{"uids", "integer[]", "the UIDs it would have acted on"},
		}},
		{Name: "imap.Mailbox", Kind: Record, Summary: "what i:select returns", Fields: []Field{
			{"name", "string", ""}, {"exists", "integer", ""}, {"recent?", "integer", ""},
			{"uidvalidity", "integer", ""}, {"uidnext?", "integer", ""}, {"flags", "string[]", ""},
			{"permanentflags?", "string[]", ""}, {"unseen?", "integer", ""}, {"highestmodseq?", "integer", ""},
			{"readonly", "boolean", ""},
		}},
	},
	Funcs: []Func{
		{Sig: "imap.open(opts: imap.OpenOptions) -> imap.Client", Summary: "connect, STARTTLS (unless tls is implicit or none) and log in (when user is given)", Errors: openKinds,
			Doc: `    local i = imap.open{url = "imaps://mail.example.com", user = "me", pass = secret_env("PASS")}`},
		{Sig: "imap.connect(opts: imap.OpenOptions) -> imap.Client", Summary: "connect and read the greeting only", Errors: openKinds},
		{Sig: "imap.string(x: string, opts?: imap.ArgOptions) -> imap.Arg", Summary: "an IMAP string: quoted when safe, else a literal",
			Doc: `    i:cmd{"SELECT", imap.string("Sent Items")}`},
		{Sig: "imap.literal(x: string, opts?: imap.ArgOptions) -> imap.Arg", Summary: "always a literal (APPEND's message)"},
		{Sig: "imap.secret(x: string) -> imap.Arg", Summary: "an IMAP string masked as *** and registered as a secret"},
		{Sig: "imap.raw(x: string) -> imap.Arg", Summary: "sent as is"},
		{Sig: "imap.date(epoch: number) -> string", Summary: `the UTC day of epoch as SEARCH wants it: "1-Jan-2024"`,
			Doc: `    i:uid_search{"BEFORE", imap.date(time() - 365 * 86400)}`},
		{Sig: "imap.internaldate(s?: string) -> integer|nil", Summary: "an INTERNALDATE as epoch seconds, or nil"},
		{Sig: "imap.envelope(v: any) -> table|nil", Summary: "a FETCH ENVELOPE value as {date, subject, from, to, cc, ..., message_id}"},
		{Sig: "imap.Client:cmd(cmd: string|table, opts?: imap.CmdOptions) -> imap.Result", Summary: "send one command (a line, or a table of arguments) and return its result; NO/BAD are returned",
			Errors: cmdKinds,
			Doc: `    i:cmd("NOOP")
    i:cmd{"UID", "SEARCH", "SUBJECT", imap.string(x)}   -- quoted or a literal`},
		{Sig: "imap.Client:pipeline(cmds: (string|table)[], opts?: imap.TimeoutOptions) -> imap.Result[]", Summary: "send several commands before reading; results in order", Errors: cmdKinds},
		{Sig: "imap.Client:capability() -> caps: table<string, string|boolean>, result: imap.Result", Summary: "CAPABILITY (kept as i.caps)", Errors: stepKinds},
		{Sig: "imap.Client:starttls() -> imap.Result", Summary: "STARTTLS, the handshake (i.session.tls) and CAPABILITY again", Errors: []string{"tls", "timeout", "eof", "reply", "protocol"}},
		{Sig: "imap.Client:auth() -> imap.Result", Summary: "log in with the open options' user/pass/token and mechanism", Errors: stepKinds},
		{Sig: "imap.Client:login() -> imap.Result", Summary: "the same as i:auth()", Errors: stepKinds},
		{Sig: "imap.Client:select(name: string|imap.Arg, opts?: imap.SelectOptions) -> imap.Mailbox", Summary: "SELECT a mailbox (EXAMINE under --dry-run or readonly)", Errors: stepKinds,
			Doc: `    local box = i:select("INBOX")   -- box.exists, box.uidvalidity, box.readonly`},
		{Sig: "imap.Client:examine(name: string|imap.Arg, opts?: imap.SelectOptions) -> imap.Mailbox", Summary: "EXAMINE: open a mailbox read-only", Errors: stepKinds},
		{Sig: "imap.Client:list(ref?: string|imap.Arg, pattern?: string|imap.Arg) -> imap.ListEntry[]", Summary: "LIST mailboxes (default pattern \"*\"); names in UTF-8", Errors: stepKinds,
			Doc: `    for _, mb in ipairs(i:list("", "*")) do print(mb.name, table.concat(mb.flags, " ")) end`},
		{Sig: "imap.Client:lsub(ref?: string|imap.Arg, pattern?: string|imap.Arg) -> imap.ListEntry[]", Summary: "LSUB: the subscribed mailboxes", Errors: stepKinds},
		{Sig: "imap.Client:create(name: string|imap.Arg) -> imap.Result", Summary: "CREATE a mailbox", Errors: stepKinds,
			Doc: `    i:create("Entwürfe")   -- sent as "Entw&APw-rfe"`},
		{Sig: "imap.Client:delete(name: string|imap.Arg) -> imap.RetireResult", Summary: "DELETE a mailbox and its messages: journaled; under --dry-run only reported", Errors: stepKinds},
		{Sig: "imap.Client:rename(from: string|imap.Arg, to: string|imap.Arg) -> imap.RetireResult", Summary: "RENAME a mailbox: journaled like a deletion; under --dry-run only reported", Errors: stepKinds},
		{Sig: "imap.Client:subscribe(name: string|imap.Arg) -> imap.Result", Summary: "SUBSCRIBE", Errors: stepKinds},
		{Sig: "imap.Client:unsubscribe(name: string|imap.Arg) -> imap.Result", Summary: "UNSUBSCRIBE", Errors: stepKinds},
		{Sig: "imap.Client:enable_utf8() -> boolean", Summary: "ENABLE UTF8=ACCEPT when offered (done after login unless utf8 = false); whether names travel as UTF-8", Errors: stepKinds},
		{Sig: "imap.Client:status(name: string|imap.Arg, items?: string|string[]) -> table<string, integer>", Summary: "STATUS items of a mailbox (default MESSAGES UIDNEXT UIDVALIDITY UNSEEN)", Errors: stepKinds,
			Doc: `    local st = i:status("INBOX")   -- st.MESSAGES, st.UNSEEN`},
		{Sig: "imap.Client:append(name: string|imap.Arg, message: string, opts?: imap.AppendOptions) -> imap.Result", Summary: "APPEND a message; uid and uidvalidity from APPENDUID when given", Errors: stepKinds,
			Doc: `    local r = i:append("Drafts", raw, {flags = {"\\Draft"}})   -- r.uid with UIDPLUS`},
		{Sig: "imap.Client:noop() -> imap.Result", Summary: "NOOP (collects mailbox updates)", Errors: stepKinds},
		{Sig: "imap.Client:search(criteria?: string|(string|number|imap.Arg)[], opts?: imap.TimeoutOptions) -> imap.UIDList", Summary: "SEARCH: message numbers",
			Errors: stepKinds, Hint: `pass several keys as one string ("UNSEEN FROM x") or a table {"UNSEEN", "FROM", imap.string(x)}`},
		{Sig: "imap.Client:uid_search(criteria?: string|(string|number|imap.Arg)[], opts?: imap.TimeoutOptions) -> imap.UIDList", Summary: "UID SEARCH: UIDs (the list carries the mailbox's uidvalidity)",
			Errors: stepKinds, Hint: `pass several keys as one string ("UNSEEN FROM x") or a table {"UNSEEN", "FROM", imap.string(x)}`,
			Doc: `    local uids = i:uid_search("UNSEEN")
    local uids = i:uid_search{"FROM", imap.string(addr), "SINCE", imap.date(time() - 86400)}`},
		{Sig: "imap.Client:fetch(set: integer|string|table, items: string|string[], opts?: imap.FetchOptions) -> imap.FetchResult", Summary: "FETCH: records keyed by the server's item names, upper-cased", Errors: stepKinds,
			Doc: `    for _, r in ipairs(i:fetch("1:5", "(UID FLAGS RFC822.SIZE)")) do print(r.seq, r.UID, r["RFC822.SIZE"]) end`},
		{Sig: "imap.Client:uid_fetch(set: integer|string|table, items: string|string[], opts?: imap.FetchOptions) -> imap.FetchResult", Summary: "UID FETCH: records keyed by the server's item names, upper-cased", Errors: stepKinds,
			Doc: `    local recs = i:uid_fetch(uids, {"UID", "BODY.PEEK[HEADER.FIELDS (SUBJECT DATE)]"})`},
		{Sig: "imap.Client:uid_store(uids: integer|string|table, op: string, flags: string|string[], opts?: imap.UIDOptions) -> table[]|imap.DryRun", Summary: "UID STORE flags; \\Deleted is a commit point; under --dry-run it reports",
			Errors: stepKinds,
			Doc: `    i:uid_store(uids, "+FLAGS.SILENT", {"\\Deleted"})
    i:uid_expunge(uids)`},
		{Sig: "imap.Client:uid_expunge(uids: integer|string|table, opts?: imap.UIDOptions) -> integer[]|imap.DryRun", Summary: "UID EXPUNGE exactly these UIDs (needs UIDPLUS); a commit point", Errors: stepKinds,
			Doc: `    i:uid_expunge(uids)     -- only these UIDs, never others' \Deleted`},
		{Sig: "imap.Client:uid_copy(uids: integer|string|table, dest: string|imap.Arg, opts?: imap.UIDOptions) -> table", Summary: "UID COPY to another mailbox", Errors: stepKinds},
		{Sig: "imap.Client:uid_move(uids: integer|string|table, dest: string|imap.Arg, opts?: imap.UIDOptions) -> table|imap.DryRun", Summary: "UID MOVE (or COPY + STORE + UID EXPUNGE of exactly those UIDs); a commit point", Errors: stepKinds,
			Doc: `    i:uid_move(uids, "Archive")`},
		{Sig: "imap.Client:idle(timeout: number, fn?: function, opts?: imap.IdleOptions) -> table[]", Summary: "wait for mailbox updates with IDLE (NOOP polling without it); fn(event) true ends it", Errors: stepKinds,
			Doc: `    local events = i:idle(60, function(ev) return ev.name == "EXISTS" end)`},
		{Sig: "imap.Client:logout() -> imap.Result|nil", Summary: "LOGOUT and close (never expunges)"},
		{Sig: "imap.Client:close()", Summary: "close the connection (not IMAP CLOSE, which expunges)"},
	},
}

func registerIMAP() {
	Register(imapAPI)
}
