-- want-exit: 4
-- exit cannot be caught by pcall
local ok = pcall(exit, 4)
print("not reached")
error("not reached either")
