package apispec

import "slices"

// The globals and the session: docs/DESIGN.md "Sessions" and "Regex,
// utilities".

var netKinds = []string{"timeout", "eof", "usage"}

// The option sets several calls take, declared once: the TLS keys
// (connect, s:starttls, the protocol modules' open and connect) and the
// way to the server and the session's buffer and name (connect and the
// modules, which hand them to connect unchanged).
var (
	tlsOptions = []Field{
		{"servername?", "string", "the name checked against the certificate (default: the host)"},
		{"insecure?", "boolean", "skip certificate verification (s.tls.verify_error still says why it would fail)"},
		{"ca_file?", "string", "PEM file of CAs added to the system roots (not under --restricted)"},
		{"cert_file?", "string", "PEM client certificate sent when the server asks (with key_file; not under --restricted)"},
		{"key_file?", "string", "PEM private key of cert_file"},
		{"min_version?", `"1.2"|"1.3"`, "lowest TLS version accepted (default 1.2)"},
		{"pin?", "string|string[]", `"sha256/<base64 SPKI hash>" (curl's --pinnedpubkey): the server's key must be one of these, even when insecure; a mismatch is kind tls naming both`},
	}
	netOptions = []Field{
		{"proxy?", "string", `"socks5://[user:pass@]host:port" (names resolved here), "socks5h://..." (by the proxy), "http://host:port" (CONNECT), or "env" (ALL_PROXY, NO_PROXY); not under --restricted`},
		{"unix_socket?", "string", "dial this Unix-domain socket instead of the host (curl's --unix-socket; connect(\"unix:/path\") is the same)"},
		{"resolver?", "string", `the DNS server for the host and mx:domain lookups, "ip[:port]" (default: the system's)`},
		{"match_max?", "integer", "bytes of unmatched data buffered before an overflow (default 8 MiB)"},
		{"label?", "string", "the session's name in transcripts (default: the address as written)"},
	}
)

// The pattern and keys an expect case and an interact case share: an
// interact pattern is matched as an expect case is.
var (
	casePattern = Field{"pattern", "string|regex", "a Go RE2 pattern (line at a time), exact\"...\" or a regex"}
	caseKeys    = []Field{
		{"partial?", "boolean", "also try against an incomplete last line (prompts)"},
		{"lines?", "integer", "window of lines for a pattern that can span any number of lines"},
	}
)

var coreAPI = API{
	Funcs: []Func{
		{Sig: "connect(addr: string, opts?: ConnectOptions) -> session",
			Summary: "open a TCP (or implicit TLS) connection to a mail server",
			Errors:  []string{"connect", "tls", "timeout", "usage"},
			Doc: `addr is "host:port", "[v6]:port" or a URL whose scheme gives the port
and TLS mode: smtp 25, submission 587, smtps 465, lmtp 24, pop3 110,
pop3s 995, imap 143, imaps 993; "unix:/path" is a Unix-domain socket, and
"mx:domain[:port]" tries the domain's MX hosts in preference order (port 25;
a domain without MX is its own, a null MX is an error). Certificates are verified by default
(against the system roots, ca_file and MAILEXPECT_CA_FILE); STARTTLS is a
step, s:starttls(), after the server's go-ahead.

    local s = connect("smtp://127.0.0.1:2525", {timeout = 5})
    s:expect([[^220 ]])`},
		{Sig: "spawn(cmd: SpawnCommand, opts?: SpawnOptions) -> session", Summary: "a session over a local program's stdin/stdout (no shell), with every method of connect's",
			Errors: []string{"connect", "usage", "eof", "timeout"}, When: "not under --restricted",
			Doc: `s:close() closes its input, waits kill_after seconds, then sends SIGTERM and
SIGKILL, and returns the exit status and the signal name. A program that
ends mid-expect is kind eof with err.exit_status; one that cannot be
started (not found, not executable) is kind connect.

    local c = smtp.open{session = spawn{"/usr/sbin/sendmail", "-bs"}}
    local s = spawn({"doveadm", "exec", "imap", "-u", "user1"}, {stderr = "merge"})`},
		{Sig: "getpass(prompt?: string) -> string", Summary: "read a line from the terminal without echo (registered as a secret)",
			Errors: []string{"usage"},
			Doc: `Inside s:interact it asks on the interact's terminal. Without a terminal it
raises usage at once: a script run from cron must never wait for a person.`},
		{Sig: "print(...: any)", Summary: "print to the run's output (secrets masked; rows prefixed in bulk runs)",
			Doc: `    print("found", n, "messages")    -- tab-separated, like Lua's print`},
		{Sig: "log(...: any)", Summary: "write a line to the transcript and, unless -q, to stderr (secrets masked)",
			Doc: `    log("mailbox", row.user, "has", n, "messages")   -- transcript and stderr`},
		{Sig: "sleep(seconds: number)", Summary: "pause; returns early (raising timeout) when the run is cancelled",
			Errors: []string{"timeout", "usage"},
			Doc:    `    sleep(0.5)`},
		{Sig: "now() -> number", Summary: "monotonic seconds (float) since an arbitrary origin: for durations",
			Doc: `    local t0 = now()
    c:send{from = a, to = b, body = "x"}
    print(("sent in %.3fs"):format(now() - t0))`},
		{Sig: "time() -> number", Summary: "wall-clock time in epoch seconds (float)",
			Doc: `    local age = time() - mail.parse_date(h.date)`},
		{Sig: "ref_time() -> number", Summary: "the run's reference time in epoch seconds: what \"older than N days\" is measured from",
			Doc: `The run's start; in a bulk run (--each) the start of the first run, which
a --resume'd run reuses, so that both runs mean the same messages.`},
		{Sig: "exit(code?: integer|boolean)", Summary: "end the run with an exit code 0-255 (true is 0, false 1); pcall cannot catch it",
			Doc: "os.exit is the same function. In a monitoring check, check.exit(state) is the one to call."},
		{Sig: "env(name: string) -> string|nil", Summary: "an environment variable, or nil when unset", When: "not under --restricted",
			Doc: `    local host = env("MAILEXPECT_SMTP") or "localhost:25"`},
		{Sig: "secret(value: string) -> string", Summary: "register value as a secret: masked as *** in every transcript, log, print, result and error",
			Doc: `    local pass = secret(arg[2])   -- masked from here on`},
		{Sig: "secret_env(name: string, default?: any) -> value: string|any", Summary: "an environment variable registered as a secret; raises when unset unless a default is given",
			Errors: []string{"usage"}, When: "not under --restricted",
			Doc: `    local pass = secret_env("SMTP_PASS")
    local token = secret_env("TOKEN", nil)   -- nil instead of raising when unset`},
		{Sig: "secret_file(path: string) -> string", Summary: "a file's content without its final line end, registered as a secret; warns unless mode 0600",
			Errors: []string{"usage"}, When: "not under --restricted",
			Doc: `    local pass = secret_file(os.getenv("HOME") .. "/.mailpass")`},
		{Sig: "netrc(host: string, login?: string) -> login: string|nil, password: string|nil", Summary: "the login and password for host from $NETRC or ~/.netrc (password registered as a secret)",
			When: "not under --restricted",
			Doc:  `    local user, pass = netrc("mail.example.com")`},
		{Sig: "options(args: table<integer, string>, spec: table) -> opts: table, rest: string[]", Summary: "parse a script's own flags, getopt style",
			Errors: []string{"usage"},
			Doc: `A spec key lists an option's names separated by "|" (one letter: -w, more:
--warn); the result field is the longest name. The default's type is the
option's type; options.string, options.number and options.list declare
one without a default. "_usage" is the usage line: printed for -h/--help
and added to parse errors; "_help", when given, is printed for -h/--help
instead (the whole help text). Options may come anywhere before "--";
-jv combines short flags; --no-x negates. options.usage(msg) raises the
script's own usage errors the same way.

    local opt, rest = options(arg, {
      _usage = "probe.lua [-w SECONDS] HOST",
      ["w|warn"] = 5, json = false, ["r|rcpt"] = options.list,
    })`},
		{Sig: "options.usage(message: string)", Summary: "raise a usage error for the script's command line (exit 2, the _usage line after it)",
			Errors: []string{"usage"},
			Doc: `For what options() cannot check itself ("no server: give an ADDRESS").
Uncaught, it prints "SCRIPT: message" and the spec's _usage line and
exits 2; a check script shows UNKNOWN with the usage line in the long
output. In a bulk run, raised before the script read any column of row
(a bad command line, the same for every row) it stops the run at the
first row, exit 2; raised after (a bad value in a column) it fails that
row only. A parse error of options(arg, ...) always stops the run.`},
		{Sig: "exact(text: string) -> regex", Summary: `a literal pattern: exact"250 OK" matches those bytes, no regex syntax`,
			Doc: `    s:expect(exact"250 2.0.0 Ok: queued as")   -- no regex syntax`},
		{Sig: "md5(data: string) -> string", Summary: "MD5 of data as lower-case hex (APOP, CRAM-MD5)",
			Doc: `    local digest = md5(timestamp .. pass)      -- APOP`},
		{Sig: "hmac_md5(key: string, data: string) -> string", Summary: "HMAC-MD5 of data under key as lower-case hex (CRAM-MD5)",
			Doc: `    local answer = user .. " " .. hmac_md5(pass, base64.decode(challenge))`},
	},
	Values: []Value{
		{Name: "arg", TypeSrc: "table<integer, string>", Summary: "the script's arguments, arg[0] the script name (as lua(1) sets it)", Writable: true},
		{Name: "dry_run", TypeSrc: "boolean", Summary: "true under --dry-run (read-only; the modules read the flag from Go)"},
		{Name: "exp_continue", TypeSrc: "any", Summary: "returned by an expect handler: run the same expect again with a fresh timer"},
		{Name: "row", TypeSrc: "table<string, string>", Summary: "the current row of a bulk run (--each), read-only; secret columns are registered secrets", When: "--each"},
		{Name: "sandbox", TypeSrc: "SandboxInfo", Summary: "the embedded server's addresses, CA file and demo users (read-only)", When: "--sandbox"},
		{Name: "options.string", TypeSrc: "any", Summary: "in an options() spec: a string option without a default"},
		{Name: "options.number", TypeSrc: "any", Summary: "in an options() spec: a number option without a default"},
		{Name: "options.list", TypeSrc: "any", Summary: "in an options() spec: a repeatable string option, collected in a list"},
	},
	Classes: []Class{
		{Name: "ConnectOptions", Kind: Options, Summary: "options of connect", Fields: slices.Concat([]Field{
			{"timeout?", "number", "default expect timeout of the session, seconds (default --timeout, else 10)"},
			{"connect_timeout?", "number", "DNS + TCP + TLS handshake, seconds (default: timeout)"},
			{"tls?", `"implicit"|"none"|boolean`, `"implicit" (or true): TLS from the first byte; STARTTLS is s:starttls()`},
		}, tlsOptions, netOptions)},
		{Name: "SpawnOptions", Kind: Options, Summary: "options of spawn (also allowed as keys of the command table)", Fields: []Field{
			{"pty?", "boolean", "run the program on a pseudo-terminal"},
			{"stderr?", `"inherit"|"merge"|"discard"`, "where the program's stderr goes (default inherit)"},
			{"env?", "table<string, string>", "NAME = value pairs added to (or replacing) mailexpect's environment"},
			{"dir?", "string", "working directory"},
			{"kill_after?", "number", "seconds s:close() waits before SIGTERM (default 2)"},
			{"timeout?", "number", "default expect timeout, seconds"},
			{"match_max?", "integer", "receive buffer bound in bytes"},
			{"label?", "string", "the session's name in transcripts"},
		}},
		{Name: "SpawnCommand", Kind: Options, Extends: "SpawnOptions", Array: "string", Summary: "{program, arg, ...}: one string per argument, plus SpawnOptions keys"},
		{Name: "SandboxInfo", Kind: Record, Summary: "the global sandbox under --sandbox", Fields: []Field{
			{"smtp", "string", "host:port of the SMTP listener"},
			{"pop3", "string", "host:port of the POP3 listener"},
			{"imap", "string", "host:port of the IMAP listener"},
			{"smtps", "string", "host:port of the implicit-TLS SMTP listener"},
			{"pop3s", "string", "host:port of the implicit-TLS POP3 listener"},
			{"imaps", "string", "host:port of the implicit-TLS IMAP listener"},
			{"lmtp", "string", "host:port of the LMTP listener"},
			{"ca_file", "string", "the CA certificate every connect trusts"},
			{"users", "{user: string, pass: string, address: string}[]", "the demo users"},
		}},
		{Name: "session", Kind: Object, Var: "s", Summary: "a connection made by connect (also c.session of every module client)",
			Doc: `Every method raises an error object (err.kind) on failure; a timeout or
EOF without a handler names the awaited patterns and quotes the tail of
what was received.`,
			Fields: []Field{
				{"tls", "session.TLSInfo|nil", "nil before TLS, else the handshake's facts"},
				{"label", "string", "the session's name in transcripts"},
				{"pid?", "integer", "spawned: the program's process id"},
				{"exit_status?", "integer", "spawned: the exit status once it ended (128+n for signal n)"},
				{"exit_signal?", "string", "spawned: the signal that ended it"},
			}},
		{Name: "session.TLSInfo", Kind: Record, Summary: "s.tls: what the TLS handshake settled", Fields: []Field{
			{"version", "string", `"TLS 1.3"`},
			{"cipher", "string", "the cipher suite's name"},
			{"server_name", "string", "the name verified (SNI)"},
			{"verified", "boolean", "the chain and name verified"},
			{"verify_error?", "string", "why verification failed (set also when insecure)"},
			{"peer", "session.Certificate", "the server's leaf certificate"},
		}},
		{Name: "session.Certificate", Kind: Record, Summary: "a certificate in s.tls.peer", Fields: []Field{
			{"subject", "string", ""}, {"issuer", "string", ""},
			{"not_before", "integer", "epoch seconds"}, {"not_after", "integer", "epoch seconds"},
			{"dns_names", "string[]", "subject alternative names"},
			{"fingerprint", "string", "SHA-256 of the certificate as openssl prints it (AB:CD:...)"},
			{"spki", "string", `the key's pin, "sha256/<base64>" (the form pin = takes)`},
			{"chain?", "session.Certificate[]", "peer only: every certificate the server sent, leaf first"},
		}},
		{Name: "session.SendOptions", Kind: Options, Summary: "options of s:send and s:sendline", Fields: []Field{
			{"secret?", "boolean", "show the data as *** in transcripts"},
		}},
		{Name: "session.ReadDotOptions", Kind: Options, Summary: "options of s:read_dot", Fields: []Field{
			{"file?", "string", "write the body to this file (created 0600) and return its size"},
			{"timeout?", "number", "seconds"},
			{"size?", "integer", "expected size in bytes: the buffer is reserved once (at most 128 MiB), and the body may be up to twice that"},
		}},
		{Name: "session.TLSOptions", Kind: Options, Summary: "options of s:starttls", Fields: tlsOptions},
		{Name: "Reply", Kind: Record, Summary: "one SMTP-style reply: s:reply() and the smtp module", Fields: []Field{
			{"code", "integer", "250"},
			{"enhanced?", "string", `RFC 3463 code "2.1.5", when the last line has one`},
			{"lines", "string[]", "the texts after \"250-\"/\"250 \""},
			{"text", "string", "the lines joined by \\n"},
		}},
		{Name: "Match", Kind: Record, Summary: "what expect and regex:match return",
			Doc: "m[0] is the whole match, m[1]..m[n] the groups (false when unmatched), named groups are fields.",
			Fields: []Field{
				{"before", "string", "the unconsumed text before the match"},
				{"line", "string", "the line in which the match ends, without CRLF"},
				{"case?", "integer", "the index of the case that won (expect)"},
				{"n", "integer", "the number of groups"},
			}},
		{Name: "expect.Cases", Kind: Options, Summary: "the table form of s:expect: cases, then keys",
			Array: "string|regex|expect.Case",
			Fields: []Field{
				{"timeout?", "number", "seconds, for this call"},
				{"on_timeout?", "function", "on_timeout(err): instead of raising; may return exp_continue"},
				{"on_eof?", "function", "on_eof(err)"},
				{"on_full?", "function", "on_full(data, err): the buffer overflowed match_max"},
			}},
		{Name: "session.InteractOptions", Kind: Options, Summary: "s:interact's table: patterns that give the session back, then keys",
			Array: "string|regex|session.InteractCase",
			Fields: []Field{
				{"commands?", "table<string, function|table>", "local commands: name = fn(args) or {fn, help = \"...\", args = \"...\"}, typed as ~name args"},
				{"pipe?", "boolean", "without a terminal, read lines from stdin instead of raising (no editing, no getpass)"},
			}},
		{Name: "session.InteractCase", Kind: Options, Summary: "{pattern, partial = true, lines = K}: a pattern with the options of an expect case",
			Items: []Field{casePattern}, Fields: caseKeys},
		{Name: "expect.Guards", Kind: Options, Summary: "the cases of s:guard", Array: "string|regex|expect.Case"},
		{Name: "expect.Case", Kind: Options, Summary: "one case: {pattern, handler, partial = true, lines = K}",
			Items:  []Field{casePattern, {"handler?", "function", "called with the match; its results are expect's"}},
			Fields: caseKeys},
	},
}

var sessionAPI = API{Funcs: []Func{
	{Sig: "session:send(data: string, opts?: session.SendOptions)", Summary: "send bytes as they are", Errors: netKinds,
		Doc: `    s:send("A001 LOGIN " .. user .. " ")
    s:send(imap_literal, {secret = true})   -- shown as *** in transcripts`},
	{Sig: "session:sendline(line: string, opts?: session.SendOptions)", Summary: "send line .. CRLF; refuses CR, LF or NUL inside line",
		Errors: []string{"injection", "timeout", "eof", "usage"},
		Doc: `    s:sendline("EHLO client.example")
    s:sendline("PASS " .. pass, {secret = true})`},
	{Sig: "session:readline(timeout?: number) -> string|nil", Summary: "the next line without its CRLF; nil at EOF", Errors: netKinds,
		Doc: `    local line = s:readline(5)          -- "+OK ready", or nil at EOF
    while true do
      local l = s:readline()
      if l == nil or l == "." then break end
    end`},
	{Sig: "session:reply(timeout?: number) -> Reply", Summary: "read one whole ddd-/ddd reply", Errors: []string{"timeout", "eof", "protocol", "usage"},
		Doc: `    s:sendline("EHLO client.example")
    local r = s:reply()                 -- r.code 250, r.lines {"mx", "PIPELINING", ...}
    if r.code ~= 250 then error("EHLO refused: " .. r.text) end`},
	{Sig: "session:read(n: integer, timeout?: number) -> string", Summary: "exactly n bytes, no matching (IMAP literals)", Errors: netKinds,
		Doc: `    local n = tonumber(s:expect([[\{(\d+)\}$]])[1])
    local literal = s:read(n)`},
	{Sig: "session:read_dot(opts?: session.ReadDotOptions) -> string|integer", Summary: "a dot-terminated body (POP3), unstuffed; with file: its size",
		Errors: []string{"timeout", "eof", "usage"},
		Doc: `    s:sendline("RETR 1")
    s:expect([[^\+OK]])
    local msg = s:read_dot()                        -- unstuffed, CRLF line ends
    local size = s:read_dot{file = "/tmp/m1.eml"}   -- streamed to a 0600 file`},
	{Sig: "session:send_dot(data: string)", Summary: "send a body: CRLF-normalised, dot-stuffed, terminated by CRLF.CRLF", Errors: netKinds,
		Doc: `    s:sendline("DATA")
    s:expect([[^354 ]])
    s:send_dot("Subject: hi\r\n\r\n.leading dot is doubled\r\n")
    s:expect([[^250 ]])`},
	{Sig: "session:expect(pattern: string|regex|expect.Cases, timeout?: number) -> ...: any", Summary: "wait for a pattern, or branch on several",
		Errors: []string{"timeout", "eof", "full", "usage"},
		Doc: `Matching is decided at line ends: after each line, every case is tried;
the earliest match wins, a tie goes to the case listed first. A string is a
Go RE2 regex in multi-line mode; . and \s never cross CR/LF unless (?s).

    local m = s:expect([[^250 (.*)$]])         -- m[1], m.before, m.line
    s:expect{
      {[[^250 ]], function(m) return "ok" end},
      {[[^4\d\d ]], function(m) return exp_continue end},
      timeout = 5, on_eof = function(err) return nil end,
    }`},
	{Sig: "session:guard(cases: expect.Guards)", Summary: "add cases tried on every later expect of the session (^421, ^\\* BYE)",
		Doc: `    s:guard{ {[[^421 ]], function(m) error("server closing: " .. m.line) end} }
    s:guard{ [[^\* BYE]] }    -- without a handler: expect returns its match`},
	{Sig: "session:starttls(opts?: session.TLSOptions) -> session.TLSInfo", Summary: "upgrade in place after the server's go-ahead; refuses buffered data",
		Errors: []string{"tls", "timeout", "usage"},
		Doc: `    s:sendline("STARTTLS")
    s:expect([[^220 ]])
    local tls = s:starttls()     -- tls.version, tls.peer.subject, tls.peer.not_after`},
	{Sig: "session:interact(opts?: session.InteractOptions) -> why: string, match: Match|nil", Summary: "hand the session to the person at the terminal until ~., their EOF, the server closing or a pattern",
		Errors: []string{"usage", "timeout", "eof"},
		Doc: `What the person types is sent with CRLF; what the server sends is shown as
it arrives (control characters escaped, secrets masked). why is "escape"
(~.), "eof" (Ctrl-D or Ctrl-C), "closed" (the server hung up) or "match"
(match is the match object; m.case: which pattern). ~? lists the local
commands, ~~ sends a line starting with ~. Guards are not tried. Without a
terminal it raises usage at once (unless pipe = true).

    local why, m = s:interact{ [[^\* BYE]] }   -- back when the server says BYE`},
	{Sig: "session:pending() -> integer", Summary: "how many unread lines are buffered",
		Doc: `    if s:pending() > 0 then log("unread: " .. s:drain()) end`},
	{Sig: "session:drain() -> string", Summary: "discard the unread buffered data and return it",
		Doc: `    log("discarded: " .. s:drain())`},
	{Sig: "session:close() -> exit_status: integer|nil, signal: string|nil", Summary: "close the connection (idempotent); a spawned program: wait for it, return its exit status",
		Doc: `    s:close()
    local status, signal = spawned:close()   -- a spawned program's exit status`},
}}

func init() {
	Register(coreAPI)
	Register(sessionAPI)
}
