-- A wrong password: a reply error carrying Postfix's 535 5.7.8, pointing at
-- the script line, and the wrong password is masked too.
local smtp = require "smtp"
local F = "testdata/real/smtp_auth_wrong.lua:"
local function here() return F .. debug.getinfo(2, "l").currentline end

local wrong = "not-" .. STACK.pass
local o = {url = "submission://" .. STACK.submission, ca_file = STACK.ca_file, user = STACK.user, pass = wrong}
local e, where = T.fails(function() smtp.open(o) end), here()
T.eq(e.kind, "reply")
T.eq(e.stage, "AUTH")
T.eq(e.where, where)
T.eq(e.reply.code, 535)
T.eq(e.reply.enhanced, "5.7.8")
T.eq(e.message:find("AUTH PLAIN refused: 535 5.7.8 ", 1, true) ~= nil, true, e.message)
T.eq(tostring(e):sub(1, #where + 2), where .. ": ")
T.eq(tostring(e):find(wrong, 1, true), nil, "no password in the message")

-- Each mechanism fails the same way.
for _, mech in ipairs{"login", "cram-md5"} do
  local e = T.fails(function()
    smtp.open{url = "submission://" .. STACK.submission, ca_file = STACK.ca_file,
              user = STACK.user, pass = wrong, auth = mech} end)
  T.eq(e.kind, "reply", mech)
  T.eq(e.reply.code, 535, mech)
  T.eq(e.reply.enhanced, "5.7.8", mech)
end
print("ok")
