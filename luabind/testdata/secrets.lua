-- want-stdout: user=*** pw=***
local pw = secret_env("MAILEXPECT_TEST_PASS", "default-pw")
T.eq(pw, "default-pw")
local e = T.fails(function() secret_env("MAILEXPECT_SURELY_UNSET") end)
T.eq(e.message, "secret_env: environment variable MAILEXPECT_SURELY_UNSET is not set")
secret("alice")
print("user=alice pw=" .. secret("s3cr3t"))
