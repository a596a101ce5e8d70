#!/usr/bin/env mailexpect
-- smtp-probe.lua: what an admin types into telnet or openssl s_client,
-- done properly. Connects, shows the banner and the EHLO capabilities,
-- upgrades with STARTTLS and summarises the certificate, asks EHLO again
-- (what a server offers before TLS is void after it), optionally tests
-- AUTH and asks VRFY / EXPN, then QUITs - timing every step:
--
--   connect   127.0.0.1:587  [0.3 ms]
--   banner    220 mail.example.com ESMTP Postfix  [0.4 ms]
--   EHLO      mail.example.com  [0.5 ms]
--               PIPELINING
--               SIZE 104857600
--   STARTTLS  TLS 1.3 TLS_AES_128_GCM_SHA256  [3.2 ms]
--               subject  CN=mail.example.com
--   ...
--
-- Usage:
--   mailexpect smtp-probe.lua mail.example.com:25
--   MAILEXPECT_USER=alice MAILEXPECT_PASS=... mailexpect smtp-probe.lua --auth submission://mail.example.com
--   mailexpect smtp-probe.lua --vrfy postmaster@example.com --json smtp://mx.example.com
--
-- The password comes from $MAILEXPECT_PASS, --secret-file or ~/.netrc,
-- never from the command line, and -v shows it as ***. Exit code 0 when
-- every step worked, 1 when one failed (an error, a refused AUTH).
local smtp = require "smtp"

local HELP = [[
usage: mailexpect smtp-probe.lua [options] [ADDRESS]

ADDRESS is host:port or smtp://, submission://, smtps:// (default:
$MAILEXPECT_SMTP).

  --tls MODE          starttls, implicit or none (default: implicit for
                      smtps:// and port 465, else starttls, required)
  --helo NAME         EHLO name (default: localhost)
  --auth              test AUTH with $MAILEXPECT_USER / $MAILEXPECT_PASS
  --mech NAME         AUTH mechanism: plain, login, cram-md5, scram-sha-1,
                      scram-sha-256 (default: the module's choice among
                      those the server offers)
  --user NAME         login (default $MAILEXPECT_USER, or from ~/.netrc)
  --secret-file FILE  the password (else $MAILEXPECT_PASS, else ~/.netrc)
  --vrfy ADDRESS      ask VRFY (repeatable)
  --expn LIST         ask EXPN (repeatable)
  --ca-file FILE      extra trusted CA ($MAILEXPECT_CA_FILE)
  --servername NAME   name to verify in the certificate
  --insecure          do not verify the certificate
  --json              one JSON object instead of the report
]]

local opt, rest = options(arg, {
  _help = HELP,
  _usage = "smtp-probe.lua [options] [ADDRESS] (-h for help)",
  tls = options.string, helo = "localhost", auth = false, mech = options.string,
  user = options.string, ["secret-file"] = options.string,
  vrfy = options.list, expn = options.list,
  ["ca-file"] = options.string, servername = options.string, insecure = false, json = false,
})
local usage_error = options.usage -- exit 2, with the usage line
local setting = require("credentials").setting

local addr = rest[1] or setting(nil, "MAILEXPECT_SMTP")
if not addr then usage_error("no server: give an ADDRESS or set MAILEXPECT_SMTP") end
if #rest > 1 then usage_error("one ADDRESS at a time") end
local url = addr:find("://", 1, true) and addr or ("smtp://" .. addr)

-- Credentials, only for --auth.
local user, pass
if opt.auth then
  user, pass = require("credentials").lookup{user = opt.user, secret_file = opt["secret-file"], address = addr}
  if not user or not pass then
    usage_error("--auth needs credentials: MAILEXPECT_USER and MAILEXPECT_PASS, --secret-file or ~/.netrc")
  end
end

-- The report: printed as it happens, or collected for --json. Whether a
-- step failed is a field, not a local the functions assign: gopher-lua
-- loses such assignments after a failed pcall (yuin/gopher-lua#448).
local report = {address = addr, steps = {}}
local status = {failed = false}

local function ms(secs) return secs and string.format("  [%.1f ms]", secs * 1000) or "" end

local function step(name, text, secs)
  report.steps[#report.steps + 1] = {step = name, text = text, ms = secs and math.floor(secs * 1e6 + 0.5) / 1000}
  if not opt.json then print(string.format("%-9s %s%s", name, text, ms(secs))) end
end

local function more(lines)
  local s = report.steps[#report.steps]
  s.details = s.details or {}
  for _, l in ipairs(lines) do
    s.details[#s.details + 1] = l
    if not opt.json then print("            " .. l) end
  end
end

-- delta runs fn and returns how much c.timings[key] grew: the module times
-- each step, including the EHLO a STARTTLS sends after it.
local function delta(c, key, fn, ...)
  local before = c.timings[key] or 0
  local r = fn(...)
  return (c.timings[key] or 0) - before, r
end

local function reply_text(r)
  return r.code .. " " .. (r.text:gsub("\n", " / "))
end

local function caps_lines(c)
  local out = {}
  if c.ehlo_reply then
    for i = 2, #c.ehlo_reply.lines do out[#out + 1] = c.ehlo_reply.lines[i] end
  end
  return out
end

local function certificate(info)
  local out = {}
  local p = info.peer
  if p then
    local days = math.floor((p.not_after - time()) / 86400)
    out[#out + 1] = "subject  " .. p.subject
    out[#out + 1] = "issuer   " .. p.issuer
    out[#out + 1] = "names    " .. table.concat(p.dns_names, " ")
    out[#out + 1] = string.format("valid    %s to %s UTC (%d days left)", os.date("!%Y-%m-%d %H:%M", p.not_before),
                                  os.date("!%Y-%m-%d %H:%M", p.not_after), days)
  end
  out[#out + 1] = "verified " .. (info.verified and "yes" or ("NO: " .. tostring(info.verify_error)))
  report.tls = {version = info.version, cipher = info.cipher, verified = info.verified, peer = p}
  return out
end

local function probe()
  local c = smtp.connect{url = url, tls = opt.tls, helo = opt.helo, insecure = opt.insecure,
                         ca_file = setting(opt["ca-file"], "MAILEXPECT_CA_FILE"),
                         servername = opt.servername, user = user, pass = pass, auth = opt.mech}
  step("connect", c.label .. (c.session.tls and (" (implicit TLS)") or ""), c.timings.connect)
  if c.session.tls then
    step("TLS", c.session.tls.version .. " " .. c.session.tls.cipher)
    more(certificate(c.session.tls))
  end
  step("banner", reply_text(c.greeting), c.timings.greeting)

  local dt = delta(c, "ehlo", c.ehlo, c)
  step("EHLO", c.ehlo_reply.lines[1] or "", dt)
  more(caps_lines(c))
  report.ehlo = caps_lines(c)

  if c.tlsmode == "starttls" then
    if not c.caps.STARTTLS then
      step("STARTTLS", "not offered (--tls none goes on without it)")
      error("the server does not offer STARTTLS", 0)
    end
    local before = c.timings.ehlo or 0
    local dt = delta(c, "starttls", c.starttls, c)
    local info = c.session.tls
    step("STARTTLS", info.version .. " " .. info.cipher, dt)
    more(certificate(info))
    step("EHLO", (c.ehlo_reply.lines[1] or "") .. " (after TLS)", (c.timings.ehlo or 0) - before)
    more(caps_lines(c))
    report.ehlo_tls = caps_lines(c)
  end

  if opt.auth then
    local t0 = now()
    local ok, r = pcall(c.auth, c)
    if ok then
      step("AUTH", string.format("%s as %s: %s", c.auth_mechanism, user, reply_text(r)), now() - t0)
      report.auth = {ok = true, mechanism = c.auth_mechanism, reply = reply_text(r)}
    else
      status.failed = true
      local msg = type(r) == "table" and tostring(r.message) or tostring(r)
      step("AUTH", "FAILED: " .. msg, now() - t0)
      report.auth = {ok = false, mechanism = c.auth_mechanism, error = msg}
      if type(r) ~= "table" or r.kind ~= "reply" then error(r, 0) end
    end
  end

  -- VRFY and EXPN (RFC 5321 3.5): each answer as it comes.
  for _, q in ipairs{{verb = "VRFY", args = opt.vrfy, key = "address"}, {verb = "EXPN", args = opt.expn, key = "list"}} do
    local answers = {}
    report[q.verb:lower()] = answers
    for _, a in ipairs(q.args) do
      local t0 = now()
      local r = c:cmd(q.verb .. " " .. a)
      step(q.verb, a .. ": " .. reply_text(r), now() - t0)
      answers[#answers + 1] = {[q.key] = a, code = r.code, text = r.text}
    end
  end

  local t0 = now()
  local r = c:quit()
  step("QUIT", r and reply_text(r) or "(connection closed)", now() - t0)
end

if not opt.json then
  probe()
else
  local ok, err = pcall(probe)
  if not ok then
    status.failed = true
    report.error = type(err) == "table" and {kind = err.kind, message = err.message} or {message = tostring(err)}
  end
  print(json.encode(report))
end
if status.failed then exit(1) end
