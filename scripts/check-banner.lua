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
-- and the address may be a URL that says the protocol. As check_smtp's
-- -C/-R, commands can be sent after the greeting with the response
-- checked; --auth logs in (a second connection, through the protocol
-- module: STARTTLS first unless TLS is implicit) with the credentials
-- the other scripts use, never a password on the command line.
--
-- Usage:
--   mailexpect check-banner.lua -w 1 -c 5 smtp://mail.example.com
--   mailexpect check-banner.lua --expect '^\+OK Dovecot' pop3s://mail.example.com
--   mailexpect check-banner.lua -C 'VRFY postmaster' -R '^25[02] ' smtp://mail.example.com
--   MAILEXPECT_USER=probe MAILEXPECT_PASS=... mailexpect check-banner.lua --auth plain submission://mail.example.com
--   MAILEXPECT_SMTP=mail.example.com:25 mailexpect check-banner.lua
--
-- Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
local check = require "check"
local setting = require("credentials").setting

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
  -C, --command CMD    send CMD after the greeting (SMTP: after EHLO) and
                       check its response; repeatable, in order
  -R, --response REGEX the response the Nth -C must match (the whole SMTP
                       reply, as "250-a\n250 b"); without one, a 4xx/5xx,
                       -ERR or IMAP NO/BAD is CRITICAL. IMAP commands get a
                       tag; POP3 listings (CAPA, LIST, UIDL, TOP, RETR)
                       are read to their final dot.
  -A, --auth MECH      log in as well: plain, login, cram-md5, scram-sha-1,
                       scram-sha-256 (SMTP, IMAP, POP3), user or apop
                       (POP3), login-command (IMAP), or any (the module's
                       choice); a refusal is CRITICAL
  -U, --user NAME      the login (default $MAILEXPECT_USER, or ~/.netrc)
  --secret-file FILE   the password (else $MAILEXPECT_PASS, else ~/.netrc)
  --ca-file FILE       extra trusted CA ($MAILEXPECT_CA_FILE)
  --servername NAME    name to verify in the certificate
  --insecure           do not verify the certificate
Plugin flags: --json (one JSON object), -t SECONDS (deadline of the whole
check), -v (transcript on stderr), -h (this help).
]]

local USAGE = "check-banner.lua [-e REGEX] [-w SECS] [-c SECS] [-C CMD [-R REGEX]]... [-A MECH] [ADDRESS] (-h for help)"

local opt, rest = options(arg, {
  _help = HELP,
  _usage = USAGE,
  ["e|expect"] = options.string, ["w|warning"] = options.string, ["c|critical"] = options.string,
  ["C|command"] = options.list, ["R|response"] = options.list,
  ["A|auth"] = options.string, ["U|user"] = options.string, ["secret-file"] = options.string,
  protocol = options.string, tls = false,
  ["ca-file"] = options.string, servername = options.string, insecure = false,
})
local missing = options.usage -- UNKNOWN, with the usage line

local addr, hint = rest[1], nil
if not addr then
  for _, p in ipairs{"smtp", "pop3", "imap"} do
    addr = setting(nil, "MAILEXPECT_" .. p:upper())
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
local commands, responses = opt.command or {}, {}
if #(opt.response or {}) > #commands then
  missing(string.format("%d -R but %d -C: each -R checks the response of the -C in the same place", #opt.response, #commands))
end
for i, r in ipairs(opt.response or {}) do responses[i] = regex.compile(r) end
local SCRAM = {"scram-sha-1", "scram-sha-256"}
local AUTH_MECHS = {
  smtp = {plain = true, login = true, ["cram-md5"] = true},
  pop3 = {plain = true, login = true, ["cram-md5"] = true, user = true, apop = true},
  imap = {plain = true, login = true, ["cram-md5"] = true, ["login-command"] = true},
}
for _, p in ipairs{"smtp", "pop3", "imap"} do
  for _, m in ipairs(SCRAM) do AUTH_MECHS[p][m] = true end
end
local auth_mech = opt.auth and opt.auth:lower()
if auth_mech and auth_mech ~= "any" and not (AUTH_MECHS[proto] or {})[auth_mech] then
  local names = {}
  for k in pairs(AUTH_MECHS[proto] or {}) do names[#names + 1] = k end
  table.sort(names)
  missing(string.format("--auth %s: for %s want any or one of %s", opt.auth, proto,
                        #names > 0 and table.concat(names, ", ") or "(none: LMTP has no AUTH)"))
end
local ca_file = setting(opt["ca-file"], "MAILEXPECT_CA_FILE")

local t0 = now()
local s = connect(hostport, {
  tls = implicit and "implicit" or nil, insecure = opt.insecure,
  ca_file = ca_file, servername = opt.servername,
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

-- The greeting's verdict first: it leads the status line.
check.metric("time", elapsed, "s", opt.warning, opt.critical, 0)
if expect_re:match(banner) then
  check.ok(string.format("%s, %.3fs response time%s", banner, elapsed, tls))
else
  check.critical(string.format("greeting does not match %s: %s", opt.expect or DEFAULT_EXPECT[proto], banner))
end

-- check_smtp's -C/-R: each command's response, checked against its -R,
-- or else against the protocol's own word for "no". A mismatch is
-- CRITICAL and ends the command list (the conversation is off script).
local function command_response(cmd, i)
  if proto == "smtp" or proto == "lmtp" then
    s:sendline(cmd)
    local r = s:reply()
    local lines = {}
    for j, l in ipairs(r.lines) do lines[j] = string.format("%d%s%s", r.code, j < #r.lines and "-" or " ", l) end
    return table.concat(lines, "\n"), r.code < 400
  elseif proto == "pop3" then
    s:sendline(cmd)
    local line = s:readline() or ""
    local ok = line:sub(1, 3) == "+OK"
    -- RFC 1939/2449: these answer +OK with a dot-terminated listing.
    local verb, args = cmd:upper():match("^(%S+)%s*(.-)%s*$")
    if ok and (verb == "CAPA" or verb == "TOP" or verb == "RETR" or ((verb == "LIST" or verb == "UIDL") and args == "")) then
      line = line .. "\n" .. s:read_dot():gsub("\r?\n$", ""):gsub("\r\n", "\n")
    end
    return line, ok
  end
  local tag = "C" .. i
  s:sendline(tag .. " " .. cmd)
  local m = s:expect(string.format([[^%s (OK|NO|BAD)\b]], tag))
  return m.before .. m.line, m[1] == "OK"
end

if #commands > 0 and expect_re:match(banner) then
  if proto == "smtp" or proto == "lmtp" then
    s:sendline((proto == "lmtp" and "LHLO " or "EHLO ") .. "localhost")
    s:reply()
  end
  for i, cmd in ipairs(commands) do
    local c0 = now()
    local text, ok = command_response(cmd, i)
    check.metric("command" .. i, now() - c0, "s", nil, nil, 0)
    local shown = (text:gsub("\r?\n", " / "))
    if responses[i] and not responses[i]:match(text) then
      check.critical(string.format("%s: response %q does not match %s", cmd, shown, opt.response[i]))
      break
    elseif not responses[i] and not ok then
      check.critical(string.format("%s: refused: %s", cmd, shown))
      break
    end
    check.ok(string.format("%s: %s", cmd, shown))
  end
end

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

-- --auth: log in on a connection of its own, through the protocol
-- module (STARTTLS unless TLS is implicit; no password in clear).
if auth_mech and proto ~= "lmtp" then
  local user, pass = require("credentials").lookup{user = opt.user, secret_file = opt["secret-file"], address = hostport}
  if not user or not pass then
    missing("--auth needs a login: --user or MAILEXPECT_USER, and --secret-file, MAILEXPECT_PASS or ~/.netrc")
  end
  local ok, c = pcall(require(proto).open, {
    url = proto .. (implicit and "s" or "") .. "://" .. hostport,
    user = user, pass = pass, auth = auth_mech ~= "any" and auth_mech or nil,
    ca_file = ca_file, servername = opt.servername, insecure = opt.insecure,
  })
  if ok then
    check.timings(c, proto)
    check.ok(string.format("AUTH %s as %s accepted", (c.auth_mechanism or auth_mech):upper(), user))
    pcall(function() if proto == "imap" then c:logout() else c:quit() end end)
  else
    check.error(c, "AUTH as " .. user)
  end
end
