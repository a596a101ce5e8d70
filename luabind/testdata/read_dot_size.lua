-- read_dot{size = n}: a hint (POP3 "+OK n octets") that reserves the body's
-- memory once; the body is the same whether the hint is right, short,
-- too large or absent, and a size that is not a number is a usage error.
local s = connect(SERVER)
for _, size in ipairs({25, 3, 1000000, 0}) do
  s:sendline("RETR 1")
  s:expect([[^\+OK]])
  T.eq(s:read_dot{size = size}, "Subject: hi\r\n\r\n.dot line\r\n", "size " .. size)
end
local err = T.fails(function() s:read_dot{size = "big"} end)
T.eq(err.kind, "usage")
T.eq(err.message, 's:read_dot: size: expected integer, got string "big"')
