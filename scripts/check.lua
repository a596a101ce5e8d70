#!/usr/bin/env mailexpect
-- check.lua: end-to-end mail delivery check, a monitoring plugin.
--
-- Submits a probe message carrying a unique token over SMTP (STARTTLS,
-- implicit TLS or plain; AUTH when offered), polls the mailbox over POP3
-- (or IMAP) until the probe arrives, deletes it, and reports the delivery
-- latency and the time of every protocol step:
--
--   MAIL OK - probe delivered in 0.84s (127.0.0.1:587 -> 127.0.0.1:110) | delivery=0.84s;;;0 smtp_connect=...
--
-- Before it sends anything it logs into the mailbox once: a mailbox that
-- is down is CRITICAL at once, without leaving a probe behind, and only
-- messages that arrive after that login are ever looked at.
--
-- Usage:
--   MAILEXPECT_SMTP=mail.example.com:587 MAILEXPECT_POP3=mail.example.com:110 \
--   MAILEXPECT_USER=probe@example.com MAILEXPECT_PASS=... \
--     mailexpect check.lua -w 30 -c 120
--
-- Credentials never come from the command line: $MAILEXPECT_USER and
-- $MAILEXPECT_PASS, --secret-file FILE (mode 0600), or ~/.netrc (machine =
-- the mailbox host). Exit codes: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.
local check = require "check"
local smtp = require "smtp"
local pop3 = require "pop3"

check.service = "MAIL"

local HELP = [[
usage: mailexpect check.lua [options]

End-to-end delivery check: submit a probe over SMTP, poll the mailbox until
it arrives, report the delivery latency and step times, delete the probe.

Servers (host:port or URL; default from the environment):
  --smtp ADDR          SMTP server: host:port, smtp://, submission://, smtps://,
                       mx:DOMAIN (the domain's MX hosts in order)
                       ($MAILEXPECT_SMTP)
  --smtp-tls MODE      starttls, implicit or none (default: implicit for
                       smtps:// and port 465, else starttls, required)
  --smtp-auth MODE     auto (AUTH when offered over TLS), yes or no
  --pop3 ADDR          mailbox over POP3: host:port, pop3://, pop3s://
                       ($MAILEXPECT_POP3)
  --imap ADDR          mailbox over IMAP instead: host:port, imap://, imaps://
                       ($MAILEXPECT_IMAP, used when no POP3 is given)
  --mailbox-tls MODE   starttls, implicit or none, for the mailbox
  --ca-file FILE       extra CA for both ($MAILEXPECT_CA_FILE)
  --servername NAME    name to verify in the certificates
  --cert-file F --key-file F   a TLS client certificate for both
  --min-version V      1.2 or 1.3: the lowest TLS version accepted
  --proxy URL          socks5://, socks5h://, http:// host:port, or env
  --resolver IP[:PORT] the DNS server to ask (names, --smtp mx:DOMAIN)
Message:
  --to ADDRESS         recipient (default: the user, when it is an address;
                       under --sandbox, the demo user's address)
  --from ADDRESS       envelope and header sender (default: --to)
  --helo NAME          EHLO name (default: localhost)
Credentials (never on the command line):
  --user NAME          login ($MAILEXPECT_USER, or from ~/.netrc)
  --secret-file FILE   file holding the password (else $MAILEXPECT_PASS,
                       else ~/.netrc for the mailbox host)
Thresholds and timing:
  -w, --warning RANGE  delivery latency in seconds that is WARNING (e.g. 30)
  -c, --critical RANGE delivery latency in seconds that is CRITICAL (e.g. 120)
  --wait SECONDS       stop polling after this long: CRITICAL (default 60);
                       probes of earlier runs older than this are deleted
  --interval SECONDS   pause between polls (default 1)
Plugin flags: --json (one JSON object), -t SECONDS (deadline of the whole
check), -v (transcript on stderr, passwords masked), -h (this help).
]]

local USAGE = "check.lua [--smtp ADDR] [--pop3 ADDR] [--imap ADDR] [--to ADDRESS] [-w SECS] [-c SECS] (-h for help)"

local opt = options(arg, {
  _help = HELP,
  _usage = USAGE,
  smtp = options.string, ["smtp-tls"] = options.string, ["smtp-auth"] = "auto",
  pop3 = options.string, imap = options.string, ["mailbox-tls"] = options.string,
  ["ca-file"] = options.string, servername = options.string,
  ["cert-file"] = options.string, ["key-file"] = options.string, ["min-version"] = options.string,
  proxy = options.string, resolver = options.string,
  to = options.string, from = options.string, helo = "localhost",
  user = options.string, ["secret-file"] = options.string,
  ["w|warning"] = options.string, ["c|critical"] = options.string,
  wait = 60, interval = 1,
})
-- missing ends the check UNKNOWN with the usage as long output, as the
-- monitoring plugins do for a command line they cannot use.
local missing = options.usage
local setting = require("credentials").setting

-- url makes "host:port" a URL of the given scheme; URLs (and mx:DOMAIN)
-- pass through.
local function url(addr, scheme)
  if addr:find("://", 1, true) or addr:find("^mx:") then return addr end
  return scheme .. "://" .. addr
end

local smtp_addr = setting(opt.smtp, "MAILEXPECT_SMTP")
local pop3_addr = setting(opt.pop3) or (not setting(opt.imap) and setting(nil, "MAILEXPECT_POP3"))
local imap_addr = not pop3_addr and setting(opt.imap, "MAILEXPECT_IMAP") or nil
if not smtp_addr then missing("no SMTP server: give --smtp or set MAILEXPECT_SMTP") end
if not pop3_addr and not imap_addr then
  missing("no mailbox: give --pop3 or --imap, or set MAILEXPECT_POP3 or MAILEXPECT_IMAP")
end
local mailbox_addr = pop3_addr or imap_addr
for name, v in pairs{["smtp-tls"] = opt["smtp-tls"], ["mailbox-tls"] = opt["mailbox-tls"]} do
  if v ~= nil and v ~= "starttls" and v ~= "implicit" and v ~= "none" then
    missing(string.format("--%s must be starttls, implicit or none, not %q", name, v))
  end
end
if opt["smtp-auth"] ~= "auto" and opt["smtp-auth"] ~= "yes" and opt["smtp-auth"] ~= "no" then
  missing(string.format("--smtp-auth must be auto, yes or no, not %q", opt["smtp-auth"]))
end
if opt["smtp-auth"] == "yes" and opt["smtp-tls"] == "none" then
  missing("--smtp-auth yes needs TLS: credentials never travel in clear (drop --smtp-tls none)")
end
if not (opt.wait > 0) or not (opt.interval > 0) then missing("--wait and --interval must be > 0") end

-- Credentials: the environment, a secret file, or ~/.netrc. Every one of
-- them is registered as a secret, so -v and errors show *** instead.
local user, pass = require("credentials").lookup{user = opt.user, secret_file = opt["secret-file"], address = mailbox_addr}
if not user or not pass then
  missing("no credentials for the mailbox: set MAILEXPECT_USER and MAILEXPECT_PASS, or use --secret-file or ~/.netrc")
end
local to = setting(opt.to) or (user:find("@", 1, true) and user)
if not to and sandbox then
  -- mailexpect --sandbox: the demo user's address (its login is not one).
  for _, u in ipairs(sandbox.users) do
    if u.user == user then to = u.address end
  end
end
if not to then missing("no recipient: give --to (the user name " .. user .. " is not an address)") end
local from = setting(opt.from) or to
local ca_file = setting(opt["ca-file"], "MAILEXPECT_CA_FILE")

-- net adds the connection options every server gets to o.
local function net(o)
  o.cert_file, o.key_file, o.min_version = opt["cert-file"], opt["key-file"], opt["min-version"]
  o.proxy, o.resolver = opt.proxy, opt.resolver
  return o
end

local t_start = now()
-- The token makes the probe findable among other mail; time() and now()
-- differ between any two runs, md5 only shortens them.
local token = "mailexpect-" .. hex.encode(md5(string.format("%.9f %.9f %s", time(), now(), to))):sub(1, 20)

-- Mailbox access -----------------------------------------------------------
-- A mailbox is {open = fn, uids = fn, find = fn(uids) -> found, late, delete = fn, close = fn};
-- POP3 needs a new session per poll (RFC 1939: the maildrop is fixed at
-- login), IMAP sees new mail on the same session.

local function pop3_mailbox()
  local o = net{url = url(mailbox_addr, "pop3"), tls = opt["mailbox-tls"], user = user, pass = pass,
                 ca_file = ca_file, servername = opt.servername}
  local mb = {proto = "pop3"}
  local first = true
  function mb.open()
    local p = pop3.open(o)
    if first then check.timings(p, "pop3"); first = false end
    mb.p = p
  end
  -- listing returns {uid -> n}; without UIDL, message numbers stand in.
  local function listing()
    local ok, list = pcall(mb.p.uidl, mb.p)
    local out = {}
    if ok then
      for _, m in ipairs(list) do out[m.uid] = m.n end
    else
      if type(list) ~= "table" or list.kind ~= "reply" then error(list, 0) end
      for _, m in ipairs(mb.p:list()) do out["#" .. m.n] = m.n end
    end
    return out
  end
  function mb.baseline()
    mb.open()
    mb.known = listing()
    mb.p:quit()
  end
  -- poll looks at the messages that arrived since the baseline: the probe,
  -- and late probes of earlier runs, which are deleted too once they are
  -- older than --wait (their run has given up on them; a younger one may
  -- belong to a check running right now from elsewhere).
  function mb.poll()
    mb.open()
    local found, late = nil, {}
    for uid, n in pairs(listing()) do
      if not mb.known[uid] then
        local head = mb.p:top(n, 0)
        local probe, sent = head:match("\nX%-Mailexpect%-Probe: (mailexpect%-%x+) (%d+)\r?\n")
        if probe == token then
          found = n
        elseif probe and tonumber(sent) < time() - opt.wait then
          late[#late + 1] = n
        else
          mb.known[uid] = true
        end
      end
    end
    return found, late
  end
  function mb.delete(n) mb.p:dele(n) end
  function mb.close() mb.p:quit() end
  return mb
end

local function imap_mailbox()
  local ok, imap = pcall(require, "imap")
  if not ok then
    check.exit(check.UNKNOWN, "IMAP polling needs the imap module, which this mailexpect does not have yet; use --pop3")
  end
  local o = net{url = url(mailbox_addr, "imap"), tls = opt["mailbox-tls"], user = user, pass = pass,
                 ca_file = ca_file, servername = opt.servername}
  local mb = {proto = "imap"}
  function mb.baseline()
    mb.i = imap.open(o)
    check.timings(mb.i, "imap", {"connect", "greeting", "starttls", "auth", "select"})
    local box = mb.i:select("INBOX")
    mb.uidvalidity, mb.uidnext = box.uidvalidity, box.uidnext or 1
  end
  -- One session for the whole poll: NOOP lets the server announce new mail.
  function mb.poll()
    mb.i:cmd("NOOP")
    local found = mb.i:uid_search("UID " .. mb.uidnext .. ":* HEADER X-Mailexpect-Probe " .. token)
    -- "UID n:*" always matches the last message, even below n.
    for _, uid in ipairs(found) do
      if uid >= mb.uidnext then return uid, {} end
    end
    return nil, {}
  end
  -- Deleting works by UID (UID STORE + UID EXPUNGE): never a bare EXPUNGE
  -- that would take other clients' \Deleted messages with it.
  mb.pending = {}
  function mb.delete(uid) mb.pending[#mb.pending + 1] = uid end
  function mb.close()
    if #mb.pending > 0 then
      mb.i:uid_store(mb.pending, "+FLAGS.SILENT", "(\\Deleted)")
      mb.i:uid_expunge(mb.pending)
    end
    mb.i:logout()
  end
  return mb
end

local mb = pop3_addr and pop3_mailbox() or imap_mailbox()
mb.baseline()

-- Submission ---------------------------------------------------------------

local c = smtp.connect(net{url = url(smtp_addr, "smtp"), tls = opt["smtp-tls"], user = user, pass = pass,
                           ca_file = ca_file, servername = opt.servername, helo = opt.helo})
check.timings(c, "smtp")
c:ehlo()
if c.tlsmode == "starttls" then c:starttls() end
-- auto: AUTH when the server offers it over TLS. Without TLS the probe
-- goes unauthenticated (an MX on port 25 takes mail for its own users).
local auth = opt["smtp-auth"]
if auth == "yes" or (auth == "auto" and c.caps.AUTH and c.session.tls) then c:auth() end
local reply = c:send{
  from = from, to = {to},
  subject = "mailexpect delivery probe " .. token,
  headers = {{"X-Mailexpect-Probe", token .. " " .. math.floor(time())}},
  body = "This message tests mail delivery. mailexpect deletes it as soon as it arrives.\r\n" ..
         "Token: " .. token .. "\r\n",
}
local t_sent = now()
c:quit()
check.detail("submitted: " .. reply.code .. " " .. (reply.text:gsub("\n", " ")))

-- Polling ------------------------------------------------------------------

local deadline = t_sent + opt.wait
local found, late, polls
polls = 0
while true do
  polls = polls + 1
  found, late = mb.poll()
  if found or now() >= deadline then break end
  if mb.proto == "pop3" then mb.close() end
  sleep(math.max(0, math.min(opt.interval, deadline - now())))
end
local latency = now() - t_sent
if found then mb.delete(found) end
for _, n in ipairs(late) do mb.delete(n) end
mb.close()

local route = smtp_addr .. " -> " .. mailbox_addr
if not found then
  check.critical(string.format("probe not delivered within %ss (%s, token %s)", opt.wait, route, token))
else
  check.metric("delivery", latency, "s", opt.warning, opt.critical, 0)
  check.ok(string.format("probe delivered in %.2fs (%s)", latency, route))
  check.detail(string.format("found after %d poll%s; probe deleted%s", polls, polls == 1 and "" or "s",
                             dry_run and " (not really: --dry-run)" or ""))
end
if #late > 0 then
  check.detail(string.format("removed %d late probe%s of earlier runs", #late, #late == 1 and "" or "s"))
end
check.metric("total", now() - t_start, "s", nil, nil, 0)
