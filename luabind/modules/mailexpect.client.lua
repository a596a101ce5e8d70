-- mailexpect.client: how the smtp, pop3 and imap modules open a client,
-- written once: options table -> endpoint -> connect -> greeting -> TLS ->
-- login, the step timings (c.timings) and closing the session when a step
-- after connecting fails. Each module says only what is its own: its
-- options, ports and schemes, how a greeting is read and judged, and what
-- it says first (SMTP's EHLO).
local rt = require "mailexpect.internal"

-- The globals this module uses, captured once (see smtp.lua).
local connect, now, setmetatable = connect, now, setmetatable

local M = {}

-- The options every module takes beside its own are ClientOptions in the
-- API spec, which checks them (names and types) before open or connect
-- runs: where to connect and how (TLS, the client certificate, lowest
-- version, key pins, a proxy, or a Unix-domain socket dialed instead of
-- the URL's host as curl's --unix-socket, the DNS server asked), the
-- login, the timeouts and the session's label.

-- timed runs fn(...) and adds its duration to c.timings[name].
function M.timed(c, name, fn, ...)
  local t0 = now()
  local a, b, d = fn(...)
  c.timings[name] = (c.timings[name] or 0) + (now() - t0)
  return a, b, d
end

-- took adds the time since t0 to c.timings[name]: timed without a
-- closure, for the steps that run once per message or command.
function M.took(c, name, t0)
  c.timings[name] = (c.timings[name] or 0) + (now() - t0)
end

-- greet reads and judges the greeting (see connect).
local function greet(c, P)
  if P.wrap then P.wrap(c) end
  local g, secs = P.greeting(c)
  local timings = c.timings
  timings.greeting = (timings.greeting or 0) + secs
  c.greeting = g
  P.welcome(c, g)
end

-- connect makes a client (given the metatable Client) from the options o,
-- checked against the API spec already, as protocol P describes it:
--
--   endpoint  rt.endpoint's spec: {name, schemes, port, implicit_port}
--   init      fn(c) sets the module's own fields (optional)
--   wrap      fn(c) once the session is there (IMAP's wire reader)
--   greeting  fn(c) reads the greeting; returns it and the seconds it
--             took (c.timings.greeting)
--   welcome   fn(c, greeting) raises when the greeting refuses the session
--
-- The client has opts, tlsmode ("implicit", "starttls" or "none"),
-- scheme, timings, timeouts, label, session (o.session, or a new
-- connection) and greeting. Garbage, EOF or a timeout instead of a
-- greeting, or a refusal, closes the session before the error goes on.
function M.connect(o, P, Client)
  o = o or {}
  -- dial: connect's options (how to connect), nil when there are none.
  local addr, tls, scheme, dial = rt.endpoint(o, P.endpoint)
  local session, timings = o.session, {}
  if not session then
    local t0 = now()
    session = connect(addr, dial)
    timings.connect = now() - t0
  end
  -- All its fields at once, the ones set later too (nil until then: the
  -- constructor sizes the table for them), rather than key by key into
  -- a table that grows past its first eight keys into a Go map.
  local c = setmetatable({opts = o, tlsmode = tls, scheme = scheme, timings = timings, timeouts = o.timeouts or {},
                          label = o.label or addr, session = session, greeting = nil, auth_mechanism = nil,
                          caps = nil}, Client)
  if P.init then P.init(c) end
  local ok, err = pcall(greet, c, P)
  if not ok then
    c.session:close()
    error(err, 0)
  end
  return c
end

-- start runs what open does once connected (see open).
local function start(c, o, P)
  if P.hello then P.hello(c, o) end
  if c.tlsmode == "starttls" then
    if P.starttls then P.starttls(c) else c:starttls() end
  end
  if o.user or o.token then
    if P.login then P.login(c) else c:auth() end
  end
end

-- open is connect, then what the client says first (P.hello, SMTP's
-- EHLO), STARTTLS when the TLS mode is "starttls" (P.starttls, default
-- c:starttls()), and the login when user (or token) is given (P.login,
-- default c:auth()). A failure after connecting runs P.abort (SMTP says
-- QUIT; POP3 must not: QUIT would commit) and closes the session.
function M.open(connect_fn, o, P)
  o = o or {}
  local c = connect_fn(o)
  local ok, err = pcall(start, c, o, P)
  if not ok then
    if P.abort then pcall(P.abort, c) end
    c.session:close()
    error(err, 0)
  end
  return c
end

-- plaintext raises unless the session is still unencrypted: the first
-- check of every STARTTLS (STLS) helper.
function M.plaintext(c)
  if c.session.tls then rt.raise("usage", c.label .. ": the session is already encrypted") end
end

-- offers_tls raises unless the server offers the upgrade (verb):
-- never a silent fallback to plaintext.
function M.offers_tls(c, verb, offered)
  if not offered then
    rt.raise("tls", c.label .. ": the server does not offer " .. verb .. " (tls = \"none\" must be said to go on without TLS)",
             {stage = verb})
  end
end

return M
