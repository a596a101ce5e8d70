#!/usr/bin/env mailexpect
-- check-tls.lua: certificate and TLS check for mail servers, a monitoring
-- plugin. It speaks each protocol up to TLS (SMTP STARTTLS, SMTPS, POP3
-- STLS, POP3S, IMAP STARTTLS, IMAPS), then reports:
--
--   - whether the chain verifies against the system roots (plus --ca-file)
--     and the certificate is valid for the host name: CRITICAL if not;
--   - the days until the leaf certificate expires, against -w/-c (default
--     30 and 7 days) - reported even when the chain is broken, since an
--     expired or unknown certificate is exactly when the date matters;
--   - the protocol version and cipher.
--
--   TLS OK - 127.0.0.1:587 (smtp starttls): certificate expires in 89 days (2026-02-23), TLSv1.3 TLS_AES_128_GCM_SHA256 | smtp_days=89;30:;7: smtp_time=0.004s;;;0
--
-- Usage:
--   mailexpect check-tls.lua submission://mail.example.com imaps://mail.example.com
--   mailexpect check-tls.lua -w 21 -c 3 --servername mail.example.com 192.0.2.1:995
--   MAILEXPECT_SMTP=... MAILEXPECT_POP3=... mailexpect check-tls.lua   (checks each one set)
--
-- Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
local check = require "check"
local smtp = require "smtp"
local pop3 = require "pop3"

check.service = "TLS"

local HELP = [[
usage: mailexpect check-tls.lua [options] [ADDRESS...]

Checks the TLS certificate (chain, host name, expiry), protocol version and
cipher of mail servers. ADDRESS is a URL - smtp://, submission://,
smtps://, pop3://, pop3s://, imap://, imaps:// (plain schemes use STARTTLS
or STLS) - or host:port with the protocol guessed from the port (25, 587,
465; 110, 995; 143, 993) or given with --protocol. Without an ADDRESS the
servers in $MAILEXPECT_SMTP, $MAILEXPECT_POP3 and $MAILEXPECT_IMAP are
checked.

  -w, --warning DAYS   WARNING when the certificate expires in fewer days
                       (default 30); a range (e.g. @0:30) is used as is
  -c, --critical DAYS  CRITICAL below this many days (default 7)
  --protocol NAME      smtp, pop3 or imap, for host:port addresses
  --tls MODE           starttls or implicit, for host:port addresses
  --ca-file FILE       extra trusted CA ($MAILEXPECT_CA_FILE)
  --servername NAME    name to send (SNI) and verify (default: the host)
  --no-verify          report a failed chain or name check, but as OK
  --pin sha256/BASE64  CRITICAL unless the server's key is this one (curl's
                       --pinnedpubkey form; repeatable; checked even with
                       --no-verify). The long output shows each key's pin.
  --min-version V      1.2 or 1.3: CRITICAL when the server offers less
  --cert-file F --key-file F   a client certificate to present
  --proxy URL          socks5://, socks5h://, http:// host:port, or env
  --resolver IP[:PORT] the DNS server to ask
Plugin flags: --json (one JSON object), -t SECONDS (deadline of the whole
check), -v (transcript on stderr), -h (this help).
]]

local USAGE = "check-tls.lua [-w DAYS] [-c DAYS] [--ca-file FILE] [ADDRESS...] (-h for help)"

local opt, targets = options(arg, {
  _help = HELP,
  _usage = USAGE,
  ["w|warning"] = "30", ["c|critical"] = "7",
  protocol = options.string, tls = options.string,
  ["ca-file"] = options.string, servername = options.string,
  verify = true, pin = options.list, ["min-version"] = options.string,
  ["cert-file"] = options.string, ["key-file"] = options.string,
  proxy = options.string, resolver = options.string,
})
local missing = options.usage -- UNKNOWN, with the usage line
local setting = require("credentials").setting

-- days_range: a bare number N means "fewer than N days" (N:), as
-- check_http -C and friends read it; anything else is a range as typed.
local function days_range(v)
  if v:match("^%s*%d+%.?%d*%s*$") then return (v:gsub("%s", "")) .. ":" end
  return v
end
local warn, crit = days_range(opt.warning), days_range(opt.critical)
check.range(warn) -- a bad range is a usage error now, not after connecting
check.range(crit)

local ca_file = setting(opt["ca-file"], "MAILEXPECT_CA_FILE")

-- Which protocol and TLS mode an address means.
local SCHEMES = {
  smtp = {"smtp", "starttls"}, submission = {"smtp", "starttls"}, smtps = {"smtp", "implicit"},
  pop3 = {"pop3", "starttls"}, pop3s = {"pop3", "implicit"},
  imap = {"imap", "starttls"}, imaps = {"imap", "implicit"},
}
local PORTS = {
  [25] = {"smtp", "starttls"}, [587] = {"smtp", "starttls"}, [465] = {"smtp", "implicit"},
  [110] = {"pop3", "starttls"}, [995] = {"pop3", "implicit"},
  [143] = {"imap", "starttls"}, [993] = {"imap", "implicit"},
}
local DEFAULT_PORT = {smtp = {starttls = 25, implicit = 465}, pop3 = {starttls = 110, implicit = 995},
                      imap = {starttls = 143, implicit = 993}}

local function parse_target(addr, proto_hint)
  local scheme, rest = addr:match("^(%a[%w+.-]*)://(.*)$")
  rest = (rest or addr):gsub("/.*$", "")
  local hostpart, port = rest:match("^(%[.-%]):(%d+)$")
  if not hostpart then hostpart, port = rest:match("^([^:]+):(%d+)$") end
  if not hostpart then hostpart = rest end
  port = tonumber(port)
  local proto, mode
  if scheme then
    local s = SCHEMES[scheme:lower()]
    if not s then missing("unknown scheme " .. scheme .. ":// in " .. addr) end
    proto, mode = s[1], s[2]
  end
  proto = proto or opt.protocol or proto_hint or (port and PORTS[port] and PORTS[port][1])
  mode = (not scheme and opt.tls) or mode or (port and PORTS[port] and PORTS[port][2]) or "starttls"
  if not proto or not DEFAULT_PORT[proto] then
    missing("cannot tell the protocol of " .. addr .. ": use a URL (smtp://, pop3s://, ...) or --protocol")
  end
  if mode ~= "starttls" and mode ~= "implicit" then missing("--tls must be starttls or implicit, not " .. mode) end
  port = port or DEFAULT_PORT[proto][mode]
  return {addr = addr, host = hostpart, hostport = hostpart .. ":" .. port, port = port, proto = proto, mode = mode,
          name = proto .. (mode == "implicit" and "s" or "")}
end

local list = {}
if #targets > 0 then
  for _, a in ipairs(targets) do list[#list + 1] = parse_target(a) end
else
  for _, p in ipairs{"smtp", "pop3", "imap"} do
    local a = setting(nil, "MAILEXPECT_" .. p:upper())
    if a then list[#list + 1] = parse_target(a, p) end
  end
end
if #list == 0 then missing("no server to check: give an ADDRESS or set MAILEXPECT_SMTP, MAILEXPECT_POP3 or MAILEXPECT_IMAP") end

-- handshake speaks the protocol up to an established TLS session and
-- returns s.tls. Verification is done but not enforced (insecure): a
-- broken chain must not hide the expiry date; s.tls.verified says.
local function handshake(t)
  local tlsopts = {tls = t.mode, insecure = true, ca_file = ca_file, servername = opt.servername,
                   pin = (#opt.pin > 0) and opt.pin or nil, min_version = opt["min-version"],
                   cert_file = opt["cert-file"], key_file = opt["key-file"], proxy = opt.proxy,
                   resolver = opt.resolver}
  if t.proto == "smtp" then
    local o = {url = "smtp://" .. t.hostport, helo = "localhost"}
    for k, v in pairs(tlsopts) do o[k] = v end
    local c = smtp.connect(o)
    if t.mode == "starttls" then
      c:ehlo()
      c:starttls()
    end
    local info = c.session.tls
    c:quit()
    return info
  elseif t.proto == "pop3" then
    local o = {url = "pop3://" .. t.hostport}
    for k, v in pairs(tlsopts) do o[k] = v end
    local p = pop3.connect(o)
    if t.mode == "starttls" then p:stls() end
    local info = p.session.tls
    p:quit()
    return info
  end
  -- IMAP (RFC 9051): the greeting, CAPABILITY, STARTTLS, LOGOUT.
  local copts = {}
  for k, v in pairs(tlsopts) do copts[k] = v end
  copts.tls = t.mode == "implicit" and "implicit" or nil
  local s = connect(t.hostport, copts)
  local g = s:expect([[^\* (OK|PREAUTH|BYE)\b ?(.*)$]])
  if g[1] == "BYE" then error({kind = "reply", message = t.hostport .. ": server refused: * BYE " .. g[2]}, 0) end
  if t.mode == "starttls" then
    if g[1] == "PREAUTH" then
      error({kind = "tls", message = t.hostport .. ": PREAUTH greeting: no STARTTLS is possible"}, 0)
    end
    s:sendline("A1 CAPABILITY")
    local m = s:expect([[^A1 (OK|NO|BAD)\b]])
    local caps = " " .. m.before:upper():gsub("%s+", " ") .. " "
    if m[1] ~= "OK" or not caps:find(" STARTTLS ", 1, true) then
      error({kind = "tls", message = t.hostport .. ": the server does not offer STARTTLS"}, 0)
    end
    s:sendline("A2 STARTTLS")
    local r = s:expect([[^A2 (OK|NO|BAD)\b ?(.*)$]])
    if r[1] ~= "OK" then error({kind = "reply", message = t.hostport .. ": STARTTLS refused: " .. r.line}, 0) end
    s:starttls()
  end
  local info = s.tls
  pcall(function()
    s:sendline("A3 LOGOUT")
    s:expect([[^A3 ]], 2)
  end)
  s:close()
  return info
end

local function date(epoch) return os.date("!%Y-%m-%d", epoch) end

local function expiry_phrase(days, not_after)
  if days > 1 then return string.format("expires in %d days (%s)", days, date(not_after)) end
  if days == 1 then return string.format("expires in 1 day (%s)", date(not_after)) end
  if not_after >= time() then return string.format("expires today (%s)", os.date("!%Y-%m-%d %H:%M UTC", not_after)) end
  if days == 0 then return string.format("expired today (%s)", os.date("!%Y-%m-%d %H:%M UTC", not_after)) end
  return string.format("expired %d day%s ago (%s)", -days, days == -1 and "" or "s", date(not_after))
end

local labels = {}
for _, t in ipairs(list) do
  local label = t.name
  labels[label] = (labels[label] or 0) + 1
  if labels[label] > 1 then label = label .. "_" .. labels[label] end
  local where = string.format("%s (%s %s)", t.hostport, t.proto, t.mode)
  local t0 = now()
  local ok, info = pcall(handshake, t)
  local elapsed = now() - t0
  if not ok then
    check.error(info, where) -- CRITICAL for this server; the others are still checked
  elseif not info or not info.peer then
    check.critical(where .. ": no certificate received")
  else
    local p = info.peer
    -- Whole days left, toward zero: 2.9 days is 2, expired 2.1 days ago -2.
    local d = (p.not_after - time()) / 86400
    local days = d >= 0 and math.floor(d) or -math.floor(-d)
    local state = check.metric{label = label .. "_days", value = days, warn = warn, crit = crit, quiet = true}
    local parts = {"certificate " .. expiry_phrase(days, p.not_after)}
    if not info.verified then
      -- Go's expiry error carries the current time; the date is said above.
      local why = (info.verify_error or "not verified"):gsub(": current time .*$", "")
      parts[#parts + 1] = "NOT trusted: " .. why
      if opt.verify then state = check.CRITICAL end
    end
    parts[#parts + 1] = info.version .. " " .. info.cipher
    local msg = where .. ": " .. table.concat(parts, ", ")
    if state == check.CRITICAL then check.critical(msg)
    elseif state == check.WARNING then check.warning(msg)
    else check.ok(msg) end
    check.detail(string.format("%s: subject %s, issuer %s, names %s, valid %s to %s UTC, key %s", t.hostport, p.subject,
                               p.issuer, table.concat(p.dns_names, " "), os.date("!%Y-%m-%d %H:%M", p.not_before),
                               os.date("!%Y-%m-%d %H:%M", p.not_after), p.spki))
  end
  check.metric(label .. "_time", elapsed, "s", nil, nil, 0)
end
