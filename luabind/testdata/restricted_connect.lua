-- config: restricted
-- args: 127.0.0.1
local e = T.fails(function() connect("localhost:25") end)
T.eq(e.message, [[connect: --restricted allows only hosts named in the arguments; "localhost" is not one of them]])
local s = connect(SERVER) -- 127.0.0.1:port, named in the arguments
s:expect("^220")
