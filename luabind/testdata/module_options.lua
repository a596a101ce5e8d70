-- The protocol modules' options are checked by the API spec, and their
-- TLS modes by one rule (rt.endpoint): a typo or a bad mode is a usage
-- error that names the module, before anything is sent.
local smtp, pop3, imap = require "smtp", require "pop3", require "imap"
local function usage(fn)
  local err = T.fails(fn)
  T.eq(err.kind, "usage", "kind")
  return err.message
end
T.eq(usage(function() smtp.connect{host = "127.0.0.1", insecur = true} end):find("unknown option 'insecur'", 1, true) ~= nil, true)
T.eq(usage(function() pop3.connect{url = "imap://127.0.0.1"} end),
     "pop3: url must start with pop3://, pop3s://, got imap://127.0.0.1")
T.eq(usage(function() imap.connect{host = "127.0.0.1", tls = "maybe"} end),
     'imap.connect: tls: expected "implicit"|"starttls"|"none"|boolean, got string "maybe"')
T.eq(usage(function() smtp.connect{} end), "smtp: host (or url) is required")
T.eq(usage(function() pop3.connect{host = "127.0.0.1", port = "x"} end), "pop3: bad port x")
T.eq(usage(function() smtp.connect("mx") end), 'smtp.connect: opts: expected an options table (smtp.OpenOptions), got string "mx"')
print("ok")
