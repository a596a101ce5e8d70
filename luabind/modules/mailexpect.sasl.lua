-- mailexpect.sasl: the client side of SASL (RFC 4422) for the smtp, pop3
-- and imap modules, and the one place that decides how a client logs in:
-- which mechanism, whether it is offered, whether the password may go out
-- without TLS, the warning for an unverified TLS session.
--
-- A mechanism is a constructor of a client shaped like go-sasl's Client:
-- start() returns the initial response (nil when the mechanism has none),
-- next(challenge, text) the response to a server challenge, or nil and a
-- reason to cancel. Challenges and responses are raw bytes; base64 is the
-- protocol's business (RFC 4422 4), done here once for all of them.
--
-- A protocol module describes itself once (see M.authenticate): how a
-- challenge is framed (SMTP "334 ", IMAP "+ ", POP3 "+"), which mechanisms
-- the server offers, its preference order and its own login commands
-- (POP3 USER/PASS and APOP, the IMAP LOGIN command).
local rt = require "mailexpect.internal"

-- The globals this module uses, captured once: a script that later
-- assigns to one of them must not change how credentials are handled.
local base64, hmac_md5, secret, json = base64, hmac_md5, secret, json

local M = {}

-- A server that keeps challenging is cancelled after this many rounds.
local MAX_STEPS = 8

-- ---------------------------------------------------------------------
-- Mechanisms, keyed by their IANA name (upper case).

local mechanisms = {}
M.mechanisms = mechanisms

-- PLAIN (RFC 4616): authzid NUL authcid NUL passwd, as the initial
-- response; nothing to say to a challenge.
mechanisms.PLAIN = {client = function(cred)
  return {
    start = function() return (cred.authzid or "") .. "\0" .. cred.user .. "\0" .. cred.pass end,
    next = function() return nil end,
  }
end}

-- LOGIN (draft-murchison-sasl-login): user name, then password, one per
-- challenge, whatever the (often bare) challenge text says.
mechanisms.LOGIN = {client = function(cred)
  local answers, step = {cred.user, cred.pass}, 0
  return {
    start = function() return nil end,
    next = function()
      step = step + 1
      return answers[step]
    end,
  }
end}

-- CRAM-MD5 (RFC 2195): user SP hex(HMAC-MD5(password, challenge)). A
-- digest of the password and a one-time challenge, never the password:
-- it may run without TLS.
mechanisms["CRAM-MD5"] = {digest = true, client = function(cred)
  local done = false
  return {
    start = function() return nil end,
    next = function(challenge, text)
      if done then return nil end
      if not challenge or challenge == "" then
        return nil, "CRAM-MD5 challenge is not base64: " .. string.format("%q", text)
      end
      done = true
      return cred.user .. " " .. hmac_md5(cred.pass, challenge)
    end,
  }
end}

-- bearer makes a token mechanism's client: start() is the initial
-- response; the one challenge is the server's error, kept (JSON decoded
-- when it is JSON) and answered with answer; a second is cancelled.
local function bearer(start, answer)
  return function(cred)
    local m = {start = function() return start(cred) end}
    m.next = function(challenge, text)
      if m.error ~= nil then return nil end
      local detail = challenge or text
      m.error = (json.decode(detail)) or detail
      return answer
    end
    return m
  end
end

-- XOAUTH2 (Google's SASL mechanism): user=U ^A auth=Bearer T ^A ^A. A
-- refusal comes as a challenge holding JSON ({"status": "401", ...}),
-- kept as c.auth_error; the client answers it with an empty response and
-- the server then sends its final refusal.
mechanisms.XOAUTH2 = {token = true, client = bearer(function(cred)
  return "user=" .. cred.user .. "\1auth=Bearer " .. cred.token .. "\1\1"
end, "")}

-- OAUTHBEARER (RFC 7628 3.1): the GS2 header with the user as authzid,
-- then auth=Bearer T between ^A separators. A refusal is a challenge
-- holding JSON (3.2.2), kept as c.auth_error; the client answers it with
-- a single ^A and the server then sends its final refusal.
local function saslname(s) return (s:gsub("=", "=3D"):gsub(",", "=2C")) end

mechanisms.OAUTHBEARER = {token = true, client = bearer(function(cred)
  return "n,a=" .. saslname(cred.authzid or cred.user) .. ",\1auth=Bearer " .. cred.token .. "\1\1"
end, "\1")}

-- SCRAM-SHA-1 and SCRAM-SHA-256 (RFC 5802, RFC 7677): client-first as
-- the initial response, client-final (with the proof) to the server's
-- first challenge, and the server's signature checked on the second: a
-- server that cannot prove it knows the password fails the login (kind
-- protocol) even when it would let the client in. The exchange is Go's
-- (rt.scram, xdg-go/scram); the password never leaves in any form, so it
-- may run without TLS, and the proof is registered as a secret.
local function scram(hash)
  return {digest = true, client = function(cred)
    local name = "SCRAM-" .. hash
    local conv, why = rt.scram(hash, cred.user, cred.pass, cred.authzid or "")
    if not conv then rt.raise("usage", name .. ": " .. why) end
    local m, step = {verified = false}, 0
    m.start = function() return (conv.step("")) end
    m.next = function(challenge, text)
      step = step + 1
      if step == 1 then
        local resp, err = conv.step(challenge or "")
        if not resp then
          m.fatal = string.format("%s: the server's first message is not SCRAM (%s): %q", name, err, tostring(text))
          return nil, m.fatal
        end
        local proof = resp:match(",p=([^,]+)$")
        if proof then secret(proof) end
        return resp
      elseif step == 2 then
        local refusal = (challenge or ""):match("^e=([^,]*)")
        if refusal then
          -- server-error (RFC 5802 7): kept as c.auth_error; the server
          -- then sends its final refusal.
          m.error, m.verified = refusal, nil
          return ""
        end
        local _, err = conv.step(challenge or "")
        if err then
          m.fatal = name .. ": the server did not prove it knows the password (" .. err .. ")"
          return nil, m.fatal
        end
        m.verified = true
        return ""
      end
      return nil
    end
    return m
  end}
end
mechanisms["SCRAM-SHA-1"] = scram("SHA-1")
mechanisms["SCRAM-SHA-256"] = scram("SHA-256")

-- ---------------------------------------------------------------------
-- The exchange.

-- exchange runs mechanism name over a protocol's framing f:
--
--   f.start(c, mech, ir) sends the command, with the initial response ir
--     (raw bytes, or nil) when the protocol can carry it; returns the
--     exchange x, the first challenge's text (nil when the server already
--     answered) and, when ir went unsent, the response still owed: the
--     next challenge asks for it;
--   f.respond(x, line) sends a base64 response line, marked secret;
--     returns the next challenge's text, or nil and the final reply;
--   f.cancel(x, why) sends "*" (RFC 4422 3.5) and raises, or returns the
--     final reply when the protocol reports a cancel as a refusal (IMAP).
--
-- Returns the final reply and the mechanism's client.
local function exchange(c, f, name, cred)
  local m = mechanisms[name].client(cred)
  local x, text, final, owed = f.start(c, name, m.start())
  local steps = 0
  while final == nil do
    steps = steps + 1
    local resp, why
    if owed then
      resp, owed = owed, nil
    elseif steps <= MAX_STEPS then
      resp, why = m.next(base64.decode(text), text)
    else
      why = "too many challenges"
    end
    if resp == nil then
      final = f.cancel(x, why or string.format("an unexpected %s challenge to AUTH %s", f.challenge, name))
      break
    end
    text, final = f.respond(x, base64.encode(resp))
  end
  return final, m
end

-- ---------------------------------------------------------------------
-- Choosing and policing the login.

-- The rule for sending a password: only over TLS, unless the script says
-- allow_plaintext_auth = true; a digest mechanism (CRAM-MD5, APOP) never
-- sends it and may always run.
local function may_send(c, digest)
  return c.session.tls ~= nil or c.opts.allow_plaintext_auth or digest or false
end

local function refuse_plaintext(c, P, missing)
  rt.raise("usage", c.label .. ": refusing to send the password without TLS (allow_plaintext_auth = true permits it" ..
           (missing and ("; " .. missing) or "") .. ")", {stage = P.stage})
end

-- method returns what name (upper case) is to P: the protocol's own
-- login command, a SASL mechanism it speaks, or nil.
local function method(P, name)
  local own = P.methods and P.methods[name]
  if own then return own, false end
  if P.mechanisms[name] then return mechanisms[name], true end
end

local function known_list(P)
  local names = {}
  for _, n in ipairs(P.known) do names[#names + 1] = n:lower() end
  return table.concat(names, ", ")
end

-- choose returns the name (upper case) of the method to use, and what
-- method returns for it: auth = as asked (known and, for SASL, offered);
-- else XOAUTH2 when token = is given; else the first of P.order(c) the
-- server offers and the plaintext rule allows.
local function choose(c, P)
  local want = c.opts.auth
  if want then
    local name = want:upper()
    local m, is_sasl = method(P, name)
    if not m then rt.raise("usage", P.name .. ": unknown auth " .. want .. " (" .. known_list(P) .. ")") end
    if is_sasl and not P.trust_named and not P.offered(c, name) then
      rt.raise("protocol", string.format("%s: auth = %q but the server does not offer it (AUTH %s)",
               c.label, want, tostring(P.advertised(c) or "not advertised")), {stage = P.stage})
    end
    if not may_send(c, m.digest) then refuse_plaintext(c, P) end
    return name, m, is_sasl
  end
  if c.opts.token then
    -- The standard OAUTHBEARER when offered, else XOAUTH2 (which
    -- servers that take tokens have offered longest).
    local name = (P.mechanisms.OAUTHBEARER and P.offered(c, "OAUTHBEARER")) and "OAUTHBEARER"
                 or (P.mechanisms.XOAUTH2 and "XOAUTH2")
    if name then
      if not may_send(c, false) then refuse_plaintext(c, P) end
      return name, method(P, name)
    end
  end
  local skipped, digests = false, {}
  for _, name in ipairs(P.order(c)) do
    local m, is_sasl = method(P, name)
    if m.digest then digests[#digests + 1] = name end
    local offered
    if is_sasl then offered = P.offered(c, name) else offered = m.offered(c) end
    if offered then
      if may_send(c, m.digest) then return name, m, is_sasl end
      skipped = true
    end
  end
  if skipped then
    local list = #digests > 1 and (table.concat(digests, ", ", 1, #digests - 1) .. " and " .. digests[#digests]) or digests[1]
    refuse_plaintext(c, P, list .. (#digests > 1 and " are" or " is") .. " not offered")
  end
  rt.raise("protocol", string.format("%s: the server offers no login method mailexpect knows (AUTH %s)",
           c.label, tostring(P.advertised(c) or "not advertised")), {stage = P.stage})
end

-- M.authenticate logs c in with c.opts (user, pass, token, authzid, auth,
-- allow_plaintext_auth, insecure) as protocol P describes, and returns
-- the server's final reply (success or refusal: the module judges it) and
-- the method's name as the protocol shows it (c.auth_mechanism). The
-- password and token are registered as secrets first, and every line that
-- carries them goes out marked secret. P:
--
--   name        "smtp": prefixes usage messages
--   stage       the error stage of a refused or impossible login
--   display     fn(NAME) -> how c.auth_mechanism and -v show it
--   mechanisms  {PLAIN = true, ...}: the SASL mechanisms it speaks
--   known       the names an unknown auth = is told about
--   methods     {USER = {run = fn(c, cred), offered = fn(c), digest = bool}}:
--               its own login commands (run returns the final reply)
--   offered     fn(c, NAME): the server offers this SASL mechanism
--   trust_named a named mechanism is tried unchecked (see pop3.lua)
--   advertised  fn(c): the offered list, for messages
--   order       fn(c): preference, when the script names no mechanism
--   frame       the challenge framing (see exchange), with challenge =
--               how the protocol calls a challenge ("334")
--   accepted    fn(reply): the final reply lets the client in
local function string_option(P, k, v)
  if v ~= nil and type(v) ~= "string" then rt.raise("usage", P.name .. ": " .. k .. " must be a string") end
end

function M.authenticate(c, P)
  local o = c.opts
  local pass, token = o.pass, o.token
  if type(o.user) ~= "string" then rt.raise("usage", P.name .. ": auth needs user = (a string)") end
  string_option(P, "pass", pass)
  if token ~= nil then string_option(P, "token", token) end
  if o.authzid ~= nil then string_option(P, "authzid", o.authzid) end
  if pass then secret(pass) end
  if token then secret(token) end
  rt.credentials_used(o.user, pass or token) -- a bulk run's summary: from the row, or not
  local name, m, is_sasl = choose(c, P)
  -- insecure first: s.tls is computed in Go (a table of the connection's
  -- TLS state) on every read.
  if o.insecure and c.session.tls then
    rt.warn(c.label .. ": sending credentials over TLS without certificate verification (insecure = true)")
  end
  local shown = P.display(name)
  rt.note(c.session, "AUTH mechanism " .. shown)
  c.auth_mechanism = shown
  local cred = {user = o.user, pass = pass or "", token = token, authzid = o.authzid}
  if not is_sasl then return m.run(c, cred), shown end
  if m.token and not cred.token then rt.raise("usage", P.name .. ": auth = \"" .. shown .. "\" needs token =") end
  local r, client = exchange(c, P.frame, name, cred)
  if client.fatal then rt.raise("protocol", c.label .. ": " .. client.fatal, {stage = P.stage}) end
  if client.verified == false and P.accepted(r) then
    -- SCRAM is mutual: a login accepted before the server proved it
    -- knows the password (no server-final) is not trusted.
    c.session:close()
    rt.raise("protocol", string.format("%s: the server accepted %s without proving it knows the password (no SCRAM server-final message)",
             c.label, shown), {stage = P.stage})
  end
  if client.error ~= nil then
    c.auth_error = client.error
    r.auth_error = client.error
  end
  return r, shown
end

-- offered_in says whether the space-separated list has name (any case).
function M.offered_in(list, name)
  if type(list) ~= "string" then return false end
  for m in list:gmatch("%S+") do
    if m:upper() == name then return true end
  end
  return false
end

return M
