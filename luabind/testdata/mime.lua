-- require "mime": composition with encoded words, RFC 2231 names and the
-- right transfer encodings; parse gives back what went in; badly shaped
-- input is a usage error, never silently dropped.
local mime = require "mime"
local smtp = require "smtp"

local bin = "\0\1\2\255\r\n.\r\n\n\r" .. string.rep("\128", 100)
local msg = mime.message{
  from = "Jörg <j@x.test>", to = {"a@x.test", "Zoë <z@x.test>"}, cc = "c@x.test",
  subject = "Grüße", headers = {{"X-Test", "ü"}, {"X-Num", 42}},
  body = "hallo\nwelt", html = "<p>hallo</p>",
  attachments = {{name = "Bericht März.bin", data = bin}, {name = "a.txt", data = "plain", type = "text/plain"}},
}
T.eq(msg:find("[\128-\255]"), nil, "the message is 7-bit")
T.eq(msg:find("\r\n", 1, true) ~= nil, true)
T.eq(msg:find("[^\r]\n") , nil, "every LF has its CR")
T.eq(msg:match("\r\nSubject: ([^\r]*)"), "=?utf-8?q?Gr=C3=BC=C3=9Fe?=")
T.eq(msg:match("\r\nX%-Num: ([^\r]*)"), "42")
T.eq(msg:find("filename*=utf-8''Bericht%20M%C3%A4rz.bin", 1, true) ~= nil, true)
T.eq(msg:find("\r\nDate: ", 1, true) ~= nil, true)
T.eq(msg:match("\r\nMessage%-ID: <%x+@x%.test>\r\n") ~= nil, true)

local p = assert(mime.parse(msg))
T.eq(p.type, "multipart/mixed")
T.eq(p.header.subject, "Grüße")
T.eq(p.header.from, "Jörg <j@x.test>")
T.eq(p.header["x-test"], "ü")
T.eq(p.headers[1].name, "From")
T.eq(p.headers[3].name, "Cc")
T.eq(p.headers[4].raw, "=?utf-8?q?Gr=C3=BC=C3=9Fe?=")
T.eq(#p.parts, 3)
T.eq(p.parts[1].type, "multipart/alternative")
T.eq(p.parts[1].parts[1].charset, "utf-8")
T.eq(p.text, "hallo\r\nwelt")
T.eq(p.html, "<p>hallo</p>")
T.eq(#p.attachments, 2)
T.eq(p.attachments[1].filename, "Bericht März.bin")
T.eq(p.attachments[1].body == bin, true, "the attachment is byte-exact")
T.eq(p.attachments[1].type, "application/octet-stream")
T.eq(p.attachments[1].disposition, "attachment")
T.eq(p.attachments[2].body, "plain")
T.eq(p.parts[2], p.attachments[1], "the shortcut is the part itself")

-- smtp.message is the same composer
local s = smtp.message{from = "a@x.test", to = "b@x.test", subject = "Grüße", body = "x"}
T.eq(s:match("\r\nSubject: ([^\r]*)"), "=?utf-8?q?Gr=C3=BC=C3=9Fe?=")

-- a file attachment takes its name from the path
local path = os.tmpname()
local f = io.open(path, "wb"); f:write(bin); f:close()
local pf = assert(mime.parse(mime.message{attachments = {{file = path}}}))
os.remove(path)
T.eq(pf.attachments[1].body == bin, true)
T.eq(pf.attachments[1].filename, path:match("[^/]+$"))

-- wrongly shaped input
local function usage(t, want)
  local e = T.fails(function() mime.message(t) end)
  T.eq(e.kind, "usage", want)
  T.eq(e.message, want)
end
usage({headers = {["X-Test"] = "1"}},
  'mime.message: headers: expected a list {string, string}[], got a table with key "X-Test" (a map where a list is expected); write it as a list of pairs: {{"Name", "value"}, ...}')
usage({headers = {{"X-Test"}}}, "mime.message: headers[1]: expected {string, string}, got a list of 1")
usage({headers = {{"X-Test", "1", "2"}}}, "mime.message: headers[1]: expected {string, string}, got a table with key 3")
usage({headers = {{name = "X", value = "1"}}}, 'mime.message: headers[1]: expected {string, string}, got a table with key "name"')
usage({headers = {"X-Test: 1"}}, 'mime.message: headers[1]: expected {string, string}, got string "X-Test: 1"')
usage({bcc = "x@y"}, "mime.message: unknown option 'bcc' (did you mean 'cc'?); known: from, to, cc, subject, headers, body, html, attachments")
usage({to = {"a@x.test", {}}}, "mime.message: to[2]: expected string, got an empty table")
usage({to = "a@x>y"}, 'mime.message: to: bad address "a@x>y": expected comma')
usage({subject = {}}, "mime.message: subject: expected string, got an empty table")
usage({attachments = {{name = "a"}}}, "mime.message: attachments[1] needs data = (the bytes) or file = (a path)")
usage({attachments = {{data = "x", file = "/etc/hostname"}}}, "mime.message: attachments[1]: give data = or file =, not both")
usage({attachments = {{data = "x", filename = "a"}}}, "mime.message: attachments[1]: unknown key 'filename'; known: name, data, file, type")
usage({attachments = {{file = "/nonexistent/x.pdf"}}}, "mime.message: attachments[1]: /nonexistent/x.pdf: no such file or directory")
usage({attachments = {name = "a", data = "x"}}, 'mime.message: attachments: expected a list mime.Attachment[], got a table with key "data" (a map where a list is expected)')
usage({body = "\255"}, "mime.message: body is not valid UTF-8 text; send bytes as an attachment")
local e = T.fails(function() mime.message{subject = "a\r\nBcc: x@y"} end)
T.eq(e.kind, "injection")
T.eq(e.message, "mime.message: header Subject contains CR, LF or NUL")

-- parse: bad data is nil plus a message, not an error
local none, why = mime.parse("no colon\r\n\r\nbody")
T.eq(none, nil)
T.eq(why:match("^mime.parse: ") ~= nil, true)
