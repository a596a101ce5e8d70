-- spawn: a session over a local program's stdin/stdout with connect's
-- methods; close reaps it and gives its exit status.
local s = spawn{"cat"}
T.eq(s.label:match("^cat%[%d+%]$") ~= nil, true, "label is cat[pid]")
T.eq(type(s.pid), "number", "pid")
T.eq(s.exit_status, nil, "running")
s:sendline("250 hello")
local m = s:expect([[^250 (\w+)$]])
T.eq(m[1], "hello")
s:guard{ {[[^421 ]], function() return "guarded" end} }
s:sendline("421 bye")
T.eq(s:expect([[^never$]]), "guarded", "guards work on spawned sessions")
s:send("abc\r\n")
T.eq(s:readline(), "abc")
local code, sig = s:close()
T.eq(code, 0, "cat exits 0 when its input closes")
T.eq(sig, nil)
T.eq(s.exit_status, 0)

-- options may sit in the command table or in a second table
local e = spawn({"sh", "-c", "echo $SPAWN_T; echo err >&2", stderr = "merge"}, {env = {SPAWN_T = "v1"}, label = "sh"})
T.eq(e.label, "sh")
T.eq(e:readline(), "v1")
T.eq(e:readline(), "err")
T.eq(e:readline(), nil, "clean EOF")
T.eq(e:close(), 0)

-- a program that dies mid-expect: kind eof with its exit status
local d = spawn{"sh", "-c", "echo '220 hi'; exit 7"}
d:expect([[^220 ]])
local err = T.fails(function() d:expect([[^250 ]]) end)
T.eq(err.kind, "eof")
T.eq(err.exit_status, 7)
T.eq(err.message:find("exited with status 7", 1, true) ~= nil, true, err.message)
T.eq(d.exit_status, 7)

-- one that ignores its input closing is killed after kill_after
local k = spawn{"sh", "-c", "trap '' TERM; echo up; while :; do sleep 1; done", kill_after = 0.1}
k:expect("^up")
local t0 = now()
local kc, ks = k:close()
T.eq(ks, "SIGKILL")
T.eq(kc, 137)
T.eq(now() - t0 < 3, true, "killed within the grace periods")

-- a pty when asked
local p = spawn{"sh", "-c", "test -t 0 && echo tty || echo notty", pty = true}
T.eq(p:expect("^(not)?tty")[0], "tty")
p:close()

-- timeouts
local slow = spawn({"sleep", "5"}, {timeout = 0.1})
T.eq(T.fails(function() slow:expect("x") end).kind, "timeout")
slow:close()

-- bad arguments
T.eq(T.fails(function() spawn("cat") end).kind, "usage")
T.eq(T.fails(function() spawn{} end).kind, "usage")
T.eq(T.fails(function() spawn{"cat", ptyy = true} end).kind, "usage")
T.eq(T.fails(function() spawn{"cat", env = {X = 1}} end).kind, "usage")
T.eq(T.fails(function() spawn{"/nonexistent/prog"} end).kind, "connect")

-- a pty has the classic 80x24 size
local sz = spawn{"stty", "size", pty = true}
T.eq(sz:expect([[^(\d+) (\d+)]])[0], "24 80")
sz:close()
