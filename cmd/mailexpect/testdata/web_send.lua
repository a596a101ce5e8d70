-- Sends two messages to the sandbox user of MAILEXPECT_USER (the
-- MAILEXPECT_* variables of a sandbox): one with an
-- encoded subject, a text and an HTML part and an attachment, and one
-- hostile HTML mail (script tags, event handlers, remote loads) whose
-- every trick would reach arg[1], a listener of the test's, if it ran.
local smtp, mime = require "smtp", require "mime"
local canary = arg[1] or error("usage: web_send.lua http://127.0.0.1:PORT")
local u = {user = env("MAILEXPECT_USER"), pass = secret_env("MAILEXPECT_PASS")}
u.address = u.user .. "@sandbox.test"
local c = smtp.open{url = "smtp://" .. env("MAILEXPECT_SMTP"), user = u.user, pass = u.pass,
                    ca_file = env("MAILEXPECT_CA_FILE")}
c:send{from = u.address, to = {u.address}, raw = mime.message{
  from = "Jörg Müller <" .. u.address .. ">", to = u.address,
  subject = "Grüße: the quarterly report ✓",
  body = "Hello,\nthe report is attached.\n",
  html = "<p>Hello, the <b>report</b> is attached.</p>",
  attachments = {{name = "report-Q3.csv", data = "quarter,revenue\nQ3,42\n", type = "text/csv"}},
}}
local hostile = table.concat{
  [[<html><head><script>document.title = "PWNED"; fetch("]], canary, [[/script")</script>]],
  [[<link rel="stylesheet" href="]], canary, [[/css"><meta http-equiv="refresh" content="0;url=]], canary, [[/refresh"></head>]],
  [[<body onload="document.body.innerHTML='PWNED'; new Image().src=']], canary, [[/onload'">]],
  [[<h1 id="h">Hostile</h1><img src="]], canary, [[/img.png" onerror="fetch(']], canary, [[/onerror')">]],
  [[<iframe src="]], canary, [[/frame"></iframe><object data="]], canary, [[/object"></object>]],
  [[<div style="background:url(]], canary, [[/bg)">styled</div>]],
  [[<form action="]], canary, [[/form"><input name=x></form><a href="javascript:alert(1)">link</a>]],
  [[<svg onload="fetch(']], canary, [[/svg')"></svg></body></html>]],
}
c:send{from = u.address, to = {u.address}, raw = mime.message{
  from = u.address, to = u.address, subject = "hostile html", html = hostile,
}}
c:quit()
print("sent 2")
