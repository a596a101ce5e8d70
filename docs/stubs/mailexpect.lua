---@meta
-- mailexpect's globals for lua-language-server. Generated from luabind/apispec
-- by "go test ./luabind/apispec -update"; do not edit.

---Open a TCP (or implicit TLS) connection to a mail server.
---
---addr is "host:port", "[v6]:port" or a URL whose scheme gives the port
---and TLS mode: smtp 25, submission 587, smtps 465, lmtp 24, pop3 110,
---pop3s 995, imap 143, imaps 993; "unix:/path" is a Unix-domain socket, and
---"mx:domain[:port]" tries the domain's MX hosts in preference order (port 25;
---a domain without MX is its own, a null MX is an error). Certificates are verified by default
---(against the system roots, ca_file and MAILEXPECT_CA_FILE); STARTTLS is a
---step, s:starttls(), after the server's go-ahead.
---
---    local s = connect("smtp://127.0.0.1:2525", {timeout = 5})
---    s:expect([[^220 ]])
---@param addr string
---@param opts? ConnectOptions
---@return session
function connect(addr, opts) end

---An environment variable, or nil when unset.
---
---    local host = env("MAILEXPECT_SMTP") or "localhost:25"
---@param name string
---@return string|nil
function env(name) end

---A literal pattern: exact"250 OK" matches those bytes, no regex syntax.
---
---    s:expect(exact"250 2.0.0 Ok: queued as")   -- no regex syntax
---@param text string
---@return regex
function exact(text) end

---End the run with an exit code 0-255 (true is 0, false 1); pcall cannot catch it.
---
---os.exit is the same function. In a monitoring check, check.exit(state) is the one to call.
---@param code? integer|boolean
function exit(code) end

---Read a line from the terminal without echo (registered as a secret).
---
---Inside s:interact it asks on the interact's terminal. Without a terminal it
---raises usage at once: a script run from cron must never wait for a person.
---@param prompt? string
---@return string
function getpass(prompt) end

---HMAC-MD5 of data under key as lower-case hex (CRAM-MD5).
---
---    local answer = user .. " " .. hmac_md5(pass, base64.decode(challenge))
---@param key string
---@param data string
---@return string
function hmac_md5(key, data) end

---Write a line to the transcript and, unless -q, to stderr (secrets masked).
---
---    log("mailbox", row.user, "has", n, "messages")   -- transcript and stderr
---@param ... any
function log(...) end

---MD5 of data as lower-case hex (APOP, CRAM-MD5).
---
---    local digest = md5(timestamp .. pass)      -- APOP
---@param data string
---@return string
function md5(data) end

---The login and password for host from $NETRC or ~/.netrc (password registered as a secret).
---
---    local user, pass = netrc("mail.example.com")
---@param host string
---@param login? string
---@return string|nil login
---@return string|nil password
function netrc(host, login) end

---Monotonic seconds (float) since an arbitrary origin: for durations.
---
---    local t0 = now()
---    c:send{from = a, to = b, body = "x"}
---    print(("sent in %.3fs"):format(now() - t0))
---@return number
function now() end

---Parse a script's own flags, getopt style.
---
---A spec key lists an option's names separated by "|" (one letter: -w, more:
-----warn); the result field is the longest name. The default's type is the
---option's type; options.string, options.number and options.list declare
---one without a default. "_usage" is the usage line: printed for -h/--help
---and added to parse errors; "_help", when given, is printed for -h/--help
---instead (the whole help text). Options may come anywhere before "--";
----jv combines short flags; --no-x negates. options.usage(msg) raises the
---script's own usage errors the same way.
---
---    local opt, rest = options(arg, {
---      _usage = "probe.lua [-w SECONDS] HOST",
---      ["w|warn"] = 5, json = false, ["r|rcpt"] = options.list,
---    })
---@class mailexpect.options
---@overload fun(args: table<integer, string>, spec: table): table, string[]
---@field list any in an options() spec: a repeatable string option, collected in a list
---@field number any in an options() spec: a number option without a default
---@field string any in an options() spec: a string option without a default
options = {}

---Raise a usage error for the script's command line (exit 2, the _usage line after it).
---
---For what options() cannot check itself ("no server: give an ADDRESS").
---Uncaught, it prints "SCRIPT: message" and the spec's _usage line and
---exits 2; a check script shows UNKNOWN with the usage line in the long
---output. In a bulk run, raised before the script read any column of row
---(a bad command line, the same for every row) it stops the run at the
---first row, exit 2; raised after (a bad value in a column) it fails that
---row only. A parse error of options(arg, ...) always stops the run.
---@param message string
function options.usage(message) end

---Print to the run's output (secrets masked; rows prefixed in bulk runs).
---
---    print("found", n, "messages")    -- tab-separated, like Lua's print
---@param ... any
function print(...) end

---The run's reference time in epoch seconds: what "older than N days" is measured from.
---
---The run's start; in a bulk run (--each) the start of the first run, which
---a --resume'd run reuses, so that both runs mean the same messages.
---@return number
function ref_time() end

---Register value as a secret: masked as *** in every transcript, log, print, result and error.
---
---    local pass = secret(arg[2])   -- masked from here on
---@param value string
---@return string
function secret(value) end

---An environment variable registered as a secret; raises when unset unless a default is given.
---
---    local pass = secret_env("SMTP_PASS")
---    local token = secret_env("TOKEN", nil)   -- nil instead of raising when unset
---@param name string
---@param default? any
---@return string|any value
function secret_env(name, default) end

---A file's content without its final line end, registered as a secret; warns unless mode 0600.
---
---    local pass = secret_file(os.getenv("HOME") .. "/.mailpass")
---@param path string
---@return string
function secret_file(path) end

---Pause; returns early (raising timeout) when the run is cancelled.
---
---    sleep(0.5)
---@param seconds number
function sleep(seconds) end

---A session over a local program's stdin/stdout (no shell), with every method of connect's.
---
---s:close() closes its input, waits kill_after seconds, then sends SIGTERM and
---SIGKILL, and returns the exit status and the signal name. A program that
---ends mid-expect is kind eof with err.exit_status; one that cannot be
---started (not found, not executable) is kind connect.
---
---    local c = smtp.open{session = spawn{"/usr/sbin/sendmail", "-bs"}}
---    local s = spawn({"doveadm", "exec", "imap", "-u", "user1"}, {stderr = "merge"})
---@param cmd SpawnCommand
---@param opts? SpawnOptions
---@return session
function spawn(cmd, opts) end

---Wall-clock time in epoch seconds (float).
---
---    local age = time() - mail.parse_date(h.date)
---@return number
function time() end

---The script's arguments, arg[0] the script name (as lua(1) sets it).
---@type table<integer, string>
arg = nil

---True under --dry-run (read-only; the modules read the flag from Go).
---@type boolean
dry_run = nil

---Returned by an expect handler: run the same expect again with a fresh timer.
---@type any
exp_continue = nil

---The current row of a bulk run (--each), read-only; secret columns are registered secrets.
---@type table<string, string>
row = nil

---The embedded server's addresses, CA file and demo users (read-only).
---@type SandboxInfo
sandbox = nil

---What every protocol client has: smtp.Client, pop3.Client and imap.Client extend it.
---@class Client
---@field session session the raw session
---@field timings table<string, number> seconds per step: connect, greeting, starttls, auth and the protocol's own (smtp: ehlo, mail, rcpt, data, rset, quit; pop3: user, capa, stls, stat, list, uidl, retr, top, dele, rset, noop, quit; imap: select, search, fetch, store, expunge, move); check.timings reports them
---@field label string the server as named in messages

---The options every protocol module's open and connect take.
---@class ClientOptions
---@field url? string "smtp://host[:port]", "submission://", "smtps://", "lmtp://", "pop3[s]://", "imap[s]://": port and TLS mode; smtp also "mx:domain[:port]" (the MX hosts in order)
---@field host? string the server (or url)
---@field port? integer|string default by protocol and TLS mode
---@field user? string login name; with it open authenticates
---@field pass? string password (registered as a secret)
---@field auth? string the mechanism: plain, login, cram-md5, scram-sha-1, scram-sha-256, oauthbearer, xoauth2, user, apop (pop3), login-command (imap)
---@field authzid? string authorization identity for SASL PLAIN, SCRAM and OAUTHBEARER
---@field token? string OAuth bearer token for OAUTHBEARER (when offered) or XOAUTH2 (registered as a secret)
---@field tls? "implicit"|"starttls"|"none"|boolean default implicit for 465/993/995 and *s schemes, else starttls, required; "none" must be said
---@field allow_plaintext_auth? boolean allow PLAIN/LOGIN/USER without TLS
---@field timeout? number seconds per step (default --timeout, else 10)
---@field connect_timeout? number DNS + TCP + TLS, seconds
---@field timeouts? Timeouts per phase: greeting, command, data_end
---@field servername? string the name checked against the certificate (default: the host)
---@field insecure? boolean skip certificate verification (s.tls.verify_error still says why it would fail)
---@field ca_file? string PEM file of CAs added to the system roots (not under --restricted)
---@field cert_file? string PEM client certificate sent when the server asks (with key_file; not under --restricted)
---@field key_file? string PEM private key of cert_file
---@field min_version? "1.2"|"1.3" lowest TLS version accepted (default 1.2)
---@field pin? string|string[] "sha256/<base64 SPKI hash>" (curl's --pinnedpubkey): the server's key must be one of these, even when insecure; a mismatch is kind tls naming both
---@field proxy? string "socks5://[user:pass@]host:port" (names resolved here), "socks5h://..." (by the proxy), "http://host:port" (CONNECT), or "env" (ALL_PROXY, NO_PROXY); not under --restricted
---@field unix_socket? string dial this Unix-domain socket instead of the host (curl's --unix-socket; connect("unix:/path") is the same)
---@field resolver? string the DNS server for the host and mx:domain lookups, "ip[:port]" (default: the system's)
---@field match_max? integer bytes of unmatched data buffered before an overflow (default 8 MiB)
---@field label? string the session's name in transcripts (default: the address as written)
---@field session? session run over this session (from connect or spawn) instead of connecting; TLS mode none unless tls = "starttls"

---Options of connect.
---@class ConnectOptions
---@field timeout? number default expect timeout of the session, seconds (default --timeout, else 10)
---@field connect_timeout? number DNS + TCP + TLS handshake, seconds (default: timeout)
---@field tls? "implicit"|"none"|boolean "implicit" (or true): TLS from the first byte; STARTTLS is s:starttls()
---@field servername? string the name checked against the certificate (default: the host)
---@field insecure? boolean skip certificate verification (s.tls.verify_error still says why it would fail)
---@field ca_file? string PEM file of CAs added to the system roots (not under --restricted)
---@field cert_file? string PEM client certificate sent when the server asks (with key_file; not under --restricted)
---@field key_file? string PEM private key of cert_file
---@field min_version? "1.2"|"1.3" lowest TLS version accepted (default 1.2)
---@field pin? string|string[] "sha256/<base64 SPKI hash>" (curl's --pinnedpubkey): the server's key must be one of these, even when insecure; a mismatch is kind tls naming both
---@field proxy? string "socks5://[user:pass@]host:port" (names resolved here), "socks5h://..." (by the proxy), "http://host:port" (CONNECT), or "env" (ALL_PROXY, NO_PROXY); not under --restricted
---@field unix_socket? string dial this Unix-domain socket instead of the host (curl's --unix-socket; connect("unix:/path") is the same)
---@field resolver? string the DNS server for the host and mx:domain lookups, "ip[:port]" (default: the system's)
---@field match_max? integer bytes of unmatched data buffered before an overflow (default 8 MiB)
---@field label? string the session's name in transcripts (default: the address as written)

---What expect and regex:match return.
---
---m[0] is the whole match, m[1]..m[n] the groups (false when unmatched), named groups are fields.
---@class Match
---@field before string the unconsumed text before the match
---@field line string the line in which the match ends, without CRLF
---@field case? integer the index of the case that won (expect)
---@field n integer the number of groups

---One SMTP-style reply: s:reply() and the smtp module.
---@class Reply
---@field code integer 250
---@field enhanced? string RFC 3463 code "2.1.5", when the last line has one
---@field lines string[] the texts after "250-"/"250 "
---@field text string the lines joined by \n

---The global sandbox under --sandbox.
---@class SandboxInfo
---@field smtp string host:port of the SMTP listener
---@field pop3 string host:port of the POP3 listener
---@field imap string host:port of the IMAP listener
---@field smtps string host:port of the implicit-TLS SMTP listener
---@field pop3s string host:port of the implicit-TLS POP3 listener
---@field imaps string host:port of the implicit-TLS IMAP listener
---@field lmtp string host:port of the LMTP listener
---@field ca_file string the CA certificate every connect trusts
---@field users {user: string, pass: string, address: string}[] the demo users

---{program, arg, ...}: one string per argument, plus SpawnOptions keys.
---@class SpawnCommand: SpawnOptions
---@field [integer] string

---Options of spawn (also allowed as keys of the command table).
---@class SpawnOptions
---@field pty? boolean run the program on a pseudo-terminal
---@field stderr? "inherit"|"merge"|"discard" where the program's stderr goes (default inherit)
---@field env? table<string, string> NAME = value pairs added to (or replacing) mailexpect's environment
---@field dir? string working directory
---@field kill_after? number seconds s:close() waits before SIGTERM (default 2)
---@field timeout? number default expect timeout, seconds
---@field match_max? integer receive buffer bound in bytes
---@field label? string the session's name in transcripts

---Per-phase timeouts in seconds.
---@class Timeouts
---@field greeting? number the server's banner
---@field command? number each command's reply
---@field data_end? number SMTP: the reply after the message's final dot

---One case: {pattern, handler, partial = true, lines = K}.
---@class expect.Case
---@field partial? boolean also try against an incomplete last line (prompts)
---@field lines? integer window of lines for a pattern that can span any number of lines
---@field [1] string|regex a Go RE2 pattern (line at a time), exact"..." or a regex
---@field [2] function called with the match; its results are expect's

---The table form of s:expect: cases, then keys.
---@class expect.Cases
---@field timeout? number seconds, for this call
---@field on_timeout? function on_timeout(err): instead of raising; may return exp_continue
---@field on_eof? function on_eof(err)
---@field on_full? function on_full(data, err): the buffer overflowed match_max
---@field [integer] string|regex|expect.Case

---The cases of s:guard.
---@class expect.Guards
---@field [integer] string|regex|expect.Case

---A compiled pattern: regex.compile, exact.
---@class regex
---@field pattern string the pattern as written
local regex = {}

---1-based inclusive start and end of the first match (Lua style), or nil.
---
---    local i, j = re:find("x 250 y")   -- 3, 5
---@param s string
---@param init? integer
---@return integer|nil start
---@return integer|nil finish
function regex:find(s, init) end

---An iterator over match objects, for a generic for.
---
---    for m in regex.compile([[\d+]]):gmatch("1 22 333") do print(m[0]) end
---@param s string
---@return function
function regex:gmatch(s) end

---The first match object, or nil.
---
---    local m = regex.compile([[^(\d{3})[ -](.*)$]]):match("250-PIPELINING")
---    print(m[1], m[2])   -- 250  PIPELINING
---@param s string
---@return Match|nil
function regex:match(s) end

---Replace matches (repl is "$1"/"${name}" or function(m) -> string); also returns how many.
---
---    re:replace(text, "<$1>")
---    re:replace(text, function(m) return m[1]:upper() end)
---@param s string
---@param repl string|function
---@return string result
---@return integer count
function regex:replace(s, repl) end

---Split s around the matches (n > 0: at most n parts).
---
---    local parts = regex.compile([[\s*,\s*]]):split("a, b ,c")   -- {"a", "b", "c"}
---@param s string
---@param n? integer
---@return string[]
function regex:split(s, n) end

---A connection made by connect (also c.session of every module client).
---
---Every method raises an error object (err.kind) on failure; a timeout or
---EOF without a handler names the awaited patterns and quotes the tail of
---what was received.
---@class session
---@field tls session.TLSInfo|nil nil before TLS, else the handshake's facts
---@field label string the session's name in transcripts
---@field pid? integer spawned: the program's process id
---@field exit_status? integer spawned: the exit status once it ended (128+n for signal n)
---@field exit_signal? string spawned: the signal that ended it
local session = {}

---Close the connection (idempotent); a spawned program: wait for it, return its exit status.
---
---    s:close()
---    local status, signal = spawned:close()   -- a spawned program's exit status
---@return integer|nil exit_status
---@return string|nil signal
function session:close() end

---Discard the unread buffered data and return it.
---
---    log("discarded: " .. s:drain())
---@return string
function session:drain() end

---Wait for a pattern, or branch on several.
---
---Matching is decided at line ends: after each line, every case is tried;
---the earliest match wins, a tie goes to the case listed first. A string is a
---Go RE2 regex in multi-line mode; . and \s never cross CR/LF unless (?s).
---
---    local m = s:expect([[^250 (.*)$]])         -- m[1], m.before, m.line
---    s:expect{
---      {[[^250 ]], function(m) return "ok" end},
---      {[[^4\d\d ]], function(m) return exp_continue end},
---      timeout = 5, on_eof = function(err) return nil end,
---    }
---@param pattern string|regex|expect.Cases
---@param timeout? number
---@return any ...
function session:expect(pattern, timeout) end

---Add cases tried on every later expect of the session (^421, ^\* BYE).
---
---    s:guard{ {[[^421 ]], function(m) error("server closing: " .. m.line) end} }
---    s:guard{ [[^\* BYE]] }    -- without a handler: expect returns its match
---@param cases expect.Guards
function session:guard(cases) end

---Hand the session to the person at the terminal until ~., their EOF, the server closing or a pattern.
---
---What the person types is sent with CRLF; what the server sends is shown as
---it arrives (control characters escaped, secrets masked). why is "escape"
---(~.), "eof" (Ctrl-D or Ctrl-C), "closed" (the server hung up) or "match"
---(match is the match object; m.case: which pattern). ~? lists the local
---commands, ~~ sends a line starting with ~. Guards are not tried. Without a
---terminal it raises usage at once (unless pipe = true).
---
---    local why, m = s:interact{ [[^\* BYE]] }   -- back when the server says BYE
---@param opts? session.InteractOptions
---@return string why
---@return Match|nil match
function session:interact(opts) end

---How many unread lines are buffered.
---
---    if s:pending() > 0 then log("unread: " .. s:drain()) end
---@return integer
function session:pending() end

---Exactly n bytes, no matching (IMAP literals).
---
---    local n = tonumber(s:expect([[\{(\d+)\}$]])[1])
---    local literal = s:read(n)
---@param n integer
---@param timeout? number
---@return string
function session:read(n, timeout) end

---A dot-terminated body (POP3), unstuffed; with file: its size.
---
---    s:sendline("RETR 1")
---    s:expect([[^\+OK]])
---    local msg = s:read_dot()                        -- unstuffed, CRLF line ends
---    local size = s:read_dot{file = "/tmp/m1.eml"}   -- streamed to a 0600 file
---@param opts? session.ReadDotOptions
---@return string|integer
function session:read_dot(opts) end

---The next line without its CRLF; nil at EOF.
---
---    local line = s:readline(5)          -- "+OK ready", or nil at EOF
---    while true do
---      local l = s:readline()
---      if l == nil or l == "." then break end
---    end
---@param timeout? number
---@return string|nil
function session:readline(timeout) end

---Read one whole ddd-/ddd reply.
---
---    s:sendline("EHLO client.example")
---    local r = s:reply()                 -- r.code 250, r.lines {"mx", "PIPELINING", ...}
---    if r.code ~= 250 then error("EHLO refused: " .. r.text) end
---@param timeout? number
---@return Reply
function session:reply(timeout) end

---Send bytes as they are.
---
---    s:send("A001 LOGIN " .. user .. " ")
---    s:send(imap_literal, {secret = true})   -- shown as *** in transcripts
---@param data string
---@param opts? session.SendOptions
function session:send(data, opts) end

---Send a body: CRLF-normalised, dot-stuffed, terminated by CRLF.CRLF.
---
---    s:sendline("DATA")
---    s:expect([[^354 ]])
---    s:send_dot("Subject: hi\r\n\r\n.leading dot is doubled\r\n")
---    s:expect([[^250 ]])
---@param data string
function session:send_dot(data) end

---Send line .. CRLF; refuses CR, LF or NUL inside line.
---
---    s:sendline("EHLO client.example")
---    s:sendline("PASS " .. pass, {secret = true})
---@param line string
---@param opts? session.SendOptions
function session:sendline(line, opts) end

---Upgrade in place after the server's go-ahead; refuses buffered data.
---
---    s:sendline("STARTTLS")
---    s:expect([[^220 ]])
---    local tls = s:starttls()     -- tls.version, tls.peer.subject, tls.peer.not_after
---@param opts? session.TLSOptions
---@return session.TLSInfo
function session:starttls(opts) end

---A certificate in s.tls.peer.
---@class session.Certificate
---@field subject string
---@field issuer string
---@field not_before integer epoch seconds
---@field not_after integer epoch seconds
---@field dns_names string[] subject alternative names
---@field fingerprint string SHA-256 of the certificate as openssl prints it (AB:CD:...)
---@field spki string the key's pin, "sha256/<base64>" (the form pin = takes)
---@field chain? session.Certificate[] peer only: every certificate the server sent, leaf first

---{pattern, partial = true, lines = K}: a pattern with the options of an expect case.
---@class session.InteractCase
---@field partial? boolean also try against an incomplete last line (prompts)
---@field lines? integer window of lines for a pattern that can span any number of lines
---@field [1] string|regex a Go RE2 pattern (line at a time), exact"..." or a regex

---S:interact's table: patterns that give the session back, then keys.
---@class session.InteractOptions
---@field commands? table<string, function|table> local commands: name = fn(args) or {fn, help = "...", args = "..."}, typed as ~name args
---@field pipe? boolean without a terminal, read lines from stdin instead of raising (no editing, no getpass)
---@field [integer] string|regex|session.InteractCase

---Options of s:read_dot.
---@class session.ReadDotOptions
---@field file? string write the body to this file (created 0600) and return its size
---@field timeout? number seconds
---@field size? integer expected size in bytes: the buffer is reserved once (at most 128 MiB), and the body may be up to twice that

---Options of s:send and s:sendline.
---@class session.SendOptions
---@field secret? boolean show the data as *** in transcripts

---S.tls: what the TLS handshake settled.
---@class session.TLSInfo
---@field version string "TLS 1.3"
---@field cipher string the cipher suite's name
---@field server_name string the name verified (SNI)
---@field verified boolean the chain and name verified
---@field verify_error? string why verification failed (set also when insecure)
---@field peer session.Certificate the server's leaf certificate

---Options of s:starttls.
---@class session.TLSOptions
---@field servername? string the name checked against the certificate (default: the host)
---@field insecure? boolean skip certificate verification (s.tls.verify_error still says why it would fail)
---@field ca_file? string PEM file of CAs added to the system roots (not under --restricted)
---@field cert_file? string PEM client certificate sent when the server asks (with key_file; not under --restricted)
---@field key_file? string PEM private key of cert_file
---@field min_version? "1.2"|"1.3" lowest TLS version accepted (default 1.2)
---@field pin? string|string[] "sha256/<base64 SPKI hash>" (curl's --pinnedpubkey): the server's key must be one of these, even when insecure; a mismatch is kind tls naming both

---Standard base64 (RFC 4648); decode tolerates missing padding and whitespace.
base64 = {}

---Decode base64; nil and a message for bad input.
---
---    local challenge, err = base64.decode(m[1])
---    if not challenge then error("bad challenge: " .. err) end
---@param text string
---@return string|nil data
---@return string|nil err
function base64.decode(text) end

---Encode bytes as base64.
---
---    s:sendline("AUTH PLAIN " .. base64.encode("\0" .. user .. "\0" .. pass), {secret = true})
---@param data string
---@return string
function base64.encode(data) end

---DNS lookups: MX (by preference), A/AAAA, TXT; the system's resolver or resolver = "ip:port".
dns = {}

---The name's IPv4 and IPv6 addresses; {} when none; nil and the reason when the lookup failed.
---
---    local ips = assert(dns.a("mail.example.com"))
---@param name string
---@param opts? dns.Options
---@return string[]|nil addresses
---@return string|nil err
function dns.a(name, opts) end

---The domain's MX records, lowest preference first; {} when it has none; nil and the reason when the lookup failed.
---
---    for _, m in ipairs(assert(dns.mx("example.com"))) do print(m.pref, m.host) end
---@param domain string
---@param opts? dns.Options
---@return dns.MX[]|nil records
---@return string|nil err
function dns.mx(domain, opts) end

---The name's TXT records (SPF, DMARC at _dmarc.name); {} when none.
---
---    for _, t in ipairs(dns.txt("_dmarc.example.com") or {}) do print(t) end
---@param name string
---@param opts? dns.Options
---@return string[]|nil texts
---@return string|nil err
function dns.txt(name, opts) end

---One MX record.
---@class dns.MX
---@field host string the mail exchanger, without the trailing dot ("." for a null MX, RFC 7505)
---@field pref integer the preference: lower is tried first

---Options of dns.mx, dns.a and dns.txt.
---@class dns.Options
---@field resolver? string the DNS server to ask, "ip[:port]" (default: the system's resolver)
---@field timeout? number seconds (default --timeout, else 10)

---Lower-case hex.
hex = {}

---Decode hex; nil and a message for bad input.
---
---    local bytes = assert(hex.decode("0102"))
---@param text string
---@return string|nil data
---@return string|nil err
function hex.decode(text) end

---Encode bytes as lower-case hex.
---
---    print(hex.encode("\1\2"))   -- 0102
---@param data string
---@return string
function hex.encode(data) end

---JSON: {} and [] told apart, keys sorted, json.null.
json = {}

---Mark t to encode as an array.
---
---    print(json.encode(json.array(t)))
---@param t table
---@return table
function json.array(t) end

---Decode JSON; null is json.null; nil and a message for bad input.
---
---    local v, err = json.decode('{"a": [1, 2]}')   -- v.a[2] == 2
---@param text string
---@return any value
---@return string|nil err
function json.decode(text) end

---Encode a value (pretty: indented); an empty table is [], json.object(t) forces {}; a string's non-printable characters (controls, C1, bidi overrides) are written as \u escapes, so the output is safe on a terminal.
---
---    print(json.encode{ok = true, count = 3, list = {}})   -- {"count":3,"list":[],"ok":true}
---@param v? any
---@param pretty? boolean
---@return string
function json.encode(v, pretty) end

---Mark t to encode as an object, even when empty.
---
---    print(json.encode(json.object{}))   -- {}
---@param t table
---@return table
function json.object(t) end

---JSON null (decoded null, and encodes as null).
---@type any
json.null = nil

---Message headers, dates and addresses (RFC 5322, RFC 2047).
mail = {}

---Decode RFC 2047 encoded words (the raw value when a word is malformed).
---
---    print(mail.decode_header("=?UTF-8?Q?caf=C3=A9?="))   -- café
---@param s string
---@return string
function mail.decode_header(s) end

---One RFC 5322 address: {name, address}.
---
---    local a = mail.parse_address('"Ann" <ann@example.org>')   -- a.name, a.address
---@param s string
---@return mail.Address|nil
---@return string|nil err
function mail.parse_address(s) end

---A list of RFC 5322 addresses.
---
---    for _, a in ipairs(mail.parse_address_list(h.to) or {}) do print(a.address) end
---@param s string
---@return mail.Address[]|nil
---@return string|nil err
function mail.parse_address_list(s) end

---A Date: header as epoch seconds; nil when missing or unparsable (never "old").
---
---    local when = mail.parse_date(h.date)
---    if when and time() - when > 365 * 86400 then old[#old + 1] = n end
---@param s? string|nil
---@return integer|nil epoch
---@return string|nil err
function mail.parse_date(s) end

---A message's (or TOP n 0's) header: lower-case name -> first value (RFC 2047 decoded), and the ordered list.
---
---Bad input returns nil and a message.
---
---    local h, list = mail.parse_headers(p:top(1, 0))
---    print(h.subject, #list)
---@param raw string
---@return table<string, string>|nil fields
---@return mail.HeaderField[]|string list
function mail.parse_headers(raw) end

---The string as one line safe for a terminal: control bytes, invalid UTF-8 and non-printing runes (bidi overrides) escaped as the transcript shows them.
---
---For what a server or a sender chose (a decoded Subject) before it is
---printed: \t \r \n, \xHH, \uHHHH; printable UTF-8 is kept.
---
---    print(mail.printable("Re: \27[2Jhi"))   -- Re: \x1b[2Jhi
---@param s string
---@return string
function mail.printable(s) end

---A parsed address.
---@class mail.Address
---@field name string display name
---@field address string user@domain

---One header field in order.
---@class mail.HeaderField
---@field name string as written
---@field value string RFC 2047 decoded
---@field raw string as sent

---Compose messages (RFC 2047 words, RFC 2231 names, QP/base64, multipart) and parse them.
mime = {}

---Build a message: CRLF, RFC 2047/2231, 7bit/quoted-printable/base64, a multipart tree, Date and Message-ID.
---
---Header order: From, To, Cc, Subject, the headers in order, Date and
---Message-ID unless given, MIME-Version, Content-Type. A Content-Type in
---headers means body is already MIME and is sent as given.
---
---    local msg = mime.message{from = "Jörg <j@example.com>", to = "ops@example.com",
---      subject = "Grüße", headers = {{"X-Ticket", "4711"}}, body = "hello\n",
---      attachments = {{file = "report.pdf"}}}
---@param opts mime.MessageOptions
---@return string
function mime.message(opts) end

---Parse a message into decoded headers and parts; nil and a message when it cannot be framed.
---
---    local p = mime.parse(p3:retr(1))
---    print(p.header.subject, p.text, #p.attachments, p.attachments[1].filename)
---@param raw string
---@return mime.Part|nil
---@return string|nil err
function mime.parse(raw) end

---One attachment of mime.message.
---@class mime.Attachment
---@field name? string the file name shown (RFC 2231 when not ASCII); default: the file's base name
---@field data? string the bytes (or file =)
---@field file? string a path to read (refused under --restricted)
---@field type? string media type; default from the name's extension, else sniffed

---The fields mime.message builds a message from.
---@class mime.MessageOptions
---@field from? string "Name <a@b>" or "a@b"; "" or "<>": no From
---@field to? string|string[] To: addresses (each may be a comma-separated list)
---@field cc? string|string[] Cc: addresses
---@field subject? string non-ASCII becomes RFC 2047 encoded words
---@field headers? [string, string][] ordered {name, value} pairs: {{"X-Ticket", "4711"}}; a map is a usage error
---@field body? string the text/plain part (UTF-8)
---@field html? string a text/html part; with body: multipart/alternative
---@field attachments? mime.Attachment[] files, each in a base64 part

---What mime.parse returns: the message, or one of its parts.
---@class mime.Part
---@field headers mail.HeaderField[] every field in order: {name, value (decoded), raw}
---@field header table<string, string> lower-case name -> first decoded value
---@field type string media type, lower case ("text/plain" when missing)
---@field params table<string, string> its parameters, RFC 2231 decoded
---@field charset string|nil
---@field disposition string|nil "inline" or "attachment"
---@field filename string|nil Content-Disposition filename, else Content-Type name
---@field body string|nil a leaf's content, transfer encoding undone (text/*: converted to UTF-8)
---@field parts mime.Part[]|nil a multipart's parts
---@field text string|nil top only: the first text/plain part that is not an attachment
---@field html string|nil top only: the first text/html part that is not an attachment
---@field attachments mime.Part[]|nil top only: every part that is an attachment or has a file name

---Go RE2 regular expressions with the CR/LF rules of expect.
regex = {}

---Compile a Go RE2 pattern (the expect rules: . and \s never cross CR/LF).
---
---    local re = regex.compile([=[^(?P<code>\d{3})[ -]]=])
---    local m = re:match("250-PIPELINING")  -- m.code == "250"
---@param pattern string
---@return regex
function regex.compile(pattern) end

---A literal pattern (the same as exact).
---
---    s:expect(regex.exact("* OK"))
---@param text string
---@return regex
function regex.exact(text) end

---Escape text so it matches literally inside a pattern.
---
---    local re = regex.compile("^" .. regex.quote(addr) .. "$")
---@param text string
---@return string
function regex.quote(text) end

