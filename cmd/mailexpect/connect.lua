-- mailexpect connect URL: a mail session typed by a person, as with telnet
-- or openssl s_client, with TLS done as the scheme says (STARTTLS/STLS on
-- its own, verified), the greeting, capabilities and a TLS summary shown,
-- and ~login doing AUTH without base64 by hand. The options come from the
-- command line as the read-only global CONNECT (cmd/mailexpect/connect.go).
local rt = require "mailexpect.internal"
local C = CONNECT

local a = rt.address(C.url)
local by_scheme = {smtp = "smtp", submission = "smtp", smtps = "smtp", lmtp = "smtp",
                   pop3 = "pop3", pop3s = "pop3", imap = "imap", imaps = "imap"}
local by_port = {[25] = "smtp", [587] = "smtp", [465] = "smtp", [24] = "smtp",
                 [110] = "pop3", [995] = "pop3", [143] = "imap", [993] = "imap"}
local proto = by_scheme[a.scheme] or by_port[a.port]
local lmtp = a.scheme == "lmtp" or (a.scheme == "" and a.port == 24)

local function nonempty(v) if v ~= "" then return v end end

local function tls_line(t)
  if not t then return end
  local s = string.format("TLS: %s %s", t.version, t.cipher)
  if t.peer then
    s = s .. string.format(", certificate %s, issuer %s, expires %s, key %s", t.peer.subject, t.peer.issuer,
                           os.date("!%Y-%m-%d", t.peer.not_after), t.peer.spki)
  end
  if t.verified then
    s = s .. ", verified for " .. t.server_name
  else
    s = s .. ", NOT verified (" .. (t.verify_error or "?") .. ")"
  end
  print(s)
end

local function show_reply(r)
  for i, l in ipairs(r.lines) do
    print(string.format("%d%s%s", r.code, i < #r.lines and "-" or " ", l))
  end
end

local conn = {
  tls = nonempty(C.tls), ca_file = nonempty(C.ca_file), insecure = C.insecure or nil,
  servername = nonempty(C.servername),
  cert_file = nonempty(C.cert_file), key_file = nonempty(C.key_file), min_version = nonempty(C.min_version),
  pin = nonempty(C.pin), proxy = nonempty(C.proxy), unix_socket = nonempty(C.unix_socket),
  resolver = nonempty(C.resolver),
}
if a.scheme ~= "" then conn.url = C.url else conn.host, conn.port = a.host, a.port end

local client, session
if proto == "smtp" then
  local smtp = require "smtp"
  conn.lmtp = lmtp or nil
  client = smtp.connect(conn)
  show_reply(client.greeting)
  local r = client:ehlo(nonempty(C.helo))
  if client.tlsmode == "starttls" then
    local _, again = client:starttls()
    r = again
  end
  tls_line(client.session.tls)
  show_reply(r)
elseif proto == "pop3" then
  local pop3 = require "pop3"
  client = pop3.connect(conn)
  print(client.greeting.status .. " " .. client.greeting.text)
  if client.tlsmode == "starttls" then client:stls() else client:capa() end
  tls_line(client.session.tls)
  local names = {}
  for k, v in pairs(client.caps or {}) do names[#names + 1] = v == true and k or (k .. " " .. v) end
  table.sort(names)
  print("capabilities: " .. table.concat(names, ", "))
elseif proto == "imap" then
  local imap = require "imap"
  client = imap.connect(conn)
  print("* " .. client.greeting.name .. " " .. (client.greeting.text or ""))
  if client.tlsmode == "starttls" then client:starttls() else client:capability() end
  tls_line(client.session.tls)
  local names = {}
  for k in pairs(client.caps or {}) do
    if k ~= "AUTH" then names[#names + 1] = k end -- the module's summary of the AUTH= ones
  end
  table.sort(names)
  print("capabilities: " .. table.concat(names, " "))
else
  -- A port no mail protocol is known on: plain TCP (implicit TLS when
  -- asked), the greeting shows as it arrives; no ~login.
  session = connect(C.url, {tls = (C.tls == "implicit") and "implicit" or nil, ca_file = conn.ca_file,
                            insecure = conn.insecure, servername = conn.servername,
                            cert_file = conn.cert_file, key_file = conn.key_file, min_version = conn.min_version,
                            pin = conn.pin, proxy = conn.proxy, unix_socket = conn.unix_socket,
                            resolver = conn.resolver})
  tls_line(session.tls)
end
session = session or client.session

local commands = {}
if client then
  commands.login = {function(args)
    local creds = require "credentials"
    local user, pass = creds.lookup{user = nonempty(args) or nonempty(C.user), secret_file = nonempty(C.secret_file),
                                    address = a.host}
    if not user then
      error("no user: ~login USER, --user, MAILEXPECT_USER or ~/.netrc", 0)
    end
    pass = pass or getpass("password for " .. user .. ": ")
    client.opts.user, client.opts.pass = user, pass
    client.opts.auth = nonempty(C.auth)
    client.opts.allow_plaintext_auth = C.allow_plaintext_auth or nil
    client:auth()
    print(string.format("~login: logged in as %s (%s)", user, client.auth_mechanism or "?"))
  end, args = "[user]",
     help = "log in (" .. proto:upper() .. ") with --user/--secret-file, MAILEXPECT_USER/_PASS, ~/.netrc or a prompt"}
end

commands.starttls = {function()
  if session.tls then error("the session is encrypted already", 0) end
  if client then
    -- The module's step: STARTTLS (POP3: STLS), the handshake, the
    -- capabilities asked again (SMTP: EHLO).
    local _, again = client:starttls()
    tls_line(session.tls)
    if proto == "smtp" and again then show_reply(again) end
  else
    -- Raw TCP: the handshake only, after the person typed the protocol's
    -- command and the server said go ahead.
    tls_line(session:starttls())
  end
end, help = client and "upgrade to TLS: " .. (proto == "pop3" and "STLS" or "STARTTLS") .. ", the handshake (verified), capabilities again"
             or "the TLS handshake, after you typed the protocol's STARTTLS and got the go-ahead"}

print(string.format("connected to %s (%s); ~? lists local commands, ~. leaves", C.url,
                    lmtp and "lmtp" or proto or "raw TCP"))
local why = session:interact{commands = commands, pipe = true}
if why == "closed" then print("connection closed by the server") end
session:close()
