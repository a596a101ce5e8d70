-- A plain script as a probe module: no check module, the exit code says.
local target = arg[1]
print("probing " .. target)
if target == "fail" then exit(3) end
