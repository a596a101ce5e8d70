#!/usr/bin/env mailexpect
-- check-banner.lua: the check_smtp / check_pop / check_imap equivalent, a
-- monitoring plugin. Connects, reads the greeting, checks it against a
-- regular expression, says goodbye politely, and reports the response
-- time:
--
--   SMTP OK - 220 mail.example.com ESMTP Postfix, 0.004s response time | connect=0.001s;;;0 time=0.004s;1;5;0
--
-- Unlike check_smtp, a greeting that does not match (554 go away, a
-- wrong host name) is CRITICAL, implicit TLS verifies the certificate,
-- and the address may be a URL that says the protocol.
--
-- Usage:
--   mailexpect check-banner.lua -w 1 -c 5 smtp://mail.example.com
--   mailexpect check-banner.lua --expect '^\+OK Dovecot' pop3s://mail.example.com
--   MAILEXPECT_SMTP=mail.example.com:25 mailexpect check-banner.lua
--
-- Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
local check = require "check"

local HELP = [[
usage: mailexpect check-banner.lua [options] [ADDRESS]

Connects to a mail server, checks its greeting and response time.
ADDRESS is host:port or a URL: smtp://, submission://, smtps://, lmtp://,
pop3://, pop3s://, imap://, imaps:// (the s schemes use implicit TLS).
Default: $MAILEXPECT_SMTP, else $MAILEXPECT_POP3, else $MAILEXPECT_IMAP.

  -e, --expect REGEX   the greeting must match (default ^220 for SMTP and
                       LMTP, ^\+OK for POP3, ^\* (OK|PREAUTH) for IMAP)
  -w, --warning SECS   response time (connect + greeting) that is WARNING
  -c, --critical SECS  response time that is CRITICAL
  --protocol NAME      smtp, lmtp, pop3 or imap for host:port (default:
                       by port: 110/995 pop3, 143/993 imap, else smtp)
  --tls                implicit TLS for host:port addresses
  --ca-file FILE       extra trusted CA ($MAILEXPECT_CA_FILE)
  --servername NAME    name to verify in the certificate
  --insecure           do not verify the certificate
Plugin flags: --json (one JSON object), -t SECONDS (deadline of the whole
check), -v (transcript on stderr), -h (this help).
]]

local USAGE = "check-banner.lua [-e REGEX] [-w SECS] [-c SECS] [ADDRESS] (-h for help)"

local opt, rest = options(arg, {
  _usage = USAGE,
  ["h|help"] = false,
  ["e|expect"] = options.string, ["w|warning"] = options.string, ["c|critical"] = options.string,
  protocol = options.string, tls = false,
  ["ca-file"] = options.string, servername = options.string, insecure = false,
})
if opt.help then
  print(HELP)
  exit(0)
end

local function missing(what)
  check.detail("usage: mailexpect " .. USAGE)
  check.exit(check.UNKNOWN, what)
end

local function nonempty(v) if v ~= nil and v ~= "" then return v end end

local addr, hint = rest[1], nil
if not addr then
  for _, p in ipairs{"smtp", "pop3", "imap"} do
    addr = nonempty(env("MAILEXPECT_" .. p:upper()))
    if addr then hint = p break end
  end
end
if not addr then missing("no server: give an ADDRESS or set MAILEXPECT_SMTP, MAILEXPECT_POP3 or MAILEXPECT_IMAP") end
if #rest > 1 then missing("one ADDRESS at a time (got " .. #rest .. ")") end

local SCHEMES = {smtp = {"smtp"}, submission = {"smtp"}, smtps = {"smtp", true}, lmtp = {"lmtp"},
                 pop3 = {"pop3"}, pop3s = {"pop3", true}, imap = {"imap"}, imaps = {"imap", true}}
local PORTS = {[110] = "pop3", [995] = "pop3", [143] = "imap", [993] = "imap", [24] = "lmtp"}
local IMPLICIT = {[465] = true, [995] = true, [993] = true}
local DEFAULT_EXPECT = {smtp = [[^220]], lmtp = [[^220]], pop3 = [[^\+OK]], imap = [[^\* (OK|PREAUTH)]]}
local DEFAULT_PORT = {smtp = 25, lmtp = 24, pop3 = 110, imap = 143}

local scheme, rest_addr = addr:match("^(%a[%w+.-]*)://(.*)$")
local hostport = (rest_addr or addr):gsub("/.*$", "")
local port = tonumber(hostport:match(":(%d+)$"))
local proto, implicit = opt.protocol, opt.tls
if scheme then
  local s = SCHEMES[scheme:lower()]
  if not s then missing("unknown scheme " .. scheme .. ":// in " .. addr) end
  proto, implicit = s[1], s[2] or false
end
proto = proto or hint or (port and PORTS[port]) or "smtp"
if not DEFAULT_EXPECT[proto] then missing("--protocol must be smtp, lmtp, pop3 or imap, not " .. proto) end
if not port then
  port = (implicit and ({smtp = 465, pop3 = 995, imap = 993})[proto]) or DEFAULT_PORT[proto]
  hostport = hostport .. ":" .. port
end
if not scheme and not opt.tls and IMPLICIT[port] then implicit = true end

check.service = proto:upper()
local expect_re = regex.compile(opt.expect or DEFAULT_EXPECT[proto])
check.range(opt.warning)
check.range(opt.critical)

local t0 = now()
local s = connect(hostport, {
  tls = implicit and "implicit" or nil, insecure = opt.insecure,
  ca_file = nonempty(opt["ca-file"]) or nonempty(env("MAILEXPECT_CA_FILE")), servername = opt.servername,
})
check.metric("connect", now() - t0, "s", nil, nil, 0)
-- The greeting: one SMTP reply (its first line stands for it), or one line.
local banner
if proto == "smtp" or proto == "lmtp" then
  local r = s:reply()
  banner = string.format("%d%s%s", r.code, (#r.lines > 1) and "-" or " ", r.lines[1] or "")
else
  banner = s:readline()
  if banner == nil then check.exit(check.CRITICAL, hostport .. ": connection closed before the greeting") end
end
local elapsed = now() - t0
local tls = s.tls and string.format(" (%s)", s.tls.version) or ""

-- Goodbye, politely; a server that just hangs up is fine.
pcall(function()
  if proto == "imap" then
    s:sendline("A1 LOGOUT")
    s:expect([[^A1 ]], 2)
  elseif proto == "pop3" then
    s:sendline("QUIT")
    s:readline(2)
  else
    s:sendline("QUIT")
    s:reply(2)
  end
end)
s:close()

check.metric("time", elapsed, "s", opt.warning, opt.critical, 0)
if expect_re:match(banner) then
  check.ok(string.format("%s, %.3fs response time%s", banner, elapsed, tls))
else
  check.critical(string.format("greeting does not match %s: %s", opt.expect or DEFAULT_EXPECT[proto], banner))
end
