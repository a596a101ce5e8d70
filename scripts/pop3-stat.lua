#!/usr/bin/env mailexpect
-- pop3-stat.lua: what is in a POP3 mailbox, without touching it. Logs in
-- (STLS or implicit TLS by default), shows the message count and size,
-- each message's size and UIDL, and optionally the headers and first
-- lines of the newest message (TOP), then QUITs. It never deletes: no
-- DELE is ever sent, so QUIT commits nothing.
--
--   127.0.0.1:110 (STLS, TLS 1.3) user1: 3 messages, 1869 octets
--        #      size  uidl
--        1       623  00000001691c5a37
--   ...
--
-- Usage:
--   MAILEXPECT_POP3=mail.example.com:110 MAILEXPECT_USER=alice MAILEXPECT_PASS=... \
--     mailexpect pop3-stat.lua --top 5
--   mailexpect pop3-stat.lua --json pop3s://mail.example.com     (~/.netrc)
--
-- The password comes from $MAILEXPECT_PASS, --secret-file or ~/.netrc,
-- never from the command line. Exit code 0, or 1 when a step failed.
local pop3 = require "pop3"

local HELP = [[
usage: mailexpect pop3-stat.lua [options] [ADDRESS]

ADDRESS is host:port or pop3://, pop3s:// (default: $MAILEXPECT_POP3).

  --tls MODE          starttls (STLS), implicit or none (default: implicit
                      for pop3s:// and port 995, else starttls, required)
  --auth NAME         user (USER/PASS), apop or plain (default: user over
                      TLS, apop without)
  --user NAME         login (default $MAILEXPECT_USER, or from ~/.netrc)
  --secret-file FILE  the password (else $MAILEXPECT_PASS, else ~/.netrc)
  --max N             list at most the N newest messages (default 50, 0: all)
  --top N             show the headers and the first N body lines of the
                      newest message
  --ca-file FILE      extra trusted CA ($MAILEXPECT_CA_FILE)
  --servername NAME   name to verify in the certificate
  --insecure          do not verify the certificate
  --json              one JSON object instead of the report
]]

local opt, rest = options(arg, {
  _help = HELP,
  _usage = "pop3-stat.lua [options] [ADDRESS] (-h for help)",
  tls = options.string, auth = options.string, user = options.string, ["secret-file"] = options.string,
  max = 50, top = options.number,
  ["ca-file"] = options.string, servername = options.string, insecure = false, json = false,
})
local usage_error = options.usage -- exit 2, with the usage line
local setting = require("credentials").setting

local addr = rest[1] or setting(nil, "MAILEXPECT_POP3")
if not addr then usage_error("no server: give an ADDRESS or set MAILEXPECT_POP3") end
if #rest > 1 then usage_error("one ADDRESS at a time") end
if opt.max < 0 or (opt.top and opt.top < 0) then usage_error("--max and --top must be >= 0") end

local user, pass = require("credentials").lookup{user = opt.user, secret_file = opt["secret-file"], address = addr}
if not user or not pass then
  usage_error("no credentials: set MAILEXPECT_USER and MAILEXPECT_PASS, or use --secret-file or ~/.netrc")
end

local p = pop3.open{url = addr:find("://", 1, true) and addr or ("pop3://" .. addr), tls = opt.tls,
                    auth = opt.auth, user = user, pass = pass, insecure = opt.insecure,
                    ca_file = setting(opt["ca-file"], "MAILEXPECT_CA_FILE"),
                    servername = opt.servername}
local count, octets = p:stat()
local sizes = p:list()
-- UIDL is optional (RFC 1939 7); without it the column stays empty.
local uids = {}
local ok, list = pcall(p.uidl, p)
if ok then
  for _, m in ipairs(list) do uids[m.n] = m.uid end
elseif type(list) ~= "table" or list.kind ~= "reply" then
  error(list, 0)
end

local first = 1
if opt.max > 0 and #sizes > opt.max then first = #sizes - opt.max + 1 end
local messages = {}
for i = first, #sizes do
  local m = sizes[i]
  messages[#messages + 1] = {n = m.n, size = m.size, uid = uids[m.n]}
end

local newest = sizes[#sizes]
local top
if opt.top and newest then top = p:top(newest.n, opt.top) end
local tls = p.session.tls
local how = (p.tlsmode == "starttls" and "STLS, " or p.tlsmode == "implicit" and "implicit TLS, " or "")
            .. (tls and tls.version or "no TLS")
p:quit()

if opt.json then
  print(json.encode{
    address = addr, user = user, tls = tls and {version = tls.version, cipher = tls.cipher} or nil,
    count = count, octets = octets, listed = json.array(messages),
    newest = top and {n = newest.n, top = top} or nil,
  })
  return
end

print(string.format("%s (%s) %s: %d message%s, %d octets", addr, how, user, count, count == 1 and "" or "s", octets))
if #messages > 0 then
  if #messages < count then print(string.format("the %d newest:", #messages)) end
  print(string.format("%6s  %8s  %s", "#", "size", "uidl"))
  for _, m in ipairs(messages) do
    print(string.format("%6d  %8d  %s", m.n, m.size, m.uid or ""))
  end
end
if top then
  print(string.format("newest message (#%d), TOP %d %d:", newest.n, newest.n, opt.top))
  local text = top:gsub("\r?\n$", "") .. "\n"
  for line in text:gmatch("(.-)\r?\n") do print("  " .. line) end
end
